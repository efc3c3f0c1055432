/// The protocol version this build speaks, and the oldest it still accepts.
public enum ProtocolVersion {
    public static let current = 1
    public static let minimumSupported = 1
    /// The header every client request carries.
    public static let header = "X-WorkPlan-Protocol"
}

/// The versioned paths of the wire protocol.
public enum Paths {
    public static let hello = "/v1/hello"
    public static let push = "/v1/push"
    public static let pull = "/v1/pull"
}

/// Limits both sides keep to.
public enum Limits {
    /// Largest request body the server reads.
    public static let maxBodyBytes = 16 * 1024 * 1024
    /// Most operations in one push batch.
    public static let maxOpsPerBatch = 5000
    /// The client's batch size (well under both limits).
    public static let clientBatchOps = 2500
    /// Most changes per pull page.
    public static let maxPageSize = 10000
    public static let defaultPageSize = 5000
}

/// The handshake: who the server is and who it thinks you are.
public struct HelloResponse: Codable, Sendable {
    public var protocolVersion: Int
    public var minimumProtocolVersion: Int
    public var serverVersion: String
    /// The store's identity; a restore from backup changes it.
    public var storeId: String
    public var user: Identity
    /// The newest `seq` in the store.
    public var maxSeq: Int64
    /// For a store restored from a backup: the newest `seq` the backup held. Changes up to it
    /// are the same in the old store and in this one; a replica's revs above it name changes
    /// the restore lost (docs/operations.md "Restore"). Nil for a store never restored, and
    /// from servers older than this field.
    public var restorePoint: Int64?

    public init(protocolVersion: Int, minimumProtocolVersion: Int, serverVersion: String,
                storeId: String, user: Identity, maxSeq: Int64, restorePoint: Int64? = nil) {
        self.protocolVersion = protocolVersion
        self.minimumProtocolVersion = minimumProtocolVersion
        self.serverVersion = serverVersion
        self.storeId = storeId
        self.user = user
        self.maxSeq = maxSeq
        self.restorePoint = restorePoint
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol_version"
        case minimumProtocolVersion = "minimum_protocol_version"
        case serverVersion = "server_version"
        case storeId = "store_id"
        case user
        case maxSeq = "max_seq"
        case restorePoint = "restore_point"
    }
}

/// A batch of pending operations (DESIGN.md rule 2: atomic and idempotent by `batchId`).
public struct PushRequest: Codable, Sendable {
    public var batchId: String
    public var ops: [PlanOperation]

    public init(batchId: String, ops: [PlanOperation]) {
        self.batchId = batchId
        self.ops = ops
    }

    enum CodingKeys: String, CodingKey {
        case batchId = "batch_id"
        case ops
    }
}

/// What became of one operation.
public struct OpResult: Codable, Sendable, Hashable {
    public enum Outcome: String, Codable, Sendable {
        /// Applied; `seq` is its number, `value` the stored value.
        case accepted
        /// Stale but equal to the current value, or an element already (not) there: nothing changed.
        case unchanged
        /// Stale long text merged line-wise with the current value; `value` is the merge.
        case merged
        /// Refused; `conflicts` holds the kept values.
        case conflict
    }

    public var op: String
    public var outcome: Outcome
    public var seq: Int64?
    /// The field's (or record's) value now, after this operation: `.null` when the field
    /// is empty (sent as `"value": null`), nil when the result carries no value (left out).
    public var value: FieldValue?
    /// The field's (or, for record-level operations, the record's) rev now.
    public var rev: Int64
    /// The conflicts this operation opened (usually one; a create of an existing
    /// natural-key record can disagree on several fields).
    public var conflicts: [Conflict]?
    /// For a create that met a record the server already held (a natural key created on
    /// both sides): the rev of each field it names, now. Edits the officer made on top of
    /// the create stand on those revs where the server kept or took the create's value
    /// (absent from older servers).
    public var revs: [String: Int64]?

    public init(op: String, outcome: Outcome, seq: Int64? = nil, value: FieldValue? = nil, rev: Int64, conflicts: [Conflict]? = nil,
                revs: [String: Int64]? = nil) {
        self.op = op
        self.outcome = outcome
        self.seq = seq
        self.value = value
        self.rev = rev
        self.conflicts = conflicts
        self.revs = revs
    }

    /// As the synthesised decoder, except that a `null` value is the empty value, not "no
    /// value": a conflict kept an emptied field, and the replica must show it empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        op = try c.decode(String.self, forKey: .op)
        outcome = try c.decode(Outcome.self, forKey: .outcome)
        seq = try c.decodeIfPresent(Int64.self, forKey: .seq)
        value = c.contains(.value) ? try c.decode(FieldValue.self, forKey: .value) : nil
        rev = try c.decode(Int64.self, forKey: .rev)
        conflicts = try c.decodeIfPresent([Conflict].self, forKey: .conflicts)
        revs = try c.decodeIfPresent([String: Int64].self, forKey: .revs)
    }
}

/// The server's answer to a push: one result per operation, in order.
public struct PushResponse: Codable, Sendable {
    public var batchId: String
    public var storeId: String
    public var results: [OpResult]
    /// True when this is the stored answer to a batch already applied.
    public var replayed: Bool

    public init(batchId: String, storeId: String, results: [OpResult], replayed: Bool) {
        self.batchId = batchId
        self.storeId = storeId
        self.results = results
        self.replayed = replayed
    }

    enum CodingKeys: String, CodingKey {
        case batchId = "batch_id"
        case storeId = "store_id"
        case results, replayed
    }
}

/// One page of the change stream after a cursor.
public struct PullResponse: Codable, Sendable {
    public var storeId: String
    public var changes: [Change]
    /// The cursor to ask from next (the last `seq` the server looked at).
    public var next: Int64
    /// Whether more changes follow.
    public var more: Bool
    public var maxSeq: Int64

    public init(storeId: String, changes: [Change], next: Int64, more: Bool, maxSeq: Int64) {
        self.storeId = storeId
        self.changes = changes
        self.next = next
        self.more = more
        self.maxSeq = maxSeq
    }

    enum CodingKeys: String, CodingKey {
        case storeId = "store_id"
        case changes, next, more
        case maxSeq = "max_seq"
    }
}
