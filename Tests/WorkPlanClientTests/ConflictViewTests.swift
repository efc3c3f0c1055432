import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

@Suite("How open conflicts are shown")
struct ConflictViewTests {
    /// Tester, 2026-11-30: a conflict on a task deleted on the server was listed as just
    /// "task 3fffd76a", without a title, in `conflicts` and in the brief.
    @Test func aTaskDeletedOnTheServerIsNamedByItsLastTitle() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let alice = f.replica
        let task = try alice.createRecord(.task, fields: taskFields(f.area, title: "Owner test"))
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        let bob = try Replica.create(in: f.tmp.child("bob"), staff: .EUMS, user: "Bob")
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()
        try alice.edit(.task, id: task, [.set("title", .text("Owner test, renamed"))])
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        try alice.deleteRecord(.task, id: task)
        _ = try await SyncEngine(replica: alice, transport: f.transport()).run()
        try bob.edit(.task, id: task, [.set("status", .text("blocked"))])
        _ = try await SyncEngine(replica: bob, transport: f.transport("Bob")).run()

        let conflict = try #require(try bob.conflicts().first { $0.record == task })
        #expect(conflict.type == ConflictType.editDeleted.rawValue)
        #expect(conflict.title == "Owner test, renamed")
    }
}
