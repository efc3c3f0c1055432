import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport

/// Minimal shapes of the CLI's JSON (CLI.md field names).
struct TaskJSON: Decodable, Equatable {
    var id: String
    var short_id: String
    var title: String
    var description: String?
    var area: String
    var lead: String
    var owner: String?
    var status: String
    var priority: String
    var due: String?
    var conference: Int?
    var follows: String?
    var tags: [String]
    var releasable: String
    var created_at: String
    var updated_at: String
    var notes: [NoteJSON]?
}

struct NoteJSON: Decodable, Equatable {
    var id: String
    var text: String
    var author: String
    var staff: String
    var releasable: String
    var created_at: String
}

struct StatusJSON: Decodable {
    var pending: Int
    var conflicts: Int
    var last_sync: String?
    var server: String?
}

/// An offline replica with the 20th conference's areas.
func offlineOfficer(_ tmp: TemporaryDirectory, staff: String = "EUMS", user: String = "Col. Dupont") throws -> Officer {
    let o = Officer(dir: tmp.child("replica-\(staff)").path)
    try o.ok("init", "--staff", staff, "--user", user)
    try o.ok("area", "add", "Military Mobility")
    try o.ok("area", "add", "Medical Cooperation")
    return o
}

@Suite("Offline CLI, as a real process")
struct OfflineCLITests {
    /// `--dir` before the command (`workplan --dir R status`), as tools with global options
    /// take it, was refused as an unknown option. Both programs now take it there too.
    @Test func dirBeforeTheCommandIsTheReplicaFolder() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.child("replica").path
        #expect(try CLI.run("workplan", ["--dir", dir, "init", "--staff", "EUMS", "--user", "Col. A. Dupont"]).status == 0)
        #expect(try CLI.run("workplan", ["--dir=\(dir)", "area", "add", "Military Mobility"]).status == 0)
        let listed = try CLI.run("workplan", ["--dir", dir, "area", "list"])
        #expect(listed.status == 0 && listed.stdout.contains("Military Mobility"), "\(listed)")
        // Given twice with different folders, it is refused as any repeated option is.
        let twice = try CLI.run("workplan", ["--dir", dir, "status", "--dir", tmp.child("other").path])
        #expect(twice.status != 0 && twice.stderr.contains("--dir was given twice"), "\(twice)")
        // No command after it: argument-parser's own word, as before.
        let alone = try CLI.run("workplan", ["--dir", dir])
        #expect(alone.status != 0 && alone.stderr.contains("--dir"), "\(alone)")
        let unknown = try CLI.run("workplan", ["--dir", dir, "frobnicate"])
        #expect(unknown.status != 0 && unknown.stderr.contains("'workplan frobnicate' is not a command"), "\(unknown)")
        // `help` reads no folder (the review: it said "Unknown option '--dir'").
        let help = try CLI.run("workplan", ["--dir", dir, "help", "sync"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: workplan sync"), "\(help)")
        let server = tmp.child("server").path
        let serverHelp = try CLI.run("workplan-server", ["--dir", server, "help", "init"])
        #expect(serverHelp.status == 0 && serverHelp.stdout.contains("USAGE: workplan-server init"), "\(serverHelp)")
        #expect(try CLI.run("workplan-server", ["--dir", server, "init"]).status == 0)
        let users = try CLI.run("workplan-server", ["--dir", server, "user", "list"])
        #expect(users.status == 0 && users.stdout.contains("no users"), "\(users)")
        // A group without its subcommand prints its help, as without --dir (the bad-input tester).
        let group = try CLI.run("workplan", ["--dir", dir, "area"])
        #expect(group.stdout.contains("USAGE: workplan area <subcommand>") && !group.stderr.contains("Unknown option"), "\(group)")
        #expect(group.status == (try CLI.run("workplan", ["area"]).status))
    }

    /// The docs tester: a description's later lines started at the margin in `history`
    /// (and `conflicts`), breaking the one-entry-per-line layout.
    @Test func historyIndentsALongTextsLaterLines() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let t = String(try o.ok("add", "T", "--area", "military mobility", "--description", "line one\nline two\nline three").split(separator: "\n")[0])
        let history = try o.ok("history", t)
        #expect(history.contains("description=line one\n    line two\n    line three; lead="), "\(history)")
        // Times are UTC and say so, as in the brief (the clock tester).
        #expect(history.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC Col\. "#, options: .regularExpression) != nil, "\(history)")
    }

    /// The docs tester: `edit --releasable EUMS` on a shared task printed only "updated (1
    /// change)"; it now says what the withdrawal does. The bad-input tester: a tag both
    /// added and removed in one edit made two history entries for nothing; it is refused.
    @Test func aWithdrawalIsSaidAndAContradictoryTagEditRefused() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let task = String(try o.ok("add", "Permits", "--area", "military mobility").split(separator: "\n")[0])
        let withdrawn = try o.ok("edit", task, "--releasable", "EUMS")
        #expect(withdrawn.contains("is now releasable to EUMS only: the next sync takes it, with its notes, from IMS's copies"), "\(withdrawn)")
        #expect(!(try o.ok("edit", task, "--owner", "Maj. X")).contains("releasable"), "said only when it changes")
        let before = try o.ok("export")
        for args in [["--add-tag", "x", "--remove-tag", "x"], ["--tag", "a", "--remove-tag", " a"]] {
            let r = try o.run(["edit", task] + args)
            #expect(r.status == 64 && r.stderr.contains("is both given and removed"), "\(args): \(r)")
        }
        #expect(try o.ok("export") == before)
    }

    /// A tag to remove that the task does not have (a typo, most often) printed only
    /// "unchanged". It is named, with the tags the task has; the other tags still go.
    @Test func aTagToRemoveThatIsNotThereIsNamed() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let task = String(try o.ok("add", "Permits", "--area", "military mobility", "--tag", "dg20", "--tag", "rail").split(separator: "\n")[0])
        let typo = try o.ok("edit", task, "--remove-tag", "dg2O")
        #expect(typo.contains("unchanged") && typo.contains("has no tag 'dg2O' to remove (its tags: dg20, rail)"), "\(typo)")
        let mixed = try o.ok("edit", task, "--remove-tag", "rail", "--remove-tag", "road")
        #expect(mixed.contains("updated (1 change)") && mixed.contains("has no tag 'road' to remove (its tags: dg20, rail)"), "\(mixed)")
        #expect(try o.json(TaskJSON.self, "show", task).tags == ["dg20"])
        #expect(!(try o.ok("edit", task, "--remove-tag", "dg20")).contains("no tag"))
        #expect(try o.ok("edit", task, "--remove-tag", "dg20").contains("(it has no tags)"))
    }

    /// The text tester: NATO added on one replica and nato on the other were both kept, and
    /// '--remove-tag Nato' removed neither ("has no tag"), while 'list --tag' found both.
    /// Tags match whatever their case here too.
    @Test func tagsAreRemovedAndAddedWhateverTheirCase() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let task = String(try o.ok("add", "Permits", "--area", "military mobility", "--tag", "NATO", "--tag", "nato", "--tag", "rail").split(separator: "\n")[0])
        #expect(Set(try o.json(TaskJSON.self, "show", task).tags) == ["NATO", "nato", "rail"])
        let removed = try o.ok("edit", task, "--remove-tag", "Nato")
        #expect(removed.contains("updated (2 changes)") && !removed.contains("no tag"), "\(removed)")
        #expect(try o.json(TaskJSON.self, "show", task).tags == ["rail"])
        let again = try o.ok("edit", task, "--add-tag", "RAIL")
        #expect(again.contains("unchanged") && again.contains("already has the tag 'rail' (tags match whatever their case)"), "\(again)")
        #expect(try o.json(TaskJSON.self, "show", task).tags == ["rail"])
        // Its spelling changed: removed and added in one edit.
        #expect(try o.ok("edit", task, "--remove-tag", "rail", "--add-tag", "Rail").contains("updated (2 changes)"))
        #expect(try o.json(TaskJSON.self, "show", task).tags == ["Rail"])
    }

    /// The bad-input tester: `--add-tag` took a task past the 200 tags `add` and `--tag`
    /// allow; the create holding them was refused at the next sync and the task vanished.
    @Test func aTagPastTheLimitIsRefusedAndChangesNothing() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let full = (1...Schema.maxSetElements).flatMap { ["--tag", "t\($0)"] }
        let added = try o.run(["add", "Permits", "--area", "military mobility"] + full)
        try #require(added.status == 0, "\(added)")
        let task = String(added.stdout.split(separator: "\n")[0])
        let before = try o.ok("export")
        let r = try o.run(["edit", task, "--title", "Permits (rail)", "--add-tag", "one-more"])
        #expect(r.status != 0 && r.stderr.contains("task tags already has \(Schema.maxSetElements) elements, the most it may hold"), "\(r)")
        #expect(try o.ok("export") == before, "refused whole: the title is unchanged too")
        #expect(try o.ok("edit", task, "--add-tag", "t7").contains("unchanged"), "a tag already there is no addition")
        _ = try o.ok("edit", task, "--remove-tag", "t1", "--add-tag", "one-more")
        #expect(try o.json(TaskJSON.self, "show", task).tags.contains("one-more"))
    }

    /// DOMAIN.md: "staffs add and rename areas". The docs tester found no command to
    /// rename one. `area rename` keeps the area's id and its tasks; another area's name, an
    /// unknown area and an empty name are refused and change nothing.
    @Test func anAreaIsRenamedWithItsTasks() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let task = try o.ok("add", "Permits", "--area", "military mobility").split(separator: "\n")[0]
        let renamed = try o.ok("area", "rename", "military mobility", "Military Mobility & Transport")
        #expect(renamed.hasPrefix("renamed area Military Mobility to Military Mobility & Transport ("), "\(renamed)")
        #expect(try o.ok("list", "--area", "military mobility & transport").contains(String(task)))
        let before = try o.ok("export")
        for (args, reason) in [(["Military Mobility & Transport", "medical cooperation"], "already has that name"),
                               (["Cyber", "Cyber Defence"], "unknown area 'Cyber'"),
                               (["Medical Cooperation", " "], "must not be empty")] {
            let r = try o.run(["area", "rename"] + args)
            #expect(r.status != 0 && r.stderr.contains(reason), "\(args): \(r)")
        }
        // The review: the renamed area keeps its first name's id, so a new area of its new
        // name got another id, and two areas bore one name.
        let again = try o.run("area", "add", "military mobility & TRANSPORT")
        #expect(again.status != 0 && again.stderr.contains("already has that name"), "\(again)")
        let add = try o.run("area", "add", "Military Mobility")
        #expect(add.status != 0 && add.stderr.contains("area Military Mobility & Transport (") && add.stderr.contains(") was created under that name and keeps its id"), "\(add)")
        // The round-trip tester: a rename to another area's first name said that area "already
        // has that name" when it had been renamed away from it.
        let taken = try o.run("area", "rename", "Medical Cooperation", "military mobility")
        #expect(taken.status != 0 && taken.stderr.contains("area Military Mobility & Transport (") && taken.stderr.contains("was created under that name"), "\(taken)")
        #expect(try o.ok("export") == before, "nothing changed by the refused commands")
    }

    /// The text tester: "ﬁnance" (a ligature) beside "Finance" made two areas that read the
    /// same. A name typed now is refused when it differs from another area's only in
    /// compatibility forms (NFKC); an import still brings back two such areas made before.
    @Test func anAreaNameThatReadsLikeAnotherIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try o.ok("area", "add", "Finance")
        let before = try o.ok("export")
        for args in [["area", "add", "\u{FB01}nance"], ["area", "add", "ＦＩＮＡＮＣＥ"],
                     ["area", "rename", "medical cooperation", "\u{FB01}nance"]] {
            let r = try o.run(args)
            #expect(r.status != 0 && r.stderr.contains("area Finance (") && r.stderr.contains("reads the same"), "\(args): \(r)")
        }
        #expect(try o.ok("export") == before, "nothing changed by the refused commands")
        try o.ok("area", "add", "Finance 2")

        // Made before the check (or by another replica): an import keeps both.
        let plan = #"{"format": "workplan-export/1", "records": ["#
            + [("Finance", "2026-01-01T00:00:00Z"), ("\u{FB01}nance", "2026-01-02T00:00:00Z")].map { name, at in
                #"{"kind": "area", "id": "\#(RecordID.area(named: name))", "created_at": "\#(at)", "created_by": "Col. D", "fields": {"name": "\#(name)"}}"#
            }.joined(separator: ", ") + "]}"
        let file = tmp.child("plan.json")
        try Data(plan.utf8).write(to: file)
        let fresh = Officer(dir: tmp.child("fresh").path)
        try fresh.ok("init", "--staff", "EUMS", "--user", "Col. D")
        try fresh.ok("import", file.path)
        let names = try fresh.ok("area", "list")
        #expect(names.contains("Finance") && names.contains("\u{FB01}nance"), "\(names)")
    }

    /// The third tester: a note written without --releasable on an EUMS-only task went to
    /// IMS with the task the day it was shared. It takes its task's one staff unless told.
    @Test func aNoteOnAOneStaffTaskIsThatStaffsUnlessSaidOtherwise() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let inside = String(try o.ok("add", "Internal review", "--area", "Military Mobility", "--releasable", "EUMS").split(separator: "\n")[0])
        let shared = String(try o.ok("add", "Joint task", "--area", "Military Mobility").split(separator: "\n")[0])
        #expect(try o.ok("note", inside, "kept in").contains("releasable to EUMS only, like its task"))
        _ = try o.ok("note", inside, "for both when shared", "--releasable", "both")
        _ = try o.ok("note", shared, "for both")
        #expect(try o.json(TaskJSON.self, "show", inside).notes?.map(\.releasable) == ["EUMS", "both"])
        #expect(try o.json(TaskJSON.self, "show", shared).notes?.map(\.releasable) == ["both"])
    }

    @Test func addEditListShowNoteDelete() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let add = try o.run("add", "Harmonise cross-border movement permissions", "--area", "military mobility",
                            "--priority", "high", "--due", "2024-05-15", "--tag", "mobility", "--tag", "permits",
                            "--description", "Draft a common template.")
        #expect(add.status == 0, "\(add)")
        let short = add.firstLine
        #expect(short.count == 8)
        try o.ok("edit", short, "--status", "in-progress", "--add-tag", "logistics", "--remove-tag", "permits", "--owner", "Lt Col. Weber")
        try o.ok("note", String(short.prefix(5)), "Template circulated to both staffs")

        let shown = try o.json(TaskJSON.self, "show", short)
        #expect(shown.title == "Harmonise cross-border movement permissions")
        #expect(shown.area == "Military Mobility")
        #expect(shown.status == "in-progress")
        #expect(shown.priority == "high")
        #expect(shown.lead == "EUMS", "lead defaults to the officer's staff")
        #expect(shown.owner == "Lt Col. Weber")
        #expect(shown.tags == ["logistics", "mobility"])
        #expect(shown.releasable == "both")
        #expect(shown.notes?.map(\.text) == ["Template circulated to both staffs"])
        #expect(shown.notes?.first?.author == "Col. Dupont")
        #expect(shown.notes?.first?.staff == "EUMS")

        try o.ok("add", "Deployable medical modules", "--area", "Medical Cooperation", "--status", "proposed", "--lead", "JOINT")
        let all = try o.json([TaskJSON].self, "list")
        #expect(all.count == 2)
        #expect(try o.json([TaskJSON].self, "list", "--area", "medical cooperation").map(\.title) == ["Deployable medical modules"])
        #expect(try o.json([TaskJSON].self, "list", "--status", "in-progress").map(\.short_id) == [short])
        #expect(try o.json([TaskJSON].self, "list", "--tag", "logistics").count == 1)
        #expect(try o.json([TaskJSON].self, "list", "--lead", "JOINT").count == 1)
        #expect(try o.json([TaskJSON].self, "list", "--search", "template").map(\.short_id) == [short])
        // Case is ignored in every script, not only ASCII; % and _ are plain characters.
        try o.ok("add", "Évacuation médicale: 100% des cas", "--area", "Medical Cooperation", "--tag", "Ñandú")
        #expect(try o.json([TaskJSON].self, "list", "--search", "ÉVACUATION MÉDICALE").map(\.title) == ["Évacuation médicale: 100% des cas"])
        #expect(try o.json([TaskJSON].self, "list", "--search", "évacuation").count == 1)
        #expect(try o.json([TaskJSON].self, "list", "--search", "100%").count == 1)
        #expect(try o.json([TaskJSON].self, "list", "--search", "_").isEmpty)
        #expect(try o.json([TaskJSON].self, "list", "--tag", "ñANDÚ").count == 1)
        try o.ok("delete", try o.json([TaskJSON].self, "list", "--tag", "ñandú")[0].short_id)

        try o.ok("delete", short)
        #expect(try o.json([TaskJSON].self, "list").map(\.title) == ["Deployable medical modules"])
        #expect(try o.run("show", short).status != 0)
    }

    /// CLI.md: "a task has at least id, short_id, title, description, ...": every key is
    /// there in list and show, an unset field as null.
    @Test func taskJSONHasEveryListedKeyWithNullForUnsetFields() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let short = try o.run("add", "A task with nothing optional set", "--area", "Military Mobility").firstLine
        let listed = ["id", "short_id", "title", "description", "area", "lead", "owner", "status", "priority",
                      "due", "conference", "follows", "tags", "releasable", "created_at", "updated_at"]
        for args in [["show", short, "--json"], ["list", "--json"]] {
            let r = try o.run(args)
            #expect(r.status == 0, "\(r)")
            let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
            let task = (parsed as? [String: Any]) ?? (parsed as? [[String: Any]])?.first ?? [:]
            #expect(Set(listed).subtracting(task.keys).isEmpty, "\(args): missing \(Set(listed).subtracting(task.keys).sorted())")
            for key in ["description", "owner", "due", "conference", "follows"] {
                #expect(task[key] is NSNull, "\(args): \(key) is \(String(describing: task[key]))")
            }
        }
    }

    @Test func conferencesAndAgenda() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try o.ok("conference", "add", "20", "--date", "2023-12-01", "--host", "EUMS", "--place", "EUMS headquarters, Brussels")
        try o.ok("conference", "add", "21", "--date", "2024-05-15", "--host", "IMS")
        let t = try o.run("add", "Exchange of classified information", "--area", "Military Mobility", "--conference", "21").firstLine
        let first = try o.run("agenda", "add", "21", "Opening remarks", "--presenter", "DG EUMS").firstLine
        let last = try o.run("agenda", "add", "21", "Military Mobility progress", "--task", t).firstLine
        try o.ok("agenda", "add", "21", "Medical cooperation", "--after", first)
        try o.ok("agenda", "outcome", last, "Template adopted")
        try o.ok("conference", "guidance", "20", "Pursue information exchange.")
        try o.ok("conference", "close", "20")

        struct Item: Decodable { var topic: String; var tasks: [String]; var outcome: String? }
        let items = try o.json([Item].self, "agenda", "list", "21")
        #expect(items.map(\.topic) == ["Opening remarks", "Medical cooperation", "Military Mobility progress"])
        #expect(items[2].tasks.first?.hasPrefix(t) == true)
        #expect(items[2].outcome == "Template adopted")

        struct Conf: Decodable { var number: Int; var status: String; var guidance: String?; var place: String? }
        let confs = try o.json([Conf].self, "conference", "list")
        #expect(confs.map(\.number) == [20, 21])
        #expect(confs[0].status == "held")
        #expect(try o.json(Conf.self, "conference", "show", "20").guidance == "Pursue information exchange.")
        #expect(try o.run("conference", "close", "20").status != 0, "closing twice is refused")
        // Closed out of order or ahead of its date: done, and said (there is no reopening).
        try o.ok("conference", "add", "22", "--date", "2099-05-15", "--host", "EUMS")
        let early = try o.run("conference", "close", "22")
        #expect(early.status == 0 && early.stdout.contains("note: conference 21 before it is not held yet")
                && early.stdout.contains("note: conference 22 is dated 2099-05-15, after today"), "\(early)")
    }

    /// Tester: an outcome "Agreed.\n2. Follow-on task to IMS" printed its second line at
    /// column 0, where it read as agenda item 2. Later lines of an outcome or a note stay
    /// indented under their entry.
    @Test func multiLineOutcomesAndNotesStayUnderTheirEntry() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try o.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "IMS")
        let item = try o.run("agenda", "add", "21", "Military Mobility progress").firstLine
        try o.ok("agenda", "outcome", item, "Agreed.\n2. Follow-on task to IMS")
        for args in [["agenda", "list", "21"], ["conference", "show", "21"]] {
            let out = try o.run(args).stdout
            #expect(out.contains("   outcome: Agreed.\n            2. Follow-on task to IMS\n"), "\(out)")
        }
        let t = try o.run("add", "Exchange of classified information", "--area", "Military Mobility").firstLine
        try o.ok("note", t, "Step 1 done.\nStep 2 pending.")
        let shown = try o.ok("show", t)
        #expect(shown.contains(": Step 1 done.\n    Step 2 pending.\n"), "\(shown)")
    }

    /// Tester: `--json` left unset fields out of conferences, agenda items and history
    /// entries (tasks print them as null), so the keys changed from record to record.
    @Test func jsonDocumentsKeepEveryKey() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try o.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "IMS")
        let item = try o.run("agenda", "add", "21", "Military Mobility progress").firstLine
        let t = try o.run("add", "Exchange of classified information", "--area", "Military Mobility").firstLine
        let documents: [(args: [String], keys: [String])] = [
            (["conference", "list", "--json"], ["place", "guidance"]),
            (["conference", "show", "21", "--json"], ["place", "guidance"]),
            (["agenda", "list", "21", "--json"], ["presenter", "outcome"]),
            (["history", item, "--json"], ["seq", "old", "field"]),
            (["history", t, "--json"], ["seq", "old", "field"]),
        ]
        for (args, keys) in documents {
            let out = try o.run(args).stdout
            for key in keys { #expect(out.contains("\"\(key)\" : null"), "\(args): \(out)") }
        }
    }

    /// Tester: an editor imported a note signed "Gen. IMS Boss" and synced it; everyone
    /// read it as his. A note entered by someone other than its author says who entered it
    /// (the server records the sender), in `show`, its JSON and the brief.
    @Test func aNoteEnteredByAnotherThanItsAuthorSaysWho() throws {
        let tmp = try TemporaryDirectory()
        let author = Officer(dir: tmp.child("author").path)
        try author.ok("init", "--staff", "EUMS", "--user", "Gen. Boss")
        try author.ok("area", "add", "Military Mobility")
        let t = try author.run("add", "Exchange of classified information", "--area", "Military Mobility").firstLine
        try author.ok("note", t, "Agreed in principle")
        let file = tmp.child("plan.json").path
        try author.ok("export", "--output", file)

        let o = try offlineOfficer(tmp)
        try o.ok("import", file)
        try o.ok("note", t, "My own note")
        let shown = try o.ok("show", t)
        #expect(shown.contains("Gen. Boss (EUMS, entered by Col. Dupont): Agreed in principle"), "\(shown)")
        #expect(shown.contains("Col. Dupont (EUMS): My own note"), "\(shown)")
        let json = try o.ok("show", t, "--json")
        #expect(json.contains("\"entered_by\" : \"Col. Dupont\"") && json.contains("\"entered_by\" : null"), "\(json)")
        #expect(try author.ok("show", t).contains("Gen. Boss (EUMS): Agreed in principle"), "the author's own replica")
    }

    @Test func exportThenImportGivesTheSamePlan() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let a = try o.run("add", "Parent task", "--area", "Military Mobility", "--tag", "x").firstLine
        try o.ok("add", "Follow-on task", "--area", "Medical Cooperation", "--follows", a, "--description", "line 1\nline 2, \"quoted\"")
        try o.ok("note", a, "A note", "--releasable", "EUMS")
        try o.ok("conference", "add", "20", "--date", "2023-12-01", "--host", "EUMS")
        try o.ok("agenda", "add", "20", "Item", "--task", a)
        let file = tmp.child("plan.json").path
        try o.ok("export", "--output", file)

        let fresh = Officer(dir: tmp.child("other").path)
        try fresh.ok("init", "--staff", "EUMS", "--user", "Col. Dupont")
        let imported = try fresh.run("import", file)
        #expect(imported.status == 0, "\(imported)")
        #expect(try fresh.ok("export") == o.ok("export"))
        // Importing again changes nothing.
        try fresh.ok("import", file)
        #expect(try fresh.ok("export") == o.ok("export"))
        // From a pipe too (the bad-input tester: "permission denied").
        let third = Officer(dir: tmp.child("third").path)
        try third.ok("init", "--staff", "EUMS", "--user", "Col. Dupont")
        let piped = try CLI.run("workplan", ["import", "/dev/stdin", "--dir", third.dir], stdin: try String(contentsOfFile: file, encoding: .utf8))
        #expect(piped.status == 0, "\(piped)")
        #expect(try third.ok("export") == o.ok("export"))

        let csv = try o.ok("export", "--format", "csv")
        let lines = csv.split(separator: "\r\n")
        #expect(lines.first?.hasPrefix("id,short_id,title,area") == true)
        #expect(csv.contains("\"line 1\nline 2, \"\"quoted\"\"\""))
        // Tags share a cell: one holding a ';' is quoted, so it reads apart from two tags.
        let c = try o.run("add", "Tagged", "--area", "Military Mobility", "--tag", "c;d").firstLine
        let cd = try o.run("add", "Tagged twice", "--area", "Military Mobility", "--tag", "c", "--tag", "d").firstLine
        let rows = try o.ok("export", "--format", "csv").split(separator: "\r\n")
        let tagCells = [c, cd].map { id in rows.first { $0.contains(",\(id),") }.map(String.init) ?? "" }
        #expect(tagCells[0].contains(",\"\"\"c;d\"\"\",") && tagCells[1].contains(",c;d,"), "\(tagCells)")
    }

    /// A plan whose state must not move when a command is refused.
    func snapshot(_ o: Officer) throws -> String {
        try o.ok("export") + String(try o.json(StatusJSON.self, "status").pending)
    }

    @Test func badInputIsRefusedClearlyAndChangesNothing() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let t = try o.run("add", "Existing task", "--area", "Military Mobility").firstLine
        try o.ok("conference", "add", "20", "--date", "2023-12-01", "--host", "EUMS")
        let before = try snapshot(o)

        func refused(_ args: [String], mentions text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try o.run(args)
            #expect(r.status != 0, "\(args) should fail", sourceLocation: sourceLocation)
            #expect(r.stderr.lowercased().contains(text.lowercased()), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
        }
        try refused(["add", "T", "--area", "Space"], mentions: "known areas: Medical Cooperation, Military Mobility")
        try refused(["add", "T", "--area", "Military Mobility", "--status", "finished"], mentions: "status must be one of")
        try refused(["add", "T", "--area", "Military Mobility", "--priority", "urgent"], mentions: "priority must be one of")
        try refused(["add", "T", "--area", "Military Mobility", "--due", "2023-02-30"], mentions: "due must be a date")
        try refused(["add", "T", "--area", "Military Mobility", "--due", "tomorrow"], mentions: "due must be a date")
        try refused(["add", "T", "--area", "Military Mobility", "--due", "9999-12-31"], mentions: "from 1900-01-01 to 2999-12-31 (got '9999-12-31')")
        try refused(["add", "  ", "--area", "Military Mobility"], mentions: "title must not be empty")
        try refused(["add", "T"], mentions: "--area is required")
        try refused(["add", "T", "--area", "Military Mobility", "--conference", "99"], mentions: "no conference 99")
        try refused(["add", "T", "--area", "Military Mobility", "--follows", "ffff0000"], mentions: "no task with id ffff0000")
        try refused(["add", "T", "--area", "Military Mobility", "--releasable", "NATO"], mentions: "releasable must be one of")
        try refused(["edit", "ffff0000", "--status", "done"], mentions: "no task with id ffff0000")
        try refused(["edit", "xyz", "--status", "done"], mentions: "not a task id")
        try refused(["edit", t, "--status", "finished"], mentions: "status must be one of")
        try refused(["edit", t], mentions: "nothing to change")
        try refused(["edit", t, "--follows", t], mentions: "cannot refer to itself in 'follows'")
        try refused(["export", "--output", tmp.child("no-such-folder/plan.json").path], mentions: "the folder")
        try refused(["show", "zz"], mentions: "not a task id")
        try refused(["note", t, ""], mentions: "text must not be empty")
        try refused(["conference", "add", "20", "--date", "2023-12-01", "--host", "EUMS"], mentions: "already exists")
        try refused(["conference", "add", "22", "--date", "2024-13-01", "--host", "EUMS"], mentions: "date must be a date")
        try refused(["conference", "add", "22", "--date", "2024-06-01", "--host", "NATO"], mentions: "host must be one of")
        try refused(["conference", "show", "7"], mentions: "no conference 7")
        try refused(["agenda", "add", "9", "Topic"], mentions: "no conference 9")
        try refused(["agenda", "add", "20", "Topic", "--task", "ffff0000"], mentions: "no task with id")
        try refused(["area", "add", "military mobility"], mentions: "already exists")
        // An id no record has: every kind is searched, none may fail on its own columns.
        try refused(["history", "ffff0000"], mentions: "no record with id ffff0000")
        try refused(["history", "Nope"], mentions: "neither a record's id (4 or more of its hex digits), an area's name nor a conference's number")
        try refused(["import", tmp.child("missing.json").path], mentions: "cannot read")
        let junk = tmp.child("junk.json")
        try Data("{\"format\": \"something-else\", \"records\": []}".utf8).write(to: junk)
        try refused(["import", junk.path], mentions: "not a WorkPlan export")
        try Data("not json".utf8).write(to: junk)
        try refused(["import", junk.path], mentions: "not a WorkPlan export")
        #expect(try snapshot(o) == before)
        // No replica at all.
        let none = Officer(dir: tmp.child("nowhere").path)
        let r = try none.run("list")
        #expect(r.status != 0 && r.stderr.contains("no replica"))
    }

    /// Without --dir or $WORKPLAN_HOME the replica is ~/.workplan, with ~ taken from $HOME.
    @Test func theDefaultReplicaFolderIsUnderHOME() throws {
        let tmp = try TemporaryDirectory()
        // Read-only, so a run that looked elsewhere changes nothing there.
        let r = try CLI.run("workplan", ["status"], env: ["HOME": tmp.path, "WORKPLAN_HOME": ""])
        #expect(r.status != 0 && r.stderr.contains("no replica in \(tmp.path)/.workplan"), "\(r)")
    }

    @Test func ambiguousPrefixesListTheCandidates() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let area = RecordID.area(named: "Gender Perspectives")
        let plan = """
        {"format": "workplan-export/1", "records": [
          {"id": "\(area)", "kind": "area", "fields": {"name": "Gender Perspectives"}, "created_at": "2023-12-01T00:00:00Z"},
          {"id": "abcd1111-0000-4000-8000-000000000001", "kind": "task", "created_at": "2023-12-01T00:00:00Z",
           "fields": {"title": "First", "area": "\(area)", "lead": "EUMS", "status": "open", "priority": "low", "releasable": "both"}},
          {"id": "abcd2222-0000-4000-8000-000000000002", "kind": "task", "created_at": "2023-12-01T00:00:00Z",
           "fields": {"title": "Second", "area": "\(area)", "lead": "IMS", "status": "open", "priority": "low", "releasable": "both"}}
        ]}
        """
        let file = tmp.child("plan.json")
        try Data(plan.utf8).write(to: file)
        try o.ok("import", file.path)
        let r = try o.run("show", "abcd")
        #expect(r.status != 0)
        #expect(r.stderr.contains("ambiguous"))
        #expect(r.stderr.contains("abcd1111") && r.stderr.contains("abcd2222"))
        #expect(try o.json(TaskJSON.self, "show", "abcd2").title == "Second")
    }

    @Test func statusReportsPendingWork() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try o.ok("add", "T", "--area", "Military Mobility")
        let s = try o.json(StatusJSON.self, "status")
        #expect(s.pending == 3)
        #expect(s.conflicts == 0)
        #expect(s.last_sync == nil)
        #expect(s.server == nil)
    }
}
