import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

@Suite("MergeRules through the server (DESIGN.md rule 3)")
struct MergeTests {
    @Test func staleButEqualValueIsUnchanged() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let a = try await push(f.eums, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)])
            #expect(a.results[0].outcome == .accepted)
            let before = try f.digest
            let b = try await push(f.eums2, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)])
            #expect(b.results[0].outcome == .unchanged)
            #expect(b.results[0].rev == a.results[0].seq)
            // Only the batch id is new.
            #expect(try f.digest.components(separatedBy: "\n").filter { !$0.hasPrefix("[id:") && !$0.hasPrefix("batches") }
                    == before.components(separatedBy: "\n").filter { !$0.hasPrefix("[id:") && !$0.hasPrefix("batches") })
        }
    }

    @Test func staleDifferentShortValueConflictsAndKeepsBoth() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            try await push(f.eums, [PlanFixtures.set(task, "priority", .text("high"), baseRev: rev)])
            let r = try await push(f.ims, [PlanFixtures.set(task, "priority", .text("low"), baseRev: rev)])
            let c = try #require(r.results[0].conflicts?.first)
            #expect(r.results[0].outcome == .conflict)
            #expect(c.type == .edit && c.field == "priority")
            #expect(c.base == .text("medium") && c.current == .text("high") && c.proposed == .text("low"))
            #expect(c.proposedBy == "ivan" && c.staff == .IMS)
            // Everyone who can see the record learns of it.
            let seen = try await pullAll(f.eums).changes
            #expect(seen.contains { $0.event == .conflictOpened && $0.conflict?.id == c.id })
        }
    }

    @Test func longTextEditsMergeWhenTheyDoNotOverlap() async throws {
        try await ServerFixture.run { f in
            let base = "line one\nline two\nline three\nline four"
            let (task, rev) = try await seedTask(f.eums, extra: ["description": .text(base)])
            let a = try await push(f.eums, [PlanFixtures.set(task, "description", .text("line ONE\nline two\nline three\nline four"), baseRev: rev)])
            #expect(a.results[0].outcome == .accepted)
            let b = try await push(f.ims, [PlanFixtures.set(task, "description", .text("line one\nline two\nline three\nline FOUR"), baseRev: rev)])
            #expect(b.results[0].outcome == .merged)
            #expect(b.results[0].value == .text("line ONE\nline two\nline three\nline FOUR"))
            // A later merge uses the value at its base rev from history, not the create's.
            let c = try await push(f.eums2, [PlanFixtures.set(task, "description", .text("line ONE\nline 2\nline three\nline four"), baseRev: a.results[0].seq!)])
            #expect(c.results[0].outcome == .merged)
            #expect(c.results[0].value == .text("line ONE\nline 2\nline three\nline FOUR"))
        }
    }

    @Test func overlappingLongTextEditsConflict() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums, extra: ["description": .text("a\nb\nc")])
            try await push(f.eums, [PlanFixtures.set(task, "description", .text("a\nB1\nc"), baseRev: rev)])
            let r = try await push(f.ims, [PlanFixtures.set(task, "description", .text("a\nB2\nc"), baseRev: rev)])
            #expect(r.results[0].outcome == .conflict)
            #expect(r.results[0].conflicts?.first?.base == .text("a\nb\nc"))
            #expect(r.results[0].value == .text("a\nB1\nc"))
        }
    }

    @Test func editOfADeletedRecordConflicts() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let d = try await push(f.eums, [PlanOperation(record: task, kind: .task, action: .delete, baseRev: rev, at: PlanFixtures.at)])
            #expect(d.results[0].outcome == .accepted)
            let e = try await push(f.ims, [PlanFixtures.set(task, "title", .text("Still alive?"), baseRev: rev)])
            let c = try #require(e.results[0].conflicts?.first)
            #expect(e.results[0].outcome == .conflict && c.type == .editDeleted)
            #expect(c.currentRev == d.results[0].seq)
            // Resolving with "mine": a restore against the conflict's current rev.
            let restore = PlanOperation(record: task, kind: .task, action: .restore, field: "title", value: .text("Still alive?"),
                                        baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            let r = try await push(f.ims, [restore])
            #expect(r.results[0].outcome == .accepted)
            let changes = try await pullAll(f.eums).changes
            #expect(changes.contains { $0.event == .conflictResolved && $0.resolved == [c.id] })
            #expect(changes.last(where: { $0.action == .restore })?.fields?["title"] == .text("Still alive?"))
        }
    }

    /// A task restored with a follow-on link (a "mine" on an edit of it while deleted) is
    /// checked like a `set` of the link: a link made meanwhile the other way round would
    /// otherwise close a loop, which the server refuses everywhere else (`FollowOn`).
    @Test func aRestoreMayNotCloseAFollowOnLoop() async throws {
        try await ServerFixture.run { f in
            let (t1, rev) = try await seedTask(f.eums)
            let t2 = PlanFixtures.createTask(title: "Second task", area: "Military Mobility")
            let t2rev = try await push(f.eums, [t2]).results[0].rev
            _ = try await push(f.eums, [PlanOperation(record: t1, kind: .task, action: .delete, baseRev: rev, at: PlanFixtures.at)])
            let e = try await push(f.ims, [PlanFixtures.set(t1, "follows", .text(t2.record), baseRev: rev)])
            let c = try #require(e.results[0].conflicts?.first)
            #expect(c.type == .editDeleted)
            let link = try await push(f.eums, [PlanFixtures.set(t2.record, "follows", .text(t1), baseRev: t2rev)])
            #expect(link.results[0].outcome == .accepted)
            let before = try f.digest
            let restore = PlanOperation(record: t1, kind: .task, action: .restore, field: "follows", value: .text(t2.record),
                                        baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            let r = try await f.ims.push(PushRequest(batchId: "restore-loop", ops: [restore]))
            #expect(r.status == 400)
            #expect(r.error?.message.contains("loop") == true, "\(String(describing: r.error))")
            #expect(r.error?.record == t1)
            #expect(try f.digest == before)
        }
    }

    @Test func deleteOfARecordChangedSinceConflicts() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            try await push(f.ims, [PlanFixtures.set(task, "owner", .text("Ivan"), baseRev: rev)])
            let d = try await push(f.eums, [PlanOperation(record: task, kind: .task, action: .delete, baseRev: rev, at: PlanFixtures.at)])
            let c = try #require(d.results[0].conflicts?.first)
            #expect(d.results[0].outcome == .conflict && c.type == .deleteChanged && c.field == Conflict.deletedField)
            // Resolving with "theirs" closes it and keeps the record.
            let resolve = PlanOperation(record: task, kind: .task, action: .resolve, baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            let r = try await push(f.eums, [resolve])
            #expect(r.results[0].outcome == .unchanged)
            let open = try await pullAll(f.eums).changes.filter { $0.event == .conflictResolved }
            #expect(open.count == 1 && open[0].resolved == [c.id] && open[0].user == "anna")
        }
    }

    /// Deleting anyway, as the decision on a delete conflict opened by a note, is made
    /// against the conflict, whatever base the client sends (an older client sends the
    /// task's rev, which the note never moved: the same conflict again, for ever).
    @Test func deletingAnywayAfterANoteIsAcceptedWhateverTheBase() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let note = PlanOperation(record: RecordID.random(), kind: .note, action: .create, fields: [
                "task": .text(task), "text": .text("IMS: still needed"), "author": .text("ivan"),
                "staff": .text("IMS"), "releasable": .text("both")], baseRev: 0, at: PlanFixtures.at)
            #expect(try await push(f.ims, [note]).results[0].outcome == .accepted)
            let d = try await push(f.eums, [PlanOperation(record: task, kind: .task, action: .delete, baseRev: rev, at: PlanFixtures.at)])
            let c = try #require(d.results[0].conflicts?.first)
            #expect(c.type == .deleteChanged && c.current == .text("note added"))
            let again = PlanOperation(record: task, kind: .task, action: .delete, baseRev: rev, resolves: [c.id], at: PlanFixtures.at)
            let r = try await push(f.eums, [again])
            #expect(r.results[0].outcome == .accepted, "\(r.results[0])")
        }
    }

    @Test func naturalKeyCreatesMergeIntoOneRecord() async throws {
        try await ServerFixture.run { f in
            let eumsArea = PlanFixtures.createArea("Military Mobility")
            var imsArea = PlanFixtures.createArea("military  mobility")
            #expect(eumsArea.record == imsArea.record)
            let a = try await push(f.eums, [eumsArea])
            #expect(a.results[0].outcome == .accepted)
            // Same name: merges silently.
            let same = try await push(f.ims, [PlanFixtures.createArea("Military Mobility")])
            #expect(same.results[0].outcome == .unchanged)
            // Different spelling of the same key: one record, and the name differs: a conflict.
            imsArea.id = RecordID.random()
            let diff = try await push(f.ims, [imsArea])
            #expect(diff.results[0].outcome == .conflict)
            #expect(diff.results[0].conflicts?.first?.field == "name")
            let creates = try await pullAll(f.ims).changes.filter { $0.action == .create }
            #expect(creates.count == 1)
        }
    }

    @Test func setElementsNeverConflict() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums, extra: ["tags": .set(["a"])])
            let add = PlanOperation(record: task, kind: .task, action: .add, field: "tags", value: .text("b"), baseRev: rev, at: PlanFixtures.at)
            let remove = PlanOperation(record: task, kind: .task, action: .remove, field: "tags", value: .text("a"), baseRev: rev, at: PlanFixtures.at)
            let r1 = try await push(f.eums, [add])
            let r2 = try await push(f.ims, [remove])
            #expect(r1.results[0].outcome == .accepted && r2.results[0].outcome == .accepted)
            #expect(r2.results[0].value == .set(["b"]))
        }
    }

    @Test func staleResolutionOpensANewConflictAndClosesTheOld() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let w = try await push(f.eums, [PlanFixtures.set(task, "owner", .text("A"), baseRev: rev)])
            let l = try await push(f.ims, [PlanFixtures.set(task, "owner", .text("B"), baseRev: rev)])
            let c1 = try #require(l.results[0].conflicts?.first)
            // Someone changes the field again before the resolution arrives.
            try await push(f.eums2, [PlanFixtures.set(task, "owner", .text("C"), baseRev: w.results[0].seq!)])
            let stale = try await push(f.ims, [PlanFixtures.set(task, "owner", .text("B"), baseRev: c1.currentRev, resolves: [c1.id])])
            #expect(stale.results[0].outcome == .conflict)
            let c2 = try #require(stale.results[0].conflicts?.first)
            #expect(c2.id != c1.id && c2.current == .text("C") && c2.proposed == .text("B"))
            let changes = try await pullAll(f.eums).changes
            #expect(changes.contains { $0.event == .conflictResolved && $0.resolved == [c1.id] })
        }
    }

    /// The black-box tester: EUMS settled a conflict by keeping the current value (which
    /// moves no rev); IMS, offline, settled it with its own value. The second decision was
    /// made without seeing the first: a new conflict, not a silent overwrite. And the other
    /// way round: keeping what the conflict showed, after someone else chose otherwise.
    @Test func aLateResolutionOfASettledConflictConflicts() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            try await push(f.eums, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)])
            let c = try #require(try await push(f.ims, [PlanFixtures.set(task, "status", .text("done"), baseRev: rev)]).results[0].conflicts?.first)
            let keep = PlanOperation(record: task, kind: .task, action: .resolve, baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            #expect(try await push(f.eums, [keep]).results[0].outcome == .unchanged)
            let late = try await push(f.ims, [PlanFixtures.set(task, "status", .text("done"), baseRev: c.currentRev, resolves: [c.id])])
            #expect(late.results[0].outcome == .conflict)
            let c2 = try #require(late.results[0].conflicts?.first)
            #expect(c2.id != c.id && c2.current == .text("blocked") && c2.proposed == .text("done") && c2.staff == .IMS)
            #expect(try await pullAll(f.eums).changes.last { $0.record == task && $0.event == .change && $0.field == "status" }?.value == .text("blocked"))
            // A late resolution that leaves the field as it is stands (nothing to decide).
            let same = try await push(f.eums2, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: c.currentRev, resolves: [c.id])])
            #expect(same.results[0].outcome == .unchanged)

            // "Theirs" arriving after someone else's "mine": IMS kept "low", EUMS chose "high".
            let (t2, rev2) = try await seedTask(f.eums)
            try await push(f.ims, [PlanFixtures.set(t2, "priority", .text("low"), baseRev: rev2)])
            let d = try #require(try await push(f.eums, [PlanFixtures.set(t2, "priority", .text("high"), baseRev: rev2)]).results[0].conflicts?.first)
            #expect(try await push(f.eums, [PlanFixtures.set(t2, "priority", .text("high"), baseRev: d.currentRev, resolves: [d.id])]).results[0].outcome == .accepted)
            let keepLow = PlanOperation(record: t2, kind: .task, action: .resolve, baseRev: d.currentRev, resolves: [d.id], at: PlanFixtures.at)
            let r = try await push(f.ims, [keepLow])
            #expect(r.results[0].outcome == .conflict)
            let d2 = try #require(r.results[0].conflicts?.first)
            #expect(d2.field == "priority" && d2.current == .text("high") && d2.proposed == .text("low"))
        }
    }

    /// The same for a delete: one side leaves the record deleted ("theirs"), the other,
    /// offline, brings it back ("mine"); and one keeps it, the other deletes it anyway.
    @Test func aLateResolutionOfADeleteConflictConflicts() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            _ = try await push(f.eums, [PlanOperation(record: task, kind: .task, action: .delete, baseRev: rev, at: PlanFixtures.at)])
            let c = try #require(try await push(f.ims, [PlanFixtures.set(task, "owner", .text("Ivan"), baseRev: rev)]).results[0].conflicts?.first)
            let leave = PlanOperation(record: task, kind: .task, action: .resolve, baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            #expect(try await push(f.eums, [leave]).results[0].outcome == .unchanged)
            let back = PlanOperation(record: task, kind: .task, action: .restore, field: "owner", value: .text("Ivan"),
                                     baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            let late = try await push(f.ims, [back])
            #expect(late.results[0].outcome == .conflict)
            #expect(late.results[0].conflicts?.first?.type == .editDeleted)
            #expect(try await pullAll(f.eums).changes.last { $0.record == task && $0.event == .change }?.action == .delete)

            let (t2, rev2) = try await seedTask(f.eums)
            try await push(f.ims, [PlanFixtures.set(t2, "owner", .text("Ivan"), baseRev: rev2)])
            let d = try #require(try await push(f.eums, [PlanOperation(record: t2, kind: .task, action: .delete, baseRev: rev2, at: PlanFixtures.at)]).results[0].conflicts?.first)
            let keep = PlanOperation(record: t2, kind: .task, action: .resolve, baseRev: d.currentRev, resolves: [d.id], at: PlanFixtures.at)
            #expect(try await push(f.ims, [keep]).results[0].outcome == .unchanged)
            let anyway = PlanOperation(record: t2, kind: .task, action: .delete, baseRev: d.currentRev, resolves: [d.id], at: PlanFixtures.at)
            let r = try await push(f.eums, [anyway])
            #expect(r.results[0].outcome == .conflict && r.results[0].conflicts?.first?.type == .deleteChanged)
            #expect(try await pullAll(f.ims).changes.contains { $0.record == t2 && $0.action == .delete } == false)
        }
    }

    /// The review: a late --theirs compares the field with the settled conflict's stored
    /// `current`, which the server never refreshes when the field moves while the conflict is
    /// open. Two officers both keeping the value they were shown get a new conflict that
    /// proposes a value nobody chose.
    @Test func twoIdenticalTheirsAfterTheFieldMovedAreNotAConflict() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let s1 = try await push(f.eums, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)]).results[0].rev
            let c = try #require(try await push(f.ims, [PlanFixtures.set(task, "status", .text("done"), baseRev: rev)]).results[0].conflicts?.first)
            // An ordinary edit while the conflict is open: replicas now show it as current.
            let s2 = try await push(f.eums2, [PlanFixtures.set(task, "status", .text("in-progress"), baseRev: s1)]).results[0].rev
            let keep1 = PlanOperation(record: task, kind: .task, action: .resolve, baseRev: s2, resolves: [c.id], at: PlanFixtures.at)
            #expect(try await push(f.eums, [keep1]).results[0].outcome == .unchanged)
            let keep2 = PlanOperation(record: task, kind: .task, action: .resolve, baseRev: s2, resolves: [c.id], at: PlanFixtures.at)
            let late = try await push(f.ims, [keep2]).results[0]
            #expect(late.outcome == .unchanged, "got \(late.outcome), proposing \(String(describing: late.conflicts?.first?.proposed))")
        }
    }
}
