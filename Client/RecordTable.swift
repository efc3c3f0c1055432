import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// A record as the replica holds it: typed fields plus sync bookkeeping.
public struct StoredRecord: Sendable, Hashable {
    public var id: String
    public var kind: RecordKind
    public var fields: [String: FieldValue]
    /// Server rev of each field (empty for a record never synced).
    public var revs: [String: Int64]
    /// The record's rev: the newest rev of any of its fields.
    public var rev: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var createdBy: String?
    /// Deleted here, the delete not yet acknowledged by the server.
    public var deleted: Bool

    public subscript(_ field: String) -> FieldValue { fields[field] ?? .null }
    public func text(_ field: String) -> String? { fields[field]?.text }
}

/// Maps a record kind to its typed table: one column per schema field, plus bookkeeping
/// columns. Numbers are stored as INTEGER, sets as JSON arrays.
struct RecordTable: Sendable {
    let kind: RecordKind
    let specs: [FieldSpec]
    let selectSQL: String
    let selectByIdSQL: String
    let insertSQL: String
    let existsSQL: String
    /// The field names sorted, as revs are written (a record's first acknowledgement).
    let sortedNames: [String]
    let existsLiveSQL: String

    static let all: [RecordKind: RecordTable] = Dictionary(uniqueKeysWithValues: RecordKind.allCases.map { ($0, RecordTable($0)) })
    static func of(_ kind: RecordKind) -> RecordTable { all[kind]! }

    var name: String { kind.rawValue }

    private init(_ kind: RecordKind) {
        self.kind = kind
        self.specs = kind.fields
        let names = specs.map(\.name)
        let meta = ["created_at", "updated_at", "created_by", "deleted", "rev", "revs"]
        selectSQL = "SELECT id, \((names + meta).joined(separator: ", ")) FROM \(kind.rawValue)"
        selectByIdSQL = selectSQL + " WHERE id = ?"
        let cols = ["id"] + names + meta
        sortedNames = names.sorted()
        existsSQL = "SELECT 1 FROM \(kind.rawValue) WHERE id = ?"
        existsLiveSQL = existsSQL + " AND deleted = 0"
        insertSQL = "INSERT OR REPLACE INTO \(kind.rawValue) (\(cols.joined(separator: ", "))) VALUES (\(cols.map { _ in "?" }.joined(separator: ", ")))"
    }

    static func fieldValue(_ db: DatabaseValue, _ spec: FieldSpec) -> FieldValue {
        if spec.isSet {
            guard let s = String.fromDatabaseValue(db) else { return .set([]) }
            return .set(JSONText.decodeArray(s))
        }
        switch db.storage {
        case .null: return .null
        case .int64(let i): return .text(String(i))
        case .string(let s): return .text(s)
        case .double(let d): return .text(String(d))
        case .blob: return .null
        }
    }

    func record(from row: Row) -> StoredRecord {
        var fields: [String: FieldValue] = [:]
        for (i, spec) in specs.enumerated() {
            let v = RecordTable.fieldValue(row[i + 1] as DatabaseValue, spec)
            if v != .null { fields[spec.name] = v }
        }
        let base = specs.count + 1
        return StoredRecord(id: row[0], kind: kind, fields: fields,
                            revs: JSONText.decodeRevs(row[base + 5]),
                            rev: row[base + 4], createdAt: row[base], updatedAt: row[base + 1],
                            createdBy: row[base + 2], deleted: (row[base + 3] as Int64) != 0)
    }

    func fetch(_ db: Database, id: String) throws -> StoredRecord? {
        try Row.fetchOne(db.cachedStatement(sql: selectByIdSQL), arguments: [id]).map(record(from:))
    }

    /// Whether a row with this id exists (only live ones when `live`).
    func exists(_ db: Database, id: String, live: Bool = false) throws -> Bool {
        try Int.fetchOne(db.cachedStatement(sql: live ? existsLiveSQL : existsSQL), arguments: [id]) != nil
    }

    /// Which of `ids` have a row here, deleted or not: one query for a whole import, not one per record.
    func existing(_ db: Database, among ids: [String], live: Bool = false) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let sql = "SELECT id FROM \(name) WHERE id IN (SELECT value FROM json_each(?))" + (live ? " AND deleted = 0" : "")
        return try Set(String.fetchAll(db, sql: sql, arguments: [JSONText.encodeArray(ids)]))
    }

    func fetchAll(_ db: Database, where clause: String = "deleted = 0", arguments: StatementArguments = []) throws -> [StoredRecord] {
        try Row.fetchAll(db, sql: selectSQL + " WHERE " + clause, arguments: arguments).map(record(from:))
    }

    func write(_ db: Database, _ r: StoredRecord) throws {
        try insert(db, row: row(r))
    }

    /// The record as the values of one insert, in `insertSQL`'s column order (no database
    /// needed: a bulk import lays rows out on a second thread).
    func row(_ r: StoredRecord) -> [SQLArgument] {
        var args: [SQLArgument] = [.text(r.id)]
        args.reserveCapacity(specs.count + 7)
        for spec in specs { args.append(RecordTable.argument(r.fields[spec.name] ?? .null, spec)) }
        args += [.int(r.createdAt), .int(r.updatedAt), SQLArgument(r.createdBy),
                 SQLArgument(r.deleted), .int(r.rev), .text(JSONText.encodeRevs(r.revs))]
        return args
    }

    func insert(_ db: Database, row: [SQLArgument]) throws {
        try db.cachedStatement(sql: insertSQL).run(row)
    }

    /// One field's value as stored: numbers as INTEGER, sets as JSON arrays.
    static func argument(_ value: FieldValue, _ spec: FieldSpec) -> SQLArgument {
        switch (value, spec.type) {
        case (.null, .set): return .text("[]")
        case (.null, _): return .null
        case (.set(let s), _): return .text(JSONText.encodeArray(s))
        case (.text(let t), .number): return .int(Int64(t) ?? 0)
        case (.text(let t), _): return .text(t)
        }
    }

    /// A record's sync bookkeeping without its fields (what applying one field's change
    /// needs; decoding the whole row for it dominated a sync of many edits).
    struct Revs {
        /// The revs column as stored (`JSONWriter.encode(revs:)`), with this value's changes.
        private(set) var text: String
        var rev: Int64
        var updatedAt: Timestamp
        /// The row read (updates go straight to it).
        let rowid: Int64

        /// The rev of one field (0: none yet). Read from the text (`RevsText`) without
        /// decoding the whole object, unless it is in another shape.
        func of(_ field: String) -> Int64 {
            if let known = RevsText.rev(of: field, in: text) { return known ?? 0 }
            return JSONText.decodeRevs(text)[field] ?? 0
        }

        /// Raises a field's rev to `rev`; a higher one stays.
        mutating func raise(_ field: String, to rev: Int64) {
            if let raised = RevsText.raising(field, to: rev, in: text) {
                text = raised
                return
            }
            var all = JSONText.decodeRevs(text)
            guard rev > all[field] ?? 0 else { return }
            all[field] = rev
            text = JSONText.encodeRevs(all)
        }
    }

    func fetchRevs(_ db: Database, id: String) throws -> Revs? {
        try db.cachedStatement(sql: "SELECT revs, rev, updated_at, rowid FROM \(name) WHERE id = ?").first([.text(id)]) { row in
            Revs(text: row.text(0), rev: row.int(1), updatedAt: row.int(2), rowid: row.int(3))
        }
    }

    /// A record never synced (no revs yet) takes `rev` for every field, in one statement;
    /// false when the record has revs (or is gone), and nothing was written. The first push
    /// of a plan acknowledges every record this way.
    func setFirstRevs(_ db: Database, id: String, to rev: Int64) throws -> Bool {
        let revs = JSONWriter.encode(revsOf: sortedNames, all: rev)
        try db.cachedStatement(sql: "UPDATE \(name) SET revs = ?, rev = ? WHERE id = ? AND revs = '{}' AND rev <= ?")
            .run([.text(revs), .int(rev), .text(id), .int(rev)])
        return db.changesCount > 0
    }

    /// The revs of a record created at `createdAt` by `createdBy` whose rev is at least `rev`,
    /// or nil (no such record): what tells a pulled create that it may change nothing here,
    /// read as one column (a `Row` cost more than the lookup).
    func revsIfCreated(_ db: Database, id: String, at createdAt: Timestamp, by createdBy: String?, revAtLeast rev: Int64) throws -> [String: Int64]? {
        let sql = "SELECT revs FROM \(name) WHERE id = ? AND created_at = ? AND created_by IS ? AND rev >= ?"
        return try db.cachedStatement(sql: sql).first([.text(id), .int(createdAt), SQLArgument(createdBy), .int(rev)]) { JSONText.decodeRevs($0.text(0)) }
    }

    /// One field's current value.
    func fetchField(_ db: Database, id: String, _ field: String) throws -> FieldValue {
        guard let spec = kind.field(field),
              let v = try DatabaseValue.fetchOne(db.cachedStatement(sql: "SELECT \(field) FROM \(name) WHERE id = ?"), arguments: [id]) else { return .null }
        return RecordTable.fieldValue(v, spec)
    }

    /// Stores new bookkeeping and, when `value` is given, one field's new value (nil inside
    /// it: empty), in place.
    func update(_ db: Database, id: String, _ meta: Revs, field: String? = nil, value: FieldValue?? = nil) throws {
        let revs = SQLArgument.text(meta.text)
        if let field, let value, let spec = kind.field(field) {
            try db.cachedStatement(sql: "UPDATE \(name) SET \(field) = ?, revs = ?, rev = ?, updated_at = ? WHERE rowid = ? AND id = ?")
                .run([RecordTable.argument(value ?? .null, spec), revs, .int(meta.rev), .int(meta.updatedAt), .int(meta.rowid), .text(id)])
        } else {
            try db.cachedStatement(sql: "UPDATE \(name) SET revs = ?, rev = ?, updated_at = ? WHERE rowid = ? AND id = ?")
                .run([revs, .int(meta.rev), .int(meta.updatedAt), .int(meta.rowid), .text(id)])
        }
    }

    func remove(_ db: Database, id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM \(name) WHERE id = ?").execute(arguments: [id])
    }
}
