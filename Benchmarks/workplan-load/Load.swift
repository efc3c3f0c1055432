import ArgumentParser
import Foundation
import WorkPlanTestSupport

/// `make load`: 32 concurrent officers, each with its own certificate, editing and syncing
/// against one server on 127.0.0.1 (in this process, over real mutual TLS); prints push and
/// pull throughput and latency, then verifies nothing was lost or duplicated, that every
/// replica converged, and runs the store check. Exits non-zero on any fault (and, with
/// `--strict`, when push p99 misses the target).
@main
struct WorkPlanLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workplan-load", abstract: "Concurrent officers against one server: latency, throughput, and nothing lost.")

    @Option(help: "Simulated officers.") var officers = 32
    @Option(help: "Edits per officer.") var edits = 200
    @Option(help: "Edits between two syncs.") var editsPerSync = 10
    @Option(help: "The whole run must end within this many seconds.") var timeLimit = 600.0
    @Option(help: "Push p99 target in milliseconds.") var targetP99 = 250.0
    @Flag(help: "Fail when push p99 misses the target.") var strict = false

    func run() async throws {
        let config = LoadGenerator.Config(officers: officers, edits: edits, editsPerSync: editsPerSync, timeLimit: timeLimit)
        let report = try await LoadGenerator.run(config)
        print(report.table)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let p99 = report.pushP99
        print(String(format: "push p99 %.1f ms: %@ (target ≤ %.0f ms)", p99, p99 <= targetP99 ? "met" : "NOT met", targetP99))
        if report.faults.isEmpty {
            print("verified: every accepted operation stored exactly once, history = accepted operations, all \(officers) replicas converged")
        } else {
            for f in report.faults { print("FAULT: \(f)") }
        }
        print(report.checkFaults.isEmpty ? "store check: ok" : "store check: " + report.checkFaults.joined(separator: "; "))
        if !report.faults.isEmpty || !report.checkFaults.isEmpty { throw ExitCode(1) }
        if strict && p99 > targetP99 { throw ExitCode(2) }
    }
}
