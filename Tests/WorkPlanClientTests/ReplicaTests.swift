import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanSQLite
import WorkPlanTestSupport
@testable import WorkPlanClient

/// A fresh replica in a temporary folder, with one area.
func makeReplica(staff: Staff = .EUMS, user: String = "Col. Dupont") throws -> (Replica, TemporaryDirectory, String) {
    let tmp = try TemporaryDirectory()
    let replica = try Replica.create(in: tmp.child("replica"), staff: staff, user: user)
    let area = try replica.createRecord(.area, fields: ["name": .text("Military Mobility")])
    return (replica, tmp, area)
}

func taskFields(_ area: String, title: String = "Harmonise movement permissions") -> [String: FieldValue] {
    ["title": .text(title), "area": .text(area), "lead": .text("EUMS"), "status": .text("open"),
     "priority": .text("medium"), "releasable": .text("both")]
}

/// A fresh replica holding one task pulled from the server (created by IMS at seq 3), and
/// nothing pending.
func replicaWithPulledTask() throws -> (Replica, TemporaryDirectory, String) {
    let (r, tmp, area) = try makeReplica()
    let id = RecordID.random()
    _ = try r.applyPull(PullResponse(storeId: "s", changes: [
        Change(seq: 3, event: .change, record: id, kind: .task, action: .create, fields: taskFields(area), user: "a", staff: .IMS, at: 0),
    ], next: 3, more: false, maxSeq: 3))
    try r.db.write { try $0.execute(sql: "DELETE FROM pending") }
    return (r, tmp, id)
}

func pendingOps(_ r: Replica) throws -> [PlanOperation] {
    try r.db.read { try PendingLog.entries($0).map(\.op) }
}

@Suite("Replica")
struct ReplicaTests {
    /// The operations tester: `join` into a folder made beforehand (0755) left the replica
    /// 0644, readable by every local user. The replica file is its owner's only.
    @Test func aReplicaInAnExistingOpenFolderIsItsOwnersOnly() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("made-before")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let r = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
        _ = try r.createRecord(.area, fields: ["name": .text("Military Mobility")])
        for name in ["replica.sqlite", "replica.sqlite-wal", "replica.sqlite-shm"] {
            let path = folder.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
    }

    /// A replica whose files are open to others (made by an earlier release, or copied
    /// with a loose mode) is made its owner's only when a command opens it.
    @Test func anOpenReplicaIsTightenedWhenOpened() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("loose")
        do {
            let r = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
            _ = try r.createRecord(.area, fields: ["name": .text("Military Mobility")])
        }
        let names = ["replica.sqlite", "replica.sqlite-wal", "replica.sqlite-shm", "enrolment.json"]
        #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent("enrolment.json").path, contents: Data("{}".utf8)))
        for name in names {
            let path = folder.appendingPathComponent(name).path
            #expect(FileManager.default.fileExists(atPath: path), "\(name)")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        }
        let r = try Replica.open(in: folder)
        #expect(try r.areaNames().values.contains("Military Mobility"))
        for name in names {
            let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
    }

    @Test func migratesAnEmptyFile() throws {
        let tmp = try TemporaryDirectory()
        let path = tmp.child("empty.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let pool = try DatabasePool(path: path)
        try ReplicaSchema.migrator.migrate(pool)
        let tables = try pool.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for t in ["agenda_item", "area", "conference", "conflict", "history", "note", "pending", "setting", "task"] {
            #expect(tables.contains(t))
        }
        #expect(try pool.read { try ReplicaSchema.migrator.hasCompletedMigrations($0) })
    }

    /// A command that closes its replica leaves the WAL file for the next one, emptied: the
    /// replica file alone holds every edit (`ReusedWAL`).
    @Test func closingAReplicaKeepsItsWALButNothingOnlyInIt() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        var area = ""
        do {
            let r = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
            area = try r.createRecord(.area, fields: ["name": .text("Military Mobility")])
            for i in 0..<50 { _ = try r.createRecord(.task, fields: taskFields(area, title: "Task \(i)")) }
        }
        let db = Replica.databaseURL(in: folder).path
        let wal = try #require((try? FileManager.default.attributesOfItem(atPath: db + "-wal"))?[.size] as? Int64)
        #expect(wal > 4096, "the WAL file is kept at its size")
        // Started over: one frame counts (the marker row, already copied), not the edits'.
        #expect(ReusedWAL.frames(ofWAL: db + "-wal")?.headers.count == 1)
        #expect(ReusedWAL.mismatch(databasePath: db) == nil)
        // Copied alone, without its WAL, the replica file has every record.
        let copy = tmp.child("copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: db, toPath: Replica.databaseURL(in: copy).path)
        let alone = try Replica.open(in: copy)
        #expect(try alone.tasks().count == 50)
        #expect(try alone.pendingCount() == 51)
        // Opened again where it is, it also has them (the one frame left is already copied).
        #expect(try Replica.open(in: folder).tasks().count == 50)
    }

    /// An `init` killed after the schema but before the staff and user were recorded left a
    /// replica every command refused, `init` included ("a replica already exists").
    @Test func anInitStoppedBeforeItsSettingsIsFinishedByTheNextInit() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        withExtendedLifetime(try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")) {}
        let file = try DatabaseQueue(path: Replica.databaseURL(in: folder).path)
        try file.write { try $0.execute(sql: "DELETE FROM setting") }
        try file.close()
        let refused = #expect(throws: WorkPlanError.self) { try Replica.open(in: folder) }
        #expect(refused?.message.contains("run that command again to finish it") == true)
        let finished = try Replica.create(in: folder, staff: .IMS, user: "Maj. Smith")
        #expect(finished.settings.staff == .IMS && finished.settings.user == "Maj. Smith")
        // A finished replica is never made again.
        #expect(throws: WorkPlanError.self) { try Replica.create(in: folder, staff: .IMS, user: "Maj. Smith") }
    }

    /// Reviewer: `resolve 7` with no conference 7 settled the conflict of a task whose id
    /// starts with 7; an id needs 4 characters (CLI.md), and "07" is not conference 7.
    @Test func resolveTakesShortDigitsAsAConferenceOnly() throws {
        let (r, _, _) = try makeReplica()
        try r.db.write { db in
            let c = Conflict(id: "c1", record: "74830000-0000-4000-8000-000000000001", kind: .task, type: .edit, field: "status",
                             base: .text("open"), current: .text("blocked"), proposed: .text("done"), proposedBy: "Bob", staff: .EUMS,
                             at: 1, currentRev: 5)
            try db.execute(sql: "INSERT INTO conflict (id, record, field, body) VALUES (?, ?, ?, ?)", arguments: [c.id, c.record, c.field, JSONText.encode(c)])
        }
        let noConference = #expect(throws: WorkPlanError.self) { try r.resolve(record: "7", field: "status", with: .theirs) }
        #expect(noConference?.message == "no conference 7 (an id needs at least 4 characters)", "the bad-input tester: a 3-digit task prefix read as a conference said only \"no conference 568\"")
        let tooShort = #expect(throws: WorkPlanError.self) { try r.resolve(record: "07", field: "status", with: .theirs) }
        #expect(tooShort?.message.contains("at least 4 characters") == true)
        #expect(try r.conflicts().count == 1, "nothing settled")
    }

    /// Reviewer: a replica holding records or edits whose staff or user went missing is
    /// damaged, not unfinished: it is not given a new identity over its data.
    @Test func aReplicaWithDataButNoSettingsIsNotMadeAgain() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.child("replica")
        do {
            let r = try Replica.create(in: folder, staff: .EUMS, user: "Col. Dupont")
            _ = try r.createRecord(.area, fields: ["name": .text("Military Mobility")])
        }
        let file = try DatabaseQueue(path: Replica.databaseURL(in: folder).path)
        try file.write { try $0.execute(sql: "DELETE FROM setting WHERE key IN ('staff', 'user')") }
        try file.close()
        let refused = #expect(throws: WorkPlanError.self) { try Replica.open(in: folder) }
        #expect(refused?.message.contains("workplan recover") == true)
        let notAgain = #expect(throws: WorkPlanError.self) { try Replica.create(in: folder, staff: .IMS, user: "Maj. Smith") }
        #expect(notAgain?.code == .alreadyExists)
    }

    @Test func createWritesRecordAndPendingOperationTogether() throws {
        let (r, _, area) = try makeReplica()
        let id = try r.createRecord(.task, fields: taskFields(area))
        let ops = try pendingOps(r)
        #expect(ops.count == 2)
        #expect(ops.last?.action == .create)
        #expect(ops.last?.record == id)
        #expect(ops.last?.baseRev == 0)
        #expect(try r.record(.task, id: id)?.text("title") == "Harmonise movement permissions")
    }

    @Test func editsOfAnUnpushedRecordFoldIntoItsCreate() throws {
        let (r, _, area) = try makeReplica()
        let id = try r.createRecord(.task, fields: taskFields(area))
        try r.edit(.task, id: id, [.set("status", .text("blocked")), .add("tags", "mobility")])
        let ops = try pendingOps(r)
        #expect(ops.count == 2)
        #expect(ops.last?.fields?["status"] == .text("blocked"))
        #expect(ops.last?.fields?["tags"] == .set(["mobility"]))
    }

    /// The tester's self-conflict: `--add-tag` then `--tag` offline went out as an add and a
    /// set made against the rev before the add, and the officer's own add met the set as
    /// a conflict. The set now replaces the waiting element edits of the field.
    @Test func aSetReplacesTheElementEditsWaitingBeforeIt() throws {
        let (r, _, id) = try replicaWithPulledTask()
        try r.edit(.task, id: id, [.set("priority", .text("high"))])
        try r.edit(.task, id: id, [.add("tags", "t2")])
        try r.edit(.task, id: id, [.remove("tags", "t2")])
        try r.edit(.task, id: id, [.set("tags", .makeSet(["t3"]))])
        let ops = try pendingOps(r)
        #expect(ops.map(\.action) == [.set, .set])
        #expect(ops.last?.field == "tags" && ops.last?.value == .makeSet(["t3"]) && ops.last?.baseRev == 3)
        #expect(try r.record(.task, id: id)?["tags"] == .makeSet(["t3"]))
        // An element edit after the set is queued as it is (it never conflicts).
        try r.edit(.task, id: id, [.add("tags", "t4")])
        #expect(try pendingOps(r).map(\.action) == [.set, .set, .add])
    }

    /// The replica refuses before the server does when it can tell: a task IMS created (the
    /// create pulled says so) is not EUMS's to withdraw from IMS; its own task is.
    @Test func withdrawingASharedRecordIsTheOriginatorsCall() throws {
        let (r, _, id) = try replicaWithPulledTask()
        let before = try pendingOps(r)
        #expect { try r.edit(.task, id: id, [.set("releasable", .text("EUMS"))]) } throws: {
            ($0 as? WorkPlanError)?.message.contains("was created by IMS: only IMS may") == true
        }
        #expect(try pendingOps(r) == before)
        #expect(try r.record(.task, id: id)?.text("releasable") == "both")
        let area = try #require(try r.db.read { try String.fetchOne($0, sql: "SELECT id FROM area") })
        let mine = try r.createRecord(.task, fields: taskFields(area))
        #expect(try r.edit(.task, id: mine, [.set("releasable", .text("EUMS"))]) == 1)
        // The third tester: a task that came whole (shared again) names its creator's staff.
        let shown = RecordID.random()
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 9, event: .snapshot, record: shown, kind: .task, fields: taskFields(area), revs: [:], user: "a", staff: .IMS,
                   at: 0, createdAt: 0, createdBy: "a", createdStaff: .IMS),
        ], next: 9, more: false, maxSeq: 9))
        #expect { try r.edit(.task, id: shown, [.set("releasable", .text("EUMS"))]) } throws: {
            ($0 as? WorkPlanError)?.message.contains("was created by IMS: only IMS may") == true
        }
    }

    /// The second review: `resolve ID releasable --value EUMS` made the same withdrawal
    /// without the check, and dropped the conflict here before the server refused it.
    @Test func resolvingByWithdrawingIsTheOriginatorsCallToo() throws {
        let (r, _, id) = try replicaWithPulledTask()
        let conflict = Conflict(id: RecordID.random(), record: id, kind: .task, type: .edit, field: "releasable", base: .text("both"),
                                current: .text("both"), proposed: .text("EUMS"), proposedBy: "Col. Dupont", staff: .EUMS, at: 0, currentRev: 3)
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 4, event: .conflictOpened, record: id, kind: .task, field: "releasable", user: "Col. Dupont", staff: .EUMS, at: 0, conflict: conflict),
        ], next: 4, more: false, maxSeq: 4))
        let before = try pendingOps(r)
        for resolution in [Resolution.mine, .value("EUMS")] {
            #expect { try r.resolve(record: id, field: "releasable", with: resolution) } throws: {
                ($0 as? WorkPlanError)?.message.contains("was created by IMS: only IMS may") == true
            }
        }
        #expect(try r.openConflictCount() == 1)
        #expect(try pendingOps(r) == before)
        #expect(try r.record(.task, id: id)?.text("releasable") == "both")
        // Keeping the shared value is fine.
        _ = try r.resolve(record: id, field: "releasable", with: .theirs)
        #expect(try r.openConflictCount() == 0)
    }

    /// The third tester: `edit T --releasable EUMS --description SECRET` with an older
    /// description edit waiting folded SECRET into that earlier entry, which went out in an
    /// earlier batch than the hiding, to IMS. A change of releasability is now a barrier no
    /// edit folds across, hiding goes before the edit's other fields and showing after them.
    @Test func editsDoNotOutrunAChangeOfReleasability() throws {
        let (r, _, area) = try makeReplica()
        let id = try r.createRecord(.task, fields: taskFields(area))
        try r.db.write { db in
            try db.execute(sql: "DELETE FROM pending")
            try db.execute(sql: "UPDATE task SET revs = '{\"description\":3,\"releasable\":3,\"title\":3}', rev = 3 WHERE id = ?", arguments: [id])
        }
        try r.edit(.task, id: id, [.set("description", .text("draft"))])
        try r.edit(.task, id: id, [.set("description", .text("SECRET")), .set("releasable", .text("EUMS"))])
        var ops = try pendingOps(r).map { "\($0.field ?? "")=\($0.value?.text ?? "")" }
        #expect(ops == ["description=draft", "releasable=EUMS", "description=SECRET"])
        try r.edit(.task, id: id, [.set("releasable", .text("both")), .set("title", .text("Clean"))])
        ops = try pendingOps(r).map { "\($0.field ?? "")=\($0.value?.text ?? "")" }
        #expect(ops == ["description=draft", "releasable=EUMS", "description=SECRET", "title=Clean", "releasable=both"])
    }

    @Test func aRejectedEditChangesNothing() throws {
        let (r, _, area) = try makeReplica()
        let id = try r.createRecord(.task, fields: taskFields(area))
        let before = try pendingOps(r)
        #expect(throws: WorkPlanError.self) {
            try r.edit(.task, id: id, [.set("status", .text("done")), .set("priority", .text("urgent"))])
        }
        #expect(try pendingOps(r) == before)
        #expect(try r.record(.task, id: id)?.text("status") == "open")
    }

    @Test func unknownReferencesAreRefused() throws {
        let (r, _, _) = try makeReplica()
        #expect(throws: WorkPlanError.self) { try r.createRecord(.task, fields: taskFields(RecordID.random())) }
        #expect(try pendingOps(r).count == 1)
    }

    @Test func naturalKeyRecordsAreNotDuplicated() throws {
        let (r, _, _) = try makeReplica()
        #expect(throws: WorkPlanError.self) { try r.createRecord(.area, fields: ["name": .text("military  MOBILITY")]) }
    }

    @Test func viewersCannotQueueEdits() throws {
        let tmp = try TemporaryDirectory()
        let r = try Replica.create(in: tmp.child("v"), staff: .IMS, user: "Maj. Viewer", role: .viewer)
        let e = #expect(throws: WorkPlanError.self) { try r.createRecord(.area, fields: ["name": .text("Medical")]) }
        #expect(e?.code == .forbidden)
        #expect(try pendingOps(r).isEmpty)
    }

    @Test func syncedFieldEditsCarryTheirBaseRev() throws {
        let (r, _, area) = try makeReplica()
        let id = RecordID.random()
        // The task arrives from the server at seq 7.
        let change = Change(seq: 7, event: .change, record: id, kind: .task, action: .create,
                            fields: taskFields(area), user: "Lt Col. Smith", staff: .IMS, at: 1000)
        _ = try r.applyPull(PullResponse(storeId: "s1", changes: [change], next: 7, more: false, maxSeq: 7))
        try r.edit(.task, id: id, [.set("status", .text("done"))])
        try r.edit(.task, id: id, [.set("status", .text("blocked"))])
        let ops = try pendingOps(r).filter { $0.record == id }
        #expect(ops.count == 1, "a second edit of the same field replaces the first")
        #expect(ops[0].baseRev == 7)
        #expect(ops[0].value == .text("blocked"))
    }

    /// Found while checking links: a task created, a second task created, then the first
    /// made to follow on from the second (all offline) folded the link into the first
    /// create, which the server then met before the second existed: both creates were set
    /// aside. An edit naming a record whose create waits is queued after that create.
    @Test func anEditNamingARecordCreatedLaterIsNotFoldedAheadOfItsCreate() throws {
        let (r, _, area) = try makeReplica()
        let first = try r.createRecord(.task, fields: taskFields(area, title: "First"))
        let second = try r.createRecord(.task, fields: taskFields(area, title: "Second"))
        try r.edit(.task, id: first, [.set("follows", .text(second))])
        var ops = try pendingOps(r)
        let createFirst = try #require(ops.firstIndex { $0.record == first && $0.action == .create })
        let createSecond = try #require(ops.firstIndex { $0.record == second && $0.action == .create })
        let link = try #require(ops.firstIndex { $0.record == first && $0.field == "follows" })
        #expect(ops[createFirst].fields?["follows"] == nil)
        #expect(createFirst < createSecond && createSecond < link)
        #expect(try r.tasks().first { $0.id == first }?.follows == second, "the view has the link at once")

        // Nor into a waiting set of the same field made before the create.
        let id = RecordID.random()
        _ = try r.applyPull(PullResponse(storeId: "s1", changes: [
            Change(seq: 7, event: .change, record: id, kind: .task, action: .create, fields: taskFields(area), user: "Smith", staff: .IMS, at: 1000),
        ], next: 7, more: false, maxSeq: 7))
        try r.edit(.task, id: id, [.set("follows", .text(first))])
        let third = try r.createRecord(.task, fields: taskFields(area, title: "Third"))
        try r.edit(.task, id: id, [.set("follows", .text(third))])
        ops = try pendingOps(r).filter { $0.record == id || $0.record == third }
        #expect(ops.map(\.action) == [.set, .create, .set])
        #expect(ops.map { $0.value ?? .null } == [.text(first), .null, .text(third)])
        // An edit naming a record created earlier still folds.
        let fourth = try r.createRecord(.task, fields: taskFields(area, title: "Fourth"))
        try r.edit(.task, id: fourth, [.set("follows", .text(first))])
        #expect(try pendingOps(r).filter { $0.record == fourth }.map { $0.fields?["follows"] } == [.text(first)])
    }

    /// The reviewer of d23656c: when the replica's history does not hold the change that set
    /// the current value, `--mine` kept the other staff's proposal, the case it was meant
    /// to stop. It now asks the officer to choose.
    @Test func mineWithNoKnownSetterAndAnotherStaffsProposalAsksToChoose() throws {
        let (r, _, area) = try makeReplica()
        let id = RecordID.random()
        let conflict = Conflict(id: RecordID.random(), record: id, kind: .task, type: .edit, field: "priority", base: .text("medium"),
                                current: .text("high"), proposed: .text("low"), proposedBy: "Smith", staff: .IMS, at: 2000, currentRev: 9)
        _ = try r.applyPull(PullResponse(storeId: "s1", changes: [
            Change(seq: 7, event: .change, record: id, kind: .task, action: .create, fields: taskFields(area), user: "Smith", staff: .IMS, at: 1000),
            Change(seq: 10, event: .conflictOpened, record: id, kind: .task, field: "priority", user: "Smith", staff: .IMS, at: 2000, conflict: conflict),
        ], next: 10, more: false, maxSeq: 10))
        let e = #expect(throws: WorkPlanError.self) { try r.resolve(record: id, field: "priority", with: .mine) }
        #expect(e?.code == .ambiguous && e?.message.contains("--theirs") == true)
        #expect(try r.conflicts().count == 1, "nothing settled")
        _ = try r.resolve(record: id, field: "priority", with: .theirs)
        #expect(try r.conflicts().isEmpty)
    }

    @Test func digitsNamingBothAConferenceAndAnIDStartAreAmbiguous() throws {
        let (r, _, area) = try makeReplica()
        let task = "74830000-0000-4000-8000-000000000001"
        _ = try r.importPlan(PlanExport(format: PlanExport.formatName, records: [
            ExportedRecord(id: task, kind: .task, fields: taskFields(area), createdAt: "2024-01-01T00:00:00Z", createdBy: "test"),
        ]))
        #expect(try r.resolveAnyRecord("7483").1 == task, "no conference 7483: the task")
        let conference = try r.createRecord(.conference, fields: ["number": .text("7483"), "date": .text("2024-05-14"),
                                                                 "host": .text("EUMS"), "status": .text("planned")])
        let error = #expect(throws: WorkPlanError.self) { try r.resolveAnyRecord("7483") }
        #expect(error?.code == .ambiguous)
        #expect(error?.message.contains("conference 7483") == true && error?.message.contains("74830000") == true)
        #expect(try r.resolveAnyRecord("748300").1 == task)
        #expect(try r.resolveAnyRecord(String(conference.prefix(8))).1 == conference)
    }

    /// `history ID` names one record: a prefix starting a task's id and a note's id is
    /// ambiguous, as CLI.md says of any prefix that names two records.
    @Test func aPrefixStartingTheIDsOfRecordsOfTwoKindsIsAmbiguous() throws {
        let (r, _, area) = try makeReplica()
        let task = "5e1a0000-0000-4000-8000-000000000001", note = "5e1a0000-0000-4000-8000-000000000002"
        _ = try r.importPlan(PlanExport(format: PlanExport.formatName, records: [
            ExportedRecord(id: task, kind: .task, fields: taskFields(area), createdAt: "2024-01-01T00:00:00Z", createdBy: "test"),
            ExportedRecord(id: note, kind: .note, fields: ["task": .text(task), "text": .text("Seen at DG20"), "author": .text("Col. Dupont"),
                                                           "staff": .text("EUMS"), "releasable": .text("both")],
                           createdAt: "2024-01-01T00:00:00Z", createdBy: "test"),
        ]))
        let error = #expect(throws: WorkPlanError.self) { try r.resolveAnyRecord("5e1a") }
        #expect(error?.code == .ambiguous)
        #expect(error?.message.contains("task") == true && error?.message.contains("note") == true)
        #expect(try r.resolveAnyRecord(String(task.prefix(36))) == (.task, task))
        #expect(try r.resolveAnyRecord(String(note.prefix(36))) == (.note, note))
    }

    /// `resolve` reads digits as `history` does: a conference's number that also starts the
    /// id of a record in conflict is refused as ambiguous, not settled on one of them.
    @Test func resolveRefusesDigitsNamingBothAConferenceAndAConflictedIDStart() throws {
        let (r, _, area) = try makeReplica()
        let task = "74830000-0000-4000-8000-000000000001"
        let conference = RecordID.conference(number: 7483)
        let conferenceFields: [String: FieldValue] = ["number": .text("7483"), "date": .text("2024-05-14"),
                                                      "host": .text("EUMS"), "status": .text("planned")]
        func conflict(_ record: String, _ kind: RecordKind, _ field: String, current: String, proposed: String) -> Conflict {
            Conflict(id: RecordID.random(), record: record, kind: kind, type: .edit, field: field, base: .null, current: .text(current),
                     proposed: .text(proposed), proposedBy: "Smith", staff: .IMS, at: 2000, currentRev: 9)
        }
        _ = try r.applyPull(PullResponse(storeId: "s1", changes: [
            Change(seq: 7, event: .change, record: task, kind: .task, action: .create, fields: taskFields(area), user: "Smith", staff: .IMS, at: 1000),
            Change(seq: 8, event: .change, record: conference, kind: .conference, action: .create, fields: conferenceFields, user: "Smith", staff: .IMS, at: 1000),
            Change(seq: 10, event: .conflictOpened, record: task, kind: .task, field: "priority", user: "Smith", staff: .IMS, at: 2000,
                   conflict: conflict(task, .task, "priority", current: "high", proposed: "low")),
            Change(seq: 11, event: .conflictOpened, record: conference, kind: .conference, field: "place", user: "Smith", staff: .IMS, at: 2000,
                   conflict: conflict(conference, .conference, "place", current: "Brussels", proposed: "Madrid")),
        ], next: 11, more: false, maxSeq: 11))
        let error = #expect(throws: WorkPlanError.self) { try r.resolve(record: "7483", field: "priority", with: .theirs) }
        #expect(error?.code == .ambiguous)
        #expect(error?.message.contains("conference 7483") == true && error?.message.contains("74830000") == true, "\(String(describing: error))")
        #expect(try r.conflicts().count == 2, "nothing settled")
        // More of the id names the task; with its conflict settled, the digits name the conference.
        #expect(try r.resolve(record: "748300", field: "priority", with: .theirs).record == task)
        #expect(try r.resolve(record: "7483", field: "place", with: .theirs).record == conference)
        #expect(try r.conflicts().isEmpty)
    }
}

@Suite("Applying pulled changes")
struct PullApplicationTests {
    @Test func replayedAndOlderChangesAreIgnored() throws {
        let (r, _, area) = try makeReplica()
        let id = RecordID.random()
        let create = Change(seq: 3, event: .change, record: id, kind: .task, action: .create, fields: taskFields(area), user: "a", staff: .IMS, at: 0)
        let set = Change(seq: 5, event: .change, record: id, kind: .task, action: .set, field: "status", old: .text("open"), value: .text("done"), user: "a", staff: .IMS, at: 0)
        let page = PullResponse(storeId: "s", changes: [create, set], next: 5, more: false, maxSeq: 5)
        _ = try r.applyPull(page)
        _ = try r.applyPull(page) // a crash after applying but before... replays harmlessly
        let older = Change(seq: 4, event: .change, record: id, kind: .task, action: .set, field: "status", value: .text("blocked"), user: "a", staff: .IMS, at: 0)
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [older], next: 5, more: false, maxSeq: 5))
        #expect(try r.record(.task, id: id)?.text("status") == "done")
        #expect(try r.currentSettings().cursor == 5)
    }

    @Test func pendingEditsStayOnTopOfPulledState() throws {
        let (r, _, area) = try makeReplica()
        let id = RecordID.random()
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 3, event: .change, record: id, kind: .task, action: .create, fields: taskFields(area), user: "a", staff: .IMS, at: 0),
        ], next: 3, more: false, maxSeq: 3))
        try r.edit(.task, id: id, [.set("priority", .text("high"))])
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 4, event: .change, record: id, kind: .task, action: .set, field: "priority", value: .text("low"), user: "b", staff: .IMS, at: 0),
            Change(seq: 5, event: .change, record: id, kind: .task, action: .set, field: "owner", value: .text("Cdr. Jansen"), user: "b", staff: .IMS, at: 0),
        ], next: 5, more: false, maxSeq: 5))
        let t = try #require(try r.record(.task, id: id))
        #expect(t.text("priority") == "high", "the officer's unpushed edit stays visible")
        #expect(t.text("owner") == "Cdr. Jansen", "other fields take the pulled value")
        #expect(try pendingOps(r).last?.baseRev == 3, "the pending edit keeps the base it was made against")
    }

    @Test func withdrawnRecordsLeaveWithNotesAndHistory() throws {
        let (r, _, area) = try makeReplica(staff: .IMS)
        let task = RecordID.random(), note = RecordID.random()
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 1, event: .change, record: task, kind: .task, action: .create, fields: taskFields(area), user: "a", staff: .EUMS, at: 0),
            Change(seq: 2, event: .change, record: note, kind: .note, action: .create,
                   fields: ["task": .text(task), "text": .text("progress"), "author": .text("a"), "staff": .text("EUMS"), "releasable": .text("both")],
                   user: "a", staff: .EUMS, at: 0),
            Change(seq: 3, event: .withdrawn, record: task, kind: .task, user: "a", staff: .EUMS, at: 0),
        ], next: 3, more: false, maxSeq: 3))
        #expect(try r.record(.task, id: task) == nil)
        #expect(try r.record(.note, id: note) == nil)
        #expect(try r.history(record: task).isEmpty)
        #expect(try r.history(record: note).isEmpty)
    }
}

@Suite("Applying push results")
struct PushApplicationTests {
    @Test func acceptedOperationsLeaveThePendingLogWithTheirRev() throws {
        let (r, _, area) = try makeReplica()
        let id = try r.createRecord(.task, fields: taskFields(area))
        let batch = try #require(try r.nextBatch())
        #expect(try r.nextBatch()?.batchId == batch.batchId, "an unanswered batch is resent with the same id")
        let results = batch.ops.enumerated().map { i, op in OpResult(op: op.id, outcome: .accepted, seq: Int64(i + 1), rev: Int64(i + 1)) }
        _ = try r.applyPushResponse(PushResponse(batchId: batch.batchId, storeId: "s", results: results, replayed: false))
        #expect(try pendingOps(r).isEmpty)
        let t = try #require(try r.record(.task, id: id))
        #expect(t.revs["title"] == 2)
        #expect(t.rev == 2)
    }

    @Test func conflictsBecomeLocalAndTheCurrentValueShows() throws {
        let (r, _, id) = try replicaWithPulledTask()
        try r.edit(.task, id: id, [.set("status", .text("done"))])
        let batch = try #require(try r.nextBatch())
        let conflict = Conflict(id: RecordID.random(), record: id, kind: .task, type: .edit, field: "status", base: .text("open"),
                                current: .text("blocked"), proposed: .text("done"), proposedBy: "Col. Dupont", staff: .EUMS, at: 0, currentRev: 9)
        let result = OpResult(op: batch.ops[0].id, outcome: .conflict, value: .text("blocked"), rev: 9, conflicts: [conflict])
        _ = try r.applyPushResponse(PushResponse(batchId: batch.batchId, storeId: "s", results: [result], replayed: false))
        #expect(try r.record(.task, id: id)?.text("status") == "blocked")
        #expect(try r.conflicts().map(\.proposed) == [.text("done")])
        // Resolving with --mine queues an edit against the current rev.
        _ = try r.resolve(record: String(id.prefix(6)), field: "status", with: .mine)
        let op = try #require(try pendingOps(r).last)
        #expect(op.value == .text("done"))
        #expect(op.baseRev == 9)
        #expect(op.resolves == [conflict.id])
        #expect(try r.openConflictCount() == 0)
    }
}

@Suite("Replica JSON columns")
struct JSONColumnTests {
    @Test func revsAndSetsRoundTrip() throws {
        let revs: [String: Int64] = ["title": 12, "status": 40_000_000_001, "origin_conference": 3]
        #expect(JSONText.decodeRevs(JSONText.encodeRevs(revs)) == revs)
        #expect(JSONText.decodeRevs("{}") == [:])
        let tags = ["mobility", "quote \" and \\ backslash", "line\nbreak", "tab\t", "ünïcødé", "\u{01}"]
        let text = JSONText.encodeArray(tags)
        #expect(try JSONDecoder().decode([String].self, from: Data(text.utf8)) == tags)
        #expect(JSONText.decodeArray(text) == tags)
    }

    @Test func changesConflictsAndValuesRoundTripBothWays() throws {
        let conflict = Conflict(id: RecordID.random(), record: RecordID.random(), kind: .task, type: .editDeleted,
                                field: "deleted", base: .null, current: .text("deleted"), proposed: .makeSet(["x"]),
                                proposedBy: "Maj \"Q\" Dupont", staff: .IMS, at: 99, currentRev: 7)
        let changes = [
            Change(seq: 5, event: .change, record: conflict.record, kind: .task, action: .set, field: "due",
                   old: .text("2024-01-01"), value: .null, user: "eu", staff: .EUMS, at: 1, batch: "b"),
            Change(seq: 6, event: .snapshot, record: conflict.record, kind: .task, fields: ["title": .text("T/1\n")],
                   revs: ["title": 6], user: "eu", staff: .EUMS, at: 2, createdAt: 1),
            Change(seq: 7, event: .conflictOpened, record: conflict.record, kind: .task, user: "im", staff: .IMS, at: 3, conflict: conflict),
            Change(seq: 8, event: .conflictResolved, record: conflict.record, kind: .task, user: "im", staff: .IMS, at: 4, resolved: [conflict.id]),
        ]
        for c in changes {
            // Written here, read by JSONDecoder; written by JSONEncoder (older replicas), read here.
            #expect(try JSONDecoder().decode(Change.self, from: Data(JSONText.encode(c).utf8)) == c)
            #expect(try JSONText.decode(Change.self, String(decoding: JSONEncoder().encode(c), as: UTF8.self)) == c)
            #expect(try JSONText.decode(Change.self, JSONText.encode(c)) == c)
        }
        #expect(try JSONText.decode(Conflict.self, JSONText.encode(conflict)) == conflict)
        #expect(try JSONText.decode(Conflict.self, String(decoding: JSONEncoder().encode(conflict), as: UTF8.self)) == conflict)
        for v: FieldValue in [.null, .text("a \"b\" \\ c\u{2028}"), .makeSet(["z", "a"])] {
            #expect(try JSONText.decode(FieldValue.self, JSONText.encode(v)) == v)
            #expect(try JSONDecoder().decode(FieldValue.self, from: Data(JSONText.encode(v).utf8)) == v)
        }
        // What the fast path declines still decodes (and a wrong type is still an error).
        #expect(try JSONText.decode(FieldValue.self, "  \"x\"  ") == .text("x"))
        #expect(throws: DecodingError.self) { try JSONText.decode(FieldValue.self, "42") }
    }
}

@Suite("Direct JSON writers agree with JSONDecoder")
struct DirectJSONTests {
    @Test func fieldsRoundTrip() throws {
        let fields: [String: FieldValue] = ["title": .text("Quote \" \\ \n ü"), "tags": .set(["a", "b\"c"]), "due": .null]
        let text = JSONText.encodeFields(fields)
        #expect(try JSONDecoder().decode([String: FieldValue].self, from: Data(text.utf8)) == fields)
    }

    @Test func idsParseFastAndStrictly() {
        #expect(RecordID.parse("ABCDEF12-3456-4789-8abc-DEF012345678") == "abcdef12-3456-4789-8abc-def012345678")
        #expect(RecordID.parse("abcdef12-3456-4789-8abc-def01234567g") == nil)
        #expect(RecordID.parse("abcdef1223456-4789-8abc-def012345678") == nil)
        #expect(RecordID.parse("ü") == nil)
    }
}
