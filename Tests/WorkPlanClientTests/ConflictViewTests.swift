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

    /// The black-box tester: two EUMS officers set one field (Dupont's value current, Martin's
    /// in conflict); IMS's Smith, who set neither, ran `resolve --mine` and it applied Martin's
    /// value. Neither value is his or his staff's: `--mine` names none, he is asked to choose,
    /// and nothing is queued. Martin's own `--mine` still keeps his value.
    @Test func mineNamesNoValueForAnOfficerOfTheOtherStaffWhoSetNeither() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (task, dupont, martin, smith) = try await Self.twoEUMSOfficersAndOneOfIMS(f)
        try dupont.edit(.task, id: task, [.set("status", .text("blocked"))])
        try martin.edit(.task, id: task, [.set("status", .text("done"))])
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        _ = try await SyncEngine(replica: martin, transport: f.transport("Martin")).run()
        _ = try await SyncEngine(replica: smith, transport: f.transport("Smith", .IMS)).run()

        let shown = try #require(try smith.conflicts().first { $0.record == task })
        #expect(shown.proposedBy == "Martin" && shown.mineUnclear && !shown.mineKeepsCurrent)
        #expect {
            try smith.resolve(record: task, field: "status", with: .mine)
        } throws: { error in
            let e = error as? WorkPlanError
            return e?.code == .ambiguous && e?.message.contains("is yours or IMS's") == true
        }
        #expect(try smith.pendingCount() == 0, "nothing queued")
        #expect(try smith.record(.task, id: task)?.text("status") == "blocked")
        // The officer who proposed it keeps his value with --mine.
        #expect(try martin.conflicts().first { $0.record == task }?.mineUnclear == false)
        let kept = try martin.resolve(record: task, field: "status", with: .mine)
        #expect(kept.proposed == .text("done"))
        // Another EUMS officer: the proposal is his staff's (README).
        let weber = try Replica.create(in: f.tmp.child("weber"), staff: .EUMS, user: "Weber")
        _ = try await SyncEngine(replica: weber, transport: f.transport("Weber")).run()
        #expect(try weber.conflicts().first { $0.record == task }?.mineUnclear == false)
    }

    /// The third review: the same officer of the other staff on a delete conflict (an EUMS
    /// edit met an EUMS delete): its sides are the edit and the delete, `conflicts` offers
    /// `--mine` (the edit's side) and `resolve --mine` takes it, as before.
    @Test func mineStillTakesTheEditsSideOfADeleteConflictForTheOtherStaff() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (task, dupont, martin, smith) = try await Self.twoEUMSOfficersAndOneOfIMS(f)
        try dupont.deleteRecord(.task, id: task)
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        try martin.edit(.task, id: task, [.set("status", .text("done"))])
        _ = try await SyncEngine(replica: martin, transport: f.transport("Martin")).run()
        _ = try await SyncEngine(replica: smith, transport: f.transport("Smith", .IMS)).run()
        let shown = try #require(try smith.conflicts().first { $0.record == task })
        #expect(shown.type == ConflictType.editDeleted.rawValue && !shown.mineUnclear)
        #expect(try smith.resolve(record: task, field: shown.field, with: .mine).proposedBy == "Martin")
    }

    /// Dupont's task, synced to Martin (EUMS); Smith (IMS) has not synced yet.
    static func twoEUMSOfficersAndOneOfIMS(_ f: StoreAndReplica) async throws -> (String, Replica, Replica, Replica) {
        let task = try f.replica.createRecord(.task, fields: taskFields(f.area))
        _ = try await SyncEngine(replica: f.replica, transport: f.transport()).run()
        let martin = try Replica.create(in: f.tmp.child("martin"), staff: .EUMS, user: "Martin")
        let smith = try Replica.create(in: f.tmp.child("smith"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: martin, transport: f.transport("Martin")).run()
        return (task, f.replica, martin, smith)
    }
}
