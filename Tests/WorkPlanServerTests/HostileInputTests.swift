import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

/// The fuzz generator: SplitMix64 from the test support library.
typealias FuzzRandom = SeededGenerator

/// One hostile request: who sends it, what, and what kind of attack it is.
struct HostileCase {
    enum Sender { case editor, otherStaff, viewer }
    var label: String
    var sender: Sender = .editor
    var method = "POST"
    var path = Paths.push
    var body: [UInt8]? = nil
}

/// Builds hostile requests, every one of which must be refused: random bytes, truncated and
/// corrupted JSON, invalid UTF-8, deep nesting, wrong types, huge strings, bad cursors,
/// unknown kinds/fields/actions, bad ids, one op id twice, writes to another staff's
/// records, oversized bodies and batches.
struct HostileInputs {
    var rng: FuzzRandom
    /// A task visible to both staffs, an EUMS-only task, their area.
    let area: String, shared: String, eumsOnly: String
    let maxSeq: Int64

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

    func json(_ object: Any) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed]))
    }

    func taskCreate(title: String = "Fuzz task") -> [String: Any] {
        ["id": RecordID.random(), "record": RecordID.random(), "kind": "task", "action": "create", "base_rev": 0,
         "at": 1_701_424_800_000,
         "fields": ["title": title, "area": area, "lead": "EUMS", "status": "open", "priority": "medium", "releasable": "both"]]
    }

    func setOp(_ record: String, _ field: String, _ value: Any, baseRev: Int = 0) -> [String: Any] {
        ["id": RecordID.random(), "record": record, "kind": "task", "action": "set", "field": field, "value": value,
         "base_rev": baseRev, "at": 1_701_424_800_000]
    }

    func batch(_ ops: [Any], id: Any = RecordID.random()) -> [String: Any] { ["batch_id": id, "ops": ops] }

    /// A valid push body (never sent as it is).
    func validBody() -> [UInt8] { json(batch([taskCreate()])) }

    /// The next case; `heavy` picks a 16 MiB+ body or a 5001-op batch.
    mutating func next(heavy: Bool) -> HostileCase {
        let kind = heavy ? int(20..<22) : int(0..<20)
        switch kind {
        case 0:
            let n = int(0..<2000)
            return HostileCase(label: "random bytes (\(n))", body: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 1:
            let valid = validBody()
            return HostileCase(label: "truncated JSON", body: Array(valid.prefix(int(1..<(valid.count - 1)))))
        case 2:
            var valid = validBody()
            let bad = pick([0x00, 0x01, 0x07, 0x08, 0x0B, 0x0C, 0x1B, 0x1F] as [UInt8])
            valid.insert(bad, at: int(0..<valid.count))
            return HostileCase(label: "raw control byte \(bad)", body: valid)
        case 3:
            var valid = validBody()
            let title = Array("Fuzz task".utf8)
            let at = valid.firstRange(of: title)!.lowerBound + int(0..<title.count)
            let bad: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF]]
            let seq = pick(bad)
            valid.insert(contentsOf: seq, at: at)
            return HostileCase(label: "invalid UTF-8 \(seq) in a string", body: valid)
        case 4:
            let depth = pick([64, 600, 5_000, 100_000])
            if int(0..<2) == 0 {
                let body = "{\"batch_id\":\"deep\",\"ops\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
                return HostileCase(label: "arrays nested \(depth) deep", body: Array(body.utf8))
            }
            let inner = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
            let body = "{\"batch_id\":\"deep\",\"ops\":[{\"id\":\"x\",\"record\":\"\(shared)\",\"kind\":\"task\",\"action\":\"set\",\"field\":\"title\",\"value\":\(inner),\"base_rev\":0,\"at\":1}]}"
            return HostileCase(label: "objects nested \(depth) deep", body: Array(body.utf8))
        case 5:
            var op = taskCreate()
            let key = pick(["id", "record", "kind", "action", "base_rev", "at", "fields"])
            let wrong: [Any]
            switch key {
            case "base_rev", "at": wrong = ["12", 1.5, [1], ["n": 1], NSNull(), true, 1e30]
            case "fields": wrong = ["x", 5, [1, 2], NSNull()]
            default: wrong = [42, true, [1], ["k": "v"], NSNull()]
            }
            let value = pick(wrong)
            op[key] = value
            return HostileCase(label: "wrong type for \(key): \(value)", body: json(batch([op])))
        case 6:
            let which = int(0..<3)
            let body: [String: Any] = switch which {
            case 0: ["batch_id": 7, "ops": []]
            case 1: ["batch_id": RecordID.random(), "ops": pick(["x", 5, ["a": 1], NSNull()] as [Any])]
            default: ["ops": [taskCreate()]]
            }
            return HostileCase(label: "wrong top-level shape \(which)", body: json(body))
        case 7:
            let n = pick([301, 10_000, 200_000, 2_000_000])
            let huge = String(repeating: pick(["x", "é", "漢", "🙂"]), count: n)
            switch int(0..<4) {
            case 0: return HostileCase(label: "title of \(n) characters", body: json(batch([taskCreate(title: huge)])))
            case 1: return HostileCase(label: "batch id of \(n) characters", body: json(batch([taskCreate()], id: huge)))
            case 2:
                var op = taskCreate()
                op["id"] = huge
                return HostileCase(label: "op id of \(n) characters", body: json(batch([op])))
            default:
                return HostileCase(label: "set element of \(n) characters",
                                   body: json(batch([["id": RecordID.random(), "record": shared, "kind": "task", "action": "add",
                                                      "field": "tags", "value": huge, "base_rev": 0, "at": 1]])))
            }
        case 8:
            let query = pick(["after=-1", "after=-9223372036854775808", "after=\(maxSeq + 1 + Int64(int(0..<1000)))",
                              "after=9223372036854775807", "after=99999999999999999999", "after=abc", "after=1.5",
                              "after=0&limit=0", "after=0&limit=-5", "after=0&limit=x", "after=0&limit=99999999999999999999",
                              "after=%00", "after=&limit="])
            return HostileCase(label: "pull ?\(query)", method: "GET", path: Paths.pull + "?" + query)
        case 9:
            var op = taskCreate()
            var fields = op["fields"] as! [String: Any]
            fields[pick(["zzz", "ownr", "__proto__", "title ", "Title"])] = "x"
            op["fields"] = fields
            return HostileCase(label: "unknown field in a create", body: json(batch([op])))
        case 10:
            var op = taskCreate()
            let key = pick(["kind", "action"])
            op[key] = pick(["spaceship", "TASK", "", "explode", "create ", "delete\u{0}"])
            return HostileCase(label: "unknown \(key)", body: json(batch([op])))
        case 11:
            let bad = pick(["not-an-id", "", "../../etc/passwd", "00000000-0000-0000-0000-00000000000", "' OR 1=1 --", String(repeating: "a", count: 300)])
            if int(0..<2) == 0 {
                var op = taskCreate()
                op["record"] = bad
                return HostileCase(label: "bad record id '\(bad.prefix(40))'", body: json(batch([op])))
            }
            var op = taskCreate()
            var fields = op["fields"] as! [String: Any]
            fields["area"] = pick([bad, RecordID.random()])
            op["fields"] = fields
            return HostileCase(label: "bad or unknown area reference", body: json(batch([op])))
        case 12:
            let op = taskCreate()
            var other = taskCreate()
            other["id"] = op["id"]
            return HostileCase(label: "one op id twice", body: json(batch([op, other])))
        case 13:
            let ops: [[String: Any]] = [
                setOp(eumsOnly, "title", "IMS was here", baseRev: 3),
                ["id": RecordID.random(), "record": eumsOnly, "kind": "task", "action": "delete", "base_rev": 3, "at": 1],
                ["id": RecordID.random(), "record": RecordID.random(), "kind": "note", "action": "create", "base_rev": 0, "at": 1,
                 "fields": ["task": eumsOnly, "text": "peek", "author": "ivan", "staff": "IMS", "releasable": "both"]],
            ]
            let i = int(0..<ops.count)
            // A valid first op makes sure the refusal rolls back what came before it.
            return HostileCase(label: "IMS writes to EUMS-only task (\(i))", sender: .otherStaff, body: json(batch([taskCreate(), ops[i]])))
        case 14:
            return HostileCase(label: "viewer writes", sender: .viewer, body: json(batch([pick([taskCreate(), setOp(shared, "title", "viewer")])])))
        case 15:
            let (method, path) = pick([("PUT", Paths.push), ("GET", Paths.push), ("POST", Paths.pull), ("GET", "/v2/pull?after=0"),
                                       ("DELETE", Paths.hello), ("GET", "/v1/push/../hello/x"), ("GET", "/%ZZ"), ("GET", "/v1/pull/1")])
            return HostileCase(label: "\(method) \(path)", method: method, path: path, body: method == "GET" ? nil : validBody())
        case 16:
            let id = pick(["", "has space", "tab\there", "ctl\u{1}", "é-not-ascii", String(repeating: "b", count: 65)])
            return HostileCase(label: "bad batch id", body: json(batch([taskCreate()], id: id)))
        case 17:
            let op = pick([setOp(shared, "title", "x", baseRev: -1), setOp(shared, "nonexistent", "x"),
                           setOp(shared, "status", "exploded"), setOp(shared, "due", "2023-02-30"),
                           setOp(shared, "title", ["a", "b"]), setOp(shared, "title", "")])
            return HostileCase(label: "bad set (\(op["field"]!))", body: json(batch([taskCreate(), op])))
        case 18:
            // A conference whose id is not the one its number gives.
            let op: [String: Any] = ["id": RecordID.random(), "record": RecordID.random(), "kind": "conference", "action": "create",
                                     "base_rev": 0, "at": 1, "fields": ["number": "\(int(1..<1000))", "date": "2024-05-14",
                                                                         "host": "EUMS", "status": "planned"]]
            return HostileCase(label: "natural key mismatch", body: json(batch([op])))
        case 19:
            // Valid JSON, valid ops, then garbage after the document.
            return HostileCase(label: "trailing garbage", body: validBody() + Array(pick(["x", "{}", "]", ",{}"]).utf8))
        case 20:
            let n = Limits.maxBodyBytes + int(1..<100)
            return HostileCase(label: "oversized body (\(n))", body: [UInt8](repeating: UInt8(ascii: " "), count: n))
        default:
            let ops = (0...Limits.maxOpsPerBatch).map { _ in
                ["id": RecordID.random(), "record": shared, "kind": "task", "action": "add", "field": "tags", "value": "t", "base_rev": 0, "at": 1] as [String: Any]
            }
            return HostileCase(label: "\(ops.count) ops in one batch", body: json(batch(ops)))
        }
    }
}

/// DESIGN.md "malformed input gets a 4xx with a JSON error and changes nothing", through the
/// real HTTP stack (in-process server over mutual TLS). `WORKPLAN_FUZZ_CASES` sets the
/// count (default 300; `make fuzz` runs 100 000), `WORKPLAN_FUZZ_SEED` the seed.
@Suite("Hostile input")
struct HostileInputTests {
    static let cases = Int(ProcessInfo.processInfo.environment["WORKPLAN_FUZZ_CASES"] ?? "") ?? 300
    static let seed = UInt64(ProcessInfo.processInfo.environment["WORKPLAN_FUZZ_SEED"] ?? "") ?? 7

    @Test func everyHostileRequestGetsA4xxAndChangesNothing() async throws {
        try await ServerFixture.run { f in
            let (shared, sharedRev) = try await seedTask(f.eums)
            let eumsOnly = PlanFixtures.createTask(title: "EUMS eyes only", area: "Military Mobility", releasable: .EUMS)
            try await push(f.eums, [eumsOnly])
            let before = try f.digest
            var inputs = HostileInputs(rng: FuzzRandom(seed: Self.seed), area: RecordID.area(named: "Military Mobility"),
                                       shared: shared, eumsOnly: eumsOnly.record, maxSeq: try await f.server.store.maxSeq())
            var statuses: [Int: Int] = [:]
            var failures = 0
            let digestEvery = Self.cases <= 1000 ? 1 : 50
            for i in 0..<Self.cases {
                // Heavy cases (16 MB bodies, 5001-op batches) now and then.
                let c = inputs.next(heavy: i % 97 == 13)
                let client = switch c.sender { case .editor: f.eums; case .otherStaff: f.ims; case .viewer: f.viewer }
                let reply = try await client.send(c.method, c.path, body: c.body)
                statuses[reply.status, default: 0] += 1
                let ok = (400..<500).contains(reply.status) && reply.error != nil
                if !ok {
                    failures += 1
                    Issue.record("case \(i) (\(c.label)): status \(reply.status), body \(reply.text.prefix(300)); sent \(String(decoding: (c.body ?? []).prefix(600), as: UTF8.self))")
                }
                if i % digestEvery == 0 || !ok {
                    let now = try f.digest
                    if now != before {
                        Issue.record("case \(i) (\(c.label)) changed the store")
                        return
                    }
                }
                if failures > 20 { return }
            }
            #expect(try f.digest == before)
            #expect(try f.server.store.check() == [])
            // The server still works, for everyone.
            #expect(try await f.ims.hello().status == 200)
            try await push(f.eums, [PlanFixtures.set(shared, "title", .text("Still serving"), baseRev: sharedRev)])
            print("hostile input: \(Self.cases) cases, seed \(Self.seed), statuses \(statuses.sorted { $0.key < $1.key })")
        }
    }
}
