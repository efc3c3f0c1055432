import Foundation
import GRDB
import WorkPlanProtocol

/// One record in an export file.
public struct ExportedRecord: Codable, Sendable, Hashable {
    public var id: String
    public var kind: RecordKind
    public var fields: [String: FieldValue]
    public var createdAt: String
    public var createdBy: String?

    public init(id: String, kind: RecordKind, fields: [String: FieldValue], createdAt: String, createdBy: String?) {
        self.id = id
        self.kind = kind
        self.fields = fields
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, fields
        case createdAt = "created_at"
        case createdBy = "created_by"
    }
}

/// The whole plan as one JSON document (`workplan export`), read back by `workplan import`.
public struct PlanExport: Codable, Sendable, Hashable {
    public static let formatName = "workplan-export/1"
    public var format: String
    public var records: [ExportedRecord]

    public init(format: String, records: [ExportedRecord]) {
        self.format = format
        self.records = records
    }

    /// Reads an export file: a fast path for well-formed files, and `JSONDecoder` for
    /// anything else (which also words the errors). Both give the same plan.
    public static func decode(_ data: Data) throws -> PlanExport {
        if let fast = data.withUnsafeBytes({ fastDecode($0) }) { return fast }
        return try JSONDecoder().decode(PlanExport.self, from: data)
    }

    static func fastDecode(_ buffer: UnsafeRawBufferPointer) -> PlanExport? {
        guard let root = FastJSON.parse(buffer), case .string(let format)? = root["format"],
              case .array(let items)? = root["records"] else { return nil }
        let records = WireDecoding.all(items) { item -> ExportedRecord? in
            guard case .string(let id)? = item["id"], case .string(let kindText)? = item["kind"],
                  let kind = RecordKind(rawValue: kindText), case .string(let createdAt)? = item["created_at"],
                  let fields = WireDecoding.optionalFields(item["fields"]) ?? nil,
                  let createdBy = WireDecoding.optionalString(item["created_by"]) else { return nil }
            return ExportedRecord(id: id, kind: kind, fields: fields, createdAt: createdAt, createdBy: createdBy)
        }
        return records.map { PlanExport(format: format, records: $0) }
    }
}

extension Replica {
    /// Import order: what a record refers to comes first.
    static let importOrder: [RecordKind] = [.area, .conference, .task, .note, .agendaItem]

    /// Every live record, in a stable order (kind, then id), with no volatile fields, so two
    /// replicas holding the same plan export byte-identical files.
    public func exportPlan() throws -> PlanExport {
        try db.read { db in
            if let held = try heldPlan(db) { return held }
            var out: [ExportedRecord] = []
            for kind in Self.importOrder {
                // A note of a task deleted here stays in the table (the task may be brought
                // back with it) but is not part of the plan: exported, no replica could import
                // the file (the docs tester: "note …: no task …").
                let live = kind == .note ? "deleted = 0 AND task IN (SELECT id FROM task WHERE deleted = 0)" : "deleted = 0"
                for r in try RecordTable.of(kind).fetchAll(db, where: live + " ORDER BY id") {
                    out.append(ExportedRecord(id: r.id, kind: kind, fields: r.fields,
                                              createdAt: TimeFormat.iso(r.createdAt), createdBy: r.createdBy))
                }
            }
            return PlanExport(format: PlanExport.formatName, records: out)
        }
    }

    /// Tasks as CSV (RFC 4180), one row per task, with a header row.
    public func exportTasksCSV() throws -> String {
        let columns = ["id", "short_id", "title", "area", "lead", "owner", "status", "priority", "due",
                       "conference", "origin_conference", "follows", "tags", "releasable", "created_at", "updated_at", "description"]
        var lines = [columns.joined(separator: ",")]
        for t in try tasks() {
            let values: [String?] = [t.id, t.shortId, t.title, t.area, t.lead, t.owner, t.status, t.priority, t.due,
                                     t.conference.map(String.init), t.originConference.map(String.init), t.follows,
                                     CSV.list(t.tags), t.releasable, t.createdAt, t.updatedAt, t.description]
            lines.append(values.map { CSV.field($0 ?? "") }.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Imports an export: records this replica lacks are created with their ids; records it
    /// has get the differing fields as edits. All or nothing: a bad file changes nothing.
    /// Notes signed by the other staff that this replica lacks are left out (counted).
    /// A record already here takes the file's values, except those its fields held before
    /// their current ones (the file is older than the work done since, pulled or done here);
    /// a record deleted since the file was written stays deleted, whether or not its delete
    /// or the record was ever synced (`Replica+ImportHistory.swift`).
    public func importPlan(_ plan: PlanExport) throws -> ImportReport {
        guard plan.format == PlanExport.formatName else {
            throw WorkPlanError.invalid("not a WorkPlan export (format '\(plan.format)', expected '\(PlanExport.formatName)')")
        }
        try Self.checkEachRecordOnce(plan.records)
        return try db.write { db in
            var report = ImportReport()
            let now = Clock.now()
            let me = try Settings.load(from: db)
            let run = BulkRun()
            var trace = SyncTrace()
            // Records the other staff alone may see are not imported here (nor the links to them).
            let withheld = Self.withholding(plan.records, from: me.staff, withdrawn: try ReplacedHere.withdrawnRecords(db))
            report.otherStaffOnly = withheld.leftOut.count
            // Records deleted here before they were ever synced: gone, rows and all.
            let deletedHere = try ReplacedHere.deletedRecords(db)
            var byKind: [RecordKind: [ExportedRecord]] = [:]
            for r in withheld.records { byKind[r.kind, default: []].append(r) }
            // A held conference is closed once everything else is in: its close marks its
            // baseline (docs/sync-model.md "Baselines"), and marked before the tasks, every
            // task the file holds counted as created since it (the tester's brief).
            let closeAfter = Self.heldConferences(&byKind)
            let fileIDs = Set(plan.records.map { RecordID.parse($0.id) ?? $0.id })
            // A file from the other staff (it holds records only they may see) may link to
            // tasks of theirs deleted since, whose ids this staff must not get: such links are
            // left out and counted, as before (the review).
            let gone = try Self.linksToTasksGone(db, byKind)
            if withheld.leftOut.isEmpty {
                (run.gone, report.danglingLinks) = gone
            } else {
                report.danglingLinks = Self.droppingLinks(to: gone.gone, &byKind)
            }

            for kind in Self.importOrder {
                var records = byKind[kind] ?? []
                // Links that go round in a loop: the task that closes each is created without its link.
                var cut: [String: [String]] = [:]
                if kind == .task { (records, cut) = Self.followsFirst(records) }
                // A bad id is reported at its record's turn, like any other error in it.
                let ids = records.map { RecordID.parse($0.id) }
                // Rows already here, looked up once; a record created below joins them.
                var present = try RecordTable.of(kind).existing(db, among: ids.compactMap { $0 })
                trace.lap("import \(kind.rawValue): \(records.count) ids, looked up")
                // Each record is validated and prepared as a create on a second thread (pure
                // work: validation, normalization, rows) while this thread writes the ones
                // before it. A record that turns out to exist already is edited instead, its
                // create unused, but it must be valid all the same (`CheckedRecord`).
                try Pipeline.run(count: records.count, prepare: { [records, ids, cut] i in
                    Result<CheckedRecord, any Error> {
                        var fields = records[i].fields
                        if cut[records[i].id] != nil { fields["follows"] = nil }
                        // The bad-input tester: "yesterday" was taken, and the import time used.
                        guard TimeFormat.parse(records[i].createdAt) != nil else {
                            throw WorkPlanError.invalid("created_at '\(records[i].createdAt)' is not a time as an export writes it (YYYY-MM-DDTHH:MM:SSZ in UTC, as 2024-05-14T09:30:00Z)")
                        }
                        let valid = try self.validRecord(kind, id: ids[i] ?? records[i].id, fields: fields)
                        // The record keeps the time it was first created (so a re-import is identical).
                        return CheckedRecord(valid: valid, create: Result {
                            try self.prepareCreate(valid, at: TimeFormat.parse(records[i].createdAt) ?? now, me: me)
                        })
                    }
                }, consume: { i, prepared in
                    guard let id = ids[i] else {
                        throw WorkPlanError.invalid("import: '\(records[i].id)' is not a record id")
                    }
                    do {
                        let checked = try prepared.get()
                        let existing = present.contains(id) ? try RecordTable.of(kind).fetch(db, id: id) : nil
                        if let existing, !existing.deleted {
                            try checkFixedFields(db, existing, checked.valid, me: me, run: run)
                            var fields = records[i].fields
                            if let unlinked = withheld.unlinked[records[i].id] {
                                fields = Self.keepingLinks(fields, unlinked, of: existing, leftOut: withheld.leftOut)
                            }
                            fields = try Self.keepingOwnStaffLinks(db, fields, of: existing, staff: me.staff, inFile: fileIDs)
                            fields = Self.keepingLinksToTasksGone(fields, gone.gone, of: existing)
                            // A link that closes a loop is not made here either: the task keeps its own.
                            if let loop = cut[records[i].id] {
                                let wanted = fields["follows"]?.text.flatMap(RecordID.parse)
                                if wanted != existing.text("follows") { report.loopsCut.append(loop) }
                                fields["follows"] = existing["follows"]
                            }
                            // Closed at the end, if it is not held here already (nor reopened).
                            if closeAfter.contains(id) { fields[FieldName.status] = existing[FieldName.status] }
                            var edits = try Self.differences(kind, existing, fields)
                            if !edits.isEmpty {
                                edits = try Self.withoutUndoingLaterWork(db, existing, edits, kept: &report.keptNewer)
                            }
                            // A link that would close a loop with the links here is left out, and said.
                            if kind == .task, let at = edits.firstIndex(where: { if case .set("follows", .text) = $0 { true } else { false } }),
                               case .set(_, .text(let target)) = edits[at], let loop = try followOnLoop(db, task: id, follows: target) {
                                edits.remove(at: at)
                                report.loopsCut.append(loop)
                            }
                            if !edits.isEmpty {
                                report.updated += try self.edit(db, kind, id: id, edits, resolves: nil, at: now) > 0 ? 1 : 0
                            }
                        } else if try Self.deletedSince(db, record: id, existing: existing, deletedHere: deletedHere, synced: me.storeId != nil) {
                            report.leftDeleted += 1
                        } else if kind == .note, existing == nil,
                                  AccessRules.noteSignatureRefusal(me.identity, record: id, fields: records[i].fields) != nil {
                            // The other staff's note: theirs to send (the server refuses it from
                            // anyone else); it reaches this replica by sync.
                            report.otherStaffNotes += 1
                        } else {
                            try commit(db, checked.create.get(), me: me, run: run, knownAbsent: true)
                            present.insert(id)
                            report.created += 1
                            if let loop = cut[records[i].id] { report.loopsCut.append(loop) }
                        }
                    } catch let e as WorkPlanError {
                        throw WorkPlanError(e.code, "import: \(kind.displayName) \(RecordID.short(id)): \(e.message)")
                    }
                })
                trace.lap("import \(kind.rawValue): written")
            }
            for id in closeAfter {
                guard let c = try RecordTable.of(.conference).fetch(db, id: id), !c.deleted, c.text(FieldName.status) != "held" else { continue }
                // Held before and reopened since: the file is older than that (the review).
                if try Self.formerValues(db, record: id)[FieldName.status]?.contains(.text("held")) == true {
                    report.keptNewer += 1
                    continue
                }
                report.updated += try self.edit(db, .conference, id: id, [.set(FieldName.status, .text("held"))], resolves: nil, at: now) > 0 ? 1 : 0
            }
            return report
        }
    }

    /// The tasks the file's links name (agenda items' tasks, follow-ons) that neither the
    /// file nor this replica holds live: an agenda item keeps the ids of tasks deleted since
    /// it covered them, and a task the id of the task it follows on from, so a replica's own
    /// export holds such links. They are imported as they are (the import's reference check
    /// lets them by, `BulkRun.gone`): the record is then what the exporting replica holds,
    /// and the server, which holds the deleted task, holds the same. Left out, the import
    /// made the record differ from the server's, and the first sync opened a conflict nobody
    /// made (the round-trip tester). Also returns how many of them this replica never had.
    static func linksToTasksGone(_ db: Database, _ byKind: [RecordKind: [ExportedRecord]]) throws -> (gone: Set<String>, unknownHere: Int) {
        let tasks = byKind[.task] ?? [], items = byKind[.agendaItem] ?? []
        let inFile = Set(tasks.compactMap { RecordID.parse($0.id) })
        let follows = tasks.compactMap { $0.fields[FieldName.follows]?.text.flatMap(RecordID.parse) }
        let named = Set(items.flatMap { $0.fields[FieldName.tasks]?.elements ?? [] }.compactMap(RecordID.parse) + follows).subtracting(inFile)
        guard !named.isEmpty else { return ([], 0) }
        let gone = named.subtracting(try RecordTable.of(.task).existing(db, among: Array(named), live: true))
        let here = try RecordTable.of(.task).existing(db, among: Array(gone))
        return (gone, gone.subtracting(here).count)
    }

    /// Takes the links to `gone` out of the file's tasks and agenda items; returns how many.
    static func droppingLinks(to gone: Set<String>, _ byKind: inout [RecordKind: [ExportedRecord]]) -> Int {
        guard !gone.isEmpty else { return 0 }
        var dropped = 0
        for kind in [RecordKind.task, .agendaItem] {
            for (i, r) in (byKind[kind] ?? []).enumerated() {
                for name in LinkRules.fields(of: kind) {
                    guard let value = r.fields[name], let shown = LinkRules.visible(value, canSee: { !gone.contains(RecordID.parse($0) ?? $0) }) else { continue }
                    dropped += max(1, value.elements.count - shown.elements.count)
                    byKind[kind]![i].fields[name] = shown == .null ? nil : shown
                }
            }
        }
        return dropped
    }

    /// `fields` (of a record already here) with its own links to tasks gone
    /// (`linksToTasksGone`) as the record has them: such a link is not added to a record here
    /// (the server would refuse a link to a task it never had), and one the record has is not
    /// taken away because the file left it out (`droppingLinks`: an edit nobody made).
    static func keepingLinksToTasksGone(_ fields: [String: FieldValue], _ gone: Set<String>, of existing: StoredRecord) -> [String: FieldValue] {
        guard !gone.isEmpty else { return fields }
        var fields = fields
        for name in LinkRules.fields(of: existing.kind) {
            let has = existing[name].elements + [existing[name].text].compactMap { $0 }
            if existing.kind.field(name)?.isSet == true {
                guard let value = fields[name] else { continue }
                let inFile = value.elements.filter { !gone.contains($0) || has.contains($0) }
                fields[name] = .set(inFile + has.filter { gone.contains($0) && !inFile.contains($0) })
            } else if let own = existing[name].text, gone.contains(own), (fields[name] ?? .null) == .null {
                fields[name] = existing[name]
            } else if let target = fields[name]?.text, gone.contains(target), !has.contains(target) {
                fields[name] = existing[name]
            }
        }
        return fields
    }

    /// The conferences the file says are held, imported as planned: the import closes them
    /// once everything else is in. Their ids.
    static func heldConferences(_ byKind: inout [RecordKind: [ExportedRecord]]) -> [String] {
        var held: [(number: Int, id: String)] = []
        for (i, r) in (byKind[.conference] ?? []).enumerated() where r.fields[FieldName.status] == .text("held") {
            guard let id = RecordID.parse(r.id) else { continue }
            byKind[.conference]![i].fields[FieldName.status] = .text("planned")
            held.append((r.fields[FieldName.number]?.text.flatMap { Int($0) } ?? 0, id))
        }
        // Closed in the order they were held, the order of their numbers: each baseline
        // then comes after the one before it. In the file's order (by id), conference 20
        // was closed before 18 and 19, and its brief's window ran backwards (the brief
        // tester).
        return held.sorted { $0.number < $1.number }.map(\.id)
    }

    /// An export names each record once. A file naming one twice (hand-edited, or two files
    /// joined) says two things of one record, and which should win is not the file's to
    /// decide silently: it is refused, naming the record, before anything is written.
    static func checkEachRecordOnce(_ records: [ExportedRecord]) throws {
        var seen = Set<String>(minimumCapacity: records.count)
        for r in records {
            let id = RecordID.parse(r.id) ?? r.id
            guard seen.insert(id).inserted else {
                throw WorkPlanError.invalid("import: \(r.kind.displayName) \(RecordID.short(id)) (\(r.id)) appears twice in the file; an export names each record once, so nothing was imported")
            }
        }
    }

    /// Tasks ordered so that a task comes after the task it follows on from (the server
    /// checks that a link names a task it has), and, for each loop of links, the task whose
    /// link closes it, with the loop (a task is created without that link: edits two staffs
    /// made offline can close a loop, which `edit` refuses and no order can create).
    static func followsFirst(_ tasks: [ExportedRecord]) -> (ordered: [ExportedRecord], cut: [String: [String]]) {
        // The common case, and one pass: no task follows on from another.
        guard tasks.contains(where: { $0.fields["follows"] != nil }) else { return (tasks, [:]) }
        let ids = Set(tasks.map(\.id))
        var follows: [String: String] = [:]
        for t in tasks { if let f = t.fields["follows"]?.text, ids.contains(f) { follows[t.id] = f } }
        var placed = Set<String>(), cut: [String: [String]] = [:]
        var out: [ExportedRecord] = []
        var rest = tasks
        while !rest.isEmpty {
            let before = out.count
            rest.removeAll { t in
                guard cut[t.id] == nil, let f = follows[t.id], !placed.contains(f) else {
                    out.append(t)
                    placed.insert(t.id)
                    return true
                }
                return false
            }
            if out.count == before {
                // Every task left waits on another one left: from the first, the links reach
                // a task a second time, and that task's link closes a loop.
                var path: [String] = [], at = rest[0].id
                while !path.contains(at), let next = follows[at] { path.append(at); at = next }
                let start = path.firstIndex(of: at) ?? 0
                cut[path[start]] = Array(path[start...]) + [path[start]]
            }
        }
        return (out, cut)
    }

    /// A record of the file as the second thread of an import leaves it: valid (else the
    /// whole file is refused, whatever the replica holds: a fresh replica and one holding
    /// the record refuse the same file), and prepared as a create, which fails when this
    /// officer may not create it (that matters only if it is not here).
    struct CheckedRecord: Sendable {
        let valid: ValidRecord
        let create: Result<PreparedCreate, any Error>
    }

    /// A record already here keeps the values fixed when it was created (a conference's
    /// number, an agenda item's conference, a note's task and text), which its edits never
    /// touch: a file giving another is refused, as a fresh replica would refuse a reference
    /// to a record that does not exist, else as a change that cannot be made.
    func checkFixedFields(_ db: Database, _ existing: StoredRecord, _ valid: ValidRecord, me: Settings, run: BulkRun) throws {
        for spec in existing.kind.fields where spec.immutable {
            let value = valid.fields[spec.name] ?? .null
            guard value != existing[spec.name] else { continue }
            try check(db, Self.references(existing.kind, [spec.name: value]), of: existing.kind, me: me, run: run)
            throw WorkPlanError.invalid("its \(spec.name) is \(existing[spec.name]) here and cannot change (the file says \(value))")
        }
    }

    static func differences(_ kind: RecordKind, _ existing: StoredRecord, _ fields: [String: FieldValue]) throws -> [FieldEdit] {
        var edits: [FieldEdit] = []
        for (name, _) in fields where kind.field(name) == nil {
            throw WorkPlanError.invalid("\(kind.withArticle) has no field '\(name)'")
        }
        for spec in kind.fields where !spec.immutable {
            let incoming = try Validation.normalize(fields[spec.name] ?? .null, for: spec, kind: kind)
            // A set the file leaves out is the empty set the replica holds, not a change.
            let compared = spec.isSet && incoming == .null ? .set([]) : incoming
            if compared != existing[spec.name] { edits.append(.set(spec.name, incoming)) }
        }
        return edits
    }
}

/// Cells of the CSV export (RFC 4180).
enum CSV {
    /// A cell: quoted when it holds a comma, quote or line break; and, when it begins as a
    /// formula would (`=`, `+`, `-`, `@`, a tab or a carriage return), led by `'` so that a
    /// spreadsheet opening the file shows it as text and never runs it (a title typed as
    /// `=HYPERLINK(...)` by anyone who can edit the plan).
    static func field(_ s: String) -> String {
        let text = s.first.map { "=+-@\t\r".contains($0) } == true ? "'" + s : s
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A list in one cell (a task's tags), separated by `;`. An element holding a `;` or a
    /// quote is written in quotes, its quotes doubled, so the tag "c;d" and the two tags c
    /// and d read apart (the bad-input tester found both written `c;d`).
    static func list(_ elements: [String]) -> String {
        elements.map { e in
            e.contains(where: { $0 == ";" || $0 == "\"" }) ? "\"" + e.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : e
        }.joined(separator: ";")
    }
}
