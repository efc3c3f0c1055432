import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import WorkPlanProtocol

/// A hand-driven TCP or TLS connection for fault tests: it sends what it is told, when it
/// is told, and can hang up at any moment (a silent client, a handshake that never ends, a
/// client that disconnects while the server is replying).
public final class RawConnection: Sendable {
    public let channel: any Channel
    private let firstRead: EventLoopFuture<Void>
    private let inbox: Inbox

    private init(channel: any Channel, firstRead: EventLoopFuture<Void>, inbox: Inbox) {
        self.channel = channel
        self.firstRead = firstRead
        self.inbox = inbox
    }

    /// Everything received so far, as text.
    public var received: String { inbox.text }

    /// A plain TCP connection (no TLS at all).
    public static func tcp(host: String = "127.0.0.1", port: Int) async throws -> RawConnection {
        try await connect(host: host, port: port, tls: nil)
    }

    /// A TLS connection presenting the bundle's certificate (the handshake runs as soon as
    /// it connects; writes wait for it).
    public static func tls(bundle: EnrolmentBundle, host: String = "127.0.0.1", port: Int) async throws -> RawConnection {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(bundle.ca.utf8)))
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(bundle.certificate.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(bundle.key.utf8), format: .pem))
        tls.certificateVerification = .noHostnameVerification
        return try await connect(host: host, port: port, tls: try NIOSSLContext(configuration: tls))
    }

    private static func connect(host: String, port: Int, tls: NIOSSLContext?) async throws -> RawConnection {
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let firstRead = loop.makePromise(of: Void.self)
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(FirstReadHandler(promise: firstRead, inbox: inbox))
                }
            }
            .connect(host: host, port: port).get()
        return RawConnection(channel: channel, firstRead: firstRead.futureResult, inbox: inbox)
    }

    /// Writes raw bytes (through TLS when it is a TLS connection).
    public func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Writes an HTTP/1.1 request with the protocol header.
    public func sendRequest(_ method: String, _ path: String, body: [UInt8] = []) async throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(ProtocolVersion.header): \(ProtocolVersion.current)\r\n"
        if !body.isEmpty || method == "POST" { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        try await send(Array(head.utf8) + body)
    }

    /// Waits until the first bytes of a reply arrive (throws if the connection closes first).
    public func waitForFirstReplyBytes() async throws {
        try await firstRead.get()
    }

    /// Hangs up now, with a TCP reset (SO_LINGER 0) so the server's next write fails at once.
    public func abort() async {
        if let socket = channel as? any SocketOptionProvider {
            try? await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close().get()
    }

    /// Whether the server closed the connection within `seconds`. There is no event to wait
    /// on for "the server did not close", so this waits for the close with a deadline.
    public func closedByServer(within seconds: Double) async -> Bool {
        let closed = channel.closeFuture
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try? await closed.get()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))  // a deadline, not synchronisation
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            // Past the deadline: hang up ourselves so the close-waiting task ends too.
            if !first { try? await channel.close().get() }
            return first
        }
    }

    /// Whether the connection is still open.
    public var isOpen: Bool { channel.isActive }
}

/// The bytes a connection received.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func append(_ b: ByteBuffer) { lock.withLock { bytes += b.readableBytesView } }
    var text: String { lock.withLock { String(decoding: bytes, as: UTF8.self) } }
}

/// Keeps what arrives; completes a promise with the first inbound bytes, or fails it when
/// the connection ends first.
private final class FirstReadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>
    let inbox: Inbox
    var done = false

    init(promise: EventLoopPromise<Void>, inbox: Inbox) {
        self.promise = promise
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.append(unwrapInboundIn(data))
        if !done { done = true; promise.succeed(()) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { done = true; promise.fail(ChannelError.eof) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { done = true; promise.fail(error) }
        context.close(promise: nil)
    }
}
