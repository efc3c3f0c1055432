import Foundation
import Testing
import WorkPlanProtocol
import GRDB
@testable import WorkPlanServer
import WorkPlanTestSupport

@Suite("Pull over mutual TLS (DESIGN.md rule 4, releasability)")
struct PullTests {
    @Test func pagesAreCompleteAndOrdered() async throws {
        try await ServerFixture.run { f in
            var ops = [PlanFixtures.createArea("Cyber")]
            for i in 0..<120 { ops.append(PlanFixtures.createTask(title: "Task \(i)", area: "Cyber")) }
            try await push(f.eums, ops)
            let (changes, pages, next) = try await pullAll(f.ims, limit: 7)
            #expect(changes.map(\.seq) == Array(1...121))
            #expect(pages == 18)
            #expect(next == 121)
            #expect(Set(changes.map(\.record)) == Set(ops.map(\.record)))
            // A page asks for no more than the limit and a cursor at the end is an empty page.
            let end = try await f.ims.pull(after: 121).decode(PullResponse.self)
            #expect(end.changes.isEmpty && !end.more && end.next == 121 && end.maxSeq == 121)
        }
    }

    @Test func staffOnlyRecordsNeverReachTheOtherStaff() async throws {
        try await ServerFixture.run { f in
            let (secret, rev) = try await seedTask(f.eums, releasable: .EUMS)
            let shared = PlanFixtures.createTask(title: "Shared", area: "Military Mobility")
            let note = PlanFixtures.createNote(task: shared.record, text: "EUMS internal", author: "anna", staff: .EUMS, releasable: .EUMS)
            try await push(f.eums, [shared, note, PlanFixtures.set(secret, "owner", .text("Anna"), baseRev: rev)])
            let imsSees = try await pullAll(f.ims, limit: 2)
            #expect(!imsSees.changes.contains { $0.record == secret || $0.record == note.record })
            #expect(imsSees.changes.contains { $0.record == shared.record })
            #expect(!String(decoding: try JSONEncoder().encode(imsSees.changes), as: UTF8.self).contains("EUMS internal"))
            // The cursor still advances over what was left out.
            #expect(imsSees.next == (try await f.server.store.maxSeq()))
            let eumsSees = try await pullAll(f.eums)
            #expect(eumsSees.changes.contains { $0.record == secret } && eumsSees.changes.contains { $0.record == note.record })
        }
    }

    @Test func releasabilityChangesWithdrawAndSnapshot() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let note = PlanFixtures.createNote(task: task, text: "Progress", author: "anna", staff: .EUMS)
            let n = try await push(f.eums, [note])
            let imsCursor = try await pullAll(f.ims).next
            #expect(imsCursor == n.results[0].seq)

            // EUMS makes the task EUMS-only: IMS is told to remove it.
            let hide = try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: rev)])
            let t = try await push(f.eums, [PlanFixtures.set(task, "title", .text("EUMS eyes only"), baseRev: rev)])
            #expect(t.results[0].outcome == .accepted && hide.results[0].outcome == .accepted)
            let p1 = try await pullAll(f.ims, after: imsCursor)
            #expect(p1.changes.map(\.event) == [.withdrawn])
            #expect(p1.changes.first?.record == task)

            // Back to both: IMS gets a snapshot of the whole record and its visible notes.
            let revNow = try await currentRev(f, task, "releasable")
            try await push(f.eums2, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: revNow)])
            let p2 = try await pullAll(f.ims, after: p1.next)
            let snaps = p2.changes.filter { $0.event == .snapshot }
            #expect(snaps.map(\.record) == [task, note.record])
            #expect(snaps.first?.fields?["title"] == .text("EUMS eyes only"))
            #expect(snaps.first?.revs?["releasable"] == (try await f.server.store.maxSeq()))
            #expect(snaps.first?.createdAt == PlanFixtures.at)
            // Its creator, not whoever made the change that brought the snapshot.
            #expect(snaps.first?.createdBy == "anna" && snaps.first?.user == "bert")
            // And their staff: who may withdraw it again (the replica checks before the server).
            #expect(snaps.first?.createdStaff == .EUMS)
            // A full pull from 0 by IMS ends with the record visible.
            let full = try await pullAll(f.ims)
            #expect(full.changes.last?.event == .snapshot)
        }
    }

    /// The tester's leak: a task written EUMS-only, cleaned, then shared. IMS gets it as it
    /// is when shared, and none of what was written while it was hidden: not in a pull from
    /// before it was hidden, nor in a new replica's pull from 0.
    @Test func whatWasWrittenWhileHiddenStaysHiddenWhenShared() async throws {
        try await ServerFixture.run { f in
            let (shared, sharedRev) = try await seedTask(f.eums)
            let imsCursor = try await pullAll(f.ims).next
            let (task, rev) = try await seedTask(f.eums, releasable: .EUMS, extra: ["description": .text("SECRET line")])
            try await push(f.eums, [PlanFixtures.set(task, "description", .text("cleaned"), baseRev: rev),
                                    PlanFixtures.set(task, "title", .text("Joint task"), baseRev: rev),
                                    PlanFixtures.createNote(task: task, text: "written while hidden", author: "anna", staff: .EUMS),
                                    PlanFixtures.set(shared, "releasable", .text("EUMS"), baseRev: sharedRev),
                                    PlanFixtures.set(shared, "owner", .text("SECRET owner"), baseRev: sharedRev)])
            let revNow = try await currentRev(f, task, "releasable")
            // The shared task's secret owner is replaced before it is shared again.
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: revNow),
                                    PlanFixtures.set(shared, "owner", .text("Bob"), baseRev: try await currentRev(f, shared, "owner")),
                                    PlanFixtures.set(shared, "releasable", .text("both"), baseRev: try await currentRev(f, shared, "releasable"))])
            try await push(f.eums, [PlanFixtures.set(task, "owner", .text("Anna"), baseRev: revNow)])
            for after in [imsCursor, 0] {
                let sees = try await pullAll(f.ims, after: after).changes
                let text = String(decoding: try JSONEncoder().encode(sees), as: UTF8.self)
                #expect(!text.contains("SECRET"))
                // The task arrives whole when shared (with the note, releasable to both), then
                // the edit made after that; nothing of it before.
                let ofTask = sees.filter { $0.record == task }
                #expect(ofTask.map(\.event) == [.snapshot, .change])
                #expect(ofTask.first?.fields?["description"] == .text("cleaned"))
                #expect(ofTask.first?.fields?["title"] == .text("Joint task"))
                #expect(ofTask.last?.value == .text("Anna"))
                #expect(sees.contains { $0.event == .snapshot && $0.fields?["text"] == .text("written while hidden") })
            }
            // The record hidden after IMS had it: withdrawn, then back as a snapshot.
            let ofShared = try await pullAll(f.ims, after: imsCursor).changes.filter { $0.record == shared }
            #expect(ofShared.map(\.event) == [.withdrawn, .snapshot])
            // EUMS, who could always see it, still gets every change.
            let eums = try await pullAll(f.eums).changes
            #expect(eums.contains { $0.record == task && $0.field == "description" && $0.value == .text("cleaned") })
        }
    }

    /// From the review: `edit --releasable EUMS --description SECRET` sends the description
    /// first, in the same batch. The batch is one transaction: what it wrote before hiding
    /// the record is hidden too.
    @Test func whatABatchWritesBeforeHidingARecordIsHiddenToo() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let note = PlanFixtures.createNote(task: task, text: "written in the hiding batch", author: "anna", staff: .EUMS)
            let imsCursor = try await pullAll(f.ims).next
            try await push(f.eums, [PlanFixtures.set(task, "description", .text("SECRET plan"), baseRev: rev), note,
                                    PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: rev)])
            let d = try await currentRev(f, task, "description"), r = try await currentRev(f, task, "releasable")
            try await push(f.eums, [PlanFixtures.set(task, "description", .text("cleaned"), baseRev: d)])
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: r)])
            for after in [imsCursor, 0] {
                let sees = try await pullAll(f.ims, after: after).changes
                #expect(!String(decoding: try JSONEncoder().encode(sees), as: UTF8.self).contains("SECRET"))
                #expect(sees.last { $0.record == task }?.fields?["description"] == .text("cleaned"))
                // The note (on the task now shared) arrives with it, as a snapshot.
                #expect(sees.filter { $0.record == note.record }.map(\.event) == [.snapshot])
            }
        }
    }

    /// From the review: a conflict opened while the task was EUMS-only (two EUMS officers)
    /// is still open when it is shared; it holds values of that time, so it stays with EUMS.
    @Test func aConflictOpenedWhileHiddenStaysHiddenWhenShared() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums, releasable: .EUMS, extra: ["owner": .text("SECRET agent")])
            try await push(f.eums, [PlanFixtures.set(task, "owner", .text("Anna"), baseRev: rev)])
            let c = try await push(f.eums2, [PlanFixtures.set(task, "owner", .text("Bert"), baseRev: rev)])
            #expect(c.results[0].outcome == .conflict)
            let r = try await currentRev(f, task, "releasable")
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: r)])
            let sees = try await pullAll(f.ims).changes
            #expect(!String(decoding: try JSONEncoder().encode(sees), as: UTF8.self).contains("SECRET"))
            #expect(sees.filter { $0.record == task }.map(\.event) == [.snapshot])
            // EUMS still has it, open.
            #expect(try await pullAll(f.eums).changes.contains { $0.event == .conflictOpened && $0.record == task })
        }
    }

    /// The third tester: `edit T --title "Clean A" --releasable both` sends `releasable`
    /// first (fields in name order); the title change after it in the batch carried the
    /// hidden title as its old value to IMS. What a batch writes after showing a record
    /// arrives in the snapshot instead.
    @Test func whatABatchWritesAfterShowingARecordArrivesInTheSnapshot() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let imsCursor = try await pullAll(f.ims).next
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: rev),
                                    PlanFixtures.set(task, "title", .text("SECRET-TITLE"), baseRev: rev)])
            let r = try await currentRev(f, task, "releasable"), t = try await currentRev(f, task, "title")
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: r),
                                    PlanFixtures.set(task, "title", .text("Clean A"), baseRev: t)])
            for after in [imsCursor, 0] {
                let sees = try await pullAll(f.ims, after: after).changes
                #expect(!String(decoding: try JSONEncoder().encode(sees), as: UTF8.self).contains("SECRET"))
                let last = sees.last { $0.record == task }
                #expect(last?.event == .snapshot && last?.fields?["title"] == .text("Clean A"))
            }
        }
    }

    /// The black-box tester: an IMS replica that pulled a task's re-share only after IMS
    /// had edited it, noted on it and made a follow-on task of it got a snapshot of the task
    /// as it was by then (the later status under the sharer's name), the note and the
    /// follow-on task inside it, then each of those again as itself: its history differed
    /// from the IMS replica that pulled the share at once. The snapshot is the record as the
    /// share left it; what came after arrives once, as itself.
    @Test func aSnapshotPulledLateIsTheRecordAsTheShareLeftIt() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let imsCursor = try await pullAll(f.ims).next
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: rev)])
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: try await currentRev(f, task, "releasable"))])
            let shared = try await f.server.store.maxSeq()
            let atShare = try #require(try await pullAll(f.ims, after: imsCursor).changes.first { $0.event == .snapshot })

            let statusRev = try await currentRev(f, task, "status")
            try await push(f.ims, [PlanFixtures.set(task, "status", .text("in-progress"), baseRev: statusRev)])
            let note = PlanFixtures.createNote(task: task, text: "IMS progress", author: "ivan", staff: .IMS)
            let follower = PlanFixtures.createTask(title: "Follow-on", area: "Military Mobility", lead: "IMS", extra: ["follows": .text(task)])
            try await push(f.ims, [note, follower])
            let inProgress = try await currentRev(f, task, "status")
            try await push(f.eums, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: inProgress)])
            // And a conflict opened after the share: once, as itself, not also in the snapshot.
            try await push(f.ims, [PlanFixtures.set(task, "status", .text("done"), baseRev: inProgress)])

            let sees = try await pullAll(f.ims, after: imsCursor).changes
            let snaps = sees.filter { $0.event == .snapshot }
            #expect(snaps.map(\.record) == [task], "the note and the follow-on task are not copied into it")
            let late = try #require(snaps.first)
            #expect(late.seq == shared && late.fields == atShare.fields && late.revs == atShare.revs)
            #expect(late.fields?["status"] == .text("open") && late.revs?["status"] == statusRev)
            #expect(sees.filter { $0.record == note.record }.map(\.event) == [.change])
            #expect(sees.filter { $0.record == follower.record }.map(\.event) == [.change])
            #expect(sees.filter { $0.record == task && $0.field == "status" && $0.event == .change }.map(\.value) == [.text("in-progress"), .text("blocked")])
            #expect(sees.filter { $0.event == .conflictOpened }.map(\.record) == [task])
        }
    }

    /// The third review: a conflict open when its task was withdrawn from IMS, resolved in
    /// the batch that shared the task again. The resolution is written while the task is
    /// hidden from IMS (it is never sent there), so the snapshot must not list the conflict
    /// as open: it stayed open on IMS replicas for good.
    @Test func aConflictResolvedInTheBatchThatSharesItsRecordIsNotShownOpen() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            _ = try await push(f.eums, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)])
            let c = try #require(try await push(f.ims, [PlanFixtures.set(task, "status", .text("done"), baseRev: rev)]).results[0].conflicts?.first)
            let imsCursor = try await pullAll(f.ims).next
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: try await currentRev(f, task, "releasable"))])
            let keep = PlanOperation(record: task, kind: .task, action: .resolve, baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: try await currentRev(f, task, "releasable")), keep])
            // What a replica holds open after applying the stream from `after` on top of
            // `held` (a withdrawal forgets the record's conflicts, as `applyPull` does).
            func open(_ changes: [Change], held: Set<String>) -> Set<String> {
                var open = held
                for ch in changes {
                    if let opened = ch.conflict { open.insert(opened.id) }
                    open.subtract(ch.resolved ?? [])
                    if ch.event == .withdrawn, ch.record == task { open.remove(c.id) }
                }
                return open
            }
            #expect(open(try await pullAll(f.ims, after: imsCursor).changes, held: [c.id]).isEmpty)
            #expect(open(try await pullAll(f.ims).changes, held: []).isEmpty)
            #expect(open(try await pullAll(f.eums).changes, held: []).isEmpty)
        }
    }

    /// The second review: Bert's offline edit was made on the EUMS-only draft's owner; Anna
    /// cleaned it and shared the task; Bert's push opened a conflict whose base was the
    /// draft's value. The conflict stays with EUMS.
    @Test func aConflictBasedOnAHiddenValueStaysWithWhoSawIt() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums, extra: ["owner": .text("Public")])
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: rev)])
            let s = try await push(f.eums, [PlanFixtures.set(task, "owner", .text("SECRET agent"), baseRev: rev)]).results[0].rev
            try await push(f.eums, [PlanFixtures.set(task, "owner", .text("Cleaned"), baseRev: s)])
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: try await currentRev(f, task, "releasable"))])
            let c = try await push(f.eums2, [PlanFixtures.set(task, "owner", .text("Bert"), baseRev: s)])
            #expect(c.results[0].outcome == .conflict)
            let sees = try await pullAll(f.ims).changes
            #expect(!String(decoding: try JSONEncoder().encode(sees), as: UTF8.self).contains("SECRET"))
            #expect(!sees.contains { $0.event == .conflictOpened })
            #expect(try await pullAll(f.eums).changes.contains { $0.event == .conflictOpened && $0.conflict?.base == .text("SECRET agent") })
            // Its end stays with EUMS too: IMS was never told it began.
            let conflict = try #require(c.results[0].conflicts?.first)
            let r = try await push(f.eums, [PlanFixtures.set(task, "owner", .text("Bert"), baseRev: conflict.currentRev, resolves: [conflict.id])])
            #expect(r.results[0].outcome == .accepted)
            let after = try await pullAll(f.ims).changes
            #expect(!after.contains { $0.event == .conflictResolved })
            #expect(after.contains { $0.field == "owner" && $0.value == .text("Bert") })
            #expect(try await pullAll(f.eums).changes.contains { $0.event == .conflictResolved && $0.resolved == [conflict.id] })
        }
    }

    /// The review: IMS edits a field whose rev came to it in a snapshot, the rev of a change
    /// made while the task was EUMS-only. The stale edit's conflict is kept with EUMS
    /// (keepWithWhoSawTheBase), and since f0d15d7 so is its resolution: IMS, which holds the
    /// conflict from its own push reply, never learns it was resolved.
    @Test func imsConflictBasedOnASnapshotRevGetsItsResolution() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums, releasable: .EUMS)
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: rev)])
            let snap = try #require(try await pullAll(f.ims).changes.first { $0.event == .snapshot && $0.record == task })
            let base = try #require(snap.revs?["status"])
            #expect(base == rev)
            try await push(f.eums, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)])
            let r = try await push(f.ims, [PlanFixtures.set(task, "status", .text("done"), baseRev: base)])
            let c = try #require(r.results[0].conflicts?.first)
            let imsSees = try await pullAll(f.ims).changes
            #expect(imsSees.contains { $0.event == .conflictOpened && $0.conflict?.id == c.id },
                    "IMS's own conflict is hidden from IMS")
            let keep = PlanOperation(record: task, kind: .task, action: .resolve, baseRev: c.currentRev, resolves: [c.id], at: PlanFixtures.at)
            try await push(f.eums, [keep])
            let after = try await pullAll(f.ims).changes
            #expect(after.contains { $0.event == .conflictResolved && ($0.resolved ?? []).contains(c.id) },
                    "IMS holds the conflict (from its push reply) but never pulls its resolution")
        }
    }

    /// From the review: a store from before migration v2 (no releasability on its changes)
    /// still sent the tester's leak. The migration replays the stream; what it finds must be
    /// what a push stores now, in every case the rules above cover.
    @Test func theMigrationGivesOldChangesTheReleasabilityAPushStoresNow() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let note = PlanFixtures.createNote(task: task, text: "both", author: "anna", staff: .EUMS)
            let (hidden, hiddenRev) = try await seedTask(f.eums, releasable: .EUMS, extra: ["owner": .text("A")])
            try await push(f.eums, [note, PlanFixtures.set(task, "description", .text("x"), baseRev: rev),
                                    PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: rev),
                                    PlanFixtures.createNote(task: hidden, text: "on a hidden task", author: "anna", staff: .EUMS)])
            try await push(f.eums, [PlanFixtures.set(hidden, "owner", .text("B"), baseRev: hiddenRev)])
            let hiddenConflict = try #require(try await push(f.eums2, [PlanFixtures.set(hidden, "owner", .text("C"), baseRev: hiddenRev)]).results[0].conflicts?.first)
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: try await currentRev(f, task, "releasable")),
                                    PlanFixtures.set(hidden, "releasable", .text("both"), baseRev: try await currentRev(f, hidden, "releasable"))])
            try await push(f.ims, [PlanFixtures.createNote(task: hidden, text: "IMS", author: "ivan", staff: .IMS, releasable: .IMS)])
            // A conflict opened while its record was EUMS-only, resolved after it was shared.
            try await push(f.eums, [PlanFixtures.set(hidden, "owner", .text("C"), baseRev: hiddenConflict.currentRev, resolves: [hiddenConflict.id])])
            // The second review: a restore that hides the record, after an edit in its batch
            // that met the delete as a conflict.
            let (gone, goneRev) = try await seedTask(f.eums)
            try await push(f.eums2, [PlanOperation(record: gone, kind: .task, action: .delete, baseRev: goneRev, at: PlanFixtures.at)])
            let conflict = try #require(try await push(f.eums, [PlanFixtures.set(gone, "releasable", .text("EUMS"), baseRev: goneRev)]).results[0].conflicts?.first)
            try await push(f.eums, [PlanFixtures.set(gone, "description", .text("draft"), baseRev: goneRev),
                                    PlanOperation(record: gone, kind: .task, action: .restore, field: "releasable", value: .text("EUMS"),
                                                  baseRev: conflict.currentRev, resolves: [conflict.id], at: PlanFixtures.at)])
            // The third tester: a batch that shows a record, then writes to it.
            let r = try await currentRev(f, task, "releasable")
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: r)])
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: try await currentRev(f, task, "releasable")),
                                    PlanFixtures.set(task, "owner", .text("after showing"), baseRev: r)])
            let pool = f.server.store.pool
            let live = try pool.read { try Row.fetchAll($0, sql: "SELECT seq, effective FROM changes ORDER BY seq") }
            #expect(live.count == 23 && !live.contains { ($0[1] as String?) == nil })
            let resolvedEvents = try await pool.read { try String.fetchAll($0, sql: "SELECT effective FROM changes WHERE event = 'conflict_resolved' ORDER BY seq") }
            #expect(resolvedEvents == ["EUMS", "EUMS"])
            #expect(Set(live.map { $0[1] as String }) == ["both", "EUMS", "IMS"])
            try await pool.write { db in
                try db.execute(sql: "UPDATE changes SET effective = NULL")
                try ServerStore.fillChangeReleasability(db)
            }
            let filled = try pool.read { try Row.fetchAll($0, sql: "SELECT seq, effective FROM changes ORDER BY seq") }
            #expect(filled == live)
        }
    }

    @Test func badCursorsAreRefused() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            var r = try await f.ims.pull(after: 99)
            #expect(r.status == 400 && r.error?.code == .staleCursor && r.error?.message.contains("99") == true)
            r = try await f.ims.pull(after: -1)
            #expect(r.status == 400 && r.error?.code == .staleCursor && r.error?.message.contains("negative") == true)
            r = try await f.ims.send("GET", Paths.pull + "?after=abc")
            #expect(r.status == 400 && r.error?.code == .invalidInput && r.error?.message.contains("after") == true)
            r = try await f.ims.send("GET", Paths.pull + "?after=0&limit=0")
            #expect(r.status == 400 && r.error?.code == .invalidInput && r.error?.message.contains("limit") == true)
        }
    }

    @Test func helloSaysWhoYouAre() async throws {
        try await ServerFixture.run { f in
            _ = try await seedTask(f.eums)
            let hello = try await f.ims.hello().decode(HelloResponse.self)
            #expect(hello.user == Identity(name: "ivan", staff: .IMS, role: .editor))
            #expect(hello.storeId == f.server.store.storeId)
            #expect(hello.maxSeq == 2)
            #expect(hello.protocolVersion == ProtocolVersion.current)
        }
    }
}
