import Foundation
import WorkPlanProtocol

/// One entry of a replica's timeline: an accepted change pulled from the server, or one of
/// the officer's own operations not yet synced.
public struct TimelineEntry: Sendable, Hashable {
    /// Index in the timeline (0 is the oldest).
    public var position: Int
    /// The server's seq, for pulled changes; nil for the officer's unsynced operations.
    public var seq: Int64?
    public var record: String
    public var kind: RecordKind
    public var action: Action
    public var field: String?
    /// The value set, or the element added or removed.
    public var value: FieldValue?
    /// The fields of a create or restore.
    public var fields: [String: FieldValue]?
    /// The value before, as the server reported it (pulled changes only).
    public var old: FieldValue?
    public var user: String
    public var staff: Staff
    public var at: Timestamp
    /// False for the officer's own operations not yet synced.
    public var synced: Bool
    /// A record as it stood when it reached this replica whole (shared with this staff, or
    /// back after a restore), in `fields`: what later changes of it start from, not a change.
    public var snapshot = false

    /// Whether this entry marks the conference with id `conference` held.
    public func marksHeld(conference: String) -> Bool {
        guard record == conference, kind == .conference, !snapshot else { return false }
        switch action {
        case .set, .restore where field != nil:
            return field == FieldName.status && value == .text("held")
        case .create, .restore:
            return fields?[FieldName.status] == .text("held")
        default:
            return false
        }
    }
}

/// The replica's timeline (docs/sync-model.md "Baselines"): the change stream pulled from
/// the server in seq order, followed by the officer's unsynced operations in local order.
public struct Timeline: Sendable {
    public var entries: [TimelineEntry]

    public init(entries: [TimelineEntry]) {
        self.entries = entries.enumerated().map { i, e in
            var e = e
            e.position = i
            return e
        }
    }

    /// The position of the change that last set the conference with this id to held, or
    /// nil when this replica's timeline holds no such change.
    public func heldPosition(conference id: String) -> Int? {
        entries.lastIndex { $0.marksHeld(conference: id) }
    }
}
