import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// Work done on this replica that nothing else keeps: the values its own edits replaced,
/// and the records it deleted that left no row (table `replaced_here`).
///
/// The pulled history holds what the server accepted; the pending log holds what waits,
/// but folded (an edit of a record not yet pushed changes its create, a second `set` of a
/// field replaces the first), and a record never synced, deleted, goes with its
/// operations. An import judges a file against this too, so that an export imported again
/// does not undo what was done here since, synced or not (`Replica+ImportHistory.swift`).
enum ReplacedHere {
    /// Notes that `field` of `record` held `value` before an edit made here replaced it.
    static func replaced(_ db: Database, record: String, field: String, value: FieldValue) throws {
        try db.cachedStatement(sql: "INSERT INTO replaced_here (record, field, value) VALUES (?, ?, ?)")
            .run([.text(record), .text(field), .text(JSONText.encode(value))])
    }

    /// Notes that `record` was deleted here and left no row (it was never synced).
    static func deleted(_ db: Database, record: String) throws {
        try db.cachedStatement(sql: "INSERT INTO replaced_here (record, field, value) VALUES (?, NULL, NULL)")
            .run([.text(record)])
    }

    /// The values each field of `record` held before an edit made here replaced them.
    static func values(_ db: Database, record: String) throws -> [String: Set<FieldValue>] {
        var out: [String: Set<FieldValue>] = [:]
        let sql = "SELECT field, value FROM replaced_here WHERE record = ? AND field IS NOT NULL"
        for row in try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [record]) {
            out[row[0] as String, default: []].insert(try JSONText.decode(FieldValue.self, row[1] as String))
        }
        return out
    }

    /// The records deleted here that left no row, read once for a whole import: only
    /// records never synced leave none, so they are few, and found through their own index
    /// (a fresh replica has none, and a file of 50 000 ids costs nothing to check).
    static func deletedRecords(_ db: Database) throws -> Set<String> {
        try Set(String.fetchAll(db.cachedStatement(sql: "SELECT record FROM replaced_here WHERE field IS NULL")))
    }
}
