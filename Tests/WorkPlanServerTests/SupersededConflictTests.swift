import Foundation
import Testing
import WorkPlanProtocol
@testable import WorkPlanServer
import WorkPlanTestSupport

/// The black-box tester: EUMS and IMS both added conference 20 offline and both closed it.
/// IMS's create (status planned) and its close travel in separate batches, so the create met
/// EUMS's held conference as a conflict on `status`, which stayed open though IMS had
/// closed the conference too; `resolve --mine` then reopened it. An officer's later value
/// for a field answers the conflicts holding their own earlier proposal for it.
@Suite("Conflicts answered by their proposer's later edit")
struct SupersededConflictTests {
    static func conference(status: String) -> PlanOperation {
        PlanOperation(record: RecordID.conference(number: 20), kind: .conference, action: .create,
                      fields: ["number": .text("20"), "date": .text("2023-12-01"), "host": .text("EUMS"), "status": .text(status)],
                      baseRev: 0, at: PlanFixtures.at)
    }

    /// Conflict ids opened minus those resolved, as a staff's pulls tell them.
    static func openConflicts(_ changes: [Change]) -> Set<String> {
        let opened = changes.compactMap { $0.conflict?.id }
        let resolved = changes.flatMap { $0.resolved ?? [] }
        return Set(opened).subtracting(resolved)
    }

    @Test func bothStaffsClosingTheSameConferenceLeaveNoConflict() async throws {
        try await ServerFixture.run { f in
            let id = RecordID.conference(number: 20)
            let created = try await push(f.eums, [Self.conference(status: "planned")])
            _ = try await push(f.eums, [PlanFixtures.set(id, kind: .conference, "status", .text("held"), baseRev: created.results[0].rev)])
            let create = try await push(f.ims, [Self.conference(status: "planned")])
            #expect(create.results[0].outcome == .conflict, "planned meets held")
            let close = try await push(f.ims, [PlanFixtures.set(id, kind: .conference, "status", .text("held"), baseRev: create.results[0].rev)])
            #expect(close.results[0].outcome == .unchanged)
            for staff in [f.eums, f.ims] {
                #expect(Self.openConflicts(try await pullAll(staff).changes).isEmpty)
            }
        }
    }

    @Test func aLaterValueStoredAnswersTheProposersConflictOnly() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            let done = try await push(f.eums, [PlanFixtures.set(task, "status", .text("done"), baseRev: rev)])
            // Two stale edits of status: IMS's and another EUMS officer's, both in conflict.
            let ims = try await push(f.ims, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)])
            let bert = try await push(f.eums2, [PlanFixtures.set(task, "status", .text("cancelled"), baseRev: rev)])
            #expect(ims.results[0].outcome == .conflict && bert.results[0].outcome == .conflict)
            // IMS, now knowing "done", sets another value: its own conflict is answered.
            let later = try await push(f.ims, [PlanFixtures.set(task, "status", .text("in-progress"), baseRev: done.results[0].rev)])
            #expect(later.results[0].outcome == .accepted)
            let open = Self.openConflicts(try await pullAll(f.eums).changes)
            #expect(open == [bert.results[0].conflicts![0].id], "bert's conflict stays open")
            // An edit of another field answers nothing.
            let owner = try await push(f.eums2, [PlanFixtures.set(task, "owner", .text("Maj X"), baseRev: rev)])
            #expect(owner.results[0].outcome == .accepted)
            #expect(Self.openConflicts(try await pullAll(f.eums).changes) == open)
        }
    }

    /// The black-box tester: an officer's two edits of one field, in separate batches, both
    /// met the other staff's change; two conflicts stayed open, both "by" them, and
    /// `resolve --mine` refused to choose between their own values. The later one holds
    /// their value now; the earlier is answered by it.
    @Test func aLaterValueInConflictAnswersTheProposersEarlierConflict() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums)
            _ = try await push(f.ims, [PlanFixtures.set(task, "status", .text("cancelled"), baseRev: rev)])
            let first = try await push(f.eums, [PlanFixtures.set(task, "status", .text("in-progress"), baseRev: rev)])
            let second = try await push(f.eums, [PlanFixtures.set(task, "status", .text("done"), baseRev: rev)])
            #expect(first.results[0].outcome == .conflict && second.results[0].outcome == .conflict)
            let open = Self.openConflicts(try await pullAll(f.ims).changes)
            #expect(open == [second.results[0].conflicts![0].id])
            // Another officer's conflict on the field is not theirs to answer.
            let bert = try await push(f.eums2, [PlanFixtures.set(task, "status", .text("blocked"), baseRev: rev)])
            #expect(Self.openConflicts(try await pullAll(f.ims).changes) == open.union([bert.results[0].conflicts![0].id]))
        }
    }

    /// The third review: a long text's later edit may change other lines. The officer's
    /// edit of line C (in conflict too) closed their conflict holding their line A, which
    /// was then kept nowhere but the history. It stays open.
    @Test func aLaterLongTextAnswersOnlyTheSameProposal() async throws {
        try await ServerFixture.run { f in
            let (task, rev) = try await seedTask(f.eums, extra: ["description": .text("A\nB\nC")])
            let imsA = try await push(f.ims, [PlanFixtures.set(task, "description", .text("A ims\nB\nC"), baseRev: rev)])
            let first = try await push(f.eums, [PlanFixtures.set(task, "description", .text("A eums\nB\nC"), baseRev: rev)])
            #expect(first.results[0].outcome == .conflict)
            _ = try await push(f.ims, [PlanFixtures.set(task, "description", .text("A ims\nB\nC ims"), baseRev: imsA.results[0].rev)])
            // Made on the current text it was shown with the conflict: line C only.
            let second = try await push(f.eums, [PlanFixtures.set(task, "description", .text("A ims\nB\nC eums"), baseRev: imsA.results[0].rev)])
            #expect(second.results[0].outcome == .conflict)
            let open = Self.openConflicts(try await pullAll(f.ims).changes)
            #expect(open == [first.results[0].conflicts![0].id, second.results[0].conflicts![0].id])
        }
    }
}
