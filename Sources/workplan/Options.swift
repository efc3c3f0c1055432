import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanProtocol

/// Options every command takes.
struct ReplicaOptions: ParsableArguments {
    @Option(name: .long, help: "The replica folder (default: $WORKPLAN_HOME, else ~/.workplan).")
    var dir: String?

    var folder: URL {
        if let dir { return URL(fileURLWithPath: dir) }
        if let home = ProcessInfo.processInfo.environment["WORKPLAN_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home)
        }
        // `~` is $HOME, as in the shell (Foundation's home directory on Linux is the
        // password file's, whatever $HOME says).
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent(".workplan")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".workplan")
    }

    func validate() throws {
        if let dir, dir.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--dir needs a folder name (it is empty)")
        }
        // Every command has these options: the check of what the others were given goes here.
        try RepeatedOptions.check(Array(CommandLine.arguments.dropFirst()))
    }

    func open() throws -> Replica { try Replica.open(in: folder) }
}

/// A command that works on a replica and reports `WorkPlanError`s as one clear line.
protocol ReplicaCommand: AsyncParsableCommand {
    var options: ReplicaOptions { get }
    func run(_ replica: Replica) async throws
}

extension ReplicaCommand {
    mutating func run() async throws {
        let options = self.options
        try await Output.reportingErrors {
            let replica = try options.open()
            try await self.run(replica)
        }
    }
}

/// Turns a model validation error into argument-parser's `ValidationError`.
func validating(_ body: () throws -> Void) throws {
    do { try body() } catch let e as WorkPlanError { throw ValidationError(e.message) }
}

/// Checks one option's text against the model's rules for that field.
func checkField(_ kind: RecordKind, _ field: String, _ text: String?) throws {
    guard let text, let spec = kind.field(field) else { return }
    try validating {
        if spec.isSet {
            _ = try Validation.normalize(.set([text]), for: spec, kind: kind)
        } else if !(text.isEmpty && !spec.required) {
            _ = try Validation.normalize(.text(text), for: spec, kind: kind)
        }
    }
}

/// Refuses a text argument with nothing visible in it: empty, spaces, or invisible
/// formatting characters such as a zero-width space (recording it would erase what was there).
func checkNotBlank(_ text: String, _ what: String) throws {
    guard !text.isBlank else { throw ValidationError("\(what) is empty") }
}

/// Options given more than once with different values: argument-parser keeps the last
/// one without a word (`--follows A --follows B` followed B), so every single-valued option
/// of every command is refused when repeated, naming it. Options meant to repeat (`--tag`),
/// flags, and one value given twice are left alone.
enum RepeatedOptions {
    /// Refuses a single-valued option given twice with different values in `arguments`,
    /// the command line after `workplan`: the names of a subcommand, then its arguments,
    /// which argument-parser has read without error (so an option's value is the word after
    /// it, unless attached with '=').
    static func check(_ arguments: [String]) throws {
        // No option named twice (nearly every command line): nothing to ask. Reading the
        // command's description costs a few milliseconds, a fifth of a `status`.
        var named = Set<Substring>()
        let repeated = arguments.prefix { $0 != "--" }.contains { word in
            word.hasPrefix("--") && !named.insert(word.split(separator: "=", maxSplits: 1).first ?? "").inserted
        }
        guard repeated else { return }
        var command: any ParsableCommand.Type = WorkPlan.self
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
