import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// Tester, 2026-11-30: when the value a conflict kept was an empty field, the officer whose
/// edit lost went on seeing their own value for good (`resolve --theirs` included), so the
/// replicas never agreed. The reply's `"value": null` read as "no value given".
@Suite("A conflict that keeps an emptied field")
struct EmptiedFieldConflictTests {
    @Test func theLosingReplicaShowsTheFieldEmpty() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let alice = f.replica
        var fields = taskFields(f.area, title: "Owner test")
        fields["owner"] = .text("Maj X")
        let task = try alice.createRecord(.task, fields: fields)
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        let bob = try Replica.create(in: f.tmp.child("bob"), staff: .EUMS, user: "Bob")
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        try alice.edit(.task, id: task, [.set("owner", .null)])
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        try bob.edit(.task, id: task, [.set("owner", .text("Maj Y"))])
        let report = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        #expect(report.newConflicts == 1)
        #expect(try bob.taskView(id: task).owner == nil, "the current value stays: empty")
        let conflict = try #require(try bob.conflicts().first)
        #expect(conflict.current == .null && conflict.proposed == .text("Maj Y"))

        _ = try bob.resolve(record: task, field: "owner", with: .theirs)
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        #expect(try bob.taskView(id: task).owner == nil)
        #expect(try alice.taskView(id: task).owner == nil)
        #expect(try bob.conflicts().isEmpty && alice.conflicts().isEmpty)
    }
}
