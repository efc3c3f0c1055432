import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// The clock tester: officers' laptop clocks decided what replicas showed. DESIGN.md: order
/// comes from `seq`, never from clocks, and converged replicas are equal (rule 6).
@Suite("Officers' clocks decide nothing")
struct ClockIndependenceTests {
    static let day: Timestamp = 86_400_000

    func note(_ r: Replica, _ task: String, _ text: String, staff: String, at: Timestamp) throws {
        _ = try r.createRecord(.note, fields: ["task": .text(task), "text": .text(text), "author": .text("Officer"),
                                               "staff": .text(staff), "releasable": .text("both")], at: at)
    }

    /// EUMS's clock two days fast, IMS's three days slow: IMS's note reached the server
    /// second and is listed second, and is the brief's last note, on both replicas; a note
    /// not yet synced comes after every synced one.
    @Test func notesAreListedInServerOrder() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let eums = f.replica
        let task = try eums.createRecord(.task, fields: taskFields(f.area))
        _ = try eums.createRecord(.conference, fields: ["number": .text("21"), "date": .text("2030-05-14"), "host": .text("EUMS"), "status": .text("planned")])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        let now = Clock.now()
        try note(eums, task, "first, from a fast clock", staff: "EUMS", at: now + 2 * Self.day)
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        try note(ims, task, "second, from a slow clock", staff: "IMS", at: now - 3 * Self.day)
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()

        for r in [eums, ims] {
            #expect(try r.taskView(id: task).notes?.map(\.text) == ["first, from a fast clock", "second, from a slow clock"])
            #expect(try r.brief(conference: 21).allTasks.first?.lastNote?.text == "second, from a slow clock")
        }
        try note(eums, task, "third, not synced, clock slower still", staff: "EUMS", at: now - 5 * Self.day)
        #expect(try eums.taskView(id: task).notes?.map(\.text).last == "third, not synced, clock slower still")
    }

    /// IMS set the title at 10:00 and synced; EUMS set another at 11:00 and met the
    /// conflict; EUMS also set a value the server already held. Converged, every replica
    /// shows the same update time: that of IMS's change, the last one the server took.
    @Test func updateTimesAgreeAfterEditsTheServerDidNotTake() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let eums = f.replica
        let t0 = Clock.now() - Self.day
        let task = try eums.createRecord(.task, fields: taskFields(f.area), at: t0)
        let other = try eums.createRecord(.task, fields: taskFields(f.area, title: "Second"), at: t0)
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        let hour: Timestamp = 3_600_000
        _ = try ims.edit(.task, id: task, [.set("title", .text("Title by IMS"))], at: t0 + hour)
        _ = try ims.edit(.task, id: other, [.set("owner", .text("Maj. Smith"))], at: t0 + hour)
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        _ = try eums.edit(.task, id: task, [.set("title", .text("Title by EUMS"))], at: t0 + 2 * hour)
        _ = try eums.edit(.task, id: other, [.set("owner", .text("Maj. Smith"))], at: t0 + 2 * hour)
        let report = try await SyncEngine(replica: eums, transport: f.transport()).run()
        #expect(report.newConflicts == 1 && report.unchanged == 1)
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()

        for id in [task, other] {
            let times = try [eums, ims].map { try #require(try $0.record(.task, id: id)).updatedAt }
            #expect(times == [t0 + hour, t0 + hour], "\(id)")
        }
    }

    /// The reviewer: an edit made under a slow clock set the record's time back on its own
    /// replica, while the others keep the later time they hold (`max`).
    @Test func anEditUnderASlowClockSetsNoTimeBack() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let eums = f.replica
        let t0 = Clock.now() - Self.day
        let task = try eums.createRecord(.task, fields: taskFields(f.area), at: t0)
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        _ = try eums.edit(.task, id: task, [.set("owner", .text("Maj. Fast"))], at: t0 + 3_600_000)
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        _ = try ims.edit(.task, id: task, [.set("status", .text("blocked"))], at: t0 + 60_000)
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let times = try [eums, ims].map { try #require(try $0.record(.task, id: task)).updatedAt }
        #expect(times == [t0 + 3_600_000, t0 + 3_600_000])
    }
}
