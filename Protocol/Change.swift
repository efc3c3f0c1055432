/// One entry of the server's change stream, in `seq` order (DESIGN.md rules 4 and 5).
public struct Change: Codable, Sendable, Hashable {
    /// What the entry records.
    public enum Event: String, Codable, Sendable {
        /// An accepted operation (`action` says which).
        case change
        /// A conflict was opened (`conflict` holds it).
        case conflictOpened = "conflict_opened"
        /// Conflicts were settled (`resolved` lists them).
        case conflictResolved = "conflict_resolved"
        /// The record is no longer visible to this user: remove it with its notes and history.
        case withdrawn
        /// The whole current record, sent when it becomes visible to this user.
        case snapshot
    }

    public var seq: Int64
    public var event: Event
    public var record: String
    public var kind: RecordKind
    public var action: Action?
    public var field: String?
    /// The value before (set, add, remove), for history.
    public var old: FieldValue?
    /// The value after (set), or the element (add, remove).
    public var value: FieldValue?
    /// All fields (create, restore, snapshot).
    public var fields: [String: FieldValue]?
    /// Per-field revs (snapshot only).
    public var revs: [String: Int64]?
    public var user: String
    public var staff: Staff
    public var at: Timestamp
    public var batch: String?
    public var conflict: Conflict?
    public var resolved: [String]?
    /// For snapshots: when the record was created and by whom (`user` is who made the
    /// change that brought the snapshot; absent from older servers).
    public var createdAt: Timestamp?
    public var createdBy: String?
    /// For snapshots: the staff of `createdBy` (who may withdraw a shared record,
    /// `AccessRules.withdrawalRefusal`; absent from older servers).
    public var createdStaff: Staff?

    public init(seq: Int64, event: Event, record: String, kind: RecordKind, action: Action? = nil,
                field: String? = nil, old: FieldValue? = nil, value: FieldValue? = nil,
                fields: [String: FieldValue]? = nil, revs: [String: Int64]? = nil,
                user: String, staff: Staff, at: Timestamp, batch: String? = nil,
                conflict: Conflict? = nil, resolved: [String]? = nil, createdAt: Timestamp? = nil,
                createdBy: String? = nil, createdStaff: Staff? = nil) {
        self.seq = seq
        self.event = event
        self.record = record
        self.kind = kind
        self.action = action
        self.field = field
        self.old = old
        self.value = value
        self.fields = fields
        self.revs = revs
        self.user = user
        self.staff = staff
        self.at = at
        self.batch = batch
        self.conflict = conflict
        self.resolved = resolved
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.createdStaff = createdStaff
    }

    enum CodingKeys: String, CodingKey {
        case seq, event, record, kind, action, field, old, value, fields, revs, user, staff, at, batch, conflict, resolved
        case createdAt = "created_at"
        case createdBy = "created_by"
        case createdStaff = "created_staff"
    }

    /// As synthesised, except that a present `null` for `old` or `value` is `.null` (the
    /// field was, or became, empty), not "absent".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seq = try c.decode(Int64.self, forKey: .seq)
        event = try c.decode(Event.self, forKey: .event)
        record = try c.decode(String.self, forKey: .record)
        kind = try c.decode(RecordKind.self, forKey: .kind)
        action = try c.decodeIfPresent(Action.self, forKey: .action)
        field = try c.decodeIfPresent(String.self, forKey: .field)
        old = c.contains(.old) ? try c.decode(FieldValue.self, forKey: .old) : nil
        value = c.contains(.value) ? try c.decode(FieldValue.self, forKey: .value) : nil
        fields = try c.decodeIfPresent([String: FieldValue].self, forKey: .fields)
        revs = try c.decodeIfPresent([String: Int64].self, forKey: .revs)
        user = try c.decode(String.self, forKey: .user)
        staff = try c.decode(Staff.self, forKey: .staff)
        at = try c.decode(Timestamp.self, forKey: .at)
        batch = try c.decodeIfPresent(String.self, forKey: .batch)
        conflict = try c.decodeIfPresent(Conflict.self, forKey: .conflict)
        resolved = try c.decodeIfPresent([String].self, forKey: .resolved)
        createdAt = try c.decodeIfPresent(Timestamp.self, forKey: .createdAt)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy)
        createdStaff = try c.decodeIfPresent(Staff.self, forKey: .createdStaff)
    }
}
