import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

/// A test server with an EUMS editor, a second EUMS editor, an IMS editor and an EUMS viewer.
struct ServerFixture {
    let server: TestServer
    let eums: TestHTTPSClient
    let eums2: TestHTTPSClient
    let ims: TestHTTPSClient
    let viewer: TestHTTPSClient

    static func run(_ body: (ServerFixture) async throws -> Void) async throws {
        try await withTestServer { server in
            let f = ServerFixture(
                server: server,
                eums: try server.client(try server.enrol("anna", staff: .EUMS)),
                eums2: try server.client(try server.enrol("bert", staff: .EUMS)),
                ims: try server.client(try server.enrol("ivan", staff: .IMS)),
                viewer: try server.client(try server.enrol("vera", staff: .EUMS, role: .viewer)))
            do {
                try await body(f)
            } catch {
                await f.shutdown()
                throw error
            }
            await f.shutdown()
        }
    }

    func shutdown() async {
        for c in [eums, eums2, ims, viewer] { await c.shutdown() }
    }

    var digest: String { get throws { try server.store.contentDigest() } }
}

/// Pushes a batch and expects success.
@discardableResult
func push(_ client: TestHTTPSClient, _ ops: [PlanOperation], batch: String = RecordID.random(),
          sourceLocation: SourceLocation = #_sourceLocation) async throws -> PushResponse {
    let reply = try await client.push(PushRequest(batchId: batch, ops: ops))
    #expect(reply.status == 200, "push failed: \(reply.text)", sourceLocation: sourceLocation)
    return try reply.decode(PushResponse.self)
}

/// Pulls every page after `after` with `limit`, returning all changes and the page count.
func pullAll(_ client: TestHTTPSClient, after: Int64 = 0, limit: Int? = nil) async throws -> (changes: [Change], pages: Int, next: Int64) {
    var cursor = after, pages = 0
    var all: [Change] = []
    while true {
        let reply = try await client.pull(after: cursor, limit: limit)
        #expect(reply.status == 200, "pull failed: \(reply.text)")
        let page = try reply.decode(PullResponse.self)
        pages += 1
        all += page.changes
        #expect(page.next >= cursor)
        cursor = page.next
        if !page.more { return (all, pages, cursor) }
        if pages > 10_000 { Issue.record("pull does not end"); return (all, pages, cursor) }
    }
}

/// The fixture's standard area and a task in it, created by `client`; returns the task id and its rev.
func seedTask(_ client: TestHTTPSClient, releasable: Releasability = .both,
              extra: [String: FieldValue] = [:]) async throws -> (id: String, rev: Int64) {
    let task = PlanFixtures.createTask(title: "Military mobility report", area: "Military Mobility",
                                       releasable: releasable, extra: extra)
    let r = try await push(client, [PlanFixtures.createArea("Military Mobility"), task])
    return (task.record, r.results[1].rev)
}
