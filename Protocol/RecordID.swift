import Foundation

/// Record ids: lowercase UUID strings, with short ids for people and natural-key ids for
/// records that have a natural key (DESIGN.md rule 3: two staffs creating the same area
/// offline create one record).
public enum RecordID {
    /// Length of the short id shown to people.
    public static let shortLength = 8
    /// Shortest prefix accepted on the command line.
    public static let minimumPrefix = 4

    /// A fresh random id.
    public static func random() -> String {
        var g = SystemRandomNumberGenerator()
        return format(hi: g.next(), lo: g.next(), version: 4)
    }

    /// The id of an area, derived from its name (case-insensitive, spaces folded).
    public static func area(named name: String) -> String {
        natural("area:" + normalizedKey(name))
    }

    /// The id of a conference, derived from its number.
    public static func conference(number: Int) -> String {
        natural("conference:\(number)")
    }

    /// The id a new record of `kind` with these fields gets: areas by name, conferences by
    /// number; nil for kinds without a natural key (a random id).
    public static func naturalKey(of kind: RecordKind, fields: [String: FieldValue]) -> String? {
        switch kind {
        case .area: fields[FieldName.name]?.text.map { area(named: $0) }
        case .conference: fields[FieldName.number]?.text.flatMap { Int($0) }.map { conference(number: $0) }
        default: nil
        }
    }

    /// The id a create of `kind` with these fields must name, or nil when any id will do. The
    /// one rule client and server check. A conference's number never changes, so its id is
    /// always its number's. An area keeps the id of the name it was first given when it is
    /// renamed, so a create of a renamed area (an import of an export, a record sent back to
    /// a restored server) names an id its current name does not give: any id will do, and
    /// an area made new here gets its name's id (`naturalKey`).
    public static func requiredID(of kind: RecordKind, fields: [String: FieldValue]) -> String? {
        kind == .area ? nil : naturalKey(of: kind, fields: fields)
    }

    /// Folds case and runs of white space, so "Military  mobility" and "military mobility" are
    /// one key, and Unicode's two spellings of an accented letter (NFC), so "Sécurité" typed
    /// as é or as e + a combining accent is one key: the id is a hash of the key's bytes.
    public static func normalizedKey(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `normalizedKey` with Unicode's compatibility forms folded too (NFKC): the ligature
    /// "ﬁ" and "fi", full-width "Ｆ" and "F", "²" and "2" are one key. Names that differ only
    /// there look alike, so one may not be given while the other names an area; the id still
    /// comes from `normalizedKey`, so areas made before this check keep theirs.
    public static func lookalikeKey(_ name: String) -> String {
        normalizedKey(name.precomposedStringWithCompatibilityMapping)
    }

    /// A deterministic id for a natural key (two FNV-1a 64-bit hashes, finalised; version nibble 8).
    static func natural(_ key: String) -> String {
        var h1: UInt64 = 0xcbf2_9ce4_8422_2325
        var h2: UInt64 = 0x8422_2325_cbf2_9ce4
        for b in key.utf8 {
            h1 = (h1 ^ UInt64(b)) &* 0x0000_0100_0000_01b3
            h2 = (h2 ^ UInt64(b)) &* 0x0000_0100_0000_01b3
            h2 = h2 ^ (h2 >> 29)
        }
        return format(hi: fmix(h1), lo: fmix(h2 ^ h1), version: 8)
    }

    /// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
    static func fmix(_ x: UInt64) -> UInt64 {
        var k = x
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    static func format(hi: UInt64, lo: UInt64, version: UInt64) -> String {
        let hi = (hi & 0xffff_ffff_ffff_0fff) | (version << 12)
        let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000
        // Straight into the string's storage: every create and every edit makes an id.
        return String(unsafeUninitializedCapacity: 36) { out in
            let digits: StaticString = "0123456789abcdef"
            var i = 0
            func put(_ v: UInt64, nibbles: ClosedRange<Int>) {
                for n in nibbles.reversed() {
                    out[i] = digits.utf8Start[Int((v >> UInt64(4 * n)) & 0xf)]
                    i += 1
                }
            }
            put(hi, nibbles: 8...15); out[i] = 0x2D; i += 1
            put(hi, nibbles: 4...7); out[i] = 0x2D; i += 1
            put(hi, nibbles: 0...3); out[i] = 0x2D; i += 1
            put(lo, nibbles: 12...15); out[i] = 0x2D; i += 1
            put(lo, nibbles: 0...11)
            return i
        }
    }

    /// Parses a full id (any case), returning it lowercased, or nil when it is not a UUID.
    public static func parse(_ text: String) -> String? {
        // Checked in place (ids come with every operation); copied only to lowercase.
        guard text.utf8.count == 36 else { return nil }
        var upper = false
        for (i, b) in text.utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == 0x2D else { return nil }
            } else if (0x30...0x39).contains(b) || (0x61...0x66).contains(b) {
                continue
            } else if (0x41...0x46).contains(b) {
                upper = true
            } else {
                return nil
            }
        }
        guard upper else { return text }
        return String(decoding: text.utf8.map { (0x41...0x46).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// Whether `text` could be a (prefix of an) id: hex digits and dashes, at least 4 long.
    public static func isPlausiblePrefix(_ text: String) -> Bool {
        text.count >= minimumPrefix && text.count <= 36 && text.allSatisfy { $0.isHexDigit || $0 == "-" }
    }

    /// The short id shown to people.
    public static func short(_ id: String) -> String { String(id.prefix(shortLength)) }
}
