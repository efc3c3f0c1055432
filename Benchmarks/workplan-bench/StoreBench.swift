import Foundation
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
                try store.close()
            }
            table.add("push: client encodes the batches", n: n, samples: encode, target: "")
            table.add("push: server decodes the batches", n: n, samples: decode, target: "")
            table.add("push: validation alone, one core", n: n, samples: validate, target: "")
            table.add("push: store validates and applies", n: n, samples: apply, target: "")
            table.add("pull: store writes the pages (+ decode)", n: n, samples: page, target: "")
            table.add("pull: client decodes the pages", n: n, samples: read, target: "")
        }
    }
}
