import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// `importPlan` looks existing rows up once per kind and prepares creates on a second thread
/// (`Pipeline`): these pin down what that must not change.
@Suite("Import")
struct ImportTests {
    func exported(_ id: String, _ fields: [String: FieldValue], kind: RecordKind = .task) -> ExportedRecord {
        ExportedRecord(id: id, kind: kind, fields: fields, createdAt: "2024-01-01T00:00:00Z", createdBy: "test")
    }

    func plan(_ records: [ExportedRecord]) -> PlanExport {
        PlanExport(format: PlanExport.formatName, records: records)
    }

    @Test func aFileNamingOneIDTwiceUpdatesTheFirstCopy() throws {
        let (r, _, area) = try makeReplica()
        let id = RecordID.random()
        let result = try r.importPlan(plan([
            exported(id, taskFields(area, title: "First")),
            exported(id, taskFields(area, title: "Second")),
        ]))
        #expect(result.created == 1 && result.updated == 1)
        #expect(try r.tasks().filter { $0.id == id }.map(\.title) == ["Second"])
        let ops = try pendingOps(r).filter { $0.record == id }
        #expect(ops.filter { $0.action == .create }.count == 1)
    }

    @Test func anIDInCapitalsFindsTheRecordAlreadyHere() throws {
        let (r, _, area) = try makeReplica()
        let id = try r.createRecord(.task, fields: taskFields(area, title: "Here"))
        let result = try r.importPlan(plan([exported(id.uppercased(), taskFields(area, title: "Renamed"))]))
        #expect(result.created == 0 && result.updated == 1)
        #expect(try r.tasks().map(\.title) == ["Renamed"])
    }

    /// More records than one pipeline chunk, the bad one near the end: the whole import is
    /// refused, names the record, and leaves the replica as it was.
    @Test func aBadRecordLateInABigFileChangesNothing() throws {
        let (r, _, area) = try makeReplica()
        let before = try pendingOps(r).count
        var records = (0..<3000).map { exported(RecordID.random(), taskFields(area, title: "Task \($0)")) }
        var bad = taskFields(area)
        bad["status"] = .text("nearly-done")
        let badID = RecordID.random()
        records.insert(exported(badID, bad), at: 2800)
        #expect {
            try r.importPlan(plan(records))
        } throws: { error in
            let e = error as? WorkPlanError
            return e?.code == .invalidInput && e?.message.contains(RecordID.short(badID)) == true
                && e?.message.contains("status") == true
        }
        #expect(try r.tasks().isEmpty)
        #expect(try pendingOps(r).count == before)
    }

    /// References are checked at the write (against the replica and the file's earlier
    /// records), and a bad one refuses the whole file.
    @Test func referencesMustNameRecordsHereOrEarlierInTheFile() throws {
        let (r, _, area) = try makeReplica()
        let task = RecordID.random()
        let note: [String: FieldValue] = ["task": .text(task), "text": .text("Progress"), "author": .text("Col. Dupont"), "staff": .text("EUMS"), "releasable": .text("both")]
        let ok = try r.importPlan(plan([exported(RecordID.random(), note, kind: .note), exported(task, taskFields(area))]))
        #expect(ok.created == 2)

        let (fresh, _, freshArea) = try makeReplica()
        let orphan = exported(RecordID.random(), ["task": .text(RecordID.random()), "text": .text("x"), "author": .text("A"), "staff": .text("EUMS"), "releasable": .text("both")], kind: .note)
        #expect(throws: WorkPlanError.self) { try fresh.importPlan(plan([exported(RecordID.random(), taskFields(freshArea)), orphan])) }
        var atConference = taskFields(freshArea)
        atConference["conference"] = .text("7")
        let e = #expect(throws: WorkPlanError.self) { try fresh.importPlan(plan([exported(RecordID.random(), atConference)])) }
        #expect(e?.message.contains("no conference 7") == true)
        #expect(try fresh.tasks().isEmpty)
    }

    @Test func aBigImportCreatesEveryRecordWithItsPendingCreate() throws {
        let (r, _, area) = try makeReplica()
        let records = (0..<2500).map { exported(RecordID.random(), taskFields(area, title: "Task \($0)")) }
        let result = try r.importPlan(plan(records))
        #expect(result.created == 2500 && result.updated == 0)
        #expect(Set(try r.tasks().map(\.id)) == Set(records.map(\.id)))
        #expect(try pendingOps(r).filter { $0.action == .create && $0.kind == .task }.count == 2500)
        // A second import of the same file finds every record and changes nothing.
        let again = try r.importPlan(plan(records))
        #expect(again.created == 0 && again.updated == 0)
    }
}

@Suite("Pipeline")
struct PipelineTests {
    @Test(arguments: [0, 1, 511, 512, 513, 5000])
    func consumesEveryItemInOrder(count: Int) throws {
        var seen: [Int] = []
        try Pipeline.run(count: count, prepare: { $0 * 2 }, consume: { i, v in
            #expect(v == i * 2)
            seen.append(i)
        })
        #expect(seen == Array(0..<count))
    }

    struct Stop: Error {}

    @Test func aConsumerErrorStopsTheRunAndIsRethrown() throws {
        var consumed = 0
        #expect(throws: Stop.self) {
            try Pipeline.run(count: 100_000, prepare: { $0 }, consume: { i, _ in
                consumed += 1
                if i == 1500 { throw Stop() }
            })
        }
        #expect(consumed == 1501)
    }
}

@Suite("Acknowledging a first push")
struct FirstRevsTests {
    /// `setFirstRevs` writes by template what `JSONText.encodeRevs` would, and only on a
    /// record never synced.
    @Test(arguments: RecordKind.allCases)
    func firstRevsAreWhatEncodeRevsWrites(kind: RecordKind) throws {
        let (r, _, _) = try makeReplica()
        let table = RecordTable.of(kind)
        let id = RecordID.random()
        try r.db.write { db in
            var fields: [String: FieldValue] = [:]
            for spec in kind.fields where spec.required { fields[spec.name] = spec.isSet ? .set([]) : .text("1") }
            try table.write(db, StoredRecord(id: id, kind: kind, fields: fields, revs: [:], rev: 0, createdAt: 1, updatedAt: 1, createdBy: "t", deleted: false))
            #expect(try table.setFirstRevs(db, id: id, to: 1234))
            let stored = try String.fetchOne(db, sql: "SELECT revs FROM \(kind.rawValue) WHERE id = ?", arguments: [id])
            #expect(stored == JSONText.encodeRevs(Dictionary(uniqueKeysWithValues: kind.fields.map { ($0.name, Int64(1234)) })))
            #expect(try table.fetchRevs(db, id: id)?.rev == 1234)
            // Revs already set: nothing is written.
            #expect(try !table.setFirstRevs(db, id: id, to: 99))
            #expect(try table.fetchRevs(db, id: id)?.revs.values.allSatisfy { $0 == 1234 } == true)
        }
    }
}
