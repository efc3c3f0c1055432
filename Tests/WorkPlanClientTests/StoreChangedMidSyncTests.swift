import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport
@testable import WorkPlanClient

/// The server restored from a backup between two requests of one sync (after its
/// handshake): the replies come from a store this replica does not know.
@Suite("A store restored during a sync")
struct StoreChangedMidSyncTests {
    /// A pull page of the restored store was applied, and it recorded the restored store as
    /// this replica's: no later handshake saw the restore, and what the restored store lacked
    /// (here the officer's pushed task) was never pushed back. Now nothing is stored, and the
    /// next sync recovers.
    @Test func aPullPageFromTheRestoredStoreIsRefusedAndTheNextSyncRecovers() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let restored = try await Restore.make(f)
        defer { restored.close() }
        // Pushed after the backup: the restored store lacks it.
        let lost = try f.replica.createRecord(.task, fields: taskFields(f.area, title: "Pushed after the backup"))
        _ = try await SyncEngine(replica: f.replica, transport: f.transport()).run()
        // The other staff edits meanwhile, so this replica's next sync pulls.
        _ = try await f.transport("Smith", .IMS).push(PushRequest(batchId: RecordID.random(), ops: [
            PlanFixtures.createTask(title: "IMS task", area: "Military Mobility", lead: "IMS"),
        ]))
        // More on the restored store, so its pages after this replica's cursor are not empty.
        for i in 0..<5 { try await restored.add("Made after the restore \(i)") }

        let before = try f.replica.currentSettings()
        let historyBefore = try await historyCount(f.replica)
        let split = HandshakeThenRestored(hello: f.transport(), after: restored.transport())
        await #expect { try await SyncEngine(replica: f.replica, transport: split).run() } throws: { error in
            let e = error as? WorkPlanError
            return e?.code == .staleCursor && e?.message.contains("store changed during this sync") == true
        }
        let after = try f.replica.currentSettings()
        #expect(after.storeId == before.storeId, "the restored store is not recorded as this replica's")
        #expect(after.cursor == before.cursor)
        #expect(try await historyCount(f.replica) == historyBefore)
        #expect(try f.replica.tasks().allSatisfy { !$0.title.hasPrefix("Made after the restore") })

        // The next sync's handshake sees the restored store: the lost task goes back.
        let report = try await SyncEngine(replica: f.replica, transport: restored.transport()).run()
        #expect(report.recovered)
        #expect(try f.replica.currentSettings().storeId == restored.store.storeId)
        let titles = try await restored.taskTitles(in: f.tmp)
        #expect(titles.contains("Pushed after the backup"), "\(lost) pushed back")
        #expect(Set(try f.replica.tasks().map(\.title)) == titles)
    }

    /// A push reply of the restored store: its revs are another store's numbering. Nothing
    /// of it is stored; the edit stays waiting, and the next sync recovers and sends it.
    @Test func aPushReplyFromTheRestoredStoreIsNotStored() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let restored = try await Restore.make(f)
        defer { restored.close() }
        let task = try #require(try f.replica.tasks().first)
        try f.replica.edit(.task, id: task.id, [.set("status", .text("blocked"))])
        let revsBefore = try await revs(f.replica, task.id)

        let split = HandshakeThenRestored(hello: f.transport(), after: restored.transport())
        await #expect(throws: WorkPlanError.self) { try await SyncEngine(replica: f.replica, transport: split).run() }
        #expect(try f.replica.pendingCount() == 1, "the edit still waits")
        #expect(try await revs(f.replica, task.id) == revsBefore)
        #expect(try f.replica.currentSettings().storeId == f.store.storeId)

        let report = try await SyncEngine(replica: f.replica, transport: restored.transport()).run()
        #expect(report.recovered)
        #expect(try f.replica.pendingCount() == 0)
        let checker = try await restored.pulledReplica(in: f.tmp)
        #expect(try checker.record(.task, id: task.id)?.text("status") == "blocked")
    }

    private func historyCount(_ r: Replica) async throws -> Int {
        try await r.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM history") ?? 0 }
    }

    private func revs(_ r: Replica, _ id: String) async throws -> String? {
        try await r.db.read { db in try String.fetchOne(db, sql: "SELECT revs FROM task WHERE id = ?", arguments: [id]) }
    }
}

/// A copy of `f`'s store with three tasks synced, taken as a backup and given a new store id
/// as `workplan-server restore` gives it.
private struct Restore {
    let store: ServerStore

    static func make(_ f: StoreAndReplica) async throws -> Restore {
        for i in 0..<3 { _ = try f.replica.createRecord(.task, fields: taskFields(f.area, title: "Task \(i)")) }
        _ = try await SyncEngine(replica: f.replica, transport: f.transport()).run()
        let file = f.tmp.file("backup.sqlite")
        try f.store.backup(to: file)
        try await DatabaseQueue(path: file).write { db in
            try db.execute(sql: "UPDATE meta SET value = 'restored-store' WHERE key = 'store_id'")
        }
        return Restore(store: try ServerStore(path: file))
    }

    func transport(_ name: String = "Dupont", _ staff: Staff = .EUMS) -> InProcessTransport {
        InProcessTransport(store: store, user: Identity(name: name, staff: staff, role: .editor))
    }

    /// A task created on the restored store by another officer.
    func add(_ title: String) async throws {
        _ = try await transport("Martin").push(PushRequest(batchId: RecordID.random(), ops: [
            PlanFixtures.createTask(title: title, area: "Military Mobility"),
        ]))
    }

    /// A new replica holding all the restored store has.
    func pulledReplica(in tmp: TemporaryDirectory) async throws -> Replica {
        let r = try Replica.create(in: tmp.child("checker-\(RecordID.random().prefix(8))"), staff: .EUMS, user: "Checker")
        _ = try await SyncEngine(replica: r, transport: transport("Checker")).run()
        return r
    }

    func taskTitles(in tmp: TemporaryDirectory) async throws -> Set<String> {
        Set(try await pulledReplica(in: tmp).tasks().map(\.title))
    }

    func close() { try? store.close() }
}

/// The handshake from the store this replica knows; every request after it reaches the
/// restored one (the server was stopped, restored and started again in between).
private struct HandshakeThenRestored: SyncTransport {
    let hello: InProcessTransport
    let after: InProcessTransport
    func hello() async throws -> HelloResponse { try await hello.hello() }
    func push(_ request: PushRequest) async throws -> PushResponse { try await after.push(request) }
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse { try await after.pull(after: cursor, limit: limit) }
}
