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

    /// The review: a delete pulled under a waiting IMS edit, followed on the server by an edit-vs-delete
    /// conflict opened by another replica: the set-aside edit still applies the delete.
    @Test func deleteFollowedByAConflictIsAppliedWhenTheEditIsSetAside() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (dupont, area) = (f.replica, f.area)
        let t = try dupont.createRecord(.task, fields: taskFields(area, title: "T"))
        let u = try dupont.createRecord(.task, fields: taskFields(area, title: "U"))
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let weber = try Replica.create(in: f.tmp.child("weber"), staff: .EUMS, user: "Weber")
        _ = try await SyncEngine(replica: weber, transport: f.transport("Weber")).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        let imsLink = f.transport("Smith", .IMS)
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()

        try ims.edit(.task, id: t, [.set("follows", .text(u))])
        try dupont.edit(.task, id: u, [.set("releasable", .text("EUMS"))])
        try dupont.deleteRecord(.task, id: t)
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        try weber.edit(.task, id: t, [.set("status", .text("done"))])
        _ = try await SyncEngine(replica: weber, transport: f.transport("Weber")).run()
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let report = try await SyncEngine(replica: ims, transport: imsLink).run()
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()

        #expect(report.setAside == 1)
        let eumsTasks = Set(try dupont.tasks().map(\.id))
        let weberTasks = Set(try weber.tasks().map(\.id))
        let imsTasks = Set(try ims.tasks().map(\.id))
        #expect(eumsTasks.contains(t) == imsTasks.contains(t), "IMS holds T as the EUMS replicas do")
    }

    /// The review: a link edit of a record whose create was in flight (no server value kept), refused by
    /// the server as a follow-on loop after a pull while it waited: the view kept the link
    /// to a task that is here, which the server never took.
    @Test func aRefusedLoopOnARecordJustCreatedLeavesTheServersValue() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (dupont, area) = (f.replica, f.area)
        let b = try dupont.createRecord(.task, fields: taskFields(area, title: "B"))
        let w = try dupont.createRecord(.task, fields: taskFields(area, title: "W"))
        let x = try dupont.createRecord(.task, fields: taskFields(area, title: "X"))
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        let imsLink = f.transport("Smith", .IMS)
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()

        let a = try ims.createRecord(.task, fields: taskFields(area, title: "A"))
        imsLink.dropNextReply()
        await #expect(throws: WorkPlanError.self) { try await SyncEngine(replica: ims, transport: imsLink).run() }
        try ims.edit(.task, id: x, [.set("follows", .text(w))])
        try ims.edit(.task, id: a, [.set("follows", .text(b))])
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        try dupont.edit(.task, id: w, [.set("releasable", .text("EUMS"))])
        try dupont.edit(.task, id: b, [.set("follows", .text(a))])
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let report = try await SyncEngine(replica: ims, transport: imsLink).run()
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let imsA = try ims.tasks().first { $0.id == a }?.follows
        let eumsA = try dupont.tasks().first { $0.id == a }?.follows
        #expect(imsA == eumsA, "IMS shows A as the server has it")
    }

    /// The review: a resolution set aside after a pull that brought the conflict's close (another officer
    /// settled it): `conflict_resolved` was read by its `conflict`, which such a change does
    /// not carry (it lists `resolved`), so the closed conflict was listed again here.
    @Test func aResolutionSetAsideDoesNotReopenAConflictClosedOnTheServer() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (dupont, area) = (f.replica, f.area)
        let a = try dupont.createRecord(.task, fields: taskFields(area, title: "A"))
        let b = try dupont.createRecord(.task, fields: taskFields(area, title: "B"))
        let c = try dupont.createRecord(.task, fields: taskFields(area, title: "C"))
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        let imsLink = f.transport("Smith", .IMS)
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()

        try dupont.edit(.task, id: a, [.set("follows", .text(c))])
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        try ims.edit(.task, id: a, [.set("follows", .text(b))])
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        #expect(try ims.conflicts().count == 1)
        #expect(try dupont.conflicts().count == 1)
        _ = try ims.resolve(record: a, field: "follows", with: .mine)
        try dupont.edit(.task, id: b, [.set("releasable", .text("EUMS"))])
        _ = try dupont.resolve(record: a, field: "follows", with: .theirs)
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        let report = try await SyncEngine(replica: ims, transport: imsLink).run()
        _ = try await SyncEngine(replica: ims, transport: imsLink).run()
        _ = try await SyncEngine(replica: dupont, transport: f.transport()).run()
        #expect(Set(try ims.conflicts().map(\.id)) == Set(try dupont.conflicts().map(\.id)), "the same open conflicts on both replicas")
    }
}
