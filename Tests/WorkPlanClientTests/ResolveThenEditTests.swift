import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// The second tester: an officer settled a conflict with `--value` (or `--mine`) and then,
/// before syncing, edited the same field again. The edit was queued apart from the
/// resolution against the rev before it, so it met the officer's own resolved value as a
/// new conflict. It now changes the value the waiting resolution settles on.
@Suite("An edit after the officer's own resolution")
struct ResolveThenEditTests {
    @Test func theLaterEditIsTheValueTheConflictSettlesOn() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let alice = f.replica
        let task = try alice.createRecord(.task, fields: taskFields(f.area, title: "Resolve then edit"))
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        let bob = try Replica.create(in: f.tmp.child("bob"), staff: .EUMS, user: "Bob")
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        try alice.edit(.task, id: task, [.set("status", .text("blocked"))])
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        try bob.edit(.task, id: task, [.set("status", .text("done"))])
        #expect(try await SyncEngine(replica: bob, transport: f.transport("Bob")).run().newConflicts == 1)

        _ = try bob.resolve(record: task, field: "status", with: .value("in-progress"))
        try bob.edit(.task, id: task, [.set("status", .text("cancelled"))])
        let report = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        #expect(report.newConflicts == 0)
        for r in [alice, bob] {
            #expect(try r.taskView(id: task).status == "cancelled")
            #expect(try r.conflicts().isEmpty)
        }
    }
}

/// The second tester: "pulled 0 changes" for a sync that brought another officer's change,
/// because the reply to this replica's push (a conflict) had already shown its value.
@Suite("What a sync says it pulled")
struct PulledCountTests {
    @Test func anotherOfficersChangeCountsThoughThePushReplyShowedIt() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let alice = f.replica
        let task = try alice.createRecord(.task, fields: taskFields(f.area, title: "Counted"))
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        let bob = try Replica.create(in: f.tmp.child("bob"), staff: .EUMS, user: "Bob")
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        try alice.edit(.task, id: task, [.set("status", .text("done"))])
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        try bob.edit(.task, id: task, [.set("status", .text("blocked"))])
        let report = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()
        #expect(report.newConflicts == 1)
        #expect(report.pulled == 1, "alice's status change arrived")
        #expect(try await SyncEngine(replica: bob, transport: f.transport("Bob")).run().pulled == 0, "nothing new")
    }
}

/// The third tester: a task its creator deleted before ever syncing came back for good
/// when a colleague imported an older export holding it and synced first.
@Suite("A record deleted here before it ever synced")
struct DeletedBeforeSyncedTests {
    @Test func itIsDeletedAgainWhenItArrivesFromTheServer() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let alice = f.replica
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        let gone = try alice.createRecord(.task, fields: taskFields(f.area, title: "Deleted before syncing"))
        let file = try alice.exportPlan()
        try alice.deleteRecord(.task, id: gone)

        let bob = try Replica.create(in: f.tmp.child("bob"), staff: .EUMS, user: "Bob")
        _ = try bob.importPlan(file)
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        #expect(try alice.record(.task, id: gone) == nil, "alice's delete stands here")
        // Her delete goes out with her next sync, and reaches bob.
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()
        #expect(try bob.record(.task, id: gone) == nil)
        #expect(try alice.conflicts().isEmpty && bob.conflicts().isEmpty)
    }
}

/// The review and the third tester: `conflicts` offered `--mine` on a field where the
/// officer had proposed two different values, and `resolve --mine` then refused as
/// ambiguous. The choices come from every conflict open on the field, as `resolve`'s do;
/// and since the black-box tester of 2026-11-30, an officer's later proposal answers their
/// earlier one (the server closes it), so `--mine` keeps the later.
@Suite("The choices a conflict offers")
struct ConflictChoicesTests {
    @Test func anOfficersLaterProposalAnswersTheirEarlierOne() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let alice = f.replica
        let task = try alice.createRecord(.task, fields: taskFields(f.area, title: "Owner"))
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        let bob = try Replica.create(in: f.tmp.child("bob"), staff: .EUMS, user: "Bob")
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        try alice.edit(.task, id: task, [.set("owner", .text("O1"))])
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        try bob.edit(.task, id: task, [.set("owner", .text("O2"))])
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()
        #expect(try bob.conflicts().allSatisfy { !$0.mineUnclear }, "one value proposed: --mine keeps it")
        try alice.edit(.task, id: task, [.set("owner", .text("O3"))])
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        try bob.edit(.task, id: task, [.set("owner", .text("O4"))])
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        let open = try bob.conflicts()
        #expect(open.map(\.proposed) == [.text("O4")])
        #expect(open.allSatisfy { !$0.mineUnclear })
        #expect(try bob.resolve(record: task, field: "owner", with: .mine).proposed == .text("O4"))
    }
}

/// The review: a later `set` of a conference's status folded into the waiting close that
/// marks its baseline, and the baseline was gone. A baseline marker is never folded into.
@Suite("A waiting baseline marker")
struct BaselineMarkerFoldTests {
    @Test func aLaterStatusEditIsNotFoldedIntoTheClose() throws {
        let (r, _, _) = try makeReplica()
        let c = try r.createRecord(.conference, fields: ["number": .text("20"), "date": .text("2023-12-01"), "host": .text("EUMS"),
                                                         "status": .text("planned")])
        try r.edit(.conference, id: c, [.set("status", .text("held"))])
        try r.edit(.conference, id: c, [.set("status", .text("planned"))])
        let statuses = try pendingOps(r).filter { $0.record == c && $0.field == "status" }.map(\.value)
        #expect(statuses == [.text("held"), .text("planned")], "the close stays, and the edit after it")
    }
}
