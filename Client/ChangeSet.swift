import Foundation
import WorkPlanProtocol

/// One change in a change set: a field of a record going from `old` to `new`, or a record
/// created, deleted or restored (`field` nil).
public struct RecordChange: Codable, Sendable, Hashable {
    public var record: String
    public var kind: String
    public var shortId: String
    /// The record's title (a task's title, an agenda item's topic, a note's task's title,
    /// "Conference N", an area's name).
    public var title: String
    /// create, set, add, remove, delete or restore.
    public var action: String
    public var field: String?
    public var old: FieldValue?
    public var new: FieldValue?
    public var user: String
    public var staff: String
    public var at: String
    public var synced: Bool
    /// The server seq (nil for unsynced edits).
    public var seq: Int64?
    /// For notes: the task it is on.
    public var task: String?
    /// Who may see the record ("both", "EUMS", "IMS"), as it stands (or stood, when deleted);
    /// nil for records without releasability (areas, conferences).
    public var releasable: String?

    enum CodingKeys: String, CodingKey {
        case record, kind
        case shortId = "short_id"
        case title, action, field, old, new, user, staff, at, synced, seq, task, releasable
    }

    /// Every key is always present (`null` when it does not apply), so scripts can rely on them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record, forKey: .record)
        try c.encode(kind, forKey: .kind)
        try c.encode(shortId, forKey: .shortId)
        try c.encode(title, forKey: .title)
        try c.encode(action, forKey: .action)
        try c.encode(field, forKey: .field)
        try c.encode(old ?? .null, forKey: .old)
        try c.encode(new ?? .null, forKey: .new)
        try c.encode(user, forKey: .user)
        try c.encode(staff, forKey: .staff)
        try c.encode(at, forKey: .at)
        try c.encode(synced, forKey: .synced)
        try c.encode(seq, forKey: .seq)
        try c.encode(task, forKey: .task)
        try c.encode(releasable, forKey: .releasable)
    }
}

/// What changed after a baseline: every change in timeline order, and the tasks created,
/// closed (status became done or cancelled), changed otherwise, or deleted.
public struct ChangeSet: Codable, Sendable, Hashable {
    /// The conference whose baseline the set starts from (nil: from the very beginning).
    public var conference: Int?
    public var baseline: Baseline?
    /// Where the set ends, for people ("now", or another conference's baseline).
    public var until: String
    public var changes: [RecordChange]
    /// Short ids of tasks created since the baseline (and not deleted again).
    public var created: [String]
    /// Short ids of tasks that existed at the baseline and whose status became done or cancelled.
    public var closed: [String]
    /// Short ids of other tasks that existed at the baseline and had a field changed.
    public var changed: [String]
    /// Short ids of tasks that existed at the baseline and were deleted.
    public var deleted: [String]

    /// Task statuses that close a task.
    public static let closedStatuses: Set<String> = ["done", "cancelled"]
}
