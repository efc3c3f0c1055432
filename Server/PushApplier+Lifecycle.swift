import GRDB
import WorkPlanProtocol

extension PushApplier {
    /// `delete`: a conflict (`delete_changed`) when the record changed since the deleter's
    /// base rev; a no-op on a record already deleted.
    func delete(_ op: PlanOperation) throws -> OpResult {
        var r = try record(op.record)
        if r.deleted { return OpResult(op: op.id, outcome: .unchanged, rev: r.rev) }
        if try settledConflict(op) != nil {
            // "Delete it anyway", decided while someone else settled the conflict by keeping it.
            return try lateResolutionConflict(op, type: .deleteChanged, field: Conflict.deletedField,
                                              current: .text("kept"), proposed: .text("deleted"), currentRev: try deleteRev(r))
        }
        // Deleting anyway, as the decision on a delete conflict, is made against what that
        // conflict showed, whatever base the client sent (older clients send the task's rev,
        // which no note moves: their decision would meet the same note again, for ever).
        let base = max(op.baseRev, try currentRev(ofOpenConflicts: op.resolves ?? [], on: r.id))
        let othersChanged = r.rev > base ? try changedByOthers(r.id, since: base) : false
        let newestNote = r.kind == .task ? try newestNoteByOthers(r.id, since: base) : nil
        if MergeRules.deleteConflicts(baseRev: base, recordRev: r.rev, othersChangedSince: othersChanged,
                                      othersAddedNotesSince: newestNote != nil) {
            // The current rev covers the notes too: deleting anyway ("mine") is made against it.
            let c = try openConflict(op, type: .deleteChanged, field: Conflict.deletedField, base: .null,
                                     current: .text(othersChanged ? "changed" : "note added"), proposed: .text("deleted"),
                                     currentRev: max(r.rev, newestNote ?? 0))
            return OpResult(op: op.id, outcome: .conflict, rev: r.rev, conflicts: [c])
        }
        let seq = try append(ChangeRow(event: .change, record: r.id, kind: r.kind, action: .delete), at: op.at)
        r.deleted = true
        r.rev = seq
        try save(r)
        return OpResult(op: op.id, outcome: .accepted, seq: seq, rev: seq)
    }

    /// Whether anyone but this push's user changed the record after `seq` (its history,
    /// through the record index of the change stream).
    func changedByOthers(_ id: String, since seq: Int64) throws -> Bool {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM changes WHERE record = ? AND seq > ? AND event = 'change' AND user != ? LIMIT 1
            """), arguments: [id, seq, user.name]) != nil
    }

    /// The newest current rev among the open conflicts `ids` of record `id` (0 for none).
    func currentRev(ofOpenConflicts ids: [String], on id: String) throws -> Int64 {
        var newest: Int64 = 0
        let select = try db.cachedStatement(sql: "SELECT body FROM conflicts WHERE id = ? AND record = ? AND open = 1")
        for conflict in ids {
            guard let body = try String.fetchOne(select, arguments: [conflict, id]) else { continue }
            newest = max(newest, try JSONText.decode(Conflict.self, body).currentRev)
        }
        return newest
    }

    /// The seq of the newest note (still there, and one this push's user may see) that
    /// anyone else added to task `id` after `seq`, or nil (through the parent index of the
    /// records). A note of the other staff only says nothing to the deleter: it is not
    /// theirs to weigh, and a conflict about it would tell them it exists. A deleter's base
    /// rev covers what they had pulled (`Replica.deleteBase`).
    func newestNoteByOthers(_ id: String, since seq: Int64) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT max(created_seq) FROM records
            WHERE parent = ? AND kind = 'note' AND created_seq > ? AND created_by != ? AND deleted = 0 AND effective IN ('both', ?)
            """), arguments: [id, seq, user.name, user.staff.rawValue])
    }

    /// `restore`: undeletes with the record's last fields, plus the optional field. On a
    /// record that is not deleted (restored since, e.g. by the resolution of another of the
    /// edit's conflicts) it is a `set` of that field (or nothing).
    func restore(_ op: PlanOperation) throws -> OpResult {
        var r = try record(op.record)
        if r.deleted, try settledConflict(op) != nil {
            // "Bring it back", decided while someone else settled the conflict by leaving it deleted.
            return try lateResolutionConflict(op, type: .editDeleted, field: op.field ?? Conflict.deletedField,
                                              current: .text("deleted"), proposed: op.value ?? .text("restored"), currentRev: r.rev)
        }
        guard r.deleted else {
            // (A late resolution meets the set's own check.)
            guard let field = op.field else { return OpResult(op: op.id, outcome: .unchanged, rev: r.rev) }
            // The restore's base is the rev of the delete it answered, newer than every
            // field's rev then: a field not changed since takes the value as an edit of
            // its own rev; one changed since is an ordinary stale set (merge or conflict).
            // Compared as it stood, it was a false conflict against an unchanged value.
            var edit = op
            if r.rev(of: field) <= op.baseRev { edit.baseRev = r.rev(of: field) }
            return try set(edit)
        }
        // Back with its link (the one it had, or the one the restore sets), a task may close
        // a follow-on loop with a link made while it was deleted.
        if r.kind == .task, let follows = op.field == FieldName.follows ? op.value?.text : try r.value(FieldName.follows).text {
            try checkNoFollowOnLoop(r.id, follows: follows, op)
        }
        let seq = nextSeq
        var old: String?, eff: (String, String)?
        var restored = op.value
        if let field = op.field, let value = op.value {
            let current = try r.value(field)
            old = JSONWriter.encode(current)
            // The links the pusher may not see stay, as in a set (the security tester: IMS
            // deleted a shared agenda item and restored it with the tasks it sees, and the
            // EUMS-only task left the item; `resolve --mine` of a delete sends such a restore).
            let kept = try keepingHiddenLinks(op, field: field, proposed: value, current: current)
            eff = try write(kept, to: field, of: &r, seq: seq)
            restored = kept
        }
        r.deleted = false
        r.rev = seq
        try append(ChangeRow(event: .change, record: r.id, kind: r.kind, action: .restore, field: op.field,
                             old: old, value: restored.map(JSONWriter.encode), fields: r.fieldsJSON,
                             oldEffective: eff?.0, newEffective: eff?.1), at: op.at)
        try save(r)
        try closeConflictsAnsweredByRestore(op)
        return OpResult(op: op.id, outcome: .accepted, seq: seq, value: try op.field.map { try r.value($0) }, rev: seq)
    }

    /// `resolve`: closes the listed conflicts (in `closeConflicts`) and changes nothing:
    /// keeping the current value is recorded as a resolution.
    func resolve(_ op: PlanOperation) throws -> OpResult {
        let r = try record(op.record)
        if let settled = try settledConflict(op) {
            // Keeping what the conflict showed, decided while someone else settled it otherwise.
            switch settled.type {
            case .editDeleted where !r.deleted:
                return try lateResolutionConflict(op, type: .deleteChanged, field: Conflict.deletedField,
                                                  current: .text("restored"), proposed: .text("deleted"), currentRev: try deleteRev(r))
            case .deleteChanged where r.deleted:
                return try lateResolutionConflict(op, type: .editDeleted, field: Conflict.deletedField,
                                                  current: .text("deleted"), proposed: .text("kept"), currentRev: r.rev)
            case .edit where r.rev(of: settled.field) > op.baseRev:
                // What the officer chose to keep is what they were shown (the field at the
                // rev they resolved against, which may be newer than the conflict's opening).
                let current = try r.value(settled.field), kept = try value(of: settled.field, in: r.id, atRev: op.baseRev)
                if MergeRules.decideLateResolution(spec: r.kind.field(settled.field), current: current, proposed: kept) == .conflict {
                    return try lateResolutionConflict(op, type: .edit, field: settled.field, base: kept,
                                                      current: current, proposed: kept, currentRev: r.rev(of: settled.field))
                }
            default:
                break
            }
        }
        if let field = op.field, op.kind.field(field) != nil {
            return OpResult(op: op.id, outcome: .unchanged, value: try r.value(field), rev: r.rev(of: field))
        }
        return OpResult(op: op.id, outcome: .unchanged, rev: r.rev)
    }

    /// A late resolution (`MergeRules.decideLateResolution`) that would change what the first
    /// one decided: a new conflict on the record, holding this decision.
    private func lateResolutionConflict(_ op: PlanOperation, type: ConflictType, field: String, base: FieldValue = .null,
                                        current: FieldValue, proposed: FieldValue, currentRev: Int64) throws -> OpResult {
        let c = try openConflict(op, type: type, field: field, base: base, current: current, proposed: proposed, currentRev: currentRev)
        return OpResult(op: op.id, outcome: .conflict, rev: currentRev, conflicts: [c])
    }

    /// The rev a delete of `r` must be made against: the record's, or its newest note by
    /// someone else (a note moves no rev of its task).
    private func deleteRev(_ r: StoredRecord) throws -> Int64 {
        max(r.rev, r.kind == .task ? try newestNoteByOthers(r.id, since: 0) ?? 0 : 0)
    }
}
