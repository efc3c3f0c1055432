import Foundation
import WorkPlanProtocol

/// A task as the brief shows it: the plan's columns and its latest note.
public struct BriefTask: Codable, Sendable, Hashable {
    public var id: String
    public var shortId: String
    public var title: String
    public var area: String
    public var lead: String
    public var owner: String?
    public var status: String
    public var priority: String
    public var due: String?
    /// The conference at which the task is to be reported (DOMAIN.md: "a due date or the
    /// conference at which it is to be reported").
    public var conference: Int? = nil
    public var originConference: Int?
    public var lastNote: NoteView?
    /// `both`, or the one staff the task is releasable to (marked on every row).
    public var releasable: String = "both"

    enum CodingKeys: String, CodingKey {
        case id
        case shortId = "short_id"
        case title, area, lead, owner, status, priority, due, conference
        case originConference = "origin_conference"
        case lastNote = "last_note"
        case releasable
    }

    /// Whether the task is done or cancelled.
    public var isClosed: Bool { ChangeSet.closedStatuses.contains(status) }

    /// When the task is due, as the brief prints it: its date, else its reporting
    /// conference ("conf 21", as `list` prints it).
    public var dueText: String { due ?? conference.map { "conf \($0)" } ?? "—" }

    /// Open at conference `number` (held on `date`) and due before it: a due date before
    /// that date, or a reporting conference before that one.
    public func isOverdue(atConference number: Int, on date: String) -> Bool {
        !isClosed && ((due.map { $0 < date } ?? false) || (conference.map { $0 < number } ?? false))
    }
}

/// An agenda item with the tasks it covers (those the reader's staff may see).
public struct BriefAgendaItem: Codable, Sendable, Hashable {
    public var shortId: String
    public var topic: String
    public var presenter: String?
    public var outcome: String?
    public var tasks: [BriefTask]
    /// Short ids of the tasks it covers that were deleted since (as `agenda list` marks
    /// them): the brief said nothing of them (the black-box tester).
    public var deletedTasks: [String] = []
    /// Who may see the item ("both", "EUMS", "IMS").
    public var releasable: String = "both"

    enum CodingKeys: String, CodingKey {
        case shortId = "short_id"
        case deletedTasks = "deleted_tasks"
        case topic, presenter, outcome, tasks, releasable
    }
}

/// One cooperation area and its tasks.
public struct BriefArea: Codable, Sendable, Hashable {
    public var name: String
    public var tasks: [BriefTask]
}

/// Everything the conference brief shows, gathered from the replica (only what the
/// reader's staff may see). `BriefMarkdown` and `BriefHTML` render it.
public struct Brief: Codable, Sendable, Hashable {
    /// The conference being prepared (or reviewed).
    public var conference: ConferenceView
    /// The reader's staff and name, and when the brief was made.
    public var staff: String
    public var preparedBy: String
    public var preparedAt: String
    public var agenda: [BriefAgendaItem]
    public var areas: [BriefArea]
    /// The highest-numbered held conference before this one, if any.
    public var previous: ConferenceView?
    /// What changed since the previous conference's baseline (through this conference's
    /// own baseline when it is held, else through now). Without a previous conference
    /// every task counts as created.
    public var changes: ChangeSet
    /// Tasks agreed at the previous conference (`origin_conference`).
    public var followOns: [BriefTask]
    /// Tasks due before the conference's date and neither done nor cancelled.
    public var overdue: [BriefTask]
    /// Open disagreements to settle at the conference.
    public var conflicts: [ConflictView]

    enum CodingKeys: String, CodingKey {
        case conference, staff
        case preparedBy = "prepared_by"
        case preparedAt = "prepared_at"
        case agenda, areas, previous, changes
        case followOns = "follow_ons"
        case overdue, conflicts
    }

    /// Every task in the plan, area by area.
    public var allTasks: [BriefTask] { areas.flatMap(\.tasks) }

    /// A task by id, when the brief shows it.
    public func task(_ id: String) -> BriefTask? { allTasks.first { $0.id == id || $0.shortId == id } }
}

/// "1st", "2nd", "21st", "113th".
public func ordinal(_ n: Int) -> String {
    let tens = (n / 10) % 10, ones = n % 10
    let suffix = tens == 1 ? "th" : (ones == 1 ? "st" : ones == 2 ? "nd" : ones == 3 ? "rd" : "th")
    return "\(n)\(suffix)"
}
