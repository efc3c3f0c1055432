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

    /// The marker of a record withdrawn from this staff (`withdrawn(_:record:)`).
    static let withdrawnMarker = "$withdrawn"

    /// Notes that `record` was withdrawn from this staff (made releasable to the other staff
    /// only): it left this replica with its rows and history, and an import of an export
    /// written before must not bring it back (the round-trip tester). Until it is shared
    /// again (`shared(_:record:)`).
    static func withdrawn(_ db: Database, record: String) throws {
        try db.cachedStatement(sql: "INSERT INTO replaced_here (record, field, value) VALUES (?, ?, 'null')")
            .run([.text(record), .text(withdrawnMarker)])
    }

    /// `record` is shared with this staff again: no longer withdrawn.
    static func shared(_ db: Database, record: String) throws {
        try db.cachedStatement(sql: "DELETE FROM replaced_here WHERE record = ? AND field = ?")
            .run([.text(record), .text(withdrawnMarker)])
    }

    /// Forgets every withdrawal (a restored server: its full pull withdraws again what is).
    static func forgetWithdrawals(_ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM replaced_here WHERE field = ?").execute(arguments: [withdrawnMarker])
    }

    /// The records withdrawn from this staff and not shared again, read once for an import.
    static func withdrawnRecords(_ db: Database) throws -> Set<String> {
        try Set(String.fetchAll(db.cachedStatement(sql: "SELECT record FROM replaced_here WHERE field = ?"), arguments: [withdrawnMarker]))
    }

    /// The values each field of `record` held before an edit made here replaced them.
    static func values(_ db: Database, record: String) throws -> [String: Set<FieldValue>] {
        var out: [String: Set<FieldValue>] = [:]
        let sql = "SELECT field, value FROM replaced_here WHERE record = ? AND field IS NOT NULL AND field != '\(withdrawnMarker)'"
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

    /// A record deleted here before it ever synced, pulled from the server all the same
    /// (another officer imported an export that held it, and synced first): the delete this
    /// officer made goes out now, made against the create pulled, so the record stays deleted,
    /// unless someone changed it after that create (a delete conflict, for people). The
    /// tester saw such a task come back for good.
    static func deleteAgain(_ db: Database, _ kind: RecordKind, _ id: String, createdAt seq: Int64, me: Settings, at: Timestamp) throws {
        let table = RecordTable.of(kind)
        guard var r = try table.fetch(db, id: id), !r.deleted else { return }
        let op = PlanOperation(record: id, kind: kind, action: .delete, baseRev: seq, at: at)
        // A viewer's replica (or a record now one staff's) cannot send it: it stays.
        guard (try? AccessRules.checkWrite(user: me.identity, op: op, current: Releasability(rawValue: r.text(FieldName.releasable) ?? "both"))) != nil else { return }
        r.deleted = true
        r.updatedAt = at
        try table.write(db, r)
        try PendingLog.append(db, op, author: me.user)
        try db.cachedStatement(sql: "DELETE FROM replaced_here WHERE record = ? AND field IS NULL").execute(arguments: [id])
    }
}
