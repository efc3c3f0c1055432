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
}
