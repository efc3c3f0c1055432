import Foundation
import GRDB
import Testing
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

/// One simulated officer: a replica and its in-process link to the server.
struct SimOfficer {
    let replica: Replica
    let transport: InProcessTransport
    var staff: Staff { transport.user.staff }

    func sync() async throws { _ = try await SyncEngine(replica: replica, transport: transport).run() }
}

/// DESIGN.md rules 5 and 6 over random edits on three replicas and random sync orders.
@Suite("Convergence property (DESIGN.md rules 5 and 6)")
struct ConvergencePropertyTests {
    static let runs = Int(ProcessInfo.processInfo.environment["WORKPLAN_PROPERTY_RUNS"] ?? "") ?? 200
    static let steps = 24

    @Test func randomEditsAndSyncOrdersConverge() async throws {
        var totals = (edits: 0, conflicts: 0, lostReplies: 0)
        let only = ProcessInfo.processInfo.environment["WORKPLAN_PROPERTY_SEED"].flatMap { UInt64($0) }
        for run in 0..<Self.runs {
            let seed = 0x5EED_0000 + UInt64(run)
            if let only, only != seed { continue }
            let t = try await Self.oneRun(seed: seed)
            totals.edits += t.edits
            totals.conflicts += t.conflicts
            totals.lostReplies += t.lost
        }
        // The runs must actually exercise conflicts and lost replies, or they prove little.
        guard only == nil else { return }
        #expect(totals.conflicts > Self.runs / 4, "too few conflicts exercised: \(totals)")
        #expect(totals.lostReplies > Self.runs / 4, "too few lost replies exercised: \(totals)")
    }

    static let tracing = ProcessInfo.processInfo.environment["WORKPLAN_PROPERTY_SEED"] != nil
    static func trace(_ s: @autoclosure () -> String) {
        if tracing { FileHandle.standardError.write(Data((s() + "\n").utf8)) }
    }

    static func oneRun(seed: UInt64) async throws -> (edits: Int, conflicts: Int, lost: Int) {
        var rng = SeededGenerator(seed: seed)
        let tmp = try TemporaryDirectory(prefix: "workplan-prop")
        let (store, officers) = try threeOfficers(in: tmp)
        defer { try? store.close() }
        // A shared start: two areas and three tasks, synced everywhere.
        let a0 = officers[0].replica
        let areas = [try a0.createRecord(.area, fields: ["name": .text("Military Mobility")]),
                     try a0.createRecord(.area, fields: ["name": .text("Medical Cooperation")])]
        for i in 0..<3 { _ = try a0.createRecord(.task, fields: taskFields(areas[i % 2], i)) }
        for o in officers { try await o.sync() }

        var edits = 0, lost = 0
        for step in 0..<steps {
            let o = officers[Int.random(in: 0..<officers.count, using: &rng)]
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 22 {
                let drop = Int.random(in: 0..<4, using: &rng) == 0
                if drop { o.transport.dropNextReply() }
                trace("step \(step): \(o.transport.user.name) syncs\(drop ? " (reply lost)" : "")")
                do { try await o.sync() } catch let e as WorkPlanError where e.message.contains("simulated") {}
                o.transport.cancelDrop()
                continue
            }
            edits += 1
            do {
                try randomEdit(o, areas: areas, step: step, rng: &rng)
            } catch let e as WorkPlanError where [.forbidden, .notFound, .invalidInput, .alreadyExists, .ambiguous].contains(e.code) {
                trace("  refused: \(e.message)")
                // A refused edit changes nothing; that is part of what is checked below.
            }
        }
        // Rule 6: everyone syncs twice with no new edits.
        for _ in 0..<2 { for o in officers { try await o.sync() } }

        lost = officers.map(\.transport.lostReplies).reduce(0, +)
        if tracing {
            for o in officers {
                for (op, r) in o.transport.delivered {
                    trace("\(o.transport.user.name): \(op.action) \(op.kind) \(op.record.prefix(8)) \(op.field ?? "") -> \(r.outcome) \(r.conflicts?.map { "\($0.type)" } ?? [])")
                }
            }
            try await store.pool.read { db in
                for row in try Row.fetchAll(db, sql: "SELECT seq, event, record, kind, action, field, user FROM changes ORDER BY seq") {
                    trace("server: \(row["seq"] as Int64) \(row["event"] as String) \(row["kind"] as String) \((row["record"] as String).prefix(8)) \(row["action"] as String? ?? "") \(row["field"] as String? ?? "") \(row["user"] as String)")
                }
            }
        }
        let conflicts = try checkConvergence(officers, seed: seed)
        try checkNothingLost(officers, store: store, seed: seed)
        return (edits, conflicts, lost)
    }

    /// A new store and three officers with empty replicas: Dupont (EUMS), Smith (IMS) and
    /// Weber (EUMS), in that order.
    static func threeOfficers(in tmp: TemporaryDirectory) throws -> (ServerStore, [SimOfficer]) {
        let store = try ServerStore(path: tmp.file("store.sqlite"), create: true)
        let people: [(String, Staff)] = [("Dupont", .EUMS), ("Smith", .IMS), ("Weber", .EUMS)]
        var officers: [SimOfficer] = []
        for (i, (name, staff)) in people.enumerated() {
            let replica = try Replica.create(in: tmp.child("r\(i)"), staff: staff, user: name)
            officers.append(SimOfficer(replica: replica, transport: InProcessTransport(store: store, user: Identity(name: name, staff: staff, role: .editor))))
        }
        return (store, officers)
    }

    static func taskFields(_ area: String, _ i: Int, releasable: String = "both") -> [String: FieldValue] {
        ["title": .text("Task \(i)"), "area": .text(area), "lead": .text("JOINT"), "status": .text("open"),
         "priority": .text("medium"), "releasable": .text(releasable),
         "description": .text("line one\nline two\nline three\nline four")]
    }

    static func randomEdit(_ o: SimOfficer, areas: [String], step: Int, rng: inout SeededGenerator) throws {
        let r = o.replica
        let tasks = try r.records(.task).sorted { ($0.text("title") ?? "", $0.id) < ($1.text("title") ?? "", $1.id) }
        defer { trace("   pending now \((try? r.pendingCount()) ?? -1)") }
        let kind = Int.random(in: 0..<100, using: &rng)
        guard let task = tasks.randomElement(using: &rng), kind >= 8 else {
            let releasable = Int.random(in: 0..<4, using: &rng) == 0 ? o.staff.rawValue : "both"
            _ = try r.createRecord(.task, fields: taskFields(areas.randomElement(using: &rng)!, 100 + step, releasable: releasable))
            return
        }
        trace("step \(step): \(o.transport.user.name) edit \(kind) on \(task.id.prefix(8))")
        switch kind {
        case 8..<30:
            try r.edit(.task, id: task.id, [.set("status", .text(Schema.statuses.randomElement(using: &rng)!))])
        case 30..<42:
            try r.edit(.task, id: task.id, [.set("owner", .text(["Cdr. Jansen", "Maj. Rossi", "Lt Col. Weber"].randomElement(using: &rng)!))])
        case 42..<58:
            var lines = (task.text("description") ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if !lines.isEmpty {
                let i = Int.random(in: 0..<lines.count, using: &rng)
                lines[i] += " (\(o.transport.user.name) \(step))"
            }
            try r.edit(.task, id: task.id, [.set("description", .text(lines.joined(separator: "\n")))])
        case 58..<70:
            let tag = ["mobility", "cyber", "medical"].randomElement(using: &rng)!
            try r.edit(.task, id: task.id, [Bool.random(using: &rng) ? .add("tags", tag) : .remove("tags", tag)])
        case 70..<82:
            _ = try r.createRecord(.note, fields: ["task": .text(task.id), "text": .text("note \(step) by \(o.transport.user.name)"),
                                                   "author": .text(o.transport.user.name), "staff": .text(o.staff.rawValue),
                                                   "releasable": .text(Bool.random(using: &rng) ? "both" : o.staff.rawValue)])
        case 82..<88:
            try r.deleteRecord(.task, id: task.id)
        default:
            guard let c = try r.conflicts().sorted(by: { ($0.title ?? "", $0.field, $0.proposedBy) < ($1.title ?? "", $1.field, $1.proposedBy) }).randomElement(using: &rng) else {
                try r.edit(.task, id: task.id, [.set("priority", .text(Schema.priorities.randomElement(using: &rng)!))])
                return
            }
            let how: Resolution = c.type == "delete_changed"
                ? (Bool.random(using: &rng) ? .mine : .theirs)
                : [.mine, .theirs, .value("agreed \(step)")].randomElement(using: &rng)!
            if case .value = how, c.field != "owner" && c.field != "title" && c.field != "description" {
                _ = try r.resolve(record: c.record, field: c.field, with: .theirs)
            } else {
                _ = try r.resolve(record: c.record, field: c.field, with: how)
            }
        }
    }

    /// Rule 6: replicas of one staff hold the same plan; the other staff's replica holds
    /// exactly the part of it releasable to both. No edits are left pending.
    static func checkConvergence(_ officers: [SimOfficer], seed: UInt64) throws -> Int {
        let eums = try officers[0].replica.exportPlan(), eums2 = try officers[2].replica.exportPlan()
        let ims = try officers[1].replica.exportPlan()
        #expect(eums == eums2, "seed \(seed): EUMS replicas differ: \(diff(eums.records, eums2.records))")
        let shared = releasableToBoth(eums.records), imsShared = releasableToBoth(ims.records)
        #expect(shared == imsShared, "seed \(seed): IMS replica differs from the shared part of the plan: \(diff(shared, imsShared))")
        #expect(ims.records.allSatisfy { $0.fields["releasable"] != .text("EUMS") }, "seed \(seed): EUMS-only record reached IMS")
        for o in officers {
            #expect(try o.replica.pendingCount() == 0, "seed \(seed): edits left pending")
        }
        let c0 = Set(try officers[0].replica.conflicts().map(\.id)), c2 = Set(try officers[2].replica.conflicts().map(\.id))
        let l0 = try officers[0].replica.conflicts().map { "\($0.shortRecord) \($0.field)" }
        let l2 = try officers[2].replica.conflicts().map { "\($0.shortRecord) \($0.field)" }
        #expect(c0 == c2, "seed \(seed): EUMS replicas see different open conflicts: \(l0) vs \(l2)")
        return try officers.map { try $0.replica.conflicts().count }.reduce(0, +)
            + officers.map { $0.transport.delivered.filter { $0.1.outcome == .conflict }.count }.reduce(0, +)
    }

    /// The records whose effective releasability is both staffs (a note needs its task's too).
    static func releasableToBoth(_ records: [ExportedRecord]) -> [ExportedRecord] {
        let staffOnlyTasks = Set(records.filter { $0.kind == .task && $0.fields["releasable"] != .text("both") }.map(\.id))
        return records.filter { r in
            (r.fields["releasable"].map { $0 == .text("both") } ?? true)
                && !(r.kind == .note && staffOnlyTasks.contains(r.fields["task"]?.text ?? ""))
        }
    }

    /// What differs between two exports, record by record.
    static func diff(_ a: [ExportedRecord], _ b: [ExportedRecord]) -> String {
        let da = Dictionary(a.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        let db = Dictionary(b.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        var out: [String] = []
        for id in Set(da.keys).union(db.keys).sorted() {
            switch (da[id], db[id]) {
            case let (x?, nil): out.append("only left: \(x.kind) \(id.prefix(8)) \(x.fields)")
            case let (nil, y?): out.append("only right: \(y.kind) \(id.prefix(8)) \(y.fields)")
            case let (x?, y?) where x != y:
                let keys = Set(x.fields.keys).union(y.fields.keys).filter { x.fields[$0] != y.fields[$0] }
                out.append("\(x.kind) \(id.prefix(8)): " + keys.sorted().map { "\($0): \(x.fields[$0] ?? .null) vs \(y.fields[$0] ?? .null)" }.joined(separator: "; ")
                           + (x.createdBy != y.createdBy || x.createdAt != y.createdAt ? " created \(x.createdBy ?? "") \(x.createdAt) vs \(y.createdBy ?? "") \(y.createdAt)" : ""))
            default: break
            }
        }
        return out.joined(separator: " | ")
    }

    /// Rule 5: every pushed operation the server answered is in the history exactly once
    /// (accepted, merged) or kept in a conflict; nothing is stored twice.
    static func checkNothingLost(_ officers: [SimOfficer], store: ServerStore, seed: UInt64) throws {
        let delivered = officers.flatMap { $0.transport.delivered }
        try store.pool.read { db in
            let changeCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM changes WHERE event = 'change'") ?? -1
            let maxSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM changes") ?? 0
            let count = try Int64.fetchOne(db, sql: "SELECT count(*) FROM changes") ?? 0
            #expect(maxSeq == count, "seed \(seed): the sequence has gaps")
            var seqs = Set<Int64>()
            for (op, result) in delivered {
                switch result.outcome {
                case .accepted, .merged:
                    guard let seq = result.seq else {
                        Issue.record("seed \(seed): \(result.outcome) without seq"); continue
                    }
                    let record = try String.fetchOne(db, sql: "SELECT record FROM changes WHERE seq = ?", arguments: [seq])
                    #expect(record == op.record, "seed \(seed): op \(op.action) not in history at its seq")
                    seqs.insert(seq)
                case .conflict:
                    for c in result.conflicts ?? [] {
                        let body = try String.fetchOne(db, sql: "SELECT body FROM conflicts WHERE id = ?", arguments: [c.id])
                        #expect(body != nil, "seed \(seed): conflict \(c.id) not kept")
                    }
                    #expect(!(result.conflicts ?? []).isEmpty, "seed \(seed): conflict outcome without a conflict")
                case .unchanged:
                    break
                }
            }
            #expect(seqs.count == changeCount, "seed \(seed): history entries (\(changeCount)) and accepted operations (\(seqs.count)) differ")
        }
    }
}
