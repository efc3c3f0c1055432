import Foundation
import Hummingbird
import Logging
import NIOCore
import WorkPlanProtocol

/// Logs each request once, when it is answered: user, method, path, status, duration. A
/// request refused for its certificate (revoked, not enrolled; status 403 or 401) names
/// who it came as too, so an administrator sees a revoked officer still trying.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.info("request", metadata: [
                "user": .string(context.user.identity?.name ?? context.user.refused ?? "-"),
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(status),
                "duration_ms": .string(String(format: "%.2f", ms)),
            ])
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}
