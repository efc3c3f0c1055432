import Foundation
import GRDB
import WorkPlanProtocol

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
        insertSQL = "INSERT OR REPLACE INTO \(kind.rawValue) (\(cols.joined(separator: ", "))) VALUES (\(cols.map { _ in "?" }.joined(separator: ", ")))"
    }

    static func dbValue(_ value: FieldValue, _ spec: FieldSpec) -> DatabaseValue {
        switch (value, spec.type) {
        case (.null, .set): return "[]".databaseValue
        case (.null, _): return .null
        case (.set(let s), _): return JSONText.encodeArray(s).databaseValue
        case (.text(let t), .number): return (Int64(t) ?? 0).databaseValue
        case (.text(let t), _): return t.databaseValue
        }
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
        let sql = live ? "SELECT 1 FROM \(name) WHERE id = ? AND deleted = 0" : "SELECT 1 FROM \(name) WHERE id = ?"
        return try Int.fetchOne(db.cachedStatement(sql: sql), arguments: [id]) != nil
    }

    func fetchAll(_ db: Database, where clause: String = "deleted = 0", arguments: StatementArguments = []) throws -> [StoredRecord] {
        try Row.fetchAll(db, sql: selectSQL + " WHERE " + clause, arguments: arguments).map(record(from:))
    }

    func write(_ db: Database, _ r: StoredRecord) throws {
        var args: [DatabaseValue] = [r.id.databaseValue]
        for spec in specs { args.append(RecordTable.dbValue(r[spec.name], spec)) }
        args += [r.createdAt.databaseValue, r.updatedAt.databaseValue, r.createdBy.databaseValue,
                 (r.deleted ? 1 : 0).databaseValue, r.rev.databaseValue, JSONText.encodeRevs(r.revs).databaseValue]
        let stmt = try db.cachedStatement(sql: insertSQL)
        try stmt.execute(arguments: StatementArguments(args))
    }

    func remove(_ db: Database, id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM \(name) WHERE id = ?").execute(arguments: [id])
    }
}

/// Small, fast JSON helpers for the replica's text columns.
enum JSONText {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func encode<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static let decoder = JSONDecoder()

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(T.self, from: Data(text.utf8))
    }

    static func decodeArray(_ text: String) -> [String] {
        if text == "[]" { return [] }
        return (try? decode([String].self, text)) ?? []
    }

    /// A JSON array of strings, written directly (sets are stored this way on every row).
    static func encodeArray(_ values: [String]) -> String {
        var out = "["
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            quote(v, into: &out)
        }
        return out + "]"
    }

    /// A JSON string literal.
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    /// Field values as a JSON object with sorted keys, written directly (every pending
    /// create carries one).
    static func encodeFields(_ fields: [String: FieldValue]) -> String {
        var out = "{"
        for (i, (key, value)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out += "," }
            quote(key, into: &out)
            out += ":"
            encodeValue(value, into: &out)
        }
        return out + "}"
    }

    static func encodeValue(_ value: FieldValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .text(let t): quote(t, into: &out)
        case .set(let s): out += encodeArray(s)
        }
    }

    /// Field revs as a JSON object with sorted keys (field names need no escaping).
    static func encodeRevs(_ revs: [String: Int64]) -> String {
        if revs.isEmpty { return "{}" }
        return "{" + revs.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    /// Reads what `encodeRevs` writes: `{"field":rev,...}`.
    static func decodeRevs(_ text: String?) -> [String: Int64] {
        guard let text, text.count > 2 else { return [:] }
        var out: [String: Int64] = [:]
        for pair in text.dropFirst().dropLast().split(separator: ",") {
            guard let colon = pair.lastIndex(of: ":"), let rev = Int64(pair[pair.index(after: colon)...]) else {
                return (try? decode([String: Int64].self, text)) ?? [:]
            }
            out[String(pair[..<colon].dropFirst().dropLast())] = rev
        }
        return out
    }
}
