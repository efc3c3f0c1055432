import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport

/// Issue 5 end to end: an EUMS editor, an IMS editor and an IMS viewer, real processes over TLS.
@Suite("Roles, releasability and revocation, end to end")
struct AccessEndToEndTests {
    /// The scenario plus an IMS viewer.
    final class Staffs: @unchecked Sendable {
        let s: SyncScenario
        let viewer: Officer
        let viewerBundle: EnrolmentBundle
        init() throws {
            s = try SyncScenario()
            let path = try s.server.enrol("Maj. V. Viewer", staff: "IMS", role: "viewer", in: s.tmp)
            viewerBundle = try JSONDecoder().decode(EnrolmentBundle.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            viewer = Officer(dir: s.tmp.child("viewer").path)
            try viewer.ok("join", path)
        }
        func bundle(of name: String) throws -> EnrolmentBundle {
            let path = s.tmp.file("\(name.filter { $0.isLetter || $0.isNumber })-bundle.json")
            return try JSONDecoder().decode(EnrolmentBundle.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        var imsSide: [Officer] { [s.ims, viewer] }
    }

    /// Everything an IMS user can read, as text: export, list, conflicts, history of `ids`.
    func everythingVisible(_ o: Officer, ids: [String]) throws -> String {
        var text = try o.ok("export") + o.ok("list", "--json") + o.ok("conflicts", "--json")
        for id in ids { text += (try o.run("history", id, "--json")).stdout }
        return text
    }

    @Test func staffOnlyRecordsNeverReachTheOtherStaff() throws {
        let st = try Staffs()
        let s = st.s
        let shared = try s.sharedTask()
        let secret = try s.eums.run("add", "EUMS internal planning", "--area", "Military Mobility", "--releasable", "EUMS").firstLine
        try s.eums.ok("note", secret, "EUMS-only note on an EUMS-only task")
        try s.eums.ok("note", shared, "EUMS-only note on a shared task", "--releasable", "EUMS")
        try s.eums.ok("note", shared, "A note for both")
        try s.eums.ok("edit", secret, "--status", "blocked")
        try s.converge([s.eums, s.ims, st.viewer], equal: st.imsSide)
        for o in st.imsSide {
            let seen = try everythingVisible(o, ids: [shared])
            #expect(!seen.contains("EUMS internal planning"))
            #expect(!seen.contains("EUMS-only note"))
            #expect(seen.contains("A note for both"))
            #expect(try o.run("show", secret).status != 0)
            #expect(try o.run("history", secret).status != 0)
        }
        #expect(try s.eums.json(TaskJSON.self, "show", secret).notes?.count == 1)
    }

    @Test func withdrawingAndGrantingReleasability() throws {
        let st = try Staffs()
        let s = st.s
        let t = try s.sharedTask()
        try s.ims.ok("note", t, "IMS note on a task that will be withdrawn")
        try s.converge([s.eums, s.ims, st.viewer], equal: st.imsSide)
        #expect(try s.ims.json(TaskJSON.self, "show", t).title == "Harmonise cross-border movement permissions")

        // Both → EUMS only: it leaves the IMS replicas, notes and history with it.
        try s.eums.ok("edit", t, "--releasable", "EUMS")
        try s.eums.ok("sync")
        for o in st.imsSide {
            try o.ok("sync")
            #expect(try o.run("show", t).status != 0)
            let seen = try everythingVisible(o, ids: [])
            #expect(!seen.contains("Harmonise cross-border"))
            #expect(!seen.contains("IMS note on a task that will be withdrawn"))
        }
        // Changed while withdrawn: IMS must not see the new title either.
        try s.eums.ok("edit", t, "--title", "Harmonise permissions (EUMS draft)")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        #expect(try !everythingVisible(s.ims, ids: []).contains("EUMS draft"))

        // EUMS only → both: it arrives whole, with its notes.
        try s.eums.ok("edit", t, "--releasable", "both")
        try s.eums.ok("sync")
        for o in st.imsSide {
            try o.ok("sync")
            let shown = try o.json(TaskJSON.self, "show", t)
            #expect(shown.title == "Harmonise permissions (EUMS draft)")
            #expect(shown.releasable == "both")
            #expect(shown.notes?.map(\.text) == ["IMS note on a task that will be withdrawn"])
        }
        try s.converge([s.eums, s.ims, st.viewer], equal: st.imsSide)
    }

    /// IMS retitles a shared task and writes a note on it, not yet synced, while EUMS makes
    /// the task EUMS-only and syncs.
    static func taskWithdrawnUnderWaitingEdits() throws -> (SyncScenario, String) {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.ims.ok("edit", t, "--title", "IMS title")
        try s.ims.ok("note", t, "IMS progress note")
        try s.eums.ok("edit", t, "--releasable", "EUMS")
        try s.eums.ok("sync")
        return (s, t)
    }

    /// The officer's edits of a task withdrawn from their staff before they synced are
    /// kept and listed (DESIGN.md rule 5), not silently dropped.
    @Test func editsOfARecordWithdrawnMeanwhileAreSetAsideAndListed() throws {
        let (s, t) = try Self.taskWithdrawnUnderWaitingEdits()

        let r = try s.ims.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("2 of your edits could not be sent"), "\(r.stdout)")
        struct Status: Decodable {
            struct Edit: Decodable {
                var record: String; var kind: String; var action: String; var field: String?; var reason: String
                var fields: [String: JSONValue]?
            }
            var pending: Int
            var set_aside: [Edit]
        }
        let status = try s.ims.json(Status.self, "status")
        #expect(status.pending == 0)
        #expect(status.set_aside.map(\.action) == ["set", "create"], "\(status.set_aside)")
        #expect(status.set_aside.first?.field == "title")
        #expect(status.set_aside.first?.record == t)
        #expect(status.set_aside.last?.kind == "note")
        #expect(status.set_aside.allSatisfy { $0.reason.contains("no longer releasable to IMS") })
        // The note's own words are shown, not only kept (before, no command showed them).
        #expect(status.set_aside.last?.fields?["text"] == .text("IMS progress note"))
        let text = try s.ims.ok("status")
        #expect(text.contains("IMS title") && text.contains("text: \"IMS progress note\""), "\(text)")
        #expect(try s.ims.run("show", t).status != 0)
    }

    /// Shared again, the task brings back the edits set aside when it was withdrawn: they
    /// are sent in the same sync and reach EUMS (they stayed set aside for good, with a
    /// reason no longer true, and no way to send them).
    @Test func editsSetAsideGoOutWhenTheRecordIsSharedAgain() throws {
        let (s, t) = try Self.taskWithdrawnUnderWaitingEdits()
        #expect(try s.ims.ok("sync").contains("2 of your edits could not be sent"))

        try s.eums.ok("edit", t, "--releasable", "both")
        try s.eums.ok("sync")
        let r = try s.ims.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("2 of your edits set aside earlier went out"), "\(r.stdout)")
        struct Status: Decodable {
            struct Edit: Decodable { var action: String; var reason: String }
            var pending: Int
            var set_aside: [Edit]
        }
        let status = try s.ims.json(Status.self, "status")
        #expect(status.pending == 0 && status.set_aside.isEmpty, "\(status)")
        try s.converge()
        for o in [s.eums, s.ims] {
            let task = try o.json(TaskJSON.self, "show", t)
            #expect(task.title == "IMS title")
            #expect(task.notes?.map(\.text) == ["IMS progress note"])
            #expect(task.notes?.map(\.author) == ["Lt Col. B. Smith"])
        }
    }

    /// A task created here that refers to a withdrawn task is set aside with its note; shared
    /// again, the task it refers to brings back the create, and the create its note (the
    /// note stayed set aside for good: it names the new task, not the shared one).
    @Test func aCreateSetAsideComesBackWithItsNotes() throws {
        let s = try SyncScenario()
        let p = try s.sharedTask()
        let t = try s.ims.run("add", "Follow-on by IMS", "--area", "Military Mobility", "--follows", p).firstLine
        try s.ims.ok("note", t, "Note on the follow-on")
        try s.eums.ok("edit", p, "--releasable", "EUMS")
        try s.eums.ok("sync")
        #expect(try s.ims.ok("sync").contains("2 of your edits could not be sent"))
        try s.eums.ok("edit", p, "--releasable", "both")
        try s.eums.ok("sync")
        #expect(try s.ims.ok("sync").contains("2 of your edits set aside earlier went out"))
        try s.converge()
        for o in [s.eums, s.ims] {
            let task = try o.json(TaskJSON.self, "show", t)
            #expect(task.follows?.hasPrefix(p) == true)
            #expect(task.notes?.map(\.text) == ["Note on the follow-on"])
        }
    }

    /// A link set aside, then set again by the same officer and sent: shared again, the old
    /// value stays set aside (sent, it met the officer's own later value as a conflict).
    @Test func aValueSetAgainSinceStaysSetAside() throws {
        let s = try SyncScenario()
        let x = try s.sharedTask()
        let p = try s.eums.run("add", "Withdrawn for a while", "--area", "Military Mobility").firstLine
        let q = try s.eums.run("add", "Chosen instead", "--area", "Military Mobility").firstLine
        try s.converge()
        try s.ims.ok("edit", x, "--follows", p)
        try s.eums.ok("edit", p, "--releasable", "EUMS")
        try s.eums.ok("sync")
        #expect(try s.ims.ok("sync").contains("1 of your edits could not be sent"))
        try s.ims.ok("edit", x, "--follows", q)
        try s.ims.ok("sync")
        try s.eums.ok("edit", p, "--releasable", "both")
        try s.eums.ok("sync")
        let r = try s.ims.ok("sync")
        #expect(!r.contains("went out") && r.contains("no open conflicts"), "\(r)")
        #expect(try s.ims.ok("status").contains("you set follows again since"))
        try s.converge()
        for o in [s.eums, s.ims] { #expect(try o.json(TaskJSON.self, "show", x).follows?.hasPrefix(q) == true) }
    }

    /// An EUMS-only note written on a task IMS deleted meanwhile: the conflict it opens on
    /// the task reaches EUMS only; IMS learns nothing of the note (not even that one exists).
    @Test func aStaffOnlyNoteThatMetADeleteIsAConflictOnlyItsStaffSees() throws {
        let s = try SyncScenario()
        let t = try s.sharedTaskDeleted(by: s.ims)
        try s.eums.ok("note", t, "EUMS internal: assessment attached", "--releasable", "EUMS")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        #expect(try s.eums.json([ConflictJSON].self, "conflicts").count == 1)
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").isEmpty, "IMS is not told of an EUMS-only note")
        let imsStatus = try s.ims.ok("status") + (try s.ims.ok("conflicts"))
        #expect(!imsStatus.contains("note added") && !imsStatus.contains("Dupont"), "\(imsStatus)")
        // Bringing the task back with the note: IMS sees the task again, never the note.
        try s.eums.ok("resolve", t, "deleted", "--mine")
        try s.converge([s.eums, s.ims], equal: [])
        #expect(try s.ims.json(TaskJSON.self, "show", t).notes?.isEmpty == true)
        #expect(try s.eums.json(TaskJSON.self, "show", t).notes?.count == 1)
    }

    /// IMS deletes a task that has an EUMS-only note: the note says nothing to IMS (no
    /// conflict, which would tell them it exists); the delete goes through.
    @Test func aNoteIMSCannotSeeDoesNotStopItsDelete() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("note", t, "EUMS internal", "--releasable", "EUMS")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.ims.ok("delete", t)
        try s.ims.ok("sync")
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").isEmpty)
        try s.eums.ok("sync")
        #expect(try s.eums.run("show", t).status != 0)
    }

    /// An old export imported after one of its tasks was withdrawn from the officer's staff
    /// no longer creates that task here again (the round-trip tester: a withdrawal is as a
    /// delete, and the task came back until the next sync set it aside). A replica that had
    /// not heard of the withdrawal creates it; the server refuses the create (the task is
    /// there, not releasable to them): it is set aside, and everything else still syncs
    /// (before, every later sync failed for good).
    @Test func aWithdrawnTaskImportedAgainIsSetAsideAndTheRestSyncs() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        let old = s.tmp.file("ims-old-export.json")
        try s.ims.ok("export", "--output", old)
        try s.eums.ok("edit", t, "--releasable", "EUMS")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        #expect(try s.ims.run("show", t).status != 0, "withdrawn from IMS")
        let imported = try s.ims.ok("import", old)
        #expect(imported.contains("0 records created") && imported.contains("left out 1 record only EUMS may see"), "\(imported)")
        #expect(try s.ims.run("show", t).status != 0, "still withdrawn")

        let unaware = Officer(dir: s.tmp.child("unaware").path)
        try unaware.ok("init", "--staff", "IMS", "--user", "Cdr. K. Jansen")
        try unaware.ok("import", old)
        try unaware.ok("join", try s.server.enrol("Cdr. K. Jansen", staff: "IMS", in: s.tmp))
        let later = try unaware.ok("add", "IMS follow-up", "--area", "Military Mobility").split(separator: "\n")[0]

        let r = try unaware.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("of your edits could not be sent"), "\(r.stdout)")
        #expect(try unaware.ok("status").contains("no longer releasable to IMS"))
        #expect(try unaware.run("show", t).status != 0)
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", String(later)).title == "IMS follow-up", "the rest reached the server")
        #expect(try s.eums.json(TaskJSON.self, "show", t).releasable == "EUMS", "the EUMS-only task is untouched")
    }

    /// An edit that refers to a task withdrawn from the officer's staff is set aside; the
    /// rest of their edits still reach the server (before, every sync failed for good).
    @Test func anEditReferringToAWithdrawnRecordIsSetAsideAndTheRestSyncs() throws {
        let s = try SyncScenario()
        let a = try s.sharedTask()
        let b = try s.eums.run("add", "Task B", "--area", "Military Mobility").firstLine
        let c = try s.eums.run("add", "Task C", "--area", "Military Mobility").firstLine
        try s.converge()
        try s.ims.ok("edit", a, "--follows", b)
        try s.ims.ok("edit", c, "--title", "C edited by IMS")
        try s.eums.ok("edit", b, "--releasable", "EUMS")
        try s.eums.ok("sync")

        let r = try s.ims.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(try s.ims.json(StatusJSON.self, "status").pending == 0)
        #expect(try s.ims.ok("status").contains("refers to task \(b)"))
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", c).title == "C edited by IMS")
        #expect(try s.eums.json(TaskJSON.self, "show", a).follows == nil)
        // IMS's own view of the edit set aside falls back to the server's value.
        #expect(try s.ims.json(TaskJSON.self, "show", a).follows == nil)
        #expect(try s.ims.json(TaskJSON.self, "show", c).title == "C edited by IMS")
    }

    /// The bad-input tester: another server's bundle (another CA) made with this server's
    /// address was taken by `join` on an enrolled replica, and every sync then failed on the
    /// server's certificate until the old bundle was joined again. It is refused.
    @Test func aBundleFromAnotherServerIsRefusedForItsCA() throws {
        let s = try SyncScenario()
        try s.eums.ok("sync")
        let other = try ServerProcess(home: s.tmp.child("other-server").path)
        let foreign = s.tmp.file("foreign.bundle")
        let made = try other.admin("user", "add", "Col. A. Dupont", "--staff", "EUMS", "--role", "editor",
                                   "--out", foreign, "--server-url", s.server.url)
        #expect(made.status == 0, "\(made)")
        let before = try s.eums.ok("export")
        let bundleBefore = try String(contentsOfFile: s.eums.dir + "/enrolment.json", encoding: .utf8)
        let r = try s.eums.run("join", foreign)
        #expect(r.status != 0 && r.stderr.contains("the bundle comes from another server (another CA)"), "\(r)")
        #expect(try String(contentsOfFile: s.eums.dir + "/enrolment.json", encoding: .utf8) == bundleBefore)
        #expect(try s.eums.ok("export") == before)
        #expect(try s.eums.run("sync").status == 0, "still syncs with its own server")

        // The docs tester: another server's bundle at another address (a server set up anew
        // after its keys were lost) was answered with the address, and the advice to give
        // --server with the old one; the CA is the reason.
        let elsewhere = s.tmp.file("elsewhere.bundle")
        #expect(try other.admin("user", "revoke", "Col. A. Dupont").status == 0)
        let moved = try other.admin("user", "add", "Col. A. Dupont", "--staff", "EUMS", "--role", "editor",
                                    "--out", elsewhere, "--server-url", "https://127.0.0.1:18443")
        #expect(moved.status == 0, "\(moved)")
        let refused = try s.eums.run("join", elsewhere)
        #expect(refused.status != 0 && refused.stderr.contains("the bundle comes from another server (another CA)"), "\(refused)")
        #expect(!refused.stderr.contains("--server"), "\(refused)")
        #expect(try String(contentsOfFile: s.eums.dir + "/enrolment.json", encoding: .utf8) == bundleBefore)
    }

    /// The docs tester: after a synced task was deleted, `agenda list` and `conference
    /// show` still listed it among an item's tasks while `show` said there was no such task.
    /// The item keeps the id (exports hold it); both replicas' lists mark it deleted.
    @Test func anAgendaItemMarksATaskDeletedSince() throws {
        let s = try SyncScenario()
        let gone = try s.sharedTask()
        let kept = try s.eums.run("add", "Kept", "--area", "Military Mobility").firstLine
        try s.eums.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "EUMS")
        try s.eums.ok("agenda", "add", "21", "Progress", "--task", gone, "--task", kept)
        try s.converge()
        try s.ims.ok("delete", gone)
        try s.converge()
        for officer in [s.eums, s.ims] {
            for out in [try officer.ok("agenda", "list", "21"), try officer.ok("conference", "show", "21")] {
                #expect(out.contains("[tasks: \(gone) (deleted), \(kept)]") || out.contains("[tasks: \(kept), \(gone) (deleted)]"), "\(out)")
            }
        }
    }

    /// The round-trip tester (high): a replica rebuilt from an export (init, import, join,
    /// sync) in which a shared task follows on from a task the other staff withdrew since
    /// never showed the shared task: its create was set aside whole for the link, and the
    /// task left the view although the server holds it. Only the link is set aside now.
    @Test func aRebuiltReplicaKeepsASharedTaskWhoseLinkWasWithdrawn() throws {
        let s = try SyncScenario()
        try s.ims.ok("area", "add", "Military Mobility")
        let withdrawn = try s.ims.run("add", "IMS task later withdrawn", "--area", "Military Mobility").firstLine
        let shared = try s.ims.run("add", "Kept shared", "--area", "Military Mobility", "--follows", withdrawn).firstLine
        let other = try s.ims.run("add", "Another shared task", "--area", "Military Mobility").firstLine
        try s.converge()
        let stale = s.tmp.file("stale.json")
        try s.eums.ok("export", "--output", stale)
        try s.ims.ok("edit", withdrawn, "--releasable", "IMS")
        // The review: a link changed after the export was shown as the file's, less the
        // withdrawn task (none), not as the server's.
        try s.ims.ok("edit", shared, "--follows", other)
        try s.converge(equal: [s.eums])

        let rebuilt = Officer(dir: s.tmp.child("rebuilt").path)
        try rebuilt.ok("init", "--staff", "EUMS", "--user", "Maj. C. Martin")
        try rebuilt.ok("import", stale)
        try rebuilt.ok("join", try s.server.enrol("Maj. C. Martin", staff: "EUMS", in: s.tmp))
        let synced = try rebuilt.run("sync")
        #expect(synced.status == 0, "\(synced)")
        #expect(try rebuilt.json(TaskJSON.self, "show", shared).title == "Kept shared")
        #expect(try rebuilt.json(TaskJSON.self, "show", shared).follows?.hasPrefix(other) == true, "the server's link")
        #expect(try rebuilt.run("show", withdrawn).status != 0)
        #expect(try rebuilt.ok("status").contains("refers to task \(withdrawn)"), "the link is kept, set aside")
        try rebuilt.ok("sync")
        #expect(try rebuilt.ok("export") == s.eums.ok("export"), "the same plan as the other EUMS replica")

        // The same stale export imported where the withdrawal was pulled brought the task back
        // ("1 record created, 1 updated") until the next sync set it aside: a withdrawal is
        // as a delete, and the task stays out, with the link to it.
        let before = try s.eums.ok("export")
        let again = try s.eums.run("import", stale)
        #expect(again.status == 0 && again.stdout.contains("0 records created, 0 updated"), "\(again)")
        #expect(try s.eums.ok("export") == before)
        let sync = try s.eums.run("sync")
        #expect(sync.status == 0 && !sync.stdout.contains("could not be sent"), "\(sync)")
    }

    /// An agenda item covering a task withdrawn meanwhile is refused by the server, as a
    /// `follows` is: it is set aside with the reason, and the rest still syncs.
    @Test func anAgendaItemCoveringAWithdrawnTaskIsSetAsideAndTheRestSyncs() throws {
        let s = try SyncScenario()
        let a = try s.sharedTask()
        let b = try s.eums.run("add", "Task B", "--area", "Military Mobility").firstLine
        try s.eums.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "EUMS")
        try s.converge()
        try s.ims.ok("agenda", "add", "21", "Covers B", "--task", b)
        try s.ims.ok("edit", a, "--title", "A edited by IMS")
        try s.eums.ok("edit", b, "--releasable", "EUMS")
        try s.eums.ok("sync")

        let r = try s.ims.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(try s.ims.json(StatusJSON.self, "status").pending == 0)
        #expect(try s.ims.ok("status").contains("refers to task \(b)"))
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", a).title == "A edited by IMS")
        #expect(!(try s.eums.ok("agenda", "list", "21").contains("Covers B")))
        // Shared again, task B brings the agenda item set aside back (the review: a link
        // set's tasks were not looked at, and it stayed set aside for good).
        try s.eums.ok("edit", b, "--releasable", "both")
        try s.eums.ok("sync")
        #expect(try s.ims.ok("sync").contains("set aside earlier went out"))
        try s.converge()
        #expect(try s.eums.ok("agenda", "list", "21").contains("Covers B"))
    }

    /// The third tester and the review: an agenda item naming a task deleted before it was
    /// ever sent was refused by the server, set aside (saying the task was "not releasable"
    /// to the officer's own staff) and left the plan. The deleted task now leaves the item,
    /// and the item syncs.
    @Test func aTaskDeletedBeforeItWasSentLeavesTheAgendaItemsCoveringIt() throws {
        let s = try SyncScenario()
        let kept = try s.sharedTask()
        try s.eums.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "EUMS")
        let t = try s.eums.run("add", "Short-lived", "--area", "Military Mobility").firstLine
        let follower = try s.eums.run("add", "Follows it", "--area", "Military Mobility", "--follows", t).firstLine
        try s.eums.ok("agenda", "add", "21", "Covers it", "--task", t, "--task", kept)
        try s.eums.ok("delete", t)
        #expect(try s.eums.run("sync").status == 0)
        #expect(!(try s.eums.ok("status")).contains("set aside"))
        try s.converge()
        for o in [s.eums, s.ims] {
            struct Item: Decodable { var topic: String; var tasks: [String] }
            let items = try o.json([Item].self, "agenda", "list", "21")
            #expect(items.map(\.topic) == ["Covers it"] && items.first?.tasks.map { String($0.prefix(8)) } == [kept])
            #expect(try o.json(TaskJSON.self, "show", follower).follows == nil)
        }
    }

    /// A task created offline that refers to a task withdrawn meanwhile: the create (with
    /// the note on it) is set aside and leaves the view, since the server never had it;
    /// the replica goes on syncing its other edits.
    @Test func aCreateReferringToAWithdrawnRecordIsSetAsideWithItsNotes() throws {
        let s = try SyncScenario()
        let b = try s.sharedTask()
        let other = try s.eums.run("add", "Another task", "--area", "Military Mobility").firstLine
        try s.converge()
        let t = try s.ims.run("add", "Follow-on of B", "--area", "Military Mobility", "--follows", b).firstLine
        try s.ims.ok("note", t, "IMS note on the follow-on")
        try s.eums.ok("edit", b, "--releasable", "EUMS")
        try s.eums.ok("sync")

        #expect(try s.ims.run("sync").status == 0)
        #expect(try s.ims.run("show", t).status != 0, "the create left the view")
        #expect(try s.ims.json(StatusJSON.self, "status").pending == 0)
        let status = try s.ims.ok("status")
        #expect(status.contains("Follow-on of B") && status.contains("note on Follow-on of B"), "\(status)")
        try s.ims.ok("edit", other, "--owner", "Cdr. K. Jansen")
        #expect(try s.ims.run("sync").status == 0, "later edits still sync")
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", other).owner == "Cdr. K. Jansen")
    }

    /// An officer who never had a record is not told it was withdrawn from them.
    @Test func aNewReplicaIsNotToldOfWithdrawalsOfRecordsItNeverHad() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--releasable", "EUMS")
        try s.eums.ok("sync")
        let newcomer = try SyncScenario.join(s.server, s.tmp, "Maj. N. Newcomer", staff: "IMS", dir: "newcomer")
        let r = try newcomer.ok("sync")
        #expect(!r.contains("withdrawn"), "\(r)")
        #expect(try s.ims.ok("sync").contains("1 record withdrawn"))
    }

    /// The black-box tester: an edit pointing at the officer's own new task, set aside because
    /// that task's create was (it follows an IMS task withdrawn meanwhile), said the EUMS
    /// task "is not releasable to EUMS".
    @Test func anEditOfAnOwnTaskSetAsideWithItSaysSo() throws {
        let s = try SyncScenario()
        try s.ims.ok("area", "add", "Medical Cooperation")
        let imsTask = try s.ims.run("add", "IMS-originated", "--area", "Medical Cooperation").firstLine
        let other = try s.ims.run("add", "Other shared", "--area", "Medical Cooperation").firstLine
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        let mine = try s.eums.run("add", "EUMS follow-on", "--area", "Medical Cooperation", "--follows", imsTask).firstLine
        try s.eums.ok("edit", other, "--follows", mine)
        try s.ims.ok("edit", imsTask, "--releasable", "IMS")
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        let status = try s.eums.ok("status")
        #expect(status.contains("it refers to task \(mine), made here and set aside too (it refers to a record no longer releasable to EUMS)"), "\(status)")
    }

    /// The black-box tester: a viewer's `conflicts` told it to `resolve`, which it may not.
    @Test func aViewerIsNotShownAResolveCommand() throws {
        let st = try Staffs()
        let s = st.s
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--status", "blocked")
        try s.ims.ok("edit", t, "--status", "done")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try st.viewer.ok("sync")
        let shown = try st.viewer.ok("conflicts")
        #expect(shown.contains("proposed: done"), "\(shown)")
        #expect(shown.contains("an editor resolves it") && !shown.contains("workplan resolve"), "\(shown)")
        #expect(try s.ims.ok("conflicts").contains("workplan resolve"))
    }

    @Test func viewersAreRefusedLocallyAndByTheServer() async throws {
        let st = try Staffs()
        let s = st.s
        let t = try s.sharedTask()
        try st.viewer.ok("sync")
        let before = try st.viewer.ok("export")
        let local = try st.viewer.run("edit", t, "--status", "done")
        #expect(local.status != 0)
        #expect(local.stderr.contains("viewer and may not change the plan"), "\(local.stderr)")
        #expect(try st.viewer.ok("export") == before)
        #expect(try st.viewer.json(StatusJSON.self, "status").pending == 0)

        // The same edit, hand-made, straight to the server.
        let client = try TestHTTPSClient(bundle: st.viewerBundle, baseURL: s.server.url)
        let maxBefore = try await client.pull(after: 0).decode(PullResponse.self).maxSeq
        let op = PlanOperation(record: try s.eums.json(TaskJSON.self, "show", t).id, kind: .task, action: .set,
                               field: "status", value: .text("done"), baseRev: maxBefore, at: 0)
        let reply = try await client.push(PushRequest(batchId: RecordID.random(), ops: [op]))
        #expect(reply.status == 403)
        #expect(reply.error?.message.contains("viewer and may not change the plan") == true, "\(reply.text)")
        #expect(try await client.pull(after: 0).decode(PullResponse.self).maxSeq == maxBefore, "nothing stored")
        await client.shutdown()
    }

    @Test func anIMSEditorCannotEditAnEUMSOnlyRecordEvenByGuessingItsId() async throws {
        let st = try Staffs()
        let s = st.s
        _ = try s.sharedTask()
        let secret = try s.eums.run("add", "EUMS internal planning", "--area", "Military Mobility", "--releasable", "EUMS").firstLine
        try s.eums.ok("sync")
        let fullID = try s.eums.json(TaskJSON.self, "show", secret).id
        let client = try TestHTTPSClient(bundle: try st.bundle(of: "Lt Col. B. Smith"), baseURL: s.server.url)
        let maxBefore = try await client.pull(after: 0).decode(PullResponse.self).maxSeq
        for op in [
            PlanOperation(record: fullID, kind: .task, action: .set, field: "status", value: .text("done"), baseRev: maxBefore, at: 0),
            PlanOperation(record: fullID, kind: .task, action: .set, field: "releasable", value: .text("both"), baseRev: maxBefore, at: 0),
            PlanOperation(record: fullID, kind: .task, action: .delete, baseRev: maxBefore, at: 0),
            PlanOperation(record: RecordID.random(), kind: .note, action: .create,
                          fields: ["task": .text(fullID), "text": .text("peek"), "author": .text("Lt Col. B. Smith"),
                                   "staff": .text("IMS"), "releasable": .text("both")], baseRev: 0, at: 0),
        ] {
            let reply = try await client.push(PushRequest(batchId: RecordID.random(), ops: [op]))
            #expect(reply.status == 403, "\(op.action) \(op.field ?? ""): \(reply.text)")
            #expect(reply.error?.code == .forbidden)
            #expect(!reply.text.contains("EUMS internal planning"), "the refusal reveals nothing")
        }
        #expect(try await client.pull(after: 0).decode(PullResponse.self).maxSeq == maxBefore, "nothing stored")
        await client.shutdown()
        // And the IMS client refuses to make a record EUMS-only in the first place.
        let r = try s.ims.run("add", "Sneaky", "--area", "Military Mobility", "--releasable", "EUMS")
        #expect(r.status != 0 && r.stderr.contains("may not make a record releasable to EUMS only"), "\(r)")
        try s.converge(equal: [])
        #expect(try s.eums.json(TaskJSON.self, "show", secret).status == "open")
    }

    @Test func revokedOfficersSyncFailsAndTheirEditsStay() throws {
        let st = try Staffs()
        let s = st.s
        let t = try s.sharedTask()
        try s.ims.ok("edit", t, "--owner", "Cdr. K. Jansen")
        let revoke = try s.server.admin("user", "revoke", "Lt Col. B. Smith")
        #expect(revoke.status == 0, "\(revoke)")
        let r = try s.ims.run("sync")
        #expect(r.status != 0)
        #expect(r.stderr.contains("revoked"), "\(r.stderr)")
        #expect(try s.ims.json(StatusJSON.self, "status").pending == 1, "the unpushed edit is kept")
        #expect(try s.ims.json(TaskJSON.self, "show", t).owner == "Cdr. K. Jansen")
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", t).owner == nil)
        let users = try s.server.admin("user", "list")
        #expect(users.stdout.contains("revoked"), "\(users.stdout)")
        // As JSON, times are ISO 8601 as everywhere else (the operations tester: they were
        // milliseconds since 1970).
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(s.server.admin("user", "list", "--json").stdout.utf8)) as? [[String: Any]])
        let smith = try #require(listed.first { $0["name"] as? String == "Lt Col. B. Smith" })
        #expect((smith["revoked_at"] as? String).flatMap(TimeFormat.parse) != nil, "\(smith)")
        #expect((smith["created_at"] as? String).flatMap(TimeFormat.parse) != nil, "\(smith)")
        #expect(listed.contains { $0["revoked_at"] is NSNull }, "an active user has revoked_at null")

        // Enrolled again under the same name: the new bundle syncs the kept edit; the
        // revoked certificate stays refused.
        let oldBundle = s.tmp.file("old-smith.bundle")
        try FileManager.default.copyItem(atPath: s.ims.dir + "/enrolment.json", toPath: oldBundle)
        #expect(try s.server.admin("user", "add", "Lt Col. B. Smith", "--staff", "EUMS", "--role", "editor",
                                   "--out", s.tmp.file("wrong-staff.bundle")).status != 0, "a name keeps its staff")
        let again = s.tmp.file("smith-again.bundle")
        let added = try s.server.admin("user", "add", "Lt Col. B. Smith", "--staff", "IMS", "--role", "editor",
                                       "--out", again, "--server-url", s.server.url)
        #expect(added.status == 0, "\(added)")
        try s.ims.ok("join", again)
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", t).owner == "Cdr. K. Jansen")
        let stale = Officer(dir: s.tmp.child("stale").path)
        try stale.ok("join", oldBundle)
        #expect(try stale.run("sync").status != 0, "the revoked certificate is still refused")
    }
}
