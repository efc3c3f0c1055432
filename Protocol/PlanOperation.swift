/// What an operation does to a record.
public enum Action: String, Codable, Sendable {
    /// Creates the record with its initial fields (one change; every field's rev is its seq).
    case create
    /// Sets one field to `value`.
    case set
    /// Adds the element `value` to a set-valued field.
    case add
    /// Removes the element `value` from a set-valued field.
    case remove
    /// Deletes the record.
    case delete
    /// Brings back a deleted record with its last fields, optionally setting one field
    /// (resolving an edit-versus-delete conflict with "mine").
    case restore
    /// Closes conflicts without changing anything (resolving with "theirs").
    case resolve
}

/// One field-level operation in the pending log and in a push (DESIGN.md rule 1).
public struct PlanOperation: Codable, Sendable, Hashable, Identifiable {
    /// Unique per operation, chosen by the client.
    public var id: String
    public var record: String
    public var kind: RecordKind
    public var action: Action
    /// The field, for `set`, `add` and `remove`.
    public var field: String?
    /// The new value (`set`), or the element (`add`, `remove`).
    public var value: FieldValue?
    /// The initial fields, for `create`.
    public var fields: [String: FieldValue]?
    /// The rev this operation was made against: the field's rev (set), the record's rev
    /// (delete, restore), 0 for a record never synced.
    public var baseRev: Int64
    /// Open conflicts this operation settles.
    public var resolves: [String]?
    /// When the officer made the edit (shown, never used for ordering).
    public var at: Timestamp

    public init(id: String = RecordID.random(), record: String, kind: RecordKind, action: Action,
                field: String? = nil, value: FieldValue? = nil, fields: [String: FieldValue]? = nil,
                baseRev: Int64, resolves: [String]? = nil, at: Timestamp) {
        self.id = id
        self.record = record
        self.kind = kind
        self.action = action
        self.field = field
        self.value = value
        self.fields = fields
        self.baseRev = baseRev
        self.resolves = resolves
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case id, record, kind, action, field, value, fields
        case baseRev = "base_rev"
        case resolves, at
    }

    /// As synthesised, except that a present `"value": null` is `.null` (clear the field),
    /// not "no value".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        record = try c.decode(String.self, forKey: .record)
        kind = try c.decode(RecordKind.self, forKey: .kind)
        action = try c.decode(Action.self, forKey: .action)
        field = try c.decodeIfPresent(String.self, forKey: .field)
        value = c.contains(.value) ? try c.decode(FieldValue.self, forKey: .value) : nil
        fields = try c.decodeIfPresent([String: FieldValue].self, forKey: .fields)
        baseRev = try c.decode(Int64.self, forKey: .baseRev)
        resolves = try c.decodeIfPresent([String].self, forKey: .resolves)
        at = try c.decode(Timestamp.self, forKey: .at)
    }

    /// The values the operation names: a create's fields, or its one field and value.
    public var namedValues: [(name: String, value: FieldValue)] {
        var out: [(name: String, value: FieldValue)] = fields.map { $0.map { ($0.key, $0.value) } } ?? []
        if let field, let value { out.append((field, value)) }
        return out
    }

    /// Checks the operation's shape and values against the schema; returns it normalised.
    public func validated() throws -> PlanOperation {
        var op = self
        guard let rid = RecordID.parse(record) else {
            throw WorkPlanError.invalid("operation \(id): record id '\(record)' is not a UUID")
        }
        op.record = rid
        guard baseRev >= 0 else { throw WorkPlanError.invalid("operation \(id): base_rev must not be negative") }
        guard !id.isEmpty, id.utf8.count <= 64 || id.count <= 64 else { throw WorkPlanError.invalid("operation id must be 1 to 64 characters") }
        switch action {
        case .create:
            guard let f = fields else { throw WorkPlanError.invalid("operation \(id): \(action.rawValue) needs fields") }
            op.fields = try Validation.normalizeRecord(kind: kind, fields: f)
            guard field == nil, value == nil else {
                throw WorkPlanError.invalid("operation \(id): \(action.rawValue) takes fields, not field/value")
            }
        case .restore where field == nil:
            guard value == nil, fields == nil else {
                throw WorkPlanError.invalid("operation \(id): restore takes an optional field/value only")
            }
        case .set, .add, .remove, .restore:
            guard let name = field, let spec = kind.field(name) else {
                throw WorkPlanError.invalid("operation \(id): \(kind.withArticle) has no field '\(field ?? "")'")
            }
            guard let v = value else { throw WorkPlanError.invalid("operation \(id): \(action.rawValue) needs a value") }
            if action == .set || action == .restore {
                guard !spec.immutable else {
                    throw WorkPlanError.invalid("\(kind.displayName) \(name) cannot be changed once created")
                }
                op.value = try Validation.normalize(v, for: spec, kind: kind)
            } else {
                guard spec.isSet else {
                    throw WorkPlanError.invalid("operation \(id): \(action.rawValue) works on set fields only, not '\(name)'")
                }
                guard case .text(let e) = v else {
                    throw WorkPlanError.invalid("operation \(id): \(action.rawValue) takes one element")
                }
                op.value = .text(try Validation.element(e, label: "\(kind.displayName) \(name)"))
            }
            guard fields == nil else { throw WorkPlanError.invalid("operation \(id): \(action.rawValue) takes field/value, not fields") }
        case .delete, .resolve:
            guard field == nil || action == .resolve, value == nil || action == .resolve, fields == nil else {
                throw WorkPlanError.invalid("operation \(id): \(action.rawValue) takes no values")
            }
            if action == .resolve {
                guard let r = resolves, !r.isEmpty else {
                    throw WorkPlanError.invalid("operation \(id): resolve needs the conflicts it settles")
                }
            }
        }
        if let r = resolves {
            guard r.count <= 100, r.allSatisfy({ RecordID.parse($0) != nil }) else {
                throw WorkPlanError.invalid("operation \(id): resolves must list conflict ids")
            }
        }
        // A record that refers to itself (a task following itself) means nothing; checked
        // here, so both the replica and the server refuse it.
        for (name, value) in op.namedValues {
            if case .reference(let target)? = kind.field(name)?.type, target == kind, value.text == op.record {
                throw WorkPlanError.invalid("\(kind.withArticle) cannot refer to itself in '\(name)'")
            }
        }
        return op
    }
}
