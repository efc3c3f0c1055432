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
        let (c, conference) = try await Self.conferenceOfTheOtherStaff(f)

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

    /// The review: a field the waiting create does not name (it leaves out empty ones) took
    /// the pulled create's rev but not its value, and nothing later brought the value.
    @Test func aFieldTheWaitingCreateDoesNotNameShowsThePulledValue() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let a = f.replica
        _ = try await SyncEngine(replica: a, transport: f.transport()).run()
        let c = try Replica.create(in: f.tmp.child("c"), staff: .IMS, user: "Smith")
        var fields = Self.conference(place: "place by C")
        fields["guidance"] = .text("bring maps")
        let conference = try c.createRecord(.conference, fields: fields)
        _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()
        var mine = Self.conference(place: "")
        mine["place"] = nil
        _ = try a.createRecord(.conference, fields: mine)
        _ = try a.applyPull(try await f.store.pullPage(after: try a.currentSettings().cursor, limit: Limits.maxPageSize, staff: .EUMS))
        #expect(try a.record(.conference, id: conference)?.text("guidance") == "bring maps", "not named by the waiting create")
        for _ in 0..<2 {
            _ = try await SyncEngine(replica: a, transport: f.transport()).run()
            _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()
        }
        #expect(try a.record(.conference, id: conference)?.text("place") == "place by C")
        #expect(try a.record(.conference, id: conference)?.text("guidance") == "bring maps")
        #expect(try a.openConflictCount() == 0)
    }

    /// The review: the field changed again on the server, and another sync of this replica
    /// pulled that change beneath the waiting create, before the create's reply (with the
    /// conflict and the older current value) was stored.
    @Test func aLaterChangePulledBeforeTheReplyIsTheValueShown() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let a = f.replica
        let (c, conference) = try await Self.conferenceOfTheOtherStaff(f)
        _ = try a.createRecord(.conference, fields: Self.conference(place: "place by A"))
        let batch = try #require(try a.nextBatch())
        let response = try await f.transport().push(batch)
        _ = try c.edit(.conference, id: conference, [.set("place", .text("place by C2"))])
        _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()
        _ = try a.applyPull(try await f.store.pullPage(after: try a.currentSettings().cursor, limit: Limits.maxPageSize, staff: .EUMS),
                            after: try a.currentSettings().cursor)
        _ = try a.applyPushResponse(response)
        #expect(try a.record(.conference, id: conference)?.text("place") == "place by C2")
        let conflict = try #require(try a.conflicts().first)
        #expect(conflict.current == .text("place by C2") && conflict.proposed == .text("place by A"))
        // Keeping the current value settles it everywhere, with no new conflict.
        _ = try a.resolve(record: conference, field: "place", with: .theirs)
        for _ in 0..<2 {
            _ = try await SyncEngine(replica: a, transport: f.transport()).run()
            _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()
        }
        #expect(try a.openConflictCount() == 0 && c.openConflictCount() == 0)
        #expect(try a.record(.conference, id: conference)?.text("place") == "place by C2")
        #expect(try c.record(.conference, id: conference)?.text("place") == "place by C2")
    }

    /// The review: an edit made while the create was in flight, after the server's create
    /// was pulled beneath it, was made against the pulled rev (the officer saw only their own
    /// value) and silently replaced the other staff's value. It meets it as a conflict.
    @Test func anEditOfTheOwnCreatesValueInFlightIsNoSilentOverwrite() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let a = f.replica
        let (c, conference) = try await Self.conferenceOfTheOtherStaff(f)
        _ = try a.createRecord(.conference, fields: Self.conference(place: "place by A"))
        _ = try a.applyPull(try await f.store.pullPage(after: try a.currentSettings().cursor, limit: Limits.maxPageSize, staff: .EUMS))
        let batch = try #require(try a.nextBatch())
        _ = try a.edit(.conference, id: conference, [.set("place", .text("place by A2"))])
        _ = try a.applyPushResponse(try await f.transport().push(batch))
        _ = try await SyncEngine(replica: a, transport: f.transport()).run()
        _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()
        #expect(try c.record(.conference, id: conference)?.text("place") == "place by C", "not replaced unseen")
        #expect(try a.record(.conference, id: conference)?.text("place") == "place by C")
        let proposed = Set(try a.conflicts().filter { $0.field == "place" }.map(\.proposed))
        #expect(proposed.contains(.text("place by A2")), "the later edit is kept as a conflict: \(proposed)")
    }

    /// The second review: an open conflict on a field that this replica's waiting create
    /// does not name kept showing an older current value after a later change of the field
    /// arrived (the view took it; the conflict did not), and a resolution made against it
    /// would open another conflict.
    @Test func aConflictOnAFieldTheWaitingCreateDoesNotNameFollowsLaterChanges() throws {
        let (r, _, _) = try makeReplica()
        let conference = try r.createRecord(.conference, fields: Self.conference(place: "Brussels"))
        var theirs = Self.conference(place: "Brussels")
        theirs["guidance"] = .text("G1")
        let conflict = Conflict(id: RecordID.random(), record: conference, kind: .conference, type: .edit, field: "guidance",
                                base: .null, current: .text("G1"), proposed: .text("G-other"), proposedBy: "Jones",
                                staff: .IMS, at: 0, currentRev: 3)
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 3, event: .change, record: conference, kind: .conference, action: .create, fields: theirs, user: "Smith", staff: .IMS, at: 0),
            Change(seq: 4, event: .conflictOpened, record: conference, kind: .conference, field: "guidance", user: "Jones", staff: .IMS, at: 0,
                   conflict: conflict),
            Change(seq: 5, event: .change, record: conference, kind: .conference, action: .set, field: "guidance",
                   old: .text("G1"), value: .text("G2"), user: "Smith", staff: .IMS, at: 0),
        ], next: 5, more: false, maxSeq: 5))
        #expect(try r.record(.conference, id: conference)?.text("guidance") == "G2")
        let shown = try #require(try r.conflicts().first)
        #expect(shown.current == .text("G2"), "the conflict shows what the server holds")
    }

    /// The second review: a field cleared on a natural-key record created here, not yet
    /// sent, left the create; the server, which had the record from the other staff, kept
    /// its value, and the clear was neither applied nor in a conflict (rule 5).
    @Test func aFieldClearedOnAWaitingNaturalKeyCreateIsNotLost() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let a = f.replica
        let (_, conference) = try await Self.conferenceOfTheOtherStaff(f)

        #expect(try a.createRecord(.conference, fields: Self.conference(place: "place by A")) == conference)
        try a.edit(.conference, id: conference, [.set("place", .null)])
        _ = try await SyncEngine(replica: a, transport: f.transport()).run()
        let open = try a.conflicts().filter { $0.record == conference && $0.field == "place" }
        #expect(open.map(\.proposed) == [.null], "the clear is kept as a conflict: \(open)")
        #expect(open.first?.current == .text("place by C"))
    }

    /// A synced, and conference 21 made and sent by IMS's Smith (C), which A has not pulled.
    static func conferenceOfTheOtherStaff(_ f: StoreAndReplica) async throws -> (Replica, String) {
        _ = try await SyncEngine(replica: f.replica, transport: f.transport()).run()
        let c = try Replica.create(in: f.tmp.child("c"), staff: .IMS, user: "Smith")
        let conference = try c.createRecord(.conference, fields: Self.conference(place: "place by C"))
        _ = try await SyncEngine(replica: c, transport: f.transport("Smith", .IMS)).run()
        return (c, conference)
    }

    static func conference(place: String) -> [String: FieldValue] {
        ["number": .text("21"), "date": .text("2024-05-15"), "host": .text("IMS"), "place": .text(place), "status": .text("planned")]
    }
}
