import GRDB
import Testing
import WorkPlanProtocol
@testable import WorkPlanClient

@Suite("Replica schema migrations")
struct ReplicaSchemaTests {
    /// A replica made before v2 keeps its waiting operations, and its lookups by batch and of
    /// conference operations use the new partial indexes.
    @Test func v2ReplacesThePendingIndexesAndKeepsTheLog() throws {
        let db = try DatabaseQueue()
        try ReplicaSchema.migrator.migrate(db, upTo: "v1")
        try db.write { db in
            for (i, (kind, batch)) in [("task", "b1"), ("conference", nil), ("task", nil)].enumerated() {
                try db.execute(sql: """
                    INSERT INTO pending (op_id, record, kind, action, field, value, base_rev, at, author, batch)
                    VALUES (?, 'r', ?, 'set', 'status', '"done"', 0, 0, 'a', ?)
                    """, arguments: ["op\(i)", kind, batch])
            }
        }
        try ReplicaSchema.migrator.migrate(db)
        try db.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM pending") == 3)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pending' ORDER BY name")
            #expect(indexes.contains("pending_batch") && indexes.contains("pending_conference") && !indexes.contains("pending_kind"))
            func plan(_ sql: String) throws -> String {
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ")
            }
            #expect(try plan("SELECT seq FROM pending WHERE batch = 'b1' ORDER BY seq").contains("pending_batch"))
            #expect(try plan("SELECT max(seq) FROM pending WHERE kind = 'conference' AND batch IS NULL").contains("pending_conference"))
            #expect(try PendingLog.headers(db, batch: "b1").map(\.op.id) == ["op0"])
            #expect(try PendingLog.newestUnsentBaseline(db) == nil)
        }
    }

    /// A replica made before v4 gets the one row that `ReusedWAL.settle` updates.
    @Test func v4AddsTheWALRestartRow() throws {
        let db = try DatabaseQueue()
        try ReplicaSchema.migrator.migrate(db, upTo: "v3: edits set aside")
        try ReplicaSchema.migrator.migrate(db)
        #expect(try db.read { try Row.fetchAll($0, sql: "SELECT id, n FROM \(Replica.walRestartTable)") }.map { [$0[0] as Int, $0[1] as Int] } == [[1, 0]])
    }

    /// A replica made before v5 gets the empty table of values replaced here, and keeps its
    /// log; an import reads the records deleted here through their own index.
    @Test func v5AddsTheTableOfValuesReplacedHere() throws {
        let db = try DatabaseQueue()
        try ReplicaSchema.migrator.migrate(db, upTo: "v4: WAL restart marker")
        try db.write { try $0.execute(sql: "INSERT INTO pending (op_id, record, kind, action, base_rev, at, author) VALUES ('op', 'r', 'task', 'delete', 0, 0, 'a')") }
        try ReplicaSchema.migrator.migrate(db)
        try db.write { db in
            #expect(try PendingLog.count(db) == 1)
            #expect(try ReplacedHere.deletedRecords(db).isEmpty)
            try ReplacedHere.deleted(db, record: "r")
            try ReplacedHere.replaced(db, record: "s", field: "title", value: .text("Old"))
            #expect(try ReplacedHere.deletedRecords(db) == ["r"])
            let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT record FROM replaced_here WHERE field IS NULL").map { $0["detail"] as String }
            #expect(plan.joined().contains("replaced_here_deleted"), "read through its own index: \(plan)")
            #expect(try ReplacedHere.values(db, record: "s") == ["title": [.text("Old")]])
        }
    }

    /// A replica stopped in the middle of a recovery before v6 keeps its plan, now in the
    /// `recovery` table, and the settings no longer hold it (a settings lookup that passed
    /// its row read the whole plan: the operations tester's 34-minute recovery).
    @Test func v6MovesAnUnfinishedRecoverysPlanOutOfTheSettings() throws {
        let db = try DatabaseQueue()
        try ReplicaSchema.migrator.migrate(db, upTo: "v5: values replaced here")
        try db.write { db in
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('staff', 'EUMS'), ('user', 'Dupont'), ('recovery_plan', '{\"records\":[]}')")
        }
        try ReplicaSchema.migrator.migrate(db)
        let pending = try db.read { db in try Replica.recoveryPending(db) }
        #expect(pending)
        #expect(try db.read { db in try String.fetchOne(db, sql: "SELECT plan FROM recovery") } == "{\"records\":[]}")
        #expect(try db.read { db in try String.fetchAll(db, sql: "SELECT key FROM setting ORDER BY key") } == ["staff", "user"])
        let fresh = try DatabaseQueue()
        try ReplicaSchema.migrator.migrate(fresh)
        let none = try fresh.read { db in try Replica.recoveryPending(db) }
        #expect(!none)
    }
}
