import WorkPlanProtocol

extension PushApplier {
    /// `result` as the pushing staff may see it: the values it carries of a link field (the
    /// field's value now, a conflict's values) without the records that staff may not see
    /// (`LinkRules`): an IMS officer adding a task to a shared agenda item must not learn
    /// the EUMS-only task it also covers.
    func visibleToPusher(_ result: OpResult, of op: PlanOperation) throws -> OpResult {
        let links = LinkRules.fields(of: op.kind)
        guard !links.isEmpty else { return result }
        let canSee = { (id: String) throws -> Bool in try self.pusherCanSee(id) }
        var out = result
        if let field = op.field, links.contains(field), let value = result.value,
           let visible = try LinkRules.visible(value, canSee: canSee) {
            out.value = visible
        }
        if let conflicts = result.conflicts {
            out.conflicts = try conflicts.map { try LinkRules.visible($0, canSee: canSee) ?? $0 }
        }
        return out
    }

    /// The value a `set` of a link set (an agenda item's tasks) gives, keeping the elements
    /// of `current` the pushing staff may not see: the officer chose the set without seeing
    /// them, and their choice must not remove them for the staff that can. (A `follows` is
    /// one value: what was not seen is replaced, docs/sync-model.md.)
    func keepingHiddenLinks(_ op: PlanOperation, field: String, proposed: FieldValue, current: FieldValue) throws -> FieldValue {
        guard LinkRules.fields(of: op.kind).contains(field), op.kind.field(field)?.isSet == true else { return proposed }
        let hidden = try current.elements.filter { try !pusherCanSee($0) }
        guard !hidden.isEmpty else { return proposed }
        let kept = FieldValue.makeSet(proposed.elements + hidden)
        // The links kept count towards the set's limit (the review: 200 tasks IMS sees plus
        // the EUMS-only one made 201, and every EUMS export then failed to import).
        try checkRoom(in: kept, field: field, of: op)
        return kept
    }

    /// `Validation.checkRoom` of the value `op` leaves in `field`, its refusal naming the
    /// record and the operation, so the replica sets that edit aside and sends the rest.
    func checkRoom(in value: FieldValue, field: String, of op: PlanOperation) throws {
        do {
            try Validation.checkRoom(in: value, field: field, kind: op.kind)
        } catch var full as WorkPlanError {
            full.record = op.record
            full.operation = op.id
            throw full
        }
    }

    /// Whether `proposed` empties a one-value link (`follows`) that names a record the
    /// pushing staff may not see: to that staff the field is empty already, so the set
    /// changes nothing (the security tester, as IMS: clearing a shared task's `follows`
    /// removed its link to an EUMS-only task, and "accepted" against "unchanged" told
    /// whether there was one). A value of its own still replaces the link it did not see.
    func clearsALinkNotSeen(_ op: PlanOperation, field: String, proposed: FieldValue, current: FieldValue) throws -> Bool {
        guard proposed == .null, let target = current.text, LinkRules.fields(of: op.kind).contains(field),
              op.kind.field(field)?.isSet == false else { return false }
        return try !pusherCanSee(target)
    }

    /// Whether the pushing staff may see record `id` as the batch has left it (no such
    /// record: no). What the link rules ask of every id a reply or refusal would name.
    func pusherCanSee(_ id: String) throws -> Bool {
        AccessRules.canSee(user.staff, try meta(RecordID.parse(id) ?? id)?.effective)
    }
}
