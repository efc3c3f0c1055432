import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanCommandLine
import WorkPlanProtocol

/// `workplan`: the officer's command-line client.
@main
struct WorkPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workplan",
        abstract: "Keep the EUMS-IMS joint work plan on your laptop, offline, and sync it.",
        discussion: "The replica folder is --dir, else $WORKPLAN_HOME, else ~/.workplan.",
        subcommands: [
            Init.self, Join.self,
            Area.self, Add.self, Edit.self, Delete.self, List.self, Show.self, Note.self,
            Conference.self, Agenda.self,
            Sync.self, Status.self, Conflicts.self, Resolve.self, History.self, Recover.self,
            Export.self, Import.self, Brief.self, Changes.self,
        ]
    )

    /// argument-parser's `main`, with a hint when a value that starts with '-' was read as
    /// an option (`--owner -Smith`, a note "- done"): its own message only says a value
    /// is missing.
    static func main() async {
        ArgumentEncoding.exitUnlessText()
        let arguments = LeadingDirectory.commandLine(root: Self.self)
        UnknownCommand.exitIfHelpOnUnknown(arguments, root: Self.self)
        do {
            var command = try parse(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            // Help and version requests print as argument-parser prints them.
            if code == .success { exit(withError: error) }
            // An `ExitCode` thrown after the message was written has no text of its own.
            let message = UnknownCommand.message(arguments, root: Self.self).map { "Error: " + $0 } ?? fullMessage(for: error)
            let hint = DashValueHint.hint(for: message, arguments: arguments)
            let text = TerminalText.visible(message) + (hint.map { "\n" + TerminalText.visible($0) } ?? "")
            if !text.isEmpty { StandardStream.error(text + "\n") }
            Foundation.exit(code.rawValue)
        }
    }
}

extension WorkPlan {
    /// `parseAsRoot`, reading a negative number after an option that takes a number as that
    /// option's value: argument-parser takes "-1" for an option and says the value is
    /// missing, so `--conference -1` gets the value check's own message, as `--conference 0`
    /// does. Other options keep the hint to attach the value with '='.
    static func parse(_ arguments: [String]) throws -> any ParsableCommand {
        do {
            return try parseAsRoot(arguments)
        } catch {
            guard let joined = DashValueHint.joiningNegativeNumber(in: arguments, message: fullMessage(for: error)) else { throw error }
            return try parse(joined)
        }
    }
}

/// Values that start with '-' are read as options by the command line's parser.
enum DashValueHint {
    /// `arguments` with the option that `message` says has no value joined to the negative
    /// number after it (`--conference=-1`), or nil when no negative number follows it.
    static func joiningNegativeNumber(in arguments: [String], message: String) -> [String]? {
        DashValue.joiningNegativeNumber(in: arguments, message: message, numberOptions: numberOptions)
    }

    /// The options whose value is a number (a conference's).
    static let numberOptions: Set = ["--conference", "--origin-conference", "--since-conference"]

    /// A hint naming the value, when `message` says a value is missing (or an option is
    /// unknown) and the value given starts with '-': the word after the option named
    /// (`--owner -Smith`), or a word that looks like text, not an option (`looksLikeText`).
    static func hint(for message: String, arguments: [String]) -> String? {
        if let attach = DashValue.attachHint(for: message, arguments: arguments) { return attach }
        let textHint = { (value: String) in
            "hint: '\(value)' starts with '-', so it was read as an option; put a value that starts with '-' after '--', last: workplan \(commandPath(arguments)) ... -- '\(value)'"
        }
        if let unknown = DashValue.quoted(after: "Unknown option '", in: message), looksLikeText(unknown) {
            // A dash and one letter (`edit ID -s done`) is most often a short option guessed:
            // said first (the bad-input tester was told only to put `-s` after `--`).
            if unknown.count == 2, unknown.last?.isLetter == true {
                let command = commandPath(arguments)
                return "hint: '\(unknown)' starts with '-', so it was read as an option, and workplan \(command) has none of that name (its options are spelled out: see 'workplan \(command) --help'); if it is a value, put it after '--', last: workplan \(command) ... -- '\(unknown)'"
            }
            return textHint(unknown)
        }
        guard message.contains("Missing expected argument"), let value = arguments.first(where: looksLikeText) else { return nil }
        return textHint(value)
    }

    /// The subcommand names `arguments` start with ("conference show"), for the hint's example.
    static func commandPath(_ arguments: [String]) -> String {
        var path: [String] = []
        var commands = WorkPlan.configuration.subcommands
        for arg in arguments {
            guard let sub = commands.first(where: { $0.configuration.commandName == arg }) else { break }
            path.append(arg)
            commands = sub.configuration.subcommands
        }
        return path.isEmpty ? "COMMAND" : path.joined(separator: " ")
    }

    /// A word with one dash is text (WorkPlan's only one-dash option is `-h`), and so is
    /// a dash alone; one with two is text only with a space in it.
    static func looksLikeText(_ arg: String) -> Bool {
        guard arg.hasPrefix("-"), arg != "--" else { return false }
        return arg.hasPrefix("--") ? arg.contains(" ") : arg != "-h"
    }
}
