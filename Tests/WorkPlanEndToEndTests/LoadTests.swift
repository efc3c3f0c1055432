import Foundation
import Testing
import WorkPlanTestSupport

/// The quick variant of `make load`: a few officers at once, each with its own certificate,
/// over real mutual TLS; nothing lost or duplicated, every replica converged, store check clean.
@Suite("Load (quick)")
struct LoadTests {
    @Test func concurrentOfficersLoseNothingAndConverge() async throws {
        let report = try await LoadGenerator.run(.init(officers: 4, edits: 20, editsPerSync: 5, timeLimit: 120))
        #expect(report.faults == [], "\(report.faults)")
        #expect(report.checkFaults == [])
        #expect(report.accepted > 0 && report.pushLatencies.count >= 4 * 4)
        print(report.table)
    }
}
