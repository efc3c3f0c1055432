import Foundation
import WorkPlanProtocol

/// A task as `list`, `show` and `export` present it (CLI.md field names).
public struct TaskView: Codable, Sendable, Hashable {
    public var id: String
    public var shortId: String
    public var title: String
    public var description: String?
    public var area: String
    public var lead: String
    public var owner: String?
    public var status: String
    public var priority: String
    public var due: String?
    public var conference: Int?
    public var originConference: Int?
    public var follows: String?
    public var tags: [String]
    public var releasable: String
    public var createdAt: String
    public var updatedAt: String
    public var notes: [NoteView]?

    enum CodingKeys: String, CodingKey {
        case id
        case shortId = "short_id"
        case title, description, area, lead, owner, status, priority, due, conference
        case originConference = "origin_conference"
        case follows, tags, releasable
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case notes
    }

    /// Every field CLI.md lists is present, an unset one as `null` (a script reading
    /// `.owner` finds the key); `notes` only where `show` adds them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(shortId, forKey: .shortId)
        try c.encode(title, forKey: .title)
        try c.encode(description, forKey: .description)
        try c.encode(area, forKey: .area)
        try c.encode(lead, forKey: .lead)
        try c.encode(owner, forKey: .owner)
        try c.encode(status, forKey: .status)
        try c.encode(priority, forKey: .priority)
        try c.encode(due, forKey: .due)
        try c.encode(conference, forKey: .conference)
        try c.encode(originConference, forKey: .originConference)
        try c.encode(follows, forKey: .follows)
        try c.encode(tags, forKey: .tags)
        try c.encode(releasable, forKey: .releasable)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(notes, forKey: .notes)
    }

    init(_ r: StoredRecord, areaName: String) {
        id = r.id
        shortId = RecordID.short(r.id)
        title = r.text("title") ?? ""
        description = r.text("description")
        area = areaName
        lead = r.text("lead") ?? ""
        owner = r.text("owner")
        status = r.text("status") ?? ""
        priority = r.text("priority") ?? ""
        due = r.text("due")
        conference = r.text("conference").flatMap { Int($0) }
        originConference = r.text("origin_conference").flatMap { Int($0) }
        follows = r.text("follows")
        tags = r["tags"].elements
        releasable = r.text("releasable") ?? "both"
        createdAt = TimeFormat.iso(r.createdAt)
        updatedAt = TimeFormat.iso(r.updatedAt)
    }
}

/// A progress note.
public struct NoteView: Codable, Sendable, Hashable {
    public var id: String
    public var task: String
    public var text: String
    public var author: String
    public var staff: String
    public var releasable: String
    public var createdAt: String
    /// Who entered the note, when not its author: a note signed with another name (an
    /// import of a colleague's export) shows who sent it (the tester: a note signed
    /// "Gen. IMS Boss" by an EUMS editor read as his). The server records the sender.
    public var enteredBy: String?

    enum CodingKeys: String, CodingKey {
        case id, task, text, author, staff, releasable
        case createdAt = "created_at"
        case enteredBy = "entered_by"
    }

    init(_ r: StoredRecord) {
        id = r.id
        task = r.text("task") ?? ""
        text = r.text("text") ?? ""
        author = r.text("author") ?? ""
        staff = r.text("staff") ?? ""
        releasable = r.text("releasable") ?? "both"
        createdAt = TimeFormat.iso(r.createdAt)
        let by = r.createdBy ?? ""
        enteredBy = by.isEmpty || by.lowercased() == author.lowercased() ? nil : by
    }

    /// Every key present, `entered_by` as `null` when the author entered the note.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(task, forKey: .task)
        try c.encode(text, forKey: .text)
        try c.encode(author, forKey: .author)
        try c.encode(staff, forKey: .staff)
        try c.encode(releasable, forKey: .releasable)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(enteredBy, forKey: .enteredBy)
    }
}

/// A cooperation area.
public struct AreaView: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var tasks: Int
}

/// A conference, with its agenda when shown alone.
public struct ConferenceView: Codable, Sendable, Hashable {
    public var id: String
    public var number: Int
    public var date: String
    public var host: String
    public var place: String?
    public var status: String
    public var guidance: String?
    public var agenda: [AgendaItemView]?

    enum CodingKeys: String, CodingKey {
        case id, number, date, host, place, status, guidance, agenda
    }

    /// Every field present, an unset one as `null`, as a task's are (a stable document);
    /// `agenda` only where `conference show` adds it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(number, forKey: .number)
        try c.encode(date, forKey: .date)
        try c.encode(host, forKey: .host)
        try c.encode(place, forKey: .place)
        try c.encode(status, forKey: .status)
        try c.encode(guidance, forKey: .guidance)
        try c.encodeIfPresent(agenda, forKey: .agenda)
    }

    init(_ r: StoredRecord) {
        id = r.id
        number = Int(r.text("number") ?? "") ?? 0
        date = r.text("date") ?? ""
        host = r.text("host") ?? ""
        place = r.text("place")
        status = r.text("status") ?? "planned"
        guidance = r.text("guidance")
    }
}

/// An agenda item.
public struct AgendaItemView: Codable, Sendable, Hashable {
    public var id: String
    public var shortId: String
    public var conference: Int
    public var topic: String
    public var tasks: [String]
    public var presenter: String?
    public var position: String
    public var outcome: String?
    public var releasable: String

    enum CodingKeys: String, CodingKey {
        case id
        case shortId = "short_id"
        case conference, topic, tasks, presenter, position, outcome, releasable
    }

    /// Every field present, an unset one as `null` (a stable document).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(shortId, forKey: .shortId)
        try c.encode(conference, forKey: .conference)
        try c.encode(topic, forKey: .topic)
        try c.encode(tasks, forKey: .tasks)
        try c.encode(presenter, forKey: .presenter)
        try c.encode(position, forKey: .position)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(releasable, forKey: .releasable)
    }

    init(_ r: StoredRecord) {
        id = r.id
        shortId = RecordID.short(r.id)
        conference = Int(r.text("conference") ?? "") ?? 0
        topic = r.text("topic") ?? ""
        tasks = r["tasks"].elements
        presenter = r.text("presenter")
        position = r.text("position") ?? ""
        outcome = r.text("outcome")
        releasable = r.text("releasable") ?? "both"
    }
}
