import Foundation
import Testing
import WorkPlanProtocol
@testable import WorkPlanServer
import WorkPlanTestSupport

@Suite("Push body decoding: the fast path equals JSONDecoder")
struct PushDecodingTests {
    func bothWays(_ json: String) throws -> (fast: PushRequest?, reference: PushRequest) {
        let bytes = Array(json.utf8)
        let fast = bytes.withUnsafeBytes { PushRequestDecoding.fastDecode($0) }
        let reference = try JSONDecoder().decode(PushRequest.self, from: Data(bytes))
        return (fast, reference)
    }

    @Test func encodedRequestsDecodeIdentically() throws {
        let ops: [PlanOperation] = [
            PlanFixtures.createArea("Military Mobility"),
            PlanFixtures.createTask(title: "Tab\there \"quoted\" \\ back", area: "Military Mobility",
                                    extra: ["description": .text("line 1\nline 2 — ünïcødé 🚀\u{0001}"), "tags": .set(["b", "a", "b"]),
                                            "owner": .null]),
            PlanFixtures.set(RecordID.random(), "title", .text("x"), baseRev: 42, resolves: [RecordID.random()]),
            PlanOperation(record: RecordID.random(), kind: .task, action: .delete, baseRev: 7, at: -5),
        ]
        let json = String(decoding: try JSONEncoder().encode(PushRequest(batchId: "b/1", ops: ops)), as: UTF8.self)
        let (fast, reference) = try bothWays(json)
        #expect(fast?.ops == reference.ops)
        #expect(fast?.batchId == reference.batchId)
    }

    @Test func handWrittenEdgeCases() throws {
        let json = """
         { "ops" : [ { "id":"o1","record":"R","kind":"task","action":"set","field":"due","value":null,
           "base_rev":0,"at":1,"extra":{"nested":[1,-2,true,false,null,{}]},"resolves":null,
           "fields":null } , {"id":"o\\u00e9\\ud83d\\ude80","record":"R","kind":"note","action":"create",
           "fields":{"text":"a\\/b\\r\\n","staff":null},"base_rev":0,"at":2} ], "batch_id":"b" }
        """
        let (fast, reference) = try bothWays(json)
        #expect(fast != nil)
        #expect(fast?.ops == reference.ops)
    }

    @Test func unusualInputFallsBackToJSONDecoder() throws {
        // A fraction where an integer belongs: the fast path gives up, JSONDecoder decides.
        let bytes = Array(#"{"batch_id":"b","ops":[{"id":"o","record":"r","kind":"task","action":"delete","base_rev":1.5,"at":1}]}"#.utf8)
        #expect(bytes.withUnsafeBytes { PushRequestDecoding.fastDecode($0) } == nil)
        #expect(throws: DecodingError.self) { try PushRequestDecoding.decode(bytes) }
        #expect(throws: DecodingError.self) { try PushRequestDecoding.decode(Array("{\"batch_id\":".utf8)) }
        #expect(throws: DecodingError.self) { try PushRequestDecoding.decode(Array(#"{"batch_id":"b","ops":[{"id":"o","kind":"planet"}]}"#.utf8)) }
    }
}
