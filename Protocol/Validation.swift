import Foundation

/// Field validation: the one place that says what a well-formed value is (used by client and server).
public enum Validation {
    /// An element added to a set may not take it past `Schema.maxSetElements`: the check of
    /// an `add`, which names one element and so passes `normalize`. The replica checks it
    /// against its view when the officer edits; the server against the set it holds, which
    /// may have grown meanwhile (the other staff's adds), and refuses the one operation so
    /// the replica sets it aside with this message.
    public static func checkRoom(in updated: FieldValue, field: String, kind: RecordKind) throws {
        guard updated.elements.count > Schema.maxSetElements else { return }
        throw WorkPlanError.invalid("\(kind.displayName) \(field) already has \(Schema.maxSetElements) elements, the most it may hold: remove one before adding another")
    }

    /// Checks and normalises a value for a field (trims text, canonical case for choices,
    /// sorts sets). Throws `WorkPlanError.invalidInput` naming the field and the problem.
    public static func normalize(_ value: FieldValue, for spec: FieldSpec, kind: RecordKind) throws -> FieldValue {
        // Built only for an error message: this runs for every field of every pushed record.
        var label: String { "\(kind.displayName) \(spec.name)" }
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
            if t.isBlank {
                if spec.required { throw WorkPlanError.invalid("\(label) must not be empty") }
                return .null
            }
            // UTF-8 bytes never undercount characters: counting characters only when needed.
            guard t.utf8.count <= maxLength || t.count <= maxLength else {
                throw WorkPlanError.invalid("\(label) is longer than \(maxLength) characters")
            }
            guard !hasControlCharacter(t) else {
                throw WorkPlanError.invalid("\(label) must be one line without control characters")
            }
            try checkShownAsTyped(t, label: label, names: kind == .area && spec.name == FieldName.name)
            return .text(t)
        case .longText:
            // Plain line ends make a text at most half as long: past that, too long as it is.
            guard raw.utf8.count <= 2 * Schema.maxLongTextBytes else {
                throw WorkPlanError.invalid("\(label) is longer than \(Schema.maxLongTextBytes) bytes")
            }
            guard !raw.utf8.contains(0) else {
                throw WorkPlanError.invalid("\(label) contains a NUL character")
            }
            // Windows line ends become plain ones; any other control character (a terminal
            // escape sequence would act on whoever prints the text) is refused.
            let text = raw.utf8.contains(0x0d) ? raw.replacingCRLF() : raw
            // The limit is on the text stored, after its line ends are made plain (the text
            // tester: 5000 lines were refused with CR LF ends and taken with LF ones).
            guard text.utf8.count <= Schema.maxLongTextBytes else {
                throw WorkPlanError.invalid("\(label) is longer than \(Schema.maxLongTextBytes) bytes")
            }
            guard !hasControlCharacter(text, allowingLineBreaks: true) else {
                throw WorkPlanError.invalid("\(label) must not contain control characters other than line breaks and tabs")
            }
            if text.isBlank {
                if spec.required { throw WorkPlanError.invalid("\(label) must not be empty") }
                return .null
            }
            return .text(text)
        case .choice(let options):
            if options.contains(raw) { return value }
            if let match = options.first(where: { $0.lowercased() == raw.lowercased() }) {
                return .text(match)
            }
            throw WorkPlanError.invalid("\(label) must be one of \(options.joined(separator: ", ")) (got '\(raw)')")
        case .date:
            guard isValidDate(raw) else {
                throw WorkPlanError.invalid("\(label) must be a date YYYY-MM-DD from 1900-01-01 to 2999-12-31 (got '\(raw)')")
            }
            return .text(raw)
        case .number:
            guard let n = Int(raw), n > 0, n <= Schema.maxNumber else {
                throw WorkPlanError.invalid("\(label) must be a whole number from 1 to \(Schema.maxNumber) (got '\(raw)')")
            }
            return .text(String(n))
        case .reference(let target):
            guard let id = RecordID.parse(raw) else {
                throw WorkPlanError.invalid("\(label) must be the id of \(target.withArticle) (got '\(raw)')")
            }
            return .text(id)
        case .set:
            fatalError("handled above")
        }
    }

    static func element(_ raw: String, label: String) throws -> String {
        let t = raw.trimmingWhitespace()
        guard !t.isBlank else { throw WorkPlanError.invalid("\(label) must not contain an empty element") }
        guard t.utf8.count <= 100 || t.count <= 100 else { throw WorkPlanError.invalid("\(label) element is longer than 100 characters") }
        guard !hasControlCharacter(t) else {
            throw WorkPlanError.invalid("\(label) element must not contain control characters")
        }
        try checkShownAsTyped(t, label: "\(label) element", names: false)
        return t
    }

    /// Refuses one-line text that is not shown as typed: characters that reorder what
    /// follows them (bidirectional embeddings, overrides and isolates, U+202A-U+202E and
    /// U+2066-U+2069: "Evil \u{202E}txt.exe" lists as "Evil exe.txt"), and, in a text that
    /// `names` something (an area), any invisible formatting character (a zero-width space
    /// made "Mobility" and "Mobility\u{200B}" two areas that look the same). The error
    /// names the character.
    public static func checkShownAsTyped(_ text: String, label: String, names: Bool) throws {
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                throw WorkPlanError.invalid("\(label) must not contain U+\(hex(v)), which changes the order text is shown in")
            }
            // Default-ignorable code points are drawn as nothing (a combining grapheme joiner,
            // variation selectors, Hangul fillers); a blank braille cell draws nothing either
            // (the text tester: "Medical Cooperation" + U+034F was a second area).
            if names, scalar.properties.generalCategory == .format || scalar.properties.isDefaultIgnorableCodePoint || v == 0x2800 {
                throw WorkPlanError.invalid("\(label) must not contain the invisible character U+\(hex(v)): two names that look the same would name two different things")
            }
        }
    }

    /// Checks a user name, the server's (`user add`) and the one typed at `workplan init`: 1
    /// to 120 characters, one line, no surrounding spaces. A user name signs notes and
    /// history: two that look the same must not be two users (`checkShownAsTyped`).
    public static func checkUserName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 120 else {
            throw WorkPlanError.invalid("a user name must be 1 to 120 characters")
        }
        guard name.trimmingWhitespace() == name,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw WorkPlanError.invalid("user name '\(name)' must be one line without surrounding spaces")
        }
        try checkShownAsTyped(name, label: "a user name", names: true)
    }

    /// A user name as the server stores it: Unicode's composed form (NFC) and runs of white
    /// space as one space, so "Sébastien" typed as é or as e + a combining accent, or with a
    /// double space, is one spelling.
    public static func canonicalUserName(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// What makes two user names one user: the canonical name, case folded ("Col. A. Dupont"
    /// and "col. a. dupont" are one officer).
    public static func userKey(_ name: String) -> String {
        RecordID.normalizedKey(name)
    }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Whether `text` holds a Unicode control character (category Cc). ASCII text, the
    /// usual case, is checked byte by byte.
    /// With `allowingLineBreaks`, line feeds and tabs do not count (long texts).
    static func hasControlCharacter(_ text: String, allowingLineBreaks: Bool = false) -> Bool {
        func allowed(_ b: UInt32) -> Bool { allowingLineBreaks && (b == 0x0a || b == 0x09) }
        var ascii = true
        for b in text.utf8 {
            if (b < 0x20 || b == 0x7f) && !allowed(UInt32(b)) { return true }
            if b >= 0x80 { ascii = false; break }
        }
        if ascii { return false }
        // The line and paragraph separators break a line as a line feed does.
        return text.unicodeScalars.contains(where: {
            ($0.properties.generalCategory == .control && !allowed($0.value)) || (!allowingLineBreaks && ($0.value == 0x2028 || $0.value == 0x2029))
        })
    }

    /// Whether `text` is a real calendar date written `YYYY-MM-DD`.
    public static func isValidDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        func digits(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10),
              y >= 1900, y <= 2999, (1...12).contains(m), d >= 1
        else { return false }
        return d <= TimeFormat.daysIn(month: Int64(m), of: Int64(y))
    }

    /// Validates a whole new record: every field known, every required field present.
    /// Returns the normalised fields (absent optional fields are left out).
    public static func normalizeRecord(kind: RecordKind, fields: [String: FieldValue]) throws -> [String: FieldValue] {
        // Every pushed create comes through here. Most arrive normalised already, so the
        // result starts as `fields` itself and is copied only when a value changes.
        let specs = kind.fields
        var given: [FieldValue?] = []
        given.reserveCapacity(specs.count)
        var present = 0
        for spec in specs {
            let value = fields[spec.name]
            if value != nil { present += 1 }
            given.append(value)
        }
        if present != fields.count {
            for name in fields.keys where kind.field(name) == nil {
                throw WorkPlanError.invalid("\(kind.withArticle) has no field '\(name)'")
            }
        }
        var out = fields
        for (spec, value) in zip(specs, given) {
            let v = try normalize(value ?? .null, for: spec, kind: kind)
            if v == .null {
                if value != nil { out[spec.name] = nil }
            } else if v != value {
                out[spec.name] = v
            }
        }
        return out
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and newlines (no Foundation needed).
    public func trimmingWhitespace() -> String {
        // Nothing to trim when both ends are visible ASCII (most values).
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x7f, last > 0x20, last < 0x7f {
            return self
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}

extension String {
    /// Whether the text shows nothing: empty, or only spaces and invisible formatting
    /// characters (a zero-width space, a byte order mark). Such a value is empty.
    public var isBlank: Bool {
        // Visible ASCII anywhere: not blank (most values, one pass that stops early).
        if utf8.contains(where: { $0 > 0x20 && $0 < 0x7f }) { return false }
        return !unicodeScalars.contains { !$0.properties.isWhitespace && $0.properties.generalCategory != .format }
    }

    /// The text with each CR LF (and a lone CR) as LF.
    func replacingCRLF() -> String {
        var out = String.UnicodeScalarView()
        var afterCR = false
        for s in unicodeScalars {
            if s == "\r" {
                out.append("\n")
                afterCR = true
                continue
            }
            if !(afterCR && s == "\n") { out.append(s) }
            afterCR = false
        }
        return String(out)
    }
}
