import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport

@Suite("Two staffs syncing through a real server over TLS")
struct SyncEndToEndTests {
    @Test func differentFieldsOfOneTaskMerge() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--status", "in-progress")
        try s.ims.ok("edit", t, "--owner", "Cdr. Jansen", "--priority", "high")
        try s.eums.ok("sync")
        let r = try s.ims.run("sync")
        #expect(r.status == 0 && r.stdout.contains("no open conflicts"), "\(r)")
        try s.converge()
        let shown = try s.eums.json(TaskJSON.self, "show", t)
        #expect(shown.status == "in-progress")
        #expect(shown.owner == "Cdr. Jansen")
        #expect(shown.priority == "high")
        #expect(try s.eums.json([ConflictJSON].self, "conflicts").isEmpty)
    }

    /// Both staffs set the status differently; the later pusher gets the conflict.
    func statusConflict(_ s: SyncScenario) throws -> String {
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--status", "done")
        try s.ims.ok("edit", t, "--status", "blocked")
        try s.eums.ok("sync")
        let r = try s.ims.run("sync")
        #expect(r.status == 0, "a sync with conflicts still completed: \(r)")
        #expect(r.stdout.contains("1 open conflict"), "\(r.stdout)")
        try s.eums.ok("sync")
        return t
    }

    @Test func sameFieldGivesOneConflictWithBothValuesVisible() throws {
        let s = try SyncScenario()
        let t = try statusConflict(s)
        for o in [s.eums, s.ims] {
            let list = try o.json([ConflictJSON].self, "conflicts")
            #expect(list.count == 1)
            #expect(list.first?.field == "status")
            #expect(list.first?.base == .text("open"))
            #expect(list.first?.current == .text("done"), "the first pusher's value stays")
            #expect(list.first?.proposed == .text("blocked"))
            #expect(list.first?.proposed_by == "Lt Col. B. Smith")
            #expect(try o.json(TaskJSON.self, "show", t).status == "done")
        }
    }

    @Test(arguments: ["--mine", "--theirs", "--value"])
    func resolvingClearsTheConflictEverywhere(_ how: String) throws {
        let s = try SyncScenario()
        let t = try statusConflict(s)
        let args = how == "--value" ? ["resolve", t, "status", "--value", "in-progress"] : ["resolve", t, "status", how]
        let r = try s.ims.run(args)
        #expect(r.status == 0, "\(r)")
        try s.converge()
        let expected = ["--mine": "blocked", "--theirs": "done", "--value": "in-progress"][how]!
        for o in [s.eums, s.ims] {
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty)
            #expect(try o.json(TaskJSON.self, "show", t).status == expected)
        }
        // The resolution is in the history.
        let history = try s.eums.ok("history", t)
        #expect(history.contains("conflict resolved on status"), "\(history)")
    }

    /// The black-box tester: the officer whose value is the current one ran `resolve --mine`
    /// and got the other staff's value. `--mine` is the resolver's own value.
    @Test func mineKeepsTheValueTheResolverSet() throws {
        let s = try SyncScenario()
        let t = try statusConflict(s)   // EUMS set done first; IMS's blocked is in conflict
        let r = try s.eums.run("resolve", t, "status", "--mine")
        #expect(r.status == 0, "\(r)")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty)
            #expect(try o.json(TaskJSON.self, "show", t).status == "done")
        }
    }

    /// `history` names an area by its name and a linked task by its short id, not by UUID;
    /// its JSON keeps the ids.
    @Test func historyNamesAreasAndLinkedTasks() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("area", "add", "Medical Cooperation")
        try s.eums.ok("edit", t, "--area", "Medical Cooperation")
        let follow = try s.eums.run("add", "Follow-on", "--area", "Military Mobility", "--follows", t).firstLine
        try s.converge()
        let moved = try s.ims.ok("history", t)
        #expect(moved.contains("area=Military Mobility;"), "\(moved)")
        #expect(moved.contains("set area: Military Mobility → Medical Cooperation #"), "\(moved)")
        let created = try s.ims.ok("history", follow)
        #expect(created.contains("follows=\(t); "), "\(created)")
        let json = try s.ims.ok("history", t, "--json")
        #expect(!json.contains("Medical Cooperation"), "the JSON keeps the area's id: \(json)")
    }

    /// The black-box tester: a note added to a task deleted meanwhile opens a conflict on the
    /// task, announced on the note; the task's history ended a conflict it never opened, the
    /// note's opened one it never ended. Each shows both ends.
    @Test func aConflictOfANoteOnADeletedTaskIsWholeInBothHistories() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("delete", t)
        let note = String(try s.ims.ok("note", t, "IMS note on it").split(separator: " ")[2])
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        try s.ims.ok("resolve", t, "deleted", "--mine")
        try s.converge()
        for o in [s.eums, s.ims] {
            let task = try o.ok("history", t), ofNote = try o.ok("history", note)
            #expect(task.contains("conflict on deleted") && task.contains("conflict resolved on deleted"), "\(task)")
            #expect(ofNote.contains("conflict on deleted") && ofNote.contains("conflict resolved on deleted"), "\(ofNote)")
        }
    }

    /// A tag added or removed reads as that, in `history` (the change carries the tag alone).
    @Test func historySaysWhichTagWasAddedOrRemoved() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--add-tag", "med")
        try s.eums.ok("sync")
        try s.eums.ok("edit", t, "--add-tag", "eu", "--remove-tag", "med")
        let waiting = try s.eums.ok("history", t)
        #expect(waiting.contains("added eu to tags (not yet synced)"), "\(waiting)")
        #expect(waiting.contains("removed med from tags (not yet synced)"), "\(waiting)")
        try s.converge()
        let synced = try s.ims.ok("history", t)
        #expect(synced.contains("added med to tags #"), "\(synced)")
        #expect(synced.contains("added eu to tags #"), "\(synced)")
        #expect(synced.contains("removed med from tags #"), "\(synced)")

        // The black-box tester: in the JSON, `old` was the set and `new` the element alone,
        // and a create's fields only one text. Now `new` is the set after, the element is
        // `element`, and a create's fields are `fields`.
        struct Entry: Decodable { let action: String?; let old: FieldValue?; let new: FieldValue?; let element: FieldValue?; let fields: [String: FieldValue]? }
        let json = try JSONDecoder().decode([Entry].self, from: Data(try s.ims.ok("history", t, "--json").utf8))
        let tags = json.filter { $0.action == "add" || $0.action == "remove" }
        #expect(tags.map { $0.element?.text ?? "" }.sorted() == ["eu", "med", "med"], "\(tags)")
        for e in tags {
            let element = e.element?.text ?? "", after = e.new?.elements ?? []
            #expect(e.action == "add" ? after.contains(element) : !after.contains(element), "\(e)")
            #expect(Set(after).symmetricDifference(e.old?.elements ?? []) == [element], "\(e)")
        }
        #expect(tags.last?.new == .makeSet(["eu"]))
        #expect(json.first { $0.action == "create" }?.fields?["title"] == .text("Harmonise cross-border movement permissions"))
        #expect(json.first { $0.action == "set" }?.element == nil)
        // And an area is named by its name, as everywhere (it said "not a task id").
        #expect(try s.ims.ok("history", "military mobility").contains("created: name=Military Mobility"))
    }

    /// The black-box tester: both staffs settle the same conflict, EUMS by keeping the
    /// current value, IMS offline with its own. IMS's decision did not see EUMS's: a new
    /// conflict on both sides, not a silent overwrite; `--mine` then settles it.
    @Test func bothStaffsSettlingOneConflictDifferentlyIsANewConflict() throws {
        let s = try SyncScenario()
        let t = try statusConflict(s)
        try s.eums.ok("resolve", t, "status", "--theirs")
        try s.ims.ok("resolve", t, "status", "--mine")
        try s.converge()
        for o in [s.eums, s.ims] {
            let list = try o.json([ConflictJSON].self, "conflicts")
            #expect(list.count == 1 && list.first?.current == .text("done") && list.first?.proposed == .text("blocked"), "\(list)")
            #expect(try o.json(TaskJSON.self, "show", t).status == "done", "EUMS's decision stands until this one is settled")
        }
        try s.eums.ok("resolve", t, "status", "--value", "in-progress")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty)
            #expect(try o.json(TaskJSON.self, "show", t).status == "in-progress")
        }
    }

    /// The tester: `resolve --value ""` was refused for a due date, though `edit --due ""`
    /// clears it; a disagreement on the date could not end in "no due date".
    @Test func resolvingWithAnEmptyValueClearsTheField() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--due", "2026-12-01")
        try s.ims.ok("edit", t, "--due", "2026-12-15")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").first?.field == "due")
        try s.ims.ok("resolve", t, "due", "--value", "")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty)
            #expect(try o.json(TaskJSON.self, "show", t).due == nil)
        }
    }

    /// Three officers set one field: the second and third pushers each get a conflict, with
    /// different proposed values. `--mine` keeps the value its caller proposed; for someone
    /// who proposed neither (nor set the current value) it does not say which, and is
    /// refused with both values named (it took one of them, by conflict id, and dropped the
    /// other silently).
    @Test func mineKeepsTheCallersOwnProposalAmongSeveral() throws {
        let s = try SyncScenario()
        let third = try SyncScenario.join(s.server, s.tmp, "Maj. E. Third", staff: "EUMS", dir: "third")
        let fourth = try SyncScenario.join(s.server, s.tmp, "Capt. F. Fourth", staff: "EUMS", dir: "fourth")
        let t = try s.sharedTask()
        let all = [s.eums, s.ims, third, fourth]
        try s.converge(all)
        try s.eums.ok("edit", t, "--due", "2024-01-01")
        try s.ims.ok("edit", t, "--due", "2024-02-02")
        try third.ok("edit", t, "--due", "2024-03-03")
        for o in all { try o.ok("sync") }
        try s.converge(all)
        #expect(try third.json([ConflictJSON].self, "conflicts").map(\.proposed).sorted { "\($0)" < "\($1)" }
                == [.text("2024-02-02"), .text("2024-03-03")])

        let neither = try fourth.run("resolve", t, "due", "--mine")
        #expect(neither.status != 0)
        #expect(neither.stderr.contains("'2024-02-02' by Lt Col. B. Smith") && neither.stderr.contains("'2024-03-03' by Maj. E. Third"),
                "\(neither.stderr)")
        #expect(try fourth.json(StatusJSON.self, "status").pending == 0, "refused: nothing queued")

        try third.ok("resolve", t, "due", "--mine")
        try s.converge(all)
        for o in all {
            #expect(try o.json(TaskJSON.self, "show", t).due == "2024-03-03")
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty)
        }
    }

    @Test func nonOverlappingDescriptionEditsMergeLineWise() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask(description: "Agree a common template.\nShare points of contact.\nReport at the 21st conference.")
        try s.eums.ok("edit", t, "--description", "Agree a common template for diplomatic clearance.\nShare points of contact.\nReport at the 21st conference.")
        try s.ims.ok("edit", t, "--description", "Agree a common template.\nShare points of contact.\nReport at the 21st conference in May 2024.")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.converge()
        let merged = "Agree a common template for diplomatic clearance.\nShare points of contact.\nReport at the 21st conference in May 2024."
        #expect(try s.eums.json(TaskJSON.self, "show", t).description == merged)
        #expect(try s.ims.json(TaskJSON.self, "show", t).description == merged)
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").isEmpty)
    }

    @Test func notesFromBothSidesAllArrive() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("note", t, "EUMS: template drafted")
        try s.ims.ok("note", t, "IMS: comments sent")
        try s.ims.ok("note", t, "IMS: second round")
        try s.converge()
        for o in [s.eums, s.ims] {
            let notes = try o.json(TaskJSON.self, "show", t).notes?.map(\.text).sorted()
            #expect(notes == ["EUMS: template drafted", "IMS: comments sent", "IMS: second round"])
        }
    }

    @Test func deleteVersusEditIsAConflict() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("delete", t)
        try s.ims.ok("edit", t, "--status", "in-progress")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        let list = try s.ims.json([ConflictJSON].self, "conflicts")
        #expect(list.count == 1, "the edit of a deleted task is kept as a conflict, not silently lost")
        #expect(list.first?.proposed == .text("in-progress"))
        // Keeping the edit brings the task back on both sides (no silent resurrection: it is a decision).
        try s.ims.ok("resolve", t, "status", "--mine")
        try s.converge()
        #expect(try s.eums.json(TaskJSON.self, "show", t).status == "in-progress")
    }

    /// A note written offline on a task the other side deleted meanwhile: the note is kept
    /// and the delete meets it as a conflict on the task, seen on both sides; keeping the
    /// note's side brings the task back, with the note, everywhere.
    @Test func aNoteOnATaskDeletedOnTheOtherSideIsAConflictNotALostNote() throws {
        let s = try SyncScenario()
        let t = try s.sharedTaskDeleted(by: s.ims)
        try s.eums.ok("note", t, "Slipped two weeks: host nation approval pending")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        for o in [s.eums, s.ims] {
            let list = try o.json([ConflictJSON].self, "conflicts")
            #expect(list.count == 1, "the note meets the delete as a conflict: \(list)")
            #expect(list.first?.record.hasPrefix(t) == true && list.first?.field == "deleted", "\(list)")
            #expect(list.first?.proposed == .text("note added"), "\(list)")
            // A delete is settled by keeping the task or not: no `--value` is offered.
            let shown = try o.ok("conflicts")
            #expect(!shown.contains("--value"), "\(shown)")
        }
        // The deleter's own value is the deletion: `--mine` leaves it deleted for IMS.
        #expect(try s.eums.ok("conflicts").contains("--mine (bring it back) | --theirs (leave it deleted)"))
        #expect(try s.ims.ok("conflicts").contains("--mine or --theirs (leave it deleted, as you did)"))
        // Once the delete is pulled, another note says who deleted the task, not "no task".
        let again = try s.eums.run("note", t, "A second note")
        #expect(again.status != 0)
        #expect(again.stderr.contains("task \(t.prefix(8)) was deleted by Lt Col. B. Smith (IMS)"), "\(again.stderr)")
        let resolved = try s.eums.ok("resolve", t, "deleted", "--mine")
        #expect(resolved.contains("brings the task back here"), "\(resolved)")
        // Until the restore has been sent, the task is not here, and the error says why.
        let waiting = try s.eums.run("show", t)
        #expect(waiting.status != 0 && waiting.stderr.contains("it comes back here with your next 'workplan sync'"), "\(waiting.stderr)")
        try s.converge()
        for o in [s.eums, s.ims] {
            let task = try o.json(TaskJSON.self, "show", t)
            #expect(task.notes?.map(\.text) == ["Slipped two weeks: host nation approval pending"])
        }
    }

    /// The docs tester: a note and an edit on a task deleted meanwhile. `sync` said "1 of
    /// them in conflict" and then "2 open conflicts" (the note's conflict was not counted),
    /// and once the task was back, resolving the edit's conflict still said it "brings the
    /// task back here".
    @Test func editsThatOpenedConflictsAreCountedAndAResolutionSaysWhatItDoes() throws {
        let s = try SyncScenario()
        let t = try s.sharedTaskDeleted(by: s.eums)
        try s.ims.ok("note", t, "IMS note")
        try s.ims.ok("edit", t, "--priority", "high")
        let synced = try s.ims.ok("sync")
        #expect(synced.contains("pushed 2 edits, 2 of them in conflict"), "\(synced)")
        #expect(synced.contains("2 open conflicts"), "\(synced)")
        #expect(try s.ims.ok("resolve", t, "deleted", "--mine").contains("brings the task back here"))
        try s.ims.ok("sync")
        let second = try s.ims.ok("resolve", t, "priority", "--mine")
        #expect(second.contains("'workplan sync' sends the resolution") && !second.contains("back here"), "\(second)")
    }

    /// The review: the officer who deleted the task, settling an edit that met the delete
    /// with `--mine` (which leaves it deleted, as they did), was told the resolution "brings
    /// the task back here".
    @Test func theDeletersMineDoesNotSayItBringsTheTaskBack() throws {
        let s = try SyncScenario()
        let t = try s.sharedTaskDeleted(by: s.eums)
        try s.ims.ok("edit", t, "--priority", "high")
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        let resolved = try s.eums.ok("resolve", t, "priority", "--mine")
        #expect(!resolved.contains("back here"), "\(resolved)")
        try s.converge()
        #expect(try s.ims.run("show", t).status != 0, "still deleted")
    }

    /// The review: after `--mine` on one field queued the task's restore, `--theirs` on
    /// another field ("leave it deleted") also said it "brings the task back here".
    @Test func onlyTheResolutionThatRestoresSaysSo() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.ims.ok("edit", t, "--owner", "Maj. B", "--priority", "high")
        try s.eums.ok("delete", t)
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        #expect(try s.ims.ok("resolve", t, "owner", "--mine").contains("brings the task back here"))
        let second = try s.ims.ok("resolve", t, "priority", "--theirs")
        #expect(!second.contains("back here"), "\(second)")
    }

    /// The second tester: in a delete conflict, `--mine` took the proposer's side even for
    /// the officer who made the current state. EUMS changed the task IMS then deleted: EUMS's
    /// `--mine` deleted it. EUMS deleted the task IMS then edited: EUMS's `--mine` brought it
    /// back with IMS's value. Each now keeps the resolver's own.
    @Test func mineInADeleteConflictKeepsTheResolversOwnSide() throws {
        let s = try SyncScenario()
        let changed = try s.sharedTask()
        try s.eums.ok("edit", changed, "--priority", "high")
        try s.ims.ok("delete", changed)
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        #expect(try s.eums.ok("conflicts").contains("--mine or --theirs (keep it, with your changes)"))
        #expect(try s.ims.ok("conflicts").contains("--mine (delete it) | --theirs (keep it)"))
        try s.eums.ok("resolve", changed, "deleted", "--mine")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.json(TaskJSON.self, "show", changed).priority == "high", "EUMS kept its changed task")
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty)
        }

        let deleted = try s.eums.run("add", "Exercise planning", "--area", "Military Mobility").firstLine
        try s.converge()
        try s.eums.ok("delete", deleted)
        try s.ims.ok("edit", deleted, "--status", "done")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        // The task is deleted: its last status is not shown as the current value.
        let shown = try s.eums.ok("conflicts")
        #expect(shown.contains("current:  (deleted; it was open)"), "\(shown)")
        try s.eums.ok("resolve", deleted, "status", "--mine")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.run("show", deleted).status != 0, "EUMS's deletion stands")
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty)
        }
    }

    /// The second tester: after a restore by `--mine`, `history` said only "restored it"
    /// and a bare "snapshot"; the restored value and the record as it came back were in the
    /// JSON only.
    @Test func historyTellsWhatARestoreBroughtBack() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("delete", t)
        try s.ims.ok("edit", t, "--status", "done")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.ims.ok("resolve", t, "status", "--mine")
        try s.converge()
        for o in [s.eums, s.ims] {
            let h = try o.ok("history", t)
            #expect(h.contains("restored it, with status: open → done #"), "\(h)")
            #expect(!h.contains(") snapshot #"), "\(h)")
        }
    }

    /// The third tester: once `resolve ID deleted --mine` brought the task back, its other
    /// conflict (an edit that met the delete) still read "(deleted; it was open)" and
    /// offered the deleter "leave it deleted". The record is live: it reads as an edit.
    @Test func anEditThatMetADeleteReadsAsAnEditOnceTheRecordIsBack() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("delete", t)
        try s.ims.ok("edit", t, "--status", "done")
        try s.ims.ok("note", t, "Finished")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        // The docs tester: the JSON gave the deleted task's value as `current` without
        // saying the task was deleted, and the text kept "(edit deleted)" once it was back.
        let gone = try s.ims.json([ConflictJSON].self, "conflicts", "--json").first { $0.field == "status" }
        #expect(gone?.record_deleted == true, "\(String(describing: gone))")
        try s.ims.ok("resolve", t, "deleted", "--mine")
        try s.converge()
        for o in [s.eums, s.ims] {
            let shown = try o.ok("conflicts")
            #expect(shown.contains("current:  open\n"), "\(shown)")
            #expect(!shown.contains("(deleted;") && !shown.contains("leave it deleted") && !shown.contains("(edit deleted)"), "\(shown)")
            #expect(try o.json([ConflictJSON].self, "conflicts", "--json").allSatisfy { $0.record_deleted == false })
        }
    }

    /// An export made after a synced task with a note and a follow-on was deleted could not
    /// be imported anywhere new ("note …: no task …", then "task …: no task …"): a backup
    /// that does not restore. Notes of deleted tasks are not exported (they are not part of
    /// the plan); a new task's follow-on link to a task neither the file nor the replica
    /// holds is left out and counted, as agenda items' are. The same replica re-imports it
    /// unchanged.
    @Test func anExportAfterADeleteImportsIntoANewReplica() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("note", t, "A note on the task deleted later")
        let follower = try s.eums.run("add", "Follow-on", "--area", "Military Mobility", "--follows", t).firstLine
        try s.eums.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "EUMS")
        try s.eums.ok("agenda", "add", "21", "Progress", "--task", t, "--task", follower)
        try s.converge()
        try s.ims.ok("delete", t)
        try s.converge()
        let file = s.tmp.file("after-delete.json")
        try s.eums.ok("export", "--output", file)
        #expect(!(try String(contentsOfFile: file, encoding: .utf8)).contains("A note on the task deleted later"))

        let fresh = Officer(dir: s.tmp.child("fresh").path)
        try fresh.ok("init", "--staff", "EUMS", "--user", "Col. A. Dupont")
        let imported = try fresh.run("import", file)
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout.contains("1 task that agenda items or follow-ons of the file link to is in neither the file nor this replica (deleted since): the links are kept as they are"), "\(imported)")
        #expect(try fresh.json(TaskJSON.self, "show", follower).title == "Follow-on")
        // Joined and synced, the new replica agrees with the server: no conflict nobody made.
        let bundle = try s.server.enrol("Maj. C. Martin", staff: "EUMS", in: s.tmp)
        try fresh.ok("join", bundle)
        let synced = try fresh.run("sync")
        #expect(synced.status == 0 && synced.stdout.contains("no open conflicts"), "\(synced)")
        #expect(try fresh.ok("export") == s.eums.ok("export"), "the same plan")
        let again = try s.eums.run("import", file)
        #expect(again.status == 0 && again.stdout.contains("0 records created, 0 updated"), "\(again)")
    }

    /// Re-importing an old export: the values changed since stay, a task deleted since stays
    /// deleted, and a value written into the file by hand is still imported.
    @Test func reimportingAnOldExportDoesNotUndoLaterWork() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        let gone = try s.eums.ok("add", "Exercise planning", "--area", "Military Mobility").split(separator: "\n")[0]
        try s.eums.ok("note", String(gone), "Planning conference in May")
        let after = try s.eums.ok("add", "Exercise report", "--area", "Military Mobility", "--follows", String(gone)).split(separator: "\n")[0]
        try s.converge()
        let old = s.tmp.child("old-export.json").path
        try s.eums.ok("export", "--output", old)
        try s.ims.ok("edit", t, "--status", "blocked", "--owner", "Cdr. K. Jansen")
        try s.ims.ok("edit", String(after), "--follows", "")
        try s.ims.ok("delete", String(after))
        try s.ims.ok("delete", String(gone))
        try s.ims.ok("sync")
        try s.eums.ok("sync")

        let imported = try s.eums.ok("import", old)
        #expect(imported.contains("0 records created, 0 updated"), "\(imported)")
        #expect(imported.contains("kept 2 values as they are here"), "\(imported)")
        #expect(imported.contains("left 2 records deleted"), "the two tasks; the note stays as it is: \(imported)")
        try s.converge()
        let task = try s.ims.json(TaskJSON.self, "show", t)
        #expect(task.status == "blocked" && task.owner == "Cdr. K. Jansen", "the later edits stand: \(task)")
        #expect(try s.eums.run("show", String(gone)).status != 0, "the deleted task stays deleted")
        #expect(try s.eums.json(StatusJSON.self, "status").conflicts == 0)

        // A value no one has held before is new: it is imported.
        let edited = try String(contentsOfFile: old, encoding: .utf8)
            .replacingOccurrences(of: "Harmonise cross-border movement permissions", with: "Harmonise permissions (DG guidance)")
        try edited.write(toFile: old, atomically: true, encoding: .utf8)
        #expect(try s.eums.ok("import", old).contains("1 updated"))
        try s.converge()
        #expect(try s.ims.json(TaskJSON.self, "show", t).title == "Harmonise permissions (DG guidance)")
    }

    /// Deleting a task the other side has added a note to since: a conflict, as for an edit
    /// of one of its fields (the note is work on the task); the deleter's own notes do not count.
    @Test func deletingATaskSomeoneElseNotedIsAConflict() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("note", t, "EUMS: our own note")
        try s.eums.ok("sync")
        try s.ims.ok("note", t, "IMS: still needed for the exercise")
        try s.ims.ok("sync")
        try s.eums.ok("delete", t)
        try s.eums.ok("sync")
        let list = try s.eums.json([ConflictJSON].self, "conflicts")
        #expect(list.count == 1 && list.first?.field == "deleted" && list.first?.current == .text("note added"), "\(list)")
        #expect(try s.eums.json(TaskJSON.self, "show", t).notes?.count == 2, "the task and both notes are still there")
        // Deleting it anyway, having seen the note, is a decision: it goes on both sides.
        try s.eums.ok("resolve", t, "deleted", "--mine")
        try s.converge()
        #expect(try s.ims.run("show", t).status != 0)
        // A note the deleter had pulled was seen; their own notes count as seen too.
        let u = try s.eums.ok("add", "Exercise planning", "--area", "Military Mobility").split(separator: "\n")[0]
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.ims.ok("note", String(u), "IMS: planning conference set")
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        try s.eums.ok("note", String(u), "EUMS: closing this one")
        try s.eums.ok("delete", String(u))
        try s.eums.ok("sync")
        #expect(try s.eums.json([ConflictJSON].self, "conflicts").isEmpty)
        try s.converge()
    }

    /// A delete is made against what the replica had pulled. The officer's own push raised
    /// the task's rev past the other side's edit, then the pull failed: deleting offline
    /// after that is still a conflict with the edit never seen (with the task's rev as its
    /// base, the delete went through and the edit was lost).
    @Test func aDeleteAfterAFailedPullStillMeetsTheEditsNotPulled() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.ims.ok("edit", t, "--title", "Harmonise permissions (IMS wording)")
        try s.ims.ok("sync")
        try s.eums.ok("edit", t, "--owner", "Col. A. Dupont")
        let crashed = try CLI.run("workplan", ["sync", "--dir", s.eums.dir], env: ["WORKPLAN_FAULT": "before-pull-apply"])
        #expect(crashed.status != 0, "the pull failed after the push was stored")
        try s.eums.ok("delete", t)
        try s.eums.ok("sync")
        let list = try s.eums.json([ConflictJSON].self, "conflicts")
        #expect(list.count == 1 && list.first?.field == "deleted", "the unseen title edit makes the delete a conflict: \(list)")
        #expect(try s.eums.json(TaskJSON.self, "show", t).title == "Harmonise permissions (IMS wording)")
        // Having seen it, deleting anyway is a decision.
        try s.eums.ok("resolve", t, "deleted", "--mine")
        try s.converge()
        #expect(try s.ims.run("show", t).status != 0)
    }

    /// An edit the server refuses as invalid (here a description with a terminal escape,
    /// written before the rule that now refuses it) is set aside, named in `status`, and the
    /// rest still syncs; before, every later sync failed on it, for good.
    @Test func anEditTheServerRefusesIsSetAsideAndTheRestSyncs() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        let q = try DatabaseQueue(path: s.ims.dir + "/replica.sqlite")
        try q.write { db in
            let rev = try Int64.fetchOne(db, sql: "SELECT rev FROM task WHERE id LIKE ?", arguments: [t + "%"]) ?? 0
            let id = try String.fetchOne(db, sql: "SELECT id FROM task WHERE id LIKE ?", arguments: [t + "%"])
            try db.execute(sql: """
                INSERT INTO pending (op_id, record, kind, action, field, value, base_rev, at, author)
                VALUES (?, ?, 'task', 'set', 'description', ?, ?, 1700000000000, 'Lt Col. B. Smith')
                """, arguments: [UUID().uuidString.lowercased(), id, "\"pasted\\u001b[2J text\"", rev])
        }
        try q.close()
        try s.ims.ok("edit", t, "--priority", "high")
        let r = try s.ims.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("1 of your edits could not be sent"), "\(r.stdout)")
        #expect(try s.ims.ok("status").contains("the server refused it"), "listed with the server's reason")
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", t).priority == "high", "the rest reached the server")
    }

    /// `workplan sync | head -1`: the reader goes before the summary is written. The sync
    /// ends quietly (status 141, as for a broken pipe), not with a crash report.
    @Test func syncIntoAClosedPipeEndsQuietly() throws {
        let s = try SyncScenario()
        _ = try s.sharedTask()
        // `true` reads nothing and is gone long before the sync's summary is written.
        let r = try CLI.bash("\"$0\" sync --dir \"$1\" | true; echo \"status ${PIPESTATUS[0]}\"", [s.ims.dir])
        #expect(r.stdout.contains("status 141"), "\(r)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Broken pipe"), "\(r.stderr)")
        #expect(try s.ims.json(StatusJSON.self, "status").last_sync != nil, "the sync itself completed")
    }

    /// Tags in an old export, one added to it by hand: only that tag is added; the tags the
    /// other side removed and added since stay as they are.
    @Test func reimportingOldTagsChangesThemElementByElement() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--add-tag", "alpha", "--add-tag", "bravo")
        try s.converge()
        let old = s.tmp.file("tags-export.json")
        try s.eums.ok("export", "--output", old)
        try s.ims.ok("edit", t, "--remove-tag", "alpha", "--add-tag", "charlie")
        try s.converge()
        let edited = try String(contentsOfFile: old, encoding: .utf8)
            .replacingOccurrences(of: "\"bravo\"", with: "\"bravo\", \"zulu\"")
        try edited.write(toFile: old, atomically: true, encoding: .utf8)
        let imported = try s.eums.ok("import", old)
        #expect(imported.contains("1 updated") && imported.contains("kept 2 values as they are here"), "\(imported)")
        try s.converge()
        #expect(try s.ims.json(TaskJSON.self, "show", t).tags == ["bravo", "charlie", "zulu"])
    }

    /// A task deleted on one side, noted and edited on the other: two conflicts. Bringing the
    /// task back through the edit's conflict answers the note's ("bring it back?") too, on
    /// every replica, instead of leaving it saying "deleted" about a live task.
    @Test func restoringATaskClosesItsOtherBringItBackConflicts() throws {
        let s = try SyncScenario()
        let t = try s.sharedTaskDeleted(by: s.eums)
        try s.ims.ok("note", t, "IMS: still needed")
        try s.ims.ok("edit", t, "--status", "blocked")
        try s.ims.ok("sync")
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").count == 2)
        try s.ims.ok("resolve", t, "status", "--mine")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.json([ConflictJSON].self, "conflicts").isEmpty, "\(o.dir)")
            let task = try o.json(TaskJSON.self, "show", t)
            #expect(task.status == "blocked" && task.notes?.map(\.text) == ["IMS: still needed"])
        }
    }

    @Test func editVersusDeleteIsAConflict() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.ims.ok("edit", t, "--owner", "Cdr. Jansen")
        try s.eums.ok("delete", t)
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        let list = try s.eums.json([ConflictJSON].self, "conflicts")
        #expect(list.count == 1, "deleting a task changed since the deleter saw it is a conflict")
        #expect(try s.eums.json(TaskJSON.self, "show", t).owner == "Cdr. Jansen", "the task is still there")
        try s.eums.ok("resolve", t, "deleted", "--mine")
        try s.converge()
        #expect(try s.ims.run("show", t).status != 0, "deleted on both sides once resolved")
    }

    /// Each replica refuses a follow-on loop; two links set on two replicas (A follows B at
    /// EUMS, B follows A at IMS) passed each alone and made one on the server. The server
    /// now checks the link the same way (`FollowOn`): the second is refused, set aside and
    /// listed, and the rest of that sync goes through.
    @Test func twoLinksSetApartDoNotMakeAFollowOnLoop() throws {
        let s = try SyncScenario()
        let a = try s.sharedTask()
        let b = try s.eums.run("add", "Second task", "--area", "Military Mobility").firstLine
        try s.converge()
        try s.eums.ok("edit", a, "--follows", b)
        try s.ims.ok("edit", b, "--follows", a)
        try s.ims.ok("edit", a, "--owner", "Cdr. K. Jansen")
        try s.eums.ok("sync")
        let r = try s.ims.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("1 of your edits could not be sent"), "\(r.stdout)")
        let status = try s.ims.ok("status")
        #expect(status.contains("go round in a loop"), "\(status)")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.json(TaskJSON.self, "show", a).follows?.hasPrefix(b) == true)
            #expect(try o.json(TaskJSON.self, "show", b).follows == nil)
            #expect(try o.json(TaskJSON.self, "show", a).owner == "Cdr. K. Jansen", "the rest of the sync went through")
        }
    }

    @Test func offlineReplicaJoinsAndPushesItsEdits() throws {
        let s = try SyncScenario()
        let (late, t) = try s.offlineReplicaWithATask(user: "Maj. C. Rossi")
        let bundle = try s.server.enrol("Maj. C. Rossi", staff: "IMS", in: s.tmp)
        try late.ok("join", bundle)
        try late.ok("sync")
        try s.converge([s.eums, s.ims, late])
        let shown = try s.eums.json(TaskJSON.self, "show", t)
        #expect(shown.title == "Deployable medical modules")
        #expect(shown.notes?.map(\.text) == ["Written offline"])
        #expect(try late.json(StatusJSON.self, "status").pending == 0)
    }

    /// A viewer cannot send the edits an offline replica holds: joining it with a viewer's
    /// bundle is refused and changes nothing (before, every sync failed on them for good).
    @Test func aViewersBundleIsRefusedOnAReplicaWithOfflineEdits() throws {
        let s = try SyncScenario()
        let (offline, t) = try s.offlineReplicaWithATask(user: "Maj. V. Viewer")
        let before = try offline.ok("export")
        let r = try offline.run("join", try s.server.enrol("Maj. V. Viewer", staff: "IMS", role: "viewer", in: s.tmp))
        #expect(r.status != 0)
        #expect(r.stderr.contains("holds 3 edits not yet sent") && r.stderr.contains("as a viewer"), "\(r.stderr)")
        #expect(try offline.ok("export") == before)
        #expect(try offline.ok("status").contains("none (offline replica"), "still not enrolled")
        try offline.ok("join", try s.server.enrol("Maj. V. Editor", staff: "IMS", in: s.tmp))
        try offline.ok("sync")
        try s.eums.ok("sync")
        #expect(try s.eums.json(TaskJSON.self, "show", t).title == "Deployable medical modules")
    }

    /// A replica made offline under one name and joined with a bundle enrolling another:
    /// the offline notes are signed with the enrolled name, which the certificate vouches
    /// for (before, every replica showed the name typed at init).
    @Test func offlineNotesAreSignedWithTheEnrolledName() throws {
        let s = try SyncScenario()
        let (offline, own) = try s.offlineReplicaWithATask(user: "Wrong Person")
        let created = try offline.json(TaskJSON.self, "show", own).created_at
        try offline.ok("edit", own, "--priority", "high")
        let joined = try offline.ok("join", try s.server.enrol("Lt J. Berg", staff: "IMS", in: s.tmp))
        #expect(joined.contains("signed 'Lt J. Berg'"), "\(joined)")
        #expect(try offline.json(TaskJSON.self, "show", own).notes?.map(\.author) == ["Lt J. Berg"])
        #expect(!(try offline.ok("show", own)).contains("entered by"), "the officer entered it, under either name")
        try offline.ok("sync")
        try s.converge([s.eums, s.ims, offline])
        let shown = try s.eums.json(TaskJSON.self, "show", own)
        #expect(shown.notes?.map(\.author) == ["Lt J. Berg"])
        // An edit folded into the offline create does not move the creation time.
        #expect(shown.priority == "high" && shown.created_at == created)
    }

    @Test func aBundleWithAnUnreadableKeyIsRefusedAndCreatesNothing() throws {
        let s = try SyncScenario()
        let path = try s.server.enrol("Maj. C. Rossi", staff: "IMS", in: s.tmp)
        var bundle = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        bundle["key"] = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
        try JSONSerialization.data(withJSONObject: bundle).write(to: URL(fileURLWithPath: path))
        let o = Officer(dir: s.tmp.child("rossi").path)
        let r = try o.run("join", path)
        #expect(r.status != 0)
        #expect(r.stderr.contains("bundle's private key is unreadable"), "\(r.stderr)")
        #expect(!r.stderr.contains("failedToLoad"), "no library error names: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.tmp.child("rossi/replica.sqlite").path), "nothing created")

        // A readable key that is another officer's: refused at join, not at the first sync.
        let other = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: try s.server.enrol("Lt J. Berg", staff: "IMS", in: s.tmp)))) as! [String: Any]
        let rossi = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.server.enrol("Maj. D. Rossi", staff: "IMS", in: s.tmp)))) as! [String: Any]
        var mixed = rossi
        mixed["key"] = other["key"]
        let mixedPath = s.tmp.file("mixed.bundle")
        try JSONSerialization.data(withJSONObject: mixed).write(to: URL(fileURLWithPath: mixedPath))
        let m = try o.run("join", mixedPath)
        #expect(m.status != 0)
        #expect(m.stderr.contains("key does not belong to its certificate"), "\(m.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.tmp.child("rossi/replica.sqlite").path), "nothing created")
    }

    /// An enrolled replica is its officer's: another officer's bundle is refused (it
    /// re-signed the waiting notes with the new name), and the replica is unchanged.
    @Test func anotherOfficersBundleIsRefusedOnAnEnrolledReplica() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.ims.ok("sync")
        try s.ims.ok("note", t, "Written by Smith, not yet sent")
        let before = try s.ims.ok("export")
        let other = try s.server.enrol("Lt J. Berg", staff: "IMS", in: s.tmp)
        let r = try s.ims.run("join", other)
        #expect(r.status != 0)
        #expect(r.stderr.contains("enrolled as Lt Col. B. Smith") && r.stderr.contains("use a new folder for Lt J. Berg"), "\(r.stderr)")
        #expect(try s.ims.ok("export") == before, "nothing changed")
        try s.ims.ok("sync")
        try s.eums.ok("sync")
        let notes = try s.eums.json(TaskJSON.self, "show", t).notes ?? []
        #expect(notes.map(\.author) == ["Lt Col. B. Smith"], "signed by who wrote it: \(notes)")
    }

    /// A re-enrolment naming another server is refused, and the message names where the
    /// other URL came from (the tester: it blamed the bundle for what --server said).
    @Test func reEnrolmentWithAnotherServerURLSaysWhichNamedIt() throws {
        let s = try SyncScenario()
        try s.ims.ok("sync")
        let bundle = s.tmp.child("LtColBSmith-bundle.json").path   // the one the scenario joined with
        #expect(FileManager.default.fileExists(atPath: bundle))
        let r = try s.ims.run("join", bundle, "--server", "https://127.0.0.1:1")
        #expect(r.status != 0 && r.stderr.contains("but --server names https://127.0.0.1:1;"), "\(r)")
    }

    @Test func clearingAFieldSyncs() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--due", "2024-05-15", "--owner", "Cdr. Jansen")
        try s.converge()
        #expect(try s.ims.json(TaskJSON.self, "show", t).due == "2024-05-15")
        try s.ims.ok("edit", t, "--due", "", "--owner", "")
        try s.converge()
        for o in [s.eums, s.ims] {
            let shown = try o.json(TaskJSON.self, "show", t)
            #expect(shown.due == nil)
            #expect(shown.owner == nil)
        }
    }

    @Test func sameAreaCreatedOfflineOnBothSidesIsOneArea() throws {
        let s = try SyncScenario()
        try s.eums.ok("area", "add", "Gender Perspectives")
        try s.ims.ok("area", "add", "Gender Perspectives")
        // The black-box tester: an accented name typed composed on one side and decomposed
        // (e + combining accent) on the other made two areas that look the same.
        try s.eums.ok("area", "add", "S\u{e9}curit\u{e9}")
        try s.ims.ok("area", "add", "Se\u{301}curite\u{301}")
        try s.eums.ok("add", "EUMS task", "--area", "S\u{e9}curit\u{e9}")
        try s.ims.ok("add", "IMS task", "--area", "Se\u{301}curite\u{301}")
        try s.converge()
        struct AreaJSON: Decodable { var name: String }
        #expect(try s.eums.json([AreaJSON].self, "area", "list").count == 2)
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").isEmpty)
        for o in [s.eums, s.ims] {
            #expect(try o.json([TaskJSON].self, "list", "--area", "Se\u{301}curite\u{301}").count == 2)
        }
    }

    /// The same conference created offline on both sides after one side had changed it
    /// further: the later replica still receives those changes, and its own later edits
    /// are made against the server's revs (no false conflict, no silent overwrite).
    @Test func aNaturalKeyRecordCreatedOnBothSidesReceivesTheOtherSidesLaterChanges() throws {
        let s = try SyncScenario()
        try s.eums.ok("conference", "add", "21", "--date", "2026-05-01", "--host", "EUMS", "--place", "Brussels")
        try s.eums.ok("sync")
        try s.eums.ok("conference", "guidance", "21", "Focus on mobility")
        try s.eums.ok("sync")
        try s.ims.ok("conference", "add", "21", "--date", "2026-05-01", "--host", "EUMS", "--place", "Brussels")
        try s.converge()
        struct ConferenceJSON: Decodable { var guidance: String?; var status: String }
        #expect(try s.ims.json(ConferenceJSON.self, "conference", "show", "21").guidance == "Focus on mobility")
        try s.ims.ok("conference", "close", "21")
        try s.ims.ok("sync")
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").isEmpty)
        try s.converge()
        #expect(try s.eums.json(ConferenceJSON.self, "conference", "show", "21").status == "held")
    }

    /// IMS's title B in conflict with EUMS's A, then EUMS sets C (not yet pulled by IMS).
    static func titleChangedAgainDuringAConflict() throws -> (SyncScenario, String) {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--title", "Title A")
        try s.eums.ok("sync")
        try s.ims.ok("edit", t, "--title", "Title B")
        try s.ims.ok("sync")                   // conflict: current A, proposed B
        try s.eums.ok("edit", t, "--title", "Title C")
        try s.eums.ok("sync")
        return (s, t)
    }

    /// A conflict settled with --mine after the field changed again on the server: the
    /// officer decided without seeing that change, so it is a new conflict, not a silent
    /// overwrite of the newer value (docs/sync-model.md, "Resolving").
    @Test func aResolutionMadeBeforeSeeingANewerValueIsANewConflict() throws {
        let (s, t) = try Self.titleChangedAgainDuringAConflict()
        try s.ims.ok("resolve", t, "title", "--mine")
        try s.ims.ok("sync")
        try s.converge()
        #expect(try s.eums.json(TaskJSON.self, "show", t).title == "Title C", "C is not overwritten")
        let open = try s.eums.json([ConflictJSON].self, "conflicts")
        #expect(open.map(\.field) == ["title"], "\(open)")
        #expect(open.first?.current == .text("Title C") && open.first?.proposed == .text("Title B"), "\(open)")
    }

    /// A conflict shows the field's value now: after the field changed again on the
    /// server, the conflict lists that value as current, and settling it with --mine,
    /// decided on that value, is accepted.
    @Test func aConflictShowsTheNewestValueAndASettlementDecidedOnItIsAccepted() throws {
        let (s, t) = try Self.titleChangedAgainDuringAConflict()
        try s.ims.ok("sync")
        let open = try s.ims.json([ConflictJSON].self, "conflicts")
        #expect(open.map(\.current) == [.text("Title C")], "\(open)")
        try s.ims.ok("resolve", t, "title", "--mine")
        try s.converge()
        #expect(try s.eums.json([ConflictJSON].self, "conflicts").isEmpty)
        #expect(try s.eums.json(TaskJSON.self, "show", t).title == "Title B")
    }

    /// A tag removed here from a task the other side deleted (and had already removed that
    /// tag from): an edit of a deleted record, so a conflict, and the task leaves this
    /// replica too; before, the edit was "unchanged" and the task stayed here for good.
    @Test func aTagEditOfADeletedTaskThatChangesNothingIsStillAConflict() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--add-tag", "mobility")
        try s.converge()
        try s.eums.ok("edit", t, "--remove-tag", "mobility")
        try s.eums.ok("sync")
        try s.eums.ok("delete", t)
        try s.eums.ok("sync")
        try s.ims.ok("edit", t, "--remove-tag", "mobility")
        try s.ims.ok("sync")
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").map(\.field) == ["tags"])
        #expect(try s.ims.run("show", t).status != 0)
        try s.ims.ok("resolve", t, "tags", "--theirs")
        try s.converge()
        for o in [s.eums, s.ims] { #expect(try o.run("show", t).status != 0) }
    }

    /// `history` of a task deleted since (who deleted it, and when, stays visible), and
    /// `history` and `resolve` of a conference by its number (CLI.md).
    @Test func historyOfADeletedTaskAndConferencesByNumber() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("delete", t)
        try s.converge()
        for o in [s.eums, s.ims] {
            let h = try o.ok("history", t)
            #expect(h.contains("Col. A. Dupont (EUMS) deleted it"), "\(h)")
        }
        try s.eums.ok("conference", "add", "21", "--date", "2026-05-01", "--host", "EUMS")
        try s.converge()
        #expect(try s.ims.ok("history", "21").contains("created"))
        try s.eums.ok("conference", "guidance", "21", "EUMS guidance")
        try s.ims.ok("conference", "guidance", "21", "IMS guidance")
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").map(\.field) == ["guidance"])
        try s.ims.ok("resolve", "21", "guidance", "--theirs")
        try s.converge()
        #expect(try s.eums.json([ConflictJSON].self, "conflicts").isEmpty)
    }

    /// Two fields edited on a task the other side deleted: two edit-versus-delete
    /// conflicts. Settling the first with --mine restores the task; settling the second
    /// with --mine then sets its field, with no new conflict (before: a false one, base
    /// and current both the unchanged value).
    @Test func settlingTheSecondEditOfADeletedTaskAfterItWasRestoredIsNoNewConflict() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("delete", t)
        try s.eums.ok("sync")
        try s.ims.ok("edit", t, "--title", "Title by IMS", "--priority", "high")
        try s.ims.ok("sync")
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").map(\.field).sorted() == ["priority", "title"])
        try s.ims.ok("resolve", t, "title", "--mine")
        try s.ims.ok("sync")
        try s.ims.ok("resolve", t, "priority", "--mine")
        try s.converge()
        #expect(try s.ims.json([ConflictJSON].self, "conflicts").isEmpty)
        let task = try s.eums.json(TaskJSON.self, "show", t)
        #expect(task.title == "Title by IMS" && task.priority == "high")
    }
}
