import Foundation
import Testing
import WorkPlanProtocol
@testable import WorkPlanServer
import WorkPlanTestSupport

/// The black-box tester: a shared task following on from an EUMS-only task, and a shared
/// agenda item covering one, gave IMS the hidden task's id (`show`, `agenda list`,
/// `history`, `export`). `LinkRules`: the other staff gets such records without the link.
@Suite("Links to records a staff may not see")
struct LinkTests {
    static let conference = PlanOperation(
        record: RecordID.conference(number: 21), kind: .conference, action: .create,
        fields: ["number": .text("21"), "date": .text("2024-05-14"), "host": .text("EUMS"), "status": .text("planned")],
        baseRev: 0, at: PlanFixtures.at)

    static func agendaItem(_ topic: String, tasks: [String]) -> PlanOperation {
        PlanOperation(record: RecordID.random(), kind: .agendaItem, action: .create,
                      fields: ["conference": .text("21"), "topic": .text(topic), "tasks": .set(tasks),
                               "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both")],
                      baseRev: 0, at: PlanFixtures.at)
    }

    static func element(_ action: Action, _ item: String, _ task: String) -> PlanOperation {
        PlanOperation(record: item, kind: .agendaItem, action: action, field: "tasks", value: .text(task), baseRev: 0, at: PlanFixtures.at)
    }

    /// Everything a staff's pulls hold, as one text.
    static func text(_ changes: [Change]) throws -> String {
        String(decoding: try JSONEncoder().encode(changes), as: UTF8.self)
    }

    /// A shared task `shared` following on from EUMS-only `secret`, a shared task created
    /// following on from it, and two shared agenda items covering it (one from its create,
    /// one by an element added later).
    struct Plan {
        var shared: String, sharedRev: Int64, secret: String, follower: String, item: String, item2: String
    }

    static func plan(_ f: ServerFixture) async throws -> Plan {
        let (shared, created) = try await seedTask(f.eums)
        let secret = PlanFixtures.createTask(title: "EUMS internal review", area: "Military Mobility", releasable: .EUMS)
        let follower = PlanFixtures.createTask(title: "Follows the review", area: "Military Mobility", extra: ["follows": .text(secret.record)])
        let item = agendaItem("Cyber", tasks: [shared, secret.record])
        let item2 = agendaItem("Mobility", tasks: [shared])
        let r = try await push(f.eums, [secret, follower, conference, item, item2, element(.add, item2.record, secret.record)])
        #expect(r.results.allSatisfy { $0.outcome == .accepted })
        let set = try await push(f.eums, [PlanFixtures.set(shared, "follows", .text(secret.record), baseRev: created)])
        #expect(set.results[0].outcome == .accepted)
        return Plan(shared: shared, sharedRev: set.results[0].rev, secret: secret.record, follower: follower.record,
                    item: item.record, item2: item2.record)
    }

    /// The security tester (as IMS, over the wire): a remove of the EUMS-only task from a
    /// shared agenda item was accepted, and "accepted" or "unchanged" told whether the link
    /// was there. It is refused with the words an absent task gets, and changes nothing.
    @Test func aHiddenLinkCannotBeRemovedOrProbedByTheOtherStaff() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let before = try f.digest
            let absent = RecordID.random()
            let hidden = try await f.ims.push(PushRequest(batchId: RecordID.random(), ops: [Self.element(.remove, p.item, p.secret)]))
            let unknown = try await f.ims.push(PushRequest(batchId: RecordID.random(), ops: [Self.element(.remove, p.item, absent)]))
            #expect(hidden.status == 403 && unknown.status == 403, "\(hidden.text) \(unknown.text)")
            #expect(hidden.error?.message.replacingOccurrences(of: RecordID.short(p.secret), with: "ID")
                    == unknown.error?.message.replacingOccurrences(of: RecordID.short(absent), with: "ID"))
            #expect(try f.digest == before)
            // Its own links it removes as before.
            #expect(try await push(f.ims, [Self.element(.remove, p.item, p.shared)]).results[0].outcome == .accepted)
            let tasks = try #require(try await pullAll(f.eums).changes.last { $0.record == p.item && $0.field == "tasks" })
            #expect(tasks.action == .remove && tasks.value == .text(p.shared))
        }
    }

    /// The security tester: IMS clearing a shared task's `follows` (empty as IMS sees it)
    /// removed its link to the EUMS-only task, and "accepted" against "unchanged" for a task
    /// with no link told whether there was one. Both now change nothing and read the same.
    @Test func clearingAFollowsTheOtherStaffSeesEmptyChangesNothing() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let (plain, plainRev) = try await seedTask(f.eums)
            let before = try await pullAll(f.eums).next
            let linked = try await push(f.ims, [PlanFixtures.set(p.shared, "follows", .null, baseRev: p.sharedRev)])
            let unlinked = try await push(f.ims, [PlanFixtures.set(plain, "follows", .null, baseRev: plainRev)])
            #expect(linked.results[0].outcome == .unchanged && unlinked.results[0].outcome == .unchanged)
            #expect(linked.results[0].value == nil || linked.results[0].value == .null, "\(String(describing: linked.results[0].value))")
            #expect(try await pullAll(f.eums).next == before, "no change stored")
            // A task of its own still replaces the link it did not see (a follows is one value).
            let replaced = try await push(f.ims, [PlanFixtures.set(p.shared, "follows", .text(plain), baseRev: p.sharedRev)])
            #expect(replaced.results[0].outcome == .accepted)
        }
    }

    /// The review: IMS set a shared agenda item's tasks to the 200 it sees, the server kept
    /// the EUMS-only one, and the item held 201; every EUMS export then failed to import.
    /// The links kept count towards the limit: that set is refused, naming the operation.
    @Test func theLinksKeptCountTowardsTheSetsLimit() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let tasks = (0..<Schema.maxSetElements).map { PlanFixtures.createTask(title: "Shared \($0)", area: "Military Mobility") }
            try await push(f.eums, tasks)
            let rev = try #require(try await pullAll(f.ims).changes.last { $0.record == p.item }?.seq)
            let full = PlanFixtures.set(p.item, kind: .agendaItem, "tasks", .makeSet(tasks.map(\.record)), baseRev: rev)
            let refused = try await f.ims.push(PushRequest(batchId: RecordID.random(), ops: [full]))
            #expect(refused.status == 400 && refused.error?.message.contains("already has \(Schema.maxSetElements) elements") == true, "\(refused.text)")
            #expect(refused.error?.operation == full.id && refused.error?.record == p.item)
            let room = PlanFixtures.set(p.item, kind: .agendaItem, "tasks", .makeSet(tasks.dropLast().map(\.record)), baseRev: rev)
            #expect(try await push(f.ims, [room]).results[0].outcome == .accepted)
            let stored = try #require(try await pullAll(f.eums).changes.last { $0.record == p.item && $0.field == "tasks" })
            #expect(stored.value?.elements.count == Schema.maxSetElements && stored.value?.elements.contains(p.secret) == true)
        }
    }

    /// The security tester: IMS deleted a shared agenda item and restored it with the tasks
    /// it sees (what `resolve --mine` of a delete sends); the EUMS-only task left the item.
    /// A restore keeps the links the pusher may not see, as a set does.
    @Test func aRestoreKeepsTheLinksThePusherMayNotSee() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let rev = try #require(try await pullAll(f.ims).changes.last { $0.record == p.item }?.seq)
            let deleted = try await push(f.ims, [PlanOperation(record: p.item, kind: .agendaItem, action: .delete, baseRev: rev, at: 0)])
            #expect(deleted.results[0].outcome == .accepted)
            let restored = try await push(f.ims, [PlanOperation(record: p.item, kind: .agendaItem, action: .restore, field: "tasks",
                                                                value: .set([p.shared]), baseRev: deleted.results[0].rev, at: 0)])
            #expect(restored.results[0].outcome == .accepted)
            #expect(restored.results[0].value == .set([p.shared]), "the reply shows IMS what it may see")
            let eums = try await pullAll(f.eums).changes
            let last = try #require(eums.last { $0.record == p.item && $0.action == .restore })
            #expect(last.value?.elements.sorted() == [p.shared, p.secret].sorted(), "\(String(describing: last.value))")
            let ims = try await pullAll(f.ims).changes
            #expect(!(try Self.text(ims)).contains(p.secret))
        }
    }

    @Test func theOtherStaffGetsSharedRecordsWithoutTheLinksToHiddenOnes() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let ims = try await pullAll(f.ims, limit: 3).changes
            #expect(!(try Self.text(ims)).contains(p.secret), "IMS never sees the EUMS-only task's id")
            #expect(ims.first { $0.record == p.follower }?.fields?["follows"] == nil)
            #expect(ims.first { $0.record == p.item }?.fields?["tasks"] == .set([p.shared]))
            #expect(!ims.contains { $0.record == p.item2 && $0.action == .add }, "adding the hidden task is not sent")
            let follows = try #require(ims.first { $0.record == p.shared && $0.field == "follows" })
            #expect((follows.value ?? .null) == .null && follows.seq == p.sharedRev, "the change still comes: the field's rev moves")
            // EUMS, which may see the task, gets every link.
            let eums = try await pullAll(f.eums).changes
            #expect(eums.first { $0.record == p.follower }?.fields?["follows"] == .text(p.secret))
            #expect(eums.first { $0.record == p.item }?.fields?["tasks"]?.elements.contains(p.secret) == true)
            #expect(eums.contains { $0.record == p.item2 && $0.action == .add && $0.value == .text(p.secret) })
        }
    }

    @Test func aPushReplyShowsThePusherNoHiddenLink() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let other = PlanFixtures.createTask(title: "IMS task", area: "Military Mobility", lead: "IMS")
            let r = try await push(f.ims, [other, Self.element(.add, p.item, other.record)])
            #expect(r.results[1].outcome == .accepted)
            #expect(r.results[1].value?.elements.contains(other.record) == true)
            #expect(r.results[1].value?.elements.contains(p.secret) == false)
            // A conflict on a link shows the pusher no hidden value either.
            let c = try await push(f.ims, [PlanFixtures.set(p.shared, "follows", .text(other.record), baseRev: 1)])
            let conflict = try #require(c.results[0].conflicts?.first)
            #expect(c.results[0].outcome == .conflict && conflict.current == .null && (c.results[0].value ?? .null) == .null)
            let ims = try await pullAll(f.ims).changes
            let leaks = try ims.filter { try Self.text([$0]).contains(p.secret) }.map { try Self.text([$0]) }
            #expect(leaks.isEmpty, "\(leaks)")
        }
    }

    /// The black-box tester: an IMS officer imported an EUMS export (the import leaves out
    /// the link to the EUMS-only task) and synced. The create of the agenda item, which the
    /// store already held, met a conflict on `tasks` whose two values IMS saw as the same.
    /// The hidden elements are kept, as for a `set`, so the create agrees.
    @Test func aCreateOfAnExistingRecordKeepsTheLinksThePusherMayNotSee() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let seen = try #require(try await pullAll(f.ims).changes.first { $0.record == p.item && $0.action == .create })
            #expect(seen.fields?["tasks"] == .set([p.shared]))
            let create = PlanOperation(record: p.item, kind: .agendaItem, action: .create, fields: seen.fields,
                                       baseRev: 0, at: PlanFixtures.at)
            let r = try await push(f.ims, [create])
            #expect(r.results[0].outcome == .unchanged, "\(r.results[0])")
            #expect(r.results[0].conflicts == nil)
            let eums = try await pullAll(f.eums).changes
            #expect(!eums.contains { $0.record == p.item && $0.event == .conflictOpened })
        }
    }

    /// The black-box tester: an agenda item covering a task id the store does not hold was
    /// stored; EUMS then showed the id and IMS did not, for good. Each task of a link set must
    /// exist and be visible to the pusher, as `follows` must; the batch changes nothing.
    @Test func anAgendaItemMayCoverOnlyTasksThePusherCanSee() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let unknown = RecordID.random()
            let before = try await pullAll(f.eums).changes.count
            let refusals: [(TestHTTPSClient, [PlanOperation])] = [
                (f.eums, [Self.agendaItem("Dangling", tasks: [p.shared, unknown])]),
                (f.eums, [Self.element(.add, p.item2, unknown)]),
                (f.ims, [Self.element(.add, p.item2, p.secret)]),
                (f.ims, [PlanFixtures.set(p.item2, kind: .agendaItem, "tasks", .set([p.shared, p.secret]), baseRev: 0)]),
            ]
            for (client, ops) in refusals {
                let reply = try await client.push(PushRequest(batchId: RecordID.random(), ops: ops))
                #expect(reply.status == 403, "\(reply.text)")
                #expect(reply.text.contains("no task"), "\(reply.text)")
            }
            #expect(try await pullAll(f.eums).changes.count == before, "nothing stored")
        }
    }

    /// The reviewer: IMS setting an agenda item's whole `tasks` (by `resolve --value`, or an
    /// import) removed the EUMS-only task it could not see. The hidden elements stay.
    @Test func aSetOfLinksKeepsTheOnesThePusherMayNotSee() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let other = PlanFixtures.createTask(title: "IMS task", area: "Military Mobility", lead: "IMS")
            try await push(f.ims, [other])
            let rev = try await currentRev(f, p.item, "tasks")
            let r = try await push(f.ims, [PlanFixtures.set(p.item, kind: .agendaItem, "tasks", .set([other.record]), baseRev: rev)])
            #expect(r.results[0].outcome == .accepted)
            #expect(r.results[0].value == .set([other.record]), "the reply shows IMS its own choice only")
            let eums = try await pullAll(f.eums).changes
            let last = try #require(eums.last { $0.record == p.item && $0.field == "tasks" })
            #expect(last.value?.elements.sorted() == [other.record, p.secret].sorted(), "EUMS keeps its hidden task, loses the shared one")
        }
    }

    /// The reviewer: the refusal of a follow-on loop listed every task of the loop, one the
    /// pusher may not see too.
    @Test func aFollowOnLoopRefusalNamesNoHiddenTask() async throws {
        try await ServerFixture.run { f in
            let (b, bRev) = try await seedTask(f.eums)
            let secret = PlanFixtures.createTask(title: "EUMS only", area: "Military Mobility", releasable: .EUMS, extra: ["follows": .text(b)])
            let a = PlanFixtures.createTask(title: "Shared", area: "Military Mobility", extra: ["follows": .text(secret.record)])
            try await push(f.eums, [secret, a])
            let reply = try await f.ims.push(PushRequest(batchId: RecordID.random(), ops: [PlanFixtures.set(b, "follows", .text(a.record), baseRev: bRev)]))
            #expect(reply.status == 400 && reply.text.contains("loop"), "\(reply.text)")
            #expect(!reply.text.contains(RecordID.short(secret.record)) && reply.text.contains("a task you may not see"), "\(reply.text)")
            #expect(reply.text.contains(RecordID.short(a.record)) && reply.text.contains(RecordID.short(b)))
        }
    }

    @Test func sharingOrWithdrawingATaskSendsTheRecordsLinkingToItAgain() async throws {
        try await ServerFixture.run { f in
            let p = try await Self.plan(f)
            let before = try await pullAll(f.ims).next
            let rev = try await currentRev(f, p.secret, "releasable")
            try await push(f.eums, [PlanFixtures.set(p.secret, "releasable", .text("both"), baseRev: rev)])
            let shown = try await pullAll(f.ims, after: before)
            let snaps = shown.changes.filter { $0.event == .snapshot }
            #expect(Set(snaps.map(\.record)) == [p.secret, p.shared, p.follower, p.item, p.item2], "\(p) \(snaps.map(\.record))")
            #expect(snaps.first { $0.record == p.follower }?.fields?["follows"] == .text(p.secret))
            #expect(snaps.first { $0.record == p.item2 }?.fields?["tasks"]?.elements.contains(p.secret) == true)

            let rev2 = try await currentRev(f, p.secret, "releasable")
            try await push(f.eums, [PlanFixtures.set(p.secret, "releasable", .text("EUMS"), baseRev: rev2)])
            let hidden = try await pullAll(f.ims, after: shown.next)
            #expect(hidden.changes.first?.event == .withdrawn && hidden.changes.first?.record == p.secret)
            let again = hidden.changes.filter { $0.event == .snapshot }
            #expect(Set(again.map(\.record)) == [p.shared, p.follower, p.item, p.item2])
            #expect(again.first { $0.record == p.follower }?.fields?["follows"] == nil)
            #expect(!(try Self.text(hidden.changes.filter { $0.event == .snapshot })).contains(p.secret))
        }
    }
}
