import Foundation
import Testing
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanTestSupport

/// A plan export with `count` tasks in the area "Military Mobility" (for `workplan import`).
func writeLargeExport(count: Int, to path: String, titlePrefix: String = "Imported task") throws {
    let area = RecordID.area(named: "Military Mobility")
    let records = (0..<count).map { i in
        ExportedRecord(id: RecordID.random(), kind: .task,
                       fields: ["title": .text("\(titlePrefix) \(i)"), "area": .text(area), "lead": .text("EUMS"),
                                "status": .text("open"), "priority": .text("medium"), "releasable": .text("both")],
                       createdAt: "2026-01-05T09:00:00Z", createdBy: nil)
    }
    try JSONEncoder().encode(PlanExport(format: PlanExport.formatName, records: records)).write(to: URL(fileURLWithPath: path))
}

/// A real `workplan-server` process killed, cut off and kept busy; real `workplan` clients.
@Suite("Server faults (real processes)")
struct ServerFaultTests {
    /// Tasks in the first-push test: `WORKPLAN_IMPORT_TASKS` (default 6000: three batches;
    /// `make faults` runs 50 000).
    static let importTasks = Int(ProcessInfo.processInfo.environment["WORKPLAN_IMPORT_TASKS"] ?? "") ?? 6000

    /// A test process that dies leaves no server running: each test server's input is a
    /// pipe only the test process holds, and the server stops, cleanly, when it ends (one
    /// crashed run left two servers behind). Closing it here does what the end of the
    /// process would.
    @Test func aTestServerStopsWhenItsInputEnds() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.child("srv").path)
        try server.start()
        #expect(server.isRunning)
        try server.closeInput()
        #expect(server.waitForExit(timeout: 30) == 0, "stopped by itself, cleanly")
    }

    /// SIGKILL inside the push's write transaction, after 500 of a batch's operations were
    /// applied: after a restart the store checks clean, nothing of the batch is visible, and
    /// both officers sync and converge with every task exactly once.
    @Test func serverKilledInsideAPushTransactionLosesNothing() throws {
        let s = try SyncScenario()
        _ = try s.sharedTask()
        let count = 1200
        let file = s.tmp.file("batch.json")
        try writeLargeExport(count: count, to: file, titlePrefix: "Batch task")
        try s.eums.ok("import", file)
        try s.ims.ok("area", "add", "Medical Cooperation")
        s.server.stop()
        try s.server.start(env: ["WORKPLAN_SERVER_FAULT": "during-push", "WORKPLAN_SERVER_FAULT_AFTER_OPS": "500"])
        let failed = try s.eums.run("sync")
        #expect(failed.status != 0, "the server died mid-push: \(failed)")
        #expect(s.server.waitForExit() != 0)
        #expect(try s.eums.json(StatusJSON.self, "status").pending == count, "nothing was acknowledged")

        try s.server.start()
        let check = try s.server.admin("check")
        #expect(check.status == 0, "\(check)")
        // Nothing of the half-applied batch is visible to anyone.
        try s.ims.ok("sync")
        #expect(try s.ims.json([TaskJSON].self, "list").count == 1)

        try s.converge()
        for o in [s.eums, s.ims] {
            let titles = try o.json([TaskJSON].self, "list").map(\.title).filter { $0.hasPrefix("Batch task ") }
            #expect(titles.count == count && Set(titles).count == count, "every task exactly once")
            #expect(try o.json(StatusJSON.self, "status").pending == 0)
        }
        #expect(try s.server.admin("check").status == 0)
    }

    /// A first push of thousands of tasks needs no configuration: `workplan sync` batches it
    /// under the body and batch limits.
    @Test func aLargeFirstPushIsBatched() throws {
        let s = try SyncScenario()
        _ = try s.sharedTask()
        let file = s.tmp.file("big.json")
        try writeLargeExport(count: Self.importTasks, to: file)
        try s.eums.ok("import", file)
        #expect(try s.eums.json(StatusJSON.self, "status").pending == Self.importTasks)
        let r = try s.eums.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(try s.eums.json(StatusJSON.self, "status").pending == 0)
        try s.ims.ok("sync")
        let titles = try s.ims.json([TaskJSON].self, "list").map(\.title).filter { $0.hasPrefix("Imported task ") }
        #expect(titles.count == Self.importTasks && Set(titles).count == Self.importTasks)
        #expect(try s.server.admin("check").status == 0)
    }

    /// Killed after the next batch was sent ahead and before the previous reply was stored
    /// (two batches marked): the next sync resends both, then pulls; every task arrives once.
    @Test func clientKilledWithABatchSentAhead() throws {
        let s = try SyncScenario()
        _ = try s.sharedTask()
        let count = Limits.clientBatchOps + 500
        let file = s.tmp.file("big.json")
        try writeLargeExport(count: count, to: file)
        try s.eums.ok("import", file)
        let crashed = try CLI.run("workplan", ["sync", "--dir", s.eums.dir], env: ["WORKPLAN_FAULT": "before-storing-push-reply"])
        #expect(crashed.status == 137, "\(crashed)")
        #expect(try s.eums.json(StatusJSON.self, "status").pending == count, "nothing was stored before the crash")
        try s.eums.ok("sync")
        #expect(try s.eums.json(StatusJSON.self, "status").pending == 0, "one sync resends both batches")
        try s.ims.ok("sync")
        let titles = try s.ims.json([TaskJSON].self, "list").map(\.title).filter { $0.hasPrefix("Imported task ") }
        #expect(titles.count == count && Set(titles).count == count)
        #expect(try s.server.admin("check").status == 0)
    }

    /// Against the real process (so a SIGPIPE would kill it): clients that hang up while it
    /// writes a big page, and silent connections closed by `--idle-timeout 1`, while a
    /// legitimate client keeps syncing.
    /// Heavy (a 3000-task page, 12 hang-ups, 15 s waits on a real process): run by
    /// `make faults`. Its quick in-process variants are in WorkPlanServerTests'
    /// ConnectionFaultTests, which `make test` runs.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["WORKPLAN_HEAVY_FAULTS"] == "1",
                   "heavy real-process variant: make faults"))
    func hangUpsAndSilentConnectionsDoNotHurtTheRealServer() async throws {
        let tmp = try TemporaryDirectory(prefix: "workplan-e2e")
        let server = try ServerProcess(home: tmp.child("server").path)
        try server.start(arguments: ["--idle-timeout", "1"])
        defer { server.stop() }
        let bundlePath = try server.enrol("Col. A. Dupont", staff: "EUMS", in: tmp)
        let bundle = try JSONDecoder().decode(EnrolmentBundle.self, from: Data(contentsOf: URL(fileURLWithPath: bundlePath)))
        let client = try TestHTTPSClient(bundle: bundle, baseURL: server.url)
        defer { Task { await client.shutdown() } }
        let seed = [PlanFixtures.createArea("Military Mobility")]
            + (0..<3000).map { PlanFixtures.createTask(title: "Task \($0) with a title long enough to make the page big", area: "Military Mobility") }
        let pushed = try await client.push(PushRequest(batchId: "seed", ops: seed))
        #expect(pushed.status == 200, "a push longer than the idle timeout still completes: \(pushed.text.prefix(200))")

        for i in 0..<12 {
            let raw = try await RawConnection.tls(bundle: bundle, port: server.port)
            try await raw.sendRequest("GET", Paths.pull + "?after=0&limit=10000")
            if i % 3 != 0 { try await raw.waitForFirstReplyBytes() }
            await raw.abort()
        }
        #expect(server.isRunning, "the server died after clients hung up mid-reply")

        let silent = try await RawConnection.tcp(port: server.port)
        let stalled = try await RawConnection.tcp(port: server.port)
        try await stalled.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        // Each check below uses a new connection: with --idle-timeout 1 the server rightly
        // closes a pooled connection that sat idle while the previous step ran.
        func freshRequest(_ body: (TestHTTPSClient) async throws -> Int) async throws -> Int {
            let c = try TestHTTPSClient(bundle: bundle, baseURL: server.url)
            let status = try await body(c)
            await c.shutdown()
            return status
        }
        let start = ContinuousClock.now
        #expect(try await freshRequest { try await $0.hello().status } == 200)
        #expect(try await freshRequest { try await $0.pull(after: 2990).status } == 200)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(await silent.closedByServer(within: 15), "the silent connection outlived --idle-timeout 1")
        #expect(await stalled.closedByServer(within: 15), "the stalled handshake outlived --idle-timeout 1")
        #expect(try await freshRequest { try await $0.hello().status } == 200)
        #expect(server.isRunning)
        server.stop()
        #expect(try server.admin("check").status == 0)
    }
}
