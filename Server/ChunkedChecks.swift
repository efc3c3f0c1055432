import Foundation
import WorkPlanProtocol

/// The checks that need no store (`ServerStore.validate`) of one push batch, in chunks:
/// helper tasks check chunks on the other cores while the writer applies the chunks already
/// checked (`ServerStore.push`), so a large batch's checks no longer come before its writes.
///
/// Chunks are claimed in order, by the helpers and by the writer itself. The writer takes
/// its next chunk when a helper has checked it, waits while a helper is checking it, and
/// checks it itself when no one has started it: it never waits for a helper that has not
/// started, however busy the cooperative pool is. The writer applies chunk by chunk in
/// order, and a chunk's operations up to the first that failed its checks, so no operation
/// is applied before it passed its checks, and the error a batch fails with is that of its
/// first operation that fails a check or its apply.
final class ChunkedChecks: @unchecked Sendable {
    /// Operations per chunk: small enough that the writer starts soon, large enough that
    /// claiming one costs nothing next to checking it (about 1 ms of work).
    static let chunkSize = 256

    /// How many chunks the batch has.
    let count: Int
    private let ops: [PlanOperation]
    /// Guards the fields below; signalled when a chunk's result is stored.
    private let condition = NSCondition()
    private var nextUnclaimed = 0
    private var results: [ServerStore.CheckedBatch?]
    private var stopped = false

    init(_ ops: [PlanOperation]) {
        self.ops = ops
        count = (ops.count + Self.chunkSize - 1) / Self.chunkSize
        results = Array(repeating: nil, count: count)
    }

    /// How many helper tasks are worth starting: one core stays with the writer.
    var helpersWanted: Int {
        max(0, min(count - 1, ProcessInfo.processInfo.activeProcessorCount - 1))
    }

    /// A helper's work: checks the next unclaimed chunk until none is left or `stop()`.
    func help() {
        while let i = claim() { check(i) }
    }

    /// No chunk is claimed any more (the writer is done, or failed); a helper finishes the
    /// chunk it holds and returns.
    func stop() {
        condition.lock()
        stopped = true
        condition.unlock()
    }

    /// How many chunks were claimed so far (by helpers or the writer).
    var claimed: Int {
        condition.lock()
        defer { condition.unlock() }
        return nextUnclaimed
    }

    /// Chunk `i`, checked: the writer's call, for `i` = 0, 1, 2, ... in order. Its
    /// operations up to the first that failed its checks, and that failure.
    func chunk(_ i: Int) -> ServerStore.CheckedBatch {
        condition.lock()
        if nextUnclaimed == i {
            nextUnclaimed += 1
            condition.unlock()
            check(i)
            condition.lock()
        }
        while results[i] == nil { condition.wait() }
        let result = results[i]!
        results[i] = nil
        condition.unlock()
        return result
    }

    private func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, nextUnclaimed < count else { return nil }
        nextUnclaimed += 1
        return nextUnclaimed - 1
    }

    private func check(_ i: Int) {
        let range = i * Self.chunkSize..<min((i + 1) * Self.chunkSize, ops.count)
        let result = ServerStore.validate(ops[range])
        condition.lock()
        results[i] = result
        condition.broadcast()
        condition.unlock()
    }
}
