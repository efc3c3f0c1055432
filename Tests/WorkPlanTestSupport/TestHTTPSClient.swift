import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import WorkPlanProtocol

/// A raw HTTPS client for tests, configured like the real client from an enrolment
/// bundle: it trusts only the bundle's CA and presents the bundle's certificate.
public final class TestHTTPSClient: Sendable {
    public let http: HTTPClient
    /// `https://HOST:PORT`, without a trailing slash.
    public let baseURL: String

    /// One reply: status and body.
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]

        /// The body decoded as `T`.
        public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(body))
        }

        /// The error body, when there is one.
        public var error: WorkPlanError? { (try? decode(ErrorBody.self))?.error }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A client from a bundle. `presentCertificate: false` leaves the client certificate out.
    public convenience init(bundle: EnrolmentBundle, baseURL: String? = nil, presentCertificate: Bool = true) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(bundle.ca.utf8)))
        if presentCertificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(bundle.certificate.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(bundle.key.utf8), format: .pem))
        }
        self.init(tls: tls, baseURL: baseURL ?? bundle.serverURL)
    }

    /// A client with any TLS configuration.
    public init(tls: TLSConfiguration, baseURL: String) {
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.connectionPool.retryConnectionEstablishment = false
        config.timeout = .init(connect: .seconds(5), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// Sends one request (`method` is "GET", "POST", ...). The protocol header is added unless `protocolVersion` is nil.
    public func send(_ method: String, _ path: String, body: [UInt8]? = nil,
                     protocolVersion: String? = String(ProtocolVersion.current),
                     headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        if let protocolVersion { request.headers.add(name: ProtocolVersion.header, value: protocolVersion) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 256 << 20)
        return Reply(status: Int(response.status.code), body: Array(buffer.readableBytesView))
    }

    /// `GET /v1/hello`.
    public func hello() async throws -> Reply {
        try await send("GET", Paths.hello)
    }

    /// `POST /v1/push`.
    public func push(_ request: PushRequest) async throws -> Reply {
        try await send("POST", Paths.push, body: Array(try JSONEncoder().encode(request)))
    }

    /// `GET /v1/pull?after=N&limit=M`.
    public func pull(after: Int64, limit: Int? = nil) async throws -> Reply {
        var path = Paths.pull + "?after=\(after)"
        if let limit { path += "&limit=\(limit)" }
        return try await send("GET", path)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }
}
