import Foundation
import WorkPlanProtocol

/// Decodes push bodies: a fast path for well-formed requests (`FastJSON`), and
/// `JSONDecoder` for everything else, which also words the errors. Both give the same
/// `PushRequest` for the same input.
public enum PushRequestDecoding {
    public static func decode(_ bytes: some ContiguousBytes) throws -> PushRequest {
        if let fast = bytes.withUnsafeBytes({ fastDecode($0) }) { return fast }
        return try bytes.withUnsafeBytes { try JSONDecoder().decode(PushRequest.self, from: Data($0)) }
    }

    static func fastDecode(_ buffer: UnsafeRawBufferPointer) -> PushRequest? {
        guard let root = FastJSON.parse(buffer), case .object = root,
              case .string(let batchId)? = root["batch_id"], case .array(let items)? = root["ops"] else { return nil }
        var ops: [PlanOperation] = []
        ops.reserveCapacity(items.count)
        for item in items {
            guard let op = operation(item) else { return nil }
            ops.append(op)
        }
        return PushRequest(batchId: batchId, ops: ops)
    }

    static func operation(_ v: FastJSON.Value) -> PlanOperation? {
        guard case .object = v,
              case .string(let id)? = v["id"], case .string(let record)? = v["record"],
              case .string(let kindText)? = v["kind"], let kind = RecordKind(rawValue: kindText),
              case .string(let actionText)? = v["action"], let action = Action(rawValue: actionText),
              case .int(let baseRev)? = v["base_rev"], case .int(let at)? = v["at"] else { return nil }
        var field: String?
        switch v["field"] {
        case nil, .null?: field = nil
        case .string(let s)?: field = s
        default: return nil
        }
        var value: FieldValue?
        switch v["value"] {
        case nil: value = nil
        case .null?: value = .null  // as `PlanOperation.init(from:)`: a present null clears the field
        case let x?: guard let fv = fieldValue(x) else { return nil }; value = fv
        }
        var fields: [String: FieldValue]?
        switch v["fields"] {
        case nil, .null?: fields = nil
        case .object(let members)?:
            var dict: [String: FieldValue] = [:]
            dict.reserveCapacity(members.count)
            for (k, x) in members {
                guard let fv = fieldValue(x) else { return nil }
                dict[k] = fv
            }
            fields = dict
        default: return nil
        }
        var resolves: [String]?
        switch v["resolves"] {
        case nil, .null?: resolves = nil
        case .array(let xs)?:
            var out: [String] = []
            for x in xs { guard case .string(let s) = x else { return nil }; out.append(s) }
            resolves = out
        default: return nil
        }
        return PlanOperation(id: id, record: record, kind: kind, action: action, field: field, value: value,
                             fields: fields, baseRev: baseRev, resolves: resolves, at: at)
    }

    /// As `FieldValue.init(from:)`: null, a text, or a list of texts (made a set).
    static func fieldValue(_ v: FastJSON.Value) -> FieldValue? {
        switch v {
        case .null: return .null
        case .string(let s): return .text(s)
        case .array(let xs):
            var out: [String] = []
            out.reserveCapacity(xs.count)
            for x in xs { guard case .string(let s) = x else { return nil }; out.append(s) }
            return .makeSet(out)
        default: return nil
        }
    }
}
