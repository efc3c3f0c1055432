import Foundation
import NIOCore
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

/// Lost replies, clients that hang up mid-reply, silent connections and handshakes that
/// never finish: the server keeps serving everyone else and loses nothing.
@Suite("Connection faults")
struct ConnectionFaultTests {
    /// DESIGN.md rule 2 over the wire: the reply to a committed push is lost, the client
    /// re-sends the very same bytes; it gets the stored reply and nothing changes twice.
    @Test func aResentBatchGetsTheStoredReplyAndChangesNothing() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let ops = [PlanFixtures.set(task, "title", .text("Renamed once"), baseRev: rev),
                       PlanFixtures.createNote(task: task, text: "Exactly once", author: "anna", staff: .EUMS)]
                + (0..<20).map { _ in PlanFixtures.createTask(title: "Batch task", area: "Military Mobility") }
            let body = Array(try JSONEncoder().encode(PushRequest(batchId: "lost-reply-1", ops: ops)))
            let first = try await f.eums.send("POST", Paths.push, body: body)
            #expect(first.status == 200)
            let firstReply = try first.decode(PushResponse.self)
            #expect(!firstReply.replayed)
            let afterFirst = try f.digest
            // The same batch again, several times and at once (a client retrying on every connection).
            let replies = try await withThrowingTaskGroup(of: TestHTTPSClient.Reply.self) { group in
                for _ in 0..<4 { group.addTask { try await f.eums.send("POST", Paths.push, body: body) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for r in replies {
                #expect(r.status == 200)
                let again = try r.decode(PushResponse.self)
                #expect(again.replayed)
                #expect(again.batchId == firstReply.batchId && again.storeId == firstReply.storeId)
                #expect(again.results == firstReply.results)
            }
            #expect(try f.digest == afterFirst, "a replayed batch changed the store")
            // Another user cannot read that reply by guessing the id.
            let stolen = try await f.ims.send("POST", Paths.push, body: body)
            #expect(stolen.status == 409)
            // Nothing is wedged: the next batch goes through.
            let next = try await push(f.eums, [PlanFixtures.set(task, "status", .text("in-progress"), baseRev: rev)])
            #expect(next.results.first?.outcome == .accepted)
            #expect(try f.server.store.check() == [])
        }
    }

    /// Clients that hang up while the server writes a big page (or before it starts) do
    /// not hurt the server: everyone else keeps pulling.
    @Test func clientsThatHangUpMidReplyDoNotHurtTheServer() async throws {
        try await withTestServer { server in
            let bundle = try server.enrol("anna", staff: .EUMS)
            let client = try server.client(bundle)
            defer { Task { await client.shutdown() } }
            _ = try await push(client, [PlanFixtures.createArea("Military Mobility")])
            let many = (0..<3000).map { PlanFixtures.createTask(title: "Task \($0) with a title long enough to make the page big", area: "Military Mobility") }
            _ = try await push(client, many)
            for i in 0..<12 {
                let raw = try await RawConnection.tls(bundle: bundle, port: server.server.port)
                try await raw.sendRequest("GET", Paths.pull + "?after=0&limit=10000")
                if i % 3 != 0 { try await raw.waitForFirstReplyBytes() }
                await raw.abort()
            }
            // A push whose body is cut off half way.
            let half = try await RawConnection.tls(bundle: bundle, port: server.server.port)
            try await half.send(Array("POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"batch_id\":\"cut\",\"ops\":[".utf8))
            await half.abort()
            let before = try server.store.contentDigest()
            #expect(try await client.hello().status == 200)
            let all = try await pullAll(client)
            #expect(all.changes.count == 3001)
            #expect(try server.store.contentDigest() == before)
            #expect(try server.store.check() == [])
        }
    }

    /// Bodies the HTTP parser refuses (a bad chunk size, a chunked body cut short) get a
    /// 4xx (or just a closed connection), never a 5xx; the store is unchanged.
    @Test func malformedHTTPFramingIsAClientError() async throws {
        // A 3 s idle timeout closes keep-alive connections soon after their reply, and
        // leaves a handshake on a loaded machine (the whole suite on 2 cores) time to finish.
        let server = try await TestServer.start(idleTimeout: .seconds(3))
        do {
            let bundle = try server.enrol("anna", staff: .EUMS)
            let before = try server.store.contentDigest()
            let framings = [
                "POST /v1/push HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                "POST /v1/push HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"bat\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
                "POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{",
                "POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
                "GET /v1/pull?after=0 HTTP/1.1\r\nHost: x\r\nX-Bad Header: 1\r\n\r\n",
            ]
            for (i, text) in framings.enumerated() {
                let raw = try await RawConnection.tls(bundle: bundle, port: server.server.port)
                do {
                    try await raw.send(Array(text.utf8))
                } catch let e as ChannelError where e == .ioOnClosedChannel {
                    // The server closed the connection before the bytes went out (its idle
                    // timeout, on a loaded machine, or the refusal itself): allowed.
                }
                _ = await raw.closedByServer(within: 10)
                let reply = raw.received
                let status = reply.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                #expect(status == nil || (400..<500).contains(status!), "framing \(i): \(reply.prefix(300))")
            }
            #expect(try server.store.contentDigest() == before)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// A silent TCP connection, a TLS handshake that never completes and a TLS connection
    /// that never sends a request are closed after the idle timeout, and do not delay a
    /// legitimate sync meanwhile.
    @Test func silentConnectionsAreClosedAndDoNotDelayOthers() async throws {
        // 2 s: with 1 s, the full suite's load once kept the legitimate push's own connection
        // quiet past the timeout, and the server closed it (remoteConnectionClosed).
        let server = try await TestServer.start(idleTimeout: .seconds(2))
        do {
            let bundle = try server.enrol("anna", staff: .EUMS)
            let client = try server.client(bundle)
            defer { Task { await client.shutdown() } }
            let port = server.server.port
            var silent: [RawConnection] = []
            for _ in 0..<8 { silent.append(try await RawConnection.tcp(port: port)) }
            // A TLS ClientHello record header that promises bytes which never come.
            let stalled = try await RawConnection.tcp(port: port)
            try await stalled.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03])
            let quietTLS = try await RawConnection.tls(bundle: bundle, port: port)

            let start = ContinuousClock.now
            _ = try await push(client, [PlanFixtures.createArea("Military Mobility"),
                                        PlanFixtures.createTask(title: "Sync while others hold connections", area: "Military Mobility")])
            let page = try await client.pull(after: 0)
            #expect(page.status == 200)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .seconds(5), "a legitimate sync took \(elapsed) while silent connections were open")

            for (i, c) in (silent + [stalled, quietTLS]).enumerated() {
                // Deadline well past the 2 s timeout; a loaded 2-core machine can be slow.
                #expect(await c.closedByServer(within: 15), "connection \(i) was not closed by the idle timeout")
            }
            // Still serving.
            #expect(try await client.hello().status == 200)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
