import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// The pending log (DESIGN.md rule 1): field-level operations made here and not yet
/// acknowledged by the server, each with the rev it was made against. Written in the same
/// transaction as the edit it records.
enum PendingLog {
    struct Entry {
        var seq: Int64
        var op: PlanOperation
        var author: String
        var batch: String?
    }

    /// Appends an operation. For field edits, `serverValue` is the field's value on the
    /// server beneath the officer's edits (the view value when no other edit of it waits).
    static func append(_ db: Database, _ op: PlanOperation, author: String, serverValue: FieldValue? = nil) throws {
        var server = serverValue
        if let field = op.field, [.set, .add, .remove, .restore].contains(op.action),
           let waiting = try Self.serverValue(db, record: op.record, field: field) {
            server = waiting
        }
        try insert(db, row: row(op, author: author, serverValue: server))
    }

    /// The operation as the values of one insert (no database needed: a bulk import lays
    /// rows out on a second thread). `serverValue` as `append` found it.
    static func row(_ op: PlanOperation, author: String, serverValue: FieldValue?) -> [SQLArgument] {
        [.text(op.id), .text(op.record), .text(op.kind.rawValue), .text(op.action.rawValue), SQLArgument(op.field),
         SQLArgument(op.value.map(JSONText.encode)), SQLArgument(op.fields.map(JSONText.encodeFields)), .int(op.baseRev),
         SQLArgument(op.resolves.map(JSONText.encode)), .int(op.at), .text(author), SQLArgument(serverValue.map(JSONText.encode))]
    }

    /// The columns `row` fills, in its order: an operation as `pending` and `set_aside` keep it.
    static let operationColumns = "op_id, record, kind, action, field, value, fields, base_rev, resolves, at, author, server_value"

    /// Built once: an import inserts one row per record.
    static let insertSQL = "INSERT INTO pending (\(operationColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    static func insert(_ db: Database, row: [SQLArgument]) throws {
        try db.cachedStatement(sql: insertSQL).run(row)
    }

    /// The server value beneath the waiting edits of a field, if any edit of it waits.
    static func serverValue(_ db: Database, record: String, field: String) throws -> FieldValue? {
        guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT server_value FROM pending WHERE record = ? AND field = ? AND server_value IS NOT NULL ORDER BY seq LIMIT 1"), arguments: [record, field]) else { return nil }
        return try JSONText.decode(FieldValue.self, text)
    }

    /// Records a new server value beneath the waiting edits of a field.
    static func setServerValue(_ db: Database, record: String, field: String, _ value: FieldValue) throws {
        try db.cachedStatement(sql: "UPDATE pending SET server_value = ? WHERE record = ? AND field = ? AND server_value IS NOT NULL")
            .execute(arguments: [JSONText.encode(value), record, field])
    }

    /// The columns `entry(from:)` reads, in its order (read by position: a lookup by name
    /// lowercases the name each time, a measurable cost over a 2500-entry batch).
    static let entryColumns = "seq, op_id, record, kind, action, field, base_rev, resolves, at, author, batch, value, fields"

    /// An entry from a row of `entryColumns`, or of its first eleven columns (`withValues: false`:
    /// the operation's value and fields are left out).
    static func entry(from row: Row, withValues: Bool = true) throws -> Entry {
        let resolvesText: String? = row[7]
        let valueText: String? = withValues ? row[11] : nil
        let fieldsText: String? = withValues ? row[12] : nil
        return try entry(seq: row[0], id: row[1], record: row[2], kind: row[3], action: row[4], field: row[5],
                         baseRev: row[6], resolves: resolvesText, at: row[8], author: row[9], batch: row[10],
                         value: valueText, fields: fieldsText)
    }

    /// `entry(from:withValues:)` from a row read straight from SQLite (`Statement.forEachRow`):
    /// a GRDB `Row` copies and boxes every column first, which cost about as much as
    /// decoding the entries of a 2500-operation batch.
    static func entry(from row: SQLRow, withValues: Bool = true) throws -> Entry {
        try entry(seq: row.int(0), id: row.text(1), record: row.text(2), kind: row.text(3), action: row.text(4),
                  field: row.optionalText(5), baseRev: row.int(6), resolves: row.optionalText(7), at: row.int(8),
                  author: row.text(9), batch: row.optionalText(10),
                  value: withValues ? row.optionalText(11) : nil, fields: withValues ? row.optionalText(12) : nil)
    }

    private static func entry(seq: Int64, id: String, record: String, kind: String, action: String, field: String?,
                              baseRev: Int64, resolves: String?, at: Int64, author: String, batch: String?,
                              value: String?, fields: String?) throws -> Entry {
        let op = PlanOperation(
            id: id, record: record,
            kind: RecordKind(rawValue: kind) ?? .task,
            action: Action(rawValue: action) ?? .set,
            field: field,
            value: try value.map { try JSONText.decode(FieldValue.self, $0) },
            fields: try fields.map { try JSONText.decode([String: FieldValue].self, $0) },
            baseRev: baseRev,
            resolves: try resolves.map { try JSONText.decode([String].self, $0) },
            at: at)
        return Entry(seq: seq, op: op, author: author, batch: batch)
    }

    /// The entries read by `sql` (a statement of `entryColumns`, or of their first eleven
    /// when `withValues` is false), in its order.
    private static func fetch(_ db: Database, _ sql: String, _ arguments: [String], withValues: Bool = true) throws -> [Entry] {
        var out: [Entry] = []
        try db.cachedStatement(sql: sql).forEachRow(arguments.map(SQLArgument.text)) { out.append(try entry(from: $0, withValues: withValues)) }
        return out
    }

    /// Entries matching a condition, oldest first.
    static func entries(_ db: Database, where clause: String = "1", arguments: [String] = [], limit: Int? = nil) throws -> [Entry] {
        let lim = limit.map { " LIMIT \($0)" } ?? ""
        // A condition on one record reads through the record index: left to itself, SQLite
        // walked the whole log in seq order to save a sort (28 ms an edit at 50k pending).
        let index = clause.hasPrefix("record = ?") ? " INDEXED BY pending_record" : ""
        return try fetch(db, "SELECT \(entryColumns) FROM pending\(index) WHERE \(clause) ORDER BY seq\(lim)", arguments)
    }

    /// The operations of a batch without their values (what applying a push reply needs;
    /// decoding every create's fields again would dominate a large first push).
    static func headers(_ db: Database, batch: String) throws -> [Entry] {
        try fetch(db, "SELECT seq, op_id, record, kind, action, field, base_rev, resolves, at, author, batch FROM pending WHERE batch = ? ORDER BY seq",
                  [batch], withValues: false)
    }

    /// The not-yet-sent operations on one record (and field), newest first.
    static func unsent(_ db: Database, record: String, field: String? = nil) throws -> [Entry] {
        if let field {
            return try entries(db, where: "record = ? AND (field = ? OR action IN ('create', 'restore')) AND batch IS NULL", arguments: [record, field]).reversed()
        }
        return try entries(db, where: "record = ? AND batch IS NULL", arguments: [record]).reversed()
    }

    /// Whether the officer's own value of this field waits here: an edit of the field, or a
    /// waiting create that names it. What a pulled change of the field must not overwrite
    /// in the view. (A create leaves out empty fields: the fields it does not name show the
    /// server's values, else a natural-key record pulled beneath a waiting create kept them
    /// empty here for good: the review of 2026-11-30.)
    static func holdsOwnValue(_ db: Database, record: String, field: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM pending WHERE record = ?
                           AND (field = ? OR (action = 'create' AND json_type(fields, '$.' || ?) IS NOT NULL)))
            """), arguments: [record, field, field]) ?? false
    }

    /// Whether a waiting create of this record names the field: its value here is the
    /// officer's, whatever rev a pull beneath it gave the field.
    static func createNames(_ db: Database, record: String, field: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM pending WHERE record = ? AND action = 'create' AND json_type(fields, '$.' || ?) IS NOT NULL)
            """), arguments: [record, field]) ?? false
    }

    /// Whether any operation on this record's field is waiting (sent or not).
    static func hasPending(_ db: Database, record: String, field: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM pending WHERE record = ? AND (field = ? OR action = 'create'))"), arguments: [record, field]) ?? false
    }

    /// Which of `records` have entries outside batch `batch` (one query for a whole batch).
    static func recordsWaiting(_ db: Database, among records: [String], outside batch: String) throws -> Set<String> {
        guard !records.isEmpty else { return [] }
        return try Set(String.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT record FROM pending
            WHERE record IN (SELECT value FROM json_each(?)) AND (batch IS NULL OR batch != ?)
            """), arguments: [JSONText.encodeArray(records), batch]))
    }

    /// The base rev of the oldest waiting operation on a field, if any: a new edit of a field
    /// with an edit still waiting is made against the same base (the officer never saw newer).
    static func pendingBase(_ db: Database, record: String, field: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT base_rev FROM pending WHERE record = ? AND field = ? AND action = 'set' ORDER BY seq LIMIT 1"), arguments: [record, field])
    }

    static func replace(_ db: Database, seq: Int64, with op: PlanOperation) throws {
        try db.execute(sql: "UPDATE pending SET value = ?, fields = ?, at = ? WHERE seq = ?",
                       arguments: [op.value.map(JSONText.encode), op.fields.map(JSONText.encodeFields), op.at, seq])
    }

    /// Turns a waiting resolution into a plain `resolve` (closes its conflicts, sets nothing).
    static func demoteToResolve(_ db: Database, seq: Int64) throws {
        try db.execute(sql: "UPDATE pending SET action = 'resolve', field = NULL, value = NULL, fields = NULL, server_value = NULL WHERE seq = ?",
                       arguments: [seq])
    }

    static func remove(_ db: Database, seq: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM pending WHERE seq = ?").run([.int(seq)])
    }

    static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM pending") ?? 0
    }
}
