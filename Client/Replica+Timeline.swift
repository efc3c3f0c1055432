import Foundation
import GRDB
import WorkPlanProtocol

/// Where a held conference's baseline lies in the replica's timeline.
public struct Baseline: Codable, Sendable, Hashable {
    public var conference: Int
    /// The conference's date.
    public var date: String
    /// Timeline position of the change that marked the conference held; changes at later
    /// positions are "since" the baseline. -1 when this replica's timeline does not hold
    /// that change (the whole timeline then counts as since).
    public var position: Int
    /// The server seq of that change (nil when unsynced or unknown).
    public var seq: Int64?
    /// Whether that change has been synced.
    public var synced: Bool
    public var user: String?
    public var staff: String?
    public var at: String?
    /// For people: where the baseline lies.
    public var description: String

    enum CodingKeys: String, CodingKey {
        case conference, date, position, seq, synced, user, staff, at, description
    }
}

extension Replica {
    /// The replica's timeline: pulled changes (seq order, each seq once), then the pending
    /// log (local order). Conflict events and `resolve` operations change no field and are
    /// left out.
    public func timeline() throws -> Timeline {
        try db.read { db in
            var entries: [TimelineEntry] = []
            var last: (seq: Int64, record: String)?
            for row in try Row.fetchAll(db, sql: "SELECT seq, record, body FROM history ORDER BY seq, rowid") {
                let seq: Int64 = row["seq"], record: String = row["record"]
                // A change kept twice is read once; a snapshot's seq is shared by a task and its notes.
                if let last, last.seq == seq, last.record == record { continue }
                last = (seq, record)
                let c = try JSONText.decode(Change.self, row["body"])
                if c.event == .snapshot {
                    // Later changes of a record that arrived whole start from it (their
                    // old values were otherwise "(none)" for every field not changed since).
                    entries.append(TimelineEntry(position: 0, seq: c.seq, record: c.record, kind: c.kind, action: .create,
                                                 fields: c.fields, user: c.user, staff: c.staff, at: c.at, synced: true, snapshot: true))
                    continue
                }
                guard c.event == .change, let action = c.action, action != .resolve else { continue }
                entries.append(TimelineEntry(position: 0, seq: c.seq, record: c.record, kind: c.kind, action: action,
                                             field: c.field, value: c.value, fields: c.fields, old: c.old,
                                             user: c.user, staff: c.staff, at: c.at, synced: true))
            }
            let me = try Settings.load(from: db)
            for e in try PendingLog.entries(db) where e.op.action != .resolve {
                entries.append(TimelineEntry(position: 0, seq: nil, record: e.op.record, kind: e.op.kind, action: e.op.action,
                                             field: e.op.field, value: e.op.value, fields: e.op.fields, old: nil,
                                             user: e.author, staff: me.staff, at: e.op.at, synced: false))
            }
            return Timeline(entries: entries)
        }
    }

    /// The baseline of conference `number`. Throws `notFound` for an unknown conference and
    /// `invalidInput` for one not yet held.
    public func baseline(conference number: Int, in timeline: Timeline) throws -> Baseline {
        let record = try conference(number: number)
        let view = ConferenceView(record)
        guard view.status == "held" else {
            throw WorkPlanError.invalid("conference \(number) is not held yet (status \(view.status)); it has no baseline until 'workplan conference close \(number)'")
        }
        guard let position = timeline.heldPosition(conference: record.id) else {
            return Baseline(conference: number, date: view.date, position: -1, seq: nil, synced: true, user: nil, staff: nil, at: nil,
                            description: "conference \(number) is held, but the change that marked it held is not in this replica's history; every change here counts as since")
        }
        let e = timeline.entries[position]
        let whereText = e.seq.map { "server change \($0)" } ?? "unsynced local edit \(position + 1) of \(timeline.entries.count)"
        return Baseline(conference: number, date: view.date, position: position, seq: e.seq, synced: e.synced,
                        user: e.user, staff: e.staff.rawValue, at: TimeFormat.iso(e.at),
                        description: "conference \(number) marked held by \(e.user) (\(e.staff.rawValue)) at \(TimeFormat.iso(e.at)): \(whereText)")
    }
}
