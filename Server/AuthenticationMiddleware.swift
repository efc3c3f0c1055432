import Hummingbird
import NIOCore
import NIOSSL
import WorkPlanProtocol

/// Derives the user from the TLS client certificate on every request: the certificate's
/// SHA-256 fingerprint names an enrolled user; unknown → 401, revoked → 403. Checked per
/// request (not per connection), so a revocation applies to an open connection's next request.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let store: ServerStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let certificate = try? await context.channel.nioSSL_peerCertificate().get()
        guard let certificate, let der = try? certificate.toDERBytes() else {
            throw WorkPlanError(.unauthenticated, "a client certificate issued by this server's CA is required")
        }
        let fingerprint = CertificateFingerprint.sha256(der: der)
        guard let user = try await store.user(fingerprint: fingerprint) else {
            throw WorkPlanError(.unauthenticated, "this client certificate is not enrolled on this server")
        }
        if let revoked = user.revokedAt {
            throw WorkPlanError(.revoked, "the certificate of user \(user.name) was revoked on \(TimeFormat.iso(revoked)); ask an administrator to enrol you again")
        }
        context.user.identity = user.identity
        return try await next(request, context)
    }
}

/// Checks the `X-WorkPlan-Protocol` header: a version this server does not speak gets 426
/// with a message saying which versions it speaks and which side is out of date. A request
/// without the header is taken to speak the current version.
struct ProtocolVersionMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = ProtocolVersion.header.lowercased()
        if let text = request.headers.first(where: { $0.name.canonicalName == header })?.value {
            guard let version = Int(text.trimmingWhitespace()) else {
                throw WorkPlanError.invalid("header \(ProtocolVersion.header) must be a protocol version number (got '\(text)')")
            }
            try Self.check(version)
        }
        return try await next(request, context)
    }

    static func check(_ version: Int) throws {
        let speaks = ProtocolVersion.minimumSupported == ProtocolVersion.current
            ? "version \(ProtocolVersion.current)"
            : "versions \(ProtocolVersion.minimumSupported) to \(ProtocolVersion.current)"
        if version < ProtocolVersion.minimumSupported {
            throw WorkPlanError(.unsupportedVersion, "this client speaks protocol version \(version), which is too old: the server speaks \(speaks); update the client")
        }
        if version > ProtocolVersion.current {
            throw WorkPlanError(.unsupportedVersion, "this client speaks protocol version \(version), which is too new: the server speaks \(speaks); update the server")
        }
    }
}
