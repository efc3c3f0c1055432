import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

@Suite("Backup, restore and check")
struct BackupTests {
    @Test func backupWhileServingIsAConsistentCopyAndRestoreChangesTheStoreId() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            try await push(f.ims, [PlanFixtures.set(task, "owner", .text("Ivan"), baseRev: rev)])
            let file = f.server.directory.file("backup.sqlite")
            try f.server.store.backup(to: file)
            #expect(throws: WorkPlanError.self) { try f.server.store.backup(to: file) }

            let copy = try ServerStore(path: file)
            #expect(try copy.contentDigest() == (try f.digest))
            #expect(copy.storeId == f.server.store.storeId)
            #expect(try copy.check().isEmpty)
            try copy.close()

            // Restore into a second, stopped data folder: same content, new store id.
            let other = try ServerHome.initialize(at: f.server.directory.file("other"))
            let newId = try other.restore(from: file)
            let restored = try other.openStore()
            defer { try? restored.close() }
            #expect(restored.storeId == newId && newId != f.server.store.storeId)
            #expect(try restored.contentDigest() == (try f.digest))
            #expect(try restored.users().map(\.name).sorted() == ["anna", "bert", "ivan", "vera"])
        }
    }

    @Test func restoreRefusesWhileTheFolderIsServedAndChangesNothing() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            let file = f.server.directory.file("backup.sqlite")
            try f.server.store.backup(to: file)
            let home = try ServerHome.initialize(at: f.server.directory.file("served"))
            let before = try home.openStore()
            let storeId = before.storeId
            try before.close()

            do {
                // What `serve` holds while it serves.
                let serving = try home.lock(for: "serve it again")
                let refused = #expect(throws: WorkPlanError.self) { try home.restore(from: file) }
                #expect(refused?.code == .unavailable)
                #expect(refused?.message.contains("stop it") == true)
                // A second server on the same folder is refused the same way.
                #expect(throws: WorkPlanError.self) { try home.lock(for: "serve it again") }
                let unchanged = try home.openStore()
                #expect(unchanged.storeId == storeId)
                #expect(try unchanged.contentDigest() != (try f.digest))
                try unchanged.close()
                withExtendedLifetime(serving) {}
            }
            // Once the server has stopped (its lock goes with it), the restore goes ahead: the
            // copy is made beside the store and renamed over it, nothing left behind.
            let restoredId = try home.restore(from: file)
            #expect(restoredId != storeId)
            #expect(!FileManager.default.fileExists(atPath: home.storePath + ".restoring"))
            let restored = try home.openStore()
            let newest = try await restored.maxSeq()
            #expect(restored.storeId == restoredId && restored.restorePoint == newest)
            #expect(try restored.check().isEmpty)
            #expect(try restored.contentDigest() == (try f.digest))
            try restored.close()
        }
    }

    @Test func checkFindsAGapInTheSequence() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            #expect(try f.server.store.check().isEmpty)
            try await f.server.store.pool.write { db in try db.execute(sql: "DELETE FROM changes WHERE seq = 1") }
            let faults = try f.server.store.check()
            #expect(faults.contains { $0.contains("gaps") })
        }
    }
}
