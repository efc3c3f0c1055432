import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

extension ServerStore {
    /// One page of the change stream after `after`, as JSON bytes of a `PullResponse`
    /// (docs/sync-model.md "Pull" and "Releasability").
    ///
    /// Scans at most `limit` (capped at `Limits.maxPageSize`) changes in seq order and keeps
    /// what `staff` may see now and could see when it was made; a change that hides a record from `staff` becomes `withdrawn`,
    /// one that reveals it becomes a `snapshot` of the record as it is now (with a task's
    /// visible notes and the open conflicts).
    public func pull(after: Int64, limit: Int, staff: Staff) async throws -> [UInt8] {
        guard after >= 0 else { throw WorkPlanError.invalid("the pull cursor must not be negative (got \(after))") }
        guard limit >= 1 else { throw WorkPlanError.invalid("the page limit must be at least 1 (got \(limit))") }
        let pageSize = min(limit, Limits.maxPageSize)
        let storeId = self.storeId
        return try await pool.read { db in
            let maxSeq = try Self.maxSeq(db)
            guard after <= maxSeq else {
                throw WorkPlanError(.staleCursor, "the pull cursor \(after) is beyond this store's newest change \(maxSeq): the replica last synced with another store (or one since restored from a backup)")
            }
            var page = PullPage(db: db, staff: staff)
            let next = try page.scan(after: after, limit: pageSize)
            var w = JSONWriter(capacity: page.body.bytes.count + 160)
            w.raw("{"); w.key("store_id"); w.string(storeId)
            w.raw(","); w.key("changes"); w.raw("[")
            w.bytes.append(contentsOf: page.body.bytes)
            w.raw("]")
            w.raw(","); w.key("next"); w.int(next)
            w.raw(","); w.key("more"); w.bool(next < maxSeq)
            w.raw(","); w.key("max_seq"); w.int(maxSeq)
            w.raw("}")
            return w.bytes
        }
    }

    /// The decoded form of `pull` (for tests and in-process callers).
    public func pullPage(after: Int64, limit: Int = Limits.defaultPageSize, staff: Staff) async throws -> PullResponse {
        try JSONDecoder().decode(PullResponse.self, from: Data(try await pull(after: after, limit: limit, staff: staff)))
    }
}

/// What a snapshot or a withdrawal takes from the change that caused it.
struct Trigger {
    let seq: Int64
    let user: String
    let staff: String
    let at: Int64
    let batch: String?

    /// From a row of `PullPage.scan`'s query.
    init(_ row: SQLRow) {
        seq = row.int(0)
        user = row.text(9)
        staff = row.text(10)
        at = row.int(11)
        batch = row.optionalText(12)
    }
}

/// Builds the `changes` array of one pull page.
struct PullPage {
    let db: Database
    let staff: Staff
    var body = JSONWriter(capacity: 64 * 1024)
    var count = 0
    /// Whether this staff may see a record a link names (`PullPage+Links.swift`), by id.
    var linkVisibility: [String: Bool] = [:]
    /// Tasks this page shares with the staff or withdraws from it, with the change that did:
    /// the records linking to them follow as snapshots.
    var linkTargetsChanged: [String: Trigger] = [:]

    init(db: Database, staff: Staff) {
        self.db = db
        self.staff = staff
    }

    /// Scans up to `limit` changes after `after`; returns the last seq scanned. Columns are
    /// read straight from SQLite and stored JSON is spliced in as bytes: a GRDB `Row` per
    /// change cost about half of writing a page.
    mutating func scan(after: Int64, limit: Int) throws -> Int64 {
        let select = try db.cachedStatement(sql: """
            SELECT c.seq, c.event, c.record, c.kind, c.action, c.field, c.old, c.value, c.fields, c.user, c.staff,
                   c.at, c.batch, c.conflict, c.resolved, c.old_effective, c.new_effective, r.effective, c.effective
            FROM changes c JOIN records r ON r.id = c.record
            WHERE c.seq > ? ORDER BY c.seq LIMIT ?
            """)
        var last = after
        try select.forEachRow([.int(after), .int(Int64(limit))]) { row in
            last = row.int(0)
            let visibleNow = AccessRules.canSee(staff, EffectiveReleasability.decode(row.text(17)))
            if let before = row.optionalText(15), let after = row.optionalText(16) {
                let was = AccessRules.canSee(staff, EffectiveReleasability.decode(before))
                let becomes = AccessRules.canSee(staff, EffectiveReleasability.decode(after))
                if was != becomes, row.text(3) == RecordKind.task.rawValue { linkTargetsChanged[row.text(2)] = Trigger(row) }
                if was && !becomes {
                    if try wasShownBefore(row.text(2), kind: row.text(3), seq: row.int(0), batch: row.optionalText(12)) { emitWithdrawn(row) }
                    return
                }
                if !was && becomes {
                    if visibleNow { try emitSnapshot(of: row.text(2), trigger: Trigger(row)) }
                    return
                }
            }
            // What was written while the record was hidden from this staff stays hidden:
            // the staff got (or gets) the record as a snapshot when it was shared.
            let visibleThen = sees(row.optionalText(18))
            if visibleNow && visibleThen {
                try emit(row)
                // A restore brings a deleted record back: replicas that removed it need the
                // whole record with its revs and creation time, as for a newly visible one.
                if row.optionalText(4) == Action.restore.rawValue { try emitSnapshot(of: row.text(2), trigger: Trigger(row)) }
            }
        }
        try emitLinkingSnapshots(to: linkTargetsChanged)
        return last
    }

    /// Whether this staff may hold record `id` when the change at `seq` (of `batch`) hides
    /// it: a change of it outside that batch was one it could see, or showed it. A record
    /// hidden from the staff until the batch that shows it and hides it again (one
    /// transaction) was never seen by anyone of that staff, and no withdrawal names it (the
    /// security tester was sent the id of a task never shared with IMS). A note is shown
    /// with its task too, which writes no change of the note (the review: a note written on
    /// an EUMS-only task, seen by IMS when the task was shared, was never withdrawn when made
    /// EUMS-only): its withdrawal is always sent.
    private func wasShownBefore(_ id: String, kind: String, seq: Int64, batch: String?) throws -> Bool {
        if kind == RecordKind.note.rawValue { return true }
        let rows = try db.cachedStatement(sql: """
            SELECT effective, new_effective FROM changes WHERE record = ? AND seq < ? AND batch IS NOT ?
            """)
        var shown = false
        try rows.forEachRow([.text(id), .int(seq), batch.map { .text($0) } ?? .null]) { row in
            if !shown, sees(row.optionalText(0)) || row.optionalText(1).map({ sees($0) }) == true { shown = true }
        }
        return shown
    }

    /// Whether this staff is sent a change (or conflict) stored with the record's effective
    /// releasability `effective` when it was made; none stored: yes.
    private func sees(_ effective: String?) -> Bool {
        effective.map { AccessRules.canSee(staff, EffectiveReleasability.decode($0)) } ?? true
    }

    private mutating func separator() {
        if count > 0 { body.raw(",") }
        count += 1
    }

    /// `,"name":` and the column as a JSON string, when it is not NULL.
    private mutating func string(_ name: String, _ row: SQLRow, _ column: Int32) {
        guard !row.isNull(column) else { return }
        body.raw(name)
        row.withText(column) { body.string(utf8: $0) }
    }

    /// `,"name":` and the column's stored JSON as it is (or as `replaced` has it), when it
    /// is not NULL.
    private mutating func json(_ name: String, _ row: SQLRow, _ column: Int32, _ replaced: [Int32: String?] = [:]) {
        if let replacement = replaced[column] {
            guard let replacement else { return }
            body.raw(name)
            body.json(replacement)
            return
        }
        guard !row.isNull(column) else { return }
        body.raw(name)
        row.withText(column) { body.json(utf8: $0) }
    }

    /// A stored change, as `Change` JSON (stored JSON columns are spliced in as they are,
    /// unless they name records this staff may not see: `linkRedactions`).
    private mutating func emit(_ row: SQLRow) throws {
        var replaced: [Int32: String?] = [:]
        if let kind = RecordKind(rawValue: row.text(3)), !LinkRules.fields(of: kind).isEmpty {
            guard let r = try linkRedactions(row, kind: kind) else { return }
            replaced = r
        }
        separator()
        body.raw("{\"seq\":"); body.int(row.int(0))
        string(",\"event\":", row, 1)
        string(",\"record\":", row, 2)
        string(",\"kind\":", row, 3)
        string(",\"action\":", row, 4)
        string(",\"field\":", row, 5)
        json(",\"old\":", row, 6, replaced)
        json(",\"value\":", row, 7, replaced)
        json(",\"fields\":", row, 8, replaced)
        string(",\"user\":", row, 9)
        string(",\"staff\":", row, 10)
        body.raw(",\"at\":"); body.int(row.int(11))
        string(",\"batch\":", row, 12)
        json(",\"conflict\":", row, 13, replaced)
        json(",\"resolved\":", row, 14)
        body.raw("}")
    }

    private mutating func header(seq: Int64, event: Change.Event, record: String, kind: String) {
        separator()
        body.raw("{\"seq\":"); body.int(seq)
        body.raw(",\"event\":"); body.string(event.rawValue)
        body.raw(",\"record\":"); body.string(record)
        body.raw(",\"kind\":"); body.string(kind)
    }

    private mutating func signature(_ t: Trigger) {
        signature(user: t.user, staff: t.staff, at: t.at, batch: t.batch)
    }

    private mutating func signature(user: String, staff: String, at: Int64, batch: String?) {
        body.raw(",\"user\":"); body.string(user)
        body.raw(",\"staff\":"); body.string(staff)
        body.raw(",\"at\":"); body.int(at)
        if let batch { body.raw(",\"batch\":"); body.string(batch) }
    }

    /// The record is no longer visible to this staff.
    private mutating func emitWithdrawn(_ row: SQLRow) {
        let trigger = Trigger(row)
        header(seq: trigger.seq, event: .withdrawn, record: row.text(2), kind: row.text(3))
        signature(trigger)
        body.raw("}")
    }

    /// The record became visible: the whole record now, a task's visible notes, and the
    /// open conflicts of each, all under the seq of the change that revealed it.
    private mutating func emitSnapshot(of id: String, trigger: Trigger) throws {
        let seq = trigger.seq
        let select = try db.cachedStatement(sql: """
            SELECT id, kind, fields, revs, created_at, effective, created_seq, created_by,
                   (SELECT staff FROM users WHERE name = records.created_by) FROM records WHERE id = ? AND deleted = 0
            """)
        guard let rec = try Row.fetchOne(select, arguments: [id]) else { return }
        try emitSnapshot(rec, seq: seq, trigger: trigger)
        try emitOpenConflicts(of: id, seq: seq)
        guard (rec[1] as String) == RecordKind.task.rawValue else { return }
        let notes = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, kind, fields, revs, created_at, effective, created_seq, created_by,
                   (SELECT staff FROM users WHERE name = records.created_by) FROM records WHERE parent = ? AND deleted = 0
            """), arguments: [id])
        for note in notes where AccessRules.canSee(staff, EffectiveReleasability.decode(note[5])) {
            try emitSnapshot(note, seq: seq, trigger: trigger)
            try emitOpenConflicts(of: note[0], seq: seq)
        }
    }

    mutating func emitSnapshot(_ rec: Row, seq: Int64, trigger: Trigger) throws {
        // Made after the change that reveals it: its own create follows in the stream (or a
        // snapshot when it is shared), not a copy under an earlier seq.
        let stored: String = rec[3], createdSeq: Int64 = rec[6]
        guard createdSeq <= seq else { return }
        var fields: String = rec[2]
        var revs = try JSONDecoder().decode([String: Int64].self, from: Data(stored.utf8))
        try rewind(rec[0], to: seq, fields: &fields, revs: &revs, createdSeq: createdSeq)
        let shown = try RecordKind(rawValue: rec[1]).flatMap { try visibleFields(fields, kind: $0) } ?? fields
        header(seq: seq, event: .snapshot, record: rec[0], kind: rec[1])
        body.raw(",\"fields\":"); body.json(shown)
        // Every field of the kind: its own rev, or the create's seq.
        for spec in (RecordKind(rawValue: rec[1]) ?? .task).fields where revs[spec.name] == nil {
            revs[spec.name] = createdSeq
        }
        body.raw(",\"revs\":"); body.revs(revs)
        signature(trigger)
        body.raw(",\"created_at\":"); body.int(rec[4])
        // Who created it: `user` above is who made the change that brought the snapshot.
        body.raw(",\"created_by\":"); body.string(rec[7])
        // Their staff: who may withdraw the record once shared (`AccessRules.withdrawalRefusal`).
        if let staff = rec[8] as String? { body.raw(",\"created_staff\":"); body.string(staff) }
        body.raw("}")
    }

    /// The record as it stood at `seq`, as a replica that pulled it then has it: each field
    /// that a later change this staff is sent changes takes the value that change replaced,
    /// at the rev of the field's change before it. Pulled late, a snapshot of the record as it
    /// is now showed those later changes under the sharer's name, then again as themselves,
    /// and two replicas of one staff kept different histories of it (the black-box tester).
    /// Changes this staff is not sent (written while the record was hidden from it, in the
    /// batch that showed it too) stay folded in: their old values may be hidden ones.
    private func rewind(_ id: String, to seq: Int64, fields: inout String, revs: inout [String: Int64], createdSeq: Int64) throws {
        let later = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT field, old, seq, effective FROM changes
            WHERE record = ? AND seq > ? AND event = 'change' AND field IS NOT NULL ORDER BY seq
            """), arguments: [id, seq])
        guard !later.isEmpty else { return }
        var values = try JSONText.decode([String: FieldValue].self, fields)
        var rewound = Set<String>()
        for row in later {
            let field: String = row[0]
            let then: String? = row[3]
            guard !rewound.contains(field), sees(then) else { continue }
            rewound.insert(field)
            let old = try (row[1] as String?).map { try JSONText.decode(FieldValue.self, $0) } ?? .null
            values[field] = old == .null ? nil : old
            revs[field] = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT MAX(seq) FROM changes WHERE record = ? AND field = ? AND seq < ? AND event = 'change'
                """), arguments: [id, field, row[2] as Int64]) ?? createdSeq
        }
        guard !rewound.isEmpty else { return }
        fields = JSONWriter.encode(fields: values)
    }

    /// The conflicts of the record open at `seq`: those opened later, and the resolutions of
    /// those open then, follow in the stream.
    private mutating func emitOpenConflicts(of id: String, seq: Int64) throws {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT c.body, r.kind, c.field, o.effective, c.open, s.effective FROM conflicts c JOIN records r ON r.id = c.record
            LEFT JOIN changes o ON o.seq = c.opened_seq LEFT JOIN changes s ON s.seq = c.resolved_seq
            WHERE c.record = ? AND c.opened_seq <= ? AND (c.open = 1 OR c.resolved_seq > ?) ORDER BY c.opened_seq
            """), arguments: [id, seq, seq])
        // A conflict opened while the record was hidden from this staff holds values of that
        // time: it stays with the staff that could see it (its resolution still arrives).
        // One resolved since is listed only when this staff is sent its resolution: one
        // written while the record was hidden from it (in the batch that shared it again,
        // say) never reaches it, and the conflict stayed open there for good (the third
        // review).
        for row in rows where sees(row[3]) && ((row[4] as Int64) == 1 || sees(row[5])) {
            let stored: String = row[0]
            let text = try RecordKind(rawValue: row[1]).flatMap { try visibleConflict(stored, kind: $0) } ?? stored
            guard let conflict = try? JSONDecoder().decode(Conflict.self, from: Data(text.utf8)) else { continue }
            header(seq: seq, event: .conflictOpened, record: id, kind: row[1])
            body.raw(",\"field\":"); body.string(row[2])
            signature(user: conflict.proposedBy, staff: conflict.staff.rawValue, at: conflict.at, batch: nil)
            body.raw(",\"conflict\":"); body.json(text)
            body.raw("}")
        }
    }
}
