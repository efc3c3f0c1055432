import ArgumentParser
import WorkPlanCommandLine
import Foundation
import WorkPlanProtocol
import WorkPlanServer

/// `workplan-server`: the administrator's command (init, serve, user, backup).
@main
struct WorkPlanServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workplan-server",
        abstract: "The WorkPlan sync server: HTTPS with client certificates, versioned merge.",
        subcommands: [InitCommand.self, ServeCommand.self, UserCommand.self, BackupCommand.self,
                      RestoreCommand.self, CheckCommand.self, RenewCommand.self])

    /// argument-parser's `main`, with control characters in an error message shown as
    /// escapes (`TerminalText`): messages quote what the administrator typed. A value that
    /// starts with '-' gets the range check of its option (`--port -1`) or a hint (`DashValue`).
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
            if code == .success { exit(withError: error) }
            let message = UnknownCommand.message(arguments, root: Self.self).map { "Error: " + $0 } ?? fullMessage(for: error)
            let hint = DashValue.attachHint(for: message, arguments: arguments)
            let text = TerminalText.visible(message) + (hint.map { "\n" + TerminalText.visible($0) } ?? "")
            if !text.isEmpty { StandardStream.error(text + "\n") }
            Foundation.exit(code.rawValue)
        }
    }
}

extension WorkPlanServerCommand {
    /// The options whose value is a number: a negative one is read as that option's value
    /// (`--port -1` gets the port's range check, not "Missing value").
    static let numberOptions: Set = ["--port", "--idle-timeout"]

    /// `parseAsRoot`, with a negative number after a number option joined to it.
    static func parse(_ arguments: [String]) throws -> any ParsableCommand {
        do {
            return try parseAsRoot(arguments)
        } catch {
            guard let joined = DashValue.joiningNegativeNumber(in: arguments, message: fullMessage(for: error),
                                                               numberOptions: numberOptions) else { throw error }
            return try parseAsRoot(joined)
        }
    }
}

/// The data folder, shared by every subcommand.
struct HomeOptions: ParsableArguments {
    @Option(name: .long, help: "The server's data folder (else $WORKPLAN_SERVER_HOME).")
    var dir: String?

    func validate() throws {
        // Not the current folder, nor $WORKPLAN_SERVER_HOME: an empty --dir is a mistake.
        if dir?.isEmpty == true { throw ValidationError("--dir is empty; give the data folder's path") }
        // Every subcommand has these options: the check of what the others were given goes here.
        try RepeatedOptions.check(LeadingDirectory.commandLine(root: WorkPlanServerCommand.self), root: WorkPlanServerCommand.self)
        if resolved == nil {
            throw ValidationError("no data folder: pass --dir PATH or set WORKPLAN_SERVER_HOME")
        }
    }

    var resolved: String? {
        if let dir, !dir.isEmpty { return dir }
        if let env = ProcessInfo.processInfo.environment["WORKPLAN_SERVER_HOME"], !env.isEmpty { return env }
        return nil
    }

    var home: ServerHome { ServerHome(directory: resolved ?? ".") }
}
