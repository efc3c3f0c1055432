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
}
