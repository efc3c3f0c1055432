import ArgumentParser
import Foundation
import Logging
import Synchronization
import WorkPlanProtocol
import WorkPlanServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve HTTPS with client certificates required; stops cleanly on SIGINT/SIGTERM.")

    @OptionGroup var options: HomeOptions

    @Option(help: "Address to listen on.")
    var bind: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free port).")
    var port: Int = 8443

    @Option(name: .customLong("idle-timeout"),
            help: "Seconds after which a connection with no traffic (also one stuck in the TLS handshake) is closed: more than 0, at most 86400 (default 30, or $WORKPLAN_SERVER_IDLE_TIMEOUT).")
    var idleTimeout: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535 (got \(port))") }
        guard !bind.isEmpty else { throw ValidationError("--bind must not be empty") }
        _ = try IdleTimeout.resolve(option: idleTimeout)
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let home = options.home
        try home.requireInitialized()
        let lock = try home.lock(for: "serve it again")
        defer { withExtendedLifetime(lock) {} }
        let store = try home.openStore(serving: true)
        let tls = try home.tlsMaterial()
        let logger = Logger(label: "workplan-server")
        // Served all the same (the administrator sees why syncs fail, and can renew).
        let dates = try home.certificateDates()
        for text in dates.ended + dates.endingSoon { logger.warning("\(text)") }
        for (path, mode) in home.filesOpenToOthers() {
            logger.warning("\(path) can be read by other users of this machine (mode \(String(mode, radix: 8))); make it the server account's only: chmod 600 \(path)")
        }
        let bind = self.bind, port = self.port
        var serverOptions = ServerOptions(host: bind, port: port)
        serverOptions.setIdleTimeout(seconds: try IdleTimeout.resolve(option: idleTimeout))
        let listening = Mutex(false)
        StdinWatch.startIfAsked()
        do {
            try await WorkPlanHTTPServer.run(store: store, tls: tls, options: serverOptions) { port in
                listening.withLock { $0 = true }
                print("listening on https://\(bind):\(port)")
                fflush(nil)
            }
        } catch where !listening.withLock({ $0 }) {
            try? store.close()
            throw Self.listenFailure(error, bind: bind, port: port)
        }
        try store.close()
    }

    /// What to tell the user when the server could not start listening: the address and,
    /// for the usual user mistakes, the problem in words rather than NIO's error text. An
    /// error of ours already says what is wrong (the TLS files, say: not a listening problem).
    static func listenFailure(_ error: any Error, bind: String, port: Int) -> WorkPlanError {
        if let error = error as? WorkPlanError { return error }
        let text = "\(error)"
        if text.contains("UnknownHost") {
            return WorkPlanError(.invalidInput, "cannot listen on \(bind): not a valid address or known host name")
        }
        if text.contains("Cannot assign requested address") {
            return WorkPlanError(.invalidInput, "cannot listen on \(bind): not an address of this machine")
        }
        let reason = text.contains("Address already in use") ? "the address is already in use" : text
        return WorkPlanError(.unavailable, "cannot listen on \(bind):\(port): \(reason)")
    }
}
