import GRDB
import WorkPlanProtocol

/// An enrolled officer, as the server knows them (encoded as `user list --json` prints them).
public struct ServerUser: Encodable, Sendable, Hashable {
    public var name: String
    public var staff: Staff
    public var role: Role
    /// SHA-256 of the DER certificate, lowercase hex.
    public var fingerprint: String
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?

    /// Who the user acts as.
    public var identity: Identity { Identity(name: name, staff: staff, role: role) }
    public var isRevoked: Bool { revokedAt != nil }

    enum CodingKeys: String, CodingKey {
        case name, staff, role, fingerprint
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(staff, forKey: .staff)
        try c.encode(role, forKey: .role)
        try c.encode(fingerprint, forKey: .fingerprint)
        // Times in ISO 8601, as the text output and every `workplan --json` (they were
        // milliseconds since 1970: the operations tester).
        try c.encode(TimeFormat.iso(createdAt), forKey: .createdAt)
        try c.encode(revokedAt.map(TimeFormat.iso), forKey: .revokedAt)  // null while active: a stable shape
    }

    init(row: Row) throws {
        guard let staff = Staff(rawValue: row["staff"]), let role = Role(rawValue: row["role"]) else {
            throw WorkPlanError(.corrupt, "user \(row["name"] as String? ?? "?") has an unknown staff or role")
        }
        self.name = row["name"]
        self.staff = staff
        self.role = role
        self.fingerprint = row["fingerprint"]
        self.createdAt = row["created_at"]
        self.revokedAt = row["revoked_at"]
    }
}

extension ServerStore {
    /// Checks a user name (`Validation.checkUserName`).
    public static func validateUserName(_ name: String) throws {
        try Validation.checkUserName(name)
    }

    /// Enrols a user with the certificate issued to them. Fails when the name is taken by a
    /// user not revoked. A revoked user is enrolled again under the same name (and staff:
    /// their notes and history are that staff's): the new certificate replaces the revoked
    /// one, which stays refused (docs/operations.md, "Enrolment and revocation").
    public func addUser(name: String, staff: Staff, role: Role, certificatePEM: String) throws -> ServerUser {
        try Self.validateUserName(name)
        let fingerprint = try CertificateFingerprint.sha256(pem: certificatePEM)
        return try pool.write { db in
            if let existing = try Self.user(db, named: name) {
                let name = existing.name
                guard existing.isRevoked else {
                    throw WorkPlanError(.alreadyExists, "user '\(name)' already exists (revoke them first to issue a new certificate)")
                }
                guard existing.staff == staff else {
                    throw WorkPlanError.invalid("user '\(existing.name)' was enrolled for \(existing.staff.rawValue); enrol them again for \(existing.staff.rawValue), or under another name")
                }
                try db.execute(sql: "UPDATE users SET role = ?, fingerprint = ?, certificate = ?, revoked_at = NULL WHERE name = ?",
                               arguments: [role.rawValue, fingerprint, certificatePEM, name])
                return try ServerUser(row: Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name])!)
            }
            let name = Validation.canonicalUserName(name)
            try db.execute(sql: """
                INSERT INTO users(name, staff, role, fingerprint, certificate, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [name, staff.rawValue, role.rawValue, fingerprint, certificatePEM, Self.now()])
            return try ServerUser(row: Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name])!)
        }
    }

    /// The name a user typed at `user add` is enrolled under: the enrolled user's own
    /// spelling when one has this name (`Validation.userKey`: case, Unicode form and spaces
    /// aside), else the name in its canonical form. The bad-input tester: "Sébastien" in
    /// two Unicode forms were two users, and "maj. c. temp" enrolled again as revoked "Maj.
    /// C. Temp" signed notes with the new spelling while history kept the old.
    public func enrolmentName(for name: String) throws -> String {
        try pool.read { db in try Self.user(db, named: name)?.name } ?? Validation.canonicalUserName(name)
    }

    /// The user named `name`, revoked or not (`user(_:named:)`), or nil.
    public func user(named name: String) throws -> ServerUser? {
        try pool.read { db in try Self.user(db, named: name) }
    }

    /// The user named `name` (`Validation.userKey`), revoked or not: the one spelled exactly
    /// so, else the one spelled alike. A store from before names were compared so may hold
    /// two spelled alike ("Maj. C. Temp", "Maj.  C. Temp"): then only the exact spelling
    /// names one, and any other is refused naming both (the review: `user revoke` revoked
    /// the other officer, and the second could never be revoked). A store holds a few
    /// hundred users at most: they are compared in full.
    static func user(_ db: Database, named name: String) throws -> ServerUser? {
        let key = Validation.userKey(name)
        let alike = try Row.fetchAll(db, sql: "SELECT * FROM users").map(ServerUser.init(row:)).filter { Validation.userKey($0.name) == key }
        if let exact = alike.first(where: { $0.name == name }) { return exact }
        guard alike.count > 1 else { return alike.first }
        let names = alike.map { "'\($0.name)'" }.sorted().joined(separator: ", ")
        throw WorkPlanError(.ambiguous, "\(alike.count) users are named like '\(name)': \(names) (enrolled before names were compared whatever their case, spaces and accents); give the name exactly as 'workplan-server user list' shows it")
    }

    /// Removes a user enrolled moments ago whose bundle could not be written (so a failed
    /// `user add` changes nothing). Not for revocation: use `revokeUser`.
    public func removeEnrolment(name: String, fingerprint: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM users WHERE name = ? AND fingerprint = ?", arguments: [name, fingerprint])
        }
    }

    /// A user's certificate as enrolled (PEM), or nil for an unknown name.
    public func certificatePEM(of name: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT certificate FROM users WHERE name = ?", arguments: [name]) }
    }

    /// Puts back a revoked user as they were before `addUser` enrolled them again, when
    /// their new bundle could not be written (a failed `user add` changes nothing).
    public func restoreRevokedUser(_ previous: ServerUser, certificatePEM: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE users SET role = ?, fingerprint = ?, certificate = ?, revoked_at = ? WHERE name = ?",
                           arguments: [previous.role.rawValue, previous.fingerprint, certificatePEM, previous.revokedAt, previous.name])
        }
    }

    /// Every enrolled user, by name.
    public func users() throws -> [ServerUser] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(ServerUser.init(row:))
        }
    }

    /// Revokes a user: every later request with their certificate is refused.
    public func revokeUser(name: String) throws -> ServerUser {
        try pool.write { db in
            guard var user = try Self.user(db, named: name) else {
                throw WorkPlanError.notFound("no user '\(name)'")
            }
            if user.isRevoked {
                throw WorkPlanError(.alreadyExists, "user '\(user.name)' is already revoked")
            }
            let now = Self.now()
            try db.execute(sql: "UPDATE users SET revoked_at = ? WHERE name = ?", arguments: [now, user.name])
            user.revokedAt = now
            return user
        }
    }

    /// The user whose certificate has this fingerprint, revoked or not.
    public func user(fingerprint: String) async throws -> ServerUser? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE fingerprint = ?"), arguments: [fingerprint])
                .map(ServerUser.init(row:))
        }
    }
}
