import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanSQLite
import WorkPlanTestSupport
@testable import WorkPlanClient

@Suite("Recover: the damaged file is moved aside, never over another")
struct SalvageTests {
    @Test func recoveringTwiceInOneSecondKeepsEveryCopy() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        do {
            let r = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
            _ = try r.createRecord(.area, fields: ["name": .text("Military Mobility")])
        }
        // Copies moved aside earlier under the names of this second and the next three.
        let now = Clock.now()
        var earlier: [String] = []
        for second in 0..<4 {
            let name = Replica.freeAsideName(in: folder, at: now + Timestamp(second * 1000)).path
            try Data("earlier copy".utf8).write(to: URL(fileURLWithPath: name))
            earlier.append(name)
        }
        let first = try Replica.salvage(folder: folder, force: true)
        let second = try Replica.salvage(folder: folder, force: true)
        #expect(first.damagedCopy != second.damagedCopy)
        #expect(!earlier.contains(first.damagedCopy) && !earlier.contains(second.damagedCopy))
        #expect(first.damagedCopy.hasSuffix("-2"), "\(first.damagedCopy)")
        for name in earlier { #expect(try String(contentsOfFile: name, encoding: .utf8) == "earlier copy") }
        #expect(first.savedEdits == 1 && second.savedEdits == 1)
        #expect(try Replica.open(in: folder).pendingCount() == 1)
    }

    /// The filesystem tester: `recover` on a full disk moved a healthy replica aside (it
    /// could not be read, so it counted as damaged), then could not make the fresh one, and
    /// the officer's unpushed edits left the view. A failure while the fresh replica is made
    /// now puts everything back (forced here by a file that makes `create` refuse the folder).
    @Test func aRecoveryThatFailsMidwayPutsTheFileBack() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        do {
            let r = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
            _ = try r.createRecord(.area, fields: ["name": .text("Military Mobility")])
        }
        try Data().write(to: folder.appendingPathComponent("store.sqlite"))
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let file = try Data(contentsOf: Replica.databaseURL(in: folder))
        #expect(throws: WorkPlanError.self) { try Replica.salvage(folder: folder, force: true) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before)
        #expect(try Data(contentsOf: Replica.databaseURL(in: folder)) == file)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("store.sqlite"))
        #expect(try Replica.open(in: folder).pendingCount() == 1)
    }

    /// What a full disk or an I/O error is called: not a damaged file (the filesystem tester).
    @Test func aFullDiskIsSaidSo() throws {
        let tmp = try TemporaryDirectory()
        let path = tmp.child("replica/replica.sqlite").path
        let full = try #require(StorageTrouble.words(DatabaseError(resultCode: .SQLITE_FULL), path: path))
        #expect(full.hasPrefix("the disk that holds \(path) is full (") && full.hasSuffix(" free)"), "\(full)")
        let io = try #require(StorageTrouble.words(DatabaseError(resultCode: .SQLITE_IOERR), path: path))
        #expect(io.hasPrefix("disk I/O error on \(path) (") || io.hasPrefix("the disk that holds"), "\(io)")
        #expect(StorageTrouble.words(DatabaseError(resultCode: .SQLITE_CORRUPT), path: path) == nil)
        #expect(StorageTrouble.freeBytes(near: path).map { $0 > 0 } == true, "the nearest folder that exists")
        #expect([0: "0 bytes", 2048: "2 KB", 3 << 20: "3.0 MB", 5 << 30: "5.0 GB"].allSatisfy { StorageTrouble.size(Int64($0.key)) == $0.value })
        // A replica that reads well is intact; one that is not a database is damaged.
        withExtendedLifetime(try Replica.create(in: tmp.child("ok"), staff: .EUMS, user: "Col. Dupont")) {}
        #expect(Replica.integrity(folder: tmp.child("ok")) == .intact)
        try FileManager.default.createDirectory(at: tmp.child("bad"), withIntermediateDirectories: true)
        try Data(repeating: 0x5a, count: 8192).write(to: Replica.databaseURL(in: tmp.child("bad")))
        #expect(Replica.integrity(folder: tmp.child("bad")) == .damaged)
    }

    /// Reviewer: when nothing said whose the damaged replica was, `recover` had already moved
    /// it aside, and the same command with --staff and --user then found no replica.
    @Test func notKnowingWhoseItWasChangesNothing() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        withExtendedLifetime(try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")) {}
        let file = Replica.databaseURL(in: folder).path
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        let damaged = Data(repeating: 0x5a, count: 8192)
        try damaged.write(to: URL(fileURLWithPath: file))

        let refused = #expect(throws: WorkPlanError.self) { try Replica.salvage(folder: folder) }
        #expect(refused?.message.contains("give --staff and --user") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [Replica.fileName])
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == damaged)
        let report = try Replica.salvage(folder: folder, staff: .EUMS, user: "Col. Dupont")
        #expect(report.pendingUnreadable && FileManager.default.fileExists(atPath: report.damagedCopy))
    }

    /// The bad-input tester: a replica cut short (its log beside it) that does not say whose
    /// it was: each refused `recover` left a new `...damaged-<time>-wal` and `-shm` behind.
    @Test func aRefusedRecoveryLeavesNoFilesBehind() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        do {
            let replica = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
            let area = try replica.createRecord(.area, fields: ["name": .text("Military Mobility")])
            for i in 0..<50 { _ = try replica.createRecord(.task, fields: taskFields(area, title: "Task \(i)")) }
        }
        let file = Replica.databaseURL(in: folder).path
        try FileHandle(forWritingAtPath: file)!.truncate(atOffset: 4096 * 3)
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        for _ in 0..<2 {
            let refused = #expect(throws: WorkPlanError.self) { try Replica.salvage(folder: folder) }
            #expect(refused?.message.contains("give --staff and --user") == true, "\(String(describing: refused))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before)
        }
    }

    /// Tester, 2026-11-30: with the settings unreadable, the server URL was not taken from the
    /// enrolment bundle kept in the folder, so `status` called the recovered replica offline.
    @Test func aReplicaWhoseSettingsAreLostTakesItsServerFromTheBundle() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        withExtendedLifetime(try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")) {}
        let bundle = EnrolmentBundle(user: "Col. Dupont", staff: .EUMS, role: .editor, serverURL: "https://127.0.0.1:7443",
                                     certificate: "cert", key: "key", ca: "ca")
        try JSONEncoder().encode(bundle).write(to: folder.appendingPathComponent(Replica.bundleFileName))
        let file = Replica.databaseURL(in: folder).path
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: file))

        let report = try Replica.salvage(folder: folder)
        #expect(report.enrolled && report.pendingUnreadable)
        let recovered = try Replica.open(in: folder).currentSettings()
        #expect(recovered.serverURL == "https://127.0.0.1:7443")
        #expect(recovered.user == "Col. Dupont" && recovered.staff == .EUMS)
    }

    /// The review: `recover --force` during an unfinished recovery (after a server restore)
    /// copied the settings and the pending log, which the recovery had emptied, and not the
    /// plan it held: the officer's work was gone. The plan comes along.
    @Test func anUnfinishedRecoverysPlanIsKept() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        let before = try replicaInAnUnfinishedRecovery(at: folder) { _ in }
        _ = try Replica.salvage(folder: folder, force: true)
        let r = try Replica.open(in: folder)
        #expect(try r.unfinishedRecoveryRecords() == 1)
        #expect(try r.exportPlan() == before)
    }

    /// The second review: a replica of the release before keeps an unfinished recovery's
    /// plan among its settings; damaged, it is never opened (so never migrated), and
    /// `recover` found no plan: the officer's work was gone with no word.
    @Test func anUnfinishedRecoverysPlanIsKeptFromAnOlderReplica() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        let before = try replicaInAnUnfinishedRecovery(at: folder) { r in
            // The older layout: the plan as a setting, no table of its own.
            try r.db.write { db in
                try db.execute(sql: "INSERT INTO setting (key, value) SELECT 'recovery_plan', plan FROM recovery")
                try db.execute(sql: "DROP TABLE recovery")
            }
        }
        _ = try Replica.salvage(folder: folder, force: true)
        let r = try Replica.open(in: folder)
        #expect(try r.unfinishedRecoveryRecords() == 1)
        #expect(try r.exportPlan() == before)
    }

    /// A replica at `folder` holding one area, whose recovery began (after a server restore)
    /// and did not finish; `then` runs on it before it closes. Returns its plan before.
    private func replicaInAnUnfinishedRecovery(at folder: URL, then: (Replica) throws -> Void) throws -> PlanExport {
        let r = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
        _ = try r.createRecord(.area, fields: ["name": .text("Military Mobility")])
        let before = try r.exportPlan()
        try r.beginRecovery(newStoreId: "restored")
        try then(r)
        return before
    }
}
