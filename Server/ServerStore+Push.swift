import Foundation
import GRDB
import WorkPlanProtocol

extension ServerStore {
    /// The reply to a push, as JSON bytes ready to send.
    public struct PushReply: Sendable {
        /// The encoded `PushResponse`.
        public var json: [UInt8]
        /// Whether this is the stored reply of a batch already applied.
        public var replayed: Bool

        /// The reply decoded as a replica decodes it (for tests and in-process callers).
        public func decoded() throws -> PushResponse {
            try WireDecoding.pushResponse(json)
        }
    }

    /// Applies a push batch (docs/sync-model.md "Push"): the stored reply for a known batch
    /// id; else every operation checked and applied with `MergeRules` in one write
    /// transaction, or nothing at all when any operation is refused. A large batch's checks
    /// that need no store run on the other cores while the writer applies the operations
    /// already checked (`ChunkedChecks`).
    public func push(_ request: PushRequest, user: Identity) async throws -> PushReply {
        try Self.checkBatchId(request.batchId)
        try AccessRules.checkMayPush(user)
        if let stored = try await pool.read({ db in try Self.storedResults(db, request.batchId, user: user) }) {
            return Self.replay(request.batchId, storeId: storeId, resultsJSON: stored)
        }
        try Self.checkBatchShape(request.ops)
        let checks = ChunkedChecks(request.ops)
        let storeId = self.storeId
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<checks.helpersWanted { group.addTask { checks.help() } }
            defer { checks.stop() }
            return try await pool.write { db in
                // Checked again inside the transaction: a concurrent retry may have won.
                if let stored = try Self.storedResults(db, request.batchId, user: user) {
                    return Self.replay(request.batchId, storeId: storeId, resultsJSON: stored)
                }
                let applier = try PushApplier(db: db, user: user, batchId: request.batchId)
                var results: [OpResult] = []
                results.reserveCapacity(request.ops.count)
                for i in 0..<checks.count {
                    let part = checks.chunk(i)
                    results += try applier.apply(part)
                    if let failure = part.failure { throw failure }
                }
                let resultsJSON = JSONWriter.encode(results: results)
                try db.execute(sql: "INSERT INTO batches(id, user, results, seq) VALUES (?, ?, ?, ?)",
                               arguments: [request.batchId, user.name, resultsJSON, applier.nextSeq - 1])
                return PushReply(json: JSONWriter.pushResponse(batchId: request.batchId, storeId: storeId,
                                                               resultsJSON: resultsJSON, replayed: false),
                                 replayed: false)
            }
        }
    }

    /// Batch ids: 1 to 64 printable ASCII characters.
    static func checkBatchId(_ id: String) throws {
        guard !id.isEmpty, id.utf8.count <= 64, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw WorkPlanError.invalid("batch_id must be 1 to 64 printable characters without spaces")
        }
    }

    /// Operations after the checks that need no store.
    struct CheckedBatch {
        /// The normalised operations.
        var ops: [PlanOperation] = []
        /// For each create, its fields as stored (`JSONWriter.encode(fields:)`): written
        /// with the checks, on a helper's core when there is one (`ChunkedChecks`).
        var fieldsJSON: [String?] = []
        /// Why the operation after `ops` failed its checks, if one did: the writer applies
        /// `ops` first, so that an earlier operation's refusal by the store comes first.
        var failure: (any Error)?
    }

    /// The checks of a batch as a whole, before any of its operations: the batch size and
    /// no operation id twice.
    static func checkBatchShape(_ ops: [PlanOperation]) throws {
        guard ops.count <= Limits.maxOpsPerBatch else {
            throw WorkPlanError.invalid("a batch may hold at most \(Limits.maxOpsPerBatch) operations (got \(ops.count))")
        }
        var seen = Set<String>()
        seen.reserveCapacity(ops.count)
        for op in ops where !seen.insert(op.id).inserted {
            throw WorkPlanError.invalid("operation id \(op.id) appears twice in the batch")
        }
    }

    /// The checks that need no store, of some of a batch's operations: each operation's
    /// shape and values, natural-key ids. Returns the normalised operations up to the first
    /// that fails, and that one's error (naming it). Pure: `ChunkedChecks` runs it on
    /// several cores.
    static func validate(_ ops: ArraySlice<PlanOperation>) -> CheckedBatch {
        var out = CheckedBatch()
        out.ops.reserveCapacity(ops.count)
        out.fieldsJSON.reserveCapacity(ops.count)
        for op in ops {
            do {
                let valid = try op.validated()
                try PushApplier.checkNaturalKey(valid)
                out.ops.append(valid)
                out.fieldsJSON.append(valid.action == .create ? JSONWriter.encode(fields: valid.fields ?? [:]) : nil)
            } catch var e as WorkPlanError {
                // Named, so the replica can set this record's edits aside and send the rest.
                e.record = e.record ?? op.record
                e.operation = op.id
                out.failure = e
                break
            } catch {
                out.failure = error
                break
            }
        }
        return out
    }

    /// The stored results of a known batch, or nil. A batch id used by someone else is refused.
    static func storedResults(_ db: Database, _ batchId: String, user: Identity) throws -> String? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT user, results FROM batches WHERE id = ?"),
                                         arguments: [batchId]) else { return nil }
        guard (row[0] as String) == user.name else {
            throw WorkPlanError(.alreadyExists, "batch id \(batchId) was already used by another user")
        }
        return row[1]
    }

    static func replay(_ batchId: String, storeId: String, resultsJSON: String) -> PushReply {
        PushReply(json: JSONWriter.pushResponse(batchId: batchId, storeId: storeId, resultsJSON: resultsJSON, replayed: true),
                  replayed: true)
    }
}
