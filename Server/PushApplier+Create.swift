import GRDB
import WorkPlanProtocol

extension PushApplier {
    /// A new record: one change carrying all its fields; every field of the kind gets the
    /// create's seq as its rev (stored implicitly: `revs` holds only later changes).
    func createNew(_ op: PlanOperation) throws -> OpResult {
        guard let result = try createIfAbsent(op) else {
            throw WorkPlanError(.internal, "record \(op.record) appeared during a push")
        }
        return result
    }

    /// `createNew`, or nil (nothing changed) when a record with this id exists.
    /// `fieldsJSON`: the op's fields as `JSONWriter.encode(fields:)` writes them, if known.
    func createIfAbsent(_ op: PlanOperation, fieldsJSON known: String? = nil) throws -> OpResult? {
        let fields = op.fields ?? [:]
        let seq = nextSeq
        let own = fields[FieldName.releasable]?.text.flatMap(Releasability.init(rawValue:))
        let parent = op.kind == .note ? fields[FieldName.task]?.text : nil
        let eff = try effective(kind: op.kind, own: own, parent: parent)
        let fieldsJSON = known ?? JSONWriter.encode(fields: fields)
        let record = StoredRecord(
            id: op.record, kind: op.kind, fieldsJSON: fieldsJSON, revs: [:], rev: seq, own: own, effective: eff,
            parent: parent, deleted: false, createdSeq: seq, createdAt: op.at, createdBy: user.name)
        guard try insert(record, fieldsJSON: fieldsJSON) else { return nil }
        try append(ChangeRow(event: .change, record: op.record, kind: op.kind, action: .create, fields: fieldsJSON), at: op.at)
        var result = OpResult(op: op.id, outcome: .accepted, seq: seq, rev: seq)
        if let parent, let c = try noteOnDeletedTask(op, task: parent) { result.conflicts = [c] }
        return result
    }

    /// A note added to a task deleted on the server: the note is kept, and the task's
    /// delete meets it as an edit-versus-delete conflict on the task (adding a note is
    /// working on the task), so people decide whether the task comes back. Without it the
    /// note went to a task no one sees, silently.
    func noteOnDeletedTask(_ op: PlanOperation, task: String) throws -> Conflict? {
        guard try meta(task)?.deleted == true else { return nil }
        let t = try record(task)
        return try openConflict(op, on: (t.id, t.kind), type: .editDeleted, field: Conflict.deletedField, base: .null,
                                current: .text("deleted"), proposed: .text("note added"), currentRev: t.rev)
    }

    /// A create of a record that already exists (natural keys, or a create sent twice):
    /// each field it names is a `set` made against rev 0. Equal values merge silently,
    /// long texts may merge line-wise, different values conflict.
    func createExisting(_ op: PlanOperation) throws -> OpResult {
        var r = try record(op.record)
        if r.deleted {
            let c = try openConflict(op, type: .editDeleted, field: Conflict.deletedField,
                                     base: .null, current: .text("deleted"), proposed: .text("created"), currentRev: r.rev)
            return OpResult(op: op.id, outcome: .conflict, rev: r.rev, conflicts: [c])
        }
        var conflicts: [Conflict] = []
        var lastSeq: Int64?
        for (name, sent) in (op.fields ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let spec = op.kind.field(name) else { continue }
            let current = try r.value(name), currentRev = r.rev(of: name)
            // Linked records the pusher cannot see were not left out by choice (as in `set`).
            let proposed = try keepingHiddenLinks(op, field: name, proposed: sent, current: current)
            switch MergeRules.decideSet(spec: spec, baseRev: 0, currentRev: currentRev,
                                        base: .null, current: current, proposed: proposed) {
            case .unchanged:
                if proposed == current { try closeConflictsSuperseded(by: op, field: name) }
                continue
            case .accept(let v), .merged(let v):
                let seq = nextSeq
                let eff = try write(v, to: name, of: &r, seq: seq)
                try append(ChangeRow(event: .change, record: r.id, kind: r.kind, action: .set, field: name,
                                     old: JSONWriter.encode(current), value: JSONWriter.encode(v),
                                     oldEffective: eff?.0, newEffective: eff?.1), at: op.at)
                try save(r)
                if v == proposed { try closeConflictsSuperseded(by: op, field: name) }
                lastSeq = seq
            case .conflict:
                conflicts.append(try openConflict(op, type: .edit, field: name, base: .null,
                                                  current: current, proposed: proposed, currentRev: currentRev))
            }
        }
        // Each named field's rev now: the replica's edits made on top of this create stand on
        // it where the field holds the create's value (`Replica.apply`).
        let revs = Dictionary(uniqueKeysWithValues: (op.fields ?? [:]).keys.filter { op.kind.field($0) != nil }.map { ($0, r.rev(of: $0)) })
        if !conflicts.isEmpty {
            return OpResult(op: op.id, outcome: .conflict, seq: lastSeq, rev: r.rev, conflicts: conflicts, revs: revs)
        }
        if let lastSeq { return OpResult(op: op.id, outcome: .merged, seq: lastSeq, rev: r.rev, revs: revs) }
        return OpResult(op: op.id, outcome: .unchanged, rev: r.rev, revs: revs)
    }
}
