import Foundation
import GRDB
import WorkPlanProtocol

extension Replica {
    /// Resolves a record id as people type it: a full id or a unique prefix of 4 or more
    /// characters. Unknown and ambiguous prefixes are errors naming the problem.
    public func resolveID(_ kind: RecordKind, _ text: String) throws -> String {
        try db.read { db in try self.resolveID(db, kind, text) }
    }

    /// The delete of the one record of `kind` whose id starts with `prefix` in the pulled
    /// change stream, when its last change is that delete (what tells an officer why a
    /// task they are about to note is gone).
    static func deletion(_ db: Database, _ kind: RecordKind, prefix: String) throws -> Change? {
        let ids = try recordsInHistory(db, prefix: prefix, limit: 2)
        guard ids.count == 1, let change = try lastChange(db, record: ids[0]) else { return nil }
        return change.kind == kind && change.action == .delete ? change : nil
    }

    func resolveID(_ db: Database, _ kind: RecordKind, _ text: String) throws -> String {
        let prefix = text.lowercased()
        guard RecordID.isPlausiblePrefix(prefix) else {
            throw WorkPlanError.invalid("'\(text)' is not \(kind.withArticle) id (give at least \(RecordID.minimumPrefix) hex digits of it)")
        }
        let table = RecordTable.of(kind)
        let titleColumn: String
        switch kind {
        case .task: titleColumn = "title"
        case .note: titleColumn = "text"
        case .agendaItem: titleColumn = "topic"
        case .area: titleColumn = "name"
        case .conference: titleColumn = "'conference ' || number"
        }
        let rows = try Row.fetchAll(db, sql: "SELECT id, \(titleColumn) AS label FROM \(table.name) WHERE id >= ? AND id < ? AND deleted = 0 ORDER BY id LIMIT 11",
                                    arguments: [prefix, prefix + "~"])
        if rows.isEmpty {
            if let gone = try Self.deletion(db, kind, prefix: prefix) {
                // A conflict resolved here to bring it back: the server restores it, and the
                // sync after that brings it (with its notes) back to this replica.
                let restoring = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pending WHERE record = ? AND action = 'restore')",
                                                  arguments: [gone.record]) ?? false
                let next = restoring ? "your restore of it is waiting to be sent: it comes back here with your next 'workplan sync'"
                                     : "'workplan history \(RecordID.short(gone.record))' shows its changes"
                throw WorkPlanError.notFound("\(kind.displayName) \(RecordID.short(gone.record)) was deleted by \(gone.user) (\(gone.staff.rawValue)) at \(TimeFormat.iso(gone.at)); \(next)")
            }
            throw WorkPlanError.notFound("no \(kind.displayName) with id \(text)")
        }
        if rows.count > 1 {
            let list = rows.prefix(10).map { row -> String in
                let id: String = row["id"]
                let label: String = row["label"] ?? ""
                return "  \(id.prefix(12))  \(label.prefix(60))"
            }.joined(separator: "\n")
            throw WorkPlanError(.ambiguous, "id \(text) is ambiguous; it matches:\n\(list)")
        }
        return rows[0]["id"]
    }

    /// The id of the area named `name` (case-insensitive), or whose id `name` starts; the
    /// error lists the known areas, or the areas of one name.
    public func areaID(named name: String) throws -> String {
        try db.read { db in try self.areaID(db, named: name) }
    }

    func areaID(_ db: Database, named name: String) throws -> String {
        let key = RecordID.normalizedKey(name)
        let areas = try RecordTable.of(.area).fetchAll(db)
        let named = areas.filter { RecordID.normalizedKey($0.text("name") ?? "") == key }
        if named.count == 1 { return named[0].id }
        if named.count > 1 {
            // Two staffs gave two areas one name offline (a rename met an `area add`): say
            // so rather than pick one, and let the officer name it by its id.
            let ids = named.map { RecordID.short($0.id) }.sorted()
            throw WorkPlanError(.ambiguous, "\(named.count) areas are named '\(name)' (\(ids.joined(separator: ", "))): give the area's id instead (\(ids[0]), for example)")
        }
        // An area's id (or a unique prefix of 4 or more characters of it).
        let prefix = name.lowercased()
        if RecordID.isPlausiblePrefix(prefix) {
            let byID = areas.filter { $0.id.hasPrefix(prefix) }
            if byID.count == 1 { return byID[0].id }
        }
        let known = areas.compactMap { $0.text("name") }.sorted()
        let hint = known.isEmpty ? "there are no areas yet; add one with 'workplan area add NAME'" : "known areas: \(known.joined(separator: ", "))"
        throw WorkPlanError.notFound("unknown area '\(name)'; \(hint)")
    }

    /// The conference number a record argument names, if it is one: a number shorter than
    /// an id prefix can be (CLI.md names conferences by number).
    static func conferenceNumber(_ text: String) -> Int? {
        text.count < RecordID.minimumPrefix ? number(text) : nil
    }

    /// The number `text` is written as, digits only ("07" and "+7" are not 7).
    static func number(_ text: String) -> Int? {
        guard let n = Int(text), String(n) == text else { return nil }
        return n
    }

    /// The conference that digits name when they may also start the id of a record (a
    /// conference number of 4 or more digits; CLI.md names conferences by number): nil when
    /// no conference has that number, and an `ambiguous` error when one of `records` (those
    /// whose id starts with the digits) is another record: say so rather than pick one silently.
    func conference(_ db: Database, namedBy text: String, besides records: [(kind: RecordKind, id: String)]) throws -> StoredRecord? {
        guard let n = Self.number(text), let c = try conferenceRecord(db, number: n) else { return nil }
        if let other = records.first(where: { $0.id != c.id }) {
            throw WorkPlanError(.ambiguous, "'\(text)' is both conference \(n) (id \(RecordID.short(c.id))) and \(other.kind.withArticle) whose id starts with it (\(RecordID.short(other.id))): give more of the id")
        }
        return c
    }

    /// The conference with this number, or a `notFound` error.
    public func conference(number: Int) throws -> StoredRecord {
        try db.read { db in try conference(db, number: number) }
    }

    /// The conference with this number, or a `notFound` error, inside an access.
    func conference(_ db: Database, number: Int) throws -> StoredRecord {
        guard let c = try conferenceRecord(db, number: number) else {
            throw WorkPlanError.notFound("no conference \(number)")
        }
        return c
    }

    /// The conference that a number too short for an id names (`conferenceNumber`), or a
    /// `notFound` error that says why the text was read as a number (a task's 3-digit prefix).
    func conference(_ db: Database, shortNumber n: Int) throws -> StoredRecord {
        guard let c = try conferenceRecord(db, number: n) else {
            throw WorkPlanError.notFound("no conference \(n) (an id needs at least \(RecordID.minimumPrefix) characters)")
        }
        return c
    }

    /// One record by id (nil when absent or deleted here).
    public func record(_ kind: RecordKind, id: String) throws -> StoredRecord? {
        try db.read { db in try RecordTable.of(kind).fetch(db, id: id).flatMap { $0.deleted ? nil : $0 } }
    }

    /// All live records of a kind.
    public func records(_ kind: RecordKind) throws -> [StoredRecord] {
        try db.read { db in try RecordTable.of(kind).fetchAll(db) }
    }

    /// Area names by id.
    public func areaNames() throws -> [String: String] {
        try db.read { db in
            var names: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM area WHERE deleted = 0") {
                names[row["id"]] = row["name"]
            }
            return names
        }
    }
}
