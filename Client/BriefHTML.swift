import Foundation
import WorkPlanProtocol

/// Renders a brief as one self-contained HTML file (`workplan brief --format html`): inline
/// CSS (with print rules) and inline SVG charts, no scripts, no network, all user text escaped.
public enum BriefHTML {
    public static func render(_ b: Brief) -> String {
        let e = HTML.escape
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>\(e(BriefText.title(b)))</title>\n<style>\(BriefStyle.css)</style>\n</head>\n<body>\n<main class=\"page\">\n"
        h += header(b)
        h += figures(b)
        h += charts(b)
        h += agenda(b)
        h += plan(b)
        h += changes(b)
        h += followOns(b)
        h += overdue(b)
        h += conflicts(b)
        h += "<footer>\(e(BriefText.releasability(b)))</footer>\n</main>\n</body>\n</html>\n"
        return h
    }

    static func header(_ b: Brief) -> String {
        let e = HTML.escape, c = b.conference
        var h = "<header>\n<div class=\"banner\"><span>EUMS · IMS Joint Work Plan</span><span>Conference brief · \(e(b.staff)) copy</span></div>\n"
        h += "<h1>\(e(BriefText.title(b)))</h1>\n<dl class=\"meta\">"
        h += "<div><dt>Date</dt><dd>\(e(c.date))</dd></div>"
        h += "<div><dt>Host</dt><dd>\(e(c.host))</dd></div>"
        h += "<div><dt>Place</dt><dd>\(e(c.place ?? "to be confirmed"))</dd></div>"
        h += "<div><dt>Status</dt><dd>\(e(c.status))</dd></div>"
        h += "<div><dt>Baseline</dt><dd>\(b.previous.map { "\(ordinal($0.number)) conference, \(e($0.date))" } ?? "none")</dd></div>"
        h += "</dl>\n</header>\n"
        return h
    }

    static func figures(_ b: Brief) -> String {
        let items: [(String, Int, String)] = [
            ("Tasks", b.allTasks.count, ""), ("Created", b.changes.created.count, "good"),
            ("Closed", b.changes.closed.count, "good"), ("Changed", b.changes.changed.count, ""),
            ("Overdue", b.overdue.count, b.overdue.isEmpty ? "" : "warn"), ("Conflicts", b.conflicts.count, b.conflicts.isEmpty ? "" : "warn"),
        ]
        return "<section class=\"figures\">" + items.map { "<div class=\"figure \($0.2)\"><b>\($0.1)</b><span>\(HTML.escape($0.0))</span></div>" }.joined() + "</section>\n"
    }

    static func charts(_ b: Brief) -> String {
        let since = b.previous.map { "since the \(ordinal($0.number)) conference" } ?? "(no baseline yet)"
        let progress = BriefChart.counts([
            ("Created", b.changes.created.count, "#2e7d4f"), ("Closed", b.changes.closed.count, "#1d5a8c"),
            ("Changed", b.changes.changed.count, "#e0a030"), ("Deleted", b.changes.deleted.count, "#5f6b76"),
            ("Overdue", b.overdue.count, "#c0392b"),
        ], label: "Progress \(since)")
        return "<section class=\"charts\">\n<figure class=\"status\"><figcaption>Task status by area</figcaption>\(BriefChart.statusByArea(b.areas))</figure>\n"
            + "<figure class=\"progress\"><figcaption>Progress \(HTML.escape(since))</figcaption>\(progress)</figure>\n</section>\n"
    }

    static func agenda(_ b: Brief) -> String {
        let e = HTML.escape
        var h = "<section>\n<h2>1. Agenda</h2>\n"
        if b.agenda.isEmpty { h += "<p class=\"none\">No agenda items yet.</p>\n" }
        else {
            h += "<table class=\"agenda\"><thead><tr><th>#</th><th>Topic</th><th>Presenter</th><th>Tasks covered</th><th>Outcome</th></tr></thead><tbody>\n"
            for (i, item) in b.agenda.enumerated() {
                let tasks = item.tasks.map { "<div class=\"ref\"><code>\(e($0.shortId))</code> \(e($0.title))\(BriefText.onlyHTML($0.releasable)) \(pill($0.status))</div>" }.joined()
                    + item.deletedTasks.map { "<div class=\"ref\"><code>\(e($0))</code> (deleted since)</div>" }.joined()
                // Each line of the outcome stays a line (the black-box tester).
                h += "<tr><td class=\"num\">\(i + 1)</td><td><b>\(e(item.topic))</b>\(BriefText.onlyHTML(item.releasable))</td><td>\(e(item.presenter ?? "—"))</td><td>\(tasks.isEmpty ? "—" : tasks)</td><td class=\"lines\">\(e(item.outcome ?? "—"))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        if let g = b.conference.guidance { h += "<blockquote><b>Guidance of the Director Generals.</b> \(e(g))</blockquote>\n" }
        return h + "</section>\n"
    }

    static func plan(_ b: Brief) -> String {
        let e = HTML.escape
        var h = "<section>\n<h2>2. The plan by area</h2>\n"
        if let note = BriefText.planAsOfNow(b) { h += "<p class=\"lead\">\(e(note))</p>\n" }
        for area in b.areas {
            h += "<div class=\"area\"><h3>\(e(area.name)) <small>\(area.tasks.count) task\(area.tasks.count == 1 ? "" : "s")</small></h3>\n"
            if area.tasks.isEmpty { h += "<p class=\"none\">No tasks.</p></div>\n"; continue }
            h += "<table class=\"plan\"><colgroup><col style=\"width:10%\"><col style=\"width:26%\"><col style=\"width:7%\"><col style=\"width:14%\"><col style=\"width:12%\"><col style=\"width:11%\"><col style=\"width:20%\"></colgroup>"
            h += "<thead><tr><th>Task</th><th>Title</th><th>Lead</th><th>Owner</th><th>Status</th><th>Due</th><th>Last note</th></tr></thead><tbody>\n"
            for t in area.tasks {
                let note = t.lastNote.map { "<span class=\"lines\">" + (BriefText.staffOnly($0.releasable).map { "<b class=\"only\">[\(e($0))]</b> " } ?? "") + "\(e($0.text))</span><div class=\"by\">\(e($0.author)) (\(e($0.staff))\(BriefText.enteredBy($0).map { e($0) } ?? "")), \(e(String($0.createdAt.prefix(10))))</div>" } ?? "—"
                let only = BriefText.onlyHTML(t.releasable)
                h += "<tr><td><code>\(e(t.shortId))</code></td><td>\(e(t.title))\(only)</td><td>\(e(t.lead))</td><td>\(e(t.owner ?? "—"))</td><td>\(pill(t.status))</td><td class=\"date\">\(e(t.dueText))</td><td class=\"note\">\(note)</td></tr>\n"
            }
            h += "</tbody></table></div>\n"
        }
        return h + "</section>\n"
    }

    static func changes(_ b: Brief) -> String {
        let e = HTML.escape, c = b.changes
        var h = "<section>\n<h2>3. Changes since the last conference</h2>\n<p class=\"lead\">\(e(BriefText.window(b)))</p>\n"
        let groups: [(String, [String], Bool)] = [("New tasks", c.created, false), ("Closed tasks", c.closed, true),
                                                  ("Changed tasks", c.changed, true), ("Deleted tasks", c.deleted, true)]
        for (heading, ids, details) in groups where !ids.isEmpty {
            h += "<h3>\(e(heading)) <small>\(ids.count)</small></h3>\n<table class=\"changes\"><thead><tr><th>Task</th><th>Title</th><th>\(details ? "Change" : "Area · status · owner")</th><th>\(details ? "By, when" : "Due")</th></tr></thead><tbody>\n"
            for entry in BriefText.taskEntries(b, ids) {
                let (id, list) = (entry.id, entry.changes)
                let title = e(entry.title) + BriefText.onlyHTML(entry.releasable)
                if !details || list.isEmpty {
                    let t = entry.task
                    let info = t.map { "\(e($0.area)) · \(pill($0.status)) · \(e($0.owner ?? "no owner"))" } ?? "—"
                    h += "<tr><td><code>\(e(id))</code></td><td>\(title)</td><td>\(details ? "—" : info)</td><td class=\"date\">\(details ? "—" : e(t?.dueText ?? "—"))</td></tr>\n"
                    continue
                }
                for (i, ch) in list.enumerated() {
                    let first = i == 0
                    h += "<tr class=\"\(first ? "first" : "cont")\"><td>\(first ? "<code>\(e(id))</code>" : "")</td><td>\(first ? title : "")</td><td>\(change(ch))</td><td class=\"by\">\(e(BriefText.who(ch)))</td></tr>\n"
                }
            }
            h += "</tbody></table>\n"
        }
        if c.created.isEmpty && c.closed.isEmpty && c.changed.isEmpty && c.deleted.isEmpty {
            h += "<p class=\"none\">Nothing changed.</p>\n"
        }
        return h + "</section>\n"
    }

    static func change(_ c: RecordChange) -> String {
        let e = HTML.escape
        switch c.action {
        case "create": return c.kind == "note" ? "<span class=\"field\">note</span> \(e(BriefText.value(c.new)))" : "created"
        case "delete": return "deleted"
        case "restore" where c.field == nil: return "restored"
        default:
            let old = c.field == "status" ? pill(c.old?.text ?? "(none)") : "<del>\(e(BriefText.value(c.old)))</del>"
            let new = c.field == "status" ? pill(c.new?.text ?? "(none)") : "<ins>\(e(BriefText.value(c.new)))</ins>"
            return "<span class=\"field\">\(e(c.field ?? "?"))</span> \(old) → \(new)"
        }
    }

    static func followOns(_ b: Brief) -> String {
        var h = "<section>\n<h2>4. Follow-on tasks from the previous conference</h2>\n"
        guard let p = b.previous else { return h + "<p class=\"none\">No previous conference has been held.</p>\n</section>\n" }
        if b.followOns.isEmpty { return h + "<p class=\"none\">No tasks were agreed at the \(ordinal(p.number)) conference.</p>\n</section>\n" }
        h += "<p class=\"lead\">Agreed at the \(ordinal(p.number)) conference (\(HTML.escape(p.date))).</p>\n"
        return h + taskTable(b.followOns) + "</section>\n"
    }

    static func overdue(_ b: Brief) -> String {
        let h = "<section>\n<h2>5. Overdue tasks</h2>\n"
        if b.overdue.isEmpty { return h + "<p class=\"none\">No task is overdue at \(HTML.escape(b.conference.date)).</p>\n</section>\n" }
        return h + "<p class=\"lead\">\(HTML.escape(BriefText.overdueRule(b)))</p>\n" + taskTable(b.overdue, overdue: true) + "</section>\n"
    }

    static func conflicts(_ b: Brief) -> String {
        let e = HTML.escape
        var h = "<section>\n<h2>6. Open disagreements</h2>\n"
        if b.conflicts.isEmpty { return h + "<p class=\"none\">No open conflicts.</p>\n</section>\n" }
        h += "<p class=\"lead\">Both staffs changed the same field differently; the current value stands until the conference settles it.</p>\n"
        h += "<table><thead><tr><th>Record</th><th>Title</th><th>Field</th><th>Current</th><th>Proposed</th><th>Proposed by</th></tr></thead><tbody>\n"
        for c in b.conflicts {
            h += "<tr><td><code>\(e(c.shortRecord))</code></td><td>\(e(c.title ?? c.kind))\(BriefText.onlyHTML(c.releasable))</td><td><span class=\"field\">\(e(c.field))</span></td><td>\(e(BriefText.current(c)))</td><td><b>\(e(BriefText.value(c.proposed)))</b></td><td class=\"by\">\(e(c.proposedBy)) (\(e(c.staff))), \(e(String(c.at.prefix(10))))</td></tr>\n"
        }
        return h + "</tbody></table>\n</section>\n"
    }

    static func taskTable(_ tasks: [BriefTask], overdue: Bool = false) -> String {
        let e = HTML.escape
        var h = "<table><thead><tr><th>Task</th><th>Title</th><th>Area</th><th>Lead</th><th>Owner</th><th>Status</th><th>Due</th></tr></thead><tbody>\n"
        for t in tasks {
            h += "<tr><td><code>\(e(t.shortId))</code></td><td>\(e(t.title))\(BriefText.onlyHTML(t.releasable))</td><td>\(e(t.area))</td><td>\(e(t.lead))</td><td>\(e(t.owner ?? "—"))</td><td>\(pill(t.status))</td><td class=\"date\(overdue ? " late" : "")\">\(e(t.dueText))</td></tr>\n"
        }
        return h + "</tbody></table>\n"
    }

    static func pill(_ status: String) -> String {
        let cls = status.filter { $0.isLetter || $0 == "-" }
        return "<span class=\"pill s-\(cls)\">\(HTML.escape(BriefText.statusLabel(status)))</span>"
    }
}
