/// The statements a push runs for every operation (`PushApplier`), in one place: the push
/// and `workplan-bench --only floor`, which times them alone (no decoding, checks or merge
/// decisions), run the same SQL.
package enum StoreSQL {
    /// Appends a change: seq, event, record, kind, action, field, old, value, fields, user,
    /// staff, at, batch, conflict, resolved, old_effective, new_effective, effective.
    package static let insertChange = """
        INSERT INTO changes(seq, event, record, kind, action, field, old, value, fields, user, staff, at,
                            batch, conflict, resolved, old_effective, new_effective, effective)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// Inserts a record (`StoredRecord.columns`), unless its id exists.
    package static let insertRecord = """
        INSERT INTO records(\(StoredRecord.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO NOTHING
        """
    /// Saves a record read in the batch to the row it was read from.
    package static let updateRecord = """
        UPDATE records SET fields = ?, revs = ?, rev = ?, releasable = ?, effective = ?, deleted = ? WHERE rowid = ? AND id = ?
        """
    /// Reads a whole record (`StoredRecord.columns`, then rowid) by id.
    package static let selectRecord = "SELECT \(StoredRecord.columns), rowid FROM records WHERE id = ?"
}
