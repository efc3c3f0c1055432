import Hummingbird
import NIOCore
import NIOSSL
import SwiftASN1
import WorkPlanProtocol
import X509

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
            context.user.refused = Self.commonName(der: der)
            // Issued by this CA, so once enrolled here, most likely: enrolling a user again
            // replaces their certificate, and an older bundle stops working.
            throw WorkPlanError(.unauthenticated, "this client certificate is not enrolled on this server; if you were enrolled again, join with your newest bundle ('workplan join BUNDLE'), else ask an administrator to enrol you")
        }
        if let revoked = user.revokedAt {
            context.user.refused = user.name
            throw WorkPlanError(.revoked, "the certificate of user \(user.name) was revoked on \(TimeFormat.iso(revoked)); ask an administrator to enrol you again")
        }
        context.user.identity = user.identity
        return try await next(request, context)
    }

    /// The certificate's common name (the user's name, for certificates this CA issued).
    static func commonName(der: [UInt8]) -> String? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        return certificate.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.flatMap { String($0.value) }
    }
}
