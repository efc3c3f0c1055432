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
            // Owner-only, like the bundles: it holds the whole plan.
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let copy = try ServerStore(path: file)
            #expect(try copy.contentDigest() == (try f.digest))
            #expect(copy.storeId == f.server.store.storeId)
            #expect(try copy.check().isEmpty)
            try copy.close()

            // Restore into a second, stopped data folder holding the server's keys: same
            // content, new store id.
            let other = try ServerHome.initialize(at: f.server.directory.file("other"))
            try adoptKeys(of: f.server.home, into: other)
            let newId = try other.restore(from: file).storeId
            let restored = try other.openStore()
            defer { try? restored.close() }
            #expect(restored.storeId == newId && newId != f.server.store.storeId)
            #expect(try restored.contentDigest() == (try f.digest))
            #expect(try restored.users().map(\.name).sorted() == ["anna", "bert", "ivan", "vera"])
        }
    }

    /// The second tester: after a lost disk (the keys put back, no store) `restore` sent the
    /// administrator to `init`, which refused the folder; over a store file that is no
    /// database it blamed the good backup. Both now restore; the bad file is kept aside.
    @Test func restoreRebuildsALostOrGarbledStore() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            let file = f.server.directory.file("backup.sqlite")
            try f.server.store.backup(to: file)
            let digest = try f.digest
            // The server's own keys, as kept apart from the store (operations.md).
            let source = f.server.home
            let keys = [source.caCertificatePath, source.caKeyPath, source.serverCertificatePath, source.serverKeyPath]
            for (name, garbage) in [("lost", nil), ("garbled", Data(repeating: 0x5a, count: 65536))] as [(String, Data?)] {
                let home = ServerHome(directory: f.server.directory.file(name))
                try FileManager.default.createDirectory(atPath: home.directory, withIntermediateDirectories: true)
                for key in keys {
                    try FileManager.default.copyItem(atPath: key, toPath: home.directory + "/" + (key as NSString).lastPathComponent)
                }
                if let garbage { #expect(FileManager.default.createFile(atPath: home.storePath, contents: garbage)) }
                let restored = try home.restore(from: file)
                let mode = try FileManager.default.attributesOfItem(atPath: home.storePath)[.posixPermissions] as? Int
                #expect(mode == 0o600, "the restored store is its owner's only, as a new one (\(name))")
                let store = try home.openStore()
                #expect(store.storeId == restored.storeId)
                #expect(try store.contentDigest() == digest)
                #expect(try store.check().isEmpty)
                try store.close()
                if let garbage {
                    let aside = try #require(restored.damagedStoreKeptAt)
                    #expect(FileManager.default.contents(atPath: aside) == garbage, "the bad file is kept, as it was")
                } else {
                    #expect(restored.damagedStoreKeptAt == nil)
                }
            }
            // A store lost but its write-ahead log left behind (review): the log is kept
            // aside, not read into the restored store (it would bring the old store id back).
            let orphan = ServerHome(directory: f.server.directory.file("orphan"))
            try FileManager.default.createDirectory(atPath: orphan.directory, withIntermediateDirectories: true)
            for key in keys {
                try FileManager.default.copyItem(atPath: key, toPath: orphan.directory + "/" + (key as NSString).lastPathComponent)
            }
            let old = try ServerHome.initialize(at: f.server.directory.file("old"))
            let oldStore = try old.openStore()
            let oldId = oldStore.storeId
            // A writer that never checkpointed: copy its WAL while it is open.
            try await oldStore.pool.write { db in try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('x', 'y')") }
            if FileManager.default.fileExists(atPath: old.storePath + "-wal") {
                try FileManager.default.copyItem(atPath: old.storePath + "-wal", toPath: orphan.storePath + "-wal")
            }
            try oldStore.close()
            let restored = try orphan.restore(from: file)
            let store = try orphan.openStore()
            #expect(store.storeId == restored.storeId && store.storeId != oldId)
            #expect(try store.contentDigest() == digest)
            try store.close()
            // A folder without the keys is still refused, saying what to do.
            let empty = ServerHome(directory: f.server.directory.file("empty"))
            let refused = #expect(throws: WorkPlanError.self) { try empty.restore(from: file) }
            #expect(refused?.message.contains("put back the folder's .pem files") == true)
        }
    }

    @Test func restoreRefusesWhileTheFolderIsServedAndChangesNothing() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            let file = f.server.directory.file("backup.sqlite")
            try f.server.store.backup(to: file)
            let home = try ServerHome.initialize(at: f.server.directory.file("served"))
            try adoptKeys(of: f.server.home, into: home)
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
            let restoredId = try home.restore(from: file).storeId
            #expect(restoredId != storeId)
            #expect(!FileManager.default.fileExists(atPath: home.storePath + ".restoring"))
            let restored = try home.openStore()
            let newest = try await restored.maxSeq()
            #expect(restored.storeId == restoredId && restored.restorePoint == newest)
            #expect(try restored.check().isEmpty)
            #expect(try restored.contentDigest() == (try f.digest))

            // The third review: more on the restored store, backed up and restored again.
            // Past the first point, the stores before and after that restore numbered other
            // changes: the point stays the first one, or a replica recovering from the
            // store before lost its edits numbered in between.
            _ = try await restored.push(PushRequest(batchId: RecordID.random(), ops: [
                PlanFixtures.createArea("Medical Cooperation"),
            ]), user: Identity(name: "anna", staff: .EUMS, role: .editor))
            let again = f.server.directory.file("again.backup")
            try restored.backup(to: again)
            #expect(try await restored.maxSeq() > newest)
            try restored.close()
            _ = try home.restore(from: again)
            let twice = try home.openStore()
            #expect(twice.restorePoint == newest)
            try twice.close()
        }
    }

    /// The lock goes when `serve` lets go of it, even while a copy of its open file lives on:
    /// a child process forked by another thread holds one until it execs (the rare failure
    /// of the test above, when other tests started processes). The copy is made with `dup`.
    @Test func aReleasedLockIsFreeWhileACopyOfItsFileIsStillOpen() throws {
        let dir = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: dir.file("served"))
        let copy: Int32
        do {
            let lock = try home.lock(for: "serve it")
            copy = try #require(try Self.duplicateOpenFile(home.lockPath))
            withExtendedLifetime(lock) {}
        }
        defer { close(copy) }
        let again = try home.lock(for: "serve it again")
        withExtendedLifetime(again) {}
    }

    /// A second descriptor of this process's open file at `path`, as `fork` would leave in a child.
    static func duplicateOpenFile(_ path: String) throws -> Int32? {
        var file = stat()
        guard stat(path, &file) == 0 else { return nil }
        for name in try FileManager.default.contentsOfDirectory(atPath: "/dev/fd") {
            var open = stat()
            guard let fd = Int32(name), fstat(fd, &open) == 0,
                  open.st_dev == file.st_dev, open.st_ino == file.st_ino else { continue }
            return dup(fd)
        }
        return nil
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

    @Test func backupIntoAMissingFolderSaysTheFolderDoesNotExist() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("home"))
        let store = try home.openStore()
        defer { try? store.close() }
        let missing = (tmp.file("missing") as NSString).standardizingPath  // as the message prints it
        let target = missing + "/x.bak"
        let error = #expect(throws: WorkPlanError.self) { try store.backup(to: target) }
        #expect(error?.message == "cannot write the backup to \(target): the folder \(missing) does not exist")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    /// Each bad backup gets its problem in words, not an SQLite error, and the store stays
    /// exactly as it was.
    @Test func restoreFromWhatIsNotAWholeBackupSaysWhyAndChangesNothing() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("home"))
        let store = try home.openStore()
        let storeId = store.storeId
        let backup = tmp.file("good.sqlite")
        try store.backup(to: backup)
        try store.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: home.storePath))

        let notJSON = tmp.file("notjson.txt")
        try "not a backup\n".write(toFile: notJSON, atomically: true, encoding: .utf8)
        let folder = tmp.file("a-folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let truncated = tmp.file("truncated.sqlite")
        let whole = try Data(contentsOf: URL(fileURLWithPath: backup))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: truncated))

        let cases: [(path: String, message: String)] = [
            (notJSON, "\(notJSON) is not a WorkPlan server backup"),
            (folder, "\(folder) is a folder, not a backup file"),
            (truncated, "\(truncated) is a damaged or incomplete backup; nothing was restored (use another backup)"),
            ("", "the backup file's path is empty"),
        ]
        for c in cases {
            let error = #expect(throws: WorkPlanError.self) { try home.restore(from: c.path) }
            #expect(error?.message == c.message)
            #expect(try Data(contentsOf: URL(fileURLWithPath: home.storePath)) == before, "\(c.path)")
            #expect(!FileManager.default.fileExists(atPath: home.storePath + ".restoring"))
        }
        let unchanged = try home.openStore()
        #expect(unchanged.storeId == storeId)
        try unchanged.close()
    }

    /// The black-box tester: `restore --from SRV/store.sqlite` (the live store, under any
    /// name) exited 0 and gave the store a new id for nothing. It is refused; nothing changes.
    @Test func restoreFromTheStoreItselfIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("home"))
        let before = try home.openStore()
        let storeId = before.storeId
        try before.close()
        try FileManager.default.createSymbolicLink(atPath: tmp.file("link.sqlite"), withDestinationPath: home.storePath)
        try FileManager.default.linkItem(atPath: home.storePath, toPath: tmp.file("hard.sqlite"))
        for path in [home.storePath, home.directory + "/./store.sqlite", tmp.file("link.sqlite"), tmp.file("hard.sqlite")] {
            let error = #expect(throws: WorkPlanError.self) { try home.restore(from: path) }
            #expect(error?.message == "\(path) is the store itself; restore from a backup file")
        }
        let store = try home.openStore()
        #expect(store.storeId == storeId)
        try store.close()
    }

    /// The operations tester: `restore` of another server's backup said "restored", and
    /// then every officer of this server was refused as unknown (the users were the other
    /// server's, their certificates from its CA). Refused, naming why; nothing changes.
    /// Closing a store twice (a `defer` after an explicit close) crashed the process in SQLite.
    @Test func closingAStoreTwiceIsHarmless() throws {
        let tmp = try TemporaryDirectory()
        let store = try ServerStore(path: tmp.file("store.sqlite"), create: true)
        try store.close()
        try store.close()
    }

    @Test func aBackupOfAnotherServerIsRefusedAndChangesNothing() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            let file = f.server.directory.file("backup.sqlite")
            try f.server.store.backup(to: file)
            let home = try ServerHome.initialize(at: f.server.directory.file("another"))
            let before = try home.openStore()
            let (storeId, digest) = (before.storeId, try before.contentDigest())
            try before.close()
            let refused = #expect(throws: WorkPlanError.self) { try home.restore(from: file) }
            #expect(refused?.code == .invalidInput)
            #expect(refused?.message.contains("is a backup of another server: it was made by a server with another CA than this one (\(home.caCertificatePath)); nothing was changed") == true,
                    "\(refused?.message ?? "")")
            // A backup of a store made before stores were marked with their CA goes by its
            // users' certificates.
            let unmarked = f.server.directory.file("unmarked.sqlite")
            try FileManager.default.copyItem(atPath: file, toPath: unmarked)
            try await DatabaseQueue(path: unmarked).write { try $0.execute(sql: "DELETE FROM meta WHERE key = 'ca_certificate'") }
            let refusedByUsers = #expect(throws: WorkPlanError.self) { try home.restore(from: unmarked) }
            #expect(refusedByUsers?.message.contains("is a backup of another server: this server's CA (\(home.caCertificatePath)) did not issue the certificates of 4 of its 4 users (anna first); nothing was changed") == true,
                    "\(refusedByUsers?.message ?? "")")
            do {
                let after = try home.openStore()
                defer { try? after.close() }
                let afterDigest = try after.contentDigest()
                #expect(after.storeId == storeId && afterDigest == digest)
            }

            // The review: when that server's keys are lost, its plan must still be
            // restorable into a new server. With --keys-lost its users come back revoked,
            // to be enrolled again; the plan is whole.
            let restored = try home.restore(from: file, keysLost: true)
            #expect(restored.revokedForOtherCA == ["anna", "bert", "ivan", "vera"])
            // The review: a backup of this server made then (every user still revoked),
            // restored, listed them as revoked again.
            let taken = f.server.directory.file("taken-over.backup")
            do {
                let store = try home.openStore()
                defer { try? store.close() }
                try store.backup(to: taken)
            }
            #expect(try home.restore(from: taken).revokedForOtherCA.isEmpty)
            let store = try home.openStore()
            defer { try? store.close() }
            #expect(try store.users().allSatisfy(\.isRevoked))
            #expect(try store.check().isEmpty)
            let records = try await f.server.store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM records") }
            let restoredRecords = try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM records") }
            #expect(restoredRecords == records && records != nil)
            _ = try home.enrol(name: "anna", staff: .EUMS, role: .editor, serverURL: "https://localhost:8443", store: store)
            #expect(try store.users().first { $0.name == "anna" }?.isRevoked == false, "enrolled again by this server's CA")

            // The second review: a backup of this server made then (the others still revoked,
            // with the lost CA's certificates) was refused as another server's.
            let own = f.server.directory.file("own.backup")
            try store.backup(to: own)
            try store.close()
            let again = try home.restore(from: own)
            #expect(again.revokedForOtherCA.isEmpty)
        }
    }

    /// The docs tester: a backup of a server with no users yet (a fresh `init`) passed for
    /// this server's, and restoring it replaced this server's plan and its users.
    @Test func aBackupOfAnotherServerWithNoUsersIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("a"))
        let other = try ServerHome.initialize(at: tmp.file("b"))
        let emptyOwn = tmp.file("a-empty.backup")
        do {
            let store = try home.openStore()
            defer { try? store.close() }
            try store.backup(to: emptyOwn)
            _ = try home.enrol(name: "anna", staff: .EUMS, role: .editor, serverURL: "https://localhost:8443", store: store)
        }
        let theirs = tmp.file("b.backup")
        do {
            let store = try other.openStore()
            defer { try? store.close() }
            try store.backup(to: theirs)
        }
        let before = try home.openStore()
        let (storeId, digest) = (before.storeId, try before.contentDigest())
        try before.close()

        let refused = #expect(throws: WorkPlanError.self) { try home.restore(from: theirs) }
        #expect(refused?.code == .invalidInput)
        #expect(refused?.message.contains("is a backup of another server: it was made by a server with another CA") == true, "\(refused?.message ?? "")")
        do {
            let after = try home.openStore()
            defer { try? after.close() }
            let afterDigest = try after.contentDigest()
            #expect(after.storeId == storeId && afterDigest == digest)
            #expect(try after.users().map(\.name) == ["anna"])
        }
        // This server's own backup from before it had users restores.
        _ = try home.restore(from: emptyOwn)
    }

    /// A store made before stores were marked with their CA is marked when a command opens it.
    @Test func anUnmarkedStoreIsMarkedWhenOpened() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("a"))
        let mark = { (store: ServerStore) in
            try store.pool.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'ca_certificate'") }
        }
        do {
            let store = try home.openStore()
            defer { try? store.close() }
            #expect(try mark(store) == String(contentsOfFile: home.caCertificatePath, encoding: .utf8))
            try store.pool.write { try $0.execute(sql: "DELETE FROM meta WHERE key = 'ca_certificate'") }
            #expect(try mark(store) == nil)
        }
        let store = try home.openStore()
        defer { try? store.close() }
        #expect(try mark(store) == String(contentsOfFile: home.caCertificatePath, encoding: .utf8))
    }
}

/// Puts `source`'s keys (its four .pem files) in `home`, as an administrator rebuilding a
/// server's folder copies them back: a restore there is a restore of that server.
func adoptKeys(of source: ServerHome, into home: ServerHome) throws {
    for (from, to) in zip([source.caCertificatePath, source.caKeyPath, source.serverCertificatePath, source.serverKeyPath],
                          [home.caCertificatePath, home.caKeyPath, home.serverCertificatePath, home.serverKeyPath]) {
        try FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }
}
