import GRDB
import Testing
import WorkPlanSQLite

@Suite("Statement.run binds like GRDB")
struct StatementRunTests {
    @Test func bindsNullsIntegersAndTextAndStaysReusable() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT UNIQUE, b INTEGER)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t (n, s, b) VALUES (?, ?, ?)")
            try insert.run([.int(-42), .text("ünïcødé 🚀 \"q\"\n"), SQLArgument(true)])
            try insert.run([.null, .text(""), SQLArgument(false)])
            try insert.run([SQLArgument(Int64?.none), SQLArgument(String?.none), .int(Int64.max)])
            // A constraint violation throws GRDB's error with SQLite's message, and the
            // statement can run again afterwards.
            #expect(throws: DatabaseError.self) { try insert.run([.int(1), .text(""), .int(0)]) }
            try insert.run([.int(7), .text("after"), .int(0)])
            // The same values as GRDB reads them.
            let rows = try Row.fetchAll(db, sql: "SELECT n, s, b FROM t ORDER BY id")
            #expect(rows.count == 4)
            #expect(rows[0][0] as Int64 == -42 && rows[0][1] as String == "ünïcødé 🚀 \"q\"\n" && rows[0][2] as Int64 == 1)
            #expect(rows[1][0] as Int64? == nil && rows[1][1] as String == "" && rows[1][2] as Int64 == 0)
            #expect(rows[2][1] as String? == nil && rows[2][2] as Int64 == Int64.max)
            #expect(rows[3][1] as String == "after")
            #expect(db.changesCount == 1)
        }
    }

    @Test func firstReadsOneRowByPositionOrNil() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (k TEXT PRIMARY KEY, s TEXT, n INTEGER)")
            try db.execute(sql: "INSERT INTO t VALUES ('a', 'ünïcødé 🚀', 40000000001), ('b', NULL, NULL), ('c', '', -1)")
            let select = try db.cachedStatement(sql: "SELECT s, n FROM t WHERE k = ?")
            let a = try select.first([.text("a")]) { ($0.optionalText(0), $0.int(1)) }
            #expect(a?.0 == "ünïcødé 🚀" && a?.1 == 40_000_000_001)
            let b = try select.first([.text("b")]) { ($0.optionalText(0), $0.text(0), $0.int(1)) }
            #expect(b?.0 == nil && b?.1 == "" && b?.2 == 0)
            let c = try select.first([.text("c")]) { $0.optionalText(0) }
            #expect(c == .some(""), "an empty text is not NULL")
            #expect(try select.first([.text("zz")]) { $0.int(1) } == nil)
            // A failing read leaves the statement reusable.
            #expect(throws: CancellationError.self) { try select.first([.text("a")]) { _ in throw CancellationError() } }
            #expect(try select.first([.text("c")]) { $0.int(1) } == -1)
        }
    }
}
