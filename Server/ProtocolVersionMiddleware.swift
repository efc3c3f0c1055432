import Hummingbird
import WorkPlanProtocol

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
