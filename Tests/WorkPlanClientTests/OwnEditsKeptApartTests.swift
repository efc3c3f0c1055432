import Foundation
import Testing
import WorkPlanProtocol
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
