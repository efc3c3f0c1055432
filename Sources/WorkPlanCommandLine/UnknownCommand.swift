import ArgumentParser

/// A command line naming a command that does not exist. argument-parser complains about
/// whatever follows it instead (`workplan frobnicate --dir X` said "Unknown option
/// '--dir'"), or says "Unexpected argument": both programs name the unknown command and
/// list the ones there are.
public enum UnknownCommand {
    /// The message for `arguments` (the command line after the program's name) when a word
    /// where a command must come is not one of `root`'s commands (or its subcommands'),
    /// else nil.
    public static func message(_ arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command: any ParsableCommand.Type = root
        var path = [root._commandName]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-"), word != "help" else { return nil }
            guard let next = subcommands.first(where: { $0._commandName == word }) else {
                let names = subcommands.map { $0._commandName }.joined(separator: ", ")
                return "'\(path.joined(separator: " ")) \(word)' is not a command; the commands are: \(names) (see '\(path.joined(separator: " ")) --help')"
            }
            command = next
            path.append(word)
        }
        return nil
    }

    /// The message for `help WORD…` naming a command that does not exist: argument-parser
    /// printed the general help and exited 0 (the bad-input tester).
    public static func helpMessage(_ arguments: [String], root: any ParsableCommand.Type) -> String? {
        guard arguments.first == "help" else { return nil }
        return message(Array(arguments.dropFirst()), root: root)
    }

    /// Exits with status 64 and the message when `arguments` ask for help on a command that
    /// does not exist; returns otherwise.
    public static func exitIfHelpOnUnknown(_ arguments: [String], root: any ParsableCommand.Type) {
        guard let text = helpMessage(arguments, root: root) else { return }
        exitWithUsageError(text)
    }
}
