import Foundation

/// JSON held in text columns (values, fields, revs, changes, conflicts) by the replica and
/// the server store: written by `JSONWriter` and read by the fast decoders of
/// `WireDecoding`; other types, and anything the fast path declines, go through
/// `JSONEncoder`/`JSONDecoder`.
package enum JSONText {
    package static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    package static func encode<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    package static func encode(_ value: FieldValue) -> String { JSONWriter.encode(value) }
    package static func encode(_ change: Change) -> String { JSONWriter.encode(change: change) }
    package static func encode(_ conflict: Conflict) -> String { JSONWriter.encode(conflict: conflict) }
    package static func encode(_ strings: [String]) -> String { JSONWriter.encode(strings: strings) }

    package static let decoder = JSONDecoder()

    package static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(T.self, from: Data(text.utf8))
    }

    package static func decode(_ type: FieldValue.Type, _ text: String) throws -> FieldValue {
        try WireDecoding.fieldValue(text: text) ?? decoder.decode(type, from: Data(text.utf8))
    }

    package static func decode(_ type: [String: FieldValue].Type, _ text: String) throws -> [String: FieldValue] {
        try WireDecoding.fields(text: text) ?? decoder.decode(type, from: Data(text.utf8))
    }

    package static func decode(_ type: [String].Type, _ text: String) throws -> [String] {
        try WireDecoding.strings(text: text) ?? decoder.decode(type, from: Data(text.utf8))
    }

    package static func decode(_ type: Change.Type, _ text: String) throws -> Change {
        try WireDecoding.change(text: text) ?? decoder.decode(type, from: Data(text.utf8))
    }

    package static func decode(_ type: Conflict.Type, _ text: String) throws -> Conflict {
        try WireDecoding.conflict(text: text) ?? decoder.decode(type, from: Data(text.utf8))
    }

    package static func decodeArray(_ text: String) -> [String] {
        if text == "[]" { return [] }
        return (try? decode([String].self, text)) ?? []
    }

    /// A JSON array of strings (sets are stored this way on every row).
    package static func encodeArray(_ values: [String]) -> String { JSONWriter.encode(strings: values) }

    /// Field values as a JSON object with sorted keys (every pending create carries one).
    package static func encodeFields(_ fields: [String: FieldValue]) -> String { JSONWriter.encode(fields: fields) }

    /// Field revs as a JSON object with sorted keys.
    package static func encodeRevs(_ revs: [String: Int64]) -> String { revs.isEmpty ? "{}" : JSONWriter.encode(revs: revs) }

    /// Per-field revs, `{"field":rev,...}`.
    package static func decode(_ type: [String: Int64].Type, _ text: String) throws -> [String: Int64] {
        if text == "{}" { return [:] }
        return try WireDecoding.revs(text: text) ?? decoder.decode(type, from: Data(text.utf8))
    }

    /// Reads what `encodeRevs` writes; unreadable revs read as none.
    package static func decodeRevs(_ text: String?) -> [String: Int64] {
        guard let text else { return [:] }
        return (try? decode([String: Int64].self, text)) ?? [:]
    }
}
