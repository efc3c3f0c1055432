
extension JSONWriter {
    /// A conflict, as `Conflict`'s `Codable` form.
    package mutating func conflict(_ c: Conflict) {
        raw("{")
        key("id"); string(c.id)
        raw(","); key("record"); string(c.record)
        raw(","); key("kind"); string(c.kind.rawValue)
        raw(","); key("type"); string(c.type.rawValue)
        raw(","); key("field"); string(c.field)
        raw(","); key("base"); value(c.base)
        raw(","); key("current"); value(c.current)
        raw(","); key("proposed"); value(c.proposed)
        raw(","); key("proposed_by"); string(c.proposedBy)
        raw(","); key("staff"); string(c.staff.rawValue)
        raw(","); key("at"); int(c.at)
        raw(","); key("current_rev"); int(c.currentRev)
        raw("}")
    }

    package static func encode(conflict: Conflict) -> String {
        var w = JSONWriter(capacity: 300)
        w.conflict(conflict)
        return w.text
    }

    /// One operation's result, as `OpResult`'s `Codable` form (absent optionals left out).
    package mutating func opResult(_ r: OpResult) {
        raw("{")
        key("op"); string(r.op)
        raw(","); key("outcome"); string(r.outcome.rawValue)
        if let seq = r.seq { raw(","); key("seq"); int(seq) }
        if let v = r.value { raw(","); key("value"); value(v) }
        raw(","); key("rev"); int(r.rev)
        if let cs = r.conflicts {
            raw(","); key("conflicts"); raw("[")
            for (i, c) in cs.enumerated() {
                if i > 0 { raw(",") }
                conflict(c)
            }
            raw("]")
        }
        if let revs = r.revs { raw(","); key("revs"); self.revs(revs) }
        raw("}")
    }

    /// The results array of a push reply (stored under the batch id for replays).
    package static func encode(results: [OpResult]) -> String {
        var w = JSONWriter(capacity: results.count * 80 + 2)
        w.raw("[")
        for (i, r) in results.enumerated() {
            if i > 0 { w.raw(",") }
            w.opResult(r)
        }
        w.raw("]")
        return w.text
    }

    /// A whole push reply around an already encoded results array.
    package static func pushResponse(batchId: String, storeId: String, resultsJSON: String, replayed: Bool) -> [UInt8] {
        var w = JSONWriter(capacity: resultsJSON.utf8.count + 160)
        w.raw("{"); w.key("batch_id"); w.string(batchId)
        w.raw(","); w.key("store_id"); w.string(storeId)
        w.raw(","); w.key("results"); w.json(resultsJSON)
        w.raw(","); w.key("replayed"); w.bool(replayed)
        w.raw("}")
        return w.bytes
    }
}

extension JSONWriter {
    /// An operation, as `PlanOperation`'s `Codable` form: absent optionals left out, and a
    /// `.null` value written as a present `null` (clear the field).
    package mutating func operation(_ op: PlanOperation) {
        raw("{")
        key("id"); string(op.id)
        raw(","); key("record"); string(op.record)
        raw(","); key("kind"); string(op.kind.rawValue)
        raw(","); key("action"); string(op.action.rawValue)
        if let f = op.field { raw(","); key("field"); string(f) }
        if let v = op.value { raw(","); key("value"); value(v) }
        if let f = op.fields { raw(","); key("fields"); fields(f) }
        raw(","); key("base_rev"); int(op.baseRev)
        if let r = op.resolves { raw(","); key("resolves"); stringArray(r) }
        raw(","); key("at"); int(op.at)
        raw("}")
    }

    /// A whole push body.
    package static func pushRequest(_ request: PushRequest) -> [UInt8] {
        var w = JSONWriter(capacity: request.ops.count * 200 + 64)
        w.raw("{"); w.key("batch_id"); w.string(request.batchId)
        w.raw(","); w.key("ops"); w.raw("[")
        for (i, op) in request.ops.enumerated() {
            if i > 0 { w.raw(",") }
            w.operation(op)
        }
        w.raw("]}")
        return w.bytes
    }
}

extension JSONWriter {
    /// A change, as `Change`'s `Codable` form (absent optionals left out; `old` and `value`
    /// written when present, `.null` as a present null).
    package mutating func change(_ c: Change) {
        raw("{")
        key("seq"); int(c.seq)
        raw(","); key("event"); string(c.event.rawValue)
        raw(","); key("record"); string(c.record)
        raw(","); key("kind"); string(c.kind.rawValue)
        if let a = c.action { raw(","); key("action"); string(a.rawValue) }
        if let f = c.field { raw(","); key("field"); string(f) }
        if let v = c.old { raw(","); key("old"); value(v) }
        if let v = c.value { raw(","); key("value"); value(v) }
        if let f = c.fields { raw(","); key("fields"); fields(f) }
        if let r = c.revs { raw(","); key("revs"); revs(r) }
        raw(","); key("user"); string(c.user)
        raw(","); key("staff"); string(c.staff.rawValue)
        raw(","); key("at"); int(c.at)
        if let b = c.batch { raw(","); key("batch"); string(b) }
        if let x = c.conflict { raw(","); key("conflict"); conflict(x) }
        if let r = c.resolved { raw(","); key("resolved"); stringArray(r) }
        if let t = c.createdAt { raw(","); key("created_at"); int(t) }
        if let b = c.createdBy { raw(","); key("created_by"); string(b) }
        if let s = c.createdStaff { raw(","); key("created_staff"); string(s.rawValue) }
        raw("}")
    }

    package static func encode(change: Change) -> String {
        var w = JSONWriter(capacity: 400)
        w.change(change)
        return w.text
    }

    package static func encode(strings: [String]) -> String {
        var w = JSONWriter(capacity: 16 * strings.count + 2)
        w.stringArray(strings)
        return w.text
    }
}
