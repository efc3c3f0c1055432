/// The value of one field: nothing, a text, or a set of texts (tags, covered tasks).
///
/// JSON: `null`, `"text"`, or `["a", "b"]` (a set is always sorted and free of duplicates).
public enum FieldValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case text(String)
    case set([String])

    /// A set value, normalised (sorted, unique).
    public static func makeSet<S: Sequence>(_ elements: S) -> FieldValue where S.Element == String {
        .set(Array(Set(elements)).sorted())
    }

    /// An optional text: nil or empty becomes `.null`.
    public static func optionalText(_ text: String?) -> FieldValue {
        guard let text, !text.isEmpty else { return .null }
        return .text(text)
    }

    public var text: String? {
        if case .text(let t) = self { return t }
        return nil
    }

    public var elements: [String] {
        switch self {
        case .set(let s): s
        case .null: []
        case .text(let t): [t]
        }
    }

    public var isNull: Bool { self == .null }

    public var description: String {
        switch self {
        case .null: "(none)"
        case .text(let t): t
        case .set(let s): s.joined(separator: ", ")
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let s = try? c.decode(String.self) {
            self = .text(s)
        } else {
            let a = try c.decode([String].self)
            self = FieldValue.makeSet(a)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .text(let t): try c.encode(t)
        case .set(let s): try c.encode(s)
        }
    }
}
