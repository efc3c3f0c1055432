/// One member of a flat JSON object found, changed, added or removed in the text as
/// `JSONWriter.object(keys:)` writes it (keys sorted, no spaces, plain ASCII keys), without
/// decoding the whole object. `RevsText` and `FieldsText` are built on it.
///
/// The whole text is scanned every time, and text in any other shape gives nil (callers
/// then decode the object as before), so a malformed tail is never rewritten as if it were fine.
package enum SortedObjectText {
    /// Where a member is, or where it would go.
    package enum Member {
        /// The member's value bytes, and the bytes to drop to remove the member with a comma.
        case present(value: Range<Int>, removal: Range<Int>)
        /// Not there: the offset where it belongs, and the commas it needs there.
        case absent(at: Int, commaBefore: Bool, commaAfter: Bool)
    }

    /// Finds member `key` in `b`. `skipValue(b, i)` returns the end of the value starting at
    /// `i`, or nil when it is not a value of the expected shape.
    package static func find(_ key: [UInt8], in b: [UInt8], skipValue: ([UInt8], Int) -> Int?) -> Member? {
        guard !key.isEmpty, key.allSatisfy(isPlainKeyByte) else { return nil }
        guard b.count >= 2, b.first == UInt8(ascii: "{"), b.last == UInt8(ascii: "}") else { return nil }
        if b.count == 2 { return .absent(at: 1, commaBefore: false, commaAfter: false) }
        var found: Member?
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
            // the value, then , or the closing }
            let valueStart = end + 2
            guard valueStart < b.count, let j = skipValue(b, valueStart), j > valueStart, j < b.count else { return nil }
            let isLast = b[j] == UInt8(ascii: "}")
            guard isLast ? j == b.count - 1 : b[j] == UInt8(ascii: ",") else { return nil }
            if found == nil {
                if name.elementsEqual(key) {
                    // Removing takes the comma after it, or the one before it when it is last.
                    let removal = isLast ? (previous == nil ? i..<j : (i - 1)..<j) : i..<(j + 1)
                    found = .present(value: valueStart..<j, removal: removal)
                } else if key.lexicographicallyPrecedes(name) {
                    // Before this key (`i` follows the comma after the previous one, if any).
                    found = .absent(at: i, commaBefore: false, commaAfter: true)
                }
            }
            previous = name
            if isLast { return found ?? .absent(at: j, commaBefore: true, commaAfter: false) }
            i = j + 1
        }
    }

    /// The text with member `key` set to the JSON `value` (added in its sorted place when
    /// missing), or removed when `value` is nil.
    package static func replacing(_ member: Member, key: String, with value: [UInt8]?, in b: [UInt8]) -> String {
        var w = JSONWriter(capacity: b.count + key.utf8.count + (value?.count ?? 0) + 8)
        switch (member, value) {
        case (.present(let range, _), let value?):
            w.bytes += b[..<range.lowerBound]
            w.bytes += value
            w.bytes += b[range.upperBound...]
        case (.present(_, let removal), nil):
            w.bytes += b[..<removal.lowerBound]
            w.bytes += b[removal.upperBound...]
        case (.absent(let at, let commaBefore, let commaAfter), let value?):
            w.bytes += b[..<at]
            if commaBefore { w.raw(UInt8(ascii: ",")) }
            w.key(key)
            w.bytes += value
            if commaAfter { w.raw(UInt8(ascii: ",")) }
            w.bytes += b[at...]
        case (.absent, nil):
            w.bytes = b
        }
        return w.text
    }

    static func isPlainKeyByte(_ c: UInt8) -> Bool {
        c >= 0x20 && c < 0x80 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\")
    }

    /// The end of a JSON integer (`-?digits`, no leading zero) at `i`.
    package static func skipInteger(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i
        if j < b.count, b[j] == UInt8(ascii: "-") { j += 1 }
        let first = j
        while j < b.count, b[j] >= UInt8(ascii: "0"), b[j] <= UInt8(ascii: "9") { j += 1 }
        guard j > first, b[first] != UInt8(ascii: "0") || j == first + 1 else { return nil }
        return j
    }

    /// The end of a JSON string at `i`; nil for a control character or an escape JSON does
    /// not have (what a decoder would refuse is left to it).
    package static func skipString(_ b: [UInt8], _ i: Int) -> Int? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        var j = i + 1
        while j < b.count {
            switch b[j] {
            case UInt8(ascii: "\""):
                return j + 1
            case UInt8(ascii: "\\"):
                guard j + 1 < b.count else { return nil }
                switch b[j + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    j += 2
                case UInt8(ascii: "u"):
                    guard j + 5 < b.count, b[(j + 2)..<(j + 6)].allSatisfy(isHexDigit) else { return nil }
                    j += 6
                default:
                    return nil
                }
            case let c where c < 0x20:
                return nil
            default:
                j += 1
            }
        }
        return nil
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    /// The end of a field value at `i`: a string, an array of strings, or null.
    package static func skipFieldValue(_ b: [UInt8], _ i: Int) -> Int? {
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "\""):
            return skipString(b, i)
        case UInt8(ascii: "["):
            var j = i + 1
            if j < b.count, b[j] == UInt8(ascii: "]") { return j + 1 }
            while true {
                guard let end = skipString(b, j), end < b.count else { return nil }
                if b[end] == UInt8(ascii: "]") { return end + 1 }
                guard b[end] == UInt8(ascii: ",") else { return nil }
                j = end + 1
            }
        case UInt8(ascii: "n"):
            return b[i...].starts(with: "null".utf8) ? i + 4 : nil
        default:
            return nil
        }
    }
}
