import Foundation
import Testing
import WorkPlanTestSupport

/// The JSON of `workplan changes --json` (CLI.md names).
struct ChangeSetJSON: Decodable {
    struct Entry: Decodable, Equatable {
        var record: String
        var kind: String
        var short_id: String
        var title: String
        var action: String
        var field: String?
        var old: Value?
        var new: Value?
        var user: String
        var staff: String
        var at: String
        var synced: Bool
    }
    /// A field value: null, a text, or a list.
    enum Value: Decodable, Equatable {
        case text(String), list([String])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .list(try c.decode([String].self)) }
        }
    }
    struct Baseline: Decodable { var conference: Int; var description: String; var synced: Bool }
    var conference: Int
    var baseline: Baseline
    var changes: [Entry]
    var created: [String]
    var closed: [String]
    var changed: [String]
    var deleted: [String]
}

/// An offline plan built through the CLI: conference 20 held with four tasks, then edits,
/// a new follow-on task and conference 21.
struct CLIPlan {
    let tmp: TemporaryDirectory
    let o: Officer
    var permits = "", medical = "", cyber = "", gender = "", followOn = ""

    init() throws {
        tmp = try TemporaryDirectory(prefix: "workplan-brief")
        o = Officer(dir: tmp.child("replica").path)
        try o.ok("init", "--staff", "EUMS", "--user", "Col. Dupont")
        for area in ["Military Mobility", "Medical Cooperation", "CIS/Cyber Interoperability", "Gender Perspectives"] {
            try o.ok("area", "add", area)
        }
        try o.ok("conference", "add", "20", "--date", "2023-12-01", "--host", "EUMS", "--place", "EUMS headquarters, Brussels")
        permits = try first(o.ok("add", "Harmonise cross-border movement permissions", "--area", "Military Mobility", "--owner", "Lt Col. Weber", "--due", "2024-04-30"))
        medical = try first(o.ok("add", "Deployable medical modules", "--area", "Medical Cooperation", "--status", "in-progress"))
        cyber = try first(o.ok("add", "Common cyber exercise <2024>", "--area", "CIS/Cyber Interoperability", "--due", "2024-03-15", "--lead", "JOINT"))
        gender = try first(o.ok("add", "Gender focal point network", "--area", "Gender Perspectives", "--due", "2024-09-30"))
        try o.ok("note", medical, "Modules inspected in Brussels")
        try o.ok("conference", "close", "20")
        // After the baseline.
        try o.ok("edit", permits, "--status", "done")
        try o.ok("edit", medical, "--owner", "Maj. Ruiz", "--priority", "high")
        try o.ok("note", medical, "Second inspection planned")
        followOn = try first(o.ok("add", "EU-NATO information exchange agreement", "--area", "Military Mobility", "--origin-conference", "20", "--status", "proposed"))
        try o.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "IMS", "--place", "NATO HQ")
        let item = try first(o.ok("agenda", "add", "21", "Military mobility progress", "--task", permits, "--task", followOn, "--presenter", "Lt Col. Weber"))
        try o.ok("agenda", "add", "21", "Medical cooperation", "--task", medical)
        try o.ok("agenda", "outcome", item, "Template endorsed")
    }

    func first(_ stdout: String) -> String { stdout.split(separator: "\n").first.map(String.init) ?? "" }

    /// The replica's plan as exported, to show a failing command changed nothing.
    func snapshot() throws -> String {
        try o.ok("export") + String(try o.json(StatusCount.self, "status").pending)
    }
}

struct StatusCount: Decodable { var pending: Int }

@Suite("Brief and changes, as real processes")
struct BriefCLITests {
    @Test func changesSinceConferenceAsJSON() throws {
        let p = try CLIPlan()
        let set = try p.o.json(ChangeSetJSON.self, "changes", "--since-conference", "20")
        #expect(set.conference == 20)
        #expect(set.baseline.conference == 20)
        #expect(set.baseline.synced == false)
        #expect(set.baseline.description.contains("conference 20 marked held by Col. Dupont (EUMS)"))
        #expect(set.created == [p.followOn])
        #expect(set.closed == [p.permits])
        #expect(set.changed == [p.medical])
        #expect(set.deleted == [])
        let tasks = set.changes.filter { $0.kind == "task" }.map { [$0.short_id, $0.action, $0.field ?? "-", $0.old.map(text) ?? "-", $0.new.map(text) ?? "-"] }
        #expect(tasks == [
            [p.permits, "set", "status", "open", "done"],
            [p.medical, "set", "owner", "-", "Maj. Ruiz"],
            [p.medical, "set", "priority", "medium", "high"],
            [p.followOn, "create", "-", "-", "EU-NATO information exchange agreement"],
        ])
        #expect(set.changes.filter { $0.kind == "note" }.map { $0.new.map(text) } == ["Second inspection planned"])
        #expect(set.changes.allSatisfy { $0.user == "Col. Dupont" && $0.staff == "EUMS" && !$0.synced })
        #expect(set.changes.map(\.kind) == ["task", "task", "task", "note", "task", "conference", "agenda_item", "agenda_item"],
                "the outcome folds into the agenda item's unsynced create")
    }

    func text(_ v: ChangeSetJSON.Value) -> String {
        switch v {
        case .text(let t): t
        case .list(let l): l.joined(separator: ",")
        }
    }

    @Test func markdownBriefOfTheNextConference() throws {
        let p = try CLIPlan()
        let r = try p.o.run("brief", "--conference", "21")
        #expect(r.status == 0, "\(r)")
        let md = r.stdout
        #expect(md.hasPrefix("# Brief for the 21st EUMS-IMS Director Generals Conference\n"))
        #expect(md.contains("**Conference 21**: 2024-05-14, hosted by IMS at NATO HQ (planned)"))
        #expect(md.contains("1. **Military mobility progress** — presented by Lt Col. Weber\n   - `\(p.followOn)` EU-NATO information exchange agreement (proposed)\n   - `\(p.permits)` Harmonise cross-border movement permissions (done)\n   - Outcome: Template endorsed"))
        #expect(md.contains("2. **Medical cooperation**\n   - `\(p.medical)` Deployable medical modules (in-progress)"))
        #expect(md.contains("| \(p.medical) | Deployable medical modules | EUMS | Maj. Ruiz | in-progress | — | Second inspection planned — Col. Dupont (EUMS)"))
        #expect(md.contains("Created: 1 · Closed: 1 · Changed: 1 · Deleted: 0"))
        #expect(md.contains("### Closed tasks\n\n- `\(p.permits)` Harmonise cross-border movement permissions — Military Mobility, done, Lt Col. Weber\n  - status: open → done — Col. Dupont (EUMS)"))
        #expect(md.contains("  - owner: (none) → Maj. Ruiz — Col. Dupont (EUMS)"))
        #expect(md.contains("  - priority: medium → high — Col. Dupont (EUMS)"))
        #expect(md.contains("  - note added: Second inspection planned — Col. Dupont (EUMS)"))
        #expect(!md.contains("note added: Modules inspected"), "notes before the baseline are not changes")
        #expect(md.contains("## Follow-on tasks from the previous conference\n\n| Task | Title | Lead | Owner | Status | Due |\n| --- | --- | --- | --- | --- | --- |\n| \(p.followOn) | EU-NATO information exchange agreement | EUMS | — | proposed | — |"))
        #expect(md.contains("## Overdue tasks\n\nDue before 2024-05-14, or to be reported at an earlier conference, and neither done nor cancelled.\n\n| Task | Title | Lead | Owner | Status | Due |\n| --- | --- | --- | --- | --- | --- |\n| \(p.cyber) | Common cyber exercise \\<2024\\> | JOINT | — | open | 2024-03-15 |\n\n"),
                "permits is done, gender is due after the conference")
        // User text is text, never markup, wherever the Markdown is rendered (the tester).
        #expect(!md.contains("<2024>"))
        #expect(md.contains("## Open disagreements\n\nNo open conflicts."))
    }

    /// A brief prepared for one staff may be shown at the joint conference: its staff-only
    /// tasks and notes are marked on their rows, as `list` marks them.
    @Test func staffOnlyRowsAreMarked() throws {
        let p = try CLIPlan()
        try p.o.ok("edit", p.gender, "--releasable", "EUMS")
        try p.o.ok("note", p.cyber, "EUMS internal: budget line 4", "--releasable", "EUMS")
        let md = try p.o.ok("brief", "--conference", "21")
        #expect(md.contains("| \(p.gender) | Gender focal point network **[EUMS only]** |"), "\(md)")
        #expect(md.contains("| **[EUMS only]** EUMS internal: budget line 4 — Col. Dupont (EUMS)"), "\(md)")
        #expect(md.contains("| \(p.medical) | Deployable medical modules | EUMS |"), "a joint task is not marked")
        let html = try p.o.ok("brief", "--conference", "21", "--format", "html")
        #expect(html.contains("Gender focal point network <b class=\"only\">[EUMS only]</b>"))
        #expect(html.contains("<b class=\"only\">[EUMS only]</b> EUMS internal: budget line 4"))
        // As every other fixed value, the format in any case (it was refused in capitals).
        #expect(try p.o.ok("brief", "--conference", "21", "--format", "HTML").contains("Gender focal point network <b class=\"only\">[EUMS only]</b>"))
    }

    /// The brief tester: staff-only records were marked in the plan table, but not on the
    /// agenda (an EUMS-only item, or a task it covers), in "New tasks", nor in the HTML
    /// follow-on and overdue tables: risky when the brief is shown at the joint conference.
    @Test func staffOnlyRecordsAreMarkedEverywhereTheyAppear() throws {
        let p = try CLIPlan()
        try p.o.ok("edit", p.followOn, "--releasable", "EUMS")
        try p.o.ok("edit", p.cyber, "--releasable", "EUMS")
        try p.o.ok("agenda", "add", "21", "Internal EUMS coordination", "--releasable", "EUMS")
        let md = try p.o.ok("brief", "--conference", "21")
        for line in ["3. **Internal EUMS coordination** **[EUMS only]**",
                     "   - `\(p.followOn)` EU-NATO information exchange agreement **[EUMS only]** (proposed)",
                     "- `\(p.followOn)` EU-NATO information exchange agreement **[EUMS only]** — Military Mobility, proposed",
                     "| \(p.cyber) | Common cyber exercise \\<2024\\> **[EUMS only]** |"] {
            #expect(md.contains(line), "\(line)\n\(md)")
        }
        #expect(md.contains("1. **Military mobility progress** — presented by"), "a joint item is not marked")
        let html = try p.o.ok("brief", "--conference", "21", "--format", "html")
        let only = "<b class=\"only\">[EUMS only]</b>"
        for part in ["<td><b>Internal EUMS coordination</b> \(only)</td>",
                     "EU-NATO information exchange agreement \(only) <span class=\"pill",
                     "<td>EU-NATO information exchange agreement \(only)</td><td>",
                     "<td>Common cyber exercise &lt;2024&gt; \(only)</td><td>CIS/Cyber Interoperability</td>"] {
            #expect(html.contains(part), "\(part)")
        }
        #expect(html.contains("<td><b>Military mobility progress</b></td>"), "a joint item is not marked")

        // The review: a note is as releasable as its task allows. A note written while its
        // task was shared, the task made EUMS-only since, said "both" in `changes --json`.
        try p.o.ok("edit", p.medical, "--releasable", "EUMS")
        let changes = try JSONSerialization.jsonObject(with: Data(p.o.ok("changes", "--since-conference", "20", "--json").utf8)) as? [String: Any]
        let notes = (changes?["changes"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "note" }
        #expect(!notes.isEmpty && notes.allSatisfy { $0["releasable"] as? String == "EUMS" }, "\(notes)")
    }

    /// Tester, 2026-11-30: the guidance and notes lost their line breaks in the brief.
    @Test func linesOfTheGuidanceAndOfNotesStayLines() throws {
        let p = try CLIPlan()
        try p.o.ok("conference", "guidance", "21", "Line one\nLine two")
        try p.o.ok("note", p.medical, "Step 1 done.\nStep 2 pending.")
        let md = try p.o.ok("brief", "--conference", "21")
        #expect(md.contains("**Guidance of the Director Generals:** Line one  \nLine two\n"), "\(md)")
        let html = try p.o.ok("brief", "--conference", "21", "--format", "html")
        #expect(html.contains("blockquote { margin: 8px 0; padding: 6px 10px; background: var(--band); border-left: 4px solid var(--navy); white-space: pre-line; }"))
        #expect(html.contains("<blockquote><b>Guidance of the Director Generals.</b> Line one\nLine two</blockquote>"))
        #expect(html.contains("<span class=\"lines\">Step 1 done.\nStep 2 pending.</span>"))
        // Reviewer: a line that begins like Markdown (a list, a rule) stays text.
        try p.o.ok("conference", "guidance", "21", "Priorities:\n- logistics\n2. medical\n---\n\n    [ref]: note\n-5 degrees, ~50 personnel, #1 aim")
        let again = try p.o.ok("brief", "--conference", "21")
        #expect(again.contains("**Guidance of the Director Generals:** Priorities:  \n\\- logistics  \n2\\. medical  \n\\---  \n  \n\\[ref\\]: note  \n-5 degrees, \\~50 personnel, #1 aim\n"), "\(again)")
    }

    /// Tester: the preparing officer's name went into the Markdown unescaped, twice (the
    /// "Prepared for" line and the baseline, which names who closed the conference).
    @Test func theOfficersNameIsTextInTheMarkdownBrief() throws {
        let tmp = try TemporaryDirectory(prefix: "workplan-brief")
        let o = Officer(dir: tmp.child("replica").path)
        try o.ok("init", "--staff", "EUMS", "--user", "Col <img src=x onerror=alert(1)>")
        try o.ok("conference", "add", "20", "--date", "2023-12-01", "--host", "EUMS")
        try o.ok("conference", "close", "20")
        try o.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "IMS")
        let md = try o.ok("brief", "--conference", "21")
        #expect(!md.replacingOccurrences(of: "\\<", with: "").contains("<"), "every '<' escaped: \(md)")
        #expect(md.contains("Prepared for EUMS by Col \\<img src=x onerror=alert(1)\\> on "), "\(md)")
        #expect(md.contains("marked held by Col \\<img"), "\(md)")
    }

    /// The brief tester: an edit that met a delete, the task still gone, showed the field's
    /// last value as "Current" in "Open disagreements", as if the task were live; `conflicts`
    /// said "(deleted; it was medium)". The brief says it too.
    @Test func aDisagreementOnADeletedTaskSaysItIsDeleted() throws {
        let s = try SyncScenario()
        try s.eums.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "EUMS")
        let t = try s.sharedTaskDeleted(by: s.eums)
        try s.ims.ok("edit", t, "--priority", "high")
        try s.ims.ok("sync")
        let md = try s.ims.ok("brief", "--conference", "21")
        #expect(md.contains("| priority | (deleted; it was medium) | high |"), "\(md)")
        let html = try s.ims.ok("brief", "--conference", "21", "--format", "html")
        #expect(html.contains("<td>(deleted; it was medium)</td>"), "\(html)")
    }

    /// The review: an EUMS-only task was not marked in "Open disagreements", nor in
    /// "Deleted tasks" once deleted.
    @Test func staffOnlyTasksAreMarkedInDisagreementsAndAmongTheDeleted() throws {
        let s = try SyncScenario()
        let bruno = try SyncScenario.join(s.server, s.tmp, "Maj. Bruno", staff: "EUMS", dir: "bruno")
        try s.eums.ok("area", "add", "Military Mobility")
        try s.eums.ok("conference", "add", "20", "--date", "2023-12-01", "--host", "EUMS")
        try s.eums.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "IMS")
        let secret = try s.eums.run("add", "EUMS internal review", "--area", "Military Mobility", "--releasable", "EUMS").firstLine
        let gone = try s.eums.run("add", "EUMS internal draft", "--area", "Military Mobility", "--releasable", "EUMS").firstLine
        try s.eums.ok("conference", "close", "20")
        try s.eums.ok("sync")
        try bruno.ok("sync")
        try s.eums.ok("edit", secret, "--priority", "high")
        try s.eums.ok("sync")
        try bruno.ok("edit", secret, "--priority", "low")
        try bruno.ok("sync")
        try bruno.ok("delete", gone)
        // The review: a conflict on an EUMS-only task deleted since (a pulled delete removes it
        // here) said "both", and its disagreement row was not marked.
        let eyesOnly = try s.eums.run("add", "EUMS eyes only", "--area", "Military Mobility", "--releasable", "EUMS").firstLine
        try s.eums.ok("sync")
        try bruno.ok("sync")
        try s.eums.ok("delete", eyesOnly)
        try s.eums.ok("sync")
        try bruno.ok("edit", eyesOnly, "--status", "blocked")
        try bruno.ok("sync")
        let listed = try JSONSerialization.jsonObject(with: Data(bruno.ok("conflicts", "--json").utf8)) as? [[String: Any]] ?? []
        let onEyesOnly = listed.filter { ($0["record"] as? String)?.hasPrefix(eyesOnly) == true }
        #expect(!onEyesOnly.isEmpty && onEyesOnly.allSatisfy { $0["releasable"] as? String == "EUMS" }, "\(listed)")
        let md = try bruno.ok("brief", "--conference", "21")
        #expect(md.contains("| EUMS eyes only **[EUMS only]** | status |"), "\(md)")
        #expect(md.contains("| EUMS internal review **[EUMS only]** | priority |"), "\(md)")
        #expect(md.contains("- `\(gone)` EUMS internal draft **[EUMS only]**"), "\(md)")
        let html = try bruno.ok("brief", "--conference", "21", "--format", "html")
        #expect(html.contains("<td>EUMS internal review <b class=\"only\">[EUMS only]</b></td><td><span class=\"field\">priority"), "\(html)")
        #expect(html.contains("<td>EUMS internal draft <b class=\"only\">[EUMS only]</b></td>"), "\(html)")
    }

    @Test func htmlBriefToAFile() throws {
        let p = try CLIPlan()
        let out = p.tmp.child("brief.html")
        let r = try p.o.run("brief", "--conference", "21", "--format", "html", "--output", out.path)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.isEmpty)
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Common cyber exercise &lt;2024&gt;"), "user text is escaped")
        #expect(!html.contains("<2024>"))
        #expect(html.contains("@media print"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        for external in ["<script", "<link", "src=", "url(", "@import", "https:"] {
            #expect(!html.contains(external), "self-contained: no \(external)")
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        let p = try CLIPlan()
        let before = try p.snapshot()
        let cases: [([String], String)] = [
            (["changes", "--since-conference", "21"], "conference 21 is not held yet"),
            (["changes", "--since-conference", "99"], "no conference 99"),
            (["changes", "--since-conference", "twenty"], "twenty"),
            (["brief", "--conference", "99"], "no conference 99"),
            (["brief", "--conference", "21", "--format", "pdf"], "unknown format 'pdf'; use md or html"),
            (["brief", "--conference", "21", "--output", p.tmp.child("missing/brief.md").path], "does not exist"),
            (["brief", "--conference", "21", "--output", p.tmp.path], "it is a folder"),
        ]
        for (args, message) in cases {
            let r = try p.o.run(args)
            #expect(r.status != 0, "\(args): \(r)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args)")
        }
        #expect(!FileManager.default.fileExists(atPath: p.tmp.child("missing").path))
        #expect(try p.snapshot() == before)
    }
}
