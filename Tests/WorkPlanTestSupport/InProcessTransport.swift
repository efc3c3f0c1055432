import Foundation
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanServer

/// The sync engine's transport calling a server store directly (no TLS, no HTTP), for
/// property tests that run hundreds of syncs. It can lose replies on purpose: the store
/// commits the batch, the client sees an error, as when a connection drops after the commit.
public final class InProcessTransport: SyncTransport, @unchecked Sendable {
    public let store: ServerStore
    public let user: Identity
    private let lock = NSLock()
    private var loseNextReply = false
    /// Every push result the client was given, with the operation it answers.
    public private(set) var delivered: [(PlanOperation, OpResult)] = []

    public init(store: ServerStore, user: Identity) {
        self.store = store
        self.user = user
    }

    /// How many replies were lost on purpose.
    public private(set) var lostReplies = 0

    /// The next push is applied by the store but its reply never reaches the client.
    public func dropNextReply() { lock.withLock { loseNextReply = true } }

    /// Withdraws a `dropNextReply` that found no push to act on.
    public func cancelDrop() { lock.withLock { loseNextReply = false } }

    public func hello() async throws -> HelloResponse {
        HelloResponse(protocolVersion: ProtocolVersion.current, minimumProtocolVersion: ProtocolVersion.minimumSupported,
                      serverVersion: "in-process", storeId: store.storeId, user: user, maxSeq: try await store.maxSeq(),
                      restorePoint: store.restorePoint)
    }

    public func push(_ request: PushRequest) async throws -> PushResponse {
        let response = try await store.push(request, user: user).decoded()
        let lose = lock.withLock { () -> Bool in
            defer { loseNextReply = false }
            return loseNextReply
        }
        if lose {
            lock.withLock { lostReplies += 1 }
            throw WorkPlanError(.unavailable, "reply lost (simulated)")
        }
        lock.withLock {
            let ops = Dictionary(request.ops.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for r in response.results { if let op = ops[r.op] { delivered.append((op, r)) } }
        }
        return response
    }

    public func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        try await store.pullPage(after: cursor, limit: limit, staff: user.staff)
    }
}
