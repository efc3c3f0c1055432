/// Why an operation could not be applied.
public enum ConflictType: String, Codable, Sendable {
    /// Both sides changed the same field differently.
    case edit
    /// The record was edited here but deleted by someone else.
    case editDeleted = "edit_deleted"
    /// The record was deleted here but changed by someone else since the deleter last saw it.
    case deleteChanged = "delete_changed"
}

/// An open disagreement: the current value stays, the proposed one is kept here until
/// someone resolves it (DESIGN.md rule 3).
public struct Conflict: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var record: String
    public var kind: RecordKind
    public var type: ConflictType
    /// The field in dispute; `deleted` for delete conflicts.
    public var field: String
    /// The value both sides started from.
    public var base: FieldValue
    /// The value the server holds (it stays).
    public var current: FieldValue
    /// The value that was refused.
    public var proposed: FieldValue
    public var proposedBy: String
    public var staff: Staff
    public var at: Timestamp
    /// The rev of the current value; a resolution is an edit against it.
    public var currentRev: Int64

    public init(id: String, record: String, kind: RecordKind, type: ConflictType, field: String,
                base: FieldValue, current: FieldValue, proposed: FieldValue, proposedBy: String,
                staff: Staff, at: Timestamp, currentRev: Int64) {
        self.id = id
        self.record = record
        self.kind = kind
        self.type = type
        self.field = field
        self.base = base
        self.current = current
        self.proposed = proposed
        self.proposedBy = proposedBy
        self.staff = staff
        self.at = at
        self.currentRev = currentRev
    }

    enum CodingKeys: String, CodingKey {
        case id, record, kind, type, field, base, current, proposed
        case proposedBy = "proposed_by"
        case staff, at
        case currentRev = "current_rev"
    }

    /// The pseudo-field named by delete conflicts.
    public static let deletedField = "deleted"
}
