import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// One change to a field of an existing record.
public enum FieldEdit: Sendable, Hashable {
    case set(String, FieldValue)
    case add(String, String)
    case remove(String, String)

    var field: String {
        switch self {
        case .set(let f, _), .add(let f, _), .remove(let f, _): f
        }
    }
}

extension Replica {
    /// Creates a record, durably, with its pending `create` operation (one transaction).
    /// Returns the record's id.
    @discardableResult
    public func createRecord(_ kind: RecordKind, id: String? = nil, fields: [String: FieldValue], at: Timestamp = Clock.now()) throws -> String {
        try db.write { db in try self.createRecord(db, kind, id: id, fields: fields, at: at) }
    }

    func createRecord(_ db: Database, _ kind: RecordKind, id: String?, fields: [String: FieldValue], at: Timestamp) throws -> String {
        let me = try Settings.load(from: db)
        let create = try prepareCreate(kind, id: id, fields: fields, at: at, me: me)
        try commit(db, create, me: me)
        return create.record.id
    }

    /// A create checked and laid out as rows without the database: `prepareCreate` is pure,
    /// so an import prepares its records on a second thread while it commits them one by one.
    struct PreparedCreate: Sendable {
        let record: StoredRecord
        let op: PlanOperation
        let recordRow: [SQLArgument]
        let pendingRow: [SQLArgument]
        let references: [Reference]
    }

    /// A record's fields validated and normalized, with its id: what makes a record valid,
    /// whoever writes it and whatever the replica holds.
    struct ValidRecord: Sendable {
        let kind: RecordKind
        let id: String
        let fields: [String: FieldValue]
    }

    /// Validates and normalizes the fields, picks the id, checks the officer may write it.
    func prepareCreate(_ kind: RecordKind, id: String?, fields: [String: FieldValue], at: Timestamp, me: Settings) throws -> PreparedCreate {
        try prepareCreate(validRecord(kind, id: id, fields: fields), at: at, me: me)
    }

    /// Validates and normalizes the fields and picks the id (pure, as `prepareCreate`).
    func validRecord(_ kind: RecordKind, id: String?, fields: [String: FieldValue]) throws -> ValidRecord {
        let normalized = try Validation.normalizeRecord(kind: kind, fields: fields)
        let recordID = try id.map { try parseID($0) } ?? RecordID.naturalKey(of: kind, fields: normalized) ?? RecordID.random()
        // An id of another shape would be refused by the server with the whole push behind it.
        if let required = RecordID.requiredID(of: kind, fields: normalized), recordID != required {
            throw WorkPlanError.invalid("\(kind.withArticle)'s id comes from its number (expected \(required), got \(recordID))")
        }
        return ValidRecord(kind: kind, id: recordID, fields: normalized)
    }

    /// A valid record as a create: checks the officer may write it, lays out the rows.
    func prepareCreate(_ valid: ValidRecord, at: Timestamp, me: Settings) throws -> PreparedCreate {
        let kind = valid.kind, recordID = valid.id, normalized = valid.fields
        let op = PlanOperation(record: recordID, kind: kind, action: .create, fields: normalized, baseRev: 0, at: at)
        try AccessRules.checkWrite(user: me.identity, op: op, current: nil)
        if kind == .note, let refusal = AccessRules.noteSignatureRefusal(me.identity, record: recordID, fields: normalized) {
            throw refusal
        }
        let record = StoredRecord(id: recordID, kind: kind, fields: normalized, revs: [:], rev: 0,
                                  createdAt: at, updatedAt: at, createdBy: me.user, deleted: false)
        return PreparedCreate(record: record, op: op, recordRow: RecordTable.of(kind).row(record),
                              pendingRow: PendingLog.row(op, author: me.user, serverValue: nil),
                              references: Self.references(kind, normalized))
    }

    /// Writes a prepared create with its pending operation, after the checks that need the
    /// database: references, and no row with the id. `run` carries what a run of many creates
    /// in one transaction already knows; with `knownAbsent` the caller has just seen that no
    /// row has this id.
    func commit(_ db: Database, _ create: PreparedCreate, me: Settings, run: BulkRun? = nil, knownAbsent: Bool = false) throws {
        let kind = create.record.kind, table = RecordTable.of(kind)
        try check(db, create.references, of: kind, me: me, run: run)
        if !knownAbsent, try table.exists(db, id: create.record.id), let existing = try table.fetch(db, id: create.record.id) {
            if existing.deleted {
                throw WorkPlanError(.alreadyExists, "\(kind.displayName) \(describe(existing)) was deleted here and the delete is not yet synced")
            }
            if kind == .area, let was = create.record.text(FieldName.name), let now = existing.text(FieldName.name),
               RecordID.normalizedKey(was) != RecordID.normalizedKey(now) {
                throw Self.nameKeptByRenamedArea(now, existing.id)
            }
            throw WorkPlanError(.alreadyExists, "\(kind.displayName) \(describe(existing)) already exists")
        }
        // A renamed area keeps its first name's id: a new area of its new name gets another
        // id, so the ids alone do not keep one name to one area (the review).
        // An import brings back what a replica held (two look-alike names made before their
        // check among them): only a name typed now is refused for looking like another.
        if kind == .area, let name = create.record.text(FieldName.name) {
            try checkAreaNameFree(db, name, for: create.record.id, refusingLookalikes: run == nil)
        }
        try table.insert(db, row: create.recordRow)
        try PendingLog.insert(db, row: create.pendingRow)
    }

    /// An area's name names one area: `area add` finds the area a name gives by its id,
    /// which comes from the name it was created with; a rename to the name of another area
    /// (a conflict resolved `--value`) made two areas answer to one name, and the brief
    /// printed both areas' tasks under each.
    func checkAreaNameFree(_ db: Database, _ name: String, for id: String, refusingLookalikes: Bool = true) throws {
        let key = RecordID.normalizedKey(name), lookalike = RecordID.lookalikeKey(name)
        for other in try RecordTable.of(.area).fetchAll(db, where: "deleted = 0") where other.id != id {
            let otherName = other.text(FieldName.name) ?? name
            if RecordID.normalizedKey(otherName) == key {
                throw WorkPlanError(.alreadyExists, "area \(otherName) (\(RecordID.short(other.id))) already has that name: choose another")
            }
            // "ﬁnance" beside "finance": two areas that read the same (the text tester).
            if refusingLookalikes, RecordID.lookalikeKey(otherName) == lookalike {
                throw WorkPlanError(.alreadyExists, "area \(otherName) (\(RecordID.short(other.id))) has a name that reads the same, written with other characters (a ligature, full-width or superscript letters): use that area, or choose another name")
            }
            if other.id == RecordID.area(named: name) { throw Self.nameKeptByRenamedArea(otherName, other.id) }
        }
    }

    /// A name whose id a renamed area keeps (`RecordID.requiredID`): it stays that area's.
    static func nameKeptByRenamedArea(_ now: String, _ id: String) -> WorkPlanError {
        WorkPlanError(.alreadyExists, "area \(now) (\(RecordID.short(id))) was created under that name and keeps its id: rename it back with 'workplan area rename', or choose another name")
    }

    /// Applies edits to a record, durably, each as a pending field operation (one transaction).
    /// Returns how many fields actually changed.
    @discardableResult
    public func edit(_ kind: RecordKind, id: String, _ edits: [FieldEdit], resolves: [String]? = nil, at: Timestamp = Clock.now()) throws -> Int {
        try db.write { db in try self.edit(db, kind, id: id, edits, resolves: resolves, at: at) }
    }

    func edit(_ db: Database, _ kind: RecordKind, id: String, _ edits: [FieldEdit], resolves: [String]?, at: Timestamp) throws -> Int {
        let me = try Settings.load(from: db)
        let table = RecordTable.of(kind)
        guard var record = try table.fetch(db, id: id), !record.deleted else {
            throw WorkPlanError.notFound("no \(kind.displayName) \(RecordID.short(id))")
        }
        var changed = 0
        var newFields = record.fields
        for edit in Self.releasabilityInOrder(edits, current: record.text(FieldName.releasable)) {
            let op: PlanOperation
            switch edit {
            case .set(let field, let value):
                op = PlanOperation(record: id, kind: kind, action: .set, field: field, value: value,
                               baseRev: try baseRev(db, record, field), resolves: resolves, at: at)
            case .add(let field, let element):
                op = PlanOperation(record: id, kind: kind, action: .add, field: field, value: .text(element), baseRev: record.revs[field] ?? 0, at: at)
            case .remove(let field, let element):
                op = PlanOperation(record: id, kind: kind, action: .remove, field: field, value: .text(element), baseRev: record.revs[field] ?? 0, at: at)
            }
            let valid = try op.validated()
            try AccessRules.checkWrite(user: me.identity, op: valid, current: Releasability(rawValue: record.text(FieldName.releasable) ?? "both"))
            try checkWithdrawal(db, record, valid, me: me)
            let current = newFields[valid.field!] ?? .null
            let next: FieldValue
            if valid.action == .set {
                next = valid.value!
            } else {
                next = MergeRules.applyElement(valid.action, element: valid.value!.text!, to: current) ?? current
                // A set already full: a create holding this set would be refused whole
                // (the bad-input tester: the task vanished on the next sync).
                try Validation.checkRoom(in: next, field: valid.field!, kind: kind)
            }
            if next == current && resolves == nil { continue }
            // What the edit links to exists here (an agenda item's task added one by one too).
            try checkReferences(db, kind: kind, fields: [valid.field!: Self.brought(next, over: current)], me: me)
            if valid.action == .set {
                if kind == .task, valid.field == "follows", let target = next.text {
                    try checkNoFollowOnLoop(db, task: id, follows: target)
                }
                if kind == .area, valid.field == FieldName.name, let name = next.text {
                    try checkAreaNameFree(db, name, for: id)
                }
            }
            // The value replaced is work this edit undid: an import must not bring it back.
            if next != current { try ReplacedHere.replaced(db, record: id, field: valid.field!, value: current) }
            newFields[valid.field!] = next
            changed += 1
            try queue(db, valid, author: me.user, serverValue: record.revs.isEmpty ? nil : current)
        }
        if changed > 0 {
            record.fields = newFields.filter { $0.value != .null }
            // As every other replica takes it when the change arrives (`max`): an edit made
            // under a slow clock does not set the time back here alone (the reviewer).
            record.updatedAt = max(record.updatedAt, at)
            try table.write(db, record)
        }
        return changed
    }

    /// Deletes a record here; the delete is queued for the server (a record never synced
    /// simply goes, with its pending operations).
    public func deleteRecord(_ kind: RecordKind, id: String, at: Timestamp = Clock.now()) throws {
        try db.write { db in try self.deleteRecord(db, kind, id: id, at: at) }
    }

    func deleteRecord(_ db: Database, _ kind: RecordKind, id: String, at: Timestamp) throws {
            let me = try Settings.load(from: db)
            let table = RecordTable.of(kind)
            guard var record = try table.fetch(db, id: id), !record.deleted else {
                throw WorkPlanError.notFound("no \(kind.displayName) \(RecordID.short(id))")
            }
            let op = PlanOperation(record: id, kind: kind, action: .delete, baseRev: Self.deleteBase(me), at: at)
            try AccessRules.checkWrite(user: me.identity, op: op, current: Releasability(rawValue: record.text(FieldName.releasable) ?? "both"))
            // The delete replaces the record's waiting edits, but not across a baseline (a
            // conference closed meanwhile): what was queued before it is what that conference's
            // baseline holds, so it stays and goes out before the delete. (The docs tester: a
            // task added offline, conference 20 closed, then the task deleted: its create was
            // dropped, and `changes --since-conference 20` and the brief said nothing was
            // deleted.)
            let baseline = try PendingLog.newestUnsentBaseline(db) ?? 0
            let waiting = try PendingLog.unsent(db, record: id)
            let unsent = waiting.filter { $0.seq > baseline }
            let keptBeforeBaseline = waiting.filter { $0.seq <= baseline }
            let inFlight = try PendingLog.entries(db, where: "record = ? AND batch IS NOT NULL", arguments: [id])
            // The dropped edits leave the view: each field falls back to its server value (with
            // any edit already in flight on top), so if the delete is refused as a conflict the
            // record comes back as the server has it. A record never synced has no server
            // value: there it is the value of the create kept (before the close, or in flight
            // with its reply not stored). Left as it was, the dropped value came back with the
            // record when the delete met a conflict (the reviews of this stop).
            let keptCreate = (inFlight + keptBeforeBaseline).first { $0.op.action == .create }?.op.fields
            var fallback: [String: FieldValue] = [:]
            for e in unsent.reversed() {
                guard let f = e.op.field, fallback[f] == nil else { continue }
                if let v = try PendingLog.serverValue(db, record: id, field: f) {
                    fallback[f] = v
                } else if let keptCreate {
                    fallback[f] = keptCreate[f] ?? .null
                }
            }
            for e in unsent {
                if let settled = e.op.resolves, !settled.isEmpty, e.op.action != .resolve {
                    // A decision on a conflict stays a decision: it now only closes the
                    // conflicts (keeping the server's value), since the record goes anyway.
                    try PendingLog.demoteToResolve(db, seq: e.seq)
                } else if e.op.action != .resolve {
                    try PendingLog.remove(db, seq: e.seq)
                }
            }
            if record.revs.isEmpty && inFlight.isEmpty && keptBeforeBaseline.isEmpty {
                try table.remove(db, id: id)
                // Nothing else says it was here: an import must not create it again. An area
                // or a conference is named by its name or number, not by what it holds: one
                // added by mistake and deleted must not keep a file holding it out (the review).
                if RecordID.naturalKey(of: kind, fields: record.fields) == nil { try ReplacedHere.deleted(db, record: id) }
                if kind == .task { try Self.forgetUnsentTask(db, id) }
                return
            }
            for (field, server) in fallback {
                record.fields[field] = try viewValue(db, id, field, server)
            }
            record.deleted = true
            // As every other replica takes it when the change arrives (`max`): an edit made
            // under a slow clock does not set the time back here alone (the reviewer).
            record.updatedAt = max(record.updatedAt, at)
            try table.write(db, record)
            try PendingLog.append(db, op, author: me.user)
    }

    /// The rev a delete is made against: what this replica has pulled (its cursor), so a
    /// change or a note someone else made after it makes the delete a conflict. The
    /// record's rev would not do: this officer's own pushes raise it past changes of others
    /// not pulled yet (a sync whose pull failed), and no note moves it.
    static func deleteBase(_ me: Settings) -> Int64 {
        me.cursor
    }

    /// Refuses a follow-on link that would close a loop: `task` may not follow on from a
    /// task that already follows on from it, directly or through others. (Two offline edits
    /// can still close one between them; views never walk the chain, so such a loop only
    /// reads oddly.)
    func checkNoFollowOnLoop(_ db: Database, task: String, follows target: String) throws {
        if let loop = try followOnLoop(db, task: task, follows: target) {
            throw FollowOn.refusal(task: task, follows: target, loop: loop)
        }
    }

    /// The loop `task` following on from `target` would close here (`FollowOn.loop`), or nil.
    func followOnLoop(_ db: Database, task: String, follows target: String) throws -> [String]? {
        let follows = try db.cachedStatement(sql: "SELECT follows FROM task WHERE id = ?")
        return try FollowOn.loop(task: task, follows: target) { try String.fetchOne(follows, arguments: [$0]) }
    }

    /// `AccessRules.withdrawalRefusal` with what this replica knows of the staff that created
    /// the record: this officer's, or the staff of the create pulled, or the one its snapshot
    /// names (a snapshot from an older server names none, and the server decides).
    func checkWithdrawal(_ db: Database, _ record: StoredRecord, _ op: PlanOperation, me: Settings) throws {
        let current = Releasability(rawValue: record.text(FieldName.releasable) ?? "both")
        for proposed in AccessRules.proposedReleasabilities(op) where current == .both && proposed != .both {
            var creator: Staff? = record.createdBy == me.user ? me.staff : nil
            if creator == nil, let first = try String.fetchOne(db, sql: "SELECT body FROM history WHERE record = ? ORDER BY seq LIMIT 1", arguments: [record.id]) {
                let change = try JSONText.decode(Change.self, first)
                if change.event == .change, change.action == .create { creator = change.staff }
                if change.event == .snapshot { creator = change.createdStaff }
            }
            if let refusal = AccessRules.withdrawalRefusal(user: me.identity, kind: record.kind, record: record.id, current: current,
                                                          proposed: proposed, creatorStaff: creator) {
                throw refusal
            }
        }
    }

    /// `edits` with a change of releasability where the other changes cannot outrun it: a
    /// record hidden from a staff first (what follows is written while hidden), one shown to
    /// a staff last (what precedes goes while hidden, and arrives in the snapshot). The
    /// pending log pushes in order, and a long one in several batches.
    static func releasabilityInOrder(_ edits: [FieldEdit], current: String?) -> [FieldEdit] {
        func rank(_ e: FieldEdit) -> Int {
            guard case .set(FieldName.releasable, let value) = e, let to = value.text, to != (current ?? "both") else { return 1 }
            return to == Releasability.both.rawValue ? 2 : 0
        }
        return edits.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// The rev a new `set` of `field` is made against.
    func baseRev(_ db: Database, _ record: StoredRecord, _ field: String) throws -> Int64 {
        if let pending = try PendingLog.pendingBase(db, record: record.id, field: field) { return pending }
        // The officer's value is their own create's, still waiting: they saw no server rev of
        // it, even when a pull beneath the create gave the field one (made against that rev,
        // the edit silently replaced the other staff's value: the review of 2026-11-30). An
        // accepted create rebases it (`PendingLog.rebase`).
        if try PendingLog.createNames(db, record: record.id, field: field) { return 0 }
        return record.revs[field] ?? record.rev
    }

    /// Queues an operation, folding it into a waiting, unsent operation where possible:
    /// edits of a record not yet pushed change its `create`; a second `set` of a field
    /// replaces the first (keeping its base rev); a `set` replaces the element edits
    /// (`add`/`remove`) of the field waiting before it.
    func queue(_ db: Database, _ op: PlanOperation, author: String, serverValue: FieldValue? = nil) throws {
        // Never fold across a baseline, nor the baseline marker itself (docs/sync-model.md "Baselines").
        let baseline = PendingLog.marksBaseline(op) ? Int64.max : try PendingLog.newestUnsentBaseline(db)
        // Nor across a change of the record's releasability: a value written after it was
        // hidden would go out before, to the staff it was hidden from.
        let releasability = op.field == FieldName.releasable ? nil : try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT max(seq) FROM pending WHERE record = ? AND field = 'releasable' AND batch IS NULL
            """), arguments: [op.record])
        var serverValue = serverValue
        // Nor before the create of a record the edit names: folded into an earlier entry, it
        // would reach the server ahead of that create and be refused as naming a record the
        // server does not have (a task created, then a second task, then the first made to
        // follow on from the second, all offline).
        let namedCreate = try Self.newestCreate(db, namedBy: op)
        for entry in try PendingLog.unsent(db, record: op.record, field: op.field) {
            if let baseline, entry.seq <= baseline { break }
            if let releasability, entry.seq < releasability { break }
            if let namedCreate, entry.seq < namedCreate { break }
            if op.action == .set, op.resolves == nil, entry.op.resolves == nil, let field = op.field, entry.op.field == field,
               [.add, .remove].contains(entry.op.action) {
                // The set gives the field's whole value, this element edit included. Sent
                // ahead of it, the element edit moved the field's rev on the server, and the
                // set, made against the rev before, met the officer's own edit as a conflict.
                // The server's value beneath the waiting edits may be kept on this entry:
                // it goes on with the set (the caller's is the view, the element in it).
                serverValue = try PendingLog.serverValue(db, record: op.record, field: field) ?? serverValue
                try PendingLog.remove(db, seq: entry.seq)
                continue
            }
            var folded = entry.op
            if entry.op.action == .create, op.resolves == nil {
                var fields = folded.fields ?? [:]
                let current = fields[op.field!] ?? .null
                let next = op.action == .set ? op.value! : (MergeRules.applyElement(op.action, element: op.value!.text!, to: current) ?? current)
                fields[op.field!] = next == .null ? nil : next
                folded.fields = fields
                // The create keeps its own time: it is the record's creation time on every
                // replica (taking the edit's made a task edited offline look created then).
                try PendingLog.replace(db, seq: entry.seq, with: folded)
                // A natural key's create may meet the record already on the server (the other
                // staff made it too), where a field it does not name keeps the server's value:
                // a field cleared here goes on as its own edit after the create (made against
                // nothing: a conflict where the server holds a value), not silently dropped
                // (the second review).
                if next == .null, current != .null, RecordID.naturalKey(of: op.kind, fields: entry.op.fields ?? [:]) != nil { break }
                return
            }
            // A change of releasability is never folded into an earlier one: hiding and
            // showing again would become one no-op, and what was written in between would
            // go out as if never hidden. A set after the officer's own resolution of the
            // field (`resolve --mine` or `--value`) changes the value that resolution settles
            // on: sent apart, it stood on the rev before the resolution and met the officer's
            // own resolved value as a conflict (the second tester).
            // But a record shown to the other staff and hidden again before the showing was
            // sent is folded: the showing never goes out, and what was written in between
            // goes out hidden, as the officer left it (the security tester: the other staff
            // was sent the withdrawal of a task it was never shown, its id with it).
            if entry.op.action == .set, op.action == .set, entry.op.field == op.field, op.resolves == nil,
               op.field != FieldName.releasable || (entry.op.resolves == nil && Self.hidesAgain(op.value, shown: entry.op.value)) {
                folded.value = op.value
                folded.at = op.at
                try PendingLog.replace(db, seq: entry.seq, with: folded)
                return
            }
            break
        }
        try PendingLog.append(db, op, author: author, serverValue: serverValue)
    }

    /// Whether a releasability `value` hides from a staff what the waiting `shown` showed
    /// to both.
    static func hidesAgain(_ value: FieldValue?, shown: FieldValue?) -> Bool {
        shown?.text == Releasability.both.rawValue && value?.text.flatMap(Releasability.init(rawValue:))?.onlyStaff != nil
    }

    /// The seq of the newest waiting create of a record `op`'s value names (a reference, or
    /// a link in a set: `LinkRules`), if any.
    static func newestCreate(_ db: Database, namedBy op: PlanOperation) throws -> Int64? {
        guard let field = op.field, let value = op.value, let spec = op.kind.field(field) else { return nil }
        let names: [String]
        if case .reference = spec.type {
            names = value.text.map { [$0] } ?? []
        } else if LinkRules.fields(of: op.kind).contains(field) {
            names = value.elements
        } else {
            return nil
        }
        guard !names.isEmpty else { return nil }
        return try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT max(seq) FROM pending WHERE action = 'create' AND record IN (SELECT value FROM json_each(?))
            """), arguments: [JSONText.encode(names)])
    }

    func parseID(_ text: String) throws -> String {
        guard let id = RecordID.parse(text) else { throw WorkPlanError.invalid("'\(text)' is not a record id") }
        return id
    }

    func describe(_ r: StoredRecord) -> String {
        switch r.kind {
        case .area: "'\(r.text("name") ?? "")'"
        case .conference: r.text("number") ?? ""
        default: RecordID.short(r.id)
        }
    }

    /// A record that fields name: by id, or a conference by number.
    enum Reference: Sendable {
        case record(RecordKind, String)
        case conference(String)
    }

    /// What `fields` of a `kind` refer to, in the kind's field order (pure: an import works
    /// this out while preparing): references, conference numbers, and the tasks in a set
    /// of links (an agenda item's `tasks`, `LinkRules`).
    static func references(_ kind: RecordKind, _ fields: [String: FieldValue]) -> [Reference] {
        var out: [Reference] = []
        for spec in kind.fields {
            guard let value = fields[spec.name] else { continue }
            switch spec.type {
            case .number where spec.name == FieldName.conference || spec.name == "origin_conference":
                if let text = value.text { out.append(.conference(text)) }
            default:
                out += LinkRules.namedRecords(kind, field: spec.name, value: value).map { .record($0.kind, $0.id) }
            }
        }
        return out
    }

    /// Of `next`, what an edit from `current` brings into the field: the new elements of a
    /// set (a link already held, to a task deleted since, is not this edit's to check), or
    /// the whole value.
    static func brought(_ next: FieldValue, over current: FieldValue) -> FieldValue {
        guard case .set(let elements) = next else { return next }
        let held = Set(current.elements)
        return .set(elements.filter { !held.contains($0) })
    }

    /// References must name records that exist here (and that the officer may see).
    func checkReferences(_ db: Database, kind: RecordKind, fields: [String: FieldValue], me: Settings) throws {
        try check(db, Self.references(kind, fields), of: kind, me: me, run: nil)
    }

    func check(_ db: Database, _ references: [Reference], of kind: RecordKind, me: Settings, run: BulkRun?) throws {
        for reference in references {
            switch reference {
            case .record(let target, let id):
                if target == .task, run?.gone.contains(id) == true { continue }
                if run?.live.contains(BulkRun.Key(kind: target, id: id)) != true {
                    guard try RecordTable.of(target).exists(db, id: id, live: true) else {
                        throw WorkPlanError.notFound("no \(target.displayName) \(RecordID.short(id))")
                    }
                    run?.live.insert(BulkRun.Key(kind: target, id: id))
                }
                if kind == .note, let r = try RecordTable.of(target).fetch(db, id: id), let rel = Releasability(rawValue: r.text(FieldName.releasable) ?? "both"), rel.onlyStaff.map({ $0 != me.staff }) ?? false {
                    throw AccessRules.notVisible(target, id, staff: me.staff)
                }
            case .conference(let number):
                if try conferenceRecord(db, number: Int(number) ?? 0) == nil {
                    throw WorkPlanError.notFound("no conference \(number) (add it with 'workplan conference add \(number) --date YYYY-MM-DD --host EUMS|IMS')")
                }
            }
        }
    }

    /// What a run of many creates and edits in one transaction (an import) learns once: which
    /// referenced records it found live. A run deletes nothing, so a record found live stays
    /// live until the run ends.
    final class BulkRun {
        struct Key: Hashable {
            var kind: RecordKind
            var id: String
        }
        var live: Set<Key> = []
        /// Tasks an import's links name that neither the file nor the replica holds live
        /// (deleted since): the links are kept as they are (`Replica.linksToTasksGone`).
        var gone: Set<String> = []
    }

    func conferenceRecord(_ db: Database, number: Int) throws -> StoredRecord? {
        try RecordTable.of(.conference).fetchAll(db, where: "number = ? AND deleted = 0", arguments: [number]).first
    }
}
