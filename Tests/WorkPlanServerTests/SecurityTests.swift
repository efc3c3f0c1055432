import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

@Suite("Mutual TLS, identity and bad input")
struct SecurityTests {
    /// Connections refused in the handshake are logged (they never reach the request log),
    /// with the peer's address and the TLS library's reason; a good one logs no refusal.
    @Test func noClientCertificateIsRefused() async throws {
        let log = CapturedLog()
        try await withTestServer(log: log) { server in
            let bundle = try server.enrol("anna", staff: .EUMS)
            let good = try server.client(bundle)
            let bare = try server.client(bundle, presentCertificate: false)
            defer { Task { await good.shutdown(); await bare.shutdown() } }
            #expect(try await good.hello().status == 200)
            #expect(!log.lines.contains { $0.message == "TLS handshake refused" })
            await #expect(throws: (any Error).self) { _ = try await bare.hello() }
        }
        let refused = log.lines.filter { $0.message == "TLS handshake refused" }
        #expect(!refused.isEmpty && refused.allSatisfy { ($0.metadata["peer"] ?? "").contains("127.0.0.1") }, "\(log.lines)")
        #expect(refused.contains { $0.metadata["reason"] == "PEER_DID_NOT_RETURN_A_CERTIFICATE" }, "\(refused)")
    }

    /// The review: anyone who reaches the port can fail handshakes, one log line each. At
    /// most one refusal a second is logged; the next says how many were not.
    @Test func refusedHandshakesAreLoggedAtMostOnceASecond() {
        let throttle = RefusalLogThrottle(interval: 1_000)
        #expect(throttle.admit(now: 10_000) == (true, 0))
        #expect(throttle.admit(now: 10_100) == (false, 0))
        #expect(throttle.admit(now: 10_999) == (false, 0))
        #expect(throttle.admit(now: 11_000) == (true, 2))
        #expect(throttle.admit(now: 20_000) == (true, 0))
    }

    @Test func certificateFromAnotherCAIsRefused() async throws {
        let log = CapturedLog()
        try await withTestServer(log: log) { server in
            let trusted = try server.home.certificateAuthority().certificatePEM
            let foreign = try FixtureCertificates.foreignBundle(name: "mallory", staff: .EUMS, trustedCA: trusted, serverURL: server.url)
            let client = try server.client(foreign)
            defer { Task { await client.shutdown() } }
            await #expect(throws: (any Error).self) { _ = try await client.hello() }
        }
        let refused = log.lines.filter { $0.message == "TLS handshake refused" }
        #expect(!refused.isEmpty && refused.allSatisfy { ($0.metadata["peer"] ?? "").contains("127.0.0.1") }, "\(log.lines)")
    }

    @Test func unknownCertificateFromTheRightCAIsUnauthenticated() async throws {
        try await withTestServer { server in
            // Issued by the server's CA but never enrolled.
            let ca = try server.home.certificateAuthority()
            let cred = try ca.issueUserCertificate(name: "ghost", staff: .IMS)
            let bundle = EnrolmentBundle(user: "ghost", staff: .IMS, role: .editor, serverURL: server.url,
                                         certificate: cred.certificate, key: cred.key, ca: ca.certificatePEM)
            let client = try server.client(bundle)
            defer { Task { await client.shutdown() } }
            let r = try await client.hello()
            #expect(r.status == 401 && r.error?.code == .unauthenticated)
            // Tester: a bundle replaced by enrolling again was told only "not enrolled".
            #expect(r.error?.message.contains("join with your newest bundle") == true)
        }
    }

    @Test func revocationTakesEffectOnTheNextRequest() async throws {
        try await withTestServer { server in
            let client = try server.client(try server.enrol("anna", staff: .EUMS))
            defer { Task { await client.shutdown() } }
            #expect(try await client.hello().status == 200)
            _ = try server.store.revokeUser(name: "anna")
            let r = try await client.hello()
            #expect(r.status == 403 && r.error?.code == .revoked)
            #expect(r.error?.message.contains("anna") == true && r.error?.message.contains("revoked") == true)
        }
    }

    /// The black-box tester: the request log said `user=-` for a request refused because its
    /// certificate's user is revoked or not enrolled. It names who the certificate says.
    @Test func theRequestLogNamesTheUserOfARefusedCertificate() async throws {
        let log = CapturedLog()
        try await withTestServer(log: log) { server in
            let smith = try server.client(try server.enrol("Lt Col. B. Smith", staff: .IMS))
            let ca = try server.home.certificateAuthority()
            let ghostCredential = try ca.issueUserCertificate(name: "ghost", staff: .IMS)
            let ghost = try server.client(EnrolmentBundle(user: "ghost", staff: .IMS, role: .editor, serverURL: server.url,
                                                          certificate: ghostCredential.certificate, key: ghostCredential.key,
                                                          ca: ca.certificatePEM))
            defer { Task { await smith.shutdown(); await ghost.shutdown() } }
            _ = try server.store.revokeUser(name: "Lt Col. B. Smith")
            #expect(try await smith.hello().status == 403)
            #expect(try await ghost.hello().status == 401)
        }
        let requests = log.lines.filter { $0.message == "request" }.map { "\($0.metadata["user"] ?? "") \($0.metadata["status"] ?? "")" }
        #expect(requests == ["Lt Col. B. Smith 403", "ghost 401"])
    }

    @Test func unsupportedProtocolVersionsGet426() async throws {
        try await withTestServer { server in
            let client = try server.client(try server.enrol("anna", staff: .EUMS))
            defer { Task { await client.shutdown() } }
            var r = try await client.send("GET", Paths.hello, protocolVersion: "99")
            #expect(r.status == 426 && r.error?.code == .unsupportedVersion && r.error?.message.contains("too new") == true)
            r = try await client.send("GET", Paths.hello, protocolVersion: "0")
            #expect(r.status == 426 && r.error?.message.contains("too old") == true)
            r = try await client.send("GET", Paths.hello, protocolVersion: "one")
            #expect(r.status == 400 && r.error?.code == .invalidInput)
        }
    }

    @Test func malformedBodiesAreRefusedAndChangeNothing() async throws {
        try await ServerFixture.run { f in
            let task = try await seedTask(f.eums)
            let before = try f.digest
            var r = try await f.eums.send("POST", Paths.push, body: Array("{\"batch_id\": \"x\", \"ops\": [".utf8))
            #expect(r.status == 400 && r.error?.code == .invalidInput && r.error?.message.contains("JSON") == true)
            r = try await f.eums.send("POST", Paths.push, body: Array("{\"ops\": []}".utf8))
            #expect(r.status == 400 && r.error?.message.contains("batch_id") == true)
            r = try await f.eums.send("POST", Paths.push, body: Array("{\"batch_id\": \"x\", \"ops\": [{\"id\": 5}]}".utf8))
            #expect(r.status == 400 && r.error?.message.contains("ops[0]") == true)
            r = try await f.eums.send("GET", "/v1/nothing")
            #expect(r.status == 404 && r.error?.code == .notFound)
            // The security tester: a key given twice was taken, the last one by the fast
            // parser and the first by JSONDecoder (which a float elsewhere chose).
            for pad in ["", #","pad":1.5"#] {
                let body = #"{"batch_id":"dup\#(pad.count)","ops":[{"id":"o1","record":"\#(task.id)","kind":"task","action":"set","field":"owner","value":"FIRST","value":"LAST","base_rev":\#(task.rev),"at":1}]\#(pad)}"#
                r = try await f.eums.send("POST", Paths.push, body: Array(body.utf8))
                #expect(r.status == 400 && r.error?.code == .invalidInput && r.error?.message.contains("holds the key 'value' twice") == true, "\(r)")
            }
            // Bytes that are not UTF-8 were named as a wrong type.
            let notText = Array(#"{"batch_id":"utf","ops":[{"id":"o2","record":"\#(task.id)","kind":"task","action":"set","field":"owner","value":"X","base_rev":\#(task.rev),"at":1}]}"#.utf8)
                .map { $0 == UInt8(ascii: "X") ? 0xFF : $0 }
            r = try await f.eums.send("POST", Paths.push, body: notText)
            #expect(r.status == 400 && r.error?.message.contains("not UTF-8 text") == true, "\(r)")
            #expect(try f.digest == before)
        }
    }

    @Test func oversizedBodiesAreRefusedAndChangeNothing() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            let before = try f.digest
            let big = [UInt8](repeating: UInt8(ascii: " "), count: Limits.maxBodyBytes + 1)
            let r = try await f.eums.send("POST", Paths.push, body: big)
            #expect(r.status == 413 && r.error?.code == .payloadTooLarge)
            #expect(try f.digest == before)
            // The server still answers.
            #expect(try await f.eums.hello().status == 200)
        }
    }
}
