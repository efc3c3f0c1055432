/// A minimal JSON reader for the push hot path. It parses into a small tree and gives up
/// (returns nil) on anything unusual, so that the caller can fall back to `JSONDecoder`,
/// which then either produces the same value or the precise error message.
package enum FastJSON {
    package enum Value {
        case null
        case bool(Bool)
        /// Only plain integers are taken; any other number makes the parse give up.
        case int(Int64)
        case string(String)
        case array([Value])
        case object([(String, Value)])

        package var isNull: Bool {
            if case .null = self { return true }
            return false
        }

        package subscript(key: String) -> Value? {
            guard case .object(let members) = self else { return nil }
            return members.last(where: { $0.0 == key })?.1
        }
    }

    /// Parses a whole document, or nil.
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> Value? {
        var p = Parser(bytes: bytes)
        guard let v = p.value(depth: 0) else { return nil }
        p.skipSpace()
        return p.i == bytes.count ? v : nil
    }

    /// The first key that a JSON object of the document holds twice, read by the same
    /// parser with numbers of any form skipped; nil when every object's keys differ or the
    /// document cannot be read (then `JSONDecoder` words the problem). JSON leaves duplicate
    /// keys undefined: the fast path and `JSONDecoder` would each keep a different one, so
    /// the wire refuses them.
    package static func duplicateKey(in bytes: UnsafeRawBufferPointer) -> String? {
        var p = Parser(bytes: bytes)
        p.anyNumber = true
        _ = p.value(depth: 0)
        return p.duplicateKey
    }

    /// An object of integers (`{"field": rev, ...}`, the revs on every record row), read
    /// without building a tree; nil on anything else.
    package static func parseIntObject(_ bytes: UnsafeRawBufferPointer) -> [String: Int64]? {
        var p = Parser(bytes: bytes)
        p.skipSpace()
        guard p.i < bytes.count, bytes[p.i] == UInt8(ascii: "{") else { return nil }
        p.i += 1
        var out: [String: Int64] = [:]
        p.skipSpace()
        if p.i < bytes.count, bytes[p.i] == UInt8(ascii: "}") {
            p.i += 1
        } else {
            while true {
                p.skipSpace()
                guard let key = p.string() else { return nil }
                p.skipSpace()
                guard p.i < bytes.count, bytes[p.i] == UInt8(ascii: ":") else { return nil }
                p.i += 1
                p.skipSpace()
                guard p.i < bytes.count, case .int(let n)? = p.integer() else { return nil }
                out[key] = n
                p.skipSpace()
                guard p.i < bytes.count else { return nil }
                if bytes[p.i] == UInt8(ascii: ",") { p.i += 1; continue }
                if bytes[p.i] == UInt8(ascii: "}") { p.i += 1; break }
                return nil
            }
        }
        p.skipSpace()
        return p.i == bytes.count ? out : nil
    }

    struct Parser {
        let bytes: UnsafeRawBufferPointer
        var i = 0
        /// Numbers with a fraction or exponent, or too large, are skipped (read as null)
        /// instead of ending the parse (`duplicateKey(in:)`).
        var anyNumber = false
        /// Set when the parse ended at a key its object already holds.
        var duplicateKey: String?

        mutating func skipSpace() {
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 { i += 1 } else { return }
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            for k in 0..<n where bytes[i + k] != word.utf8Start[k] { return false }
            i += n
            return true
        }

        mutating func value(depth: Int) -> Value? {
            guard depth < 64 else { return nil }
            skipSpace()
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, Value)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    // Objects here hold a dozen keys at most: a scan is cheaper than a set,
                    // and comparing lengths first keeps it to about 6% of the parse.
                    let length = key.utf8.count
                    for m in members where m.0.utf8.count == length && m.0 == key { duplicateKey = key; return nil }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    members.append((key, v))
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    return nil
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    guard let v = value(depth: depth + 1) else { return nil }
                    items.append(v)
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    return nil
                }
            case UInt8(ascii: "\""):
                return string().map(Value.string)
            case UInt8(ascii: "n"):
                return literal("null") ? .null : nil
            case UInt8(ascii: "t"):
                return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"):
                return literal("false") ? .bool(false) : nil
            default:
                return anyNumber ? skipNumber() : integer()
            }
        }

        /// Any JSON number, read as null; nil when none starts here.
        mutating func skipNumber() -> Value? {
            let start = i
            scan: while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                     UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): i += 1
                default: break scan
                }
            }
            return i > start ? .null : nil
        }

        /// `-?[0-9]+` that fits an Int64 and is not followed by a fraction or exponent.
        mutating func integer() -> Value? {
            var negative = false
            if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            let start = i
            var n: Int64 = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 0x30))
                guard !o1, !o2 else { return nil }
                n = a
                i += 1
            }
            guard i > start, i - start == 1 || bytes[start] != 0x30 else { return nil }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                return nil
            }
            return .int(negative ? -n : n)
        }

        /// Valid UTF-8 as a String, or nil. Plain ASCII, nearly every string here, takes the
        /// specialized decoding path; `String(validating:as:)` went through generic metadata
        /// lookups at run time for every string.
        static func text(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
            for c in utf8 where c >= 0x80 {
                return String(validating: utf8, as: UTF8.self)
            }
            return String(decoding: utf8, as: UTF8.self)
        }

        /// A string literal (escapes decoded), or nil.
        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            // Fast scan: no escapes.
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    let s = Parser.text(UnsafeRawBufferPointer(rebasing: bytes[start..<i]).bindMemory(to: UInt8.self))
                    i += 1
                    return s
                }
                if c == UInt8(ascii: "\\") || c < 0x20 { break }
                i += 1
            }
            var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return out.withUnsafeBufferPointer(Parser.text)
                }
                if c < 0x20 { return nil }
                if c != UInt8(ascii: "\\") {
                    // A run of plain bytes up to the next quote or escape, copied at once.
                    let run = i
                    while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<i]))
                    continue
                }
                i += 1
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5c)
                case UInt8(ascii: "/"): out.append(0x2f)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if scalar >= 0xD800, scalar < 0xDC00 {
                        guard literal("\\u"), let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: return nil
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }
    }
}
