import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import WorkPlanProtocol

/// How to serve.
public struct ServerOptions: Sendable {
    /// Address to bind (default 127.0.0.1).
    public var host: String
    /// Port (0 picks a free one).
    public var port: Int
    /// A connection with no traffic (including one stuck in the TLS handshake) is closed
    /// after this long.
    public var idleTimeout: TimeAmount
    public var logger: Logger

    public init(host: String = "127.0.0.1", port: Int = 8443, idleTimeout: TimeAmount = .seconds(30),
                logger: Logger = Logger(label: "workplan-server")) {
        self.host = host
        self.port = port
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// Sets `idleTimeout` in seconds (for callers that do not import NIOCore).
    public mutating func setIdleTimeout(seconds: Double) {
        idleTimeout = .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// The WorkPlan HTTPS application: Hummingbird 2 over mutual TLS.
public enum WorkPlanHTTPServer {
    /// The server's version, reported by hello.
    public static let version = "1.0.0"

    /// Builds the application. `onRunning` gets the real port once the server listens.
    public static func makeApplication(
        store: ServerStore, tls: ServerTLSMaterial, options: ServerOptions,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router(context: ServerRequestContext.self)
        router.middlewares.add(RequestLogMiddleware())
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(AuthenticationMiddleware(store: store))
        router.middlewares.add(ProtocolVersionMiddleware())
        Routes(store: store, serverVersion: version).register(on: router)
        return Application(
            router: router,
            server: .http1OverTLSLoggingRefusals(.init(idleTimeout: options.idleTimeout),
                                                 tlsConfiguration: try tls.configuration(), logger: options.logger),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: options.logger)
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully (in-flight requests finish).
    public static func run(store: ServerStore, tls: ServerTLSMaterial, options: ServerOptions,
                           onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let app = try makeApplication(store: store, tls: tls, options: options, onRunning: onRunning)
        let group = ServiceGroup(configuration: .init(services: [app, ShutdownLog(logger: options.logger)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: options.logger))
        try await group.run()
        // The log says when the server stopped, not only when it started (the operations
        // tester could not tell a stop from a crash).
        options.logger.info("stopped")
    }
}

/// Logs the start of a graceful shutdown: requests in progress still finish.
struct ShutdownLog: Service {
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the group is ending for another reason
        }
        logger.info("stopping: requests in progress finish first")
    }
}

/// A server running in this process (tests, benchmarks): start it, use `port`, then `stop()`.
public final class RunningServer: Sendable {
    /// The port it listens on.
    public let port: Int
    public let host: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// `https://HOST:PORT`.
    public var url: String { "https://\(host):\(port)" }

    private init(port: Int, host: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.host = host
        self.group = group
        self.task = task
    }

    /// Starts serving and returns once the server listens (port 0 picks a free port).
    public static func start(store: ServerStore, tls: ServerTLSMaterial,
                             options: ServerOptions = ServerOptions(host: "127.0.0.1", port: 0)) async throws -> RunningServer {
        let (ports, continuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        let app = try WorkPlanHTTPServer.makeApplication(store: store, tls: tls, options: options) { port in
            continuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: options.logger))
        let task = Task {
            do {
                try await group.run()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
                throw error
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = try await iterator.next() else {
            throw WorkPlanError(.unavailable, "the server stopped before it listened")
        }
        return RunningServer(port: port, host: options.host, group: group, task: task)
    }

    /// Stops gracefully and waits until the server has stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
