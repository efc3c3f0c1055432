import Foundation
import GRDB
import Testing
import WorkPlanTestSupport

/// A damaged replica file gives a clear error, and `workplan recover` keeps the officer's
/// unpushed edits (issue 7).
@Suite("Damaged replica")
struct DamagedReplicaTests {
    /// Zeroes the root page of one table: a real corruption of that table only.
    func corrupt(table: String, in dir: String) throws {
        let path = dir + "/replica.sqlite"
        let (root, pageSize): (Int, Int) = try {
            let q = try DatabaseQueue(path: path)
            defer { try? q.close() }
            return try q.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                return (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = ?", arguments: [table])!,
                        try Int.fetchOne(db, sql: "PRAGMA page_size")!)
            }
        }()
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seek(toOffset: UInt64((root - 1) * pageSize))
        h.write(Data(repeating: 0xA5, count: pageSize))
        try h.close()
    }

    @Test func recoverKeepsUnpushedEditsOfADamagedReplica() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.ims.ok("edit", t, "--status", "blocked", "--owner", "Cdr. K. Jansen")
        try s.ims.ok("note", t, "Written just before the disk failed")
        try corrupt(table: "task", in: s.ims.dir)

        let broken = try s.ims.run("list")
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("damaged") && broken.stderr.contains("workplan recover"), "\(broken.stderr)")
        #expect(!broken.stderr.contains("Fatal error"))

        let recovered = try s.ims.run("recover")
        #expect(recovered.status == 0, "\(recovered)")
        #expect(recovered.stdout.contains("kept 3 unpushed edits"), "\(recovered.stdout)")
        try s.converge()
        for o in [s.eums, s.ims] {
            let task = try o.json(TaskJSON.self, "show", t)
            #expect(task.status == "blocked")
            #expect(task.owner == "Cdr. K. Jansen")
            #expect(task.notes?.map(\.text) == ["Written just before the disk failed"])
        }
        let kept = try FileManager.default.contentsOfDirectory(atPath: s.ims.dir).filter { $0.contains("damaged") }
        #expect(!kept.isEmpty, "the damaged file is kept for manual recovery")
    }

    /// An officer who joined with `--server` (the bundle's URL was wrong) and then lost the
    /// replica file: `recover` keeps the URL in use, and the next sync reaches the server.
    @Test func recoverKeepsTheServerURLGivenAtJoin() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.child("server").path)
        let bundle = try server.enrol("Col. A. Dupont", staff: "EUMS", in: tmp)   // names https://localhost:8443
        try server.start()
        let o = Officer(dir: tmp.child("eums").path)
        try o.ok("join", bundle, "--server", server.url)
        try o.ok("area", "add", "Military Mobility")
        try o.ok("sync")
        try Data("the disk failed here".utf8).write(to: tmp.child("eums/replica.sqlite"))
        try? FileManager.default.removeItem(atPath: tmp.child("eums/replica.sqlite-wal").path)
        try? FileManager.default.removeItem(atPath: tmp.child("eums/replica.sqlite-shm").path)
        #expect(try o.run("recover").status == 0)
        let sync = try o.run("sync")
        #expect(sync.status == 0, "\(sync)")
        #expect(try o.ok("area", "list").contains("Military Mobility"), "the plan came back from the server")
    }

    /// A replica of 41 edits that `recover --force` moved aside (its file's name returned),
    /// with a fresh one in its place.
    static func replicaMovedAside(_ tmp: TemporaryDirectory) throws -> (Officer, String) {
        let o = Officer(dir: tmp.child("r").path)
        try o.ok("init", "--staff", "EUMS", "--user", "Col. Dupont")
        try o.ok("area", "add", "Military Mobility")
        for i in 0..<40 { try o.ok("add", "Task \(i) of the plan that grows the file", "--area", "military mobility") }
        try o.ok("recover", "--force")
        let aside = try #require(try FileManager.default.contentsOfDirectory(atPath: o.dir).first { $0.hasPrefix("replica.sqlite.damaged-") && $0.hasSuffix("Z") })
        return (o, aside)
    }

    /// The replica's write-ahead log stays between commands (`ReusedWAL`). Putting back by
    /// hand a replica file that `recover --force` moved aside must not let SQLite read the
    /// new replica's log into it: the command refuses, says what to do, and the file is
    /// untouched; `recover` then keeps its edits.
    @Test func aReplicaFilePutBackByHandIsRefusedNotDestroyed() throws {
        let tmp = try TemporaryDirectory()
        let (o, aside) = try Self.replicaMovedAside(tmp)
        try FileManager.default.removeItem(atPath: o.dir + "/replica.sqlite")
        try FileManager.default.moveItem(atPath: o.dir + "/" + aside, toPath: o.dir + "/replica.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: o.dir + "/replica.sqlite"))

        let refused = try o.run("list")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("does not match the write-ahead log") && refused.stderr.contains("delete replica.sqlite-wal"), "\(refused.stderr)")
        // Third tester: a file cut short by damage meets the same check; the way out is named too.
        #expect(refused.stderr.contains("run 'workplan recover'"), "\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: o.dir + "/replica.sqlite")) == before, "the file put back is untouched")
        // Reviewer: `init` asked whether the replica was unfinished by opening it, which read
        // the other file's log into it and cut it short.
        let again = try o.run("init", "--staff", "EUMS", "--user", "Col. Dupont")
        #expect(again.status != 0 && again.stderr.contains("a replica already exists"), "\(again)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: o.dir + "/replica.sqlite")) == before, "the file put back is untouched")

        // recover reads it as it is (the other file's log moved out of the way) and keeps its edits.
        let recovered = try o.run("recover")
        #expect(recovered.status == 0, "\(recovered)")
        #expect(recovered.stdout.contains("kept 41 unpushed edits"), "\(recovered.stdout)")
    }

    /// The filesystem tester: with `replica.sqlite` a symbolic link, SQLite keeps the log
    /// beside the file the link points at, and the check above looked beside the link; a
    /// file put back where the link points was read into and cut short.
    @Test func aFilePutBackBehindASymbolicLinkIsRefusedToo() throws {
        let tmp = try TemporaryDirectory()
        let (o, aside) = try Self.replicaMovedAside(tmp)
        let volume = tmp.child("volume").path
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: o.dir + "/replica.sqlite" + suffix) {
            try FileManager.default.moveItem(atPath: o.dir + "/replica.sqlite" + suffix, toPath: volume + "/real.sqlite" + suffix)
        }
        try FileManager.default.createSymbolicLink(atPath: o.dir + "/replica.sqlite", withDestinationPath: volume + "/real.sqlite")
        try o.ok("area", "add", "Medical Cooperation")
        #expect(FileManager.default.fileExists(atPath: volume + "/real.sqlite-wal"), "the log is beside the file linked to")

        try FileManager.default.removeItem(atPath: volume + "/real.sqlite")
        try FileManager.default.moveItem(atPath: o.dir + "/" + aside, toPath: volume + "/real.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: volume + "/real.sqlite"))
        let refused = try o.run("list")
        #expect(refused.status != 0 && refused.stderr.contains("does not match the write-ahead log"), "\(refused)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: volume + "/real.sqlite")) == before, "the file put back is untouched")
    }

    /// An `init` or `join` killed before the settings were written (the schema is made, the
    /// settings are not): running the command again finishes the replica.
    @Test func anUnfinishedReplicaIsFinishedByJoinOrInit() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.child("server").path)
        let bundle = try server.enrol("Col. A. Dupont", staff: "EUMS", in: tmp)
        try server.start()
        for command in [["join", bundle, "--server", server.url], ["init", "--staff", "EUMS", "--user", "Col. A. Dupont"]] {
            let o = Officer(dir: tmp.child("r-\(command[0])").path)
            try o.ok("init", "--staff", "EUMS", "--user", "Col. A. Dupont")
            let q = try DatabaseQueue(path: o.dir + "/replica.sqlite")
            try q.write { try $0.execute(sql: "DELETE FROM setting") }
            try q.close()
            let stopped = try o.run("status")
            #expect(stopped.status != 0 && stopped.stderr.contains("run that command again to finish it"), "\(stopped)")
            let finished = try o.run(command)
            #expect(finished.status == 0, "\(command[0]): \(finished)")
            #expect(try o.run("status").status == 0)
        }
        #expect(try Officer(dir: tmp.child("r-join").path).ok("sync").contains("synced"))
    }

    @Test func aFileThatIsNotSQLiteIsAClearError() throws {
        let tmp = try TemporaryDirectory()
        let o = Officer(dir: tmp.child("r").path)
        try o.ok("init", "--staff", "EUMS", "--user", "Col. Dupont")
        try Data("this is not a database, just text that replaced it".utf8).write(to: tmp.child("r/replica.sqlite"))
        try? FileManager.default.removeItem(atPath: tmp.child("r/replica.sqlite-wal").path)
        try? FileManager.default.removeItem(atPath: tmp.child("r/replica.sqlite-shm").path)
        let r = try o.run("status")
        #expect(r.status != 0)
        #expect(r.stderr.contains("damaged") && r.stderr.contains("workplan recover"), "\(r.stderr)")
        let rec = try o.run("recover", "--staff", "EUMS", "--user", "Col. Dupont")
        #expect(rec.status == 0, "\(rec)")
        #expect(rec.stdout.contains("could not be read"), "\(rec.stdout)")
        #expect(try o.run("status").status == 0, "a working, empty replica again")
    }
}
