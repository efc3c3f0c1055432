import Foundation
import Hummingbird
import NIOCore
import WorkPlanProtocol

/// The protocol's endpoints: hello, push, pull (all behind authentication).
struct Routes {
    let store: ServerStore
    let serverVersion: String

    func register(on router: Router<ServerRequestContext>) {
        router.get(RouterPath(Paths.hello)) { request, context in try await hello(request, context) }
        router.post(RouterPath(Paths.push)) { request, context in try await push(request, context) }
        router.get(RouterPath(Paths.pull)) { request, context in try await pull(request, context) }
    }

    /// `GET /v1/hello`: protocol versions, server version, store id, who you are, newest seq.
    func hello(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let hello = HelloResponse(
            protocolVersion: ProtocolVersion.current, minimumProtocolVersion: ProtocolVersion.minimumSupported,
            serverVersion: serverVersion, storeId: store.storeId, user: try context.identity,
            maxSeq: try await store.maxSeq(), restorePoint: store.restorePoint)
        return ErrorResponses.json(Array(try JSONEncoder().encode(hello)))
    }

    /// `POST /v1/push` with a `PushRequest` body.
    func push(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Limits.maxBodyBytes {
            throw WorkPlanError(.payloadTooLarge, "the request body (\(length) bytes) is larger than \(Limits.maxBodyBytes) bytes")
        }
        let body = try await request.body.collect(upTo: Limits.maxBodyBytes)
        let push = try WireDecoding.pushRequest(Array(body.readableBytesView))
        let reply = try await store.push(push, user: try context.identity)
        ServerFaults.point("after-commit")
        return ErrorResponses.json(reply.json)
    }

    /// `GET /v1/pull?after=N&limit=M`.
    func pull(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let after = try Self.integer(query.get("after"), name: "after", default: 0)
        let limit = try Self.integer(query.get("limit"), name: "limit", default: Int64(Limits.defaultPageSize))
        guard after >= 0 else { throw WorkPlanError(.staleCursor, "the pull cursor must not be negative (got \(after))") }
        let staff = try context.identity.staff
        return ErrorResponses.json(try await store.pull(after: after, limit: Int(min(limit, Int64(Int32.max))), staff: staff))
    }

    static func integer(_ text: String?, name: String, default value: Int64) throws -> Int64 {
        guard let text else { return value }
        guard let n = Int64(text) else {
            throw WorkPlanError.invalid("query parameter '\(name)' must be a whole number (got '\(text)')")
        }
        return n
    }
}
