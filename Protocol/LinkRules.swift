/// Links between records and releasability: a shared record may link to one that only one
/// staff may see (a shared agenda item covering an EUMS-only task, a shared task following
/// on from one). The staff that may see both gets the link; the other staff gets the record
/// without it, never the hidden record's id (DESIGN.md: the server never sends a record to
/// a user who may not see it, and an id says that the record exists and what it is tied to).
///
/// The server applies this to everything a pull sends (changes, snapshots, conflicts); an
/// import applies it to the records it keeps (`Replica.withholding`).
public enum LinkRules {
    /// The fields of `kind` whose values name other records that may be hidden from a
    /// reader: a task's `follows`, an agenda item's `tasks`. (A note's task is its parent:
    /// the note is hidden with it. Areas are seen by all.)
    public static func fields(of kind: RecordKind) -> [String] {
        switch kind {
        case .task: ["follows"]
        case .agendaItem: ["tasks"]
        case .area, .note, .conference: []
        }
    }

    /// The records a value of `field` of a `kind` record names: a reference's one record, and
    /// each task of a set of links (an agenda item's `tasks`). Empty for any other field. What
    /// the server checks a pusher may see, and what a replica looks for before sending.
    public static func namedRecords(_ kind: RecordKind, field: String, value: FieldValue) -> [(kind: RecordKind, id: String)] {
        switch kind.field(field)?.type {
        case .reference(let target)?: value.text.map { [(target, $0)] } ?? []
        case .set? where fields(of: kind).contains(field): value.elements.map { (.task, $0) }
        default: []
        }
    }

    /// `value` of a link field without the records `canSee` refuses: a reference to one
    /// becomes no value, a set loses those elements. Nil when nothing was left out.
    public static func visible(_ value: FieldValue, canSee: (String) throws -> Bool) rethrows -> FieldValue? {
        switch value {
        case .null:
            return nil
        case .text(let id):
            return try canSee(id) ? nil : .null
        case .set(let ids):
            var kept: [String] = []
            kept.reserveCapacity(ids.count)
            for id in ids where try canSee(id) { kept.append(id) }
            return kept.count == ids.count ? nil : .set(kept)
        }
    }

    /// `conflict` without hidden records in its values (when its field is a link), or nil
    /// when it shows none.
    public static func visible(_ conflict: Conflict, canSee: (String) throws -> Bool) rethrows -> Conflict? {
        guard fields(of: conflict.kind).contains(conflict.field) else { return nil }
        var c = conflict, changed = false
        for path in [\Conflict.base, \Conflict.current, \Conflict.proposed] {
            if let shown = try visible(c[keyPath: path], canSee: canSee) {
                c[keyPath: path] = shown
                changed = true
            }
        }
        return changed ? c : nil
    }

    /// What of `change` a reader may see, by the same rule as a pull page
    /// (`Server/PullPage+Links.swift`, which works on the stored columns).
    public enum Shown {
        /// Nothing in it names a hidden record.
        case asIs
        /// It names one: this is it without.
        case redacted(Change)
        /// It adds or removes a hidden record in a set: the reader's copy never held it.
        case nothing
    }

    /// `change` without the records `canSee` refuses (a replica forgetting a task withdrawn
    /// from its staff applies it to the history it keeps of other records).
    public static func visible(_ change: Change, canSee: (String) throws -> Bool) rethrows -> Shown {
        let links = fields(of: change.kind)
        guard !links.isEmpty else { return .asIs }
        var c = change, changed = false
        if let field = c.field, links.contains(field) {
            if c.action == .add || c.action == .remove, let element = c.value?.text, try !canSee(element) { return .nothing }
            if let old = c.old, let shown = try visible(old, canSee: canSee) { c.old = shown; changed = true }
            if let value = c.value, let shown = try visible(value, canSee: canSee) { c.value = shown; changed = true }
        }
        if var all = c.fields {
            for name in links {
                if let value = all[name], let shown = try visible(value, canSee: canSee) {
                    all[name] = shown == .null ? nil : shown
                    changed = true
                }
            }
            c.fields = all
        }
        if let conflict = c.conflict, let shown = try visible(conflict, canSee: canSee) { c.conflict = shown; changed = true }
        return changed ? .redacted(c) : .asIs
    }
}
