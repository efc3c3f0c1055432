/// The enrolment bundle an administrator hands an officer (`workplan-server user add`,
/// `workplan join`): their certificate and key, the CA to trust, and where the server is.
public struct EnrolmentBundle: Codable, Sendable {
    public static let formatName = "workplan-bundle/1"

    public var format: String
    public var user: String
    public var staff: Staff
    public var role: Role
    public var serverURL: String
    /// The officer's certificate, PEM.
    public var certificate: String
    /// The officer's private key, PEM. Keep the bundle file private (mode 0600).
    public var key: String
    /// The CA certificate the client trusts (and nothing else), PEM.
    public var ca: String

    public init(user: String, staff: Staff, role: Role, serverURL: String, certificate: String, key: String, ca: String) {
        self.format = Self.formatName
        self.user = user
        self.staff = staff
        self.role = role
        self.serverURL = serverURL
        self.certificate = certificate
        self.key = key
        self.ca = ca
    }

    enum CodingKeys: String, CodingKey {
        case format, user, staff, role
        case serverURL = "server_url"
        case certificate, key, ca
    }
}
