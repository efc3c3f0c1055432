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
        let (task, ivan) = try await Self.taskSharedAgainWhileIvanWasAway(f)

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

    /// The fourth review: the snapshot applied by another `workplan sync` of the same
    /// replica (a page it asked for before this sync pushed), after this sync stored its
    /// push reply: this sync's pull, after the cursor that other sync left, met the
    /// officer's edit with nothing saying the record was revealed since.
    @Test func anotherSyncsSnapshotDoesNotHideTheOfficersEdit() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (task, ivan) = try await Self.taskSharedAgainWhileIvanWasAway(f)
        try ivan.edit(.task, id: task, [.set("status", .text("blocked"))])
        let before = try ivan.currentSettings().cursor
        let early = try await f.store.pullPage(after: before, limit: Limits.maxPageSize, staff: .IMS)
        #expect(early.changes.contains { $0.event == .snapshot && $0.record == task })

        let engine = SyncEngine(replica: ivan, transport: f.transport("Ivan", .IMS))
        var report = SyncEngine.Report()
        report.startCursor = before
        let first = try await engine.push(&report, settings: try ivan.currentSettings())
        #expect(report.accepted == 1)
        _ = try ivan.applyPull(early, after: before)  // the other sync
        try await engine.pull(&report, first: first)
        #expect(try ivan.record(.task, id: task)?.text("status") == "blocked")
    }

    /// Anna's task, withdrawn from IMS and shared again; Ivan (IMS) pulled neither.
    static func taskSharedAgainWhileIvanWasAway(_ f: StoreAndReplica) async throws -> (String, Replica) {
        let anna = f.replica
        let task = try anna.createRecord(.task, fields: taskFields(f.area))
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let ivan = try Replica.create(in: f.tmp.child("ivan"), staff: .IMS, user: "Ivan")
        _ = try await SyncEngine(replica: ivan, transport: f.transport("Ivan", .IMS)).run()
        try anna.edit(.task, id: task, [.set("releasable", .text("EUMS"))])
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        try anna.edit(.task, id: task, [.set("releasable", .text("both"))])
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        return (task, ivan)
    }
}
