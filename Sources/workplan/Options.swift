import ArgumentParser
import WorkPlanCommandLine
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
        try RepeatedOptions.check(LeadingDirectory.commandLine(root: WorkPlan.self), root: WorkPlan.self)
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
        try await Output.reportingErrors(folder: options.folder) {
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
