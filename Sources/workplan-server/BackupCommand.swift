import ArgumentParser
import WorkPlanServer

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent copy of the store (safe while serving).")

    @OptionGroup var options: HomeOptions
    @Option(help: "The backup file (must not exist).") var to: String

    func validate() throws {
        guard !to.isEmpty else { throw ValidationError("--to must name a file") }
    }

    func run() throws {
        let store = try options.home.openStore()
        defer { try? store.close() }
        try store.backup(to: to)
        print("backed up to \(to)")
    }
}
