/// The kinds of record in the plan.
public enum RecordKind: String, Codable, Sendable, CaseIterable {
    case area, task, note, conference
    case agendaItem = "agenda_item"

    /// The fields a record of this kind has, in display order.
    public var fields: [FieldSpec] { Schema.fields(of: self) }

    /// The spec of a named field, or nil when the kind has no such field.
    public func field(_ name: String) -> FieldSpec? { Schema.field(name, of: self) }

    /// Whether records of this kind carry their own releasability.
    public var hasReleasability: Bool { field(FieldName.releasable) != nil }

    /// A name for people ("task", "agenda item").
    public var displayName: String { self == .agendaItem ? "agenda item" : rawValue }
    /// The name with its article: "a task", "an agenda item".
    public var withArticle: String { (self == .agendaItem || self == .area ? "an " : "a ") + displayName }
}

/// Field names used by code outside the schema.
public enum FieldName {
    public static let releasable = "releasable"
    public static let title = "title"
    public static let status = "status"
    public static let name = "name"
    public static let number = "number"
    public static let task = "task"
    public static let conference = "conference"
    public static let position = "position"
    public static let tags = "tags"
    public static let tasks = "tasks"
    public static let author = "author"
    public static let staff = "staff"
    public static let follows = "follows"
}

/// How a field's values look and merge.
public enum FieldType: Sendable, Hashable {
    /// A short text on one line, at most `maxLength` characters.
    case text(maxLength: Int)
    /// A long text (description, outcome, guidance): merged line by line (DESIGN.md rule 3).
    case longText
    /// One of a fixed list of values.
    case choice([String])
    /// A calendar date, `YYYY-MM-DD`.
    case date
    /// A positive whole number.
    case number
    /// The id of another record.
    case reference(RecordKind)
    /// A set of short texts, merged element by element.
    case set
}

/// One named field of a record kind.
public struct FieldSpec: Sendable, Hashable {
    public var name: String
    public var type: FieldType
    /// Must have a value when the record is created.
    public var required: Bool
    /// Fixed once created (a note's text, a conference's number).
    public var immutable: Bool

    public init(_ name: String, _ type: FieldType, required: Bool = false, immutable: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
        self.immutable = immutable
    }

    public var isSet: Bool { type == .set }
    public var isLongText: Bool { type == .longText }
}

/// The record model: which fields each kind has.
public enum Schema {
    public static let leads = ["EUMS", "IMS", "JOINT"]
    public static let statuses = ["proposed", "open", "in-progress", "blocked", "done", "cancelled"]
    public static let priorities = ["low", "medium", "high"]
    public static let releasabilities = ["both", "EUMS", "IMS"]
    public static let staffs = ["EUMS", "IMS"]
    public static let conferenceStatuses = ["planned", "held"]

    static let areaFields: [FieldSpec] = [
        FieldSpec("name", .text(maxLength: 120), required: true),
    ]
    static let taskFields: [FieldSpec] = [
        FieldSpec("title", .text(maxLength: 300), required: true),
        FieldSpec("description", .longText),
        FieldSpec("area", .reference(.area), required: true),
        FieldSpec("lead", .choice(leads), required: true),
        FieldSpec("owner", .text(maxLength: 120)),
        FieldSpec("status", .choice(statuses), required: true),
        FieldSpec("priority", .choice(priorities), required: true),
        FieldSpec("due", .date),
        FieldSpec("conference", .number),
        FieldSpec("origin_conference", .number),
        FieldSpec("follows", .reference(.task)),
        FieldSpec("tags", .set),
        FieldSpec("releasable", .choice(releasabilities), required: true),
    ]
    static let noteFields: [FieldSpec] = [
        FieldSpec("task", .reference(.task), required: true, immutable: true),
        FieldSpec("text", .longText, required: true, immutable: true),
        FieldSpec("author", .text(maxLength: 120), required: true, immutable: true),
        FieldSpec("staff", .choice(staffs), required: true, immutable: true),
        FieldSpec("releasable", .choice(releasabilities), required: true),
    ]
    static let conferenceFields: [FieldSpec] = [
        FieldSpec("number", .number, required: true, immutable: true),
        FieldSpec("date", .date, required: true),
        FieldSpec("host", .choice(staffs), required: true),
        FieldSpec("place", .text(maxLength: 200)),
        FieldSpec("status", .choice(conferenceStatuses), required: true),
        FieldSpec("guidance", .longText),
    ]
    static let agendaFields: [FieldSpec] = [
        FieldSpec("conference", .number, required: true, immutable: true),
        FieldSpec("topic", .text(maxLength: 300), required: true),
        FieldSpec("tasks", .set),
        FieldSpec("presenter", .text(maxLength: 120)),
        FieldSpec("position", .text(maxLength: 200), required: true),
        FieldSpec("outcome", .longText),
        FieldSpec("releasable", .choice(releasabilities), required: true),
    ]

    // Looked up by a switch, not a dictionary keyed by kind: these run for every field of
    // every operation, and hashing the kind showed in profiles.
    public static func fields(of kind: RecordKind) -> [FieldSpec] {
        switch kind {
        case .area: areaFields
        case .task: taskFields
        case .note: noteFields
        case .conference: conferenceFields
        case .agendaItem: agendaFields
        }
    }

    static let areaIndex = index(areaFields), taskIndex = index(taskFields), noteIndex = index(noteFields)
    static let conferenceIndex = index(conferenceFields), agendaIndex = index(agendaFields)
    static func index(_ specs: [FieldSpec]) -> [String: FieldSpec] {
        Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
    }

    public static func field(_ name: String, of kind: RecordKind) -> FieldSpec? {
        switch kind {
        case .area: areaIndex[name]
        case .task: taskIndex[name]
        case .note: noteIndex[name]
        case .conference: conferenceIndex[name]
        case .agendaItem: agendaIndex[name]
        }
    }

    /// Largest long text accepted (a description, an outcome), in UTF-8 bytes.
    public static let maxLongTextBytes = 64 * 1024
    /// Most elements in a set field.
    public static let maxSetElements = 200
    /// The largest number a number field holds (conference numbers).
    public static let maxNumber = 999_999
}
