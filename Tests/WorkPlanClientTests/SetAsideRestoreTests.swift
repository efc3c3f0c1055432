import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// An edit set aside (not sent: it names a task the officer's staff may no longer see, or
/// the server refused it) leaves the replica as the server has it. Three ways it did not,
/// found by the sharing property test (`SharingPropertyTests`).
@Suite("A set-aside edit leaves the replica as the server has it")
struct SetAsideRestoreTests {
    /// The server's value kept with a waiting edit did not move when a snapshot (a task
    /// shared with IMS again) brought the field: setting the edit aside put the agenda item
    /// back to its older tasks, without the task just shared.
    @Test func aSnapshotUnderAWaitingEditMovesTheValueTheEditGoesBackTo() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (eums, area) = (f.replica, f.area)
        let shared = try eums.createRecord(.task, fields: taskFields(area, title: "Shared"))
        var own = taskFields(area, title: "EUMS only for now")
        own["releasable"] = .text("EUMS")
        let later = try eums.createRecord(.task, fields: own)
        let soonHidden = try eums.createRecord(.task, fields: taskFields(area, title: "Soon hidden"))
        _ = try eums.createRecord(.conference, fields: ["number": .text("21"), "date": .text("2024-05-14"), "host": .text("EUMS"), "status": .text("planned")])
        let item = try eums.createRecord(.agendaItem, fields: ["conference": .text("21"), "topic": .text("Cyber"), "tasks": .set([shared, later]),
                                                              "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both")])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        #expect(try ims.agenda(number: 21).first?.tasks == [shared])

        try ims.edit(.agendaItem, id: item, [.set("tasks", .set([shared, soonHidden]))])
        try eums.edit(.task, id: later, [.set("releasable", .text("both"))])
        try eums.edit(.task, id: soonHidden, [.set("releasable", .text("EUMS"))])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let report = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()

        #expect(report.setAside == 1)
        #expect(Set(try ims.agenda(number: 21).first?.tasks ?? []) == [shared, later], "as the server has it for IMS")
    }

    /// An edit of a record whose create was still in flight keeps no server value: set
    /// aside, it left its link in the view, to a task withdrawn from IMS.
    @Test func aLinkEditSetAsideOnARecordJustCreatedLeavesNoLink() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (eums, area) = (f.replica, f.area)
        let soonHidden = try eums.createRecord(.task, fields: taskFields(area, title: "Soon hidden"))
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        let imsLink = f.transport("Smith", .IMS)
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()

        let mine = try ims.createRecord(.task, fields: taskFields(area, title: "IMS task"))
        imsLink.dropNextReply()
        await #expect(throws: WorkPlanError.self) { try await SyncEngine(replica: ims, transport: imsLink).run() }
        try ims.edit(.task, id: mine, [.set("follows", .text(soonHidden))])
        try eums.edit(.task, id: soonHidden, [.set("releasable", .text("EUMS"))])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let report = try await SyncEngine(replica: ims, transport: imsLink).run()

        #expect(report.setAside == 1)
        #expect(try ims.tasks().first { $0.id == mine }?.follows == nil)
        let exported = String(decoding: try JSONEncoder().encode(try ims.exportPlan()), as: UTF8.self)
        #expect(!exported.contains(soonHidden))
    }

    /// `resolve --mine` takes the conflict off the list; the server refused the resolution
    /// (it would close a follow-on loop), so the conflict stayed open there and the other
    /// EUMS replica listed it, but this one did not.
    @Test func aResolutionSetAsideListsItsConflictAgain() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (dupont, area) = (f.replica, f.area)
        let a = try dupont.createRecord(.task, fields: taskFields(area, title: "A"))
        let b = try dupont.createRecord(.task, fields: taskFields(area, title: "B"))
        let c = try dupont.createRecord(.task, fields: taskFields(area, title: "C"))
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let weber = try Replica.create(in: f.tmp.child("weber"), staff: .EUMS, user: "Weber")
        _ = try await SyncEngine(replica: weber, transport: f.transport("Weber")).run()

        try dupont.edit(.task, id: a, [.set("follows", .text(c))])
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        try weber.edit(.task, id: a, [.set("follows", .text(b))])
        _ = try await SyncEngine(replica: weber, transport: f.transport("Weber")).run()
        let open = try weber.conflicts().map(\.id)
        #expect(open.count == 1)

        try dupont.edit(.task, id: b, [.set("follows", .text(a))])
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        _ = try weber.resolve(record: a, field: "follows", with: .mine)
        #expect(try weber.conflicts().isEmpty)
        let report = try await SyncEngine(replica: weber, transport: f.transport("Weber")).run()

        #expect(report.setAside == 1, "the loop is refused and kept")
        #expect(try weber.conflicts().map(\.id) == open, "still open on the server")
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        #expect(Set(try dupont.conflicts().map(\.id)) == Set(open))
        #expect(try weber.conflicts().first?.current == .text(c))
    }
}
