import Foundation
import Testing
import WorkPlanProtocol
@testable import WorkPlanServer
import WorkPlanTestSupport

/// A large batch's checks run in chunks beside the writer (`ChunkedChecks`): nothing of a
/// batch is applied past an operation that fails, and the error is always that of the
/// batch's first failing operation, whichever core checked it.
@Suite("Push checks in chunks beside the writer")
struct ChunkedChecksTests {
    /// An area and `count` tasks in it: a batch of many chunks.
    static func creates(_ count: Int) -> [PlanOperation] {
        [PlanFixtures.createArea("Military Mobility")] + (0..<count).map {
            PlanFixtures.createTask(title: "Task \($0)", area: "Military Mobility")
        }
    }

    static func invalidStatus(_ op: PlanOperation) -> PlanOperation {
        var op = op
        op.fields?["status"] = .text("finished-ish")
        return op
    }

    /// `creates(count)` with a note on a task that does not exist (refused by the store) at
    /// `orphanAt`, and a status no task may hold (refused by the checks) at `invalidAt`.
    static func batch(_ count: Int, orphanAt: Int, invalidAt: Int) -> [PlanOperation] {
        var ops = creates(count)
        ops[orphanAt] = PlanFixtures.createNote(task: RecordID.random(), text: "hello", author: "anna", staff: .EUMS)
        ops[invalidAt] = invalidStatus(ops[invalidAt])
        return ops
    }

    @Test func theWriterGetsEveryChunkInOrderWithOrWithoutHelpers() throws {
        let ops = Self.creates(1000)
        for helpers in [0, 1, 3] {
            let checks = ChunkedChecks(ops)
            #expect(checks.count == 4)
            let threads = (0..<helpers).map { _ in Thread { checks.help() } }
            threads.forEach { $0.start() }
            var seen: [String] = []
            for i in 0..<checks.count {
                let chunk = checks.chunk(i)
                #expect(chunk.failure == nil)
                #expect(chunk.ops.count == chunk.fieldsJSON.count)
                seen += chunk.ops.map(\.id)
            }
            checks.stop()
            #expect(seen == ops.map(\.id))
        }
        #expect(ChunkedChecks([]).count == 0)
        #expect(ChunkedChecks(Array(ops.prefix(10))).helpersWanted == 0)
    }

    @Test func aHelperStopsClaimingOnceTheWriterStops() throws {
        let checks = ChunkedChecks(Self.creates(2000))
        _ = checks.chunk(0)
        #expect(checks.count == 8)
        #expect(checks.claimed == 1)
        checks.stop()
        checks.help()
        #expect(checks.claimed == 1)
    }

    @Test func anInvalidOperationLateInALargeBatchChangesNothing() async throws {
        try await ServerFixture.run { f in
            var ops = Self.creates(1999)
            ops[1700] = Self.invalidStatus(ops[1700])
            let before = try f.digest
            let reply = try await f.eums.push(PushRequest(batchId: "b-late", ops: ops))
            #expect(reply.status == 400)
            #expect(reply.error?.code == .invalidInput)
            #expect(reply.error?.operation == ops[1700].id)
            #expect(reply.error?.message.contains("status") == true)
            #expect(try f.digest == before)
            // Nothing was stored under the batch id: the corrected batch goes through.
            ops[1700] = Self.creates(1)[1]
            let again = try await push(f.eums, ops, batch: "b-late")
            #expect(again.results.count == 2000)
            #expect(again.results.allSatisfy { $0.outcome == .accepted })
            #expect(again.results.map(\.seq) == (1...2000).map { Int64($0) })
        }
    }

    @Test func theFirstFailingOperationNamesTheError() async throws {
        try await ServerFixture.run { f in
            let before = try f.digest
            // A note on a task that does not exist is refused by the writer; a value no task
            // may hold, by the checks. Across chunks (ops 5 and 1700) and within one (5, 15).
            let applyFirst = try await f.eums.push(PushRequest(batchId: "b-order-1", ops: Self.batch(1999, orphanAt: 5, invalidAt: 1700)))
            #expect(applyFirst.status == 403)
            #expect(applyFirst.error?.code == .forbidden)

            var ops = Self.batch(1999, orphanAt: 1700, invalidAt: 5)
            let checksFirst = try await f.eums.push(PushRequest(batchId: "b-order-2", ops: ops))
            #expect(checksFirst.status == 400)
            #expect(checksFirst.error?.operation == ops[5].id)

            // Within one chunk, the writer applies the operations up to the one that failed
            // its checks before it gives that failure.
            let sameChunk = try await f.eums.push(PushRequest(batchId: "b-order-3", ops: Self.batch(20, orphanAt: 5, invalidAt: 15)))
            #expect(sameChunk.status == 403, "\(String(describing: sameChunk.error))")
            ops = Self.batch(20, orphanAt: 15, invalidAt: 5)
            let sameChunkChecks = try await f.eums.push(PushRequest(batchId: "b-order-4", ops: ops))
            #expect(sameChunkChecks.status == 400)
            #expect(sameChunkChecks.error?.operation == ops[5].id)
            #expect(try f.digest == before)
        }
    }
}
