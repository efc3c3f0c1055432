import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

/// What a staff was never shown stays unshown, also to a client that crafts its pushes (the
/// security tester's findings, each driven here through the wire protocol).
@Suite("Hidden values and links, against crafted pushes")
struct HiddenValueTests {
    /// A task drafted EUMS-only, cleaned up and shared: an IMS client naming base revs of
    /// the draft's time read the draft's titles and description as its conflicts' bases.
    /// The base is now the value IMS was shown when the task was shared, whatever rev is
    /// named; the honest base rev (the snapshot's) reads the same value.
    @Test func aCraftedBaseRevReadsNoValueOfTheHiddenTime() async throws {
        try await ServerFixture.run { f in
            let (task, created) = try await seedTask(f.eums, releasable: .EUMS,
                                                      extra: ["description": .text("SECRET draft, codename BLUE FALCON")])
            var revs: [String: Int64] = ["title": created, "description": created, "releasable": created]
            for (field, value) in [("title", "Secret title HAWK"), ("title", "Public title"), ("description", "Public summary")] {
                let r = try await push(f.eums, [PlanFixtures.set(task, field, .text(value), baseRev: revs[field]!)]).results[0]
                #expect(r.outcome == .accepted)
                revs[field] = r.rev
            }
            let shared = try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: created)]).results[0].rev
            var bases: [FieldValue] = []
            for rev in 0...shared {
                for field in ["title", "description"] {
                    let r = try await push(f.ims, [PlanFixtures.set(task, field, .text("probe \(rev)"), baseRev: rev)])
                    bases += (r.results[0].conflicts ?? []).map(\.base)
                }
            }
            #expect(!bases.isEmpty, "the probes met conflicts")
            let shown = Set(bases.compactMap(\.text))
            #expect(shown.isSubset(of: ["Public title", "Public summary", "probe 0"]), "\(shown)")
            for secret in ["Secret title HAWK", "SECRET draft, codename BLUE FALCON", "Military mobility report"] {
                #expect(!shown.contains(secret))
            }
            let pulled = try await pullAll(f.ims).changes.compactMap(\.conflict).map(\.base)
            #expect(pulled.allSatisfy { !["Secret title HAWK", "SECRET draft, codename BLUE FALCON"].contains($0.text ?? "") }, "\(pulled)")
        }
    }

    /// The second review of `seenRev`: judged by the record's releasability changes, a
    /// value written in the batch that hid the task, or after the showing in the batch that
    /// showed it, was read back by a crafted base rev (neither is ever sent on its own: the
    /// first is hidden with the batch, the second folded into the snapshot).
    @Test func valuesWrittenInTheBatchThatHidesOrShowsAreNotReadBack() async throws {
        for hidingBatch in [true, false] {
            try await ServerFixture.run { f in
                let secret = FieldValue.text("SECRET codename BLUE FALCON")
                if hidingBatch {
                    let (task, created) = try await seedTask(f.eums)
                    let hidden = try await push(f.eums, [PlanFixtures.set(task, "description", secret, baseRev: created),
                                                         PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: created)])
                    let v2 = try await push(f.eums, [PlanFixtures.set(task, "description", .text("Public v2"), baseRev: hidden.results[0].rev)])
                    try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: hidden.results[1].rev)])
                    _ = v2
                    try await Self.expectNoProbeReads(secret, of: task, f)
                } else {
                    let (task, created) = try await seedTask(f.eums, releasable: .EUMS, extra: ["description": secret])
                    try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: created),
                                            PlanFixtures.set(task, "description", .text("Public summary"), baseRev: created)])
                    try await Self.expectNoProbeReads(secret, of: task, f)
                }
            }
        }
    }

    /// IMS pushes a stale set of the description at every rev there is; no reply, and no
    /// conflict any IMS replica pulls, holds `secret`.
    static func expectNoProbeReads(_ secret: FieldValue, of task: String, _ f: ServerFixture,
                                   sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let last = try await pullAll(f.eums).next
        var bases: [FieldValue] = []
        for rev in 1...last {
            let r = try await push(f.ims, [PlanFixtures.set(task, "description", .text("probe \(rev)"), baseRev: rev)])
            bases += (r.results[0].conflicts ?? []).map(\.base)
        }
        #expect(!bases.isEmpty, sourceLocation: sourceLocation)
        #expect(!bases.contains(secret), "\(bases)", sourceLocation: sourceLocation)
        let pulled = try await pullAll(f.ims).changes.compactMap(\.conflict).flatMap { [$0.base, $0.current, $0.proposed] }
        #expect(!pulled.contains(secret), sourceLocation: sourceLocation)
    }

    /// The review of `seenRev`'s first form: a task shared all along, hidden and shown again
    /// after IMS last pulled it, moved IMS's honest base rev to the reveal, so IMS's stale
    /// edit of the description merged against the current text and silently replaced the
    /// EUMS line it overlapped. The base stays IMS's own rev (IMS saw that value): a
    /// conflict, whether EUMS's edit was made before the hiding or in the batch that hid it.
    @Test func anHonestBaseRevBeforeAHidingStaysItsOwn() async throws {
        for editInHidingBatch in [false, true] {
            try await ServerFixture.run { f in
                let text = "line one\nline two\nline three"
                let (task, created) = try await seedTask(f.eums, extra: ["description": .text(text)])
                _ = try await pullAll(f.ims)
                let eumsText = FieldValue.text("line one\nline two (EUMS wording)\nline three")
                let edit = PlanFixtures.set(task, "description", eumsText, baseRev: created)
                let hide = PlanFixtures.set(task, "releasable", .text("EUMS"), baseRev: created)
                let hidden = editInHidingBatch ? try await push(f.eums, [edit, hide]) : try await push(f.eums, [hide])
                if !editInHidingBatch { try await push(f.eums, [edit]) }
                try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: hidden.results.last!.rev)])
                let ims = try await push(f.ims, [PlanFixtures.set(task, "description", .text("line one\nline two (IMS wording)\nline three"),
                                                                  baseRev: created)])
                #expect(ims.results[0].outcome == .conflict, "edit in the hiding batch: \(editInHidingBatch)")
                #expect(ims.results[0].conflicts?.first?.base == .text(text))
                #expect(ims.results[0].value == eumsText)
            }
        }
    }

    /// A task hidden from IMS, shown and hidden again in one batch (one transaction: nobody
    /// saw it shown; only a crafted push sends that, the replica folds the two) is never
    /// named to IMS, not even as withdrawn; one shown in an earlier batch is (IMS replicas
    /// may hold it).
    @Test func noWithdrawalNamesARecordShownOnlyWithinTheBatchThatHidesIt() async throws {
        try await ServerFixture.run { f in
            let (other, otherRev) = try await seedTask(f.eums, releasable: .EUMS)
            let shown = try await push(f.eums, [PlanFixtures.set(other, "releasable", .text("both"), baseRev: otherRev)])
            try await push(f.eums, [PlanFixtures.set(other, "releasable", .text("EUMS"), baseRev: shown.results[0].rev)])
            #expect(try await pullAll(f.ims).changes.contains { $0.record == other && $0.event == .withdrawn },
                    "shown in an earlier batch: withdrawn")

            let (draft, draftRev) = try await seedTask(f.eums, releasable: .EUMS)
            let next = try await pullAll(f.eums).next + 1
            let one = try await push(f.eums, [PlanFixtures.set(draft, "releasable", .text("both"), baseRev: draftRev),
                                              PlanFixtures.set(draft, "title", .text("Final"), baseRev: draftRev),
                                              PlanFixtures.set(draft, "releasable", .text("EUMS"), baseRev: next)])
            #expect(one.results.map(\.outcome) == [.accepted, .accepted, .accepted])
            let ims = try await pullAll(f.ims).changes
            #expect(!ims.contains { $0.record == draft }, "\(ims.filter { $0.record == draft })")
        }
    }

    /// The review: a note written on an EUMS-only task reaches IMS with the task's snapshot,
    /// which writes no change of the note; made EUMS-only itself, it was never withdrawn from
    /// IMS, whose replicas kept it for good.
    @Test func aNoteShownWithItsTaskIsWithdrawnWhenHidden() async throws {
        try await ServerFixture.run { f in
            let (task, created) = try await seedTask(f.eums, releasable: .EUMS)
            let note = PlanFixtures.createNote(task: task, text: "written while the task was EUMS-only", author: "anna", staff: .EUMS)
            let noteRev = try await push(f.eums, [note]).results[0].rev
            try await push(f.eums, [PlanFixtures.set(task, "releasable", .text("both"), baseRev: created)])
            let shown = try await pullAll(f.ims)
            #expect(shown.changes.contains { $0.record == note.record && $0.event == .snapshot })
            try await push(f.eums, [PlanFixtures.set(note.record, kind: .note, "releasable", .text("EUMS"), baseRev: noteRev)])
            let after = try await pullAll(f.ims, after: shown.next).changes
            #expect(after.contains { $0.record == note.record && $0.event == .withdrawn }, "\(after)")
        }
    }
}
