import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import WorkPlanProtocol

/// Turns any error into the protocol's JSON error body at the edge (`code.httpStatus`).
enum ErrorResponses {
    /// The `WorkPlanError` a thrown error stands for: never a stack trace, and decoding
    /// problems named.
    static func workPlanError(_ error: any Error) -> WorkPlanError {
        switch error {
        case let e as WorkPlanError:
            return e
        case is NIOTooManyBytesError:
            return WorkPlanError(.payloadTooLarge, "the request body is larger than \(Limits.maxBodyBytes) bytes")
        case let e as DecodingError:
            return .invalid("malformed request body: \(describe(e))")
        case let e as HTTPParserError:
            // Bad framing (a chunk size that is not hex, a body cut short): the client's fault.
            return .invalid("malformed HTTP request: \(e)")
        case let e as any HTTPResponseError:
            switch e.status {
            case .notFound: return .notFound("no such path on this server")
            case .methodNotAllowed: return .invalid("method not allowed on this path")
            case .contentTooLarge: return WorkPlanError(.payloadTooLarge, "the request body is larger than \(Limits.maxBodyBytes) bytes")
            case .badRequest: return .invalid("bad request")
            default: return WorkPlanError(.internal, "the server could not handle the request (\(e.status.code))")
            }
        default:
            return WorkPlanError(.internal, "internal server error")
        }
    }

    /// A readable account of a JSON decoding error, with the path to the bad value.
    static func describe(_ error: DecodingError) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "the top level" : String(p.drop(while: { $0 == "." }))
        }
        switch error {
        case .dataCorrupted(let ctx):
            let underlying = ctx.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            return "not valid JSON at \(path(ctx)): \(ctx.debugDescription)\(underlying)"
        case .keyNotFound(let key, let ctx):
            return "missing field '\(key.stringValue)' at \(path(ctx))"
        case .typeMismatch(let type, let ctx):
            return "wrong type at \(path(ctx)): expected \(type)"
        case .valueNotFound(let type, let ctx):
            return "missing value at \(path(ctx)): expected \(type)"
        @unknown default:
            return "\(error)"
        }
    }

    /// The JSON response for an error.
    static func response(for error: WorkPlanError) -> Response {
        let body = (try? JSONEncoder().encode(ErrorBody(error: error))) ?? Data("{\"error\":{\"code\":\"internal\",\"message\":\"internal server error\"}}".utf8)
        return Response(status: HTTPResponse.Status(code: error.code.httpStatus),
                        headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A JSON success response from already encoded bytes.
    static func json(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Maps every error thrown below it to a JSON error response.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let mapped = ErrorResponses.workPlanError(error)
            if mapped.code == .internal {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return ErrorResponses.response(for: mapped)
        }
    }
}
