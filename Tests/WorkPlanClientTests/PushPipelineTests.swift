import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport
@testable import WorkPlanClient

/// `workplan sync` sends the next batch while it stores a reply (`SyncEngine.push`).
@Suite("Pipelined push")
struct PushPipelineTests {
    @Test func theBatchSentAheadStopsAtARecordOfTheBatchInFlight() throws {
        let (r, _, area) = try makeReplica()
        let a = try r.createRecord(.task, fields: taskFields(area, title: "A"))
        let first = try #require(try r.nextBatch())
        #expect(first.ops.map(\.record) == [area, a])
        // Made while the first batch is on its way, so not folded into A's create.
        let b = try r.createRecord(.task, fields: taskFields(area, title: "B"))
        try r.edit(.task, id: a, [.set("status", .text("done"))])
        _ = try r.createRecord(.task, fields: taskFields(area, title: "C"))
        let second = try #require(try r.nextBatch(after: first))
        #expect(second.ops.map(\.record) == [b], "the edit of A waits until A's create is acknowledged")
        #expect(try r.nextBatch(after: first).map(\.batchId) == nil, "one batch ahead at most")
        #expect(try r.nextBatch()?.batchId == first.batchId, "after a crash, the older batch is resent first")
    }

    @Test func nothingIsSentAheadWhenTheFirstWaitingEditIsOnARecordInFlight() throws {
        let (r, _, area) = try makeReplica()
        let a = try r.createRecord(.task, fields: taskFields(area, title: "A"))
        let first = try #require(try r.nextBatch())
        try r.edit(.task, id: a, [.set("status", .text("done"))])
        #expect(try r.nextBatch(after: first).map(\.batchId) == nil)
        #expect(try r.hasOperations(outside: first.batchId))
    }

    /// A crash after the next batch was cut (and maybe sent) but before the previous reply
    /// was stored leaves two batches marked. The next sync resends both before it pulls.
    /// (Found by an independent review: the resumed sync pulled and stopped after the first.)
    @Test(arguments: [true, false])
    func aSyncResumedWithTwoMarkedBatchesPushesBoth(secondReachedTheServer: Bool) async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (r, store, area) = (f.replica, f.store, f.area)
        _ = try r.createRecord(.task, fields: taskFields(area, title: "One"))
        let two = try r.createRecord(.task, fields: taskFields(area, title: "Two"))
        let transport = f.transport()
        let first = try #require(try r.nextBatch(limit: 2))
        _ = try await transport.push(first)
        let second = try #require(try r.nextBatch(after: first))
        #expect(second.ops.map(\.record) == [two])
        if secondReachedTheServer { _ = try await transport.push(second) }
        let report = try await SyncEngine(replica: r, transport: transport).run()
        #expect(report.pushed == 3)
        #expect(try r.pendingCount() == 0, "both marked batches pushed by one sync")
        #expect(try r.record(.task, id: two) != nil)
        let page = try await store.pullPage(after: 0, limit: Limits.maxPageSize, staff: .EUMS)
        #expect(page.changes.filter { $0.action == .create }.count == 3, "each record created once")
    }

    /// A sync of more than one batch, with an edit of a record of the first batch made while
    /// it is on its way: the edit reaches the server against the create's rev, not as a
    /// conflict with the officer's own create; everything arrives once.
    @Test func aMultiBatchSyncWithAnEditDuringThePushConverges() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (r, store, area) = (f.replica, f.store, f.area)
        var tasks: [String] = []
        for i in 0..<(Limits.clientBatchOps + 20) {
            tasks.append(try r.createRecord(.task, fields: taskFields(area, title: "Task \(i)")))
        }
        let transport = EditDuringFirstPush(inner: f.transport()) {
            try r.edit(.task, id: tasks[0], [.set("status", .text("done"))])
        }
        let report = try await SyncEngine(replica: r, transport: transport).run()
        #expect(report.newConflicts == 0)
        #expect(report.pushed == tasks.count + 2)
        #expect(transport.pushes == 3, "two batches of creates, then the edit once its create was acknowledged")
        #expect(try r.pendingCount() == 0)
        #expect(try r.openConflictCount() == 0)
        #expect(try r.record(.task, id: tasks[0])?.text("status") == "done")
        let page = try await store.pullPage(after: 0, limit: Limits.maxPageSize, staff: .EUMS)
        let creates = page.changes.filter { $0.action == .create }
        #expect(creates.count == tasks.count + 1, "every record created once")
        #expect(page.changes.contains { $0.record == tasks[0] && $0.field == "status" && $0.value == .text("done") })
    }
}

/// The pull of a sync skips reading back the replica's own accepted edits (`PushSummary.acknowledged`).
@Suite("Own edits coming back")
struct AcknowledgedEditTests {
    @Test func acceptedEditsAreAcknowledgedAndComeBackAsHistoryOnly() throws {
        let (r, _, id) = try replicaWithPulledTask()
        try r.edit(.task, id: id, [.set("status", .text("done")), .set("priority", .text("high"))])
        let batch = try #require(try r.nextBatch())
        let status = try #require(batch.ops.first { $0.field == "status" }), priority = try #require(batch.ops.first { $0.field == "priority" })
        let conflict = Conflict(id: RecordID.random(), record: id, kind: .task, type: .edit, field: "priority", base: .text("medium"),
                                current: .text("low"), proposed: .text("high"), proposedBy: "Col. Dupont", staff: .EUMS, at: 0, currentRev: 5)
        let summary = try r.applyPushResponse(PushResponse(batchId: batch.batchId, storeId: "s", results: [
            OpResult(op: status.id, outcome: .accepted, seq: 7, value: .text("done"), rev: 7),
            OpResult(op: priority.id, outcome: .conflict, value: .text("low"), rev: 5, conflicts: [conflict]),
        ], replayed: false))
        #expect(summary.acknowledged == [7], "a conflict is not an acknowledgement")
        let pulled = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 7, event: .change, record: id, kind: .task, action: .set, field: "status", old: .text("open"), value: .text("done"),
                   user: "Col. Dupont", staff: .EUMS, at: 1),
        ], next: 7, more: false, maxSeq: 7), acknowledged: summary.acknowledged)
        #expect(pulled.applied == 0)
        #expect(try r.record(.task, id: id)?.text("status") == "done")
        #expect(try r.record(.task, id: id)?.revs["status"] == 7)
        #expect(try r.history(record: id).map(\.seq).contains(7), "kept for history")
    }
}

/// `workplan sync` asks for the next pull page while it applies one.
@Suite("Pull ahead")
struct PullAheadTests {
    @Test func pagesAskedAheadAreEachAskedOnceInOrderAndAllApplied() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (a, store, area) = (f.replica, f.store, f.area)
        for i in 0..<30 { _ = try a.createRecord(.task, fields: taskFields(area, title: "Task \(i)")) }
        _ = try await SyncEngine(replica: a, transport: f.transport()).run()
        let b = try Replica.create(in: f.tmp.child("b"), staff: .IMS, user: "Smith")
        let pages = SmallPages(inner: f.transport("Smith", .IMS), limit: 7)
        _ = try await SyncEngine(replica: b, transport: pages).run()
        let asked = pages.cursors
        #expect(asked.count == 5, "31 changes in pages of 7")
        #expect(asked == asked.sorted() && Set(asked).count == asked.count, "each page once, in order: \(asked)")
        #expect(try b.tasks().count == 30)
        #expect(try b.currentSettings().cursor == (try await store.maxSeq()))
        // Nothing was asked ahead of the first page: it is small, and the next ones grow.
        let first = SyncEngine.firstPageSize, full = Limits.defaultPageSize
        #expect(pages.limits == [first, min(4 * first, full), full, full, full])
    }

    @Test func aFirstPageAskedAheadOfAPushIsFullSize() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (a, area) = (f.replica, f.area)
        for i in 0..<3 { _ = try a.createRecord(.task, fields: taskFields(area, title: "Task \(i)")) }
        let pages = SmallPages(inner: f.transport(), limit: 7)
        let report = try await SyncEngine(replica: a, transport: pages).run()
        #expect(report.pushed == 4)
        // Asked while the push reply was stored, when the replica's work was still to come.
        #expect(pages.limits == [Limits.defaultPageSize])
    }

    /// A sync with nothing to do asks for no page: `hello` said the server's newest seq, and
    /// this replica's cursor is there. Once another replica pushes, the next sync pulls.
    @Test func aReplicaCaughtUpAsksForNoPage() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (a, area) = (f.replica, f.area)
        let b = try Replica.create(in: f.tmp.child("b"), staff: .IMS, user: "Smith")
        let pages = SmallPages(inner: f.transport("Smith", .IMS), limit: 1000)
        _ = try await SyncEngine(replica: b, transport: pages).run()
        #expect(pages.cursors == [0], "a first sync pulls, though the store is empty: it learns the store's id")
        _ = try await SyncEngine(replica: b, transport: pages).run()
        #expect(pages.cursors == [0], "caught up: no page asked for")
        _ = try a.createRecord(.task, fields: taskFields(area))
        _ = try await SyncEngine(replica: a, transport: f.transport()).run()
        let report = try await SyncEngine(replica: b, transport: pages).run()
        #expect(pages.cursors == [0, 0])
        #expect(report.pulled == 2)
        #expect(try b.tasks().count == 1)
        _ = try await SyncEngine(replica: b, transport: pages).run()
        #expect(pages.cursors == [0, 0], "caught up again")
        #expect(try b.currentSettings().cursor == (try await f.store.maxSeq()))
    }
}

/// An edit queued after the create it names (`Replica.queue`) of a record whose own create
/// waits too: sent in the next batch, against the rev the create was given.
@Suite("An edit naming a record created after its own")
struct LinkToALaterCreateTests {
    @Test func itSyncsWithoutConflictOrSettingAnythingAside() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let (a, area) = (f.replica, f.area)
        let first = try a.createRecord(.task, fields: taskFields(area, title: "First"))
        let second = try a.createRecord(.task, fields: taskFields(area, title: "Second"))
        try a.edit(.task, id: first, [.set("follows", .text(second))])
        let batch = try #require(try a.nextBatch())
        #expect(batch.ops.map(\.action) == [.create, .create, .create], "the link waits for the next batch")
        try a.releaseBatch(batch.batchId)
        let report = try await SyncEngine(replica: a, transport: f.transport()).run()
        #expect(report.newConflicts == 0 && report.setAside == 0 && report.openConflicts == 0)
        #expect(try a.setAsideEdits().isEmpty && a.pendingCount() == 0)
        let b = try Replica.create(in: f.tmp.child("b"), staff: .IMS, user: "Smith")
        _ = try await SyncEngine(replica: b, transport: f.transport("Smith", .IMS)).run()
        #expect(try b.tasks().first { $0.id == first }?.follows == second)
    }
}

/// A fresh in-process store and an EUMS replica (Dupont) holding one area, not yet synced.
/// From the review of the fold of element edits into a set (e7f80cd): what the officer set
/// must end as theirs, with no conflict against their own edits, and the server's value
/// beneath waiting edits must stay the server's.
@Suite("A set after element edits")
struct SetAfterElementEditsTests {
    /// A task tagged t1, created on `f`'s replica and synced; its id.
    func syncedTaggedTask(_ f: StoreAndReplica) async throws -> String {
        var fields = taskFields(f.area); fields["tags"] = .makeSet(["t1"])
        let id = try f.replica.createRecord(.task, fields: fields)
        _ = try await SyncEngine(replica: f.replica, transport: f.transport()).run()
        return id
    }

    @Test func theServerValueBeneathStaysTheServers() throws {
        let (r, _, id) = try replicaWithPulledTask()
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 4, event: .change, record: id, kind: .task, action: .set, field: "tags", value: .makeSet(["t1"]), user: "a", staff: .IMS, at: 0),
        ], next: 4, more: false, maxSeq: 4))
        try r.edit(.task, id: id, [.add("tags", "t2")])
        try r.edit(.task, id: id, [.set("tags", .makeSet(["t3"]))])
        #expect(try r.db.read { try PendingLog.serverValue($0, record: id, field: "tags") } == .makeSet(["t1"]))
    }

    /// A delete refused as a conflict brings the record back with the server's tags.
    @Test func aDeleteInConflictBringsBackTheServersTags() async throws {
        let f = try StoreAndReplica(); defer { f.close() }
        let a = f.replica
        let id = try await syncedTaggedTask(f)
        let b = try Replica.create(in: f.tmp.child("b"), staff: .EUMS, user: "Martin")
        _ = try await SyncEngine(replica: b, transport: f.transport("Martin")).run()
        try a.edit(.task, id: id, [.add("tags", "t2")])
        try a.edit(.task, id: id, [.set("tags", .makeSet(["t3"]))])
        try b.edit(.task, id: id, [.set("status", .text("done"))])
        _ = try await SyncEngine(replica: b, transport: f.transport("Martin")).run()
        try a.deleteRecord(.task, id: id)
        for _ in 0..<2 { _ = try await SyncEngine(replica: a, transport: f.transport()).run() }
        #expect(try a.record(.task, id: id)?["tags"] == .makeSet(["t1"]))
    }

    /// The add went out and its reply was lost; the officer then set the tags. The add,
    /// resent and answered, moves the set onto its rev: no conflict with oneself.
    @Test func aSetAfterAnElementEditInFlightStandsOnIt() async throws {
        let f = try StoreAndReplica(); defer { f.close() }
        let r = f.replica
        let id = try await syncedTaggedTask(f)
        let t = f.transport()
        try r.edit(.task, id: id, [.add("tags", "t2")])
        t.dropNextReply()
        await #expect(throws: (any Error).self) { _ = try await SyncEngine(replica: r, transport: t).run() }
        #expect(try await r.db.read { try PendingLog.entries($0).compactMap(\.batch) }.count == 1, "the add is still marked as sent")
        try r.edit(.task, id: id, [.set("tags", .makeSet(["t3"]))])
        let report = try await SyncEngine(replica: r, transport: t).run()
        #expect(report.newConflicts == 0)
        #expect(try r.openConflictCount() == 0)
        #expect(try r.record(.task, id: id)?["tags"] == .makeSet(["t3"]))
    }

    /// The second review: an add is accepted whatever changed meanwhile, so standing the set
    /// on it unconditionally let Dupont's set overwrite the tag IMS added in between, unseen.
    /// The set stands on the add only when no one else changed the field: else a conflict.
    @Test func aSetAfterAnElementEditInFlightStillMeetsTheOtherStaffsChange() async throws {
        let f = try StoreAndReplica(); defer { f.close() }
        let a = f.replica
        let id = try await syncedTaggedTask(f)
        let t = f.transport()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Ivanov")
        let it = f.transport("Ivanov", .IMS)
        _ = try await SyncEngine(replica: ims, transport: it).run()
        try a.edit(.task, id: id, [.add("tags", "t2")])
        try ims.edit(.task, id: id, [.add("tags", "ims-tag")])
        _ = try await SyncEngine(replica: ims, transport: it).run()
        t.dropNextReply()
        await #expect(throws: (any Error).self) { _ = try await SyncEngine(replica: a, transport: t).run() }
        try a.edit(.task, id: id, [.set("tags", .makeSet(["t3"]))])   // Dupont never saw ims-tag
        let report = try await SyncEngine(replica: a, transport: t).run()
        _ = try await SyncEngine(replica: ims, transport: it).run()
        #expect(report.newConflicts == 1)
        #expect(try ims.record(.task, id: id)?["tags"] == .makeSet(["t1", "t2", "ims-tag"]))
    }
}

/// From the review of 5d2a2ce: a replica that queued the other staff's note before the
/// replica refused those (an EUMS export read by IMS) sets it aside when the server refuses
/// it, and the entry goes when the note arrives from its own staff.
@Suite("The other staff's note queued here")
struct OtherStaffNoteQueuedTests {
    @Test func itIsSetAsideUntilItArrivesFromItsStaff() async throws {
        let f = try StoreAndReplica(); defer { f.close() }
        let eums = f.replica
        let task = try eums.createRecord(.task, fields: taskFields(f.area))
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        let ims = try Replica.create(in: f.tmp.child("ims"), staff: .IMS, user: "Ivanov")
        _ = try await SyncEngine(replica: ims, transport: f.transport("Ivanov", .IMS)).run()
        let noteID = try eums.createRecord(.note, fields: ["task": .text(task), "text": .text("EUMS progress"), "author": .text("Dupont"),
                                                           "staff": .text("EUMS"), "releasable": .text("both")])
        // As an older replica's import did: the EUMS note queued as IMS's own create.
        let note = try #require(try eums.record(.note, id: noteID))
        try await ims.db.write { db in
            try RecordTable.of(.note).write(db, note)
            try PendingLog.append(db, PlanOperation(record: noteID, kind: .note, action: .create, fields: note.fields, baseRev: 0, at: 0), author: "Ivanov")
        }
        let report = try await SyncEngine(replica: ims, transport: f.transport("Ivanov", .IMS)).run()
        #expect(report.setAside == 1)
        #expect(try ims.setAsideEdits().map(\.reason) == ["the note is signed by EUMS, so only a replica of EUMS can send it; kept here until it arrives by sync"])
        _ = try await SyncEngine(replica: eums, transport: f.transport()).run()
        _ = try await SyncEngine(replica: ims, transport: f.transport("Ivanov", .IMS)).run()
        #expect(try ims.setAsideEdits().isEmpty)
        #expect(try ims.taskView(id: task).notes?.map(\.text) == ["EUMS progress"])
    }
}

struct StoreAndReplica {
    let tmp: TemporaryDirectory
    let store: ServerStore
    let replica: Replica
    let area: String

    init() throws {
        tmp = try TemporaryDirectory(prefix: "workplan-sync")
        store = try ServerStore(path: tmp.file("store.sqlite"), create: true)
        replica = try Replica.create(in: tmp.child("r"), staff: .EUMS, user: "Dupont")
        area = try replica.createRecord(.area, fields: ["name": .text("Military Mobility")])
    }

    /// The store as seen by user `name` of `staff`.
    func transport(_ name: String = "Dupont", _ staff: Staff = .EUMS) -> InProcessTransport {
        InProcessTransport(store: store, user: Identity(name: name, staff: staff, role: .editor))
    }

    func close() { try? store.close() }
}

/// An in-process server that serves pull pages of at most `limit` changes, and notes the cursors asked after.
final class SmallPages: SyncTransport, @unchecked Sendable {
    let inner: InProcessTransport
    let limit: Int
    private let lock = NSLock()
    private var asked: [(cursor: Int64, limit: Int)] = []
    var cursors: [Int64] { lock.withLock { asked.map(\.cursor) } }
    var limits: [Int] { lock.withLock { asked.map(\.limit) } }

    init(inner: InProcessTransport, limit: Int) {
        self.inner = inner
        self.limit = limit
    }

    func hello() async throws -> HelloResponse { try await inner.hello() }
    func push(_ request: PushRequest) async throws -> PushResponse { try await inner.push(request) }
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        lock.withLock { asked.append((cursor, limit)) }
        return try await inner.pull(after: cursor, limit: min(limit, self.limit))
    }
}

/// Forwards to an in-process server, and runs `edit` once, while the first push is on its way.
final class EditDuringFirstPush: SyncTransport, @unchecked Sendable {
    let inner: InProcessTransport
    let edit: () throws -> Void
    private let lock = NSLock()
    private(set) var pushes = 0

    init(inner: InProcessTransport, edit: @escaping () throws -> Void) {
        self.inner = inner
        self.edit = edit
    }

    func hello() async throws -> HelloResponse { try await inner.hello() }

    func push(_ request: PushRequest) async throws -> PushResponse {
        let n = lock.withLock { pushes += 1; return pushes }
        if n == 1 { try edit() }
        return try await inner.push(request)
    }

    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse { try await inner.pull(after: cursor, limit: limit) }
}
