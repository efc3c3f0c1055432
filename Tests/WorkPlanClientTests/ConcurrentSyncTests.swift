import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport
@testable import WorkPlanClient

/// Two `workplan sync` of one replica at once (the kill-soak tester, 2026-11-30: both
/// applied every pulled page, and `history` listed each change twice).
@Suite("Two syncs of one replica")
struct ConcurrentSyncTests {
    @Test func aPageAnotherSyncAppliedMeanwhileIsNotAppliedAgain() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let writer = f.replica
        for i in 0..<30 { _ = try writer.createRecord(.task, fields: taskFields(f.area, title: "Task \(i)")) }
        _ = try await SyncEngine(replica: writer, transport: f.transport()).run()

        let reader = try Replica.create(in: f.tmp.child("b"), staff: .EUMS, user: "Martin")
        // While this sync waits for each page, the other sync of the same replica asks for
        // the same page and applies it.
        let transport = OtherSyncFirst(inner: f.transport("Martin"), replica: reader, limit: 10)
        let report = try await SyncEngine(replica: reader, transport: transport).run()
        #expect(transport.appliedByTheOther > 0)
        #expect(report.pulled < 31, "pages the other sync applied are not counted twice")
        let rows = try await reader.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM history") ?? 0 }
        let seqs = try await reader.db.read { db in try Int.fetchOne(db, sql: "SELECT count(DISTINCT seq) FROM history") ?? 0 }
        #expect(rows == seqs, "each change kept once")
        #expect(seqs == 31, "the area, 30 tasks and nothing lost")
        #expect(try reader.tasks().count == 30)
        #expect(try reader.currentSettings().cursor == 31)
    }
}

/// A transport whose every other pull page is first applied by "another sync" of the same
/// replica (as a second `workplan sync` process would), before this sync gets it.
final class OtherSyncFirst: SyncTransport, @unchecked Sendable {
    let inner: InProcessTransport
    let replica: Replica
    let limit: Int
    private let lock = NSLock()
    private var pulls = 0
    private var applied = 0
    var appliedByTheOther: Int { lock.withLock { applied } }

    init(inner: InProcessTransport, replica: Replica, limit: Int) {
        self.inner = inner
        self.replica = replica
        self.limit = limit
    }

    func hello() async throws -> HelloResponse { try await inner.hello() }
    func push(_ request: PushRequest) async throws -> PushResponse { try await inner.push(request) }
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        let page = try await inner.pull(after: cursor, limit: min(limit, self.limit))
        let n = lock.withLock { pulls += 1; return pulls }
        if n % 2 == 1, try replica.currentSettings().cursor == cursor {
            let summary = try replica.applyPull(page, after: cursor)
            lock.withLock { applied += summary.applied }
        }
        return page
    }
}
