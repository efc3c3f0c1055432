import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

@Suite("Push over mutual TLS (DESIGN.md rule 2)")
struct PushTests {
    @Test func createsAreAcceptedWithOneSeqEach() async throws {
        try await ServerFixture.run { f in
            let area = PlanFixtures.createArea("Medical Cooperation")
            let task = PlanFixtures.createTask(title: "Joint exercise", area: "Medical Cooperation")
            let r = try await push(f.eums, [area, task])
            #expect(r.results.map(\.outcome) == [.accepted, .accepted])
            #expect(r.results.map(\.seq) == [1, 2])
            #expect(r.replayed == false)
            #expect(r.storeId == f.server.store.storeId)
        }
    }

    @Test func batchWithOneInvalidOpChangesNothing() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let before = try f.digest
            let good = PlanFixtures.set(task, "title", .text("New title"), baseRev: rev)
            let bad = PlanFixtures.set(task, "status", .text("finished-ish"), baseRev: rev)
            let reply = try await f.eums.push(PushRequest(batchId: "b-invalid", ops: [good, bad]))
            #expect(reply.status == 400)
            #expect(reply.error?.code == .invalidInput)
            #expect(reply.error?.message.contains("status") == true)
            #expect(try f.digest == before)
        }
    }

    /// A set at the limit on the server (the other staff's adds met this one's) refuses the
    /// add that would take it past, naming the operation so the replica sets it aside;
    /// nothing of the batch is stored. The bad-input tester: the server accepted a 201st tag,
    /// and every export of the plan was then refused by `import`.
    @Test func anAddPastTheSetLimitIsRefusedNamingTheOperation() async throws {
        try await ServerFixture.run { f in
            let tags = FieldValue.makeSet((1..<Schema.maxSetElements).map { "t\($0)" })
            let (task, rev) = try await seedTask(f.eums, extra: ["tags": tags])
            let eums = PlanOperation(record: task, kind: .task, action: .add, field: "tags", value: .text("eu"), baseRev: rev, at: 0)
            #expect(try await push(f.eums, [eums]).results[0].outcome == .accepted)
            let before = try f.digest
            let title = PlanFixtures.set(task, "title", .text("Renamed"), baseRev: rev)
            let ims = PlanOperation(record: task, kind: .task, action: .add, field: "tags", value: .text("nato"), baseRev: rev, at: 0)
            let reply = try await f.ims.push(PushRequest(batchId: RecordID.random(), ops: [title, ims]))
            #expect(reply.status == 400 && reply.error?.code == .invalidInput, "\(reply.text)")
            #expect(reply.error?.message.contains("task tags already has \(Schema.maxSetElements) elements") == true, "\(reply.text)")
            #expect(reply.error?.record == task && reply.error?.operation == ims.id)
            #expect(try f.digest == before)
            // Removing one makes room again.
            let removed = PlanOperation(record: task, kind: .task, action: .remove, field: "tags", value: .text("t1"), baseRev: rev, at: 0)
            #expect(try await push(f.ims, [removed, ims]).results.map(\.outcome) == [.accepted, .accepted])
        }
    }

    /// The security tester: a viewer's push of no operations answered 200 and was stored,
    /// one batch row each, without limit. A viewer's push is refused whatever it holds.
    @Test func aViewersEmptyPushIsRefusedAndStoresNothing() async throws {
        try await ServerFixture.run { f in
            let before = try f.digest
            let batches = { try f.server.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM batches") ?? 0 } }
            let stored = try batches()
            let reply = try await f.viewer.push(PushRequest(batchId: RecordID.random(), ops: []))
            #expect(reply.status == 403 && reply.error?.message.contains("is a viewer and may not change the plan") == true, "\(reply.text)")
            #expect(try batches() == stored)
            #expect(try f.digest == before)
        }
    }

    @Test func batchRefusedLateInTheTransactionRollsBack() async throws {
        // The first op is applied inside the transaction before the second is refused
        // (a reference to a record that does not exist): nothing may remain.
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let before = try f.digest
            let good = PlanFixtures.set(task, "title", .text("New title"), baseRev: rev)
            let orphan = PlanFixtures.createNote(task: RecordID.random(), text: "hello", author: "anna", staff: .EUMS)
            let reply = try await f.eums.push(PushRequest(batchId: "b-orphan", ops: [good, orphan]))
            #expect(reply.status == 403)
            #expect(reply.error?.code == .forbidden)
            #expect(try f.digest == before)
            // The same batch id is still free: nothing was stored under it.
            let again = try await push(f.eums, [good], batch: "b-orphan")
            #expect(again.results[0].outcome == .accepted)
        }
    }

    @Test func retriedBatchReturnsTheFirstResultAndChangesNothing() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let op = PlanFixtures.set(task, "title", .text("Renamed"), baseRev: rev)
            let first = try await push(f.eums, [op], batch: "retry-1")
            let after = try f.digest
            let second = try await push(f.eums, [op], batch: "retry-1")
            #expect(second.replayed == true)
            #expect(second.results == first.results)
            #expect(try f.digest == after)
        }
    }

    @Test func concurrentPushesToOneFieldGiveOneAcceptAndOneConflict() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            for round in 0..<5 {
                let base = round == 0 ? rev : try await currentRev(f, task, "owner")
                async let a = push(f.eums, [PlanFixtures.set(task, "owner", .text("Anna \(round)"), baseRev: base)])
                async let b = push(f.eums2, [PlanFixtures.set(task, "owner", .text("Bert \(round)"), baseRev: base)])
                let results = try await [a.results[0], b.results[0]]
                let outcomes = results.map(\.outcome).sorted(by: { $0.rawValue < $1.rawValue })
                #expect(outcomes == [.accepted, .conflict], "round \(round): \(outcomes)")
                // The loser's conflict names the winner's value as current.
                if let winner = results.first(where: { $0.outcome == .accepted }),
                   let loser = results.first(where: { $0.outcome == .conflict }) {
                    #expect(loser.conflicts?.first?.current == winner.value)
                    #expect(loser.conflicts?.first?.currentRev == winner.seq)
                }
            }
        }
    }

    /// A renamed area keeps the id of its first name: sent back to a restored server, or
    /// imported, its create names an id its current name does not give, and is accepted.
    @Test func aRenamedAreasCreateIsAccepted() async throws {
        try await ServerFixture.run { f in
            var renamed = PlanFixtures.createArea("Gender Perspectives (renamed)")
            renamed.record = RecordID.area(named: "Gender Perspectives")
            let r = try await f.eums.push(PushRequest(batchId: "renamed-area", ops: [renamed]))
            #expect(r.status == 200 && (try? r.decode(PushResponse.self))?.results.first?.outcome == .accepted, "\(r.text)")
        }
    }

    @Test func validationFailures() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let before = try f.digest
            let op = PlanFixtures.set(task, "title", .text("x"), baseRev: rev)
            // The same op id twice.
            var r = try await f.eums.push(PushRequest(batchId: "dup", ops: [op, op]))
            #expect(r.status == 400 && r.error?.message.contains("twice") == true)
            // Too many ops.
            let many = (0...Limits.maxOpsPerBatch).map { _ in PlanFixtures.set(task, "title", .text("x"), baseRev: rev) }
            r = try await f.eums.push(PushRequest(batchId: "many", ops: many))
            #expect(r.status == 400 && r.error?.message.contains("\(Limits.maxOpsPerBatch)") == true)
            // A task in an area that does not exist.
            r = try await f.eums.push(PushRequest(batchId: "noarea", ops: [PlanFixtures.createTask(title: "t", area: "Nowhere")]))
            #expect(r.status == 403 && r.error?.code == .forbidden)
            // An edit of a record that does not exist.
            r = try await f.eums.push(PushRequest(batchId: "ghost", ops: [PlanFixtures.set(RecordID.random(), "title", .text("x"), baseRev: 1)]))
            #expect(r.status == 403 && r.error?.message.contains("releasable to EUMS") == true)
            // A viewer may not write.
            r = try await f.viewer.push(PushRequest(batchId: "viewer", ops: [op]))
            #expect(r.status == 403 && r.error?.message.contains("viewer") == true)
            // A conference whose id is not derived from its number.
            var conference = PlanFixtures.createConference(number: 31)
            conference.record = RecordID.random()
            r = try await f.eums.push(PushRequest(batchId: "conference-id", ops: [conference]))
            #expect(r.status == 400 && r.error?.message.contains("natural key") == true)
            // Making a record releasable to the other staff only.
            r = try await f.eums.push(PushRequest(batchId: "other", ops: [PlanFixtures.set(task, "releasable", .text("IMS"), baseRev: rev)]))
            #expect(r.status == 403)
            // A note signed by the other staff (an IMS note read from an export, sent by
            // EUMS): refused naming the record and the operation, so the replica sets that
            // create aside and its other edits still go out.
            let imsNote = PlanFixtures.createNote(task: task, text: "theirs", author: "ivan", staff: .IMS)
            r = try await f.eums.push(PushRequest(batchId: "signed", ops: [imsNote]))
            #expect(r.status == 400 && r.error?.message.contains("signed with its author's staff") == true)
            #expect(r.error?.record == imsNote.record && r.error?.operation == imsNote.id)
            #expect(try f.digest == before)
        }
    }

    /// The tester's silent delete: an IMS editor made an EUMS-created, EUMS-led task
    /// IMS-only, and EUMS lost the task and its own note. Withdrawing a shared record is
    /// the originator's call.
    @Test func onlyTheOriginatorWithdrawsASharedRecord() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            try await push(f.eums, [PlanFixtures.createNote(task: task, text: "EUMS progress", author: "anna", staff: .EUMS)])
            let before = try f.digest
            let byIMS = PlanFixtures.set(task, "releasable", .text("IMS"), baseRev: rev)
            let r = try await f.ims.push(PushRequest(batchId: "ims-takes", ops: [byIMS]))
            #expect(r.status == 400 && r.error?.message.contains("was created by EUMS: only EUMS may") == true, "\(r.text)")
            #expect(r.error?.record == task && r.error?.operation == byIMS.id)
            #expect(try f.digest == before)
            // Another EUMS officer may: the originator is the staff, not the person.
            let withdrawn = try await push(f.eums2, [PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: rev)])
            #expect(withdrawn.results[0].outcome == .accepted)
        }
    }

    @Test func recordsCreatedEarlierInTheBatchMayBeReferenced() async throws {
        try await ServerFixture.run { f in
            let t1 = PlanFixtures.createTask(title: "First", area: "Cyber")
            let t2 = PlanFixtures.createTask(title: "Follow-on", area: "Cyber", extra: ["follows": .text(t1.record)])
            let note = PlanFixtures.createNote(task: t1.record, text: "started", author: "anna", staff: .EUMS)
            let r = try await push(f.eums, [PlanFixtures.createArea("Cyber"), t1, t2, note])
            #expect(r.results.allSatisfy { $0.outcome == .accepted })
        }
    }

    @Test func staffOnlyRecordsAreInvisibleAndUnwritableForTheOtherStaff() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums, releasable: .EUMS)
            let before = try f.digest
            let r = try await f.ims.push(PushRequest(batchId: "ims", ops: [PlanFixtures.set(task, "title", .text("x"), baseRev: rev)]))
            #expect(r.status == 403)
            #expect(r.error?.message == "no task \(RecordID.short(task)) releasable to IMS")
            let note = try await f.ims.push(PushRequest(batchId: "ims-note", ops: [
                PlanFixtures.createNote(task: task, text: "hi", author: "ivan", staff: .IMS)]))
            #expect(note.status == 403)
            #expect(try f.digest == before)
        }
    }
}

/// The current rev of a field, from a pull as the EUMS editor.
func currentRev(_ f: ServerFixture, _ record: String, _ field: String) async throws -> Int64 {
    let changes = try await pullAll(f.eums).changes
    var rev: Int64 = 0
    for c in changes where c.record == record && c.event == .change {
        if c.action == .create || c.field == field { rev = c.seq }
    }
    return rev
}
