import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport
@testable import WorkPlanClient

/// The third review (its `probe_two_edits` case B): edits of one field that the pending log
/// keeps apart (a change of the record's releasability comes between them, or is one of
/// them) stood on the same rev and went out in one batch, so the server met the later one
/// as a conflict with the officer's own earlier edit. Hiding a task and sharing it again
/// offline left it hidden from IMS until someone resolved that conflict.
@Suite("One officer's edits of a field kept apart in the pending log")
struct OwnEditsKeptApartTests {
    @Test func hidingAndSharingAgainOfflineLeavesTheTaskShared() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        let task = try anna.createRecord(.task, fields: taskFields(f.area, title: "Hidden and shared again"))
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let ivan = try Replica.create(in: f.tmp.child("ivan"), staff: .IMS, user: "Ivan")
        _ = try await SyncEngine(replica: ivan, transport: f.transport("Ivan", .IMS)).run()

        try anna.edit(.task, id: task, [.set("releasable", .text("EUMS"))])
        try anna.edit(.task, id: task, [.set("releasable", .text("both"))])
        #expect(try anna.pendingCount() == 2, "kept apart: what is written between them must not go out unhidden")
        let report = try await SyncEngine(replica: anna, transport: f.transport()).run()
        #expect(report.newConflicts == 0)
        #expect(try anna.conflicts().isEmpty)
        #expect(try anna.taskView(id: task).releasable == "both")

        _ = try await SyncEngine(replica: ivan, transport: f.transport("Ivan", .IMS)).run()
        #expect(try ivan.taskView(id: task).title == "Hidden and shared again")
        #expect(try ivan.conflicts().isEmpty)
    }

    /// The security tester: an EUMS-only task shared, edited and made EUMS-only again offline
    /// went out as a showing and then a withdrawal, and IMS was sent the withdrawal (the
    /// task's id) of a task it was never shown. The showing is folded into the hiding: the
    /// server is sent the task as it stays, and the edit in between goes out hidden.
    @Test func sharingAndHidingAgainOfflineNeverShowsTheTask() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        var fields = taskFields(f.area, title: "Operation NIGHTJAR draft")
        fields["releasable"] = .text("EUMS")
        let task = try anna.createRecord(.task, fields: fields)
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        try anna.edit(.task, id: task, [.set("releasable", .text("both"))])
        try anna.edit(.task, id: task, [.set("title", .text("Operation NIGHTJAR (final)"))])
        try anna.edit(.task, id: task, [.set("releasable", .text("EUMS"))])
        #expect(try anna.pendingCount() == 2, "the showing folded into the hiding")
        let report = try await SyncEngine(replica: anna, transport: f.transport()).run()
        #expect(report.newConflicts == 0)
        #expect(try anna.taskView(id: task).releasable == "EUMS")
        #expect(try anna.taskView(id: task).title == "Operation NIGHTJAR (final)")
        let ims = try await f.store.pullPage(after: 0, limit: 1000, staff: .IMS)
        #expect(!ims.changes.contains { $0.record == task }, "\(ims.changes.filter { $0.record == task })")
        // A showing after a hiding is not folded (what is written between them must not go
        // out unhidden): shown, hidden (folded into the showing), shown again: two edits.
        try anna.edit(.task, id: task, [.set("releasable", .text("both"))])
        try anna.edit(.task, id: task, [.set("releasable", .text("EUMS"))])
        try anna.edit(.task, id: task, [.set("releasable", .text("both"))])
        #expect(try anna.pendingCount() == 2)
    }

    /// The structural-edits tester: conference 20 added offline on two replicas, and closed
    /// on one. The close, made against no rev on top of the officer's own create, met the
    /// other's create as a conflict with "planned", and the conference stayed planned
    /// everywhere. It stands on the server's rev where the server kept the create's value;
    /// where the create itself disagreed (another date), an edit on top still conflicts.
    @Test func aCloseOnTopOfAConferenceBothAddedHoldsIt() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let bruno = try Replica.create(in: f.tmp.child("bruno"), staff: .EUMS, user: "Bruno")
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        func conference(_ date: String) -> [String: FieldValue] {
            ["number": .text("20"), "date": .text(date), "host": .text("EUMS"), "status": .text("planned")]
        }
        _ = try bruno.createRecord(.conference, fields: conference("2023-12-01"))
        let c20 = try anna.createRecord(.conference, fields: conference("2023-12-01"))
        try anna.edit(.conference, id: c20, [.set("status", .text("held"))])
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        let report = try await SyncEngine(replica: anna, transport: f.transport()).run()
        #expect(report.newConflicts == 0)
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        for r in [anna, bruno] {
            #expect(try r.record(.conference, id: c20)?.text("status") == "held")
            #expect(try r.conflicts().isEmpty)
        }

        // Another date on each side: the create disagrees, and the edit made on top of it too.
        _ = try bruno.createRecord(.conference, fields: conference("2024-05-14").merging(["number": .text("21")]) { $1 })
        let c21 = try anna.createRecord(.conference, fields: conference("2024-05-15").merging(["number": .text("21")]) { $1 })
        try anna.edit(.conference, id: c21, [.set("date", .text("2024-05-16"))])
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        #expect(try anna.conflicts().contains { $0.record == c21 && $0.field == "date" })
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        #expect(try bruno.record(.conference, id: c21)?.text("date") == "2024-05-14", "nothing replaced bruno's date unseen")
    }

    @Test func aStatusSetOnEitherSideOfHidingIsTheLaterOne() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        let task = try anna.createRecord(.task, fields: taskFields(f.area, title: "Status, hide, status"))
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let bruno = try Replica.create(in: f.tmp.child("bruno"), staff: .EUMS, user: "Bruno")
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()

        try anna.edit(.task, id: task, [.set("status", .text("blocked"))])
        try anna.edit(.task, id: task, [.set("releasable", .text("EUMS"))])
        try anna.edit(.task, id: task, [.set("status", .text("done"))])
        #expect(try anna.pendingCount() == 3)
        let report = try await SyncEngine(replica: anna, transport: f.transport()).run()
        #expect(report.newConflicts == 0)
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        for r in [anna, bruno] {
            #expect(try r.taskView(id: task).status == "done")
            #expect(try r.taskView(id: task).releasable == "EUMS")
            #expect(try r.conflicts().isEmpty)
        }
    }
}
