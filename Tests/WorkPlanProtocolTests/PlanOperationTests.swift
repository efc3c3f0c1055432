import Testing
import WorkPlanProtocol

@Suite("Operations checked before they are queued or applied")
struct PlanOperationTests {
    @Test func aTaskCannotFollowItself() throws {
        let task = RecordID.random(), other = RecordID.random()
        let set = PlanOperation(record: task, kind: .task, action: .set, field: "follows", value: .text(task), baseRev: 3, at: 0)
        let refused = #expect(throws: WorkPlanError.self) { try set.validated() }
        #expect(refused?.code == .invalidInput && refused?.message.contains("cannot refer to itself") == true)
        let create = PlanOperation(record: task, kind: .task, action: .create, fields: [
            "title": .text("T"), "area": .text(RecordID.area(named: "Military Mobility")), "lead": .text("EUMS"),
            "status": .text("open"), "priority": .text("medium"), "follows": .text(task),
        ], baseRev: 0, at: 0)
        #expect(throws: WorkPlanError.self) { try create.validated() }
        var fine = set
        fine.value = .text(other)
        #expect(try fine.validated().value == .text(other))
    }
}
