/// Who may see and change what (DESIGN.md "Identity, access, releasability"). The server
/// enforces these on every request; the client checks the same rules before queueing an
/// edit, so a refusal reads the same on both sides.
public enum AccessRules {
    /// Whether `staff` may see a record whose effective releasability is `releasable`
    /// (nil: visible to nobody, e.g. an IMS-only note on an EUMS-only task).
    public static func canSee(_ staff: Staff, _ releasable: Releasability?) -> Bool {
        releasable?.isVisible(to: staff) ?? false
    }

    /// The effective releasability of a record inside a parent (a note inside its task).
    public static func effective(_ own: Releasability, parent: Releasability?) -> Releasability? {
        guard let parent else { return own }
        return own.intersect(parent)
    }

    /// Throws `forbidden` unless `user` may send edits at all: a viewer may not, also in a
    /// push of no operations (the security tester: a viewer's empty pushes were stored, one
    /// batch row each, without limit).
    public static func checkMayPush(_ user: Identity) throws {
        guard user.role.canWrite else {
            throw WorkPlanError.forbidden("\(user.name) is a viewer and may not change the plan (ask an administrator for the editor role)")
        }
    }

    /// Throws `forbidden` unless `user` may apply `op` to a record whose current
    /// releasability is `current` (nil for a new record).
    public static func checkWrite(user: Identity, op: PlanOperation, current: Releasability?) throws {
        try checkMayPush(user)
        if let current, let only = current.onlyStaff, only != user.staff {
            throw WorkPlanError.forbidden("\(op.kind.displayName) \(RecordID.short(op.record)) is releasable to \(only.rawValue) only; \(user.staff.rawValue) may not change it")
        }
        for r in proposedReleasabilities(op) {
            if let only = r.onlyStaff, only != user.staff {
                throw WorkPlanError.forbidden("\(user.staff.rawValue) may not make a record releasable to \(only.rawValue) only")
            }
        }
    }

    /// The releasabilities `op` gives its record (from a create's fields or a `set`).
    public static func proposedReleasabilities(_ op: PlanOperation) -> [Releasability] {
        var proposed: [Releasability] = []
        if let f = op.fields?[FieldName.releasable]?.text, let r = Releasability(rawValue: f) { proposed.append(r) }
        if op.field == FieldName.releasable, let f = op.value?.text, let r = Releasability(rawValue: f) { proposed.append(r) }
        return proposed
    }

    /// Why `user` may not make a record shared with both staffs (`current`) releasable to
    /// their own staff only (`proposed`), or nil when they may: only the staff that created
    /// it may (`creatorStaff`; nil when not known here, and the server decides). Withdrawn,
    /// the record leaves the other staff's copies as if deleted, with the notes they wrote
    /// on it (kept on the server, back when it is shared again), so it is the originator's
    /// call. The error names the record, so a replica sets that one edit aside.
    public static func withdrawalRefusal(user: Identity, kind: RecordKind, record: String, current: Releasability?,
                                         proposed: Releasability, creatorStaff: Staff?) -> WorkPlanError? {
        guard current == .both, let only = proposed.onlyStaff, let creatorStaff, creatorStaff != user.staff else { return nil }
        let other: Staff = only == .EUMS ? .IMS : .EUMS
        return WorkPlanError(.invalidInput, "\(kind.displayName) \(RecordID.short(record)) was created by \(creatorStaff.rawValue): only \(creatorStaff.rawValue) may make it releasable to one staff only (it would be withdrawn from \(other.rawValue))", record: record)
    }

    /// Why `user` may not create note `record` with `fields`, or nil when they may: a note
    /// is signed with its author's staff, and only that staff's officers send it (an export
    /// read by the other staff holds notes it must leave to them). The error names the
    /// record, so a replica sets that one create aside and sends the rest.
    public static func noteSignatureRefusal(_ user: Identity, record: String, fields: [String: FieldValue]) -> WorkPlanError? {
        let staff = fields[FieldName.staff]?.text
        guard staff != user.staff.rawValue else { return nil }
        return WorkPlanError(.invalidInput, "a note is signed with its author's staff: \(user.name) writes for \(user.staff.rawValue), not \(staff ?? "no staff")", record: record)
    }

    /// The message for a record that does not exist or is not releasable to the user
    /// (the same words for both, so a guessed id reveals nothing).
    public static func notVisible(_ kind: RecordKind, _ id: String, staff: Staff) -> WorkPlanError {
        WorkPlanError(.forbidden, "no \(kind.displayName) \(RecordID.short(id)) releasable to \(staff.rawValue)", record: id)
    }
}
