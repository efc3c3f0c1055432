import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// One row of `records`: a record's current fields, revs and releasability.
struct StoredRecord {
    var id: String
    var kind: RecordKind
    /// The fields as stored: `JSONWriter.encode(fields:)` text. One field is read or changed
    /// in place (`FieldsText`); an edit does not decode the others.
    private(set) var fieldsJSON: String
    /// Revs of the fields changed since the create (the others have `createdSeq`).
    var revs: [String: Int64]
    /// The newest of the fields' revs and of the record's delete/restore.
    var rev: Int64
    /// The record's own releasability (nil for kinds without one).
    var own: Releasability?
    /// What readers are checked against: own ∩ parent's (nil: visible to nobody).
    var effective: Releasability?
    /// A note's task.
    var parent: String?
    var deleted: Bool
    var createdSeq: Int64
    var createdAt: Timestamp
    var createdBy: String
    /// The row it was read from (nil: made in this batch).
    var rowid: Int64? = nil

    /// The value of a field now (`.null` when unset).
    func value(_ field: String) throws -> FieldValue {
        guard let v = FieldsText.anyValue(of: field, in: fieldsJSON) else { throw unreadable }
        return v
    }

    /// Sets a field's value (`.null`: unset).
    mutating func setValue(_ value: FieldValue, of field: String) throws {
        guard let changed = FieldsText.anySetting(field, to: value, in: fieldsJSON) else { throw unreadable }
        fieldsJSON = changed
    }

    private var unreadable: WorkPlanError { WorkPlanError(.corrupt, "record \(id) has unreadable fields") }

    /// The rev of a field now.
    func rev(of field: String) -> Int64 { revs[field] ?? createdSeq }

    /// Existence facts for access and reference checks.
    var meta: RecordMeta { RecordMeta(kind: kind, own: own, effective: effective, deleted: deleted) }

    static let columns = "id, kind, fields, revs, rev, releasable, effective, parent, deleted, created_seq, created_at, created_by"

    init(id: String, kind: RecordKind, fieldsJSON: String, revs: [String: Int64], rev: Int64,
         own: Releasability?, effective: Releasability?, parent: String?, deleted: Bool,
         createdSeq: Int64, createdAt: Timestamp, createdBy: String) {
        self.id = id
        self.kind = kind
        self.fieldsJSON = fieldsJSON
        self.revs = revs
        self.rev = rev
        self.own = own
        self.effective = effective
        self.parent = parent
        self.deleted = deleted
        self.createdSeq = createdSeq
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    /// A row of `columns` then `rowid`, read straight from SQLite.
    init(row: SQLRow) throws {
        guard let kind = RecordKind(rawValue: row.text(1)) else {
            throw WorkPlanError(.corrupt, "record \(row.text(0)) has an unknown kind")
        }
        id = row.text(0)
        self.kind = kind
        fieldsJSON = row.text(2)
        revs = try JSONText.decode([String: Int64].self, row.text(3))
        rev = row.int(4)
        own = row.optionalText(5).flatMap(Releasability.init(rawValue:))
        effective = EffectiveReleasability.decode(row.text(6))
        parent = row.optionalText(7)
        deleted = row.int(8) != 0
        createdSeq = row.int(9)
        createdAt = row.int(10)
        createdBy = row.text(11)
        rowid = row.int(12)
    }
}

/// How effective releasability is stored: the raw value, or `none` for "visible to nobody".
enum EffectiveReleasability {
    static func encode(_ r: Releasability?) -> String { r?.rawValue ?? "none" }
    static func decode(_ s: String?) -> Releasability? { s.flatMap(Releasability.init(rawValue:)) }
    /// The narrower of two (nil: visible to nobody, narrower than any).
    static func narrower(_ a: Releasability?, _ b: Releasability?) -> Releasability? { a.flatMap { x in b.flatMap { x.intersect($0) } } }
    /// The wider of two: who could see either (nil: visible to nobody, narrower than any).
    static func wider(_ a: Releasability?, _ b: Releasability?) -> Releasability? {
        guard let a else { return b }
        guard let b else { return a }
        return a == b ? a : .both
    }
}
