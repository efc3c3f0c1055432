import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// Light facts about a record, enough for access and reference checks.
struct RecordMeta {
    var kind: RecordKind
    var own: Releasability?
    var effective: Releasability?
    var deleted: Bool
}

/// A change about to be appended to the stream.
struct ChangeRow {
    var event: Change.Event
    var record: String
    var kind: RecordKind
    var action: Action? = nil
    var field: String? = nil
    /// JSON texts, as written by `JSONWriter`.
    var old: String? = nil
    var value: String? = nil
    var fields: String? = nil
    var conflict: String? = nil
    var resolved: String? = nil
    var oldEffective: String? = nil
    var newEffective: String? = nil
}

/// Applies one push batch inside one write transaction (docs/sync-model.md "Push", step 3).
///
/// Each operation is checked against the store as it stands after the batch's earlier
/// operations (rights, visibility, references) and decided with `MergeRules`. Any refusal
/// throws, and the caller's transaction rolls back: a batch applies whole or not at all.
final class PushApplier {
    let db: Database
    let user: Identity
    let batchId: String
    /// The seq the next appended change gets.
    var nextSeq: Int64
    /// Records read or written by this batch (write-through).
    var loaded: [String: StoredRecord] = [:]
    /// Existence and releasability of records referenced by this batch (nil: absent).
    var metas: [String: RecordMeta?] = [:]
    /// Operations of the batch applied so far (the batch comes in chunks: `apply(_:)`).
    private var applied = 0
    /// Records this batch showed to a staff, with their effective releasability before: what
    /// the batch writes to them after that stays with who could see them before (the staff
    /// shown gets the record whole, as a snapshot, with those values in it).
    var shownByThisBatch: [String: Releasability?] = [:]
    /// Records with an open conflict, read once for the batch when first asked (and those
    /// the batch opens one on): most sets meet none, and skip looking
    /// (`closeConflictsSuperseded`).
    var recordsInConflict: Set<String>?

    private var insertChange: Statement
    private var insertRecord: Statement
    private var updateRecordRow: Statement
    private var selectRecord: Statement
    private var selectMeta: Statement

    init(db: Database, user: Identity, batchId: String) throws {
        self.db = db
        self.user = user
        self.batchId = batchId
        self.nextSeq = try ServerStore.maxSeq(db) + 1
        insertChange = try db.cachedStatement(sql: StoreSQL.insertChange)
        insertRecord = try db.cachedStatement(sql: StoreSQL.insertRecord)
        updateRecordRow = try db.cachedStatement(sql: StoreSQL.updateRecord)
        selectRecord = try db.cachedStatement(sql: StoreSQL.selectRecord)
        selectMeta = try db.cachedStatement(sql: "SELECT kind, releasable, effective, deleted FROM records WHERE id = ?")
    }

    /// Applies every operation of a checked chunk of the batch in order and returns one
    /// result per operation (a create's fields JSON was written by the checks). Called
    /// for each chunk in batch order.
    func apply(_ batch: ServerStore.CheckedBatch) throws -> [OpResult] {
        var results: [OpResult] = []
        results.reserveCapacity(batch.ops.count)
        for (op, fieldsJSON) in zip(batch.ops, batch.fieldsJSON) {
            // A create of an id not seen yet is tried as a new record first: the insert
            // itself tells whether the record exists (saves a lookup per create).
            if op.action == .create, loaded[op.record] == nil, metas[op.record] == nil {
                try checkAccess(op, nil)
                if let result = try createIfAbsent(op, fieldsJSON: fieldsJSON) {
                    results.append(try visibleToPusher(result, of: op))
                    try closeConflicts(op)
                    applied += 1
                    ServerFaults.appliedInPush(applied)
                    continue
                }
            }
            // An edit needs the whole record anyway: one read gives both its meta and it.
            let existing = op.action == .create ? try meta(op.record) : try recordIfPresent(op.record)?.meta
            try checkAccess(op, existing)
            var result: OpResult
            switch op.action {
            case .create:
                result = existing == nil ? try createNew(op) : try createExisting(op)
            case .set:
                result = try set(op)
            case .add, .remove:
                result = try element(op)
            case .delete:
                result = try delete(op)
            case .restore:
                result = try restore(op)
            case .resolve:
                result = try resolve(op)
            }
            try closeConflicts(op)
            results.append(try visibleToPusher(result, of: op))
            applied += 1
            ServerFaults.appliedInPush(applied)
        }
        return results
    }

    // MARK: Reading

    /// Existence and releasability of a record (cached for the batch).
    func meta(_ id: String) throws -> RecordMeta? {
        if let r = loaded[id] { return r.meta }
        if let m = metas[id] { return m }
        let m = try selectMeta.first([.text(id)]) { row -> RecordMeta in
            guard let kind = RecordKind(rawValue: row.text(0)) else {
                throw WorkPlanError(.corrupt, "record \(id) has an unknown kind")
            }
            return RecordMeta(kind: kind, own: row.optionalText(1).flatMap(Releasability.init(rawValue:)),
                              effective: EffectiveReleasability.decode(row.text(2)), deleted: row.int(3) != 0)
        }
        metas[id] = .some(m)
        return m
    }

    /// The whole current record (it exists: `checkAccess` ran).
    func record(_ id: String) throws -> StoredRecord {
        guard let r = try recordIfPresent(id) else {
            throw WorkPlanError(.internal, "record \(id) vanished during a push")
        }
        return r
    }

    /// The whole current record, or nil when the store has none with this id (cached for
    /// the batch, like `meta`).
    func recordIfPresent(_ id: String) throws -> StoredRecord? {
        if let r = loaded[id] { return r }
        if case .some(.none) = metas[id] { return nil }
        guard let r = try selectRecord.first([.text(id)], StoredRecord.init(row:)) else {
            metas[id] = .some(nil)
            return nil
        }
        loaded[id] = r
        return r
    }

    // MARK: Writing

    /// Appends a change and returns its seq. The change keeps the record's effective
    /// releasability as it stands (before this operation's own change of it, which
    /// `oldEffective`/`newEffective` carry): a pull sends it only to a staff that could see
    /// the record then, and can see it now.
    @discardableResult
    func append(_ c: ChangeRow, at: Timestamp) throws -> Int64 {
        let seq = nextSeq
        nextSeq += 1
        var effectiveThen = try meta(c.record)?.effective
        if let before = shownByThisBatch[c.record] {
            effectiveThen = EffectiveReleasability.narrower(effectiveThen, before)
        }
        try insertChange.run([
            .int(seq), .text(c.event.rawValue), .text(c.record), .text(c.kind.rawValue), SQLArgument(c.action?.rawValue),
            SQLArgument(c.field), SQLArgument(c.old), SQLArgument(c.value), SQLArgument(c.fields),
            .text(user.name), .text(user.staff.rawValue), .int(at), .text(batchId), SQLArgument(c.conflict),
            SQLArgument(c.resolved), SQLArgument(c.oldEffective), SQLArgument(c.newEffective),
            .text(EffectiveReleasability.encode(effectiveThen)),
        ])
        return seq
    }

    /// Inserts a new record; returns false (and changes nothing) when the id exists.
    func insert(_ r: StoredRecord, fieldsJSON: String) throws -> Bool {
        try insertRecord.run([
            .text(r.id), .text(r.kind.rawValue), .text(fieldsJSON), .text(r.revs.isEmpty ? "{}" : JSONWriter.encode(revs: r.revs)),
            .int(r.rev), SQLArgument(r.own?.rawValue), .text(EffectiveReleasability.encode(r.effective)), SQLArgument(r.parent),
            SQLArgument(r.deleted), .int(r.createdSeq), .int(r.createdAt), .text(r.createdBy),
        ])
        guard db.changesCount > 0 else { return false }
        metas[r.id] = .some(RecordMeta(kind: r.kind, own: r.own, effective: r.effective, deleted: false))
        return true
    }

    /// Saves a record read in this batch (`record(_:)`) straight to the row it was read
    /// from (the id index is not walked again). A record created in this batch is read
    /// back before it is edited, so every save has a row.
    func save(_ r: StoredRecord) throws {
        guard let rowid = r.rowid else {
            throw WorkPlanError(.internal, "record \(r.id) was saved without being read")
        }
        try updateRecordRow.run([
            .text(r.fieldsJSON), .text(JSONWriter.encode(revs: r.revs)), .int(r.rev),
            SQLArgument(r.own?.rawValue), .text(EffectiveReleasability.encode(r.effective)), SQLArgument(r.deleted),
            .int(rowid), .text(r.id),
        ])
        loaded[r.id] = r
    }

    /// Stores a field's new value and rev (and, for `releasable`, the new effective
    /// releasability of the record and of a task's notes). Returns the old and new effective
    /// releasability when they changed.
    func write(_ value: FieldValue, to field: String, of r: inout StoredRecord, seq: Int64) throws -> (String, String)? {
        try r.setValue(value, of: field)
        r.revs[field] = seq
        r.rev = max(r.rev, seq)
        guard field == FieldName.releasable, let own = value.text.flatMap(Releasability.init(rawValue:)) else { return nil }
        let before = r.effective
        r.own = own
        r.effective = try effective(kind: r.kind, own: own, parent: r.parent)
        if r.kind == .task { try updateNotes(of: r.id, taskReleasability: own) }
        guard before != r.effective else { return nil }
        try narrowEarlierChanges(of: r.id, to: r.effective)
        if shownByThisBatch[r.id] == nil { shownByThisBatch[r.id] = .some(before) }
        return (EffectiveReleasability.encode(before), EffectiveReleasability.encode(r.effective))
    }

    /// A record this batch hides from a staff (`now`): its changes made earlier in the batch
    /// are hidden from that staff too. The batch is one transaction, nobody saw the state in
    /// between, and `edit --releasable EUMS --description ...` sends the description first.
    private func narrowEarlierChanges(of id: String, to now: Releasability?) throws {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT seq, effective FROM changes WHERE batch = ? AND record = ?"),
                                    arguments: [batchId, id])
        for row in rows {
            try narrowChange(row[0], was: EffectiveReleasability.decode(row[1]), to: now)
        }
    }

    /// Narrows the releasability change `seq` is stored with (`was`) to who can also see
    /// `other`: the one place a stored change is hidden from more readers after `append`.
    func narrowChange(_ seq: Int64, was: Releasability?, to other: Releasability?) throws {
        let narrowed = EffectiveReleasability.narrower(was, other)
        guard narrowed != was else { return }
        try db.cachedStatement(sql: "UPDATE changes SET effective = ? WHERE seq = ?")
            .execute(arguments: [EffectiveReleasability.encode(narrowed), seq])
    }

    /// A record's effective releasability: its own, narrowed by its task for a note.
    func effective(kind: RecordKind, own: Releasability?, parent: String?) throws -> Releasability? {
        guard let own else { return .both }
        guard kind == .note, let parent else { return own }
        return AccessRules.effective(own, parent: try meta(parent)?.own)
    }

    /// A task's releasability changed: recompute its notes' effective releasability.
    private func updateNotes(of task: String, taskReleasability: Releasability) throws {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, releasable, effective FROM records WHERE parent = ?"), arguments: [task])
        let update = try db.cachedStatement(sql: "UPDATE records SET effective = ? WHERE id = ?")
        for row in rows {
            let id: String = row[0]
            guard let own = (row[1] as String?).flatMap(Releasability.init(rawValue:)) else { continue }
            let eff = AccessRules.effective(own, parent: taskReleasability)
            try update.execute(arguments: [EffectiveReleasability.encode(eff), id])
            try narrowEarlierChanges(of: id, to: eff)
            if shownByThisBatch[id] == nil { shownByThisBatch[id] = .some(EffectiveReleasability.decode(row[2])) }
            if loaded[id] != nil { loaded[id]!.effective = eff }
            metas[id] = nil
        }
    }
}
