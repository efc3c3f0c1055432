/// An error users can match on (`code`) and read (`message`).
///
/// The server maps it to an HTTP status and a JSON body `{"error": {"code": ..., "message": ...}}`;
/// the client prints `message` and exits non-zero.
public struct WorkPlanError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable category.
    public struct Code: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input is malformed or violates a rule of the model.
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// A named record, user or file does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// A short id matches more than one record.
        public static let ambiguous = Code(rawValue: "ambiguous")
        /// The user may not do this (role, staff or releasability).
        public static let forbidden = Code(rawValue: "forbidden")
        /// The user's certificate was revoked.
        public static let revoked = Code(rawValue: "revoked")
        /// No valid client certificate, or an unknown user.
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        /// The request body is larger than the server accepts.
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        /// Client and server speak incompatible protocol versions.
        public static let unsupportedVersion = Code(rawValue: "unsupported_version")
        /// A pull cursor beyond the server's sequence, or from another store.
        public static let staleCursor = Code(rawValue: "stale_cursor")
        /// The operation would overwrite existing state (e.g. `init` on an existing folder).
        public static let alreadyExists = Code(rawValue: "already_exists")
        /// The server could not be reached or answered unexpectedly.
        public static let unavailable = Code(rawValue: "unavailable")
        /// A local file is damaged.
        public static let corrupt = Code(rawValue: "corrupt")
        /// Something went wrong that is not the user's fault.
        public static let `internal` = Code(rawValue: "internal")

        /// The HTTP status the server answers with for this code.
        public var httpStatus: Int {
            switch self {
            case .invalidInput, .staleCursor: 400
            case .unauthenticated: 401
            case .forbidden, .revoked: 403
            case .notFound: 404
            case .alreadyExists, .ambiguous: 409
            case .payloadTooLarge: 413
            case .unsupportedVersion: 426
            case .unavailable: 503
            default: 500
            }
        }
    }

    public var code: Code
    public var message: String
    /// The record the error is about, when one is (a push refused because it names a
    /// record the user may not see): what lets a replica set the edits of it aside.
    public var record: String?
    /// The operation of a push the error is about, when it is one alone (a value a rule
    /// refuses): what lets a replica set just that edit aside.
    public var operation: String?

    public init(_ code: Code, _ message: String, record: String? = nil, operation: String? = nil) {
        self.code = code
        self.message = message
        self.record = record
        self.operation = operation
    }

    public var description: String { message }

    public static func invalid(_ message: String) -> WorkPlanError { .init(.invalidInput, message) }
    public static func forbidden(_ message: String) -> WorkPlanError { .init(.forbidden, message) }
    public static func notFound(_ message: String) -> WorkPlanError { .init(.notFound, message) }
}

/// The JSON body of every error response.
public struct ErrorBody: Codable, Sendable {
    public var error: WorkPlanError
    public init(error: WorkPlanError) { self.error = error }
}
