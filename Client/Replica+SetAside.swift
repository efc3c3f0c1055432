import Foundation
import GRDB
import WorkPlanProtocol

/// Edits that can no longer be sent, kept instead of dropped (DESIGN.md rule 5): the
/// record they change was withdrawn from this staff (made releasable to the other staff
/// only), or they refer to a record this staff can no longer see, so the server would
/// refuse them. They leave the pending log (so the rest of it syncs), and `status` lists
/// them with the reason, for the officer to take up with the other staff.
extension Replica {
    /// One edit set aside.
    public struct SetAsideEdit: Codable, Sendable, Hashable {
        /// The record the edit changes (short id), its kind, and what it was called here.
        public var record: String
        public var kind: String
        public var title: String
        /// `create`, `set`, `add`, `remove`, `delete`, `restore` or `resolve`.
        public var action: String
        public var field: String?
        public var value: FieldValue?
        public var reason: String
        /// When the edit was made, and when it was set aside (ISO 8601).
        public var madeAt: String
        public var setAsideAt: String

        enum CodingKeys: String, CodingKey {
            case record, kind, title, action, field, value, reason
            case madeAt = "made_at"
            case setAsideAt = "set_aside_at"
        }
    }

    /// Moves every waiting operation on `record` out of the pending log into `set_aside`.
    /// Returns how many were moved.
    @discardableResult
    static func setAside(_ db: Database, record: String, title: String, reason: String) throws -> Int {
        try db.execute(sql: """
            INSERT INTO set_aside (title, reason, set_at, op_id, record, kind, action, field, value, fields,
                                   base_rev, resolves, at, author, server_value)
            SELECT ?, ?, ?, op_id, record, kind, action, field, value, fields, base_rev, resolves, at, author, server_value
            FROM pending WHERE record = ? ORDER BY seq
            """, arguments: [title, reason, Clock.now(), record])
        let moved = db.changesCount
        if moved > 0 {
            try db.execute(sql: "DELETE FROM pending WHERE record = ?", arguments: [record])
        }
        return moved
    }

    /// What a record is called, for the list of edits set aside.
    static func title(_ db: Database, _ kind: RecordKind, _ id: String) throws -> String {
        guard let r = try RecordTable.of(kind).fetch(db, id: id) else { return RecordID.short(id) }
        return r.text("title") ?? r.text("name") ?? r.text("topic") ?? r.text("text") ?? r.text("number") ?? RecordID.short(id)
    }

    /// The edits set aside, oldest first.
    public func setAsideEdits() throws -> [SetAsideEdit] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT record, kind, title, action, field, value, reason, at, set_at FROM set_aside ORDER BY seq").map { row in
                let value: String? = row[5]
                return SetAsideEdit(record: RecordID.short(row[0]), kind: row[1], title: row[2], action: row[3], field: row[4],
                                    value: try value.map { try JSONText.decode(FieldValue.self, $0) }, reason: row[6],
                                    madeAt: TimeFormat.iso(row[7]), setAsideAt: TimeFormat.iso(row[8]))
            }
        }
    }

    /// Sets aside the waiting operations of batch `id` that refer to a record this replica
    /// cannot see (one made releasable to the other staff only since the edit): the server
    /// refuses the whole batch for them. Returns how many were set aside (0: none of the
    /// batch's operations is such, so the refusal has another cause).
    func setAsideUnreachableReferences(inBatch id: String) throws -> Int {
        try db.write { db in
            let me = try Settings.load(from: db)
            var moved = 0
            for entry in try PendingLog.entries(db, where: "batch = ?", arguments: [id]) {
                let op = entry.op
                var values: [(String, FieldValue)] = op.fields.map { Array($0) } ?? []
                if let field = op.field, let value = op.value { values.append((field, value)) }
                for (field, value) in values {
                    guard let spec = op.kind.field(field), case .reference(let target) = spec.type, let ref = value.text,
                          try !RecordTable.of(target).exists(db, id: ref),
                          try PendingLog.entries(db, where: "record = ? AND action = 'create'", arguments: [ref]).isEmpty else { continue }
                    let reason = "it refers to \(target.displayName) \(RecordID.short(ref)), which is not releasable to \(me.staff.rawValue)"
                    moved += try Self.setAside(db, record: op.record, title: try Self.title(db, op.kind, op.record), reason: reason)
                    break
                }
            }
            if moved > 0 {
                try db.execute(sql: "UPDATE pending SET batch = NULL WHERE batch = ?", arguments: [id])
            }
            return moved
        }
    }
}
