import Foundation
import WorkPlanProtocol

/// Renders a brief as Markdown (`workplan brief --format md`).
public enum BriefMarkdown {
    public static func render(_ b: Brief) -> String {
        var out: [String] = []
        func line(_ s: String = "") { out.append(s) }
        func table(_ header: [String], _ rows: [[String]]) {
            line("| " + header.joined(separator: " | ") + " |")
            line("|" + header.map { _ in " --- |" }.joined())
            // Each cell is Markdown already: user text went through `cell`, marks were added.
            for r in rows { line("| " + r.joined(separator: " | ") + " |") }
            line()
        }
        func taskRow(_ t: BriefTask) -> [String] {
            [t.shortId, cell(t.title) + BriefText.onlyMarkdown(t.releasable), cell(t.lead), cell(t.owner ?? "—"), t.status, cell(t.dueText)]
        }

        line("# " + BriefText.title(b))
        line()
        line("**Conference \(b.conference.number)**: " + inline(BriefText.conferenceLine(b.conference)))
        line()
        line("_" + inline(BriefText.releasability(b)) + "_")
        line()

        line("## Agenda")
        line()
        if b.agenda.isEmpty { line("No agenda items yet."); line() }
        for (i, item) in b.agenda.enumerated() {
            // Staff-only items and tasks are marked wherever they appear: a brief prepared for
            // one staff may be shown at the joint conference (the brief tester).
            line("\(i + 1). **\(inline(item.topic))**" + BriefText.onlyMarkdown(item.releasable)
                 + (item.presenter.map { " — presented by \(inline($0))" } ?? ""))
            for t in item.tasks { line("   - `\(t.shortId)` \(inline(t.title))\(BriefText.onlyMarkdown(t.releasable)) (\(t.status))") }
            for id in item.deletedTasks { line("   - `\(id)` (deleted since)") }
            // Each line of the outcome stays a line, under the item (the black-box tester).
            if let o = item.outcome { line("   - Outcome: " + lines(o).joined(separator: "  \n     ")) }
        }
        if !b.agenda.isEmpty { line() }
        if let g = b.conference.guidance {
            // Each line of the guidance stays a line (a hard break: two spaces at the end).
            line("**Guidance of the Director Generals:** " + lines(g).joined(separator: "  \n"))
            line()
        }

        line("## The plan by area")
        line()
        if let note = BriefText.planAsOfNow(b) { line(note); line() }
        for area in b.areas {
            line("### \(inline(area.name))")
            line()
            if area.tasks.isEmpty { line("No tasks."); line(); continue }
            table(["Task", "Title", "Lead", "Owner", "Status", "Due", "Last note"], area.tasks.map { t in
                taskRow(t) + [t.lastNote.map { (BriefText.staffOnly($0.releasable).map { "**[\($0)]** " } ?? "")
                    + cell("\(TerminalText.isolated($0.text)) — \($0.author) (\($0.staff)\(BriefText.enteredBy($0) ?? "")), \($0.createdAt.prefix(10))") } ?? "—"]
            })
        }

        line("## Changes since the last conference")
        line()
        line(inline(BriefText.window(b)))
        line()
        let c = b.changes
        line("Created: \(c.created.count) · Closed: \(c.closed.count) · Changed: \(c.changed.count) · Deleted: \(c.deleted.count)")
        line()
        section("New tasks", c.created, b, &out, details: false)
        section("Closed tasks", c.closed, b, &out, details: true)
        section("Changed tasks", c.changed, b, &out, details: true)
        section("Deleted tasks", c.deleted, b, &out, details: true)

        line("## Follow-on tasks from the previous conference")
        line()
        if let p = b.previous {
            if b.followOns.isEmpty { line("No tasks were agreed at the \(ordinal(p.number)) conference."); line() }
            else { table(["Task", "Title", "Lead", "Owner", "Status", "Due"], b.followOns.map(taskRow)) }
        } else {
            line("No previous conference has been held."); line()
        }

        line("## Overdue tasks")
        line()
        if b.overdue.isEmpty { line("No task is overdue at \(b.conference.date)."); line() }
        else {
            line(BriefText.overdueRule(b))
            line()
            table(["Task", "Title", "Lead", "Owner", "Status", "Due"], b.overdue.map(taskRow))
        }

        line("## Open disagreements")
        line()
        if b.conflicts.isEmpty { line("No open conflicts."); line() }
        else {
            table(["Record", "Title", "Field", "Current", "Proposed", "Proposed by", "When"], b.conflicts.map { x in
                [x.shortRecord, cell(x.title ?? x.kind) + BriefText.onlyMarkdown(x.releasable), x.field, cell(BriefText.current(x)),
                 cell(BriefText.value(x.proposed)), cell("\(x.proposedBy) (\(x.staff))"), cell(x.at)]
            })
        }
        return out.joined(separator: "\n")
    }

    static func section(_ heading: String, _ ids: [String], _ b: Brief, _ out: inout [String], details: Bool) {
        guard !ids.isEmpty else { return }
        out.append("### \(heading)")
        out.append("")
        for entry in BriefText.taskEntries(b, ids) {
            var head = "- `\(entry.id)` \(inline(entry.title))" + BriefText.onlyMarkdown(entry.releasable)
            if let t = entry.task { head += " — \(inline(t.area)), \(t.status)" + (t.owner.map { ", \(inline($0))" } ?? "") }
            out.append(head)
            if details {
                for c in entry.changes { out.append("  - \(inline(BriefText.describe(c))) — \(inline(BriefText.who(c)))") }
            }
        }
        out.append("")
    }

    /// A user's multi-line text as Markdown lines (joined with a hard break by the caller):
    /// each line inline, the later ones safe at the start of a line.
    static func lines(_ text: String) -> [String] {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map { inline(String($0)) }
        return [lines[0]] + lines.dropFirst().map(lineStart)
    }

    /// Text safe on one Markdown line: what the officer wrote is shown as written, never
    /// read as markup, wherever the brief is rendered.
    /// - Angle brackets are escaped: Markdown passes HTML through, so a title holding
    ///   `<script>` or `<img ...>` would be markup (the HTML brief escapes them too).
    /// - So are the marks of links and images (`[`, `]`), code (a backquote), emphasis and
    ///   strikethrough (`*`, `~`, and `_` where it could open or close emphasis, not inside
    ///   a word such as `EU_NATO`), a backslash (it would escape what follows), and an `&`
    ///   that could begin an entity (`&amp;` would show as `&`). A title such as
    ///   `[Minutes](javascript:...)` was a live link in the rendered brief (the text tester).
    /// - A line end becomes a space.
    static func inline(_ s: String) -> String {
        // One pass, and none for the common text with nothing to change: Foundation's
        // replacingOccurrences, four times a line, was nearly half of a 50 000-task brief.
        guard s.utf8.contains(where: { markdownByte[Int($0)] }) else { return s }
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        var scalars = s.unicodeScalars.makeIterator()
        var next = scalars.next()
        func inWord(_ c: Unicode.Scalar?) -> Bool {
            c.map { $0.properties.isAlphabetic || $0.properties.numericType != nil } ?? false
        }
        while let c = next {
            next = scalars.next()
            switch c {
            case "\r" where next == "\n":
                out.append(" ")
                next = scalars.next()
            case "\n": out.append(" ")
            case "<", ">", "[", "]", "`", "*", "~", "\\":
                out.append("\\")
                out.append(c)
            case "_" where !(inWord(previous) && inWord(next)):
                out.append("\\")
                out.append(c)
            case "&" where next.map { $0 == "#" || ($0.isASCII && $0.properties.isAlphabetic) } ?? false:
                out.append("\\")
                out.append(c)
            default: out.append(c)
            }
            previous = c
        }
        return String(out)
    }

    /// The bytes that may need `inline` to change a text (all ASCII).
    private static let markdownByte: [Bool] = (0..<256).map { b in
        "\n\r<>[]`*~\\_&".utf8.contains(UInt8(b))
    }

    /// A line of user text that stays text at the start of a Markdown line. Leading spaces
    /// go (Markdown shows none, and four would make code), and what would begin a block
    /// there gets a backslash before it, nothing else (a backslash shows in some renderers):
    /// "- ", "+ ", "* " (a list), "1. ", "1) " (a numbered list), "# " to "###### " (a
    /// heading), ">" (a quote), "[" (a link definition), "```" or "~~~" (code), and a line
    /// of only "-", "=", "*" or "_" (a rule or a heading's underline).
    static func lineStart(_ line: String) -> String {
        let s = String(line.drop { $0 == " " || $0 == "\t" })
        guard let first = s.first else { return s }
        let rest = s.dropFirst()
        let endsWord = { (t: Substring) in t.first.map { $0 == " " || $0 == "\t" } ?? true }
        let hashes = s.prefix { $0 == "#" }
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        let afterDigits = s.dropFirst(digits.count)
        let escapeFirst =
            ("-+*".contains(first) && endsWord(rest))
            || (!hashes.isEmpty && hashes.count <= 6 && endsWord(s.dropFirst(hashes.count)))
            || first == ">" || first == "["
            || s.hasPrefix("```") || s.hasPrefix("~~~")
            || ("-=*_".contains(first) && s.allSatisfy { $0 == first || $0 == " " })
        if escapeFirst { return "\\" + s }
        if (1...9).contains(digits.count), let mark = afterDigits.first, mark == "." || mark == ")", endsWord(afterDigits.dropFirst()) {
            return String(digits) + "\\" + String(afterDigits)
        }
        return s
    }

    /// Text safe in a table cell (user text; the caller adds marks after it).
    static func cell(_ s: String) -> String {
        inline(s).replacingOccurrences(of: "|", with: "\\|")
    }
}
