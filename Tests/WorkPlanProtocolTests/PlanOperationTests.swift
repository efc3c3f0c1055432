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

    /// The black-box tester: "Evil \u{202E}txt.exe" listed as "Evil exe.txt", and an area
    /// "Mobility\u{200B}" looked like "Mobility" beside it.
    @Test func oneLineTextIsShownAsTyped() throws {
        func set(_ kind: RecordKind, _ field: String, _ text: String) -> PlanOperation {
            PlanOperation(record: RecordID.random(), kind: kind, action: .set, field: field, value: .text(text), baseRev: 1, at: 0)
        }
        for text in ["Evil \u{202E}txt.exe", "A\u{202A}B", "A\u{2066}B\u{2069}"] {
            let e = #expect(throws: WorkPlanError.self) { try set(.task, "title", text).validated() }
            #expect(e?.code == .invalidInput && e?.message.contains("changes the order text is shown in") == true, "\(String(describing: e))")
        }
        let tag = PlanOperation(record: RecordID.random(), kind: .task, action: .add, field: "tags", value: .text("a\u{202E}b"), baseRev: 1, at: 0)
        #expect(throws: WorkPlanError.self) { try tag.validated() }
        let area = #expect(throws: WorkPlanError.self) { try set(.area, "name", "Mobility\u{200B}").validated() }
        #expect(area?.message.contains("U+200B") == true)
        #expect(throws: WorkPlanError.self) { try set(.area, "name", "Mo\u{200D}bility").validated() }
        // Elsewhere a zero-width joiner stays (it joins emoji and some scripts), and so do
        // the left-to-right and right-to-left marks, and accented letters.
        #expect(try set(.task, "title", "Family \u{1F468}\u{200D}\u{1F469}").validated().value == .text("Family \u{1F468}\u{200D}\u{1F469}"))
        #expect(try set(.task, "owner", "Cdr. \u{200F}Jansen").validated().value != nil)
        #expect(try set(.area, "name", "Sécurité").validated().value == .text("Sécurité"))
    }
}
