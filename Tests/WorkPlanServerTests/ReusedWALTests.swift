import Foundation
import GRDB
import GRDBSQLite
import Testing
import WorkPlanSQLite
import WorkPlanTestSupport

/// A WAL kept between processes (`ReusedWAL`): the file stays, but none of its old frames
/// count any more, and the database file alone holds every commit.
@Suite("Kept WAL")
struct ReusedWALTests {
    /// A database whose connections keep the WAL, with a table of data and the marker row.
    struct Fixture {
        let dir: TemporaryDirectory
        let pool: DatabasePool
        var path: String { dir.file("db.sqlite") }
        var walPath: String { path + "-wal" }

        init() throws {
            dir = try TemporaryDirectory()
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { ReusedWAL.keep($0) }
            pool = try DatabasePool(path: dir.file("db.sqlite"), configuration: config)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE t (x BLOB);
                    CREATE TABLE mark (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
                    INSERT INTO mark VALUES (1, 0);
                    """)
            }
        }

        /// `rows` rows of about a page each, in one transaction.
        func write(rows: Int) throws {
            try pool.write { db in
                for _ in 0..<rows { try db.execute(sql: "INSERT INTO t VALUES (zeroblob(4000))") }
            }
        }

        func size(_ path: String) -> Int64? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64
        }
    }

    /// What the WAL holds for a new connection: (frames, frames copied), from a passive
    /// checkpoint on a plain connection that does not keep the WAL (it deletes it at close).
    static func walFrames(_ path: String) throws -> (log: Int32, done: Int32) {
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
              sqlite3_exec(handle, "SELECT count(*) FROM t", nil, nil, nil) == SQLITE_OK else {
            throw DatabaseError(message: "cannot open \(path)")
        }
        var log: Int32 = -1, done: Int32 = -1
        // TRUNCATE mode would start the WAL over; PASSIVE only reports and copies.
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &done)
        return (log, done)
    }

    /// The database file copied alone (without its WAL) into a folder of its own: what it holds.
    static func rowsInFileAlone(_ f: Fixture) throws -> Int {
        let alone = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: f.path, toPath: alone.file("copy.sqlite"))
        let q = try DatabaseQueue(path: alone.file("copy.sqlite"))
        defer { try? q.close() }
        return try q.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") ?? -1 }
    }

    @Test func aSettledWALIsKeptWithOnlyTheMarkerFrameAndTheFileHoldsEverything() throws {
        let f = try Fixture()
        try f.write(rows: 500)
        let grown = try #require(f.size(f.walPath))
        #expect(grown > 500 * 4096)
        f.pool.writeWithoutTransaction { ReusedWAL.settle($0, table: "mark") }
        try f.pool.close()

        // The file stays at its size (its blocks are reused), but a new opener finds at most
        // the one marker frame, already copied.
        #expect(f.size(f.walPath) == grown)
        #expect(try Self.rowsInFileAlone(f) == 500)
        let (log, _) = try Self.walFrames(f.path)
        #expect(log <= 1, "\(log) frames of the old WAL still count")
    }

    @Test func withoutSettlingTheOldFramesWouldStillCount() throws {
        // What `settle` is for: kept as it is, the WAL's frames are read back by the next
        // opener (and would be copied again).
        let f = try Fixture()
        try f.write(rows: 200)
        try f.pool.close()
        #expect(ReusedWAL.mismatch(databasePath: f.path) == nil, "several frames are left to SQLite")
        let (log, _) = try Self.walFrames(f.path)
        #expect(log >= 200)
    }

    @Test func theNextWriterReusesTheKeptFile() throws {
        let f = try Fixture()
        try f.write(rows: 300)
        f.pool.writeWithoutTransaction { ReusedWAL.settle($0, table: "mark") }
        try f.pool.close()
        let kept = try #require(f.size(f.walPath))

        do {
            var config = Configuration()
            config.prepareDatabase { ReusedWAL.keep($0) }
            let again = try DatabasePool(path: f.path, configuration: config)
            try again.write { db in
                for _ in 0..<100 { try db.execute(sql: "INSERT INTO t VALUES (zeroblob(4000))") }
            }
            // Written from the start of the kept file: it did not grow.
            #expect(f.size(f.walPath) == kept)
            #expect(try again.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 400)
            again.writeWithoutTransaction { ReusedWAL.settle($0, table: "mark") }
            // Released as a replica's pool is (readers first, the writer last), not closed.
        }
        #expect(try Self.rowsInFileAlone(f) == 400)
        #expect(ReusedWAL.frames(ofWAL: f.walPath)?.headers.count == 1)
        #expect(ReusedWAL.mismatch(databasePath: f.path) == nil)
    }

    /// A file put in the database's place by hand (here another, larger database) is told
    /// apart from the one the kept WAL was written for, before SQLite would read the WAL's
    /// frame into it.
    @Test func anotherFilePutInTheDatabasesPlaceIsRecognised() throws {
        let f = try Fixture()
        try f.write(rows: 20)
        f.pool.writeWithoutTransaction { ReusedWAL.settle($0, table: "mark") }
        try f.pool.close()
        #expect(ReusedWAL.mismatch(databasePath: f.path) == nil, "its own file matches")

        let other = try Fixture()
        try other.write(rows: 60)
        try other.pool.close()
        let original = try Data(contentsOf: URL(fileURLWithPath: f.path))
        try FileManager.default.removeItem(atPath: f.path)
        try FileManager.default.copyItem(atPath: other.path, toPath: f.path)
        let problem = try #require(ReusedWAL.mismatch(databasePath: f.path))
        #expect(problem.contains("bytes"), "\(problem)")

        // The same size but another page where the marker was: still refused.
        var sameSize = original
        let page = Int(try #require(ReusedWAL.frames(ofWAL: f.walPath)?.headers.first?.page))
        sameSize.replaceSubrange((page - 1) * 4096..<page * 4096, with: Data(repeating: 0, count: 4096))
        try sameSize.write(to: URL(fileURLWithPath: f.path))
        #expect(ReusedWAL.mismatch(databasePath: f.path)?.contains("page \(page)") == true)
    }

    /// A process killed after the marker's commit and before its close copied it: the one
    /// frame is not in the file yet, and that is no mismatch (SQLite reads it in).
    @Test func aMarkerNotYetCopiedIsNoMismatch() throws {
        let f = try Fixture()
        try f.write(rows: 30)
        try f.pool.close()
        var handle: OpaquePointer?
        #expect(sqlite3_open_v2(f.path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK)
        var on: Int32 = 1
        sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &on)
        #expect(sqlite3_exec(handle, "PRAGMA wal_checkpoint(PASSIVE)", nil, nil, nil) == SQLITE_OK)
        #expect(sqlite3_exec(handle, "UPDATE mark SET n = n + 1", nil, nil, nil) == SQLITE_OK)
        // The files as a kill at this moment leaves them: copied before the close copies the frame.
        let killed = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: f.path, toPath: killed.file("db.sqlite"))
        try FileManager.default.copyItem(atPath: f.walPath, toPath: killed.file("db.sqlite-wal"))
        sqlite3_close_v2(handle)
        #expect(ReusedWAL.frames(ofWAL: killed.file("db.sqlite-wal"))?.headers.count == 1)
        #expect(ReusedWAL.mismatch(databasePath: killed.file("db.sqlite")) == nil)
        let q = try DatabaseQueue(path: killed.file("db.sqlite"))
        #expect(try q.read { try Int.fetchOne($0, sql: "SELECT n FROM mark") } == 1)
        #expect(try q.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 30)
        try q.close()
    }

    @Test func aWALOverTheLimitIsDeletedAsBefore() throws {
        let f = try Fixture()
        try f.write(rows: 100)
        f.pool.writeWithoutTransaction { ReusedWAL.settle($0, table: "mark", keepLimit: 4096) }
        try f.pool.close()
        #expect(f.size(f.walPath) == nil)
        #expect(try Self.rowsInFileAlone(f) == 100)
    }

    @Test func settlingNeverWaitsForAnotherWriter() throws {
        let f = try Fixture()
        try f.write(rows: 50)
        // Another process's write transaction holds the lock for as long as settle could wait.
        var other: OpaquePointer?
        defer { sqlite3_close_v2(other) }
        #expect(sqlite3_open_v2(f.path, &other, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK)
        #expect(sqlite3_exec(other, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        let start = Date()
        f.pool.writeWithoutTransaction { ReusedWAL.settle($0, table: "mark") }
        // The busy timeout is 10 s: settle gave up at once instead.
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(try f.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA busy_timeout") } == 10_000,
                "the connection's busy timeout is given back")
        sqlite3_exec(other, "ROLLBACK", nil, nil, nil)
        sqlite3_close_v2(other)
        other = nil
        try f.pool.close()
        #expect(try Self.rowsInFileAlone(f) == 50)
    }
}
