import Foundation
import GRDB
import WorkPlanProtocol

/// Baselines in the pending log (docs/sync-model.md "Baselines").
///
/// The operation that marks a conference held is the position of that conference's
/// baseline. For that position to mean anything, later edits must not be folded into
/// operations queued before it, and the server must see the operations on either side
/// in separate batches (so that an edit made after the baseline on a record created
/// before it can be sent against the rev the server gave the create).
extension PendingLog {
    /// Whether an operation marks a conference held.
    static func marksBaseline(_ op: PlanOperation) -> Bool {
        guard op.kind == .conference else { return false }
        switch op.action {
        case .set, .restore:
            return op.field == FieldName.status && op.value == .text("held")
        case .create:
            return op.fields?[FieldName.status] == .text("held")
        default:
            return false
        }
    }

    /// The pending seq of the newest waiting (unsent) baseline marker, if any.
    static func newestUnsentBaseline(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: """
            SELECT max(seq) FROM pending
            WHERE kind = 'conference' AND batch IS NULL
              AND ((action IN ('set', 'restore') AND field = 'status' AND value = ?)
                   OR (action = 'create' AND json_extract(fields, '$.status') = 'held'))
            """, arguments: [JSONText.encode(FieldValue.text("held"))])
    }

    /// Cuts a batch so that a baseline marker travels alone: the entries before the first
    /// marker, or the marker by itself when it comes first.
    static func cutAtBaseline(_ entries: [Entry]) -> [Entry] {
        guard let i = entries.firstIndex(where: { marksBaseline($0.op) }) else { return entries }
        return i == 0 ? [entries[0]] : Array(entries[..<i])
    }

    /// Cuts a batch before a `set` made against no rev (base 0) of a record whose create
    /// goes earlier in it: such an edit stands on the create, and sent together the server
    /// would meet it as made against an older rev than the create's. Sent next, it goes
    /// against the rev the create was given (`rebase`). It was queued apart from the create
    /// because it names a record created after it (`Replica.queue`).
    static func cutBeforeEditsOfCreates(_ entries: [Entry]) -> [Entry] {
        var created = Set<String>()
        for (i, e) in entries.enumerated() {
            if e.op.action == .set, e.op.baseRev == 0, created.contains(e.op.record) { return Array(entries[..<i]) }
            if e.op.action == .create { created.insert(e.op.record) }
        }
        return entries
    }

    /// Cuts a batch before a `set` of a field that an earlier entry in it edits. Such a set
    /// was kept apart from that edit (a change of the record's releasability came between
    /// them, or the set is itself one: `Replica.queue`) and stands on the same rev, so sent
    /// together the server met it as made against a value the officer's own edit had
    /// already replaced: a conflict with themselves (hiding a task and sharing it again
    /// offline left it hidden until someone resolved it). Sent next, it goes against the
    /// rev the earlier edit was given (`rebase`).
    static func cutBeforeRepeatedSets(_ entries: [Entry]) -> [Entry] {
        var edited = Set<String>()
        for (i, e) in entries.enumerated() {
            guard let field = e.op.field, [.set, .add, .remove].contains(e.op.action) else { continue }
            let key = e.op.record + "/" + field
            if e.op.action == .set, edited.contains(key) { return Array(entries[..<i]) }
            edited.insert(key)
        }
        return entries
    }

    /// The entries of `waiting` (the oldest unsent, in order) that may travel in one batch.
    static func batchable(_ waiting: [Entry]) -> [Entry] {
        cutBeforeRepeatedSets(cutBeforeEditsOfCreates(cutAtBaseline(waiting)))
    }

    /// Edits of `field` made against no rev on top of the waiting create of `record` now
    /// stand on `rev`: the server held the record already and keeps the create's value of
    /// the field at that rev.
    static func rebase(_ db: Database, createdField field: String, of record: String, to rev: Int64) throws {
        try db.cachedStatement(sql: """
            UPDATE pending SET base_rev = ?
            WHERE record = ? AND field = ? AND batch IS NULL AND base_rev = 0 AND action IN ('set', 'add', 'remove')
            """).execute(arguments: [rev, record, field])
    }

    /// After the server accepted `op` as `seq`, later waiting edits the officer made on top
    /// of it (kept apart from it by a baseline) stand on that rev: a `set` of the same field
    /// made against the same base, or any field edit of a record whose create this was.
    static func rebase(_ db: Database, after op: PlanOperation, seq: Int64) throws {
        switch op.action {
        case .create:
            try db.cachedStatement(sql: """
                UPDATE pending SET base_rev = ?
                WHERE record = ? AND batch IS NULL AND base_rev = 0 AND action IN ('set', 'add', 'remove')
                """).execute(arguments: [seq, op.record])
        case .set, .add, .remove:
            // An element edit moves the field's rev too: a set made after it (in flight
            // while the set was queued) stands on it.
            try db.cachedStatement(sql: """
                UPDATE pending SET base_rev = ?
                WHERE record = ? AND field = ? AND batch IS NULL AND base_rev = ? AND action = 'set'
                """).execute(arguments: [seq, op.record, op.field, op.baseRev])
        default:
            break
        }
    }
}
