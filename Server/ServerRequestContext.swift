import Hummingbird
import NIOCore
import Synchronization
import WorkPlanProtocol

/// The user a request was authenticated as, shared by the middleware chain (the outer
/// logging middleware reads what the inner authentication middleware found).
public final class RequestUserBox: Sendable {
    private let value = Mutex<Identity?>(nil)
    private let refusedValue = Mutex<String?>(nil)
    public init() {}
    public var identity: Identity? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
    /// Who a request refused for its certificate came as (a revoked user, or the common name
    /// of a certificate not enrolled): what the request log names.
    public var refused: String? {
        get { refusedValue.withLock { $0 } }
        set { refusedValue.withLock { $0 = newValue } }
    }
}

/// The request context: Hummingbird's core storage plus the TLS channel (to read the
/// peer certificate) and the authenticated user.
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel
    /// Set by `AuthenticationMiddleware`.
    public let user: RequestUserBox

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        user = RequestUserBox()
    }

    /// Request bodies up to the protocol's limit.
    public var maxUploadSize: Int { Limits.maxBodyBytes }

    /// The authenticated user (the routes run behind `AuthenticationMiddleware`).
    public var identity: Identity {
        get throws {
            guard let id = user.identity else {
                throw WorkPlanError(.unauthenticated, "no authenticated user for this request")
            }
            return id
        }
    }
}
