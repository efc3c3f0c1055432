import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import WorkPlanProtocol

/// HTTPS to the sync server with the officer's certificate (mutual TLS), trusting only the
/// CA from their enrolment bundle. Every failure becomes a `WorkPlanError` that says what
/// went wrong in the officer's terms.
public final class Transport: Sendable {
    let client: HTTPClient
    let base: String
    /// The enrolment, read for its certificates' dates only when a handshake fails (words
    /// for a refusal by a clock), not at every start: `tlsConfiguration` parsed them already.
    let bundle: EnrolmentBundle
    let decoder = JSONDecoder()

    /// Connects (lazily) to `bundle.serverURL`, or to `serverURL` when given.
    public init(bundle: EnrolmentBundle, serverURL: String? = nil, timeout: TimeAmount = .seconds(60)) throws {
        // A URL the HTTP client cannot use would stop it with a crash, not an error.
        do {
            base = try ServerURL.validated(serverURL ?? bundle.serverURL)
        } catch let e as WorkPlanError {
            throw WorkPlanError(e.code, "this replica's server URL is not usable: \(e.message); enrol again with 'workplan join BUNDLE --server https://HOST:PORT'")
        }
        var config = HTTPClient.Configuration(tlsConfiguration: try Self.tlsConfiguration(for: bundle))
        self.bundle = bundle
        config.timeout = .init(connect: .seconds(10), read: timeout)
        config.connectionPool.retryConnectionEstablishment = false
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Mutual TLS from a bundle: its certificate and key, trusting only its CA. Throws
    /// `invalidInput` when a PEM part does not parse.
    static func tlsConfiguration(for bundle: EnrolmentBundle) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        /// Each part read on its own, so the error names the one that is unreadable.
        func part<T>(_ name: String, _ read: () throws -> T) throws -> T {
            do { return try read() } catch {
                throw WorkPlanError(.invalidInput, "the enrolment bundle's \(name) is unreadable (not in PEM form, or damaged); ask your administrator for a new bundle")
            }
        }
        let ca = try part("CA certificate") { try NIOSSLCertificate.fromPEMBytes(Array(bundle.ca.utf8)) }
        let chain = try part("certificate") { try NIOSSLCertificate.fromPEMBytes(Array(bundle.certificate.utf8)) }
        let key = try part("private key") { try NIOSSLPrivateKey(bytes: Array(bundle.key.utf8), format: .pem) }
        guard !ca.isEmpty else { throw WorkPlanError(.invalidInput, "the enrolment bundle holds no CA certificate; ask your administrator for a new bundle") }
        guard !chain.isEmpty else { throw WorkPlanError(.invalidInput, "the enrolment bundle holds no certificate; ask your administrator for a new bundle") }
        tls.trustRoots = .certificates(ca)
        tls.certificateChain = chain.map { .certificate($0) }
        tls.privateKey = .privateKey(key)
        tls.certificateVerification = .fullVerification
        return tls
    }

    /// Checks a bundle before it is stored (`join`): readable, and its key the one its
    /// certificate was issued for. A mismatch otherwise surfaced only at the first sync,
    /// as a connection failure ("cannot reach the server").
    static func checkBundle(_ bundle: EnrolmentBundle) throws {
        let tls = try tlsConfiguration(for: bundle)
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw WorkPlanError(.invalidInput, "the enrolment bundle's key does not belong to its certificate; ask your administrator for a new bundle")
        }
    }

    /// Closes connections. Call once when done.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// The handshake.
    public func hello() async throws -> HelloResponse {
        try await send("GET", Paths.hello) { try decoder.decode(HelloResponse.self, from: Data($0)) }
    }

    /// Pushes one batch.
    public func push(_ request: PushRequest) async throws -> PushResponse {
        try await send("POST", Paths.push, body: JSONWriter.pushRequest(request), decode: WireDecoding.pushResponse)
    }

    /// Pulls one page after `cursor`.
    public func pull(after cursor: Int64, limit: Int = Limits.defaultPageSize) async throws -> PullResponse {
        try await send("GET", "\(Paths.pull)?after=\(cursor)&limit=\(limit)", decode: WireDecoding.pullResponse)
    }

    /// One request: `body` is JSON bytes; `decode` reads a 2xx reply.
    func send<Reply>(_ method: String, _ path: String, body: [UInt8]? = nil, decode: ([UInt8]) throws -> Reply) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = .RAW(value: method)
        request.headers.add(name: ProtocolVersion.header, value: String(ProtocolVersion.current))
        request.headers.add(name: "User-Agent", value: "workplan/\(ProtocolVersion.current)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(120))
            bytes = try await response.body.collect(upTo: 256 * 1024 * 1024)
        } catch {
            throw Self.describe(error, url: base, dates: EnrolmentDates(bundle: bundle))
        }
        let data = Array(bytes.readableBytesView)
        guard response.status.code < 300 else {
            if let err = try? decoder.decode(ErrorBody.self, from: Data(data)) { throw err.error }
            throw WorkPlanError(.unavailable, "the server at \(base) answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        do {
            return try decode(data)
        } catch {
            throw WorkPlanError(.unavailable, "the server at \(base) sent a reply this client cannot read (\(error)); is it a WorkPlan server of a compatible version?")
        }
    }

    /// Connection and TLS failures, in words. `dates`: when the enrolment is valid; with
    /// `now` outside them, a refused handshake is put down to the clock or the expiry (the
    /// clock tester: a laptop two hours slow was told the server's certificate was "not
    /// issued by your bundle's CA", and a server with a wrong clock gave a BoringSSL dump).
    static func describe(_ error: any Error, url: String, dates: EnrolmentDates? = nil, now: Date = Date()) -> WorkPlanError {
        let text = String(describing: error)
        let lower = text.lowercased()
        let clock = "this computer's clock reads \(EnrolmentDates.text(now))"
        if lower.contains("certificate_verify_failed") || lower.contains("unable to get local issuer") || lower.contains("hostname") {
            if let outside = dates?.outside(at: now) {
                return WorkPlanError(.unauthenticated, "cannot check the server at \(url): \(outside)")
            }
            return WorkPlanError(.unauthenticated, "the server at \(url) presented a certificate not issued by your bundle's CA, for another name, or not valid at this computer's time (\(clock): if that is wrong, set the clock right; if the server's certificate has expired, tell your administrator); not syncing with it")
        }
        if let alert = alertName(in: text), alert == "certificate expired" {
            // BoringSSL sends this alert for a certificate not yet valid too.
            if let outside = dates?.outside(at: now) {
                return WorkPlanError(.unauthenticated, "the server at \(url) refused your certificate: \(outside)")
            }
            let valid = dates.map { " (valid \($0.range); \(clock))" } ?? ""
            return WorkPlanError(.unauthenticated, "the server at \(url) refused your certificate as expired or not yet valid by the server's clock\(valid): the server's clock is wrong, or your enrolment has ended; tell your administrator")
        }
        if lower.contains("eof during handshake") && !lower.contains("alert") {
            // No alert: the connection just closed. A server refusing a certificate says so
            // with an alert; one killed mid-handshake does not (the kill-soak tester was told
            // its valid certificate was refused).
            return WorkPlanError(.unavailable, "the server at \(url) closed the connection during the TLS handshake: it may have stopped (try 'workplan sync' again), or refused your certificate (then ask your administrator whether you are enrolled on this server)")
        }
        if lower.contains("alert") || lower.contains("handshake") || lower.contains("sslerror") || lower.contains("certificate") {
            // The alert in words, not BoringSSL's whole text (with this build's paths).
            let reason = alertName(in: text).map { "TLS alert: \($0)" } ?? text
            return WorkPlanError(.unauthenticated, "the server at \(url) refused your certificate (TLS handshake failed: \(reason)); ask your administrator whether you are enrolled on this server")
        }
        if lower.contains("refused") {
            return WorkPlanError(.unavailable, "cannot reach the server at \(url): connection refused (is it running?)")
        }
        if lower.contains("timeout") || lower.contains("timed out") {
            return WorkPlanError(.unavailable, "cannot reach the server at \(url): timed out")
        }
        if lower.contains("unknownhost") || lower.contains("name or service not known") {
            let host = URLComponents(string: url)?.host ?? url
            return WorkPlanError(.unavailable, "cannot reach the server at \(url): the host name \(host) is not known (check the server address your bundle gives, or this network's name service)")
        }
        if lower.contains("remoteconnectionclosed") {
            return WorkPlanError(.unavailable, "the server at \(url) closed the connection; try 'workplan sync' again")
        }
        return WorkPlanError(.unavailable, "cannot reach the server at \(url): \(text)")
    }
}
