import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport
@testable import WorkPlanClient

/// A record withdrawn and shared again while this replica was away, edited here meanwhile:
/// the pull brings the withdrawal, the snapshot (the record as the share left it, older
/// than this replica's own accepted edit) and then that edit. The third review: the edit was
/// skipped as already stored (`acknowledged`), and vanished from the officer's replica for
/// good, with nothing pending.
@Suite("An own edit pulled after the snapshot that revealed its record")
struct RevealedDuringSyncTests {
    @Test(arguments: [Limits.maxPageSize, 1])
    func theOfficersAcceptedEditStays(pageSize: Int) async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        let task = try anna.createRecord(.task, fields: taskFields(f.area))
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let ivan = try Replica.create(in: f.tmp.child("ivan"), staff: .IMS, user: "Ivan")
        _ = try await SyncEngine(replica: ivan, transport: f.transport("Ivan", .IMS)).run()
        try anna.edit(.task, id: task, [.set("releasable", .text("EUMS"))])
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        try anna.edit(.task, id: task, [.set("releasable", .text("both"))])
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()

        // Ivan has pulled neither; his edit is accepted (the task is shared when it arrives).
        try ivan.edit(.task, id: task, [.set("status", .text("blocked"))])
        let pages = SmallPages(inner: f.transport("Ivan", .IMS), limit: pageSize)
        let report = try await SyncEngine(replica: ivan, transport: pages).run()
        #expect(report.accepted == 1 && report.newConflicts == 0)
        #expect(try ivan.record(.task, id: task)?.text("status") == "blocked")
        _ = try await SyncEngine(replica: ivan, transport: pages).run()
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        #expect(try ivan.record(.task, id: task)?.text("status") == "blocked")
        #expect(try anna.record(.task, id: task)?.text("status") == "blocked")
        // And his next edit of it stands on that value's rev: accepted, not in conflict.
        try ivan.edit(.task, id: task, [.set("status", .text("done"))])
        #expect(try await SyncEngine(replica: ivan, transport: pages).run().newConflicts == 0)
    }
}
