import ArgumentParser
import Foundation

/// Options given more than once with different values: argument-parser keeps the last
/// one without a word (`--follows A --follows B` followed B; `user add --staff EUMS --staff
/// IMS` enrolled IMS), so every single-valued option of every command is refused when
/// repeated, naming it. Options meant to repeat (`--tag`), flags, and one value given twice
/// are left alone.
public enum RepeatedOptions {
    /// Refuses a single-valued option given twice with different values in `arguments`, the
    /// command line after the program's name (`root`): the names of a subcommand, then its
    /// arguments, which argument-parser has read without error (so an option's value is the
    /// word after it, unless attached with '=').
    public static func check(_ arguments: [String], root: any ParsableCommand.Type) throws {
        // No option named twice (nearly every command line): nothing to ask. Reading the
        // command's description costs a few milliseconds, a fifth of a `status`.
        var named = Set<Substring>()
        let repeated = arguments.prefix { $0 != "--" }.contains { word in
            word.hasPrefix("--") && !named.insert(word.split(separator: "=", maxSplits: 1).first ?? "").inserted
        }
        guard repeated else { return }
        var command: any ParsableCommand.Type = root
        var i = 0
        while i < arguments.count, let sub = command.configuration.subcommands.first(where: { $0._commandName == arguments[i] }) {
            command = sub
            i += 1
        }
        let single = singleValued(command)
        var values: [String: [String]] = [:]
        while i < arguments.count, arguments[i] != "--" {
            let word = arguments[i]
            i += 1
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard word.hasPrefix("--"), single.contains(parts[0]) else { continue }
            if parts.count == 2 {
                values[parts[0], default: []].append(parts[1])
            } else if i < arguments.count {
                values[parts[0], default: []].append(arguments[i])
                i += 1
            }
        }
        for (option, given) in values.sorted(by: { $0.key < $1.key }) {
            var distinct: [String] = []
            for v in given where !distinct.contains(v) { distinct.append(v) }
            guard distinct.count > 1 else { continue }
            let quoted = distinct.map { "'\($0)'" }
            let list = quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
            throw ValidationError("\(option) was given \(given.count == 2 ? "twice" : "\(given.count) times") (\(list)); give it once")
        }
    }

    /// The names ("--follows") of `command`'s options that take one value, from
    /// argument-parser's own description of the command (what `--experimental-dump-help`
    /// prints): an option declared as an array repeats, any other keeps only its last value.
    static func singleValued(_ command: any ParsableCommand.Type) -> Set<String> {
        struct Dump: Decodable {
            struct Command: Decodable { var arguments: [Argument]? }
            struct Argument: Decodable {
                struct Name: Decodable { var kind: String; var name: String }
                var kind: String
                var isRepeating: Bool
                var names: [Name]?
            }
            var command: Command
        }
        guard let dump = try? JSONDecoder().decode(Dump.self, from: Data(command._dumpHelp().utf8)) else { return [] }
        let options = (dump.command.arguments ?? []).filter { $0.kind == "option" && !$0.isRepeating }
        return Set(options.flatMap { $0.names ?? [] }.filter { $0.kind == "long" }.map { "--" + $0.name })
    }
}
