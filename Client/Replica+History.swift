import Foundation
import GRDB
import WorkPlanProtocol

/// One entry of a record's history.
public struct HistoryEntry: Codable, Sendable, Hashable {
    public var seq: Int64?
    public var record: String
    public var event: String
    public var action: String?
    public var field: String?
    public var old: FieldValue?
    public var new: FieldValue?
    public var user: String
    public var staff: String
    public var at: String
    /// False for the officer's own edits not yet synced.
    public var synced: Bool
    /// A create's (or snapshot's) fields, each as a value (`new` also holds them as one
    /// text, as before). In the JSON since the black-box tester read the one text as the
    /// only form.
    public var fields: [String: FieldValue]? = nil
    /// The element an `add` or `remove` added or removed; `new` is then the whole set after
    /// it (once synced: `old` is the set before), as for a `set` (the black-box tester:
    /// `old` was a set and `new` one element).
    public var element: FieldValue? = nil

    enum CodingKeys: String, CodingKey {
        case seq, record, event, action, field, old, new, element, fields, user, staff, at, synced
    }

    /// Every key present, an unset one as `null` (a stable document: an edit not yet synced
    /// has no `seq` and no `old`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(record, forKey: .record)
        try c.encode(event, forKey: .event)
        try c.encode(action, forKey: .action)
        try c.encode(field, forKey: .field)
        try c.encode(old, forKey: .old)
        try c.encode(element, forKey: .element)
        try c.encode(fields, forKey: .fields)
        try c.encode(new, forKey: .new)
        try c.encode(user, forKey: .user)
        try c.encode(staff, forKey: .staff)
        try c.encode(at, forKey: .at)
        try c.encode(synced, forKey: .synced)
    }
}

extension Replica {
    /// Resolves any record's id prefix (a task, note, agenda item, conference or area), a
    /// conference number, or the id prefix of a record no longer here (deleted or withdrawn)
    /// whose history this replica still holds. A prefix that starts the ids of records of
    /// two kinds is ambiguous, as one that starts two tasks' ids is.
    public func resolveAnyRecord(_ text: String) throws -> (RecordKind, String) {
        if let n = Self.conferenceNumber(text) { return (.conference, try db.read { try conference($0, shortNumber: n) }.id) }
        var firstError: WorkPlanError?
        var found: [(kind: RecordKind, id: String)] = []
        for kind in [RecordKind.task, .note, .agendaItem, .conference, .area] {
            do {
                found.append((kind, try resolveID(kind, text)))
            } catch let e as WorkPlanError where e.code == .notFound {
                continue
            } catch let e as WorkPlanError {
                firstError = firstError ?? e
            }
        }
        if found.count > 1 {
            let list = found.map { "  \($0.id.prefix(12))  \($0.kind.displayName)" }.joined(separator: "\n")
            throw WorkPlanError(.ambiguous, "id \(text) is ambiguous; it matches:\n\(list)")
        }
        // Digits can be both an id's start and a conference's number.
        if let c = try db.read({ db in try conference(db, namedBy: text, besides: found.map { ($0.kind, $0.id) }) }) {
            return (.conference, c.id)
        }
        if let only = found.first, firstError == nil { return only }
        if firstError == nil, let gone = try recordInHistory(prefix: text) { return gone }
        // Areas are named by name (CLI.md; the black-box tester: `history "Military
        // Mobility"` said it was not a task id).
        // Two areas of one name (a rename met an `area add` offline) are ambiguous, as in
        // `resolve`, not "neither an id nor a name".
        if found.isEmpty, let area = try db.read({ db in try areaNamed(db, text) }) { return (.area, area) }
        if found.isEmpty, !RecordID.isPlausiblePrefix(text.lowercased()) {
            throw WorkPlanError.invalid("'\(text)' is neither a record's id (4 or more of its hex digits), an area's name nor a conference's number")
        }
        if let firstError { throw firstError }
        throw WorkPlanError.notFound("no record with id \(text)")
    }

    /// The one record whose id starts with `prefix` among those this replica holds history
    /// of (a deleted task is no longer in the tables, but who deleted it, and when, is).
    func recordInHistory(prefix: String) throws -> (RecordKind, String)? {
        let ids = try db.read { db in try Self.recordsInHistory(db, prefix: prefix.lowercased(), limit: 10) }
        guard !ids.isEmpty else { return nil }
        guard ids.count == 1 else {
            throw WorkPlanError(.ambiguous, "id \(prefix) is ambiguous: \(ids.map(RecordID.short).joined(separator: ", "))")
        }
        let kind = try db.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM history WHERE record = ? ORDER BY seq LIMIT 1", arguments: [ids[0]])
        }.flatMap { try? JSONText.decode(Change.self, $0).kind } ?? .task
        return (kind, ids[0])
    }

    /// Every change to a record: what the server accepted (pulled), then this replica's own
    /// edits not yet synced.
    public func history(record id: String) throws -> [HistoryEntry] {
        try db.read { db in
            var out: [HistoryEntry] = []
            // The field of each conflict opened: its end names the field too, also when the
            // resolution (a "keep theirs") carried none.
            var conflictField: [String: String] = [:]
            for c in try Self.pulledChangesWithTheirConflicts(db, record: id) {
                if let opened = c.conflict { conflictField[opened.id] = opened.field }
                let element = c.action.flatMap { [.add, .remove].contains($0) ? c.value : nil }
                let after = element.flatMap { e in c.old.flatMap { MergeRules.applyElement(c.action!, element: e.text ?? "", to: $0) } }
                out.append(HistoryEntry(seq: c.seq, record: c.record, event: c.event.rawValue, action: c.action?.rawValue,
                                        field: c.field ?? c.conflict?.field ?? c.resolved?.lazy.compactMap { conflictField[$0] }.first,
                                        old: c.old ?? c.conflict?.current,
                                        new: element != nil ? after : c.value ?? c.fields.map(Self.summary) ?? c.conflict?.proposed,
                                        user: c.user, staff: c.staff.rawValue, at: TimeFormat.iso(c.at), synced: true,
                                        fields: c.fields, element: element))
            }
            let me = try Settings.load(from: db)
            for e in try PendingLog.entries(db, where: "record = ?", arguments: [id]) {
                // Not yet synced: the set it will make is the server's to say.
                let element = [.add, .remove].contains(e.op.action) ? e.op.value : nil
                out.append(HistoryEntry(seq: nil, record: id, event: "change", action: e.op.action.rawValue, field: e.op.field,
                                        old: nil, new: element != nil ? nil : e.op.value ?? e.op.fields.map(Self.summary),
                                        user: e.author, staff: me.staff.rawValue, at: TimeFormat.iso(e.op.at), synced: false,
                                        fields: e.op.fields, element: element))
            }
            return out
        }
    }

    /// `pulledChanges`, with the other end of each conflict kept under another record: a
    /// note added to a task deleted meanwhile opens a conflict on the task, announced on the
    /// note (only who may see the note learns of it), and its resolution is the task's. The
    /// task's history said "conflict resolved" with nothing opened, the note's a conflict
    /// never resolved (the black-box tester). Each now shows both ends.
    static func pulledChangesWithTheirConflicts(_ db: Database, record: String) throws -> [Change] {
        var changes = try pulledChanges(db, record: record)
        let opened = Set(changes.compactMap { $0.event == .conflictOpened ? $0.conflict?.id : nil })
        let resolved = Set(changes.flatMap { $0.event == .conflictResolved ? $0.resolved ?? [] : [] })
        var more: [Change] = []
        func withText(_ id: String, under other: String?) throws -> [Change] {
            let sql = "SELECT body FROM history WHERE " + (other == nil ? "" : "record = ? AND ") + "record != ? AND instr(body, ?) > 0"
            let arguments: StatementArguments = other.map { [$0, record, id] } ?? [record, id]
            return try String.fetchAll(db, sql: sql, arguments: arguments).map { try JSONText.decode(Change.self, $0) }
        }
        // Opened here on another record: its end is that record's.
        for c in changes where c.event == .conflictOpened {
            guard let conflict = c.conflict, conflict.record != record, !resolved.contains(conflict.id) else { continue }
            more += try withText(conflict.id, under: conflict.record).filter { $0.event == .conflictResolved && $0.resolved?.contains(conflict.id) == true }
        }
        // Ended here, opened under another record (found by its id: rare, and read whole).
        for id in resolved.subtracting(opened) {
            more += try withText(id, under: nil).filter { $0.event == .conflictOpened && $0.conflict?.id == id && $0.conflict?.record == record }
        }
        guard !more.isEmpty else { return changes }
        let seen = Set(changes.map(\.seq))
        changes += more.filter { !seen.contains($0.seq) }
        return changes.sorted { $0.seq < $1.seq }
    }

    /// Every change of `record` in the pulled change stream, oldest first (conflicts too).
    static func pulledChanges(_ db: Database, record: String) throws -> [Change] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM history WHERE record = ? ORDER BY seq"), arguments: [record])
            .map { try JSONText.decode(Change.self, $0) }
    }

    /// Up to `limit` ids starting with `prefix` (lower case) that the pulled change stream
    /// holds history of.
    static func recordsInHistory(_ db: Database, prefix: String, limit: Int) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT record FROM history WHERE record >= ? AND record < ? LIMIT ?"),
                            arguments: [prefix, prefix + "\u{7f}", limit])
    }

    /// The newest change (or snapshot) of `record` in the pulled change stream, conflicts
    /// left out.
    static func lastChange(_ db: Database, record: String) throws -> Change? {
        let sql = "SELECT body FROM history WHERE record = ? ORDER BY seq DESC"
        for body in try String.fetchAll(db.cachedStatement(sql: sql), arguments: [record]) {
            let c = try JSONText.decode(Change.self, body)
            if c.event == .change || c.event == .snapshot { return c }
        }
        return nil
    }

    static func summary(_ fields: [String: FieldValue]) -> FieldValue {
        .text(summary(fields, showing: { _, value in value.description }))
    }

    /// A create's fields on one line, `name=value; ...` in name order, each value as `show`
    /// writes it.
    public static func summary(_ fields: [String: FieldValue], showing show: (String, FieldValue) -> String) -> String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(show($0.key, $0.value))" }.joined(separator: "; ")
    }

    /// How a history line reads a value of `field` of a `kind` record: an area by its name,
    /// a task (`follows`, a note's task, an agenda item's tasks) by its short id; any other
    /// value as it is. `areas`: `areaNames()`.
    public static func readable(_ value: FieldValue, field: String, of kind: RecordKind, areas: [String: String]) -> String {
        switch kind.field(field)?.type {
        case .reference(.area)?:
            return value.text.map { areas[$0] ?? RecordID.short($0) } ?? value.description
        case .reference?:
            return value.text.map(RecordID.short) ?? value.description
        case .set? where LinkRules.fields(of: kind).contains(field):
            return value.isNull ? value.description : value.elements.map(RecordID.short).joined(separator: ", ")
        default:
            return TerminalText.isolated(value.description)
        }
    }
}
