/// One field's rev read or changed in revs text as `JSONWriter.encode(revs:)` writes it
/// (`{"area":3,"status":65003}`: keys sorted, no spaces, plain ASCII keys), without
/// building a dictionary. A sync that changes one field of thousands of records reads and
/// rewrites one rev of each; decoding and encoding the whole object cost more than the
/// row's lookup.
///
/// Text in any other shape gives nil, and callers fall back to `JSONText.decodeRevs`.
package enum RevsText {
    /// The rev of `field`: `.some(nil)` when the text holds none for it, nil when the text
    /// is not in the writer's shape.
    package static func rev(of field: String, in text: String) -> Int64?? {
        guard let found = find(Array(field.utf8), in: Array(text.utf8)) else { return nil }
        switch found {
        case .value(let v, _): return .some(v)
        case .absent: return .some(nil)
        }
    }

    /// The text with `field`'s rev set to `rev`, the keys still sorted (what
    /// `JSONWriter.encode(revs:)` writes for the changed revs); nil when the text is not in
    /// the writer's shape.
    package static func setting(_ field: String, to rev: Int64, in text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let found = find(Array(field.utf8), in: bytes) else { return nil }
        var w = JSONWriter(capacity: bytes.count + field.utf8.count + 24)
        switch found {
        case .value(_, let range):
            w.bytes += bytes[..<range.lowerBound]
            w.int(rev)
            w.bytes += bytes[range.upperBound...]
        case .absent(let at, let commaBefore, let commaAfter):
            w.bytes += bytes[..<at]
            if commaBefore { w.raw(UInt8(ascii: ",")) }
            w.key(field)
            w.int(rev)
            if commaAfter { w.raw(UInt8(ascii: ",")) }
            w.bytes += bytes[at...]
        }
        return w.text
    }

    private enum Found {
        /// The field's rev and where its digits are.
        case value(Int64, Range<Int>)
        /// Not there: the offset where it belongs, and the commas it needs there.
        case absent(at: Int, commaBefore: Bool, commaAfter: Bool)
    }

    /// Scans the whole text (so a malformed tail is never rewritten as if it were fine).
    private static func find(_ key: [UInt8], in b: [UInt8]) -> Found? {
        guard !key.isEmpty, key.allSatisfy(isPlainKeyByte) else { return nil }
        guard b.count >= 2, b.first == UInt8(ascii: "{"), b.last == UInt8(ascii: "}") else { return nil }
        if b.count == 2 { return .absent(at: 1, commaBefore: false, commaAfter: false) }
        var found: Found?
        var i = 1
        var previous: ArraySlice<UInt8>? = nil
        while true {
            // "name":
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var end = start
            while end < b.count, b[end] != UInt8(ascii: "\"") {
                guard isPlainKeyByte(b[end]) else { return nil }
                end += 1
            }
            guard end + 1 < b.count, b[end + 1] == UInt8(ascii: ":") else { return nil }
            let name = b[start..<end]
            if let previous, !previous.lexicographicallyPrecedes(name) { return nil }  // not sorted
            // -?digits, then , or the closing }
            let digitsStart = end + 2
            var j = digitsStart
            let negative = j < b.count && b[j] == UInt8(ascii: "-")
            if negative { j += 1 }
            let firstDigit = j
            var value: Int64 = 0
            while j < b.count, b[j] >= UInt8(ascii: "0"), b[j] <= UInt8(ascii: "9") {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(b[j] - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                value = s
                j += 1
            }
            guard j > firstDigit, j < b.count else { return nil }
            let isLast = b[j] == UInt8(ascii: "}")
            guard isLast ? j == b.count - 1 : b[j] == UInt8(ascii: ",") else { return nil }
            if found == nil {
                if name.elementsEqual(key) {
                    found = .value(negative ? -value : value, digitsStart..<j)
                } else if key.lexicographicallyPrecedes(name) {
                    // Before this key (`at` follows the comma after the previous one, if any).
                    found = .absent(at: i, commaBefore: false, commaAfter: true)
                }
            }
            previous = name
            if isLast { return found ?? .absent(at: j, commaBefore: true, commaAfter: false) }
            i = j + 1
        }
    }

    private static func isPlainKeyByte(_ c: UInt8) -> Bool {
        c >= 0x20 && c < 0x80 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\")
    }
}
