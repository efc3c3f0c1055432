/// One field's value read or changed in a record's fields text as
/// `JSONWriter.encode(fields:)` writes it, without decoding the other fields
/// (`SortedObjectText`). An edit of one field of a stored record needs only that field.
///
/// Text in any other shape gives nil, and callers fall back to decoding the whole object.
package enum FieldsText {
    /// The value of `field` (`.null` when the text holds none), or nil when the text is not
    /// in the writer's shape.
    package static func value(of field: String, in text: String) -> FieldValue? {
        let b = Array(text.utf8)
        guard let member = SortedObjectText.find(Array(field.utf8), in: b, skipValue: SortedObjectText.skipFieldValue) else { return nil }
        switch member {
        case .present(let range, _):
            return WireDecoding.fieldValue(text: String(decoding: b[range], as: UTF8.self))
        case .absent:
            return .null
        }
    }

    /// The text with `field` set to `value` (removed for `.null`), the keys still sorted:
    /// what `JSONWriter.encode(fields:)` writes for the changed fields. Nil when the text is
    /// not in the writer's shape.
    package static func setting(_ field: String, to value: FieldValue, in text: String) -> String? {
        let b = Array(text.utf8)
        guard let member = SortedObjectText.find(Array(field.utf8), in: b, skipValue: SortedObjectText.skipFieldValue) else { return nil }
        if value == .null { return SortedObjectText.replacing(member, key: field, with: nil, in: b) }
        var w = JSONWriter(capacity: 64)
        w.value(value)
        return SortedObjectText.replacing(member, key: field, with: w.bytes, in: b)
    }
}
