import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

extension PushApplier {
    /// Rights, visibility and references for one operation (docs/sync-model.md "Push", step 2).
    /// A refusal throws and the whole batch is rolled back.
    func checkAccess(_ op: PlanOperation, _ existing: RecordMeta?) throws {
        // Role, and no record made releasable to the other staff only.
        try AccessRules.checkWrite(user: user, op: op, current: nil)
        if let existing {
            guard AccessRules.canSee(user.staff, existing.effective) else {
                throw AccessRules.notVisible(op.kind, op.record, staff: user.staff)
            }
            guard existing.kind == op.kind else {
                throw WorkPlanError.invalid("operation \(op.id): record \(RecordID.short(op.record)) is \(existing.kind.withArticle), not \(op.kind.withArticle)")
            }
            try AccessRules.checkWrite(user: user, op: op, current: existing.effective)
            try checkWithdrawal(op, existing)
        } else if op.action != .create {
            throw AccessRules.notVisible(op.kind, op.record, staff: user.staff)
        }
        switch op.action {
        case .create:
            for (name, value) in op.fields ?? [:] { try checkReference(op, field: name, value: value) }
            if op.kind == .note, existing == nil, var refusal = AccessRules.noteSignatureRefusal(user, record: op.record, fields: op.fields ?? [:]) {
                refusal.operation = op.id
                throw refusal
            }
        case .set, .restore, .add, .remove:
            // A link removed too: the security tester (as IMS) removed an EUMS-only task from a
            // shared agenda item, and learnt from "accepted" or "unchanged" whether it was there.
            if let field = op.field, let value = op.value { try checkReference(op, field: field, value: value) }
        default:
            break
        }
    }

    /// A shared record made releasable to one staff only: the originator's call
    /// (`AccessRules.withdrawalRefusal`).
    private func checkWithdrawal(_ op: PlanOperation, _ existing: RecordMeta) throws {
        for proposed in AccessRules.proposedReleasabilities(op) where existing.own == .both && proposed != .both {
            let r = try record(op.record)
            let creator = try db.cachedStatement(sql: "SELECT staff FROM users WHERE name = ?")
                .first([.text(r.createdBy)]) { Staff(rawValue: $0.text(0)) } ?? nil
            if var refusal = AccessRules.withdrawalRefusal(user: user, kind: op.kind, record: op.record, current: existing.own,
                                                           proposed: proposed, creatorStaff: creator) {
                refusal.operation = op.id
                throw refusal
            }
        }
    }

    /// A reference field must name a record of the right kind that the user can see (one
    /// created earlier in the same batch counts), and so must each task a link set (an agenda
    /// item's tasks) names or gains: an unknown id stored there reached one staff and not
    /// the other, and the replicas never agreed.
    /// The refusal names the record linked to: a replica that does not have it either sets
    /// aside its edits referring to it (`Replica.setAsideUnreachableReferences`).
    private func checkReference(_ op: PlanOperation, field: String, value: FieldValue) throws {
        for (target, id) in LinkRules.namedRecords(op.kind, field: field, value: value) {
            guard let m = try meta(id), m.kind == target, AccessRules.canSee(user.staff, m.effective) else {
                throw AccessRules.notVisible(target, id, staff: user.staff)
            }
        }
    }

    /// A create must use the id derived from its natural key (`RecordID.requiredID`), so that
    /// two staffs creating the same conference offline create one record.
    static func checkNaturalKey(_ op: PlanOperation) throws {
        guard op.action == .create else { return }
        if let expected = RecordID.requiredID(of: op.kind, fields: op.fields ?? [:]), expected != op.record {
            throw WorkPlanError.invalid("operation \(op.id): \(op.kind.withArticle)'s id comes from its natural key (expected \(expected), got \(op.record))")
        }
    }
}
