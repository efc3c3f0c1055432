import Foundation
import GRDB
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanServer

/// Where a push and a pull of `n` new records spend their time, each step in this process
/// without TLS (group "store"): the client's encoding, the server's decoding, the store's
/// apply (validation and the write transaction), the server's page writing, the client's
/// page decoding.
struct StoreBench {
    let sizes: [Int]
    let work: URL

    func run(into table: inout Table) async throws {
        for n in sizes {
            FileHandle.standardError.write(Data("store, \(n) tasks\n".utf8))
            var encode: [Double] = [], decode: [Double] = [], validate: [Double] = [], apply: [Double] = [], page: [Double] = [], read: [Double] = []
            var sets: [Double] = [], setCount = 0
            for i in 0..<3 {
                let path = work.appendingPathComponent("store-\(n)-\(i).sqlite").path
                let store = try ServerStore(path: path, create: true)
                let user = Identity(name: "bench", staff: .EUMS, role: .editor)
                let requests = SyncBench.creates(n: n)
                var bodies: [[UInt8]] = []
                encode.append(timed { bodies = requests.map { JSONWriter.pushRequest($0) } })
                var decoded: [PushRequest] = []
                decode.append(try timed { decoded = try bodies.map { try WireDecoding.pushRequest($0) } })
                validate.append(try timed { for r in decoded { _ = try r.ops.map { try $0.validated() } } })
                apply.append(try await timedAsync { for r in decoded { _ = try await store.push(r, user: user) } })
                var pages: [[UInt8]] = []
                page.append(try await timedAsync {
                    var cursor: Int64 = 0
                    while true {
                        let bytes = try await store.pull(after: cursor, limit: Limits.maxPageSize, staff: .EUMS)
                        pages.append(bytes)
                        let p = try WireDecoding.pullResponse(bytes)  // only for the cursor; timed below too
                        cursor = p.next
                        if !p.more { break }
                    }
                })
                read.append(try timed { for p in pages { _ = try WireDecoding.pullResponse(p) } })
                let edits = try await Self.statusSets(in: store)
                setCount = edits.reduce(0) { $0 + $1.ops.count }
                sets.append(try await timedAsync { for r in edits { _ = try await store.push(r, user: user) } })
                try store.close()
            }
            table.add("push: client encodes the batches", n: n, samples: encode, target: "")
            table.add("push: server decodes the batches", n: n, samples: decode, target: "")
            table.add("push: validation alone, one core", n: n, samples: validate, target: "")
            table.add("push: store validates and applies", n: n, samples: apply, target: "")
            table.add("pull: store writes the pages (+ decode)", n: n, samples: page, target: "")
            table.add("pull: client decodes the pages", n: n, samples: read, target: "")
            table.add("push: store applies \(setCount) status sets", n: n, samples: sets, target: "")
        }
    }

    /// A status set of every tenth task, each on the task's current rev, in batches of
    /// `Limits.clientBatchOps`: the server's side of the 10% sync, without TLS.
    static func statusSets(in store: ServerStore) async throws -> [PushRequest] {
        let tasks = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, rev FROM records WHERE kind = 'task' ORDER BY rowid")
                .map { ($0[0] as String, $0[1] as Int64) }
        }
        let ops = stride(from: 0, to: tasks.count, by: 10).map { i in
            PlanOperation(record: tasks[i].0, kind: .task, action: .set, field: "status", value: .text("done"),
                          baseRev: tasks[i].1, at: 0)
        }
        return stride(from: 0, to: ops.count, by: Limits.clientBatchOps).map {
            PushRequest(batchId: RecordID.random(), ops: Array(ops[$0..<min($0 + Limits.clientBatchOps, ops.count)]))
        }
    }
}
