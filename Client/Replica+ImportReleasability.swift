import GRDB
import WorkPlanProtocol

/// An export swapped between staffs holds the records its staff alone may see (a task
/// releasable to EUMS only, its notes). Those are not this staff's to hold, nor to send:
/// the import leaves them out and says how many, and the links other records of the file
/// have to them are left out with them (the records here keep theirs).
extension Replica {
    /// The file's records without those `staff` may not see, and what that took out.
    struct WithheldRecords {
        /// The records to import. A link to a record left out is taken out of the fields.
        var records: [ExportedRecord]
        /// Ids (lowercase) of the records left out.
        var leftOut: Set<String> = []
        /// For each record whose fields lost a link (keyed by its id as the file spells
        /// it): the fields that did, so that a record already here keeps its own value.
        var unlinked: [String: Set<String>] = [:]
    }

    /// Leaves out the records releasable to the other staff only, the notes of tasks left
    /// out, and the links to them: a task's `follows`, an agenda item's `tasks`.
    /// `withdrawn`: records withdrawn from this staff since (`ReplacedHere.withdrawnRecords`),
    /// which a file written before still says both staffs may see.
    static func withholding(_ records: [ExportedRecord], from staff: Staff, withdrawn: Set<String> = []) -> WithheldRecords {
        func id(_ text: String) -> String { RecordID.parse(text) ?? text }
        var leftOut = Set<String>()
        for r in records where withdrawn.contains(id(r.id)) { leftOut.insert(id(r.id)) }
        for r in records where r.kind.hasReleasability {
            if let text = r.fields[FieldName.releasable]?.text, let releasable = Releasability(parsing: text),
               !AccessRules.canSee(staff, releasable) {
                leftOut.insert(id(r.id))
            }
        }
        guard !leftOut.isEmpty else { return WithheldRecords(records: records) }
        for r in records where r.kind == .note {
            if let task = r.fields["task"]?.text, leftOut.contains(id(task)) { leftOut.insert(id(r.id)) }
        }
        var out = WithheldRecords(records: [], leftOut: leftOut)
        out.records.reserveCapacity(records.count)
        for var r in records where !leftOut.contains(id(r.id)) {
            for name in LinkRules.fields(of: r.kind) {
                guard let value = r.fields[name],
                      let shown = LinkRules.visible(value, canSee: { !leftOut.contains(id($0)) }) else { continue }
                r.fields[name] = shown == .null ? nil : shown
                out.unlinked[r.id, default: []].insert(name)
            }
            out.records.append(r)
        }
        return out
    }

    /// `fields` (of a record already here, whose links to records left out were taken out)
    /// with the record's own value of those links: the file cannot say whether the link is
    /// still wanted, and an import must not remove it for everyone.
    static func keepingLinks(_ fields: [String: FieldValue], _ unlinked: Set<String>, of existing: StoredRecord,
                             leftOut: Set<String>) -> [String: FieldValue] {
        var fields = fields
        for name in unlinked {
            if existing.kind.field(name)?.isSet == true {
                let hidden = existing[name].elements.filter { leftOut.contains(RecordID.parse($0) ?? $0) }
                fields[name] = .set((fields[name]?.elements ?? []) + hidden)
            } else {
                fields[name] = existing[name]
            }
        }
        return fields
    }

    /// `fields` (of a record already here) with the record's own links to records that only
    /// this replica's staff may see put back where the file leaves them out. A file the other
    /// staff exported never holds those links (they did not see them): taken as written, its
    /// import cleared this staff's follow-on links, and the next sync cleared them for
    /// everyone (the round-trip tester).
    /// Only links to records the file does not hold: a file that holds them was written by
    /// this staff, and a link it leaves out was taken away (the review).
    static func keepingOwnStaffLinks(_ db: Database, _ fields: [String: FieldValue], of existing: StoredRecord, staff: Staff,
                                     inFile: Set<String>) throws -> [String: FieldValue] {
        var fields = fields
        for name in LinkRules.fields(of: existing.kind) {
            let ownOnly = try LinkRules.namedRecords(existing.kind, field: name, value: existing[name]).filter { target in
                guard !inFile.contains(target.id), let r = try RecordTable.of(target.kind).fetch(db, id: target.id) else { return false }
                return Releasability(parsing: r.text(FieldName.releasable) ?? "both")?.onlyStaff == staff
            }
            guard !ownOnly.isEmpty else { continue }
            if existing.kind.field(name)?.isSet == true {
                let inFile = fields[name]?.elements ?? []
                fields[name] = .set(inFile + ownOnly.map(\.id).filter { !inFile.contains($0) })
            } else if (fields[name] ?? .null) == .null {
                fields[name] = existing[name]
            }
        }
        return fields
    }
}
