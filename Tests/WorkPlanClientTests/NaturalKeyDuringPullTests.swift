import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport
@testable import WorkPlanClient

/// A natural-key record created here while a pull brings the other staff's create of the
/// same record (the kill-soak tester, 2026-11-30: `conference add 21` run during a sync).
@Suite("Natural keys created during a pull")
struct NaturalKeyDuringPullTests {
    /// The pulled create arrives beneath this replica's waiting create; the push then meets
    /// the server's record and opens a conflict. The replica must show the server's value
    /// with the conflict, as a set in conflict does, not its own refused value for good.
    @Test func theConflictingFieldShowsTheServersValue() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let a = f.replica
        _ = try await SyncEngine(replica: a, transport: f.transport()).run()
        let c = try Replica.create(in: f.tmp.child("c"), staff: .IMS, user: "Smith")
        let conference = try c.createRecord(.conference, fields: Self.conference(place: "place by C"))
        _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()

        // A creates the same conference; a pull of A's sync then brings C's create before
        // A's create is pushed.
        #expect(try a.createRecord(.conference, fields: Self.conference(place: "place by A")) == conference)
        let page = try await f.store.pullPage(after: try a.currentSettings().cursor, limit: Limits.maxPageSize, staff: .EUMS)
        #expect(page.changes.contains { $0.record == conference && $0.action == .create })
        _ = try a.applyPull(page)
        #expect(try a.record(.conference, id: conference)?.text("place") == "place by A", "the waiting create stays on top")

        let report = try await SyncEngine(replica: a, transport: f.transport()).run()
        #expect(report.newConflicts == 1)
        #expect(try a.pendingCount() == 0)
        #expect(try a.record(.conference, id: conference)?.text("place") == "place by C",
                "the server kept C's place; A's proposal is in the conflict")
        let conflict = try #require(try a.conflicts().first)
        #expect(conflict.field == "place" && conflict.proposed == .text("place by A") && conflict.current == .text("place by C"))

        // Keeping the current value settles it, and both replicas agree.
        _ = try a.resolve(record: conference, field: "place", with: .theirs)
        _ = try await SyncEngine(replica: a, transport: f.transport()).run()
        _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()
        #expect(try a.openConflictCount() == 0 && c.openConflictCount() == 0)
        #expect(try a.record(.conference, id: conference)?.text("place") == "place by C")
        #expect(try c.record(.conference, id: conference)?.text("place") == "place by C")
    }

    static func conference(place: String) -> [String: FieldValue] {
        ["number": .text("21"), "date": .text("2024-05-15"), "host": .text("IMS"), "place": .text(place), "status": .text("planned")]
    }
}
