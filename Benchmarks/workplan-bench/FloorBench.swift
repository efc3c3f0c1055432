import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanSQLite

/// The storage floor of a push (group "floor"): only the SQL statements the push runs for
/// each operation (`StoreSQL`), on a real server store (its schema, pragmas and background
/// checkpoints), with every value prepared before the clock starts. No TLS, decoding,
/// checks, merge decisions or replies: what a push could cost if all of that were free.
///
/// - 50k creates: a record row and a change row each, in transactions of
///   `Limits.clientBatchOps`, as the push of new records commits them.
/// - Status sets of every tenth task: each reads its record row by id, rewrites it, and
///   appends a change, in transactions of `Limits.clientBatchOps`: the server's side of the
///   10% sync.
struct FloorBench {
    let sizes: [Int]
    let work: URL

    func run(into table: inout Table) async throws {
        for n in sizes {
            FileHandle.standardError.write(Data("floor, \(n) tasks\n".utf8))
            var creates: [Double] = [], sets: [Double] = []
            var setCount = 0
            for i in 0..<3 {
                let store = try ServerStore(path: work.appendingPathComponent("floor-\(n)-\(i).sqlite").path, create: true)
                let tasks = Self.tasks(n: n)
                creates.append(try await timedAsync { try await insert(tasks, into: store) })
                let edits = Self.everyTenth(of: tasks)
                setCount = edits.count
                sets.append(try await timedAsync { try await set(edits, after: Int64(tasks.count), in: store) })
                try store.close()
            }
            table.add("floor: the store's SQL alone for \(n) creates", n: n, samples: creates,
                      target: n == 50000 ? "push ≤ 500 ms" : "")
            table.add("floor: the store's SQL alone for \(setCount) sets", n: n, samples: sets,
                      target: n == 50000 ? "10% push ≤ 200 ms" : "")
        }
    }

    /// A task ready to store: its id and its fields as the store writes them.
    struct Task {
        var id: String
        var fieldsJSON: String
    }

    /// The tasks of the push bench (`SyncBench.creates`), encoded as a push stores them.
    static func tasks(n: Int) -> [Task] {
        SyncBench.creates(n: n).flatMap(\.ops).filter { $0.kind == .task }.map {
            Task(id: $0.record, fieldsJSON: JSONWriter.encode(fields: $0.fields ?? [:]))
        }
    }

    /// Every tenth task with its status changed, and the change's old and new values.
    static func everyTenth(of tasks: [Task]) -> [(task: Task, old: String, new: String)] {
        stride(from: 0, to: tasks.count, by: 10).map { i in
            var t = tasks[i]
            t.fieldsJSON = t.fieldsJSON.replacingOccurrences(of: #""status":"open""#, with: #""status":"done""#)
            return (t, #""open""#, #""done""#)
        }
    }

    func insert(_ tasks: [Task], into store: ServerStore) async throws {
        for start in stride(from: 0, to: tasks.count, by: Limits.clientBatchOps) {
            try await store.pool.write { db in
                let record = try db.cachedStatement(sql: StoreSQL.insertRecord)
                let change = try db.cachedStatement(sql: StoreSQL.insertChange)
                for i in start..<min(start + Limits.clientBatchOps, tasks.count) {
                    let t = tasks[i], seq = Int64(i + 1)
                    try record.run([.text(t.id), .text("task"), .text(t.fieldsJSON), .text("{}"), .int(seq), .text("both"),
                                    .text("both"), .null, .int(0), .int(seq), .int(0), .text("bench")])
                    try change.run([.int(seq), .text("change"), .text(t.id), .text("task"), .text("create"), .null, .null, .null,
                                    .text(t.fieldsJSON), .text("bench"), .text("EUMS"), .int(0), .text("floor"), .null, .null,
                                    .null, .null, .text("both")])
                }
            }
        }
    }

    func set(_ edits: [(task: Task, old: String, new: String)], after lastSeq: Int64, in store: ServerStore) async throws {
        for start in stride(from: 0, to: edits.count, by: Limits.clientBatchOps) {
            try await store.pool.write { db in
                let select = try db.cachedStatement(sql: StoreSQL.selectRecord)
                let update = try db.cachedStatement(sql: StoreSQL.updateRecord)
                let change = try db.cachedStatement(sql: StoreSQL.insertChange)
                for i in start..<min(start + Limits.clientBatchOps, edits.count) {
                    let (t, old, new) = edits[i], seq = lastSeq + Int64(i + 1)
                    guard let rowid = try select.first([.text(t.id)], { $0.int(12) }) else {
                        throw WorkPlanError(.internal, "floor bench: task \(t.id) is missing")
                    }
                    try update.run([.text(t.fieldsJSON), .text("{\"status\":\(seq)}"), .int(seq), .text("both"), .text("both"),
                                    .int(0), .int(rowid), .text(t.id)])
                    try change.run([.int(seq), .text("change"), .text(t.id), .text("task"), .text("set"), .text("status"),
                                    .text(old), .text(new), .null, .text("bench"), .text("EUMS"), .int(0), .text("floor"),
                                    .null, .null, .null, .null, .text("both")])
                }
            }
        }
    }
}
