import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// Whether a file is valid does not depend on what the replica holds: a replica that has
/// the file's records refuses what a fresh one refuses, with the same words, and changes
/// nothing.
@Suite("Import: invalid files")
struct ImportValidityTests {
    /// A replica holding conference 20, conference 21 and an agenda item of 20.
    func usedReplica() throws -> (Replica, TemporaryDirectory, PlanExport) {
        let (r, tmp, _) = try makeReplica()
        for number in ["20", "21"] {
            try r.createRecord(.conference, fields: ["number": .text(number), "date": .text("2024-05-14"), "host": .text("EUMS"),
                                                     "status": .text("planned")])
        }
        try r.createRecord(.agendaItem, fields: ["conference": .text("20"), "topic": .text("Mobility"),
                                                 "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both")])
        return (r, tmp, try r.exportPlan())
    }

    /// `plan` with `change` made to the fields of its records of `kind`.
    func changing(_ plan: PlanExport, _ kind: RecordKind, _ change: (inout [String: FieldValue]) -> Void) -> PlanExport {
        var plan = plan
        for i in plan.records.indices where plan.records[i].kind == kind && plan.records[i].fields["number"] != .text("21") {
            change(&plan.records[i].fields)
        }
        return plan
    }

    /// The refusal of `plan` by a fresh replica and by `used`, which is left as it was.
    func refusals(_ plan: PlanExport, fresh: Replica, used: Replica) throws -> (fresh: String?, used: String?) {
        let before = try used.exportPlan(), pending = try pendingOps(used)
        let onFresh = #expect(throws: WorkPlanError.self) { try fresh.importPlan(plan) }
        let onUsed = #expect(throws: WorkPlanError.self) { try used.importPlan(plan) }
        #expect(try used.exportPlan() == before && pendingOps(used) == pending, "nothing changed")
        #expect(try fresh.records(.conference).isEmpty, "nothing imported")
        return (onFresh?.message, onUsed?.message)
    }

    /// The tester's three files: a conference number 0, an agenda item of a conference that
    /// does not exist, a conference whose id is not its number's.
    @Test(arguments: ["number 0", "conference 99", "id of another number"])
    func aFileAFreshReplicaRefusesIsRefusedByOneHoldingItsRecords(_ fault: String) throws {
        let (used, _, plan) = try usedReplica()
        let (fresh, _, _) = try makeReplica()
        let bad = switch fault {
        case "number 0": changing(plan, .conference) { $0["number"] = .text("0") }
        case "conference 99": changing(plan, .agendaItem) { $0["conference"] = .text("99") }
        default: changing(plan, .conference) { $0["number"] = .text("25") }
        }
        let (onFresh, onUsed) = try refusals(bad, fresh: fresh, used: used)
        #expect(onFresh != nil && onUsed == onFresh, "fresh: \(onFresh ?? "-"); used: \(onUsed ?? "-")")
    }

    /// A value fixed at creation that the file gives otherwise, naming a record that exists:
    /// the replica cannot take it, and says so rather than ignore it.
    /// The review: `import /dev/zero` (an endless pipe) read until memory ran out. A pipe
    /// or device is read up to a limit, then refused naming it; a regular file is read whole
    /// (the second review: an export of long descriptions passed the limit), unless a limit
    /// is given (a bundle's).
    @Test func anEndlessPipeIsRefusedAtTheLimit() throws {
        let e = #expect(throws: WorkPlanError.self) { try LocalFile.read("/dev/zero", what: "the export file") }
        #expect(e?.message == "cannot read the export file /dev/zero: it is longer than 256 MB; for a larger one, give a file rather than a pipe or a device")
        let tmp = try TemporaryDirectory()
        let file = tmp.file("plan.json")
        try Data(repeating: 0x20, count: 3 << 20).write(to: URL(fileURLWithPath: file))
        #expect(try LocalFile.read(file, what: "the export file").count == 3 << 20)
        let bundle = #expect(throws: WorkPlanError.self) { try LocalFile.read(file, what: "the bundle", limit: 1 << 20) }
        #expect(bundle?.message == "cannot read the bundle \(file): it is larger than 1 MB")
        // A regular file past the pipes' limit (sparse: no disk used) is read whole.
        let large = tmp.file("large.json")
        FileManager.default.createFile(atPath: large, contents: nil)
        try FileHandle(forWritingAtPath: large)!.truncate(atOffset: UInt64(LocalFile.maxPipedBytes + 1))
        #expect(try LocalFile.read(large, what: "the export file").count == LocalFile.maxPipedBytes + 1)
        // One past the files' limit is refused by its size, before anything is read.
        try FileHandle(forWritingAtPath: large)!.truncate(atOffset: UInt64(LocalFile.maxFileBytes + 1))
        let huge = #expect(throws: WorkPlanError.self) { try LocalFile.read(large, what: "the export file") }
        #expect(huge?.message == "cannot read the export file \(large): it is larger than 2048 MB")
    }

    @Test func aFixedValueTheFileChangesIsRefused() throws {
        let (used, _, plan) = try usedReplica()
        let before = try used.exportPlan()
        let e = #expect(throws: WorkPlanError.self) {
            try used.importPlan(changing(plan, .agendaItem) { $0["conference"] = .text("21") })
        }
        #expect(e?.message.contains("conference is 20 here and cannot change (the file says 21)") == true, "\(e?.message ?? "")")
        #expect(try used.exportPlan() == before)
    }

    /// The bad-input tester: `"created_at": "yesterday"` was taken (the import time used).
    @Test func aCreatedAtThatIsNotATimeIsRefused() throws {
        let (r, _, area) = try makeReplica()
        let before = try r.exportPlan()
        let e = #expect(throws: WorkPlanError.self) {
            try r.importPlan(PlanExport(format: PlanExport.formatName, records: [
                ExportedRecord(id: RecordID.random(), kind: .task, fields: taskFields(area), createdAt: "yesterday", createdBy: "a"),
            ]))
        }
        #expect(e?.message.contains("created_at 'yesterday' is not a time") == true, "\(String(describing: e))")
        #expect(try r.exportPlan() == before)
    }

    /// The clock tester: a task created under a clock set to the year 3000 (or 1899) synced
    /// to everyone, and then no export of the plan could be imported: the import took only
    /// years 1900-2999. Every time an export writes reads back, and is kept.
    @Test func timesFromAWronglySetClockImport() throws {
        let (r, _, area) = try makeReplica()
        let (far, early) = (RecordID.random(), RecordID.random())
        try r.importPlan(PlanExport(format: PlanExport.formatName, records: [
            ExportedRecord(id: far, kind: .task, fields: taskFields(area), createdAt: "3000-01-02T00:00:00Z", createdBy: "a"),
            ExportedRecord(id: early, kind: .task, fields: taskFields(area), createdAt: "1899-12-31T23:59:59Z", createdBy: "a"),
        ]))
        let created = try r.exportPlan().records.filter { [far, early].contains($0.id) }.map(\.createdAt)
        #expect(Set(created) == ["3000-01-02T00:00:00Z", "1899-12-31T23:59:59Z"])
    }

    /// An agenda item keeps the ids of tasks deleted since it covered them, so an export
    /// holds such links (the review: a replica's own export could not be imported again
    /// once refused). A task an agenda item covers that neither the file nor the replica
    /// holds is counted; an item the import creates keeps the link as it is (it is the
    /// exporting replica's item, and the server's, which holds the deleted task: left out,
    /// the first sync opened a conflict nobody made, the round-trip tester), and an item
    /// here is not given it (the server refuses a link to a task it never had, so none
    /// reaches the other staff: tester, replicas that never agreed).
    @Test func anAgendaItemCoveringATaskThatIsNowhereKeepsItOnlyWhenCreated() throws {
        let missing = RecordID.random()
        let (used, _, plan) = try usedReplica()
        let (fresh, _, _) = try makeReplica()
        let file = changing(plan, .agendaItem) { $0["tasks"] = .set([missing]) }
        for (r, kept) in [(fresh, [missing]), (used, [])] {
            let report = try r.importPlan(file)
            #expect(report.danglingLinks == 1)
            #expect(try r.agenda(number: 20).first?.tasks == kept)
        }
    }

    /// A replica's own export, after a task its agenda item covered was deleted, imports.
    @Test func anExportWithAnAgendaItemCoveringADeletedTaskImports() throws {
        let (r, _, area) = try makeReplica()
        try r.createRecord(.conference, fields: ["number": .text("20"), "date": .text("2024-05-14"), "host": .text("EUMS"),
                                                 "status": .text("planned")])
        let kept = try r.createRecord(.task, fields: taskFields(area, title: "Kept"))
        let gone = try r.createRecord(.task, fields: taskFields(area, title: "Gone"))
        try r.createRecord(.agendaItem, fields: ["conference": .text("20"), "topic": .text("Mobility"), "tasks": .set([kept, gone]),
                                                 "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both")])
        // As an export reads once the task's delete has synced: the item still names it.
        var file = try r.exportPlan()
        file.records.removeAll { $0.id == gone }
        let (fresh, _, _) = try makeReplica()
        let report = try fresh.importPlan(file)
        #expect(report.danglingLinks == 1)
        #expect(Set(try fresh.agenda(number: 20).first?.tasks ?? []) == [kept, gone], "as the exporting replica holds it")
    }

    /// The same on a synced agenda item, whose covered tasks the file changes one by one.
    @Test func aSyncedAgendaItemIsNotGivenATaskThatIsNowhere() throws {
        let (r, _, _) = try makeReplica()
        let conference = RecordID.conference(number: 20), item = RecordID.random(), missing = RecordID.random()
        var fields: [String: FieldValue] = ["conference": .text("20"), "topic": .text("Mobility"),
                                            "position": .text(PositionKey.between(nil, nil)), "releasable": .text("both")]
        _ = try r.applyPull(PullResponse(storeId: "s", changes: [
            Change(seq: 1, event: .change, record: conference, kind: .conference, action: .create,
                   fields: ["number": .text("20"), "date": .text("2024-05-14"), "host": .text("IMS"), "status": .text("planned")],
                   user: "a", staff: .IMS, at: 0),
            Change(seq: 2, event: .change, record: item, kind: .agendaItem, action: .create, fields: fields, user: "a", staff: .IMS, at: 0),
        ], next: 2, more: false, maxSeq: 2))
        let pending = try pendingOps(r)
        fields["tasks"] = .set([missing])
        let report = try r.importPlan(PlanExport(format: PlanExport.formatName, records: [
            ExportedRecord(id: item, kind: .agendaItem, fields: fields, createdAt: "2024-01-01T00:00:00Z", createdBy: "a"),
        ]))
        #expect(report.danglingLinks == 1)
        #expect(try r.agenda(number: 20).first?.tasks == [])
        #expect(try pendingOps(r) == pending)
    }
}
