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

        /// The reply decoded (for tests and in-process callers).
        public func decoded() throws -> PushResponse {
            try JSONDecoder().decode(PushResponse.self, from: Data(json))
        }
    }

    /// Applies a push batch (docs/sync-model.md "Push"): the stored reply for a known batch
    /// id; else every operation validated, then the whole batch applied in one write
    /// transaction with `MergeRules`, or nothing at all when any operation is refused.
    public func push(_ request: PushRequest, user: Identity) async throws -> PushReply {
        try Self.checkBatchId(request.batchId)
        if let stored = try await pool.read({ db in try Self.storedResults(db, request.batchId, user: user) }) {
            return Self.replay(request.batchId, storeId: storeId, resultsJSON: stored)
        }
        let checked = try await Self.validateConcurrently(request.ops)
        let storeId = self.storeId
        return try await pool.write { db in
            // Checked again inside the transaction: a concurrent retry may have won.
            if let stored = try Self.storedResults(db, request.batchId, user: user) {
                return Self.replay(request.batchId, storeId: storeId, resultsJSON: stored)
            }
            let applier = try PushApplier(db: db, user: user, batchId: request.batchId)
            let results = try applier.apply(checked)
            let resultsJSON = JSONWriter.encode(results: results)
            try db.execute(sql: "INSERT INTO batches(id, user, results, seq) VALUES (?, ?, ?, ?)",
                           arguments: [request.batchId, user.name, resultsJSON, applier.nextSeq - 1])
            return PushReply(json: JSONWriter.pushResponse(batchId: request.batchId, storeId: storeId,
                                                           resultsJSON: resultsJSON, replayed: false),
                             replayed: false)
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
        /// here, in parallel, rather than inside the write transaction.
        var fieldsJSON: [String?] = []
    }

    /// The checks that need no store: each operation's shape and values, duplicate ids,
    /// the batch size, natural-key ids. Returns the normalised operations. Large batches
    /// are validated in chunks on all cores (the checks are pure); the error reported is
    /// always that of the first failing operation.
    static func validateConcurrently(_ ops: [PlanOperation]) async throws -> CheckedBatch {
        guard ops.count <= Limits.maxOpsPerBatch else {
            throw WorkPlanError.invalid("a batch may hold at most \(Limits.maxOpsPerBatch) operations (got \(ops.count))")
        }
        var seen = Set<String>()
        seen.reserveCapacity(ops.count)
        for op in ops where !seen.insert(op.id).inserted {
            throw WorkPlanError.invalid("operation id \(op.id) appears twice in the batch")
        }
        let chunk = 256
        guard ops.count > chunk else { return try validate(ops[...]) }
        let results = await withTaskGroup(of: (Int, Result<CheckedBatch, any Error>).self) { group in
            for start in stride(from: 0, to: ops.count, by: chunk) {
                let slice = ops[start..<min(start + chunk, ops.count)]
                group.addTask { (start, Result { try validate(slice) }) }
            }
            var all: [(Int, Result<CheckedBatch, any Error>)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }
        }
        var out = CheckedBatch()
        out.ops.reserveCapacity(ops.count)
        out.fieldsJSON.reserveCapacity(ops.count)
        for (_, r) in results {
            let part = try r.get()
            out.ops += part.ops
            out.fieldsJSON += part.fieldsJSON
        }
        return out
    }

    static func validate(_ ops: ArraySlice<PlanOperation>) throws -> CheckedBatch {
        var out = CheckedBatch()
        out.ops.reserveCapacity(ops.count)
        out.fieldsJSON.reserveCapacity(ops.count)
        for op in ops {
            let valid: PlanOperation
            do {
                valid = try op.validated()
                try PushApplier.checkNaturalKey(valid)
            } catch var e as WorkPlanError {
                // Named, so the replica can set this record's edits aside and send the rest.
                e.record = e.record ?? op.record
                e.operation = op.id
                throw e
            }
            out.ops.append(valid)
            out.fieldsJSON.append(valid.action == .create ? JSONWriter.encode(fields: valid.fields ?? [:]) : nil)
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
