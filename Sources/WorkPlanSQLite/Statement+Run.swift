import GRDB
import GRDBSQLite

/// A value bound straight to a prepared statement by `Statement.run(_:)`.
package enum SQLArgument {
    case null
    case int(Int64)
    case text(String)

    package init(_ s: String?) { self = s.map(SQLArgument.text) ?? .null }
    package init(_ n: Int64?) { self = n.map(SQLArgument.int) ?? .null }
    package init(_ b: Bool) { self = .int(b ? 1 : 0) }
}

extension Statement {
    /// Binds `arguments` by position and runs the statement to completion.
    ///
    /// The store's push applier and the replica's creates go through here: GRDB's
    /// `StatementArguments` boxes every value in an existential and converts it again, which
    /// cost more than SQLite's insert (60% of applying a batch of creates). The statement is
    /// left reset, as GRDB expects.
    package func run(_ arguments: [SQLArgument]) throws {
        try forEachRow(arguments) { _ in }
    }

    /// Binds `arguments` by position and reads the first result row with `read`, or
    /// returns nil when there is none. The hot lookups by id go through here: a GRDB `Row`
    /// copies and boxes every column, about as much as SQLite's own lookup.
    package func first<T>(_ arguments: [SQLArgument], _ read: (SQLRow) throws -> T) throws -> T? {
        let stmt = sqliteStatement
        try bind(arguments)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        switch sqlite3_step(stmt) {
        case SQLITE_ROW: return try read(SQLRow(stmt: stmt))
        case SQLITE_DONE: return nil
        case let rc: throw error(rc)
        }
    }

    /// Binds `arguments` by position and hands each result row to `body`, in order.
    package func forEachRow(_ arguments: [SQLArgument], _ body: (SQLRow) throws -> Void) throws {
        let stmt = sqliteStatement
        try bind(arguments)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        while true {
            switch sqlite3_step(stmt) {
            case SQLITE_ROW: try body(SQLRow(stmt: stmt))
            case SQLITE_DONE: return
            case let rc: throw error(rc)
            }
        }
    }

    private func bind(_ arguments: [SQLArgument]) throws {
        let stmt = sqliteStatement
        sqlite3_reset(stmt)
        for (i, a) in arguments.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch a {
            case .null: rc = sqlite3_bind_null(stmt, index)
            case .int(let n): rc = sqlite3_bind_int64(stmt, index, n)
            case .text(var s):
                rc = s.withUTF8 { utf8 -> Int32 in
                    guard let base = utf8.baseAddress else { return sqlite3_bind_text(stmt, index, "", 0, SQLITE_TRANSIENT) }
                    return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                        sqlite3_bind_text(stmt, index, $0, Int32(utf8.count), SQLITE_TRANSIENT)
                    }
                }
            }
            guard rc == SQLITE_OK else { throw error(rc) }
        }
    }

    private func error(_ rc: Int32) -> DatabaseError {
        let db = sqlite3_db_handle(sqliteStatement)
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: rc), message: message, sql: sql)
    }
}

/// The current result row of a statement, read by column position (0-based). Valid only
/// inside the closure given to `Statement.first` or `Statement.forEachRow`: do not keep it,
/// and do not run the same statement again inside that closure (other statements are fine).
package struct SQLRow {
    fileprivate let stmt: OpaquePointer

    /// The column as text (an empty string for NULL).
    package func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(stmt, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(stmt, column))), as: UTF8.self)
    }

    /// The column as text, or nil for NULL.
    package func optionalText(_ column: Int32) -> String? {
        isNull(column) ? nil : text(column)
    }

    /// The column as an integer (0 for NULL).
    package func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    /// Whether the column is NULL.
    package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }

    /// The column's text as UTF-8 bytes, valid only inside `body` (empty for NULL).
    package func withText<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        guard let bytes = sqlite3_column_text(stmt, column) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(stmt, column))))
    }
}

/// SQLite copies the bound text before the call returns.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
