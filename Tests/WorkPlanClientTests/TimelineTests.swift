import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// A pulled plan with known edits before and after the 20th conference's baseline (seq 8).
struct PulledPlan {
    let replica: Replica
    let tmp: TemporaryDirectory
    let area: String
    let conf20 = RecordID.conference(number: 20)
    let conf21 = RecordID.conference(number: 21)
    let a = "aaaa0000-0000-4000-8000-000000000001"   // closed after the baseline
    let b = "bbbb0000-0000-4000-8000-000000000002"   // owner and tags changed after
    let c = "cccc0000-0000-4000-8000-000000000003"   // changed locally, not synced
    let d = "dddd0000-0000-4000-8000-000000000004"   // created after, a follow-on of conference 20
    let e = "eeee0000-0000-4000-8000-000000000005"   // IMS only: never shown to EUMS
    let f = "ffff0000-0000-4000-8000-000000000006"   // untouched since the baseline, overdue
    let note = "12340000-0000-4000-8000-000000000007"

    init() throws {
        let tmp = try TemporaryDirectory()
        self.tmp = tmp
        replica = try Replica.create(in: tmp.child("replica"), staff: .EUMS, user: "Col. Dupont")
        let area = RecordID.area(named: "Military Mobility")
        self.area = area
        func task(_ id: String, _ title: String, status: String = "open", due: String? = nil, releasable: String = "both", origin: Int? = nil) -> [String: FieldValue] {
            var f: [String: FieldValue] = ["title": .text(title), "area": .text(area), "lead": .text("EUMS"), "status": .text(status),
                                           "priority": .text("medium"), "releasable": .text(releasable)]
            if let due { f["due"] = .text(due) }
            if let origin { f["origin_conference"] = .text(String(origin)) }
            return f
        }
        func change(_ seq: Int64, _ record: String, _ kind: RecordKind, _ action: Action, field: String? = nil, old: FieldValue? = nil,
                    value: FieldValue? = nil, fields: [String: FieldValue]? = nil, user: String = "Cdr. Jansen", staff: Staff = .IMS) -> Change {
            Change(seq: seq, event: .change, record: record, kind: kind, action: action, field: field, old: old, value: value, fields: fields,
                   user: user, staff: staff, at: 1_701_417_600_000 + seq * 60_000)
        }
        let before: [Change] = [
            change(1, area, .area, .create, fields: ["name": .text("Military Mobility")], user: "Col. Dupont", staff: .EUMS),
            change(2, conf20, .conference, .create, fields: ["number": .text("20"), "date": .text("2023-12-01"), "host": .text("EUMS"),
                                                             "place": .text("EUMS headquarters"), "status": .text("planned")], user: "Col. Dupont", staff: .EUMS),
            change(3, a, .task, .create, fields: task(a, "Harmonise movement permissions")),
            change(4, b, .task, .create, fields: task(b, "Deployable medical modules")),
            change(5, c, .task, .create, fields: task(c, "Common cyber exercise", due: "2024-06-30")),
            change(6, f, .task, .create, fields: task(f, "Gender focal point network", due: "2024-03-01")),
            change(7, a, .task, .set, field: "status", old: .text("open"), value: .text("in-progress")),
            change(8, conf20, .conference, .set, field: "status", old: .text("planned"), value: .text("held"), user: "Col. Dupont", staff: .EUMS),
        ]
        let after: [Change] = [
            change(9, a, .task, .set, field: "status", old: .text("in-progress"), value: .text("done")),
            change(10, b, .task, .set, field: "owner", value: .text("Maj. Ruiz")),
            change(11, b, .task, .add, field: "tags", value: .text("medical")),
            change(12, d, .task, .create, fields: task(d, "Information exchange agreement", origin: 20), user: "Col. Dupont", staff: .EUMS),
            change(13, note, .note, .create, fields: ["task": .text(b), "text": .text("Modules inspected"), "author": .text("Maj. Ruiz"),
                                                      "staff": .text("IMS"), "releasable": .text("both")]),
            change(14, e, .task, .create, fields: task(e, "IMS internal review", releasable: "IMS")),
            change(15, e, .task, .set, field: "status", old: .text("open"), value: .text("done")),
            change(16, conf21, .conference, .create, fields: ["number": .text("21"), "date": .text("2024-05-14"), "host": .text("IMS"),
                                                              "status": .text("planned")]),
            // A repeated change (a page replayed) counts once.
            change(10, b, .task, .set, field: "owner", value: .text("Maj. Ruiz")),
        ]
        _ = try replica.applyPull(PullResponse(storeId: "s", changes: before, next: 8, more: true, maxSeq: 16))
        _ = try replica.applyPull(PullResponse(storeId: "s", changes: after, next: 16, more: false, maxSeq: 16))
        // The officer's own edit, not yet synced.
        try replica.edit(.task, id: c, [.set("due", .text("2024-09-30"))], at: 1_705_000_000_000)
    }
}

@Suite("Timeline and baselines")
struct TimelineTests {
    @Test func timelineIsPulledHistoryThenPendingOperations() throws {
        let p = try PulledPlan()
        let t = try p.replica.timeline()
        #expect(t.entries.map(\.seq) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, nil])
        #expect(t.entries.map(\.position) == Array(0..<17))
        #expect(t.entries.last?.synced == false)
        #expect(t.heldPosition(conference: p.conf20) == 7)
        let base = try p.replica.baseline(conference: 20, in: t)
        #expect(base.seq == 8)
        #expect(base.position == 7)
        #expect(base.user == "Col. Dupont")
    }

    @Test func changesSinceTheBaselineFieldByField() throws {
        let p = try PulledPlan()
        let set = try p.replica.changes(sinceConference: 20)
        let short = RecordID.short
        #expect(set.conference == 20)
        #expect(set.created == [short(p.d)])
        #expect(set.closed == [short(p.a)])
        #expect(set.changed == [short(p.b), short(p.c)])
        #expect(set.deleted == [])
        let rows = set.changes.map { [$0.shortId, $0.action, $0.field ?? "-", $0.old?.description ?? "-", $0.new?.description ?? "-", $0.user, String($0.synced)] }
        #expect(rows == [
            [short(p.a), "set", "status", "in-progress", "done", "Cdr. Jansen", "true"],
            [short(p.b), "set", "owner", "(none)", "Maj. Ruiz", "Cdr. Jansen", "true"],
            [short(p.b), "add", "tags", "", "medical", "Cdr. Jansen", "true"],
            [short(p.d), "create", "-", "-", "Information exchange agreement", "Col. Dupont", "true"],
            [short(p.note), "create", "-", "-", "Modules inspected", "Cdr. Jansen", "true"],
            [short(p.conf21), "create", "-", "-", "Conference 21", "Cdr. Jansen", "true"],
            [short(p.c), "set", "due", "2024-06-30", "2024-09-30", "Col. Dupont", "false"],
        ])
        #expect(set.changes.first { $0.kind == "note" }?.task == p.b)
        #expect(!set.changes.contains { $0.record == p.e }, "an IMS-only record never appears in an EUMS change set")
    }

    /// The brief tester: a task deleted and brought back by a resolution with a new value
    /// ("mine": the edit that met the delete) showed "priority: high → high", and one brought
    /// back done counted as changed, not closed. The old value is the one before the restore.
    @Test func aRestoreWithAValueChangesFromTheValueBeforeIt() throws {
        let p = try PulledPlan()
        func fields(_ title: String, status: String, priority: String) -> [String: FieldValue] {
            ["title": .text(title), "area": .text(p.area), "lead": .text("EUMS"), "status": .text(status),
             "priority": .text(priority), "releasable": .text("both")]
        }
        func change(_ seq: Int64, _ record: String, _ action: Action, field: String? = nil, old: FieldValue? = nil,
                    value: FieldValue? = nil, fields: [String: FieldValue]? = nil) -> Change {
            Change(seq: seq, event: .change, record: record, kind: .task, action: action, field: field, old: old, value: value,
                   fields: fields, user: "Cdr. Jansen", staff: .IMS, at: 1_701_417_600_000 + seq * 60_000)
        }
        _ = try p.replica.applyPull(PullResponse(storeId: "s", changes: [
            change(17, p.b, .delete), change(18, p.f, .delete),
            change(19, p.b, .restore, field: "priority", old: .text("medium"), value: .text("high"),
                   fields: fields("Deployable medical modules", status: "open", priority: "high")),
            change(20, p.f, .restore, field: "status", old: .text("open"), value: .text("done"),
                   fields: fields("Gender focal point network", status: "done", priority: "medium")),
        ], next: 20, more: false, maxSeq: 20), after: 16)
        let set = try p.replica.changes(sinceConference: 20)
        let restores = set.changes.filter { $0.action == "restore" }.map { "\($0.shortId) \($0.field ?? "") \($0.old?.description ?? "-") \($0.new?.description ?? "-")" }
        #expect(restores == ["\(RecordID.short(p.b)) priority medium high", "\(RecordID.short(p.f)) status open done"])
        #expect(set.closed.contains(RecordID.short(p.f)) && !set.changed.contains(RecordID.short(p.f)))
        #expect(set.changed.contains(RecordID.short(p.b)) && set.deleted.isEmpty)

        // The review: brought back with the value it had, a restore showed "medium → medium".
        _ = try p.replica.applyPull(PullResponse(storeId: "s", changes: [
            change(21, p.b, .delete),
            change(22, p.b, .restore, field: "priority", old: .text("high"), value: .text("high"),
                   fields: fields("Deployable medical modules", status: "open", priority: "high")),
        ], next: 22, more: false, maxSeq: 22), after: 20)
        let again = try p.replica.changes(sinceConference: 20).changes.filter { $0.seq == 22 }
        #expect(again.map { "\($0.action) \($0.field ?? "-") \($0.old?.description ?? "-") \($0.new?.description ?? "-")" } == ["restore - - -"])
    }

    /// The review: a task deleted before the baseline and brought back done after it was
    /// listed as closed since the baseline, though the plan did not hold it then. It is new.
    @Test func aTaskDeletedBeforeTheBaselineAndRestoredAfterItIsNew() throws {
        let (r, _, area) = try makeReplica()
        let conf = RecordID.conference(number: 20), task = RecordID.random()
        let fields: [String: FieldValue] = ["title": .text("Back after the baseline"), "area": .text(area), "lead": .text("EUMS"),
                                            "status": .text("open"), "priority": .text("medium"), "releasable": .text("both")]
        func change(_ seq: Int64, _ record: String, _ kind: RecordKind, _ action: Action, field: String? = nil, old: FieldValue? = nil,
                    value: FieldValue? = nil, fields: [String: FieldValue]? = nil) -> Change {
            Change(seq: seq, event: .change, record: record, kind: kind, action: action, field: field, old: old, value: value,
                   fields: fields, user: "Cdr. Jansen", staff: .IMS, at: 1_701_417_600_000 + seq * 60_000)
        }
        var done = fields
        done["status"] = .text("done")
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            change(1, conf, .conference, .create, fields: ["number": .text("20"), "date": .text("2023-12-01"), "host": .text("EUMS"), "status": .text("planned")]),
            change(2, task, .task, .create, fields: fields),
            change(3, task, .task, .delete),
            change(4, conf, .conference, .set, field: "status", old: .text("planned"), value: .text("held")),
            change(5, task, .task, .restore, field: "status", old: .text("open"), value: .text("done"), fields: done),
        ], next: 5, more: false, maxSeq: 5))
        let set = try r.changes(sinceConference: 20)
        #expect(set.created == [RecordID.short(task)])
        #expect(set.closed.isEmpty && set.changed.isEmpty && set.deleted.isEmpty)
    }

    @Test func unknownOrNotHeldConferencesAreErrors() throws {
        let p = try PulledPlan()
        let unknown = #expect(throws: WorkPlanError.self) { try p.replica.changes(sinceConference: 99) }
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message == "no conference 99")
        let planned = #expect(throws: WorkPlanError.self) { try p.replica.changes(sinceConference: 21) }
        #expect(planned?.code == .invalidInput)
        #expect(planned?.message.contains("conference 21 is not held yet") == true)
    }

    @Test func briefOfTheNextConference() throws {
        let p = try PulledPlan()
        // A disagreement on task b, and one on the IMS-only task (never shown to EUMS).
        let conflict = Conflict(id: RecordID.random(), record: p.b, kind: .task, type: .edit, field: "priority", base: .text("medium"),
                                current: .text("high"), proposed: .text("low"), proposedBy: "Maj. Ruiz", staff: .IMS, at: 0, currentRev: 10)
        var hidden = conflict
        hidden.id = RecordID.random()
        hidden.record = p.e
        _ = try p.replica.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 17, event: .conflictOpened, record: p.b, kind: .task, user: "Maj. Ruiz", staff: .IMS, at: 0, conflict: conflict),
            Change(seq: 18, event: .conflictOpened, record: p.e, kind: .task, user: "Maj. Ruiz", staff: .IMS, at: 0, conflict: hidden),
        ], next: 18, more: false, maxSeq: 18))
        let brief = try p.replica.brief(conference: 21)
        let short = RecordID.short
        #expect(brief.previous?.number == 20)
        #expect(brief.changes.created == [short(p.d)])
        #expect(brief.changes.closed == [short(p.a)])
        #expect(brief.changes.changed == [short(p.b), short(p.c)])
        #expect(brief.followOns.map(\.shortId) == [short(p.d)])
        #expect(brief.overdue.map(\.shortId) == [short(p.f)], "due 2024-03-01, before 2024-05-14, still open")
        #expect(brief.conflicts.map(\.record) == [p.b])
        #expect(brief.areas.map(\.name) == ["Military Mobility"])
        #expect(Set(brief.allTasks.map(\.id)) == [p.a, p.b, p.c, p.d, p.f])
        #expect(brief.task(p.b)?.lastNote?.text == "Modules inspected")

        let md = BriefMarkdown.render(brief)
        #expect(md.contains("# Brief for the 21st EUMS-IMS Director Generals Conference"))
        #expect(md.contains("owner: (none) → Maj. Ruiz — Cdr. Jansen (IMS)"))
        #expect(md.contains("status: in-progress → done"))
        #expect(md.contains("due: 2024-06-30 → 2024-09-30 — Col. Dupont (EUMS)"))
        #expect(md.contains("| \(short(p.b)) | Deployable medical modules | priority | high | low | Maj. Ruiz (IMS) |"))
        #expect(!md.contains("IMS internal review"))
        // Conference 21 is still planned: its plan is the one to present, no caveat.
        #expect(!md.contains("The plan as it stands now"))
    }

    /// The black-box tester: an agenda item covering a task deleted since showed no task at
    /// all in the brief (`agenda list` marks it deleted), and a multi-line outcome ran
    /// together on one line while the guidance below kept its lines.
    @Test func anAgendaItemShowsItsDeletedTaskAndItsOutcomesLines() throws {
        let p = try PulledPlan()
        _ = try p.replica.createRecord(.agendaItem, fields: ["conference": .text("21"), "topic": .text("Mobility progress"),
                                                             "tasks": .makeSet([p.a, p.b]), "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both"),
                                                             "outcome": .text("Outcome line 1\nOutcome line 2")])
        try p.replica.deleteRecord(.task, id: p.a)
        let brief = try p.replica.brief(conference: 21)
        let item = try #require(brief.agenda.first { $0.topic == "Mobility progress" })
        #expect(item.tasks.map(\.id) == [p.b] && item.deletedTasks == [RecordID.short(p.a)])
        let md = BriefMarkdown.render(brief)
        #expect(md.contains("   - `\(RecordID.short(p.a))` (deleted since)\n"), "\(md)")
        #expect(md.contains("   - Outcome: Outcome line 1  \n     Outcome line 2\n"), "\(md)")
        let html = BriefHTML.render(brief)
        #expect(html.contains("<code>\(RecordID.short(p.a))</code> (deleted since)"))
        #expect(html.contains("<td class=\"lines\">Outcome line 1\nOutcome line 2</td>"))
    }

    @Test func heldConferenceBriefEndsAtItsOwnBaseline() throws {
        let p = try PulledPlan()
        // Conference 21 held at seq 17; a later change falls outside its brief's window.
        _ = try p.replica.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 17, event: .change, record: p.conf21, kind: .conference, action: .set, field: "status", value: .text("held"), user: "x", staff: .IMS, at: 0),
            Change(seq: 18, event: .change, record: p.f, kind: .task, action: .set, field: "status", value: .text("cancelled"), user: "x", staff: .IMS, at: 0),
        ], next: 18, more: false, maxSeq: 18))
        let brief = try p.replica.brief(conference: 21)
        #expect(brief.changes.until == "the baseline of conference 21")
        #expect(brief.changes.closed == [RecordID.short(p.a)])
        #expect(try p.replica.changes(sinceConference: 21).closed == [RecordID.short(p.f)])
        // The officer's unsynced edit follows all pulled history, so it is after 21's baseline.
        #expect(try p.replica.changes(sinceConference: 21).changed == [RecordID.short(p.c)])
        // The plan printed is today's (f is cancelled in it), and the brief says so.
        let note = "The plan as it stands now"
        #expect(BriefMarkdown.render(brief).contains(note) && BriefHTML.render(brief).contains(note))
    }

    /// DOMAIN.md: a task is due by "a due date or the conference at which it is to be
    /// reported". One to be reported at an earlier conference and still open is overdue;
    /// one to be reported at this conference is not (yet).
    @Test func aTaskToBeReportedAtAnEarlierConferenceIsOverdue() throws {
        let p = try PulledPlan()
        try p.replica.edit(.task, id: p.b, [.set("conference", .text("20"))])
        try p.replica.edit(.task, id: p.d, [.set("conference", .text("21"))])
        let brief = try p.replica.brief(conference: 21)
        #expect(brief.overdue.map(\.shortId) == [RecordID.short(p.b), RecordID.short(p.f)])
        let md = BriefMarkdown.render(brief)
        #expect(md.contains("| \(RecordID.short(p.b)) | Deployable medical modules | EUMS | Maj. Ruiz | open | conf 20 |"))
        #expect(md.contains("or to be reported at an earlier conference"))
        #expect(BriefHTML.render(brief).contains("conf 20"))
    }

    /// The second tester: a task shared with IMS again (a snapshot), then retitled, showed
    /// in IMS's `changes` as "title: (none) → ...": the replay did not know the record the
    /// snapshot brought, and took its fields from the changes after it.
    @Test func changesOfARecordThatArrivedWholeStartFromIt() throws {
        let p = try PulledPlan()
        let shared = "abab0000-0000-4000-8000-000000000009"
        var fields: [String: FieldValue] = ["title": .text("Flip task"), "area": .text(p.area), "lead": .text("EUMS"),
                                            "status": .text("open"), "priority": .text("medium"), "releasable": .text("both")]
        fields["owner"] = .text("Maj. Ruiz")
        _ = try p.replica.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 17, event: .snapshot, record: shared, kind: .task, fields: fields, revs: [:], user: "x", staff: .EUMS, at: 0, createdAt: 0, createdBy: "x"),
            Change(seq: 18, event: .change, record: shared, kind: .task, action: .set, field: "priority", old: .text("medium"), value: .text("high"), user: "x", staff: .EUMS, at: 0),
            Change(seq: 19, event: .change, record: shared, kind: .task, action: .set, field: "title", old: .text("Flip task"), value: .text("Flip task again"), user: "x", staff: .EUMS, at: 0),
        ], next: 19, more: false, maxSeq: 19))
        let set = try p.replica.changes(sinceConference: 20)
        let title = set.changes.first { $0.record == shared && $0.field == "title" }
        #expect(title?.old == .text("Flip task") && title?.new == .text("Flip task again"))
        // New to this staff since the baseline (the third tester): it counts as created, and
        // its later changes are listed, not counted again.
        #expect(set.created.contains(RecordID.short(shared)) && !set.changed.contains(RecordID.short(shared)))
        #expect(!set.closed.contains(RecordID.short(shared)))
        #expect(try p.replica.history(record: shared).map(\.event) == ["snapshot", "change", "change"])
    }

    @Test func withoutAPreviousConferenceEveryTaskIsNew() throws {
        let p = try PulledPlan()
        let brief = try p.replica.brief(conference: 20)
        #expect(brief.previous == nil)
        #expect(Set(brief.changes.created) == Set([p.a, p.b, p.c, p.d, p.f].map(RecordID.short)))
        #expect(brief.changes.closed.isEmpty && brief.changes.changed.isEmpty)
        #expect(brief.followOns.isEmpty)
        #expect(BriefMarkdown.render(brief).contains("there is no baseline: every task counts as new"))
    }
}

@Suite("Baselines in the pending log")
struct BaselinePendingTests {
    /// An offline replica: conference 20 and a task, conference 20 closed, then edits.
    func offline() throws -> (Replica, TemporaryDirectory, task: String, conf: String) {
        let (r, tmp, area) = try makeReplica()
        let conf = try r.createRecord(.conference, fields: ["number": .text("20"), "date": .text("2023-12-01"), "host": .text("EUMS"), "status": .text("planned")])
        let task = try r.createRecord(.task, fields: taskFields(area))
        try r.edit(.task, id: task, [.set("owner", .text("Maj. Weber"))])
        try r.edit(.conference, id: conf, [.set("status", .text("held"))])
        try r.edit(.task, id: task, [.set("status", .text("done")), .set("owner", .text("Lt Col. Weber"))])
        try r.edit(.task, id: task, [.set("status", .text("cancelled"))])
        return (r, tmp, task, conf)
    }

    @Test func editsAreNotFoldedAcrossABaseline() throws {
        let (r, _, task, conf) = try offline()
        let ops = try pendingOps(r)
        let shape = ops.map { "\($0.action.rawValue) \($0.field ?? "")" }
        #expect(shape == ["create ", "create ", "create ", "set status", "set status", "set owner"],
                "area, conference and task creates (the owner edit folded into the task's create), the close, then unfolded edits")
        #expect(ops[2].fields?["owner"] == .text("Maj. Weber"))
        #expect(ops[3].record == conf)
        #expect(ops[4].value == .text("cancelled"), "edits after the baseline still fold among themselves")
        let set = try r.changes(sinceConference: 20)
        #expect(set.closed == [RecordID.short(task)])
        #expect(set.changes.map { "\($0.field ?? "") \($0.old?.description ?? "") \($0.new?.description ?? "")" } ==
                ["status open cancelled", "owner Maj. Weber Lt Col. Weber"])
        #expect(set.baseline?.synced == false)
    }

    /// The docs tester: a task added offline, conference 20 closed, then the task deleted.
    /// The delete dropped the task's create with its other waiting edits, across the close,
    /// and `changes --since-conference 20` and the brief said nothing was deleted.
    @Test func aTaskCreatedBeforeTheBaselineAndDeletedAfterItCountsAsDeleted() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        let conf = try anna.createRecord(.conference, fields: ["number": .text("20"), "date": .text("2023-12-01"), "host": .text("EUMS"), "status": .text("planned")])
        let gone = try anna.createRecord(.task, fields: taskFields(f.area, title: "There at the baseline"))
        try anna.edit(.conference, id: conf, [.set("status", .text("held"))])
        let brandNew = try anna.createRecord(.task, fields: taskFields(f.area, title: "Not there at the baseline"))
        try anna.edit(.task, id: gone, [.set("owner", .text("Maj. Weber"))])
        try anna.deleteRecord(.task, id: gone)
        try anna.deleteRecord(.task, id: brandNew)
        let kept = try pendingOps(anna).filter { [gone, brandNew].contains($0.record) }.map { "\($0.action.rawValue) \($0.field ?? "")" }
        #expect(kept == ["create ", "delete "], "the create before the close stays; the owner edit after it goes with the delete, and the task made after it goes whole")
        #expect(try anna.changes(sinceConference: 20).deleted == [RecordID.short(gone)])

        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let bruno = try Replica.create(in: f.tmp.child("bruno"), staff: .EUMS, user: "Bruno")
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        for r in [anna, bruno] {
            #expect(try r.changes(sinceConference: 20).deleted == [RecordID.short(gone)])
            #expect(try r.record(.task, id: gone) == nil)
            #expect(try r.conflicts().isEmpty)
        }
        #expect(try pendingOps(anna).isEmpty)
    }

    /// The review: the edits a delete drops after the close left their values in the view
    /// of the task kept for its create; when the delete then met a conflict, the task came
    /// back here with a value the server never received.
    @Test func aKeptTaskThatComesBackShowsNoDroppedValue() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        let conf = try anna.createRecord(.conference, fields: ["number": .text("20"), "date": .text("2023-12-01"), "host": .text("EUMS"), "status": .text("planned")])
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let task = try anna.createRecord(.task, fields: taskFields(f.area, title: "Kept for its create"))
        try anna.edit(.conference, id: conf, [.set("status", .text("held"))])
        try anna.edit(.task, id: task, [.set("owner", .text("Maj. Weber"))])
        try anna.deleteRecord(.task, id: task)
        // Only the batch before the close reaches the server (the sync was cut off there).
        let first = try #require(try anna.nextBatch())
        #expect(first.ops.map(\.record) == [task])
        _ = try anna.applyPushResponse(try await f.transport().push(first))
        let bruno = try Replica.create(in: f.tmp.child("bruno"), staff: .EUMS, user: "Bruno")
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        try bruno.edit(.task, id: task, [.set("priority", .text("high"))])
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        #expect(try await SyncEngine(replica: anna, transport: f.transport()).run().newConflicts == 1, "the delete meets Bruno's edit")
        for r in [anna, bruno] {
            let back = try #require(try r.record(.task, id: task))
            #expect(back.text("owner") == nil, "the owner edit went with the delete")
            #expect(back.text("priority") == "high")
        }
    }

    /// The review of the fix above: a create in flight (the server took it, its reply was
    /// lost) is kept the same way, and the edits a delete drops fall back to its values.
    @Test func aTaskWhoseCreateIsInFlightComesBackWithoutDroppedValues() async throws {
        let f = try StoreAndReplica()
        defer { f.close() }
        let anna = f.replica
        _ = try await SyncEngine(replica: anna, transport: f.transport()).run()
        let task = try anna.createRecord(.task, fields: taskFields(f.area, title: "Reply lost"))
        let lost = try #require(try anna.nextBatch())
        _ = try await f.transport().push(lost)
        try anna.edit(.task, id: task, [.set("owner", .text("Maj. Weber"))])
        try anna.deleteRecord(.task, id: task)
        let bruno = try Replica.create(in: f.tmp.child("bruno"), staff: .EUMS, user: "Bruno")
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        try bruno.edit(.task, id: task, [.set("priority", .text("high"))])
        _ = try await SyncEngine(replica: bruno, transport: f.transport("Bruno")).run()
        #expect(try await SyncEngine(replica: anna, transport: f.transport()).run().newConflicts == 1)
        for r in [anna, bruno] {
            let back = try #require(try r.record(.task, id: task))
            #expect(back.text("owner") == nil, "the owner edit went with the delete")
            #expect(back.text("priority") == "high")
        }
    }

    @Test func batchesEndAtABaselineAndLaterEditsAreRebased() throws {
        let (r, _, task, conf) = try offline()
        func push(_ expected: [String], seq: inout Int64) throws {
            let batch = try #require(try r.nextBatch())
            #expect(batch.ops.map { "\($0.action.rawValue) \($0.field ?? "")" } == expected)
            let results = batch.ops.map { op -> OpResult in
                seq += 1
                return OpResult(op: op.id, outcome: .accepted, seq: seq, rev: seq)
            }
            _ = try r.applyPushResponse(PushResponse(batchId: batch.batchId, storeId: "s", results: results, replayed: false))
        }
        var seq: Int64 = 0
        #expect(try pendingOps(r).filter { $0.record == conf && $0.action == .set }.map(\.baseRev) == [0])
        try push(["create ", "create ", "create "], seq: &seq)
        #expect(try pendingOps(r).map(\.baseRev) == [2, 3, 3], "the close stands on the conference's create, the task edits on the task's")
        try push(["set status"], seq: &seq)
        try push(["set status", "set owner"], seq: &seq)
        #expect(try pendingOps(r).isEmpty)
        #expect(try r.record(.task, id: task)?.text("status") == "cancelled")
    }
}

/// The clock tester: conference 21 closed before 20 (a slip; there is no reopening) gave
/// brief 21 the window from 20's baseline, after its own: backwards, "Changed: 0".
@Suite("Briefs of conferences closed out of order")
struct OutOfOrderCloseTests {
    @Test func theBriefStartsAtTheLastConferenceHeldBeforeIt() throws {
        let (r, tmp, area) = try makeReplica()
        defer { withExtendedLifetime(tmp) {} }
        var ids: [Int: String] = [:]
        for n in [19, 20, 21] {
            ids[n] = try r.createRecord(.conference, fields: ["number": .text("\(n)"), "date": .text("2024-0\(n - 14)-14"), "host": .text("EUMS"), "status": .text("planned")])
        }
        let task = try r.createRecord(.task, fields: taskFields(area))
        func close(_ n: Int) throws { _ = try r.edit(.conference, id: ids[n]!, [.set("status", .text("held"))]) }
        try close(19)
        _ = try r.edit(.task, id: task, [.set("priority", .text("high"))])
        try close(21)
        _ = try r.edit(.task, id: task, [.set("owner", .text("Maj. Late"))])
        try close(20)

        let brief = try r.brief(conference: 21)
        #expect(brief.previous?.number == 19)
        #expect(brief.changes.changed == [RecordID.short(task)])
        #expect(brief.changes.changes.contains { $0.field == "priority" } && !brief.changes.changes.contains { $0.field == "owner" })
        // Conference 20, closed last, starts at 19 as before.
        #expect(try r.brief(conference: 20).previous?.number == 19)
    }
}
