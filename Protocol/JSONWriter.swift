
/// A small, fast JSON writer for the hot paths (stored record fields, pull pages, push
/// replies). It writes the same JSON the protocol's `Codable` types read, without the cost
/// of `JSONEncoder` per row.
package struct JSONWriter {
    package var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// The written JSON as a string.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    package mutating func raw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    package mutating func raw(_ b: UInt8) {
        bytes.append(b)
    }

    /// Appends already-encoded JSON text (stored in the database by this writer).
    package mutating func json(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    /// Appends already-encoded JSON text given as UTF-8 bytes.
    package mutating func json(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: utf8)
    }

    package mutating func int(_ v: Int64) {
        if v == 0 { bytes.append(UInt8(ascii: "0")); return }
        var n = v.magnitude
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &tmp) { buf in
            while n > 0 {
                buf[count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(buf[i]) }
        }
    }

    package mutating func bool(_ v: Bool) {
        raw(v ? "true" : "false")
    }

    package mutating func null() {
        raw("null")
    }

    package static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a JSON string literal with the required escapes.
    package mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(utf8: $0) }
    }

    /// Appends a JSON string literal of UTF-8 bytes (valid UTF-8) with the required escapes.
    package mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var start = 0
        for i in 0..<utf8.count {
            let c = utf8[i]
            if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") { continue }
            if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
            start = i + 1
            switch c {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: bytes.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            default:
                bytes.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(c >> 4)], Self.hex[Int(c & 0xf)]])
            }
        }
        if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `"key":` (keys here never need escaping beyond the usual).
    package mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    package mutating func value(_ v: FieldValue) {
        switch v {
        case .null: null()
        case .text(let t): string(t)
        case .set(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(e)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    /// An object with `keys` in the order given, `member` writing each key's value.
    package mutating func object(keys: [String], _ member: (inout JSONWriter, String) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        for (i, k) in keys.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            key(k)
            member(&self, k)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// A record's fields, keys sorted (deterministic output).
    package mutating func fields(_ f: [String: FieldValue]) {
        object(keys: f.keys.sorted()) { w, k in w.value(f[k]!) }
    }

    /// Per-field revs, keys sorted.
    package mutating func revs(_ r: [String: Int64]) {
        object(keys: r.keys.sorted()) { w, k in w.int(r[k]!) }
    }

    package mutating func stringArray(_ a: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, e) in a.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(e)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// One JSON text for a field value (how `old` and `value` are stored).
    package static func encode(_ v: FieldValue) -> String {
        var w = JSONWriter(capacity: 32)
        w.value(v)
        return w.text
    }

    package static func encode(fields: [String: FieldValue]) -> String {
        var w = JSONWriter(capacity: 256)
        w.fields(fields)
        return w.text
    }

    package static func encode(revs: [String: Int64]) -> String {
        var w = JSONWriter(capacity: 256)
        w.revs(revs)
        return w.text
    }

    /// What `encode(revs:)` writes when every one of `sortedKeys` has the same `rev`,
    /// without building the dictionary.
    package static func encode(revsOf sortedKeys: [String], all rev: Int64) -> String {
        var w = JSONWriter(capacity: 24 * sortedKeys.count + 2)
        w.object(keys: sortedKeys) { w, _ in w.int(rev) }
        return w.text
    }
}
