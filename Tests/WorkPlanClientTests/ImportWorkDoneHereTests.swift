import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// An export imported again does not undo the work done here since, synced or not: the
/// values this replica's own edits replaced and the records it deleted count as the pulled
/// history does (`ReplacedHere`).
@Suite("Import: work done here")
struct ImportWorkDoneHereTests {
    /// The tester's case A: a replica made by `init`, never synced, so it has no history.
    @Test func anOldExportDoesNotUndoTheEditsAndDeletesOfAReplicaNeverSynced() throws {
        let (r, _, area) = try makeReplica()
        var fields = taskFields(area, title: "Title A")
        fields["tags"] = .makeSet(["x", "y"])
        let kept = try r.createRecord(.task, fields: fields)
        let doomed = try r.createRecord(.task, fields: taskFields(area, title: "Doomed"))
        let old = try r.exportPlan()
        try r.edit(.task, id: kept, [.set("title", .text("Title B")), .set("status", .text("done")),
                                     .remove("tags", "x"), .add("tags", "z")])
        try r.deleteRecord(.task, id: doomed)
        let pending = try pendingOps(r)

        let report = try r.importPlan(old)
        #expect(report.created == 0 && report.updated == 0, "\(report)")
        #expect(report.leftDeleted == 1 && report.keptNewer == 4, "title, status, tag x not back, tag z kept: \(report)")
        let task = try #require(try r.tasks().first { $0.id == kept })
        #expect(task.title == "Title B" && task.status == "done" && task.tags == ["y", "z"], "\(task)")
        #expect(try !r.tasks().contains { $0.id == doomed }, "the deleted task stays deleted")
        #expect(try pendingOps(r) == pending, "nothing queued")

        // A value no one has held here is new: it is imported.
        var edited = old
        for i in edited.records.indices where edited.records[i].id == kept { edited.records[i].fields["title"] = .text("Title C") }
        let again = try r.importPlan(edited)
        #expect(again.updated == 1 && again.leftDeleted == 1, "\(again)")
        #expect(try r.tasks().first { $0.id == kept }?.title == "Title C")
    }

    /// On a synced record, two offline edits of one field fold into one pending edit: the
    /// value between them, exported, is still one the field held before.
    @Test func aValueAnOfflineEditReplacedIsNotBroughtBack() throws {
        let (r, _, id) = try replicaWithPulledTask()
        try r.edit(.task, id: id, [.set("title", .text("Between"))])
        let old = try r.exportPlan()
        try r.edit(.task, id: id, [.set("title", .text("Latest"))])
        let report = try r.importPlan(old)
        #expect(report.updated == 0 && report.keptNewer == 1, "\(report)")
        #expect(try r.tasks().first { $0.id == id }?.title == "Latest")
    }
}
