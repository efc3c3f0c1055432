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
            // A note on a task that does not exist is refused by the writer (op 5, in the
            // first chunk); a value no task may hold, by the checks (op 1700, a later one).
            let orphan = PlanFixtures.createNote(task: RecordID.random(), text: "hello", author: "anna", staff: .EUMS)
            var ops = Self.creates(1999)
            ops[5] = orphan
            ops[1700] = Self.invalidStatus(ops[1700])
            let applyFirst = try await f.eums.push(PushRequest(batchId: "b-order-1", ops: ops))
            #expect(applyFirst.status == 403)
            #expect(applyFirst.error?.code == .forbidden)

            ops = Self.creates(1999)
            ops[5] = Self.invalidStatus(ops[5])
            ops[1700] = orphan
            let checksFirst = try await f.eums.push(PushRequest(batchId: "b-order-2", ops: ops))
            #expect(checksFirst.status == 400)
            #expect(checksFirst.error?.operation == ops[5].id)

            // The same within one chunk: the writer applies a chunk's operations up to the
            // one that failed its checks before it gives that failure.
            ops = Self.creates(20)
            ops[5] = orphan
            ops[15] = Self.invalidStatus(ops[15])
            let sameChunk = try await f.eums.push(PushRequest(batchId: "b-order-3", ops: ops))
            #expect(sameChunk.status == 403, "\(String(describing: sameChunk.error))")
            ops = Self.creates(20)
            ops[5] = Self.invalidStatus(ops[5])
            ops[15] = orphan
            let sameChunkChecks = try await f.eums.push(PushRequest(batchId: "b-order-4", ops: ops))
            #expect(sameChunkChecks.status == 400)
            #expect(sameChunkChecks.error?.operation == ops[5].id)
            #expect(try f.digest == before)
        }
    }
}
