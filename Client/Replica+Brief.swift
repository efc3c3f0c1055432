import Foundation
import GRDB
import WorkPlanProtocol

extension Replica {
    /// Gathers the brief for conference `number`. Throws `notFound` for an unknown conference.
    public func brief(conference number: Int, at now: Timestamp = Clock.now()) throws -> Brief {
        let conference = try conferenceView(number: number)
        let me = try currentSettings()
        let tasks = try visibleTasks(staff: me.staff)
        let live = Set(tasks.map(\.id))

        let agenda = (conference.agenda ?? [])
            .filter { (Releasability(parsing: $0.releasable) ?? .both).isVisible(to: me.staff) }
            .map { item in
                let covered = Set(item.tasks)
                return BriefAgendaItem(shortId: item.shortId, topic: item.topic, presenter: item.presenter, outcome: item.outcome,
                                       tasks: tasks.filter { covered.contains($0.id) },
                                       deletedTasks: item.tasks.filter { !live.contains($0) }.map(RecordID.short),
                                       releasable: item.releasable)
            }
        // By area id, not name: two areas may still show one name (two renames made offline).
        let areaOf = try db.read { db in
            try Dictionary(Row.fetchAll(db, sql: "SELECT id, area FROM task WHERE deleted = 0").map { ($0[0] as String, $0[1] as String) },
                           uniquingKeysWith: { a, _ in a })
        }
        let areas = try self.areas().map { area in BriefArea(name: area.name, tasks: tasks.filter { areaOf[$0.id] == area.id }) }

        let timeline = try timeline()
        let own = conference.status == "held" ? try baseline(conference: number, in: timeline) : nil
        // The last conference held before this one: lower in number and, this one held, with
        // its baseline before this one's. Closed out of order (21, then 20), 20's baseline
        // came after 21's, and the brief of 21 showed the window between them backwards,
        // "Changed: 0", hiding what changed (the clock tester).
        let previous = try conferences().filter { $0.number < number && $0.status == "held" }
            .sorted { $0.number > $1.number }
            .first { earlier in
                guard let own, own.position >= 0 else { return true }
                return try baseline(conference: earlier.number, in: timeline).position < own.position
            }
        var changes: ChangeSet
        if let previous {
            let start = try baseline(conference: previous.number, in: timeline)
            var end = timeline.entries.count - 1
            var until = "now"
            if let own, own.position >= 0 {
                end = own.position
                until = "the baseline of conference \(number)"
            }
            changes = try changeSet(timeline, from: start, through: end, until: until)
        } else {
            changes = ChangeSet(conference: nil, baseline: nil, until: "now", changes: [],
                                created: tasks.map(\.shortId), closed: [], changed: [], deleted: [])
        }

        let visibleConflicts = try conflicts().filter { c in
            guard let kind = RecordKind(rawValue: c.kind), kind.hasReleasability,
                  let r = try record(kind, id: c.record) else { return true }
            return (Releasability(parsing: r.text(FieldName.releasable) ?? "both") ?? .both).isVisible(to: me.staff)
        }
        return Brief(conference: conference, staff: me.staff.rawValue, preparedBy: me.user, preparedAt: TimeFormat.iso(now),
                     agenda: agenda, areas: areas, previous: previous, changes: changes,
                     followOns: previous.map { p in tasks.filter { $0.originConference == p.number } } ?? [],
                     overdue: tasks.filter { $0.isOverdue(atConference: number, on: conference.date) }
                        .sorted { ($0.due ?? "", $0.conference ?? 0, $0.title) < ($1.due ?? "", $1.conference ?? 0, $1.title) },
                     conflicts: visibleConflicts)
    }

    /// The plan's tasks the staff may see, in `tasks()` order, each with its latest visible note.
    func visibleTasks(staff: Staff) throws -> [BriefTask] {
        let lastNotes: [String: NoteView] = try db.read { db in
            var out: [String: NoteView] = [:]
            let notes = try RecordTable.of(.note).fetchAll(db, where: "deleted = 0 " + Self.noteOrder)
            for n in notes where (Releasability(parsing: n.text(FieldName.releasable) ?? "both") ?? .both).isVisible(to: staff) {
                if let task = n.text(FieldName.task) { out[task] = NoteView(n) }
            }
            return out
        }
        return try tasks()
            .filter { (Releasability(parsing: $0.releasable) ?? .both).isVisible(to: staff) }
            .map { t in
                BriefTask(id: t.id, shortId: t.shortId, title: t.title, area: t.area, lead: t.lead, owner: t.owner,
                          status: t.status, priority: t.priority, due: t.due, conference: t.conference, originConference: t.originConference,
                          lastNote: lastNotes[t.id], releasable: t.releasable)
            }
    }
}
