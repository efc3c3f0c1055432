import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanClient

/// A server that only says hello, with a chosen protocol range.
struct HelloOnlyTransport: SyncTransport {
    var current: Int
    var minimum: Int
    var staff: Staff = .EUMS
    func hello() async throws -> HelloResponse {
        HelloResponse(protocolVersion: current, minimumProtocolVersion: minimum, serverVersion: "test", storeId: "s",
                      user: Identity(name: "Col. Dupont", staff: staff, role: .editor), maxSeq: 0)
    }
    func push(_ request: PushRequest) async throws -> PushResponse { throw WorkPlanError(.internal, "not expected") }
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse { throw WorkPlanError(.internal, "not expected") }
}

@Suite("Sync engine handshake")
struct SyncEngineTests {
    @Test func aServerTooNewSaysUpdateWorkplan() async throws {
        let (r, _, _) = try makeReplica()
        let e = await #expect(throws: WorkPlanError.self) {
            _ = try await SyncEngine(replica: r, transport: HelloOnlyTransport(current: ProtocolVersion.current + 1, minimum: ProtocolVersion.current + 1)).run()
        }
        #expect(e?.code == .unsupportedVersion)
        #expect(e?.message.contains("update workplan") == true)
        #expect(try r.pendingCount() == 1, "nothing sent, nothing lost")
    }

    @Test func aServerTooOldSaysUpdateTheServer() async throws {
        let (r, _, _) = try makeReplica()
        let e = await #expect(throws: WorkPlanError.self) {
            _ = try await SyncEngine(replica: r, transport: HelloOnlyTransport(current: ProtocolVersion.current - 1, minimum: ProtocolVersion.current - 1)).run()
        }
        #expect(e?.code == .unsupportedVersion)
        #expect(e?.message.contains("update the server") == true)
    }

    @Test func aBundleOfTheOtherStaffIsRefused() async throws {
        let (r, _, _) = try makeReplica()
        let e = await #expect(throws: WorkPlanError.self) {
            _ = try await SyncEngine(replica: r, transport: HelloOnlyTransport(current: ProtocolVersion.current, minimum: 1, staff: .IMS)).run()
        }
        #expect(e?.code == .forbidden)
    }
}
