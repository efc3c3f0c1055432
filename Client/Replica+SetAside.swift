import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

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
        /// A create's values (the officer's own words, kept with it).
        public var fields: [String: FieldValue]?
        public var reason: String
        /// When the edit was made, and when it was set aside (ISO 8601).
        public var madeAt: String
        public var setAsideAt: String

        enum CodingKeys: String, CodingKey {
            case record, kind, title, action, field, value, fields, reason
            case madeAt = "made_at"
            case setAsideAt = "set_aside_at"
        }
    }

    /// Takes a record (and, for a task, the notes on it) out of the view, with every waiting
    /// operation on them set aside for `reason`: a record withdrawn from this staff, or
    /// created here with a reference the server will refuse. Returns how many operations
    /// were set aside, and the notes removed.
    static func setAsideAndRemove(_ db: Database, _ kind: RecordKind, _ id: String, reason: String) throws -> (moved: Int, notes: [String]) {
        let title = try title(db, kind, id)
        var moved = try setAside(db, record: id, title: title, reason: reason)
        var notes: [String] = []
        if kind == .task {
            notes = try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM note WHERE task = ?"), arguments: [id])
            for note in notes { moved += try setAside(db, record: note, title: "note on \(title)", reason: reason) }
            try db.cachedStatement(sql: "DELETE FROM note WHERE task = ?").execute(arguments: [id])
        }
        try RecordTable.of(kind).remove(db, id: id)
        return (moved, notes)
    }

    /// Moves every waiting operation on `record` out of the pending log into `set_aside`.
    /// Returns how many were moved.
    @discardableResult
    static func setAside(_ db: Database, record: String, title: String, reason: String) throws -> Int {
        try setAside(db, where: "record = ?", [record], title: title, reason: reason)
    }

    /// Keeps an operation that already left the pending log (its reply was stored).
    static func setAside(_ db: Database, _ op: PlanOperation, author: String, title: String, reason: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO set_aside (title, reason, set_at, \(PendingLog.operationColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).run([.text(title), .text(reason), .int(Clock.now())] + PendingLog.row(op, author: author, serverValue: nil))
    }

    /// Moves the waiting operations `clause` selects out of the pending log into `set_aside`.
    private static func setAside(_ db: Database, where clause: String, _ arguments: StatementArguments,
                                 title: String, reason: String) throws -> Int {
        try db.execute(sql: """
            INSERT INTO set_aside (title, reason, set_at, \(PendingLog.operationColumns))
            SELECT ?, ?, ?, \(PendingLog.operationColumns)
            FROM pending WHERE \(clause) ORDER BY seq
            """, arguments: [title, reason, Clock.now()] + arguments)
        let moved = db.changesCount
        if moved > 0 {
            try db.execute(sql: "DELETE FROM pending WHERE \(clause)", arguments: arguments)
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
            try Row.fetchAll(db, sql: "SELECT record, kind, title, action, field, value, reason, at, set_at, fields FROM set_aside ORDER BY seq").map { row in
                let value: String? = row[5], fields: String? = row[9]
                return SetAsideEdit(record: RecordID.short(row[0]), kind: row[1], title: row[2], action: row[3], field: row[4],
                                    value: try value.map { try JSONText.decode(FieldValue.self, $0) },
                                    fields: try fields.map { try JSONText.decode([String: FieldValue].self, $0) }, reason: row[6],
                                    madeAt: TimeFormat.iso(row[7]), setAsideAt: TimeFormat.iso(row[8]))
            }
        }
    }

    /// Edits set aside because a record was not releasable to this staff go back to the
    /// pending log once the record they need is here again (its snapshot pulled: the other
    /// staff shared it again). They are sent against the revs they were made on, so the
    /// server applies each or keeps it as a conflict (DESIGN.md rule 5); before, they stayed
    /// set aside for good, under a reason no longer true. Creates and field edits go back,
    /// and with a create that goes back, the edits set aside with it (its own, its notes);
    /// an edit still missing another record it needs stays, and so does a value the officer
    /// has set again since (sent now, it would meet their own later value as a conflict).
    /// Returns the record of each edit that went back.
    static func returnSetAsideEdits(_ db: Database, revealed id: String) throws -> [String] {
        var returned: [String] = []
        var queue = [id], seen = Set<String>()
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            for create in try returnSetAsideEdits(db, needing: next, into: &returned) { queue.append(create) }
        }
        return returned
    }

    /// One step of `returnSetAsideEdits`: the edits set aside that name `id` (as their
    /// record, or anywhere in their value or fields, a link set's elements included).
    /// Returns the records whose create went back.
    private static func returnSetAsideEdits(_ db: Database, needing id: String, into returned: inout [String]) throws -> [String] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT seq, op_id, record, kind, action, field, base_rev, resolves, at, author, NULL, value, fields
            FROM set_aside
            WHERE (record = ?
                   OR EXISTS (SELECT 1 FROM json_tree(set_aside.value) WHERE json_tree.atom = ?)
                   OR EXISTS (SELECT 1 FROM json_tree(set_aside.fields) WHERE json_tree.atom = ?))
              AND (reason LIKE '%no longer releasable to%' OR reason LIKE '%which is not releasable to%')
            ORDER BY seq
            """, arguments: [id, id, id])
        var created: [String] = []
        for row in rows {
            let entry = try PendingLog.entry(from: row)
            let op = entry.op, table = RecordTable.of(op.kind)
            // Every record it names is here again: a reference, and each task of a link set
            // (an agenda item's: the review found those never came back).
            let reachable = try op.namedValues.allSatisfy { name, value in
                try LinkRules.namedRecords(op.kind, field: name, value: value).allSatisfy { try Self.isHere(db, $0.kind, $0.id) }
            }
            guard reachable else { continue }
            switch op.action {
            case .create:
                guard try !table.exists(db, id: op.record) else { continue }
                try table.write(db, StoredRecord(id: op.record, kind: op.kind, fields: (op.fields ?? [:]).filter { $0.value != .null },
                                                 revs: [:], rev: 0, createdAt: op.at, updatedAt: op.at, createdBy: entry.author, deleted: false))
                try PendingLog.append(db, op, author: entry.author)
                created.append(op.record)
            case .set, .add, .remove:
                guard var r = try table.fetch(db, id: op.record), !r.deleted, let field = op.field else { continue }
                if op.action == .set, try setAgainSince(db, op, author: entry.author) {
                    try db.execute(sql: "UPDATE set_aside SET reason = ? WHERE seq = ?", arguments: [
                        "you set \(field) again since; this earlier value was not sent", entry.seq])
                    continue
                }
                let current = r.fields[field] ?? .null
                let next = op.action == .set ? (op.value ?? .null)
                    : (MergeRules.applyElement(op.action, element: op.value?.text ?? "", to: current) ?? current)
                try PendingLog.append(db, op, author: entry.author, serverValue: current)
                r.fields[field] = next == .null ? nil : next
                try table.write(db, r)
            default:
                continue
            }
            try db.execute(sql: "DELETE FROM set_aside WHERE seq = ?", arguments: [entry.seq])
            returned.append(op.record)
        }
        return created
    }

    /// Whether record `id` of `kind` is one an edit here may refer to: in the view, or
    /// created here and waiting to be sent.
    static func isHere(_ db: Database, _ kind: RecordKind, _ id: String) throws -> Bool {
        try RecordTable.of(kind).exists(db, id: id)
            || Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM pending WHERE record = ? AND action = 'create')"),
                             arguments: [id]) == true
    }

    /// Whether `author` set `op`'s field again after `op` (by their own clock): a later edit
    /// of it waits here, or a later change of it by them is in the pulled history.
    private static func setAgainSince(_ db: Database, _ op: PlanOperation, author: String) throws -> Bool {
        guard let field = op.field else { return false }
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pending WHERE record = ? AND field = ? AND action IN ('set', 'restore') AND at > ?)",
                             arguments: [op.record, field, op.at]) == true { return true }
        return try pulledChanges(db, record: op.record).contains { $0.field == field && $0.user == author && $0.at > op.at }
    }

    /// Sets aside the waiting operations of batch `id` that refer to a record this replica
    /// cannot see (one made releasable to the other staff only since the edit): the server
    /// refuses the whole batch for them. Returns how many were set aside (0: none of the
    /// batch's operations is such, so the refusal has another cause).
    ///
    /// An edit goes alone, and the view of its field falls back to the server's value (with
    /// any other waiting edit of it on top). A create goes with everything waiting on its
    /// record and on notes on it, and the record leaves the view: the server never had it,
    /// so nothing else about it could be sent either.
    ///
    /// `refused`: the record (and operation, when one alone) the server named when it
    /// refused the batch, and why, if it did. Edits of that record itself go too (a create
    /// of it from an old export imported after it was withdrawn; a value a newer rule
    /// refuses, written before the upgrade): the server would refuse them, and every batch
    /// behind them, for good.
    func setAsideUnreachableReferences(inBatch id: String, refused: (record: String, operation: String?, reason: String)? = nil) throws -> Int {
        try db.write { db in
            let me = try Settings.load(from: db)
            let deletedHere = try ReplacedHere.deletedRecords(db)
            var moved = 0
            for entry in try PendingLog.entries(db, where: "batch = ?", arguments: [id]) {
                let op = entry.op
                var reason: String?
                if let refused, op.record == refused.record, refused.operation == nil || refused.operation == op.id {
                    reason = refused.reason
                }
                if reason == nil, op.action == .create, try Self.serverHolds(db, op.record) {
                    moved += try setAsideUnreachableLinks(db, of: entry, me: me, deletedHere: deletedHere)
                    continue
                }
                for (field, value) in op.namedValues where reason == nil {
                    // A reference, or the tasks of a link set (an agenda item's).
                    for (target, ref) in LinkRules.namedRecords(op.kind, field: field, value: value) where try reason == nil && !Self.isHere(db, target, ref) {
                        // Deleted here before it was ever sent: the server never had it (the
                        // third tester read "not releasable" of a task of their own staff).
                        reason = try Self.unreachableReason(db, target, ref, deletedHere: deletedHere, me: me)
                    }
                }
                if let reason {
                    if op.action == .create {
                        moved += try Self.setAsideAndRemove(db, op.kind, op.record, reason: reason).moved
                    } else {
                        let server = try op.field.flatMap { try PendingLog.serverValue(db, record: op.record, field: $0) }
                        moved += try Self.setAside(db, where: "seq = ?", [entry.seq], title: try Self.title(db, op.kind, op.record), reason: reason)
                        if let field = op.field, let spec = op.kind.field(field) {
                            // The field goes back to the server's value, with the edits that still
                            // wait applied to it: the value kept with the edit, or, when none was
                            // kept (the record's create was in flight when the edit was made), the
                            // pulled one (the review), unless a waiting create names the field.
                            var restored: FieldValue?
                            if let server {
                                restored = try viewValue(db, op.record, field, server) ?? .null
                            } else {
                                if try !PendingLog.createNames(db, record: op.record, field: field),
                                   let pulled = try Self.pulledValue(db, op.record, field) {
                                    restored = try viewValue(db, op.record, field, pulled) ?? .null
                                }
                                // Without a kept value, links to tasks not here go (the sharing
                                // property test: an IMS task kept following a task withdrawn from IMS).
                                if LinkRules.fields(of: op.kind).contains(field) {
                                    let held = try restored ?? RecordTable.of(op.kind).fetchField(db, id: op.record, field)
                                    if let shown = try LinkRules.visible(held, canSee: { try Self.isHere(db, .task, $0) }) { restored = shown }
                                }
                            }
                            if let restored {
                                try db.cachedStatement(sql: "UPDATE \(RecordTable.of(op.kind).name) SET \(field) = ? WHERE id = ?")
                                    .run([RecordTable.argument(restored, spec), .text(op.record)])
                            }
                        }
                        if let ids = op.resolves, !ids.isEmpty { try reopenConflicts(db, ids, on: op.record) }
                        try removeIfDeletedOnServer(db, op.kind, op.record)
                    }
                }
            }
            if moved > 0 {
                try db.execute(sql: "UPDATE pending SET batch = NULL WHERE batch = ?", arguments: [id])
            }
            return moved
        }
    }

    /// `resolve` takes the conflicts it decides off the list at once; when the resolution is
    /// set aside instead of sent, they are still open on the server, and every other
    /// replica lists them (the sharing property test: a `--mine` that the server refused as
    /// a follow-on loop). Lists them again from the pulled history (the change that opened
    /// each, unless one that closed it followed), showing the field as it is now.
    func reopenConflicts(_ db: Database, _ ids: [String], on record: String) throws {
        var opened: [String: Conflict] = [:]
        for body in try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM history WHERE record = ? ORDER BY seq"), arguments: [record]) {
            guard let c = try? JSONText.decode(Change.self, body) else { continue }
            switch c.event {
            case .conflictOpened: if let conflict = c.conflict, ids.contains(conflict.id) { opened[conflict.id] = conflict }
            case .conflictResolved: for id in c.resolved ?? [] { opened[id] = nil }
            default: break
            }
        }
        for id in ids.sorted() {
            guard var conflict = opened[id],
                  try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM conflict WHERE id = ?)"), arguments: [id]) == false else { continue }
            let table = RecordTable.of(conflict.kind)
            if conflict.type == .edit, let revs = try table.fetchRevs(db, id: record), revs.of(conflict.field) > conflict.currentRev {
                conflict.current = try PendingLog.serverValue(db, record: record, field: conflict.field) ?? table.fetchField(db, id: record, conflict.field)
                conflict.currentRev = revs.of(conflict.field)
            }
            try storeConflict(db, conflict)
        }
    }

    /// A pulled delete is not applied while edits of the record wait: they go to the server,
    /// which answers with a delete-versus-edit conflict. When the last of them is set aside
    /// instead, nothing else would ever apply it, and the record stayed here while every
    /// other replica had it deleted (the sharing property test: an IMS `follows` naming a
    /// task withdrawn since, on a task deleted since). Removes the record when no edit of it
    /// waits and the newest change of it pulled is a delete the record has not seen.
    func removeIfDeletedOnServer(_ db: Database, _ kind: RecordKind, _ id: String) throws {
        let table = RecordTable.of(kind)
        guard let revs = try table.fetchRevs(db, id: id),
              try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM pending WHERE record = ?)"), arguments: [id]) == false,
              let last = try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM history WHERE record = ? ORDER BY seq DESC"), arguments: [id])
                .lazy.compactMap({ try? JSONText.decode(Change.self, $0) }).first(where: { $0.event == .change || $0.event == .snapshot }),
              last.event == .change, last.action == .delete, last.seq > revs.rev else { return }
        // As the pull removes a record deleted on the server.
        try removeRecord(db, kind, id)
    }

    /// Why an edit naming record `ref` cannot be sent: it was deleted here before it reached
    /// the server (the third tester read "not releasable" of a task of their own staff), or
    /// this staff can no longer see it.
    /// One whose own create was set aside here (it refers to a withdrawn record in turn) says
    /// so: "not releasable" of a task of this staff's own misled (the black-box tester). The
    /// words keep "no longer releasable to", which `returnSetAsideEdits` looks for.
    static func unreachableReason(_ db: Database, _ target: RecordKind, _ ref: String, deletedHere: Set<String>, me: Settings) throws -> String {
        if deletedHere.contains(ref) {
            return "it refers to \(target.displayName) \(RecordID.short(ref)), which was deleted here before it reached the server"
        }
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM set_aside WHERE record = ? AND action = 'create')"), arguments: [ref]) == true {
            return "it refers to \(target.displayName) \(RecordID.short(ref)), made here and set aside too (it refers to a record no longer releasable to \(me.staff.rawValue))"
        }
        return "it refers to \(target.displayName) \(RecordID.short(ref)), which is not releasable to \(me.staff.rawValue)"
    }

    /// Whether the server holds `record`: a change of it was pulled.
    static func serverHolds(_ db: Database, _ record: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM history WHERE record = ?)"), arguments: [record]) ?? false
    }

    /// A create waiting here of a record the server holds (imported from an export, then
    /// pulled) whose links name a record this staff cannot see: only those links are set
    /// aside, each as an edit of its field, and the create goes without them, to meet the
    /// server's record field by field. Setting the whole create aside took the record out of
    /// the view, and the server's record, pulled already, never came back (the round-trip
    /// tester: a rebuilt replica without a shared task, for good). Returns how many edits
    /// were set aside.
    func setAsideUnreachableLinks(_ db: Database, of entry: PendingLog.Entry, me: Settings, deletedHere: Set<String>) throws -> Int {
        let op = entry.op
        guard var fields = op.fields else { return 0 }
        var moved = 0
        let title = try Self.title(db, op.kind, op.record)
        for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
            let unreachable = try LinkRules.namedRecords(op.kind, field: field, value: value).filter { try !Self.isHere(db, $0.kind, $0.id) }
            guard let first = unreachable.first, let spec = op.kind.field(field) else { continue }
            let kept: FieldValue = spec.isSet ? .set(value.elements.filter { e in !unreachable.contains { $0.id == e } }) : .null
            try Self.setAside(db, PlanOperation(record: op.record, kind: op.kind, action: .set, field: field, value: value, baseRev: 0, at: op.at),
                         author: me.user, title: title,
                         reason: try Self.unreachableReason(db, first.kind, first.id, deletedHere: deletedHere, me: me))
            moved += 1
            fields[field] = kept == .null ? nil : kept
            // The view takes the server's value, pulled already (the create shielded it): the
            // file's, less the link, was not the server's, and nothing pulled it again (the
            // review: a rebuilt replica's `follows` differed from everyone's, with no conflict).
            let view = try viewValue(db, op.record, field, try Self.pulledValue(db, op.record, field) ?? kept)
            try db.cachedStatement(sql: "UPDATE \(RecordTable.of(op.kind).name) SET \(field) = ? WHERE id = ?")
                .run([RecordTable.argument(view ?? .null, spec), .text(op.record)])
        }
        if moved > 0 {
            try db.cachedStatement(sql: "UPDATE pending SET fields = ? WHERE seq = ?").execute(arguments: [JSONText.encode(fields), entry.seq])
        }
        return moved
    }

    /// The value `field` of `record` has on the server, as this staff sees it: the pulled
    /// history replayed (nil when none of it was pulled).
    static func pulledValue(_ db: Database, _ record: String, _ field: String) throws -> FieldValue? {
        var value: FieldValue?
        for c in try pulledChanges(db, record: record) {
            switch (c.event, c.action) {
            case (.snapshot, _), (.change, .create?):
                value = c.fields?[field] ?? .null
            case (.change, .set?), (.change, .restore?):
                if c.field == field { value = c.value ?? .null }
            case (.change, .add?), (.change, .remove?):
                if c.field == field, let action = c.action {
                    value = MergeRules.applyElement(action, element: c.value?.text ?? "", to: value ?? .null) ?? value
                }
            default:
                break
            }
        }
        return value
    }
}
