import Foundation
import Synchronization
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanServer
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

        init(threshold: Int32, limit: Int32, beforePass: (@Sendable () -> Void)? = nil) throws {
            dir = try TemporaryDirectory()
            pool = try DatabasePool(path: dir.file("db.sqlite"))
            try pool.write { try $0.execute(sql: "CREATE TABLE t (x BLOB)") }
            try pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
            checkpointer = WALCheckpointer(path: dir.file("db.sqlite"), threshold: threshold, limit: limit, beforePass: beforePass)
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
            try checkpointer.close { try pool.close() }
        }
    }

    @Test func aCommitPastTheThresholdIsCheckpointedInTheBackground() throws {
        let f = try Fixture(threshold: 100, limit: 100_000)
        let before = f.fileSize
        try f.write(pages: 300)
        f.checkpointer.waitUntilIdle()
        #expect(f.checkpointer.passes >= 1)
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
        #expect(f.checkpointer.passes == 0)
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
        #expect(f.checkpointer.passes == 0)
        try f.close()
    }

    @Test func aCommitDuringABackgroundPassGetsAnotherOne() throws {
        // The first pass is held until a second commit has asked for one.
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let first = Mutex(true)
        let f = try Fixture(threshold: 50, limit: 100_000) {
            guard first.withLock({ let was = $0; $0 = false; return was }) else { return }
            entered.signal()
            release.wait()
        }
        try f.write(pages: 60)
        entered.wait()
        try f.write(pages: 60)
        release.signal()
        f.checkpointer.waitUntilIdle()
        // The held pass copied both commits (nothing left, so one checkpoint call); the
        // second commit's request ran one more.
        #expect(f.checkpointer.passes == 2)
        #expect(f.fileSize >= 120 * 4000)
        try f.close()
    }

    @Test func theStoreInstallsItOnItsWriterAndLetsGoWhenClosed() throws {
        let dir = try TemporaryDirectory()
        let store = try ServerStore(path: dir.file("store.sqlite"), create: true)
        #expect(store.checkpointer.isInstalled)
        try store.close()
        #expect(!store.checkpointer.isInstalled)
    }

    @Test func aClosedStoreHoldsEverythingInItsFile() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("store.sqlite")
        let store = try ServerStore(path: path, create: true)
        let ca = try CertificateAuthority.create(name: "Test CA")
        _ = try store.addUser(name: "Dupont", staff: .EUMS, role: .editor,
                              certificatePEM: try ca.issueUserCertificate(name: "Dupont", staff: .EUMS).certificate)
        _ = try await store.maxSeq()  // a reader connection is open, and closes last
        try store.close()
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int
        #expect(wal == nil || wal == 0, "WAL left with \(wal ?? 0) bytes")
        let reopened = try ServerStore(path: path)
        #expect(try reopened.users().map(\.name) == ["Dupont"])
        try reopened.close()
    }
}
