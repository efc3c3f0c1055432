import Foundation
import WorkPlanClient
import WorkPlanProtocol

/// Issues 3 and 4: a real `workplan-server` process on 127.0.0.1 and clients over TLS —
/// this process (push and pull through `Transport`) and `workplan sync` processes.
struct SyncBench {
    let sizes: [Int]
    let runs: Int
    let work: URL
    /// Push and pull through `Transport` in this process (group "transport").
    var transport = true
    /// Whole `workplan sync` processes (group "sync").
    var processes = true

    /// A server process with a fresh CA and store, and one enrolled officer per staff.
    final class Server {
        let home: String
        let process: Process
        let url: String
        init(_ dir: URL) throws {
            home = dir.appendingPathComponent("server").path
            try runProcess("workplan-server", ["init", "--dir", home])
            process = Process()
            process.executableURL = binDirectory.appendingPathComponent("workplan-server")
            process.arguments = ["serve", "--dir", home, "--bind", "127.0.0.1", "--port", "0"]
            let out = Pipe()
            process.standardOutput = out
            // WORKPLAN_BENCH_SERVER_LOG=path keeps the server's request log (durations per request).
            let log = ProcessInfo.processInfo.environment["WORKPLAN_BENCH_SERVER_LOG"]
            if let log { _ = FileManager.default.createFile(atPath: log, contents: nil) }
            process.standardError = FileHandle(forWritingAtPath: log ?? "/dev/null")
            try process.run()
            var line = Data()
            while true {
                let b = out.fileHandleForReading.readData(ofLength: 1)
                if b.isEmpty || b == Data("\n".utf8) { break }
                line.append(b)
            }
            url = String(String(decoding: line, as: UTF8.self).dropFirst("listening on ".count))
        }
        func enrol(_ name: String, _ staff: String, in dir: URL) throws -> String {
            let file = dir.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(6)).bundle").path
            try runProcess("workplan-server", ["user", "add", name, "--staff", staff, "--role", "editor", "--out", file, "--server-url", url, "--dir", home])
            return file
        }
        func stop() { process.terminate(); process.waitUntilExit() }
    }

    func run(into table: inout Table) async throws {
        for n in sizes {
            FileHandle.standardError.write(Data("sync, \(n) tasks\n".utf8))
            if transport, n >= 10000 { try await pushAndPull(n: n, into: &table) }
            if processes { try await syncProcesses(n: n, into: &table) }
        }
    }

    /// Creates of `n` tasks (plus their area), in client-sized batches.
    static func creates(n: Int) -> [PushRequest] {
        let area = RecordID.area(named: "Military Mobility")
        var ops = [PlanOperation(record: area, kind: .area, action: .create, fields: ["name": .text("Military Mobility")], baseRev: 0, at: 0)]
        for i in 0..<n {
            ops.append(PlanOperation(record: RecordID.random(), kind: .task, action: .create, fields: [
                "title": .text("Task \(i): follow-on action agreed at the 20th conference"),
                "description": .text("Line one of task \(i).\nLine two.\nLine three."), "area": .text(area),
                "lead": .text("JOINT"), "status": .text("open"), "priority": .text("medium"),
                "owner": .text("Officer \(i % 40)"), "tags": .makeSet(["dg20"]), "releasable": .text("both"),
            ], baseRev: 0, at: 0))
        }
        return stride(from: 0, to: ops.count, by: Limits.clientBatchOps).map {
            PushRequest(batchId: RecordID.random(), ops: Array(ops[$0..<min($0 + Limits.clientBatchOps, ops.count)]))
        }
    }

    /// Push of `n` new records and a full pull of them, through `Transport` in this process.
    func pushAndPull(n: Int, into table: inout Table) async throws {
        var pushTimes: [Double] = [], pullTimes: [Double] = []
        for i in 0..<3 {
            let dir = work.appendingPathComponent("push-\(n)-\(i)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let server = try Server(dir)
            defer { server.stop() }
            let bundle = try Replica.readBundle(at: try server.enrol("bench", "EUMS", in: dir))
            let transport = try Transport(bundle: bundle)
            _ = try await transport.hello()
            let batches = Self.creates(n: n)
            pushTimes.append(try await timedAsync { for b in batches { _ = try await transport.push(b) } })
            pullTimes.append(try await timedAsync {
                var cursor: Int64 = 0
                while true {
                    let page = try await transport.pull(after: cursor, limit: Limits.maxPageSize)
                    cursor = page.next
                    if !page.more { break }
                }
            })
            await transport.shutdown()
        }
        table.add("push of new records (TLS, \(Limits.clientBatchOps)/batch)", n: n, samples: pushTimes, target: n == 50000 ? "≤ 500 ms" : "")
        table.add("full pull, transport + decode (TLS)", n: n, samples: pullTimes, target: n == 50000 ? "≤ 1000 ms" : "")
    }

    /// Whole `workplan sync` processes: a first full sync, a sync with nothing to do, and a
    /// sync of 10% modified tasks, push side and pull side.
    func syncProcesses(n: Int, into table: inout Table) async throws {
        let dir = work.appendingPathComponent("sync-\(n)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let server = try Server(dir)
        defer { server.stop() }
        let a = dir.appendingPathComponent("eums").path, b = dir.appendingPathComponent("ims").path
        try runProcess("workplan", ["join", try server.enrol("eums", "EUMS", in: dir), "--dir", a])
        try runProcess("workplan", ["join", try server.enrol("ims", "IMS", in: dir), "--dir", b])
        let plan = dir.appendingPathComponent("plan.json")
        try JSONEncoder().encode(makePlan(n: n)).write(to: plan)
        try runProcess("workplan", ["import", plan.path, "--dir", a])
        let firstPush = try timed { try runProcess("workplan", ["sync", "--dir", a]) }
        let firstPull = try timed { try runProcess("workplan", ["sync", "--dir", b]) }
        table.add("first sync, push side (process)", n: n, samples: [firstPush], target: "")
        table.add("first sync, pull side (process)", n: n, samples: [firstPull], target: "")
        var idle: [Double] = []
        for _ in 0..<runs { idle.append(try timed { try runProcess("workplan", ["sync", "--dir", b]) }) }
        table.add("sync with nothing to do (process)", n: n, samples: idle, target: "≤ 30 ms")
        guard n >= 10000 else { return }
        var pushSide: [Double] = [], pullSide: [Double] = []
        // Five rounds at the default (a different tenth each): this machine varies 10-20%
        // between runs, and three samples let one slow run move the median.
        for round in 0..<min(max(runs, 3), 5) {
            try Self.editEveryTenthTask(in: a, round: round)
            pushSide.append(try timed { try runProcess("workplan", ["sync", "--dir", a]) })
            pullSide.append(try timed { try runProcess("workplan", ["sync", "--dir", b]) })
        }
        table.add("sync of 10% modified tasks, push side (process)", n: n, samples: pushSide, target: n == 50000 ? "≤ 200 ms" : "")
        table.add("sync of 10% modified tasks, pull side (process)", n: n, samples: pullSide, target: n == 50000 ? "≤ 300 ms" : "")
    }

    /// Changes the status of every tenth task (a different tenth each round) in the replica
    /// at `dir`, as an officer's edits would, and closes the replica before returning: a
    /// connection left open here would keep the timed `workplan sync` from checkpointing
    /// its WAL when it closes, which every real sync does.
    static func editEveryTenthTask(in dir: String, round: Int) throws {
        let replica = try Replica.open(in: URL(fileURLWithPath: dir))
        let statuses = ["in-progress", "blocked", "done"]
        for (i, t) in try replica.tasks().enumerated() where i % 10 == round % 10 {
            try replica.edit(.task, id: t.id, [.set("status", .text(statuses[(i + round) % 3]))])
        }
    }
}
