import Foundation
import Synchronization
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// Logs connections refused in the TLS handshake: no client certificate, one from another
/// CA, an expired one. The request log (`RequestLogMiddleware`) only sees requests, so
/// these attempts left no trace, and an administrator asked "why is my sync refused" had
/// nothing to look at (docs/operations.md, "Logs").
struct HandshakeLoggingChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let logger: Logger
    /// Shared by every connection of the server.
    let throttle = RefusalLogThrottle()

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            try channel.pipeline.syncOperations.addHandler(HandshakeFailureLogger(logger: self.logger, throttle: self.throttle),
                                                           position: .after(tls))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HandshakeLoggingChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS, as HummingbirdTLS's `.tls(.http1(configuration:), tlsConfiguration:)`
    /// builds it, with refused handshakes logged.
    static func http1OverTLSLoggingRefusals(_ configuration: HTTP1Channel.Configuration, tlsConfiguration: TLSConfiguration,
                                            logger: Logger) -> HTTPServerBuilder {
        .init { responder in
            HandshakeLoggingChannel(base: try TLSChannel(HTTP1Channel(responder: responder, configuration: configuration),
                                                         tlsConfiguration: tlsConfiguration),
                                    logger: logger)
        }
    }
}

/// Sits right after the TLS handler: logs a failed handshake with the peer's address and
/// the TLS library's reason. Everything else passes through.
final class HandshakeFailureLogger: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let logger: Logger
    let throttle: RefusalLogThrottle

    init(logger: Logger, throttle: RefusalLogThrottle) {
        self.logger = logger
        self.throttle = throttle
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case NIOSSLError.handshakeFailed(let reason) = error {
            let (log, unlogged) = throttle.admit(now: DispatchTime.now().uptimeNanoseconds)
            if log {
                var metadata: Logger.Metadata = [
                    "peer": "\(context.channel.remoteAddress?.description ?? "unknown")",
                    "reason": "\(Self.words(reason))",
                ]
                if unlogged > 0 { metadata["unlogged_before"] = "\(unlogged)" }
                logger.warning("TLS handshake refused", metadata: metadata)
            }
        }
        context.fireErrorCaught(error)
    }

    /// The TLS library's reason codes ("PEER_DID_NOT_RETURN_A_CERTIFICATE",
    /// "CERTIFICATE_VERIFY_FAILED"), without its error numbers and source paths; the whole
    /// text when it holds none.
    static func words(_ reason: BoringSSLError) -> String {
        let text = "\(reason)"
        let marker = "OPENSSL_internal:"
        var codes: [String] = []
        var rest = text[...]
        while let start = rest.range(of: marker) {
            let after = rest[start.upperBound...]
            let end = after.range(of: " at ")?.lowerBound ?? after.firstIndex(where: { $0 == "]" || $0 == "," }) ?? after.endIndex
            codes.append(String(after[..<end]))
            rest = after[end...]
        }
        return codes.isEmpty ? text : codes.joined(separator: ", ")
    }
}

/// At most one logged refusal a second, whoever connects: anyone who reaches the port can
/// fail a handshake, and 2000 refused connections wrote 2000 lines (the review). The next
/// logged one says how many went unlogged since the one before (`unlogged_before`).
package final class RefusalLogThrottle: Sendable {
    private struct State {
        var lastLogged: UInt64?
        var unlogged = 0
    }
    private let state = Mutex(State())
    private let interval: UInt64

    package init(interval nanoseconds: UInt64 = 1_000_000_000) {
        interval = nanoseconds
    }

    /// Whether the refusal at `now` (nanoseconds, monotonic) is logged, and how many were
    /// left unlogged before it.
    package func admit(now: UInt64) -> (log: Bool, unlogged: Int) {
        state.withLock { s in
            if let last = s.lastLogged, now &- last < interval {
                s.unlogged += 1
                return (false, 0)
            }
            let unlogged = s.unlogged
            s = State(lastLogged: now, unlogged: 0)
            return (true, unlogged)
        }
    }
}
