/// The two staffs that keep the joint plan.
public enum Staff: String, Codable, Sendable, CaseIterable, Comparable {
    case EUMS, IMS

    /// Parses a staff name, case-insensitively.
    public init?(parsing text: String) {
        guard let staff = Staff(rawValue: text.uppercased()) else { return nil }
        self = staff
    }

    public static func < (lhs: Staff, rhs: Staff) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a user may do. Viewers read, editors write, admins also manage users.
public enum Role: String, Codable, Sendable, CaseIterable {
    case viewer, editor, admin

    /// Whether the role may change the plan.
    public var canWrite: Bool { self != .viewer }
}

/// To whom a record (or note) may be released.
public enum Releasability: String, Codable, Sendable, CaseIterable {
    case both, EUMS, IMS

    /// Parses `both`, `EUMS` or `IMS`, case-insensitively.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "both": self = .both
        case "eums": self = .EUMS
        case "ims": self = .IMS
        default: return nil
        }
    }

    /// The one staff this record is restricted to, or nil when it is releasable to both.
    public var onlyStaff: Staff? {
        switch self {
        case .both: nil
        case .EUMS: .EUMS
        case .IMS: .IMS
        }
    }

    /// Whether a member of `staff` may see a record with this releasability.
    public func isVisible(to staff: Staff) -> Bool {
        onlyStaff == nil || onlyStaff == staff
    }

    /// The narrower of two releasabilities (a note on a staff-only task is staff-only too).
    /// Returns nil when the two exclude each other (visible to nobody).
    public func intersect(_ other: Releasability) -> Releasability? {
        switch (self.onlyStaff, other.onlyStaff) {
        case (nil, _): other
        case (_, nil): self
        case let (a?, b?): a == b ? self : nil
        }
    }
}

/// Who an operation or change came from.
public struct Identity: Codable, Sendable, Hashable {
    public var name: String
    public var staff: Staff
    public var role: Role

    public init(name: String, staff: Staff, role: Role) {
        self.name = name
        self.staff = staff
        self.role = role
    }
}

/// Milliseconds since 1970, UTC. Shown to people; never used to order changes (DESIGN.md rule 3).
public typealias Timestamp = Int64
