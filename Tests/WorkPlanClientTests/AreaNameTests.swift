import Foundation
import GRDB
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// One name, one area: a rename to another area's name is refused, and the brief groups
/// tasks by area, not by the name an area shows.
@Suite("Area names")
struct AreaNameTests {
    /// The black-box tester: an area renamed (by import) to "Mobility" on one side while the
    /// other added an area "Mobility": after the sync two areas bear the name, and
    /// `--area Mobility` silently took one. It is now ambiguous, and an area's id names it.
    @Test func twoAreasOfOneNameAreAmbiguousAndNamedByTheirIDs() throws {
        let (r, _, mobility) = try makeReplica()
        let other = RecordID.random()
        _ = try r.applyPull(PullResponse(storeId: "s1", changes: [
            Change(seq: 5, event: .change, record: other, kind: .area, action: .create, fields: ["name": .text("military MOBILITY")],
                   user: "Smith", staff: .IMS, at: 1000),
        ], next: 5, more: false, maxSeq: 5))
        let e = #expect(throws: WorkPlanError.self) { try r.areaID(named: "Military Mobility") }
        #expect(e?.code == .ambiguous)
        #expect(e?.message.contains(RecordID.short(other)) == true && e?.message.contains(RecordID.short(mobility)) == true)
        #expect(try r.areaID(named: String(other.prefix(6))) == other)
        #expect(try r.areaID(named: mobility.uppercased()) == mobility)
        let unknown = #expect(throws: WorkPlanError.self) { try r.areaID(named: "Cyber") }
        #expect(unknown?.code == .notFound)
        // `history` names areas by name too: the same name is ambiguous there, not unknown.
        let history = #expect(throws: WorkPlanError.self) { try r.resolveAnyRecord("Military Mobility") }
        #expect(history?.code == .ambiguous && history?.message.contains(RecordID.short(other)) == true, "\(String(describing: history))")
        #expect(try r.resolveAnyRecord(String(other.prefix(6))) == (.area, other))
    }

    @Test func aConflictResolvedToAnotherAreasNameIsRefused() throws {
        let (r, _, mobility) = try makeReplica()
        let medical = try r.createRecord(.area, fields: ["name": .text("Medical Cooperation")])
        let creates = try #require(try r.nextBatch())
        _ = try r.applyPushResponse(PushResponse(batchId: creates.batchId, storeId: "s", results: creates.ops.enumerated().map { i, op in
            OpResult(op: op.id, outcome: .accepted, seq: Int64(i + 1), rev: Int64(i + 1))
        }, replayed: false))
        try r.edit(.area, id: medical, [.set("name", .text("Coopération médicale"))])
        let batch = try #require(try r.nextBatch())
        let conflict = Conflict(id: RecordID.random(), record: medical, kind: .area, type: .edit, field: "name",
                                base: .text("Medical Cooperation"), current: .text("COOPÉRATION MÉDICALE"),
                                proposed: .text("Coopération médicale"), proposedBy: "Col. Dupont", staff: .EUMS, at: 0, currentRev: 7)
        let results = batch.ops.map { op in
            OpResult(op: op.id, outcome: .conflict, value: .text("COOPÉRATION MÉDICALE"), rev: 7, conflicts: [conflict])
        }
        _ = try r.applyPushResponse(PushResponse(batchId: batch.batchId, storeId: "s", results: results, replayed: false))
        let before = try pendingOps(r).count

        let refused = #expect(throws: WorkPlanError.self) {
            try r.resolve(record: medical, field: "name", with: .value("military  MOBILITY"))
        }
        #expect(refused?.code == .alreadyExists, "\(String(describing: refused))")
        #expect(try pendingOps(r).count == before, "refused: nothing queued")
        #expect(try r.openConflictCount() == 1, "the conflict stays open")
        let edit = #expect(throws: WorkPlanError.self) { try r.edit(.area, id: medical, [.set("name", .text("Military Mobility"))]) }
        #expect(edit?.code == .alreadyExists)

        // Named by its name, as `history` names areas (the structural-edits tester: refused
        // as "neither a conference number nor an id"); an unknown name says what it may be.
        let unknown = #expect(throws: WorkPlanError.self) { try r.resolve(record: "Cyber", field: "name", with: .mine) }
        #expect(unknown?.message.contains("neither a conference number, an area's name nor an id") == true, "\(String(describing: unknown))")
        _ = try r.resolve(record: "coopération MÉDICALE", field: "name", with: .value("Medical Cooperation (joint)"))
        #expect(try r.openConflictCount() == 0)
        // A name made of hex digits reads as an id prefix first; with no conflict open on
        // such an id, it is the area's name (the review).
        let cafe = try r.createRecord(.area, fields: ["name": .text("Cafe")])
        let cafeConflict = Conflict(id: RecordID.random(), record: cafe, kind: .area, type: .edit, field: "name",
                                    base: .text("Cafe"), current: .text("Cafe"), proposed: .text("Café"),
                                    proposedBy: "Col. Dupont", staff: .EUMS, at: 0, currentRev: 9)
        try r.db.write { try r.storeConflict($0, cafeConflict) }
        _ = try r.resolve(record: "cafe", field: "name", with: .theirs)
        #expect(try r.openConflictCount() == 0)
        #expect(try r.record(.area, id: medical)?.text("name") == "Medical Cooperation (joint)")
        #expect(try r.record(.area, id: mobility)?.text("name") == "Military Mobility")
    }

    @Test func theBriefGroupsTasksByAreaEvenWhenTwoAreasShowOneName() throws {
        let (r, _, mobility) = try makeReplica()
        let medical = try r.createRecord(.area, fields: ["name": .text("Medical Cooperation")])
        _ = try r.createRecord(.conference, fields: ["number": .text("21"), "date": .text("2024-05-14"),
                                                     "host": .text("EUMS"), "status": .text("planned")])
        let a = try r.createRecord(.task, fields: taskFields(mobility, title: "Task in mobility"))
        let b = try r.createRecord(.task, fields: taskFields(medical, title: "Task in medical"))
        // Two renames made offline, merged: both areas now show one name.
        try r.db.write { try $0.execute(sql: "UPDATE area SET name = 'Military Mobility' WHERE id = ?", arguments: [medical]) }

        let brief = try r.brief(conference: 21)
        let grouped: [[String]] = brief.areas.map { area in area.tasks.map(\.id) }
        #expect(grouped.count == 2)
        #expect(Set(grouped) == Set([[a], [b]]), "each task once, under its own area: \(grouped)")
    }
}
