import GRDB
import WorkPlanProtocol

extension PushApplier {
    /// `set`: the three-way field decision of `MergeRules.decideSet`.
    func set(_ op: PlanOperation) throws -> OpResult {
        var r = try record(op.record)
        let field = op.field!
        if r.deleted { return try editOfDeleted(op, r, proposed: op.value ?? .null) }
        let spec = op.kind.field(field)!
        let current = try r.value(field), currentRev = r.rev(of: field)
        let proposed = try keepingHiddenLinks(op, field: field, proposed: op.value ?? .null, current: current)
        if try clearsALinkNotSeen(op, field: field, proposed: proposed, current: current) {
            return OpResult(op: op.id, outcome: .unchanged, value: current, rev: currentRev)
        }
        // The base value matters only for a stale long-text merge; read it from history then.
        let needsBase = spec.isLongText && op.baseRev < currentRev && proposed != current
        let base = needsBase ? try value(of: field, in: r.id, atRev: op.baseRev) : .null
        let decision = try settledConflict(op) != nil
            ? MergeRules.decideLateResolution(spec: spec, current: current, proposed: proposed)
            : MergeRules.decideSet(spec: spec, baseRev: op.baseRev, currentRev: currentRev,
                                   base: base, current: current, proposed: proposed)
        switch decision {
        case .unchanged:
            if proposed == current { try closeConflictsSuperseded(by: op, field: field) }
            return OpResult(op: op.id, outcome: .unchanged, value: current, rev: currentRev)
        case .accept(let v), .merged(let v):
            if op.kind == .task, field == FieldName.follows, let target = v.text {
                try checkNoFollowOnLoop(r.id, follows: target, op)
            }
            let seq = nextSeq
            let eff = try write(v, to: field, of: &r, seq: seq)
            try append(ChangeRow(event: .change, record: r.id, kind: r.kind, action: .set, field: field,
                                 old: JSONWriter.encode(current), value: JSONWriter.encode(v),
                                 oldEffective: eff?.0, newEffective: eff?.1), at: op.at)
            try save(r)
            if v == proposed { try closeConflictsSuperseded(by: op, field: field) }
            let outcome: OpResult.Outcome = if case .merged = decision { .merged } else { .accepted }
            return OpResult(op: op.id, outcome: outcome, seq: seq, value: v, rev: seq)
        case .conflict:
            let conflictBase = needsBase ? base : try value(of: field, in: r.id, atRev: op.baseRev)
            let c = try openConflict(op, type: .edit, field: field, base: conflictBase,
                                     current: current, proposed: proposed, currentRev: currentRev)
            return OpResult(op: op.id, outcome: .conflict, value: current, rev: currentRev, conflicts: [c])
        }
    }

    /// Refuses `op` when task `id` following on from `target` closes a loop with the links
    /// the store holds (`FollowOn`, the rule the replica also keeps).
    func checkNoFollowOnLoop(_ id: String, follows target: String, _ op: PlanOperation) throws {
        if let loop = try FollowOn.loop(task: id, follows: target, { try recordIfPresent($0)?.value(FieldName.follows).text }) {
            // Named, so the replica sets this edit aside and sends the rest.
            var refusal = FollowOn.refusal(task: id, follows: target, loop: loop, canSee: { (try? self.pusherCanSee($0)) ?? false })
            refusal.record = id
            refusal.operation = op.id
            throw refusal
        }
    }

    /// `add`/`remove` of one element of a set field: never a conflict.
    func element(_ op: PlanOperation) throws -> OpResult {
        var r = try record(op.record)
        let field = op.field!, element = op.value?.text ?? ""
        let current = try r.value(field)
        let updated = MergeRules.applyElement(op.action, element: element, to: current)
        // An edit of a deleted record is a conflict even when it would change nothing (the
        // element is already there, or already gone): answered "unchanged", the editing
        // replica kept the record it had not yet heard was deleted, for good.
        if r.deleted { return try editOfDeleted(op, r, proposed: updated ?? current) }
        guard let updated else {
            // The element is already (not) there: nothing to change.
            return OpResult(op: op.id, outcome: .unchanged, value: current, rev: r.rev(of: field))
        }
        try checkRoom(in: updated, field: field, of: op)
        let seq = nextSeq
        _ = try write(updated, to: field, of: &r, seq: seq)
        try append(ChangeRow(event: .change, record: r.id, kind: r.kind, action: op.action, field: field,
                             old: JSONWriter.encode(current), value: JSONWriter.encode(.text(element))), at: op.at)
        try save(r)
        return OpResult(op: op.id, outcome: .accepted, seq: seq, value: updated, rev: seq)
    }

    /// An edit of a deleted record is a conflict (`edit_deleted`), never a resurrection.
    /// The conflict's current rev is the record's, so "mine" is a `restore` against it.
    func editOfDeleted(_ op: PlanOperation, _ r: StoredRecord, proposed: FieldValue) throws -> OpResult {
        let field = op.field ?? Conflict.deletedField
        let base = op.field == nil ? FieldValue.null : try value(of: field, in: r.id, atRev: op.baseRev)
        let c = try openConflict(op, type: .editDeleted, field: field, base: base,
                                 current: try r.value(field), proposed: proposed, currentRev: r.rev)
        return OpResult(op: op.id, outcome: .conflict, value: try r.value(field), rev: r.rev, conflicts: [c])
    }
}
