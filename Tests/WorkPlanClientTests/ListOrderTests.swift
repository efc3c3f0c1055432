import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// `list`'s order: area name ignoring case, then priority (high first), then title, then id.
/// The sort was rewritten to move indices (the scale tester: half of `list` at 50 000 tasks);
/// this checks it against the comparator it replaced, over tasks made in random order.
@Suite("List order")
struct ListOrderTests {
    @Test func tasksAreListedByAreaPriorityTitleAndId() throws {
        let tmp = try TemporaryDirectory()
        let replica = try Replica.create(in: tmp.child("replica"), staff: .EUMS, user: "Col. Dupont")
        var rng = SeededGenerator(seed: 7)
        let areas = try ["military mobility", "Medical Cooperation", "Cyber", "CYBERSPACE", "Éducation"].map {
            try replica.createRecord(.area, fields: ["name": .text($0)])
        }
        for _ in 0..<300 {
            let title = ["Permits", "permits", "Audit", "Zeta", "Ähnlich", "Audit 2"][Int(rng.next() % 6)]
            try replica.createRecord(.task, fields: [
                "title": .text(title), "area": .text(areas[Int(rng.next() % 5)]), "lead": .text("EUMS"), "status": .text("open"),
                "priority": .text(["low", "medium", "high"][Int(rng.next() % 3)]), "releasable": .text("both")])
        }
        let listed = try replica.tasks()
        let rank = ["high": 0, "medium": 1, "low": 2]
        let reference = listed.shuffled(using: &rng).sorted { a, b in
            if a.area.lowercased() != b.area.lowercased() { return a.area.lowercased() < b.area.lowercased() }
            let pa = rank[a.priority] ?? 3, pb = rank[b.priority] ?? 3
            if pa != pb { return pa < pb }
            if a.title != b.title { return a.title < b.title }
            return a.id < b.id
        }
        #expect(listed.count == 300)
        #expect(listed.map(\.id) == reference.map(\.id))
        #expect(Set(listed.map(\.area)).count == 5)
    }
}
