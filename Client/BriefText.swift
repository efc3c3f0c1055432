import Foundation
import WorkPlanProtocol

/// Wording shared by the Markdown and HTML briefs.
enum BriefText {
    static func title(_ b: Brief) -> String {
        "Brief for the \(ordinal(b.conference.number)) EUMS-IMS Director Generals Conference"
    }

    static func conferenceLine(_ c: ConferenceView) -> String {
        var s = "\(c.date), hosted by \(c.host)"
        if let p = c.place { s += " at \(p)" }
        return s + " (\(c.status))"
    }

    /// The marking of a staff-only record or note ("EUMS only"), nil for one releasable to
    /// both: a brief prepared for one staff may be shown at the joint conference, and
    /// `list` marks these rows too.
    static func staffOnly(_ releasable: String) -> String? {
        Releasability(parsing: releasable)?.onlyStaff.map { "\($0.rawValue) only" }
    }

    /// `staffOnly` as Markdown, after a title (" **[EUMS only]**"), or nothing.
    static func onlyMarkdown(_ releasable: String) -> String {
        staffOnly(releasable).map { " **[\($0)]**" } ?? ""
    }

    /// `staffOnly` as HTML, after a title, or nothing.
    static func onlyHTML(_ releasable: String) -> String {
        staffOnly(releasable).map { " <b class=\"only\">[\(HTML.escape($0))]</b>" } ?? ""
    }

    static func releasability(_ b: Brief) -> String {
        "Prepared for \(b.staff) by \(b.preparedBy) on \(b.preparedAt). Holds only records releasable to \(b.staff)."
    }

    /// ", entered by X" after a note's author and staff, when someone else entered it.
    static func enteredBy(_ n: NoteView) -> String? {
        n.enteredBy.map { ", entered by \($0)" }
    }

    static func overdueRule(_ b: Brief) -> String {
        "Due before \(b.conference.date), or to be reported at an earlier conference, and neither done nor cancelled."
    }

    /// Said above the plan in the brief of a conference already held: the plan is today's,
    /// while the changes stop at the conference's baseline.
    static func planAsOfNow(_ b: Brief) -> String? {
        guard b.conference.status == "held" else { return nil }
        return "The plan as it stands now (\(b.preparedAt.prefix(10))), not as it stood at the \(ordinal(b.conference.number)) conference: the changes below stop at its baseline."
    }

    static func window(_ b: Brief) -> String {
        guard let p = b.previous else {
            return "No conference before the \(ordinal(b.conference.number)) has been held, so there is no baseline: every task counts as new."
        }
        var s = "Since the baseline of the \(ordinal(p.number)) conference (\(p.date))"
        if let base = b.changes.baseline { s += ": \(base.description)" }
        return s + "; through \(b.changes.until)."
    }

    /// A conflict's current value; for a field of a record deleted since, the deletion
    /// (the brief tester: a live-looking value in "Open disagreements" for a deleted task).
    static func current(_ c: ConflictView) -> String {
        c.currentIsFromDeletedRecord ? "(deleted; it was \(value(c.current)))" : value(c.current)
    }

    static func value(_ v: FieldValue?) -> String {
        guard let v else { return "—" }
        switch v {
        case .null: return "(none)"
        case .set(let s): return s.isEmpty ? "(none)" : s.joined(separator: ", ")
        case .text(let t): return TerminalText.isolated(t)
        }
    }

    /// How one change reads: "status: open → done", "created", "tags: +mobility".
    static func describe(_ c: RecordChange) -> String {
        switch c.action {
        case "create": return c.kind == "note" ? "note added: \(value(c.new))" : "created"
        case "delete": return "deleted"
        case "restore" where c.field == nil: return "restored"
        default: return "\(c.field ?? "?"): \(value(c.old)) → \(value(c.new))"
        }
    }

    static func who(_ c: RecordChange) -> String {
        "\(c.user) (\(c.staff)), \(c.at.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC"))\(c.synced ? "" : ", not yet synced")"
    }

    /// One task of a change list, as the brief shows it: the task as the plan holds it (nil
    /// when deleted since), its title and who may see it (from its changes when deleted),
    /// and its own changes other than its creation, then its notes'.
    struct TaskEntry {
        let id: String
        let task: BriefTask?
        let title: String
        let releasable: String
        let changes: [RecordChange]
    }

    /// The entries of `shortIds`, in their order, gathered in one pass over the plan and one
    /// over the changes. (Searched for each task, a brief of 50 000 changed tasks ran for
    /// more than an hour: the scale tester.)
    static func taskEntries(_ b: Brief, _ shortIds: [String]) -> [TaskEntry] {
        let wanted = Set(shortIds)
        var tasks: [String: BriefTask] = [:]
        for area in b.areas {
            for t in area.tasks where wanted.contains(t.shortId) && tasks[t.shortId] == nil { tasks[t.shortId] = t }
        }
        var own: [String: [RecordChange]] = [:], notes: [String: [RecordChange]] = [:]
        var firstTitle: [String: String] = [:], lastTaskChange: [String: RecordChange] = [:]
        for c in b.changes.changes {
            if wanted.contains(c.shortId) {
                if firstTitle[c.shortId] == nil { firstTitle[c.shortId] = c.title }
                if c.kind == "task" {
                    lastTaskChange[c.shortId] = c
                    if c.action != "create" { own[c.shortId, default: []].append(c) }
                }
            }
            if c.kind == "note", let task = c.task.map(RecordID.short), wanted.contains(task) { notes[task, default: []].append(c) }
        }
        return shortIds.map { id in
            let task = tasks[id]
            return TaskEntry(id: id, task: task, title: task?.title ?? firstTitle[id] ?? id,
                             releasable: task?.releasable ?? lastTaskChange[id]?.releasable ?? "both",
                             changes: (own[id] ?? []) + (notes[id] ?? []))
        }
    }

    static func statusLabel(_ s: String) -> String {
        s.replacingOccurrences(of: "-", with: " ")
    }
}
