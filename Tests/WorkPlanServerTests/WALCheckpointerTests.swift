import Foundation
import GRDB
import Testing
import WorkPlanSQLite
import WorkPlanTestSupport

/// The store's background checkpoints (`WALCheckpointer`), seen through the database
/// file: it grows only when a checkpoint copies the WAL's pages into it.
@Suite("Background WAL checkpoints")
struct WALCheckpointerTests {
    /// A fresh database with an empty table, its WAL checkpointed, and a checkpointer
    /// installed on the writer.
    struct Fixture {
        let dir: TemporaryDirectory
        let pool: DatabasePool
        let checkpointer: WALCheckpointer
        var path: String { dir.file("db.sqlite") }

        init(threshold: Int32, limit: Int32) throws {
            dir = try TemporaryDirectory()
            pool = try DatabasePool(path: dir.file("db.sqlite"))
            try pool.write { try $0.execute(sql: "CREATE TABLE t (x BLOB)") }
            try pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
            checkpointer = WALCheckpointer(path: dir.file("db.sqlite"), threshold: threshold, limit: limit)
            pool.writeWithoutTransaction { checkpointer.install(on: $0) }
        }

        /// One transaction that writes about `pages` pages.
        func write(pages: Int) throws {
            try pool.write { db in
                for _ in 0..<pages { try db.execute(sql: "INSERT INTO t VALUES (zeroblob(4000))") }
            }
        }

        var fileSize: Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        }

        func close() throws {
            try pool.close()
            checkpointer.close()
        }
    }

    @Test func aCommitPastTheThresholdIsCheckpointedInTheBackground() throws {
        let f = try Fixture(threshold: 100, limit: 100_000)
        let before = f.fileSize
        try f.write(pages: 300)
        f.checkpointer.waitUntilIdle()
        #expect(f.checkpointer.completed >= 1)
        #expect(f.fileSize >= before + 300 * 4000)
        #expect(try f.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 300)
        try f.close()
    }

    @Test func belowTheThresholdNothingIsCheckpointedNotEvenBySQLitesOwnLimit() throws {
        // SQLite's automatic checkpoint would run in this commit (over 1000 frames); the
        // checkpointer replaces it and waits for its own threshold.
        let f = try Fixture(threshold: 5000, limit: 100_000)
        let before = f.fileSize
        try f.write(pages: 1200)
        f.checkpointer.waitUntilIdle()
        #expect(f.checkpointer.completed == 0)
        #expect(f.fileSize < before + 100 * 4096)
        try f.close()
    }

    @Test func pastTheLimitTheCommittingConnectionCheckpointsItself() throws {
        let f = try Fixture(threshold: 100, limit: 100)
        let before = f.fileSize
        try f.write(pages: 300)
        // Done inside the commit: no background checkpoint, and the file already holds the pages.
        #expect(f.fileSize >= before + 300 * 4000)
        f.checkpointer.waitUntilIdle()
        #expect(f.checkpointer.completed == 0)
        try f.close()
    }

    @Test func commitsDuringACheckpointGetAnotherOne() throws {
        let f = try Fixture(threshold: 50, limit: 100_000)
        for _ in 0..<20 { try f.write(pages: 60) }
        f.checkpointer.waitUntilIdle()
        // Every commit asked; they were run one at a time, and the last commit's pages
        // reached the file: a checkpoint started after it.
        #expect(f.checkpointer.completed >= 1)
        #expect(f.fileSize >= 20 * 60 * 4000)
        try f.close()
    }
}
