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
}
