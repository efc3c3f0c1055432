import ArgumentParser

/// `--dir PATH` written before the command (`workplan --dir ~/eums sync`), as many tools
/// take a global option. Every command of both programs takes `--dir`, so it is moved to
/// just after the command's words, where argument-parser reads it; before, it said
/// "Unknown option '--dir'".
public enum LeadingDirectory {
    /// This process's command line after the program's name, `--dir` moved (`moved`).
    public static func commandLine(root: any ParsableCommand.Type) -> [String] {
        moved(Array(CommandLine.arguments.dropFirst()), root: root)
    }

    /// `arguments` (the command line after the program's name) with leading `--dir PATH`
    /// or `--dir=PATH` moved after the command's words (or after the first word, when it
    /// is no command); as they are when they do not start with one, or when nothing but
    /// options follows it (argument-parser then says what is wrong).
    public static func moved(_ arguments: [String], root: any ParsableCommand.Type) -> [String] {
        var rest = arguments[...]
        var leading: [String] = []
        while let first = rest.first {
            if first == "--dir", rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--dir=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        // `help COMMAND` reads no folder, and takes no --dir (the review).
        if rest.first == "help" { return Array(rest) }
        var command: any ParsableCommand.Type = root
        var words = 0
        for word in rest {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            command = next
            words += 1
        }
        // A word that is no command stays first, so that it is named as such (`UnknownCommand`).
        if words == 0, let first = rest.first, !first.hasPrefix("-") { words = 1 }
        guard words > 0 else { return arguments }
        // A group named without its subcommand (`workplan --dir R area`) prints its help,
        // which reads no folder; with --dir after it, it said "Unknown option '--dir'" (the
        // bad-input tester).
        if !command.configuration.subcommands.isEmpty, words == rest.count { return Array(rest) }
        return Array(rest.prefix(words)) + leading + Array(rest.dropFirst(words))
    }
}
