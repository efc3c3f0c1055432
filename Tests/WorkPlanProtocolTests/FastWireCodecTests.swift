import Foundation
import Testing
@testable import WorkPlanProtocol

/// The fast wire codec must agree with the `Codable` forms: what `JSONWriter` writes,
/// `JSONDecoder` reads back equal, and what the fast decoders read equals what
/// `JSONDecoder` reads from the same bytes.
@Suite("Fast wire codec equals the Codable forms")
struct FastWireCodecTests {
    static let area = RecordID.area(named: "Military Mobility")
    static let ops: [PlanOperation] = [
        PlanOperation(record: area, kind: .area, action: .create, fields: ["name": .text("Military Mobility")], baseRev: 0, at: 1),
        PlanOperation(record: RecordID.random(), kind: .task, action: .create, fields: [
            "title": .text("Tab\there \"quoted\" \\ back"), "area": .text(area),
            "description": .text("line 1\nline 2 — ünïcødé 🚀\u{0001}\r"), "tags": .makeSet(["b", "a", "b"]), "owner": .null,
        ], baseRev: 0, at: 2),
        PlanOperation(record: RecordID.random(), kind: .task, action: .set, field: "title", value: .text("x"), baseRev: 42,
                      resolves: [RecordID.random()], at: 3),
        PlanOperation(record: RecordID.random(), kind: .task, action: .set, field: "due", value: .null, baseRev: 9, at: 4),
        PlanOperation(record: RecordID.random(), kind: .task, action: .delete, baseRev: 7, at: -5),
    ]

    static let conflict = Conflict(id: RecordID.random(), record: RecordID.random(), kind: .task, type: .edit, field: "status",
                                   base: .text("open"), current: .text("done"), proposed: .null, proposedBy: "Lt Col Novak",
                                   staff: .IMS, at: 1_700_000_000_000, currentRev: 12)

    @Test func pushRequestWrittenFastReadsBackEqual() throws {
        let request = PushRequest(batchId: "b/1", ops: Self.ops)
        let bytes = JSONWriter.pushRequest(request)
        let reference = try JSONDecoder().decode(PushRequest.self, from: Data(bytes))
        #expect(reference.ops == request.ops)
        #expect(reference.batchId == request.batchId)
        let fast = try #require(bytes.withUnsafeBytes { WireDecoding.fastPushRequest($0) })
        #expect(fast.ops == request.ops)
        // A present null stays a present null: clearing a due date must reach the server.
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""value":null"#))
    }

    @Test func pushRequestFromJSONEncoderDecodesIdentically() throws {
        let bytes = Array(try JSONEncoder().encode(PushRequest(batchId: "b/1", ops: Self.ops)))
        let fast = bytes.withUnsafeBytes { WireDecoding.fastPushRequest($0) }
        let reference = try JSONDecoder().decode(PushRequest.self, from: Data(bytes))
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
        let bytes = Array(json.utf8)
        let fast = bytes.withUnsafeBytes { WireDecoding.fastPushRequest($0) }
        let reference = try JSONDecoder().decode(PushRequest.self, from: Data(bytes))
        #expect(fast != nil)
        #expect(fast?.ops == reference.ops)
    }

    @Test func unusualInputFallsBackToJSONDecoder() throws {
        // A fraction where an integer belongs: the fast path gives up, JSONDecoder decides.
        let bytes = Array(#"{"batch_id":"b","ops":[{"id":"o","record":"r","kind":"task","action":"delete","base_rev":1.5,"at":1}]}"#.utf8)
        #expect(bytes.withUnsafeBytes { WireDecoding.fastPushRequest($0) } == nil)
        #expect(throws: DecodingError.self) { try WireDecoding.pushRequest(bytes) }
        #expect(throws: DecodingError.self) { try WireDecoding.pushRequest(Array("{\"batch_id\":".utf8)) }
        #expect(throws: DecodingError.self) { try WireDecoding.pushRequest(Array(#"{"batch_id":"b","ops":[{"id":"o","kind":"planet"}]}"#.utf8)) }
        #expect(throws: DecodingError.self) { try WireDecoding.pullResponse(Array(#"{"store_id":"s","changes":[{"seq":"1"}],"next":1,"more":false,"max_seq":1}"#.utf8)) }
        #expect(throws: DecodingError.self) { try WireDecoding.pushResponse(Array(#"{"batch_id":"b","store_id":"s","results":[{"op":"o","outcome":"maybe","rev":1}],"replayed":false}"#.utf8)) }
    }

    /// JSON leaves a key given twice undefined, and each path kept another: both refuse it,
    /// at any depth, whatever else makes the fast path give up.
    @Test func aKeyGivenTwiceIsRefusedOnBothPaths() throws {
        let op = #"{"id":"o","record":"r","kind":"task","action":"create","fields":{"title":"A","title":"B"},"base_rev":0,"at":1}"#
        for body in [#"{"batch_id":"b","ops":[\#(op)]}"#, #"{"batch_id":"b","ops":[\#(op)],"pad":1e5}"#,
                     #"{"batch_id":"b","batch_id":"c","ops":[]}"#] {
            do {
                _ = try WireDecoding.pushRequest(Array(body.utf8))
                Issue.record("decoded: \(body)")
            } catch let DecodingError.dataCorrupted(ctx) {
                #expect(ctx.debugDescription.contains("holds the key '") && ctx.debugDescription.contains("' twice"), "\(ctx)")
            }
        }
        #expect(Array(#"{"a":{"x":1},"b":{"x":2.5}}"#.utf8).withUnsafeBytes { FastJSON.duplicateKey(in: $0) } == nil)
        #expect(Array(#"[{"k":1},{"k":-2E+3,"k":0}]"#.utf8).withUnsafeBytes { FastJSON.duplicateKey(in: $0) } == "k")
        // An escape spelling the same key is the same key.
        #expect(Array(#"{"k":1,"\u006b":2}"#.utf8).withUnsafeBytes { FastJSON.duplicateKey(in: $0) } == "k")
        // Keys that differ are still read fast.
        #expect(Array(#"{"batch_id":"b","ops":[]}"#.utf8).withUnsafeBytes { WireDecoding.fastPushRequest($0) } != nil)
    }

    @Test func bytesThatAreNotUTF8AreNamed() throws {
        let bytes = Array(#"{"batch_id":"b","ops":[{"id":"o","record":"r","kind":"task","action":"set","field":"owner","value":"X","base_rev":0,"at":1}]}"#.utf8)
            .map { $0 == UInt8(ascii: "X") ? 0xC3 : $0 }
        do {
            _ = try WireDecoding.pushRequest(bytes)
            Issue.record("decoded")
        } catch let DecodingError.dataCorrupted(ctx) {
            #expect(ctx.debugDescription == "it is not UTF-8 text")
        }
    }

    @Test func pushResponseDecodesIdentically() throws {
        let results = [
            OpResult(op: "a", outcome: .accepted, seq: 10, rev: 10),
            OpResult(op: "b", outcome: .merged, seq: 11, value: .text("merged\ntext"), rev: 11),
            OpResult(op: "c", outcome: .unchanged, value: .makeSet(["x", "y"]), rev: 3),
            OpResult(op: "d", outcome: .conflict, rev: 12, conflicts: [Self.conflict]),
            // The field is empty now: not the same as no value.
            OpResult(op: "e", outcome: .conflict, value: .null, rev: 12, conflicts: [Self.conflict]),
            // A create that met a record the server held: each named field's rev.
            OpResult(op: "f", outcome: .unchanged, rev: 14, revs: ["date": 9, "status": 14]),
        ]
        // Both writers: the server's and JSONEncoder's.
        let fromWriter = JSONWriter.pushResponse(batchId: "b", storeId: "s", resultsJSON: JSONWriter.encode(results: results), replayed: true)
        let fromEncoder = Array(try JSONEncoder().encode(PushResponse(batchId: "b", storeId: "s", results: results, replayed: true)))
        for bytes in [fromWriter, fromEncoder] {
            let fast = try #require(bytes.withUnsafeBytes { WireDecoding.fastPushResponse($0) })
            let reference = try JSONDecoder().decode(PushResponse.self, from: Data(bytes))
            #expect(fast.results == reference.results)
            #expect(fast.results == results)
            #expect(fast.replayed && fast.batchId == "b" && fast.storeId == "s")
        }
    }

    @Test func pullResponseDecodesIdentically() throws {
        let task = RecordID.random()
        let changes = [
            Change(seq: 1, event: .change, record: task, kind: .task, action: .create,
                   fields: ["title": .text("T \"1\""), "tags": .makeSet(["a"])], user: "eu", staff: .EUMS, at: 5, batch: "b1"),
            Change(seq: 2, event: .change, record: task, kind: .task, action: .set, field: "due",
                   old: .text("2024-01-01"), value: .null, user: "eu", staff: .EUMS, at: 6, batch: "b1"),
            Change(seq: 3, event: .change, record: task, kind: .task, action: .set, field: "owner",
                   old: .null, value: .text("Maj Dupont"), user: "ims", staff: .IMS, at: 7),
            Change(seq: 4, event: .conflictOpened, record: task, kind: .task, user: "ims", staff: .IMS, at: 8, conflict: Self.conflict),
            Change(seq: 5, event: .conflictResolved, record: task, kind: .task, user: "eu", staff: .EUMS, at: 9, resolved: [Self.conflict.id]),
            Change(seq: 6, event: .snapshot, record: task, kind: .task, fields: ["title": .text("T")], revs: ["title": 1, "due": 2],
                   user: "eu", staff: .EUMS, at: 10, createdAt: 5, createdBy: "Maj. Ruiz"),
            Change(seq: 7, event: .withdrawn, record: task, kind: .task, user: "eu", staff: .EUMS, at: 11),
        ]
        let bytes = Array(try JSONEncoder().encode(PullResponse(storeId: "s", changes: changes, next: 7, more: true, maxSeq: 9)))
        let fast = try #require(bytes.withUnsafeBytes { WireDecoding.fastPullResponse($0) })
        let reference = try JSONDecoder().decode(PullResponse.self, from: Data(bytes))
        #expect(fast.changes == reference.changes)
        #expect(fast.changes == changes)
        #expect(fast.next == 7 && fast.more && fast.maxSeq == 9 && fast.storeId == "s")
    }

    @Test func pullEntriesWithExplicitNullsDecodeIdentically() throws {
        // The server writes `old`/`value` as present nulls; JSONEncoder leaves nil optionals out.
        let json = #"""
        {"store_id":"s","next":3,"more":false,"max_seq":3,"changes":[
         {"seq":2,"event":"change","record":"r","kind":"task","action":"set","field":"due","old":null,"value":null,
          "fields":null,"revs":null,"user":"u","staff":"IMS","at":1,"batch":null,"conflict":null,"resolved":null,"created_at":null,"future":{"x":[1]}}]}
        """#
        let bytes = Array(json.utf8)
        let fast = try #require(bytes.withUnsafeBytes { WireDecoding.fastPullResponse($0) })
        let reference = try JSONDecoder().decode(PullResponse.self, from: Data(bytes))
        #expect(fast.changes == reference.changes)
        #expect(fast.changes.first?.value == .null && fast.changes.first?.old == .null)
    }

    @Test func revsObjectsReadWithoutATree() {
        #expect(WireDecoding.revs(text: #"{"status":12,"title":40000000001}"#) == ["status": 12, "title": 40_000_000_001])
        #expect(WireDecoding.revs(text: "{}") == [:])
        #expect(WireDecoding.revs(text: #" { "a\"b" : -3 , "\u00e9" : 0 } "#) == ["a\"b": -3, "é": 0])
        #expect(WireDecoding.revs(text: JSONWriter.encode(revs: ["due": 7, "owner": 9])) == ["due": 7, "owner": 9])
        // Anything else is declined (the caller falls back to JSONDecoder).
        for bad in [#"{"a":1.5}"#, #"{"a":"1"}"#, #"{"a":1,}"#, #"{"a":1} x"#, "[1]", "", #"{"a" 1}"#, #"{"a":99999999999999999999}"#] {
            #expect(WireDecoding.revs(text: bad) == nil, "\(bad)")
        }
    }
}
