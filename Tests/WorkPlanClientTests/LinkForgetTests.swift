import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// The reviewer of 4ebebe3: a task withdrawn from IMS and then taken off an agenda item
/// before IMS pulled left its id in IMS's copy of the item for good (the pull leaves the
/// removal out, and the item no longer links to it), and in the item's history.
@Suite("A withdrawn task is forgotten in other records")
struct LinkForgetTests {
    @Test func noIDOfTheWithdrawnTaskStaysWithTheOtherStaff() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (eums, area) = (f.replica, f.area)
        let shared = try eums.createRecord(.task, fields: taskFields(area, title: "Shared"))
        let hidden = try eums.createRecord(.task, fields: taskFields(area, title: "Soon hidden"))
        var follower = taskFields(area, title: "Follows the one soon hidden")
        follower["follows"] = .text(hidden)
        let follows = try eums.createRecord(.task, fields: follower)
        _ = try eums.createRecord(.conference, fields: ["number": .text("21"), "date": .text("2024-05-14"), "host": .text("EUMS"), "status": .text("planned")])
        let item = try eums.createRecord(.agendaItem, fields: ["conference": .text("21"), "topic": .text("Cyber"), "tasks": .set([shared, hidden]),
                                                              "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both")])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        #expect(try ims.agenda(number: 21).first?.tasks.contains(hidden) == true, "shared: IMS sees it")

        try eums.edit(.task, id: hidden, [.set("releasable", .text("EUMS"))])
        try eums.edit(.agendaItem, id: item, [.remove("tasks", hidden)])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()

        #expect(try ims.agenda(number: 21).first?.tasks == [shared])
        #expect(try ims.tasks().first { $0.id == follows }?.follows == nil)
        let held = try await ims.db.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM history").joined() + String.fetchAll(db, sql: "SELECT body FROM conflict").joined()
        }
        let exported = String(decoding: try JSONEncoder().encode(try ims.exportPlan()), as: UTF8.self)
        #expect(!held.contains(hidden) && !exported.contains(hidden))
        // EUMS still has every link it made.
        #expect(try eums.tasks().first { $0.id == follows }?.follows == hidden)
    }

    /// Withdrawn and shared again before the other staff pulls (one page): the links stay.
    @Test func aTaskWithdrawnAndSharedAgainInOnePageKeepsItsLinks() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (eums, area) = (f.replica, f.area)
        let task = try eums.createRecord(.task, fields: taskFields(area, title: "Back and forth"))
        var follower = taskFields(area, title: "Follows it")
        follower["follows"] = .text(task)
        let follows = try eums.createRecord(.task, fields: follower)
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        try eums.edit(.task, id: task, [.set("releasable", .text("EUMS"))])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        try eums.edit(.task, id: task, [.set("releasable", .text("both"))])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()
        #expect(try ims.tasks().first { $0.id == follows }?.follows == task)
        #expect(try ims.tasks().contains { $0.id == task })
    }

    /// The sharing property test: IMS took a task off an agenda item while EUMS withdrew the
    /// task. The server refuses the removal (IMS may not name a task it cannot see), and the
    /// set-aside edit put the item's tasks back to what they were when the edit was made,
    /// the withdrawn task's id with them, for good.
    @Test func aRefusedRemovalOfAWithdrawnTaskDoesNotBringItsIDBack() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (eums, area) = (f.replica, f.area)
        let shared = try eums.createRecord(.task, fields: taskFields(area, title: "Shared"))
        let hidden = try eums.createRecord(.task, fields: taskFields(area, title: "Soon hidden"))
        var follower = taskFields(area, title: "Follows the one soon hidden")
        follower["follows"] = .text(hidden)
        let follows = try eums.createRecord(.task, fields: follower)
        _ = try eums.createRecord(.conference, fields: ["number": .text("21"), "date": .text("2024-05-14"), "host": .text("EUMS"), "status": .text("planned")])
        let item = try eums.createRecord(.agendaItem, fields: ["conference": .text("21"), "topic": .text("Cyber"), "tasks": .set([shared, hidden]),
                                                              "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both")])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()

        // Offline on both sides: IMS takes the task off the item and makes the follow-on
        // point elsewhere; EUMS withdraws the task.
        try ims.edit(.agendaItem, id: item, [.remove("tasks", hidden)])
        try ims.edit(.task, id: follows, [.set("follows", .text(hidden))])
        try eums.edit(.task, id: hidden, [.set("releasable", .text("EUMS"))])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let report = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()

        #expect(report.setAside >= 1, "the removal is kept, not sent")
        #expect(try ims.agenda(number: 21).first?.tasks == [shared])
        #expect(try ims.tasks().first { $0.id == follows }?.follows == nil)
        let exported = String(decoding: try JSONEncoder().encode(try ims.exportPlan()), as: UTF8.self)
        #expect(!exported.contains(hidden))
    }

    /// The sharing property test: IMS set a follow-on link on a task that EUMS deleted, to a
    /// task EUMS withdrew. The pull left the delete for the server to answer with a conflict
    /// (an edit of the task waited), but the edit was set aside instead of sent, so the task
    /// stayed on IMS's replica while it was deleted everywhere else.
    @Test func aTaskDeletedOnTheServerLeavesWhenItsLastEditIsSetAside() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (eums, area) = (f.replica, f.area)
        let doomed = try eums.createRecord(.task, fields: taskFields(area, title: "Soon deleted"))
        let hidden = try eums.createRecord(.task, fields: taskFields(area, title: "Soon hidden"))
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()

        try ims.edit(.task, id: doomed, [.set("follows", .text(hidden))])
        try eums.deleteRecord(.task, id: doomed)
        try eums.edit(.task, id: hidden, [.set("releasable", .text("EUMS"))])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let report = try await SyncEngine(replica: ims, transport: f.transport("Smith", .IMS)).run()

        #expect(report.setAside == 1)
        #expect(try ims.tasks().map(\.id).isEmpty, "both tasks are gone from IMS, as from the server's plan for IMS")
        #expect(try ims.pendingCount() == 0)
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        #expect(try !eums.tasks().contains { $0.id == doomed })
    }
}
