import Foundation

/// Pure preparation on a second thread, a few chunks ahead of a consumer on the calling thread.
///
/// An import of 50k tasks spends about 0.7 s of CPU validating and laying out rows, and
/// 1 s inserting them; with two cores the preparation hides behind the inserts.
enum Pipeline {
    /// Calls `consume(i, prepare(i))` for every `i` in `0..<count`, in order, on the calling
    /// thread, while a background thread runs `prepare` at most `ahead` chunks ahead of it
    /// (so a large import never holds all its prepared rows at once). Small counts skip the
    /// thread. When `consume` throws, preparation stops and the error is rethrown.
    static func run<T: Sendable>(count: Int, chunk: Int = 512, ahead: Int = 4,
                                 prepare: @escaping @Sendable (Int) -> T,
                                 consume: (Int, T) throws -> Void) throws {
        guard count > chunk else {
            for i in 0..<count { try consume(i, prepare(i)) }
            return
        }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        _ = slots.initialize(from: repeatElement(nil, count: count))
        // `ready` counts chunks prepared and not yet consumed; `room` counts chunks the
        // producer may still prepare before the consumer catches up.
        // Both start at 0: libdispatch traps when a semaphore is freed below its initial value.
        let ready = DispatchSemaphore(value: 0), room = DispatchSemaphore(value: 0)
        for _ in 0..<ahead { room.signal() }
        let finished = DispatchSemaphore(value: 0)
        let stop = StopFlag()
        defer {
            stop.set()
            room.signal()    // wakes a producer waiting for room, which then sees `stop`
            finished.wait()  // the producer no longer touches `slots`
            _ = slots.deinitialize()
            slots.deallocate()
        }
        nonisolated(unsafe) let out = slots
        DispatchQueue.global().async {
            var start = 0
            while start < count {
                room.wait()
                if stop.isSet { break }
                let end = min(start + chunk, count)
                for i in start..<end { out[i] = prepare(i) }
                start = end
                ready.signal()  // publishes slots[..<end] to the consumer
            }
            finished.signal()
        }
        var start = 0
        while start < count {
            ready.wait()
            let end = min(start + chunk, count)
            for i in start..<end {
                try consume(i, slots[i]!)
                slots[i] = nil
            }
            start = end
            room.signal()
        }
    }

    private final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }
}
