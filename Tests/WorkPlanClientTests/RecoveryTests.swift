import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

@Suite("Recovery after a server restore")
struct RecoveryTests {
    /// An edit set aside keeps the rev it was made on; after a restore that number belongs
    /// to the old store, and sent later it could equal a new rev by chance and overwrite a
    /// value unseen. Recovery makes it an edit against rev 0 (a conflict when values differ).
    @Test func editsSetAsideAreMadeAgainstNothingAfterARestore() throws {
        let (r, _, _) = try makeReplica()
        let op = PlanOperation(record: RecordID.random(), kind: .task, action: .set, field: "status", value: .text("done"),
                               baseRev: 42, at: 1)
        try r.db.write { db in
            try Replica.setAside(db, op, author: "Col. Dupont", title: "a task", reason: "the task is no longer releasable to EUMS")
        }
        try r.beginRecovery(newStoreId: "restored")
        #expect(try r.db.read { try Int64.fetchAll($0, sql: "SELECT base_rev FROM set_aside") } == [0])
        #expect(try r.setAsideEdits().map(\.title) == ["a task"], "still kept and listed")
    }

    /// The review: a record withdrawn from this staff is remembered so that an import leaves
    /// it out; a restored store may hold it shared (a backup from before), and its full pull
    /// withdraws again what is withdrawn: recovery forgets the old store's withdrawals.
    @Test func recoveryForgetsTheOldStoresWithdrawals() throws {
        let (r, _, _) = try makeReplica()
        let withdrawn = RecordID.random()
        try r.db.write { try ReplacedHere.withdrawn($0, record: withdrawn) }
        #expect(try r.db.read { try ReplacedHere.withdrawnRecords($0) } == [withdrawn])
        try r.beginRecovery(newStoreId: "restored")
        #expect(try r.db.read { try ReplacedHere.withdrawnRecords($0) }.isEmpty)
    }

    /// The operations tester: a sync stopped between the start of a recovery and its end
    /// left the view with the restored store's state only; `export` (the documented way to
    /// keep unpushed work) silently left out the records held for the recovery. Until it
    /// finishes, the export is the plan as held, and the replica says a recovery waits.
    @Test func anExportDuringAnUnfinishedRecoveryKeepsThePlanAsHeld() throws {
        let (r, _, area) = try makeReplica()
        let task = try r.createRecord(.task, fields: taskFields(area, title: "Made offline"))
        _ = try r.createRecord(.note, fields: ["task": .text(task), "text": .text("Progress noted"), "author": .text("Col. Dupont"),
                                                "staff": .text("EUMS"), "releasable": .text("both")])
        let before = try r.exportPlan()
        #expect(before.records.count == 3)
        #expect(try r.unfinishedRecoveryRecords() == nil)
        try r.beginRecovery(newStoreId: "restored")
        #expect(try r.tasks().isEmpty, "the view now waits for the restored store's state")
        #expect(try r.unfinishedRecoveryRecords() == 3)
        #expect(try r.exportPlan() == before, "the export still holds the officer's work")
        // The review: an edit made since the recovery began is on the restored store's
        // record, not on the plan held; an export would leave out one or the other.
        try r.db.write { db in
            try db.execute(sql: "INSERT INTO pending (op_id, record, kind, action, field, value, base_rev, at, author) VALUES ('op', ?, 'task', 'set', 'status', '\"done\"', 0, 0, 'Col. Dupont')",
                           arguments: [task])
        }
        let refused = #expect(throws: WorkPlanError.self) { try r.exportPlan() }
        #expect(refused?.message.contains("edits were made here since it began: run 'workplan sync' to finish it before exporting") == true)
        try r.db.write { db in try db.execute(sql: "DELETE FROM pending") }
        _ = try r.finishRecovery(restorePoint: 0)
        #expect(try r.unfinishedRecoveryRecords() == nil)
        #expect(try r.exportPlan() == before, "sent back: the view holds it again")
    }

    /// The review: an edit made during an unfinished recovery was folded into by the held
    /// value of the same field when the recovery finished, and silently lost. The newer
    /// edit stands.
    @Test func anEditMadeDuringAnUnfinishedRecoveryIsNotReplacedByTheHeldValue() throws {
        let (r, _, id) = try replicaWithPulledTask()
        try r.edit(.task, id: id, [.set("status", .text("done"))])
        try r.beginRecovery(newStoreId: "restored")
        // The restored store's state, pulled: the task as the backup holds it.
        let area = try #require(try r.exportPlan().records.first { $0.kind == .area }?.id)
        _ = try r.applyPull(PullResponse(storeId: "restored", changes: [
            Change(seq: 1, event: .change, record: area, kind: .area, action: .create, fields: ["name": .text("Military Mobility")], user: "a", staff: .IMS, at: 0),
            Change(seq: 3, event: .change, record: id, kind: .task, action: .create, fields: taskFields(area), user: "a", staff: .IMS, at: 0),
        ], next: 3, more: false, maxSeq: 3))
        // The sync stopped there; the officer edits the field again.
        try r.edit(.task, id: id, [.set("status", .text("blocked"))])
        _ = try r.finishRecovery(restorePoint: 3)
        #expect(try r.record(.task, id: id)?.text("status") == "blocked")
        let sets = try pendingOps(r).filter { $0.record == id && $0.field == "status" }
        #expect(sets.map(\.value) == [.text("blocked")], "\(sets)")
    }

    /// The second review: the same through a natural key. Conference 5's guidance G2 was
    /// held; the officer added conference 5 again during the unfinished recovery and set
    /// its guidance G3 (folded into the create); the held G2, queued as a set, folded into
    /// that create and replaced G3 unseen.
    @Test func aCreateMadeDuringAnUnfinishedRecoveryKeepsItsValues() throws {
        let (r, _, _) = try makeReplica()
        let conference = RecordID.conference(number: 5)
        let fields: [String: FieldValue] = ["number": .text("5"), "date": .text("2024-05-14"), "host": .text("EUMS"),
                                            "status": .text("planned"), "guidance": .text("G1")]
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 3, event: .change, record: conference, kind: .conference, action: .create, fields: fields, user: "a", staff: .IMS, at: 0),
            Change(seq: 5, event: .change, record: conference, kind: .conference, action: .set, field: "guidance",
                   old: .text("G1"), value: .text("G2"), user: "a", staff: .IMS, at: 0),
        ], next: 5, more: false, maxSeq: 5))
        try r.db.write { try $0.execute(sql: "DELETE FROM pending") }
        try r.beginRecovery(newStoreId: "restored")
        // The officer adds the conference again, and its guidance.
        var mine = fields
        mine["guidance"] = nil
        #expect(try r.createRecord(.conference, fields: mine) == conference)
        try r.edit(.conference, id: conference, [.set("guidance", .text("G3"))])
        // The restored store's conference (from before G2), pulled beneath the create.
        _ = try r.applyPull(PullResponse(storeId: "restored", changes: [
            Change(seq: 3, event: .change, record: conference, kind: .conference, action: .create, fields: fields, user: "a", staff: .IMS, at: 0),
        ], next: 3, more: false, maxSeq: 3))
        _ = try r.finishRecovery(restorePoint: 3)
        #expect(try r.record(.conference, id: conference)?.text("guidance") == "G3")
        let ops = try pendingOps(r).filter { $0.record == conference }
        #expect(!ops.contains { $0.value == .text("G2") || $0.fields?["guidance"] == .text("G2") }, "\(ops)")
        #expect(ops.contains { $0.fields?["guidance"] == .text("G3") || $0.value == .text("G3") }, "\(ops)")
    }

    /// The third review: the server restored again before a recovery finished. The replica
    /// kept the store id of the one in between, and every later pull was refused as another
    /// store's. The held plan stays; what was pulled in between is forgotten.
    @Test func aSecondRestoreDuringAnUnfinishedRecoveryStartsItsPullAgain() throws {
        let (r, _, id) = try replicaWithPulledTask()
        try r.beginRecovery(newStoreId: "restored")
        let area = try #require(try r.exportPlan().records.first { $0.kind == .area }?.id)
        let page = { (store: String) in
            PullResponse(storeId: store, changes: [
                Change(seq: 1, event: .change, record: area, kind: .area, action: .create, fields: ["name": .text("Military Mobility")], user: "a", staff: .IMS, at: 0),
                Change(seq: 3, event: .change, record: id, kind: .task, action: .create, fields: taskFields(area), user: "a", staff: .IMS, at: 0),
            ], next: 3, more: false, maxSeq: 3)
        }
        _ = try r.applyPull(page("restored"), after: 0)
        let held = try r.unfinishedRecoveryRecords()
        #expect(held != nil)
        try r.beginRecovery(newStoreId: "restored again")
        #expect(try r.currentSettings().storeId == "restored again" && r.currentSettings().cursor == 0)
        #expect(try r.tasks().isEmpty, "what came from the store in between is forgotten")
        #expect(try r.unfinishedRecoveryRecords() == held, "the plan held stays")
        _ = try r.applyPull(page("restored again"), after: 0)
        #expect(try r.tasks().map(\.id) == [id])
        _ = try r.finishRecovery(restorePoint: 3)
        #expect(try r.unfinishedRecoveryRecords() == nil)
    }
}
