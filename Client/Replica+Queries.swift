import Foundation
import GRDB
import WorkPlanProtocol

/// Which tasks `workplan list` shows.
public struct TaskFilter: Sendable {
    public var areaID: String?
    public var status: String?
    public var lead: String?
    public var tag: String?
    public var search: String?
    public init(areaID: String? = nil, status: String? = nil, lead: String? = nil, tag: String? = nil, search: String? = nil) {
        self.areaID = areaID
        self.status = status
        self.lead = lead
        self.tag = tag
        self.search = search
    }
}

extension Replica {
    /// Tasks matching the filter, by area name, then priority (high first), then title.
    public func tasks(_ filter: TaskFilter = TaskFilter()) throws -> [TaskView] {
        try db.read { db in
            var clauses = ["task.deleted = 0"]
            var args: [any DatabaseValueConvertible] = []
            if let a = filter.areaID { clauses.append("task.area = ?"); args.append(a) }
            if let s = filter.status { clauses.append("task.status = ?"); args.append(s) }
            if let l = filter.lead { clauses.append("task.lead = ?"); args.append(l) }
            if let t = filter.tag {
                clauses.append("EXISTS (SELECT 1 FROM json_each(task.tags) WHERE workplan_equal(json_each.value, ?))")
                args.append(t)
            }
            if let q = filter.search {
                clauses.append("(workplan_contains(task.title, ?) OR workplan_contains(task.description, ?))")
                args.append(q)
                args.append(q)
            }
            let table = RecordTable.of(.task)
            let names = try areaNames(db)
            let sql = table.selectSQL + " WHERE " + clauses.joined(separator: " AND ")
            let records = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(table.record(from:))
            return Self.sortedForListing(records.map { TaskView($0, areaName: names[$0.text("area") ?? ""] ?? "?") })
        }
    }

    /// Tasks by area name (ignoring case), then priority (high first), then title, then id.
    /// The keys are worked out once per task and the sort moves indices: sorting the views
    /// themselves, lowercasing both areas at each comparison, was half of `list` at 50 000
    /// tasks (copies of a large struct, two allocations per comparison).
    static func sortedForListing(_ views: [TaskView]) -> [TaskView] {
        let rank = ["high": 0, "medium": 1, "low": 2]
        var areaKeys: [String: String] = [:]
        let areas = views.map { v in
            if let k = areaKeys[v.area] { return k }
            let k = v.area.lowercased()
            areaKeys[v.area] = k
            return k
        }
        let ranks = views.map { rank[$0.priority] ?? 3 }
        let titles = views.map(\.title), ids = views.map(\.id)
        let order = views.indices.sorted { i, j in
            if areas[i] != areas[j] { return areas[i] < areas[j] }
            if ranks[i] != ranks[j] { return ranks[i] < ranks[j] }
            if titles[i] != titles[j] { return titles[i] < titles[j] }
            return ids[i] < ids[j]
        }
        return order.map { views[$0] }
    }

    func areaNames(_ db: Database) throws -> [String: String] {
        var names: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM area") { names[row["id"]] = row["name"] }
        return names
    }

    /// The order notes are listed in: by the server's seq of their create (DESIGN.md: order
    /// comes from `seq`, never from clocks), then the notes not yet synced, oldest first. By
    /// `created_at` alone, a note written on a laptop whose clock ran fast came after notes
    /// written later, on every replica, and was the brief's "Last note" (the clock tester).
    /// A note's text is never edited, so its rev is its create's seq here and on every replica.
    static let noteOrder = "ORDER BY NULLIF(json_extract(revs, '$.text'), 0) IS NULL, NULLIF(json_extract(revs, '$.text'), 0), created_at, id"

    /// One task with its notes (in `noteOrder`).
    public func taskView(id: String) throws -> TaskView {
        try db.read { db in
            guard let r = try RecordTable.of(.task).fetch(db, id: id), !r.deleted else {
                throw WorkPlanError.notFound("no task \(RecordID.short(id))")
            }
            var view = TaskView(r, areaName: try areaNames(db)[r.text("area") ?? ""] ?? "?")
            view.notes = try RecordTable.of(.note).fetchAll(db, where: "task = ? AND deleted = 0 " + Self.noteOrder, arguments: [id]).map(NoteView.init)
            return view
        }
    }

    /// Areas with their task counts, by name.
    public func areas() throws -> [AreaView] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.id, a.name, (SELECT count(*) FROM task t WHERE t.area = a.id AND t.deleted = 0) AS n
                FROM area a WHERE a.deleted = 0 ORDER BY a.name COLLATE NOCASE
                """).map { AreaView(id: $0["id"], name: $0["name"], tasks: $0["n"]) }
        }
    }

    /// Conferences by number.
    public func conferences() throws -> [ConferenceView] {
        try db.read { db in
            try RecordTable.of(.conference).fetchAll(db, where: "deleted = 0 ORDER BY number").map(ConferenceView.init)
        }
    }

    /// A conference with its agenda.
    public func conferenceView(number: Int) throws -> ConferenceView {
        let record = try conference(number: number)
        var view = ConferenceView(record)
        view.agenda = try agenda(number: number)
        return view
    }

    /// A conference's agenda in order (position key, then id).
    public func agenda(number: Int) throws -> [AgendaItemView] {
        try db.read { db in
            try RecordTable.of(.agendaItem).fetchAll(db, where: "conference = ? AND deleted = 0 ORDER BY position, id", arguments: [number]).map(AgendaItemView.init)
        }
    }

    /// Which of `ids` name a task here that is not deleted (an agenda item keeps the ids
    /// of tasks deleted since it was written, so its list can say which are gone).
    public func liveTasks(among ids: [String]) throws -> Set<String> {
        try db.read { db in try RecordTable.of(.task).existing(db, among: ids, live: true) }
    }

    /// Counts for `workplan status`.
    public func pendingCount() throws -> Int { try db.read { try PendingLog.count($0) } }

    /// The settings as stored now.
    public func currentSettings() throws -> Settings { try db.read { try Settings.load(from: $0) } }
}
