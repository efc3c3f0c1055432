import Foundation
import Testing
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

/// DESIGN.md rules 5 and 6 where the other property test does not go: tasks shared and made
/// one staff's again, follow-on links and agenda items that name tasks the other staff may
/// not see, as three replicas edit and sync in random orders.
///
/// Rule 6 here: the EUMS replicas hold one plan, and the IMS replica holds the part of it
/// releasable to both, with every link to a record outside that part left out (a hidden
/// task reaches the other staff as no link at all). No record, and no link, of one staff's
/// own reaches the other.
@Suite("Convergence property with sharing and links (DESIGN.md rules 5 and 6)")
struct SharingPropertyTests {
    static let runs = Int(ProcessInfo.processInfo.environment["WORKPLAN_SHARING_RUNS"] ?? "") ?? 120
    static let steps = 30

    @Test func sharingHidingAndLinksConverge() async throws {
        var totals = (edits: 0, refused: 0, shares: 0, hides: 0, links: 0)
        let only = ProcessInfo.processInfo.environment["WORKPLAN_PROPERTY_SEED"].flatMap { UInt64($0) }
        // WORKPLAN_SHARING_FIRST: where to start, to search seeds past the usual ones.
        let first = Int(ProcessInfo.processInfo.environment["WORKPLAN_SHARING_FIRST"] ?? "") ?? 0
        for run in first..<(first + Self.runs) {
            let seed = 0x5A4E_0000 + UInt64(run)
            if let only, only != seed { continue }
            let t = try await Self.oneRun(seed: seed)
            totals.edits += t.edits
            totals.refused += t.refused
            totals.shares += t.shares
            totals.hides += t.hides
            totals.links += t.links
        }
        // The runs must share, hide and link for real, or they prove little.
        guard only == nil else { return }
        #expect(totals.shares > Self.runs / 2 && totals.hides > Self.runs / 2 && totals.links > Self.runs, "too little exercised: \(totals)")
    }

    typealias Tally = (edits: Int, refused: Int, shares: Int, hides: Int, links: Int)

    static func oneRun(seed: UInt64) async throws -> Tally {
        var rng = SeededGenerator(seed: seed)
        let tmp = try TemporaryDirectory(prefix: "workplan-share")
        let (store, officers) = try ConvergencePropertyTests.threeOfficers(in: tmp)
        defer { try? store.close() }
        // A shared start: an area, a conference, four tasks (one EUMS's own), synced everywhere.
        let a0 = officers[0].replica
        let area = try a0.createRecord(.area, fields: ["name": .text("Military Mobility")])
        _ = try a0.createRecord(.conference, fields: ["number": .text("21"), "date": .text("2024-05-14"), "host": .text("EUMS"),
                                                      "status": .text("planned")])
        for i in 0..<4 {
            _ = try a0.createRecord(.task, fields: ConvergencePropertyTests.taskFields(area, i, releasable: i == 3 ? "EUMS" : "both"))
        }
        for o in officers { try await o.sync() }

        var tally: Tally = (0, 0, 0, 0, 0)
        for step in 0..<steps {
            let o = officers[Int.random(in: 0..<officers.count, using: &rng)]
            if Int.random(in: 0..<100, using: &rng) < 25 {
                let drop = Int.random(in: 0..<5, using: &rng) == 0
                if drop { o.transport.dropNextReply() }
                ConvergencePropertyTests.trace("step \(step): \(o.transport.user.name) syncs\(drop ? " (reply lost)" : "")")
                do { try await o.sync() } catch let e as WorkPlanError where e.message.contains("simulated") {}
                o.transport.cancelDrop()
                continue
            }
            tally.edits += 1
            defer { try? dump(officers, "step \(step)") }
            do {
                try randomEdit(o, area: area, step: step, rng: &rng, tally: &tally)
            } catch let e as WorkPlanError where [.forbidden, .notFound, .invalidInput, .alreadyExists, .ambiguous].contains(e.code) {
                ConvergencePropertyTests.trace("  refused: \(e.message)")
                tally.refused += 1
            }
        }
        try dump(officers, "before")
        // Rounds of syncs until one changes nothing: an edit set aside comes back when its
        // record is shared again, and is sent by a later sync than the other replicas' last.
        var quiet = false
        for round in 0..<6 where !quiet {
            quiet = true
            for o in officers {
                let r = try await SyncEngine(replica: o.replica, transport: o.transport).run()
                if r.pushed > 0 || r.pulled > 0 || r.withdrawn > 0 || r.returned > 0 { quiet = false }
                try dump(officers, "after \(round) \(o.transport.user.name)")
            }
        }
        #expect(quiet, "seed \(seed): six rounds of syncs and still changes")
        if ConvergencePropertyTests.tracing {
            for o in officers {
                for (op, r) in o.transport.delivered {
                    ConvergencePropertyTests.trace("\(o.transport.user.name): \(op.action) \(op.kind) \(op.record.prefix(8)) \(op.field ?? "") \(op.value.map { "\($0)" } ?? "") -> \(r.outcome) \(r.value.map { "\($0)" } ?? "") \(r.conflicts?.map { "\($0.type)" } ?? [])")
                }
                for a in try o.replica.setAsideEdits() {
                    ConvergencePropertyTests.trace("\(o.transport.user.name) set aside: \(a)")
                }
            }
        }
        try checkConvergence(officers, seed: seed)
        try ConvergencePropertyTests.checkNothingLost(officers, store: store, seed: seed)
        return tally
    }

    /// With WORKPLAN_PROPERTY_SEED set: each replica's tasks and agenda items (their links),
    /// and how many edits wait, after `label`.
    static func dump(_ officers: [SimOfficer], _ label: String) throws {
        guard ConvergencePropertyTests.tracing else { return }
        for o in officers {
            let name = o.transport.user.name
            let waiting = try o.replica.pendingCount()
            ConvergencePropertyTests.trace("\(label) \(name): \(waiting) waiting")
            let records = try o.replica.exportPlan().records
            for r in records where r.kind == .task || r.kind == .agendaItem {
                let links = LinkRules.fields(of: r.kind).map { "\($0)=\(r.fields[$0].map { "\($0)" } ?? "-")" }.joined(separator: " ")
                ConvergencePropertyTests.trace("\(label) \(name): \(r.kind) \(r.id.prefix(8)) \(r.fields["title"] ?? r.fields["topic"] ?? .null) releasable=\(r.fields["releasable"] ?? .null) \(links)")
            }
        }
    }

    static func randomEdit(_ o: SimOfficer, area: String, step: Int, rng: inout SeededGenerator, tally: inout Tally) throws {
        let r = o.replica
        // By title or topic (unique here), not by id: ids are random, and the seed must
        // replay one run.
        let byID = { (a: StoredRecord, b: StoredRecord) in (a.text("title") ?? a.text("topic") ?? "", a.id) < (b.text("title") ?? b.text("topic") ?? "", b.id) }
        let tasks = try r.records(.task).filter { !$0.deleted }.sorted(by: byID)
        let title = Dictionary(tasks.map { ($0.id, $0.text("title") ?? "") }, uniquingKeysWith: { a, _ in a })
        let items = try r.records(.agendaItem).filter { !$0.deleted }.sorted(by: byID)
        let own = o.staff.rawValue
        let kind = Int.random(in: 0..<100, using: &rng)
        guard let task = tasks.randomElement(using: &rng), kind >= 10 else {
            let releasable = Int.random(in: 0..<3, using: &rng) == 0 ? own : "both"
            ConvergencePropertyTests.trace("step \(step): \(o.transport.user.name) creates a task (\(releasable))")
            _ = try r.createRecord(.task, fields: ConvergencePropertyTests.taskFields(area, 100 + step, releasable: releasable))
            return
        }
        let other = tasks.filter { $0.id != task.id }.randomElement(using: &rng)
        ConvergencePropertyTests.trace("step \(step): \(o.transport.user.name) edit \(kind) on \(task.id.prefix(8))")
        switch kind {
        case 10..<26:
            // Share a staff's own task, or make a shared one this staff's own.
            let shared = task.text("releasable") == "both"
            if shared { tally.hides += 1 } else { tally.shares += 1 }
            try r.edit(.task, id: task.id, [.set("releasable", .text(shared ? own : "both"))])
        case 26..<40:
            tally.links += 1
            let target: FieldValue = Int.random(in: 0..<4, using: &rng) == 0 || other == nil ? .null : .text(other!.id)
            try r.edit(.task, id: task.id, [.set("follows", target)])
        case 40..<56:
            tally.links += 1
            if let item = items.randomElement(using: &rng), Int.random(in: 0..<4, using: &rng) > 0 {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: try r.edit(.agendaItem, id: item.id, [.add("tasks", task.id)])
                case 1: try r.edit(.agendaItem, id: item.id, [.remove("tasks", (item["tasks"].elements.sorted { (title[$0] ?? "", $0) < (title[$1] ?? "", $1) }.randomElement(using: &rng)) ?? task.id)])
                default: try r.edit(.agendaItem, id: item.id, [.set("tasks", .set([task.id] + (other.map { [$0.id] } ?? [])))])
                }
            } else {
                let releasable = Int.random(in: 0..<4, using: &rng) == 0 ? own : "both"
                _ = try r.createRecord(.agendaItem, fields: ["conference": .text("21"), "topic": .text("Item \(step)"),
                                                            "tasks": .set([task.id]), "position": .text(PositionKey.between(nil, nil)),
                                                            "releasable": .text(releasable)])
            }
        case 56..<68:
            try r.edit(.task, id: task.id, [.set("status", .text(Schema.statuses.randomElement(using: &rng)!))])
        case 68..<76:
            _ = try r.createRecord(.note, fields: ["task": .text(task.id), "text": .text("note \(step) by \(o.transport.user.name)"),
                                                   "author": .text(o.transport.user.name), "staff": .text(own),
                                                   "releasable": .text(Bool.random(using: &rng) ? "both" : own)])
        case 76..<82:
            try r.deleteRecord(.task, id: task.id)
        default:
            guard let c = try r.conflicts().sorted(by: { ($0.title ?? "", $0.field, $0.proposedBy) < ($1.title ?? "", $1.field, $1.proposedBy) }).randomElement(using: &rng) else {
                try r.edit(.task, id: task.id, [.set("priority", .text(Schema.priorities.randomElement(using: &rng)!))])
                return
            }
            _ = try r.resolve(record: c.record, field: c.field, with: Bool.random(using: &rng) ? .mine : .theirs)
        }
    }

    /// Rule 6 with sharing: see the suite's comment.
    static func checkConvergence(_ officers: [SimOfficer], seed: UInt64) throws {
        let eums = try officers[0].replica.exportPlan().records, eums2 = try officers[2].replica.exportPlan().records
        let ims = try officers[1].replica.exportPlan().records
        #expect(eums == eums2, "seed \(seed): EUMS replicas differ: \(ConvergencePropertyTests.diff(eums, eums2))")
        let shared = sharedPart(eums), imsShared = sharedPart(ims)
        #expect(shared == imsShared, "seed \(seed): IMS replica differs from the shared part of the plan: \(ConvergencePropertyTests.diff(shared, imsShared))")
        // Nothing of EUMS's own at IMS, nor a link to it (and the other way round).
        for (mine, theirs, staff) in [(eums, ims, Staff.EUMS), (ims, eums, Staff.IMS)] {
            let onlyMine = Set(mine.map(\.id)).subtracting(sharedPart(mine).map(\.id))
            for record in theirs {
                #expect(!onlyMine.contains(record.id), "seed \(seed): a record of \(staff)'s own reached the other staff: \(record.kind) \(record.id.prefix(8))")
                for field in LinkRules.fields(of: record.kind) {
                    let named = Set(record.fields[field]?.elements ?? []).intersection(onlyMine)
                    #expect(named.isEmpty, "seed \(seed): \(record.kind) \(record.id.prefix(8)).\(field) names \(staff)'s own \(named.map { $0.prefix(8) })")
                }
            }
        }
        for o in officers {
            #expect(try o.replica.pendingCount() == 0, "seed \(seed): edits left pending")
        }
        let c0 = Set(try officers[0].replica.conflicts().map(\.id)), c2 = Set(try officers[2].replica.conflicts().map(\.id))
        let l0 = try officers[0].replica.conflicts().map { "\($0.shortRecord) \($0.field) \($0.type)" }
        let l2 = try officers[2].replica.conflicts().map { "\($0.shortRecord) \($0.field) \($0.type)" }
        #expect(c0 == c2, "seed \(seed): EUMS replicas see different open conflicts: \(l0) vs \(l2)")
    }

    /// The records releasable to both staffs (a note also needs its task to be), each with
    /// its links to records outside that part left out, and empty values dropped.
    static func sharedPart(_ records: [ExportedRecord]) -> [ExportedRecord] {
        let both = { (r: ExportedRecord) in r.fields["releasable"].map { $0 == .text("both") } ?? true }
        let sharedTasks = Set(records.filter { $0.kind == .task && both($0) }.map(\.id))
        let kept = records.filter { both($0) && ($0.kind != .note || sharedTasks.contains($0.fields["task"]?.text ?? "")) }
        let ids = Set(kept.map(\.id))
        return kept.map { r in
            var r = r
            for field in LinkRules.fields(of: r.kind) {
                guard let value = r.fields[field] else { continue }
                switch value {
                case .text(let id): r.fields[field] = ids.contains(id) ? value : nil
                case .set(let elements): r.fields[field] = .set(elements.filter(ids.contains))
                case .null: break
                }
            }
            r.fields = r.fields.filter { $0.value != .null && $0.value != .set([]) }
            return r
        }
    }
}
