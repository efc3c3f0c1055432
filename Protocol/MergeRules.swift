/// DESIGN.md rule 3, the field-level three-way merge, as pure functions. The server decides
/// every pushed operation with these; the client uses the same rules to apply pulled changes.
public enum MergeRules {
    /// The decision for one `set` of a field.
    public enum Decision: Equatable, Sendable {
        /// Store this value with a new rev (the proposed value, or a line merge).
        case accept(FieldValue)
        /// Stale but the result equals the current value: nothing changes.
        case unchanged
        /// Stale long text whose edits did not overlap: store the merged text.
        case merged(FieldValue)
        /// A real disagreement: the current value stays, the proposal becomes a conflict.
        case conflict
    }

    /// Decides a `set` made against `baseRev` when the field is at `currentRev`.
    /// `base` is the value at `baseRev` (used for long-text merges).
    public static func decideSet(spec: FieldSpec, baseRev: Int64, currentRev: Int64,
                                 base: FieldValue, current: FieldValue, proposed: FieldValue) -> Decision {
        if sameValue(spec: spec, proposed, current) { return .unchanged }
        if baseRev == currentRev { return .accept(proposed) }
        if spec.isLongText, baseRev < currentRev {
            let merged = TextMerge.merge(base: base.text ?? "", ours: current.text ?? "", theirs: proposed.text ?? "")
            // Two edits each within the limit can merge into a text over it, which no edit,
            // import or export round trip then accepts: people decide instead (the tester).
            // A merge can leave nothing but blank lines, which no edit stores (`Validation`
            // makes such a text empty): it is empty here too, or a conflict for a text that
            // must not be (the text tester: an import of the replica's own export, which
            // reads the blank text as empty, changed the plan).
            if let merged, merged.utf8.count <= Schema.maxLongTextBytes, !(spec.required && merged.isBlank) {
                let value = merged.isBlank ? FieldValue.null : FieldValue.optionalText(merged)
                return value == current ? .unchanged : .merged(value)
            }
        }
        return .conflict
    }

    /// Whether two values of a field are one value: equal, or (a set-valued field) both
    /// empty — `"tags": []` in an export and no tags on the server.
    public static func sameValue(spec: FieldSpec?, _ a: FieldValue, _ b: FieldValue) -> Bool {
        a == b || (spec?.isSet == true && a.elements.isEmpty && b.elements.isEmpty)
    }

    /// A resolution of a conflict that someone else resolved first was decided without
    /// seeing that decision (and keeping the current value moves no rev, so its base still
    /// looks current). It stands only when it leaves the field as it now is; otherwise it
    /// is a new conflict, never a silent overwrite of the first decision.
    public static func decideLateResolution(spec: FieldSpec?, current: FieldValue, proposed: FieldValue) -> Decision {
        sameValue(spec: spec, proposed, current) ? .unchanged : .conflict
    }

    /// Adds or removes one element of a set-valued field. Never a conflict: concurrent
    /// changes of different elements both take effect. Returns nil when nothing changes.
    public static func applyElement(_ action: Action, element: String, to current: FieldValue) -> FieldValue? {
        var elements = Set(current.elements)
        switch action {
        case .add:
            guard elements.insert(element).inserted else { return nil }
        case .remove:
            guard elements.remove(element) != nil else { return nil }
        default:
            return nil
        }
        return .makeSet(elements)
    }

    /// A delete conflicts when the record changed since the deleter last saw it. Changes
    /// the deleter made themselves count as seen (`othersChangedSince` false): their own
    /// edit, queued before the delete, may have reached the server after the delete was
    /// made against the rev before it (a lost reply, a batch sent again). A note someone
    /// else added to the task since counts as a change of it (`othersAddedNotesSince`): a
    /// note is work on the task, though it is a record of its own and moves no rev of it.
    public static func deleteConflicts(baseRev: Int64, recordRev: Int64, othersChangedSince: Bool = true,
                                       othersAddedNotesSince: Bool = false) -> Bool {
        (recordRev > baseRev && othersChangedSince) || othersAddedNotesSince
    }

    /// Any edit of a record someone else deleted is a conflict, never a silent resurrection.
    public static func editOfDeletedConflicts(action: Action) -> Bool {
        action != .restore && action != .delete && action != .resolve
    }

    /// A pulled change to a field applies only when it is newer than what the replica has
    /// (idempotent replays after a crash, snapshots followed by older pages).
    public static func pulledChangeApplies(seq: Int64, localRev: Int64) -> Bool {
        seq > localRev
    }
}
