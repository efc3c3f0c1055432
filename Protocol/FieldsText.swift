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

    /// The value of `field` in fields text of any shape: read in place when the writer wrote
    /// it (`value(of:in:)`), else from the whole object decoded. Nil when the text is not a
    /// fields object at all.
    package static func anyValue(of field: String, in text: String) -> FieldValue? {
        if let v = value(of: field, in: text) { return v }
        return (try? JSONText.decode([String: FieldValue].self, text)).map { $0[field] ?? .null }
    }

    /// `setting(_:to:in:)` for fields text of any shape: text in another shape is decoded
    /// and written anew. Nil when the text is not a fields object at all.
    package static func anySetting(_ field: String, to value: FieldValue, in text: String) -> String? {
        if let changed = setting(field, to: value, in: text) { return changed }
        guard var all = try? JSONText.decode([String: FieldValue].self, text) else { return nil }
        all[field] = value == .null ? nil : value
        return JSONWriter.encode(fields: all)
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
