import Foundation
import GRDB
import Logging
import NIOCore
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanServer

/// The load generator behind `make load` (Benchmarks/workplan-load) and its quick test:
/// simulated officers, each with its own certificate and replica, editing and syncing at
/// once against one server over real mutual TLS on 127.0.0.1, then a check that nothing
/// was lost or duplicated and that every replica converged.
///
/// The server runs in this process (`RunningServer`, the same Hummingbird/TLS stack as
/// `workplan-server serve`); officers are enrolled through `ServerHome`; clients use the
/// real `Transport` (AsyncHTTPClient) and `SyncEngine`, one HTTP client per officer.
public enum LoadGenerator {
    public struct Config: Sendable {
        public var officers: Int
        /// Edits per officer (the first creates the officer's own task).
        public var edits: Int
        /// Edits between two syncs.
        public var editsPerSync: Int
        /// The whole run must end within this many seconds.
        public var timeLimit: Double

        public init(officers: Int = 32, edits: Int = 200, editsPerSync: Int = 10, timeLimit: Double = 600) {
            self.officers = officers
            self.edits = edits
            self.editsPerSync = editsPerSync
            self.timeLimit = timeLimit
        }
    }

    /// What one run measured and found.
    public struct Report: Sendable {
        public var config: Config
        /// Latencies in milliseconds.
        public var pushLatencies: [Double]
        public var pullLatencies: [Double]
        public var pushedOps: Int
        public var pulledChanges: Int
        /// Seconds of the editing phase (and of the whole run).
        public var editSeconds: Double
        public var totalSeconds: Double
        public var accepted: Int
        public var unchanged: Int
        public var conflicts: Int
        /// Correctness faults (empty when nothing was lost, duplicated or diverged).
        public var faults: [String]
        /// `workplan-server check`'s faults.
        public var checkFaults: [String]

        public static func percentile(_ values: [Double], _ p: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            let index = Int((p * Double(sorted.count - 1)).rounded(.up))
            return sorted[min(index, sorted.count - 1)]
        }

        public var pushP99: Double { Self.percentile(pushLatencies, 0.99) }

        /// The figures as a Markdown table.
        public var table: String {
            func row(_ name: String, _ lat: [Double], _ items: Int, _ unit: String, _ seconds: Double) -> String {
                let rate = seconds > 0 ? Double(items) / seconds : 0
                return "| \(name) | \(lat.count) | \(items) \(unit) | \(String(format: "%.0f", rate)) \(unit)/s | "
                    + String(format: "%.1f | %.1f | %.1f |", Self.percentile(lat, 0.5), Self.percentile(lat, 0.99), lat.max() ?? 0)
            }
            return """
                \(config.officers) officers × \(config.edits) edits, a sync every \(config.editsPerSync) edits; \
                edit phase \(String(format: "%.1f", editSeconds)) s, whole run \(String(format: "%.1f", totalSeconds)) s
                | call | requests | items | throughput | p50 ms | p99 ms | max ms |
                | --- | ---: | ---: | ---: | ---: | ---: | ---: |
                \(row("push", pushLatencies, pushedOps, "ops", editSeconds))
                \(row("pull", pullLatencies, pulledChanges, "changes", totalSeconds))
                outcomes: \(accepted) accepted, \(unchanged) unchanged, \(conflicts) conflict
                """
        }
    }

    /// Runs the load against a fresh in-process server and verifies the outcome.
    public static func run(_ config: Config, logLevel: Logger.Level = .critical) async throws -> Report {
        let tmp = try TemporaryDirectory(prefix: "workplan-load")
        defer { tmp.remove() }
        let home = try ServerHome.initialize(at: tmp.file("server"))
        let store = try home.openStore()
        var logger = Logger(label: "workplan-load-server")
        logger.logLevel = logLevel
        let server = try await RunningServer.start(
            store: store, tls: try home.tlsMaterial(), options: ServerOptions(host: "127.0.0.1", port: 0, logger: logger))
        let start = ContinuousClock.now
        let deadline = start + .seconds(config.timeLimit)

        var officers: [LoadOfficer] = []
        for i in 0..<config.officers {
            let staff: Staff = i % 2 == 0 ? .EUMS : .IMS
            let bundle = try home.enrol(name: "officer-\(i)", staff: staff, role: .editor, serverURL: server.url, store: store)
            let replica = try Replica.join(folder: tmp.child("officer-\(i)"), bundle: bundle, serverURL: server.url)
            officers.append(LoadOfficer(index: i, replica: replica, transport: TimedTransport(try Transport(bundle: bundle))))
        }
        func finish() async {
            for o in officers { await o.transport.inner.shutdown() }
            await server.stop()
            try? store.close()
        }

        do {
            // Setup: one area and one task every officer edits (tags: never a conflict).
            let first = officers[0]
            let area = try first.replica.createRecord(.area, fields: ["name": .text("Load Testing")])
            let shared = try first.replica.createRecord(.task, fields: taskFields("Shared load task", area: area))
            try await first.sync()
            try await forEach(officers) { try await $0.sync() }

            // The edit phase: every officer at once.
            let editStart = ContinuousClock.now
            try await forEach(officers) { o in
                let own = try o.replica.createRecord(.task, fields: taskFields("Task of officer \(o.index)", area: area))
                for k in 1..<max(config.edits, 1) {
                    if ContinuousClock.now > deadline { throw WorkPlanError(.unavailable, "the load run passed its time limit of \(config.timeLimit) s") }
                    switch k % 4 {
                    case 0:
                        // Add a tag, then remove it four edits later (a set field holds at most 200).
                        if (k / 4) % 2 == 1 {
                            try o.replica.edit(.task, id: shared, [.add("tags", "o\(o.index)-\(k)")])
                        } else {
                            try o.replica.edit(.task, id: shared, [.remove("tags", "o\(o.index)-\(k - 4)")])
                        }
                    case 1: try o.replica.edit(.task, id: own, [.set("title", .text("Officer \(o.index) edit \(k)"))])
                    case 2: try o.replica.edit(.task, id: own, [.set("status", .text(k % 8 == 2 ? "in-progress" : "open"))])
                    default: try o.replica.edit(.task, id: own, [.set("description", .text("Line \(k) of officer \(o.index)'s work"))])
                    }
                    if k % config.editsPerSync == 0 { try await o.sync() }
                }
                try await o.sync()
            }
            let editSeconds = (ContinuousClock.now - editStart).inSeconds

            // Everyone syncs twice with no new edits (DESIGN.md rule 6).
            for _ in 0..<2 { try await forEach(officers) { try await $0.sync() } }
            let totalSeconds = (ContinuousClock.now - start).inSeconds
            if ContinuousClock.now > deadline { throw WorkPlanError(.unavailable, "the load run passed its time limit of \(config.timeLimit) s") }

            var report = Report(config: config, pushLatencies: [], pullLatencies: [], pushedOps: 0, pulledChanges: 0,
                                editSeconds: editSeconds, totalSeconds: totalSeconds, accepted: 0, unchanged: 0, conflicts: 0,
                                faults: [], checkFaults: [])
            var acceptedSeqs: [Int64] = []
            for o in officers {
                let t = o.transport.snapshot()
                report.pushLatencies += t.push
                report.pullLatencies += t.pull
                report.pushedOps += t.sentOps.count
                report.pulledChanges += t.pulled
                report.faults += t.faults
                for op in t.sentOps where t.results[op] == nil { report.faults.append("operation \(op) of officer \(o.index) never got a result") }
                for r in t.results.values {
                    switch r.outcome {
                    case .accepted, .merged:
                        report.accepted += 1
                        if let seq = r.seq { acceptedSeqs.append(seq) } else { report.faults.append("accepted operation \(r.op) has no seq") }
                    case .unchanged: report.unchanged += 1
                    case .conflict: report.conflicts += 1
                    }
                }
                if try o.replica.pendingCount() != 0 { report.faults.append("officer \(o.index) still has pending edits") }
            }
            // Every accepted operation is stored exactly once, and the history holds nothing else.
            if Set(acceptedSeqs).count != acceptedSeqs.count { report.faults.append("two accepted operations share a seq") }
            let stored = try await store.pool.read { db in
                try Int64.fetchAll(db, sql: "SELECT seq FROM changes WHERE event = 'change' ORDER BY seq")
            }
            if Set(stored) != Set(acceptedSeqs) || stored.count != acceptedSeqs.count {
                let missing = Set(acceptedSeqs).subtracting(stored).count, extra = Set(stored).subtracting(acceptedSeqs).count
                report.faults.append("history and accepted operations differ: \(stored.count) stored changes, \(acceptedSeqs.count) accepted (\(missing) accepted but not stored, \(extra) stored but never accepted)")
            }
            // Every replica converged on the same plan, holding every officer's task.
            let exports = try officers.map { try $0.replica.exportPlan() }
            for (i, e) in exports.enumerated() where e != exports[0] {
                let mine = Set(e.records), theirs = Set(exports[0].records)
                let diff = mine.symmetricDifference(theirs).sorted { $0.id < $1.id }.prefix(2)
                report.faults.append("officer \(i)'s replica differs from officer 0's (\(e.records.count) vs \(exports[0].records.count) records; e.g. \(diff))")
            }
            let tasks = try officers[0].replica.tasks().count
            if tasks != config.officers + 1 { report.faults.append("officer 0 sees \(tasks) tasks, expected \(config.officers + 1)") }
            report.checkFaults = try store.check()
            await finish()
            return report
        } catch {
            await finish()
            throw error
        }
    }

    static func taskFields(_ title: String, area: String) -> [String: FieldValue] {
        ["title": .text(title), "area": .text(area), "lead": .text("EUMS"), "status": .text("open"),
         "priority": .text("medium"), "releasable": .text("both")]
    }

    static func forEach(_ officers: [LoadOfficer], _ body: @escaping @Sendable (LoadOfficer) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for o in officers { group.addTask { try await body(o) } }
            try await group.waitForAll()
        }
    }
}

/// One simulated officer.
struct LoadOfficer: Sendable {
    let index: Int
    let replica: Replica
    let transport: TimedTransport

    func sync() async throws {
        _ = try await SyncEngine(replica: replica, transport: transport).run()
    }
}

/// The real HTTPS transport, timing each call and keeping every result it was given.
final class TimedTransport: SyncTransport, @unchecked Sendable {
    let inner: Transport
    private let lock = NSLock()
    private var push: [Double] = []
    private var pull: [Double] = []
    private var pulled = 0
    private var sentOps = Set<String>()
    private var results: [String: OpResult] = [:]
    private var faults: [String] = []

    init(_ inner: Transport) { self.inner = inner }

    func hello() async throws -> HelloResponse { try await inner.hello() }

    func push(_ request: PushRequest) async throws -> PushResponse {
        lock.withLock { for op in request.ops { sentOps.insert(op.id) } }
        let t0 = ContinuousClock.now
        let response = try await inner.push(request)
        let ms = (ContinuousClock.now - t0).inSeconds * 1000
        lock.withLock {
            push.append(ms)
            for r in response.results {
                if let earlier = results[r.op], earlier != r {
                    faults.append("operation \(r.op) got two different results")
                }
                results[r.op] = r
            }
        }
        return response
    }

    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        let t0 = ContinuousClock.now
        let page = try await inner.pull(after: cursor, limit: limit)
        let ms = (ContinuousClock.now - t0).inSeconds * 1000
        lock.withLock {
            pull.append(ms)
            pulled += page.changes.count
        }
        return page
    }

    struct Snapshot {
        var push: [Double], pull: [Double], pulled: Int, sentOps: Set<String>, results: [String: OpResult], faults: [String]
    }

    func snapshot() -> Snapshot {
        lock.withLock { Snapshot(push: push, pull: pull, pulled: pulled, sentOps: sentOps, results: results, faults: faults) }
    }
}

extension Duration {
    var inSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
