/// Field validation: the one place that says what a well-formed value is (used by client and server).
public enum Validation {
    /// Checks and normalises a value for a field (trims text, canonical case for choices,
    /// sorts sets). Throws `WorkPlanError.invalidInput` naming the field and the problem.
    public static func normalize(_ value: FieldValue, for spec: FieldSpec, kind: RecordKind) throws -> FieldValue {
        let label = "\(kind.displayName) \(spec.name)"
        if value == .null {
            if spec.required { throw WorkPlanError.invalid("\(label) is required") }
            return .null
        }
        switch spec.type {
        case .set:
            guard case .set(let elements) = value else {
                throw WorkPlanError.invalid("\(label) must be a list of texts")
            }
            guard elements.count <= Schema.maxSetElements else {
                throw WorkPlanError.invalid("\(label) has more than \(Schema.maxSetElements) elements")
            }
            return .makeSet(try elements.map { try element($0, label: label) })
        default:
            break
        }
        guard case .text(let raw) = value else {
            throw WorkPlanError.invalid("\(label) must be a text, not a list")
        }
        switch spec.type {
        case .text(let maxLength):
            let t = raw.trimmingWhitespace()
            if t.isEmpty {
                if spec.required { throw WorkPlanError.invalid("\(label) must not be empty") }
                return .null
            }
            guard t.count <= maxLength else {
                throw WorkPlanError.invalid("\(label) is longer than \(maxLength) characters")
            }
            guard !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw WorkPlanError.invalid("\(label) must be one line without control characters")
            }
            return .text(t)
        case .longText:
            guard raw.utf8.count <= Schema.maxLongTextBytes else {
                throw WorkPlanError.invalid("\(label) is longer than \(Schema.maxLongTextBytes) bytes")
            }
            guard !raw.unicodeScalars.contains(where: { $0.value == 0 }) else {
                throw WorkPlanError.invalid("\(label) contains a NUL character")
            }
            if raw.trimmingWhitespace().isEmpty {
                if spec.required { throw WorkPlanError.invalid("\(label) must not be empty") }
                return .null
            }
            return .text(raw)
        case .choice(let options):
            if let match = options.first(where: { $0.lowercased() == raw.lowercased() }) {
                return .text(match)
            }
            throw WorkPlanError.invalid("\(label) must be one of \(options.joined(separator: ", ")) (got '\(raw)')")
        case .date:
            guard isValidDate(raw) else {
                throw WorkPlanError.invalid("\(label) must be a date YYYY-MM-DD (got '\(raw)')")
            }
            return .text(raw)
        case .number:
            guard let n = Int(raw), n > 0, n < 1_000_000 else {
                throw WorkPlanError.invalid("\(label) must be a positive whole number (got '\(raw)')")
            }
            return .text(String(n))
        case .reference(let target):
            guard let id = RecordID.parse(raw) else {
                throw WorkPlanError.invalid("\(label) must be the id of a \(target.displayName) (got '\(raw)')")
            }
            return .text(id)
        case .set:
            fatalError("handled above")
        }
    }

    static func element(_ raw: String, label: String) throws -> String {
        let t = raw.trimmingWhitespace()
        guard !t.isEmpty else { throw WorkPlanError.invalid("\(label) must not contain an empty element") }
        guard t.count <= 100 else { throw WorkPlanError.invalid("\(label) element is longer than 100 characters") }
        guard !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw WorkPlanError.invalid("\(label) element must not contain control characters")
        }
        return t
    }

    /// Whether `text` is a real calendar date written `YYYY-MM-DD`.
    public static func isValidDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              y >= 1900, y <= 2999, (1...12).contains(m), d >= 1
        else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// Validates a whole new record: every field known, every required field present.
    /// Returns the normalised fields (absent optional fields are left out).
    public static func normalizeRecord(kind: RecordKind, fields: [String: FieldValue]) throws -> [String: FieldValue] {
        var out: [String: FieldValue] = [:]
        for name in fields.keys where kind.field(name) == nil {
            throw WorkPlanError.invalid("a \(kind.displayName) has no field '\(name)'")
        }
        for spec in kind.fields {
            let v = try normalize(fields[spec.name] ?? .null, for: spec, kind: kind)
            if v != .null { out[spec.name] = v }
        }
        return out
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    /// The text without leading and trailing spaces, tabs and newlines (no Foundation needed).
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
