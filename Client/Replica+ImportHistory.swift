import GRDB
import WorkPlanProtocol

/// What an import learns from the pulled change stream (`history`) and from the work done
/// here (`ReplacedHere`, the pending log's deletes): whether a value in the file is one a
/// field held before its current one, and whether a record was deleted since. Re-importing
/// an old export must not undo the work done after it was written, synced or not.
extension Replica {
    /// What an import did.
    public struct ImportReport: Sendable, Equatable {
        public var created = 0
        public var updated = 0
        /// Fields left at their value here because the file holds one they had before
        /// (changed after the file was exported).
        public var keptNewer = 0
        /// Records in the file that were deleted here since, left deleted.
        public var leftDeleted = 0
        /// Loops of follow-on links in the file (task ids, the first repeated last): the
        /// first task of each was created without its link.
        public var loopsCut: [[String]] = []
        /// Notes in the file signed by another staff and not held here, left out: only
        /// their staff may send them, and they arrive by sync.
        public var otherStaffNotes = 0
        /// Records in the file releasable to the other staff only (and notes of such tasks),
        /// left out: not this staff's to hold (`Replica.withholding`).
        public var otherStaffOnly = 0
        /// Tasks the file's links (agenda items' tasks, follow-ons) name that neither the file
        /// nor this replica has ever held (deleted since, most often): the links are kept as
        /// they are (`Replica.linksToTasksGone`).
        public var danglingLinks = 0
    }

    /// The values each field of `record` held before: those this replica's own edits
    /// replaced, and from the change stream old values, values set, and the fields of
    /// creates, restores and snapshots.
    static func formerValues(_ db: Database, record: String) throws -> [String: Set<FieldValue>] {
        var out = try ReplacedHere.values(db, record: record)
        for c in try pulledChanges(db, record: record) {
            guard c.event == .change || c.event == .snapshot else { continue }
            // An empty field is written as no value at all.
            if let field = c.field, [.set, .add, .remove].contains(c.action) {
                out[field, default: []].insert(c.old ?? .null)
                if c.action == .set { out[field, default: []].insert(c.value ?? .null) }
            }
            if let fields = c.fields {
                for spec in c.kind.fields { out[spec.name, default: []].insert(fields[spec.name] ?? .null) }
            }
        }
        return out
    }

    /// Whether the change stream's last word on `record` is its delete.
    static func deletedInHistory(_ db: Database, record: String) throws -> Bool {
        try lastChange(db, record: record)?.action == .delete
    }

    /// Whether a record of the file was deleted since it was written: here as `existing`,
    /// its delete waits (a deleted row stays until the delete is synced); not here, it was
    /// deleted here before it was ever synced (`deletedHere`, read once for the whole
    /// import: `ReplacedHere.deletedRecords`), or, on a `synced` replica, the change
    /// stream's last word on it is its delete.
    static func deletedSince(_ db: Database, record: String, existing: StoredRecord?, deletedHere: Set<String>, synced: Bool) throws -> Bool {
        if let existing { return existing.deleted }
        if deletedHere.contains(record) { return true }
        return try synced && deletedInHistory(db, record: record)
    }

    /// `edits` without those that would undo later work; `kept` counts what is left alone.
    /// A field set back to a value it held before its current one is left alone. A set
    /// (tags) changes element by element: an element the file adds that the field once held
    /// was removed since, and stays out; on a synced record, elements the file lacks stay
    /// in (they may have been added since: a record that came whole, as a snapshot, has no
    /// history of its fields to tell). On a record never synced whose set was never edited
    /// here, the file's set is taken as it is.
    static func withoutUndoingLaterWork(_ db: Database, _ existing: StoredRecord, _ edits: [FieldEdit], kept: inout Int) throws -> [FieldEdit] {
        let former = try formerValues(db, record: existing.id)
        var out: [FieldEdit] = []
        for edit in edits {
            guard case .set(let field, let value) = edit else { out.append(edit); continue }
            let history = former[field] ?? []
            guard existing.kind.field(field)?.isSet == true else {
                if history.contains(value) { kept += 1 } else { out.append(edit) }
                continue
            }
            guard !history.isEmpty || !existing.revs.isEmpty else { out.append(edit); continue }
            let current = Set(existing[field].elements), file = Set(value.elements)
            let once = Set(history.flatMap(\.elements))
            for e in file.subtracting(current).sorted() {
                if once.contains(e) { kept += 1 } else { out.append(.add(field, e)) }
            }
            kept += current.subtracting(file).count
        }
        return out
    }
}
