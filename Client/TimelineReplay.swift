import Foundation
import WorkPlanProtocol

/// Replays a timeline to know every record's fields at each position, and collects the
/// changes in a window of positions (after `start`, up to and including `end`).
struct TimelineReplay {
    /// Fields of each record as replayed so far.
    private(set) var state: [String: [String: FieldValue]] = [:]
    private(set) var deleted: Set<String> = []
    private(set) var kinds: [String: RecordKind] = [:]
    /// Records deleted at the window's start (`collect`'s `start`): one brought back in the
    /// window was not in the plan at the baseline.
    private(set) var deletedAtStart: Set<String> = []

    /// The changes in the window, with old values from the replay (or, for a record the
    /// timeline never created, e.g. one that arrived whole, the server's `old`).
    mutating func collect(_ timeline: Timeline, after start: Int, through end: Int) -> [(TimelineEntry, old: FieldValue?, new: FieldValue?)] {
        var out: [(TimelineEntry, old: FieldValue?, new: FieldValue?)] = []
        var started = false
        for e in timeline.entries where e.position <= end {
            if !started, e.position > start {
                deletedAtStart = deleted
                started = true
            }
            let change = apply(e)
            if e.position > start, let change { out.append((e, change.old, change.new)) }
        }
        return out
    }

    /// Applies one entry; returns (old, new) when it changed something people care about.
    private mutating func apply(_ e: TimelineEntry) -> (old: FieldValue?, new: FieldValue?)? {
        kinds[e.record] = e.kind
        if e.snapshot {
            // New to this replica (shared with its staff since): it counts as created here,
            // as for the staff that made it. Known already (back after a restore): no change.
            let new = state[e.record] == nil
            state[e.record] = (e.fields ?? [:]).filter { $0.value != .null }
            deleted.remove(e.record)
            return new ? (nil, nil) : nil
        }
        let known = state[e.record] != nil
        var fields = state[e.record] ?? [:]
        defer { state[e.record] = fields }
        switch e.action {
        case .create:
            for (k, v) in e.fields ?? [:] where v != .null { fields[k] = v }
            deleted.remove(e.record)
            return (nil, nil)
        case .set:
            guard let f = e.field else { return nil }
            let old = known ? (fields[f] ?? .null) : (e.old ?? .null)
            let new = e.value ?? .null
            fields[f] = new == .null ? nil : new
            return old == new ? nil : (old, new)
        case .add, .remove:
            guard let f = e.field else { return nil }
            let old = known ? (fields[f] ?? .set([])) : (e.old ?? .set([]))
            guard let new = MergeRules.applyElement(e.action, element: e.value?.text ?? "", to: old) else { return nil }
            fields[f] = new
            return (old, new)
        case .delete:
            deleted.insert(e.record)
            return (nil, nil)
        case .restore:
            deleted.remove(e.record)
            // The field's value before the restore: read before `fields` (the record as
            // restored, the new value in it) replaces the replayed ones. Read after, a task
            // brought back with priority high showed "high → high", and one brought back
            // done counted as changed, not closed (the brief tester).
            let old = e.field.map { f in known ? (fields[f] ?? .null) : (e.old ?? .null) }
            for (k, v) in e.fields ?? [:] { fields[k] = v == .null ? nil : v }
            if let f = e.field, let old {
                let new = e.value ?? .null
                fields[f] = new == .null ? nil : new
                // Brought back with the value it had: the restore itself, no field change.
                if old != new { return (old, new) }
            }
            return (nil, nil)
        case .resolve:
            return nil
        }
    }

    /// A record's replayed field.
    func value(_ record: String, _ field: String) -> FieldValue? { state[record]?[field] }

    /// Whether the record was created or seen by the replay and is not deleted.
    func exists(_ record: String) -> Bool { state[record] != nil && !deleted.contains(record) }
}
