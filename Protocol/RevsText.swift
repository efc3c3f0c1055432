/// One field's rev read or changed in revs text as `JSONWriter.encode(revs:)` writes it
/// (`{"area":3,"status":65003}`), without building a dictionary (`SortedObjectText`). A
/// sync that changes one field of thousands of records reads and rewrites one rev of each;
/// decoding and encoding the whole object cost more than the row's lookup.
///
/// Text in any other shape gives nil, and callers fall back to `JSONText.decodeRevs`.
package enum RevsText {
    /// The rev of `field`: `.some(nil)` when the text holds none for it, nil when the text
    /// is not in the writer's shape.
    package static func rev(of field: String, in text: String) -> Int64?? {
        let b = Array(text.utf8)
        guard let member = SortedObjectText.find(Array(field.utf8), in: b, skipValue: SortedObjectText.skipInteger) else { return nil }
        switch member {
        case .present(let range, _):
            guard let value = Int64(String(decoding: b[range], as: UTF8.self)) else { return nil }
            return .some(value)
        case .absent:
            return .some(nil)
        }
    }

    /// The text with `field`'s rev set to `rev`, the keys still sorted (what
    /// `JSONWriter.encode(revs:)` writes for the changed revs); nil when the text is not in
    /// the writer's shape.
    package static func setting(_ field: String, to rev: Int64, in text: String) -> String? {
        updating(field, in: text) { _ in rev }
    }

    /// The text with `field`'s rev raised to `rev` when that is higher than its rev now
    /// (0 when it has none), else the text as it is; nil when the text is not in the
    /// writer's shape. One scan, where reading the rev and then setting it took two.
    package static func raising(_ field: String, to rev: Int64, in text: String) -> String? {
        updating(field, in: text) { current in rev > (current ?? 0) ? rev : nil }
    }

    /// The text with `field`'s rev replaced by what `newRev` makes of the current one (nil
    /// from it: the text unchanged).
    private static func updating(_ field: String, in text: String, _ newRev: (Int64?) -> Int64?) -> String? {
        let b = Array(text.utf8)
        guard let member = SortedObjectText.find(Array(field.utf8), in: b, skipValue: SortedObjectText.skipInteger) else { return nil }
        var current: Int64?
        if case .present(let range, _) = member {
            guard let value = Int64(String(decoding: b[range], as: UTF8.self)) else { return nil }
            current = value
        }
        guard let rev = newRev(current) else { return text }
        var w = JSONWriter(capacity: 24)
        w.int(rev)
        return SortedObjectText.replacing(member, key: field, with: w.bytes, in: b)
    }
}
