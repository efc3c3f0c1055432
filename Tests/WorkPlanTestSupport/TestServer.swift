import Foundation
import Logging
import NIOCore
import Synchronization
import WorkPlanProtocol
import WorkPlanServer

/// A real server in this process for tests: a fresh data folder (CA, server certificate
/// for localhost and 127.0.0.1, empty store) served over mutual TLS on 127.0.0.1, port 0.
public final class TestServer: Sendable {
    public let directory: TemporaryDirectory
    public let home: ServerHome
    public let store: ServerStore
    public let server: RunningServer

    /// `https://127.0.0.1:PORT`.
    public var url: String { server.url }

    private init(directory: TemporaryDirectory, home: ServerHome, store: ServerStore, server: RunningServer) {
        self.directory = directory
        self.home = home
        self.store = store
        self.server = server
    }

    /// Initialises a data folder and starts serving it. What the server logs at `logLevel`
    /// and above goes to standard output, or else to `log`, at the level `log` has.
    public static func start(logLevel: Logger.Level = .warning, idleTimeout: TimeAmount = .seconds(30),
                             log: (any LogHandler)? = nil) async throws -> TestServer {
        let directory = try TemporaryDirectory(prefix: "workplan-server")
        let home = try ServerHome.initialize(at: directory.file("server"))
        let store = try home.openStore()
        var logger = Logger(label: "workplan-server-test")
        if let log {
            logger = Logger(label: "workplan-server-test") { _ in log }
        } else {
            logger.logLevel = logLevel
        }
        let server = try await RunningServer.start(
            store: store, tls: try home.tlsMaterial(), options: ServerOptions(host: "127.0.0.1", port: 0, idleTimeout: idleTimeout, logger: logger))
        return TestServer(directory: directory, home: home, store: store, server: server)
    }

    /// Enrols a user and returns their bundle, pointing at this server.
    public func enrol(_ name: String, staff: Staff, role: Role = .editor) throws -> EnrolmentBundle {
        try home.enrol(name: name, staff: staff, role: role, serverURL: url, store: store)
    }

    /// A raw HTTPS client for a bundle.
    public func client(_ bundle: EnrolmentBundle, presentCertificate: Bool = true) throws -> TestHTTPSClient {
        try TestHTTPSClient(bundle: bundle, baseURL: url, presentCertificate: presentCertificate)
    }

    /// Stops the server and closes the store.
    public func stop() async {
        await server.stop()
        try? store.close()
    }
}

/// Runs `body` with a fresh test server, stopping it afterwards (also when `body` throws).
/// `log` gets what the server logs (`TestServer.start`).
public func withTestServer<T>(log: (any LogHandler)? = nil, _ body: (TestServer) async throws -> T) async throws -> T {
    let server = try await TestServer.start(log: log)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Fixture certificates that do not belong to any test server.
public enum FixtureCertificates {
    /// A bundle for `name` issued by a fresh, unrelated CA, but trusting `trustedCA` (so
    /// the TLS handshake gets as far as the server refusing the certificate).
    public static func foreignBundle(name: String, staff: Staff, trustedCA: String, serverURL: String) throws -> EnrolmentBundle {
        let other = try CertificateAuthority.create(name: "Some Other CA")
        let credential = try other.issueUserCertificate(name: name, staff: staff)
        return EnrolmentBundle(user: name, staff: staff, role: .editor, serverURL: serverURL,
                               certificate: credential.certificate, key: credential.key, ca: trustedCA)
    }
}

/// A log handler that keeps what is logged, for tests of the server's log: every copy of
/// the handler (one per request, with its own metadata) adds to the same `lines`.
public struct CapturedLog: LogHandler {
    /// One logged line: its message and metadata (the handler's and the call's).
    public struct Line: Sendable {
        public var message: String
        public var metadata: [String: String]
    }

    private final class Lines: Sendable {
        let value = Mutex<[Line]>([])
    }

    private let shared = Lines()
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public init() {}

    /// Everything logged so far, by this handler and its copies.
    public var lines: [Line] { shared.value.withLock { $0 } }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        shared.value.withLock { $0.append(Line(message: message.description, metadata: all.mapValues(\.description))) }
    }
}
