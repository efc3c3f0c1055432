import Foundation

/// Decodes the wire messages that carry thousands of entries (push requests, push replies,
/// pull pages) on both sides. A fast path (`FastJSON`) reads well-formed messages;
/// anything unusual goes to `JSONDecoder`, which then either produces the same value or
/// words the precise error. Both paths give the same value for the same input (the
/// protocol tests compare them).
package enum WireDecoding {
    /// A push body (server side).
    package static func pushRequest(_ bytes: some ContiguousBytes) throws -> PushRequest {
        if let fast = bytes.withUnsafeBytes({ fastPushRequest($0) }) { return fast }
        return try bytes.withUnsafeBytes { try fallback(PushRequest.self, $0) }
    }

    /// A push reply (client side).
    package static func pushResponse(_ bytes: some ContiguousBytes) throws -> PushResponse {
        if let fast = bytes.withUnsafeBytes({ fastPushResponse($0) }) { return fast }
        return try bytes.withUnsafeBytes { try fallback(PushResponse.self, $0) }
    }

    /// A pull page (client side).
    package static func pullResponse(_ bytes: some ContiguousBytes) throws -> PullResponse {
        if let fast = bytes.withUnsafeBytes({ fastPullResponse($0) }) { return fast }
        return try bytes.withUnsafeBytes { try fallback(PullResponse.self, $0) }
    }

    /// What the fast path declined: refused when it is not UTF-8 or an object holds a key
    /// twice (JSON leaves both undefined, and `JSONDecoder` words neither), else decoded by
    /// `JSONDecoder`, which words any other problem.
    static func fallback<T: Decodable>(_ type: T.Type, _ bytes: UnsafeRawBufferPointer) throws -> T {
        if String(validating: bytes, as: UTF8.self) == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "it is not UTF-8 text"))
        }
        if let key = FastJSON.duplicateKey(in: bytes) {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "an object holds the key '\(key)' twice"))
        }
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    }

    // MARK: Fast paths (nil: let JSONDecoder decide)

    package static func fastPushRequest(_ buffer: UnsafeRawBufferPointer) -> PushRequest? {
        guard let root = FastJSON.parse(buffer), case .object = root,
              case .string(let batchId)? = root["batch_id"], case .array(let items)? = root["ops"],
              let ops = all(items, operation) else { return nil }
        return PushRequest(batchId: batchId, ops: ops)
    }

    package static func fastPushResponse(_ buffer: UnsafeRawBufferPointer) -> PushResponse? {
        guard let root = FastJSON.parse(buffer), case .object = root,
              case .string(let batchId)? = root["batch_id"], case .string(let storeId)? = root["store_id"],
              case .array(let items)? = root["results"], case .bool(let replayed)? = root["replayed"],
              let results = all(items, opResult) else { return nil }
        return PushResponse(batchId: batchId, storeId: storeId, results: results, replayed: replayed)
    }

    package static func fastPullResponse(_ buffer: UnsafeRawBufferPointer) -> PullResponse? {
        guard let root = FastJSON.parse(buffer), case .object = root,
              case .string(let storeId)? = root["store_id"], case .array(let items)? = root["changes"],
              case .int(let next)? = root["next"], case .bool(let more)? = root["more"],
              case .int(let maxSeq)? = root["max_seq"],
              let changes = all(items, change) else { return nil }
        return PullResponse(storeId: storeId, changes: changes, next: next, more: more, maxSeq: maxSeq)
    }

    /// Every item read by `read`, or nil as soon as one cannot be.
    package static func all<T>(_ items: [FastJSON.Value], _ read: (FastJSON.Value) -> T?) -> [T]? {
        var out: [T] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let x = read(item) else { return nil }
            out.append(x)
        }
        return out
    }

    // MARK: Entries

    static func operation(_ v: FastJSON.Value) -> PlanOperation? {
        guard case .object = v,
              case .string(let id)? = v["id"], case .string(let record)? = v["record"],
              case .string(let kindText)? = v["kind"], let kind = RecordKind(rawValue: kindText),
              case .string(let actionText)? = v["action"], let action = Action(rawValue: actionText),
              case .int(let baseRev)? = v["base_rev"], case .int(let at)? = v["at"],
              let field = optionalString(v["field"]), let fields = optionalFields(v["fields"]),
              let resolves = optionalStrings(v["resolves"]) else { return nil }
        // As `PlanOperation.init(from:)`: a present null clears the field.
        var value: FieldValue?
        if let x = v["value"] {
            guard let fv = fieldValue(x) else { return nil }
            value = fv
        }
        return PlanOperation(id: id, record: record, kind: kind, action: action, field: field, value: value,
                             fields: fields, baseRev: baseRev, resolves: resolves, at: at)
    }

    static func opResult(_ v: FastJSON.Value) -> OpResult? {
        guard case .object = v, case .string(let op)? = v["op"],
              case .string(let outcomeText)? = v["outcome"], let outcome = OpResult.Outcome(rawValue: outcomeText),
              case .int(let rev)? = v["rev"], let seq = optionalInt(v["seq"]) else { return nil }
        // As `OpResult`'s decoder: a null value is the empty value, an absent one "no value".
        var value: FieldValue?
        if let x = v["value"] {
            guard let fv = fieldValue(x) else { return nil }
            value = fv
        }
        var conflicts: [Conflict]?
        switch v["conflicts"] {
        case nil, .null?: conflicts = nil
        case .array(let xs)?:
            var out: [Conflict] = []
            for x in xs { guard let c = conflict(x) else { return nil }; out.append(c) }
            conflicts = out
        default: return nil
        }
        var revs: [String: Int64]?
        switch v["revs"] {
        case nil, .null?: revs = nil
        case let x?:
            guard let r = revsObject(x) else { return nil }
            revs = r
        }
        return OpResult(op: op, outcome: outcome, seq: seq, value: value, rev: rev, conflicts: conflicts, revs: revs)
    }

    static func change(_ v: FastJSON.Value) -> Change? {
        guard case .object(let members) = v else { return nil }
        var seq: Int64?, event: Change.Event?, record: String?, kind: RecordKind?, action: Action?
        var field: String?, old: FieldValue?, value: FieldValue?, fields: [String: FieldValue]?
        var revs: [String: Int64]?, user: String?, staff: Staff?, at: Timestamp?, batch: String?
        var conflict: Conflict?, resolved: [String]?, createdAt: Timestamp?, createdBy: String?, createdStaff: Staff?
        // One pass over the members (a change has up to 17): the last of a repeated key
        // wins, as in `FastJSON.Value.subscript` and JSONDecoder.
        for (key, x) in members {
            switch key {
            case "seq": guard case .int(let n) = x else { return nil }; seq = n
            case "event": guard case .string(let s) = x, let e = Change.Event(rawValue: s) else { return nil }; event = e
            case "record": guard case .string(let s) = x else { return nil }; record = s
            case "kind": guard case .string(let s) = x, let k = RecordKind(rawValue: s) else { return nil }; kind = k
            case "action":
                if x.isNull { action = nil; continue }
                guard case .string(let s) = x, let a = Action(rawValue: s) else { return nil }; action = a
            case "field": guard let s = optionalString(x) else { return nil }; field = s
            case "old": guard let fv = fieldValue(x) else { return nil }; old = fv
            case "value": guard let fv = fieldValue(x) else { return nil }; value = fv
            case "fields": guard let f = optionalFields(x) else { return nil }; fields = f
            case "revs":
                if x.isNull { revs = nil; continue }
                guard let r = revsObject(x) else { return nil }; revs = r
            case "user": guard case .string(let s) = x else { return nil }; user = s
            case "staff": guard case .string(let s) = x, let st = Staff(rawValue: s) else { return nil }; staff = st
            case "at": guard case .int(let n) = x else { return nil }; at = n
            case "batch": guard let s = optionalString(x) else { return nil }; batch = s
            case "conflict":
                if x.isNull { conflict = nil; continue }
                guard let c = Self.conflict(x) else { return nil }; conflict = c
            case "resolved": guard let r = optionalStrings(x) else { return nil }; resolved = r
            case "created_at": guard let n = optionalInt(x) else { return nil }; createdAt = n
            case "created_by": guard let s = optionalString(x) else { return nil }; createdBy = s
            case "created_staff":
                if x.isNull { createdStaff = nil; continue }
                guard case .string(let s) = x, let st = Staff(rawValue: s) else { return nil }; createdStaff = st
            default: continue
            }
        }
        guard let seq, let event, let record, let kind, let user, let staff, let at else { return nil }
        return Change(seq: seq, event: event, record: record, kind: kind, action: action, field: field,
                      old: old, value: value, fields: fields, revs: revs, user: user, staff: staff, at: at,
                      batch: batch, conflict: conflict, resolved: resolved, createdAt: createdAt, createdBy: createdBy,
                      createdStaff: createdStaff)
    }

    static func conflict(_ v: FastJSON.Value) -> Conflict? {
        guard case .object = v,
              case .string(let id)? = v["id"], case .string(let record)? = v["record"],
              case .string(let kindText)? = v["kind"], let kind = RecordKind(rawValue: kindText),
              case .string(let typeText)? = v["type"], let type = ConflictType(rawValue: typeText),
              case .string(let field)? = v["field"],
              let base = v["base"].flatMap(fieldValue), let current = v["current"].flatMap(fieldValue),
              let proposed = v["proposed"].flatMap(fieldValue),
              case .string(let proposedBy)? = v["proposed_by"],
              case .string(let staffText)? = v["staff"], let staff = Staff(rawValue: staffText),
              case .int(let at)? = v["at"], case .int(let currentRev)? = v["current_rev"] else { return nil }
        return Conflict(id: id, record: record, kind: kind, type: type, field: field, base: base, current: current,
                        proposed: proposed, proposedBy: proposedBy, staff: staff, at: at, currentRev: currentRev)
    }

    // MARK: Values

    /// As `FieldValue.init(from:)`: null, a text, or a list of texts (made a set).
    package static func fieldValue(_ v: FastJSON.Value) -> FieldValue? {
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

    /// An optional member: `.some(nil)` when absent or null, nil when of the wrong type.
    package static func optionalString(_ v: FastJSON.Value?) -> String?? {
        switch v {
        case nil, .null?: return .some(nil)
        case .string(let s)?: return .some(s)
        default: return nil
        }
    }

    static func optionalInt(_ v: FastJSON.Value?) -> Int64?? {
        switch v {
        case nil, .null?: return .some(nil)
        case .int(let n)?: return .some(n)
        default: return nil
        }
    }

    package static func optionalStrings(_ v: FastJSON.Value?) -> [String]?? {
        switch v {
        case nil, .null?: return .some(nil)
        case .array(let xs)?:
            var out: [String] = []
            out.reserveCapacity(xs.count)
            for x in xs { guard case .string(let s) = x else { return nil }; out.append(s) }
            return .some(out)
        default: return nil
        }
    }

    package static func optionalFields(_ v: FastJSON.Value?) -> [String: FieldValue]?? {
        switch v {
        case nil, .null?: return .some(nil)
        case .object(let members)?:
            var dict: [String: FieldValue] = [:]
            dict.reserveCapacity(members.count)
            for (k, x) in members {
                guard let fv = fieldValue(x) else { return nil }
                dict[k] = fv
            }
            return .some(dict)
        default: return nil
        }
    }
}

extension WireDecoding {
    /// One JSON document held in a text column (the replica stores values, fields, changes
    /// and conflicts this way), read with the fast path; nil when it gives up.
    package static func document<T>(_ text: String, _ read: (FastJSON.Value) -> T?) -> T? {
        var text = text
        return text.withUTF8 { utf8 in FastJSON.parse(UnsafeRawBufferPointer(utf8)).flatMap(read) }
    }

    package static func fieldValue(text: String) -> FieldValue? { document(text, fieldValue) }
    package static func fields(text: String) -> [String: FieldValue]? { document(text) { optionalFields($0) ?? nil } }
    package static func strings(text: String) -> [String]? { document(text) { optionalStrings($0) ?? nil } }
    package static func change(text: String) -> Change? { document(text, change) }
    package static func conflict(text: String) -> Conflict? { document(text, conflict) }

    /// Per-field revs: `{"field": rev, ...}`.
    package static func revs(text: String) -> [String: Int64]? {
        var text = text
        return text.withUTF8 { FastJSON.parseIntObject(UnsafeRawBufferPointer($0)) }
    }

    static func revsObject(_ v: FastJSON.Value) -> [String: Int64]? {
        guard case .object(let members) = v else { return nil }
        var out: [String: Int64] = [:]
        out.reserveCapacity(members.count)
        for (k, r) in members {
            guard case .int(let n) = r else { return nil }
            out[k] = n
        }
        return out
    }
}
