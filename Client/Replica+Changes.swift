import Foundation
import GRDB
import WorkPlanProtocol

/// The records a change set or brief may name: titles and releasability, from the replica
/// now, else from the replayed timeline (records deleted since).
struct RecordDirectory {
    var current: [String: StoredRecord] = [:]
    var staff: Staff

    init(_ db: Database, staff: Staff) throws {
        self.staff = staff
        for kind in RecordKind.allCases {
            for r in try RecordTable.of(kind).fetchAll(db) { current[r.id] = r }
        }
    }

    func field(_ id: String, _ name: String, _ replay: TimelineReplay) -> FieldValue? {
        if let r = current[id] { return r.fields[name] }
        return replay.value(id, name)
    }

    /// Who may see the record ("both", "EUMS", "IMS"), a note within its task's
    /// releasability; nil for records without one (areas, conferences).
    func releasability(_ id: String, kind: RecordKind, _ replay: TimelineReplay) -> String? {
        guard kind.hasReleasability else { return nil }
        let own = Releasability(parsing: field(id, FieldName.releasable, replay)?.text ?? "both") ?? .both
        guard kind == .note, let task = field(id, FieldName.task, replay)?.text,
              let parent = releasability(task, kind: .task, replay).flatMap({ Releasability(parsing: $0) }) else { return own.rawValue }
        return (AccessRules.effective(own, parent: parent) ?? own).rawValue
    }

    /// Whether the officer's staff may see the record (a note also needs its task visible).
    func visible(_ id: String, kind: RecordKind, _ replay: TimelineReplay) -> Bool {
        if kind.hasReleasability {
            let rel = Releasability(parsing: field(id, FieldName.releasable, replay)?.text ?? "both") ?? .both
            guard rel.isVisible(to: staff) else { return false }
        }
        if kind == .note, let task = field(id, FieldName.task, replay)?.text {
            return visible(task, kind: .task, replay)
        }
        return true
    }

    /// A name for people.
    func title(_ id: String, kind: RecordKind, _ replay: TimelineReplay) -> String {
        switch kind {
        case .task: field(id, "title", replay)?.text ?? RecordID.short(id)
        case .note: field(id, FieldName.task, replay)?.text.map { title($0, kind: .task, replay) } ?? "note"
        case .agendaItem: field(id, "topic", replay)?.text ?? RecordID.short(id)
        case .conference: "Conference \(field(id, FieldName.number, replay)?.text ?? "?")"
        case .area: field(id, FieldName.name, replay)?.text ?? RecordID.short(id)
        }
    }
}

extension Replica {
    /// What changed after conference `number`'s baseline, up to now (the end of the
    /// timeline). Throws for an unknown conference or one not yet held.
    public func changes(sinceConference number: Int) throws -> ChangeSet {
        let timeline = try timeline()
        let baseline = try baseline(conference: number, in: timeline)
        return try changeSet(timeline, from: baseline, through: timeline.entries.count - 1, until: "now")
    }

    /// The change set of the timeline window after `baseline` (from the start when nil)
    /// through position `end`, restricted to what the officer's staff may see.
    func changeSet(_ timeline: Timeline, from baseline: Baseline?, through end: Int, until: String) throws -> ChangeSet {
        try db.read { db in
            let me = try Settings.load(from: db)
            let directory = try RecordDirectory(db, staff: me.staff)
            var replay = TimelineReplay()
            let window = replay.collect(timeline, after: baseline?.position ?? -1, through: end)

            var changes: [RecordChange] = []
            var created: [String] = [], touched: [String] = [], closing: [String] = [], deleting: [String] = []
            for (e, old, new) in window where directory.visible(e.record, kind: e.kind, replay) {
                let title = directory.title(e.record, kind: e.kind, replay)
                var shown = new
                if e.action == .create {
                    shown = .text(e.kind == .note ? (e.fields?["text"]?.text ?? "") : title)
                }
                changes.append(RecordChange(record: e.record, kind: e.kind.rawValue, shortId: RecordID.short(e.record), title: title,
                                            // A restore that changed no field is the restore alone.
                                            action: e.action.rawValue, field: e.action == .restore && old == nil && new == nil ? nil : e.field,
                                            old: old, new: shown,
                                            user: e.user, staff: e.staff.rawValue, at: TimeFormat.iso(e.at), synced: e.synced,
                                            seq: e.seq, task: e.kind == .note ? directory.field(e.record, FieldName.task, replay)?.text : nil,
                                            releasable: directory.releasability(e.record, kind: e.kind, replay)))
                guard e.kind == .task else { continue }
                switch e.action {
                case .create: created.append(e.record)
                case .restore where replay.deletedAtStart.contains(e.record):
                    // Deleted before the baseline and brought back since: not in the plan at the
                    // baseline, so new since it, not closed or changed (the review).
                    created.append(e.record)
                case .delete: deleting.append(e.record)
                default:
                    touched.append(e.record)
                    if e.field == FieldName.status, let to = new?.text, ChangeSet.closedStatuses.contains(to),
                       !ChangeSet.closedStatuses.contains(old?.text ?? "") {
                        closing.append(e.record)
                    }
                }
            }

            func exists(_ id: String) -> Bool {
                !replay.deleted.contains(id) && (replay.state[id] != nil || directory.current[id].map { !$0.deleted } == true)
            }
            func status(_ id: String) -> String? { replay.value(id, FieldName.status)?.text ?? directory.current[id]?.text(FieldName.status) }
            let new = Set(created)
            let createdList = unique(created).filter(exists)
            let closedList = unique(closing).filter { !new.contains($0) && exists($0) && ChangeSet.closedStatuses.contains(status($0) ?? "") }
            let closedSet = Set(closedList)
            let changedList = unique(touched).filter { !new.contains($0) && !closedSet.contains($0) && exists($0) }
            let deletedList = unique(deleting).filter { !new.contains($0) && !exists($0) }
            return ChangeSet(conference: baseline?.conference, baseline: baseline, until: until, changes: changes,
                             created: createdList.map(RecordID.short), closed: closedList.map(RecordID.short),
                             changed: changedList.map(RecordID.short), deleted: deletedList.map(RecordID.short))
        }
    }
}

/// The elements in first-seen order, each once.
func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
