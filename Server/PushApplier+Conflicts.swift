import Foundation
import GRDB
import WorkPlanProtocol

extension PushApplier {
    /// Opens a conflict: kept in `conflicts` and announced as a `conflict_opened` change.
    /// It is on the operation's record, or on `target` (a note's task); it is announced on
    /// the operation's record in both cases, so only those who may see that record pull it
    /// (a note of one staff only that met the task's delete is not shown to the other).
    func openConflict(_ op: PlanOperation, on target: (record: String, kind: RecordKind)? = nil, type: ConflictType, field: String,
                      base: FieldValue, current: FieldValue, proposed: FieldValue, currentRev: Int64) throws -> Conflict {
        let (record, kind) = target ?? (op.record, op.kind)
        // The officer's later value for the field, in conflict too, answers the conflict
        // holding their own earlier proposal: it holds their value now (the black-box tester:
        // two edits of one field, sent in separate batches around a conference's close, both
        // met the other staff's change, and `resolve --mine` refused the two as ambiguous).
        if target == nil, type == .edit { try closeConflictsSuperseded(by: op, field: field) }
        let c = Conflict(id: RecordID.random(), record: record, kind: kind, type: type, field: field,
                         base: base, current: current, proposed: proposed, proposedBy: user.name,
                         staff: user.staff, at: op.at, currentRev: currentRev)
        let body = JSONWriter.encode(conflict: c)
        let seq = try append(ChangeRow(event: .conflictOpened, record: op.record, kind: op.kind, field: field, conflict: body), at: op.at)
        try db.cachedStatement(sql: """
            INSERT INTO conflicts(id, record, field, body, open, opened_seq) VALUES (?, ?, ?, ?, 1, ?)
            """).execute(arguments: [c.id, c.record, field, body, seq])
        recordsInConflict?.insert(c.record)
        try keepWithWhoSawTheBase(op, conflictSeq: seq)
        return c
    }

    /// A conflict whose base is a value from a time its record was hidden from a staff (an
    /// EUMS officer's edit made on the EUMS-only draft, sent after the task was shared)
    /// stays with the staff that could see that value: its opening change takes the
    /// narrower releasability of the change it was based on.
    private func keepWithWhoSawTheBase(_ op: PlanOperation, conflictSeq: Int64) throws {
        guard op.baseRev > 0, let then = try String.fetchOne(db.cachedStatement(sql: "SELECT effective FROM changes WHERE seq = ? AND record = ?"),
                                                            arguments: [op.baseRev, op.record]) else { return }
        let now = try meta(op.record)?.effective, base = EffectiveReleasability.decode(then)
        // Never away from the proposer's staff: a base it could not see when it was written
        // reached it in the snapshot of the record when shared, so it has seen that value
        // (the review: hidden from IMS, IMS's own conflict and its end never reached IMS).
        guard AccessRules.canSee(user.staff, EffectiveReleasability.narrower(base, now)) else { return }
        try narrowChange(conflictSeq, was: now, to: base)
    }

    /// Closes the open conflicts of this record listed in `op.resolves` (whatever the
    /// operation's outcome: a stale resolution has opened a new conflict holding its value),
    /// announced as one `conflict_resolved` change. Unknown or already closed ids are skipped.
    func closeConflicts(_ op: PlanOperation) throws {
        guard let ids = op.resolves, !ids.isEmpty else { return }
        let select = try db.cachedStatement(sql: "SELECT record, open FROM conflicts WHERE id = ?")
        var closing: [String] = []
        for id in ids where !closing.contains(id) {
            guard let row = try Row.fetchOne(select, arguments: [id]) else { continue }
            if (row[0] as String) == op.record, (row[1] as Bool) { closing.append(id) }
        }
        try close(closing, of: op)
    }

    /// The first conflict listed in `op.resolves` that someone already resolved (closed by
    /// an earlier change), or nil: `op` is then a late resolution
    /// (`MergeRules.decideLateResolution`).
    func settledConflict(_ op: PlanOperation) throws -> Conflict? {
        guard let ids = op.resolves, !ids.isEmpty else { return nil }
        let select = try db.cachedStatement(sql: "SELECT body FROM conflicts WHERE id = ? AND record = ? AND open = 0")
        for id in ids {
            if let body = try String.fetchOne(select, arguments: [id, op.record]) { return try JSONText.decode(Conflict.self, body) }
        }
        return nil
    }

    /// Once a record is restored, its open "bring it back?" conflicts (a create or a note
    /// that met the delete: `edit_deleted` on the field `deleted`) have no question left,
    /// whoever restored it and through whichever conflict: they are closed. Left open, they
    /// still said "deleted", and "theirs" on one read as leaving deleted a live record.
    func closeConflictsAnsweredByRestore(_ op: PlanOperation) throws {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, body FROM conflicts WHERE record = ? AND field = ? AND open = 1"),
                                    arguments: [op.record, Conflict.deletedField])
        let answered = try rows.compactMap { row -> String? in
            let id: String = row[0]
            guard !(op.resolves ?? []).contains(id), try JSONText.decode(Conflict.self, row[1] as String).type == .editDeleted else { return nil }
            return id
        }
        try close(answered, of: op)
    }

    /// Closes the open conflicts on `field` of `op`'s record that hold an earlier proposal
    /// of this same officer, once `op` left the field at the value it proposes (stored, or
    /// there already): the officer's later value answers their own question. Two staffs
    /// that both add conference 20 and both close it offline send the create (status
    /// planned) and the close in separate batches (`PendingLog+Baseline`); the create met the
    /// other staff's held conference as a conflict that the close then made moot. Conflicts
    /// that `op` resolves by id are left to `closeConflicts`.
    func closeConflictsSuperseded(by op: PlanOperation, field: String) throws {
        if recordsInConflict == nil {
            recordsInConflict = Set(try String.fetchAll(db, sql: "SELECT record FROM conflicts WHERE open = 1"))
        }
        guard recordsInConflict!.contains(op.record) else { return }
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, body FROM conflicts WHERE record = ? AND field = ? AND open = 1"),
                                    arguments: [op.record, field])
        guard !rows.isEmpty else { return }
        // A long text's later value may change other lines than the earlier proposal did:
        // it answers only a proposal of the same text (the third review: an officer's edit of
        // line C, in conflict, closed their conflict holding their line A, kept nowhere else).
        let longText = op.kind.field(field)?.isLongText ?? false
        let value = op.value ?? op.fields?[field] ?? .null
        let superseded = try rows.compactMap { row -> String? in
            let id: String = row[0]
            guard !(op.resolves ?? []).contains(id) else { return nil }
            let c = try JSONText.decode(Conflict.self, row[1] as String)
            if longText, c.proposed != value { return nil }
            return c.proposedBy == user.name && c.staff == user.staff && c.type == .edit ? id : nil
        }
        try close(superseded, of: op, field: field)
    }

    /// Closes open conflicts `ids` of `op`'s record, announced as one `conflict_resolved`
    /// change.
    private func close(_ ids: [String], of op: PlanOperation, field: String? = nil) throws {
        guard !ids.isEmpty else { return }
        var w = JSONWriter()
        w.stringArray(ids)
        let seq = try append(ChangeRow(event: .conflictResolved, record: op.record, kind: op.kind,
                                       field: field ?? op.field, resolved: w.text), at: op.at)
        let update = try db.cachedStatement(sql: "UPDATE conflicts SET open = 0, resolved_seq = ?, resolved_by = ? WHERE id = ?")
        for id in ids { try update.execute(arguments: [seq, user.name, id]) }
        try keepWithWhoSawTheConflicts(ids, resolvedSeq: seq)
    }

    /// The end of a conflict goes only to those who were told it began: the staffs that
    /// could see one of its opening changes (a conflict opened while its record was one
    /// staff's only, or kept with who saw its base, is resolved out of the other's sight).
    private func keepWithWhoSawTheConflicts(_ ids: [String], resolvedSeq: Int64) throws {
        let opening = try db.cachedStatement(sql: "SELECT c.effective FROM conflicts k JOIN changes c ON c.seq = k.opened_seq WHERE k.id = ?")
        var saw: Releasability?
        for id in ids {
            // A change not given its releasability (none is, once migration v2 ran) narrows nothing.
            let stored = try String.fetchOne(opening, arguments: [id])
            saw = EffectiveReleasability.wider(saw, stored.map(EffectiveReleasability.decode) ?? .both)
        }
        let stored = try String.fetchOne(db.cachedStatement(sql: "SELECT effective FROM changes WHERE seq = ?"), arguments: [resolvedSeq])
        try narrowChange(resolvedSeq, was: EffectiveReleasability.decode(stored), to: saw)
    }

    /// The value `field` of record `id` had at `rev`, read from the change stream
    /// (`.null` before the record existed).
    /// `rev` is the pusher's base rev: a value its staff was never sent is read as that
    /// staff was shown the field when the record was next shown to it (`seenRev`).
    func value(of field: String, in id: String, atRev rev: Int64) throws -> FieldValue {
        guard rev > 0 else { return .null }
        let rev = try seenRev(rev, of: id, field: field)
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT action, field, old, value, fields FROM changes
            WHERE record = ? AND seq <= ? AND event = 'change' ORDER BY seq DESC
            """), arguments: [id, rev])
        while let row = try rows.next() {
            guard let action = (row[0] as String?).flatMap(Action.init(rawValue:)) else { continue }
            let f: String? = row[1]
            switch action {
            case .create, .restore:
                if action == .restore, f == field, let v: String = row[3] { return try decode(v) }
                guard let text: String = row[4] else { continue }
                let fields = try JSONText.decode([String: FieldValue].self, text)
                return fields[field] ?? .null
            case .set where f == field:
                return try (row[3] as String?).map(decode) ?? .null
            case .add where f == field, .remove where f == field:
                let old = try (row[2] as String?).map(decode) ?? .null
                let element = try (row[3] as String?).map(decode)?.text ?? ""
                return MergeRules.applyElement(action, element: element, to: old) ?? old
            default:
                continue
            }
        }
        return .null
    }

    /// The rev at which to read `field` of record `id` for a base rev the pusher names: `rev`
    /// when the change that gave the field its value at `rev` was sent to the pusher's
    /// staff; else the end of the batch of the first change that showed the record to that
    /// staff after it (or in its batch), as the snapshot that showed it folded that batch in.
    /// An honest replica's base revs are of changes it was sent or a snapshot's, so the
    /// value it read is the value read here; a crafted rev reads no value the staff was
    /// never sent (the security tester read a task's EUMS-only titles from conflicts'
    /// bases, as IMS, by naming revs of the time it was hidden).
    ///
    /// Judged by the change of the field itself, its stored `effective` (narrowed when the
    /// batch that wrote it then hid the record, or wrote it after showing it: neither is
    /// sent on its own). The reviews of this rule's earlier forms: judged by the record's
    /// other changes it moved honest revs past the other staff's edits, which a line merge
    /// then overwrote; judged by its releasability changes only, it read a value written in
    /// the batch that hid the record, or after the showing in the batch that showed it.
    func seenRev(_ rev: Int64, of id: String, field: String) throws -> Int64 {
        let staff = user.staff
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT seq, action, field, effective, batch FROM changes
            WHERE record = ? AND seq <= ? AND event = 'change' ORDER BY seq DESC
            """), arguments: [id, rev])
        var last: (seq: Int64, effective: String?, batch: String?)?
        while let row = try rows.next() {
            let action: String? = row[1], f: String? = row[2]
            if action == Action.create.rawValue || action == Action.restore.rawValue || f == field {
                last = (row[0], row[3], row[4])
                break
            }
        }
        guard let last, !AccessRules.canSee(staff, EffectiveReleasability.decode(last.effective)) else { return rev }
        let reveals = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT seq, old_effective, new_effective, batch FROM changes
            WHERE record = ? AND event = 'change' AND new_effective IS NOT NULL AND (seq > ? OR batch IS ?) ORDER BY seq
            """), arguments: [id, last.seq, last.batch])
        while let row = try reveals.next() {
            let was = AccessRules.canSee(staff, EffectiveReleasability.decode(row[1]))
            let becomes = AccessRules.canSee(staff, EffectiveReleasability.decode(row[2]))
            guard !was && becomes else { continue }
            let batch: String? = row[3]
            return try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT MAX(seq) FROM changes WHERE record = ? AND event = 'change' AND batch IS ?
                """), arguments: [id, batch]) ?? row[0]
        }
        return rev
    }

    private func decode(_ text: String) throws -> FieldValue {
        try JSONText.decode(FieldValue.self, text)
    }
}
