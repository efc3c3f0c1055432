import Foundation
import GRDB
import WorkPlanProtocol

/// How the officer settles a conflict.
public enum Resolution: Sendable, Hashable {
    /// Keep this officer's value: the one refused when they (or their staff) proposed it,
    /// the current one when they set it (`Replica.mineIsTheCurrentValue`).
    case mine
    /// Keep the current value (recorded as a resolution).
    case theirs
    /// Set another value.
    case value(String)
}

/// A conflict as `workplan conflicts` shows it.
public struct ConflictView: Codable, Sendable, Hashable {
    public var id: String
    public var record: String
    public var shortRecord: String
    public var kind: String
    public var title: String?
    public var type: String
    public var field: String
    public var base: FieldValue
    public var current: FieldValue
    public var proposed: FieldValue
    public var proposedBy: String
    public var staff: String
    public var at: String
    /// Whether `resolve --mine` keeps the current value for this officer, who made it
    /// (`Replica.mineIsTheCurrentValue`); not in the JSON.
    public var mineKeepsCurrent = false
    /// Whether the record is gone from this replica's view (deleted), `record_deleted` in the
    /// JSON (where `current` is the value the field had when it was deleted). An edit that
    /// met a delete is about a live record again once someone brought it back.
    public var recordGone = false
    /// Whether `resolve --mine` cannot tell which value is this officer's (several were
    /// proposed, none or more than one by them): it is then not offered; not in the JSON.
    public var mineUnclear = false
    /// Who may see the record ("both", "EUMS", "IMS"): as it stands here, or as its history
    /// here last left it when it is gone; a note within its task's (`Replica.releasability`).
    public var releasable = "both"

    /// Whether `current` is the last value of a field of a record deleted since (an edit
    /// that met a delete, the record still gone here): not a current value, and shown as
    /// "(deleted; it was V)" wherever the conflict is shown.
    public var currentIsFromDeletedRecord: Bool {
        type == ConflictType.editDeleted.rawValue && field != Conflict.deletedField && recordGone
    }

    enum CodingKeys: String, CodingKey {
        case id, record
        case shortRecord = "short_record"
        case kind, title, type, field, base, current, proposed
        case proposedBy = "proposed_by"
        case staff, at
        case recordGone = "record_deleted"
        case releasable
    }
}

extension Replica {
    /// How many conflicts are open.
    public func openConflictCount() throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM conflict") ?? 0 }
    }

    /// Every open conflict, oldest first.
    public func conflicts() throws -> [ConflictView] {
        try db.read { db in
            let me = try Settings.load(from: db)
            let rows = try String.fetchAll(db, sql: "SELECT body FROM conflict")
            let all = try rows.map { try JSONText.decode(Conflict.self, $0) }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
            // What `resolve` decides from: every conflict open on the same field (the review).
            let onField = Dictionary(grouping: all) { "\($0.record)/\($0.field)" }
            return try all.map { c in
                    let group = onField["\(c.record)/\(c.field)"] ?? [c]
                    // A record in the view: its name, if it has one (a note has none); a record
                    // gone from the view: the last name its history here gives it.
                    let title: String?
                    let held = try RecordTable.of(c.kind).fetch(db, id: c.record)
                    if let r = held {
                        title = Self.titleFields.lazy.compactMap { r.text($0) }.first
                    } else {
                        title = try Self.lastTitle(db, of: c.record)
                    }
                    let gone = held.map(\.deleted) ?? true
                    let mineKeeps = c.type == .editDeleted && !gone ? false : (try? Self.mineIsTheCurrentValue(db, group, me: me)) ?? false
                    return ConflictView(id: c.id, record: c.record, shortRecord: RecordID.short(c.record), kind: c.kind.rawValue,
                                        title: title, type: c.type.rawValue, field: c.field, base: c.base, current: c.current,
                                        proposed: c.proposed, proposedBy: c.proposedBy, staff: c.staff.rawValue, at: TimeFormat.iso(c.at),
                                        mineKeepsCurrent: mineKeeps, recordGone: gone,
                                        mineUnclear: !mineKeeps && (try? Self.proposalToKeep(group, me: me)) == nil,
                                        releasable: try Self.releasability(db, c.kind, c.record, held: held))
                }
        }
    }

    /// The id of the area named `name`, nil when none is; an error when two are.
    func areaNamed(_ db: Database, _ name: String) throws -> String? {
        do {
            return try areaID(db, named: name)
        } catch let e as WorkPlanError where e.code == .notFound || e.code == .invalidInput {
            return nil
        }
    }

    /// The fields that name a record in the list of conflicts, the first one it has.
    static let titleFields = ["title", "topic", "name", "number"]

    /// The last name a record had in its history here (`titleFields`): what names a record
    /// deleted on the server in its conflicts, the view holding it no more.
    static func lastTitle(_ db: Database, of record: String) throws -> String? {
        try lastText(db, of: record, in: titleFields)
    }

    /// The last value its history here gives a record's text field, the first of `names` it
    /// has (a set or a create naming it).
    static func lastText(_ db: Database, of record: String, in names: [String]) throws -> String? {
        let bodies = try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM history WHERE record = ? ORDER BY seq DESC"), arguments: [record])
        for body in bodies {
            guard let change = WireDecoding.change(text: body) else { continue }
            for name in names {
                if change.field == name, let text = change.value?.text { return text }
                if let text = change.fields?[name]?.text { return text }
            }
        }
        return nil
    }

    /// Who may see a record in conflict: as it stands here, or as its history here last
    /// left it when it is gone (a pulled delete removes it); a note within its task's
    /// releasability (the review: a conflict on a deleted EUMS-only task said "both", and
    /// the brief left it unmarked).
    static func releasability(_ db: Database, _ kind: RecordKind, _ record: String, held: StoredRecord?) throws -> String {
        func own(_ id: String, _ row: StoredRecord?) throws -> Releasability {
            let text = try row?.text(FieldName.releasable) ?? lastText(db, of: id, in: [FieldName.releasable])
            return text.flatMap { Releasability(parsing: $0) } ?? .both
        }
        var releasable = try own(record, held)
        if kind == .note, let task = try held?.text(FieldName.task) ?? lastText(db, of: record, in: [FieldName.task]) {
            let parent = try own(task, RecordTable.of(.task).fetch(db, id: task))
            releasable = AccessRules.effective(releasable, parent: parent) ?? releasable
        }
        return releasable.rawValue
    }

    /// The conflict whose proposed value `--mine` keeps, among the open conflicts on one
    /// field (in the order they were opened). One value proposed (however many times): that
    /// one. Several: the one this officer proposed. Otherwise `--mine` does not say which,
    /// and keeping any one would silently drop the others: the officer is asked to choose.
    ///
    /// A value is this officer's when they or their staff proposed it: an officer of the
    /// other staff, who set neither the current value nor any proposed one, names no value
    /// with `--mine` and is asked to choose (the black-box tester: IMS's `--mine` on a
    /// conflict between two EUMS officers applied the EUMS proposal).
    static func proposalToKeep(_ conflicts: [Conflict], me: Settings) throws -> Conflict {
        let last = conflicts[conflicts.count - 1]
        // (For an edit conflict: a delete conflict's sides are the edit and the delete, and
        // `--mine` keeps the edit's side as its choices say: the third review.)
        guard last.type != .edit || conflicts.contains(where: { $0.proposedBy.lowercased() == me.user.lowercased() || $0.staff == me.staff }) else {
            let by = Set(conflicts.map(\.proposedBy)).sorted().joined(separator: ", ")
            throw WorkPlanError(.ambiguous, "neither the current \(Self.shown(last.current)) of \(last.field) nor the value proposed (by \(by)) is yours or \(me.staff.rawValue)'s, so --mine names no value: keep the current one with --theirs, or choose one with --value")
        }
        guard conflicts.contains(where: { $0.proposed != last.proposed }) else { return last }
        let own = conflicts.filter { $0.proposedBy.lowercased() == me.user.lowercased() }
        if let mine = own.last, own.allSatisfy({ $0.proposed == mine.proposed }) { return mine }
        let values = conflicts.map { "\(Self.shown($0.proposed)) by \($0.proposedBy)" }
        throw WorkPlanError(.ambiguous, "\(conflicts.count) different values were proposed for \(last.field) of \(RecordID.short(last.record)) (\(values.joined(separator: ", "))): choose one with --value, or keep the current \(Self.shown(last.current)) with --theirs")
    }

    /// Whether `--mine` means the current value for this officer: they proposed none of the
    /// values in conflict, and the current one is theirs (they set it), or their staff's
    /// against proposals of the other staff only. The black-box tester: EUMS set priority
    /// high, IMS low (refused, in conflict), and EUMS's `resolve --mine` kept IMS's low.
    /// When this replica's history does not tell who set the current value (it starts at a
    /// snapshot, say) and neither the officer nor their staff proposed a value, `--mine`
    /// names no value: the officer is asked to choose, rather than given the other one.
    ///
    /// The same holds for the two delete conflicts (the second tester): the officer whose
    /// change met another's delete (`delete_changed`), and the officer who deleted the record
    /// another then edited (`edit_deleted`), keep their own with `--mine`: the record, or its
    /// deletion.
    static func mineIsTheCurrentValue(_ db: Database, _ conflicts: [Conflict], me: Settings) throws -> Bool {
        guard let last = conflicts.last,
              !conflicts.contains(where: { $0.proposedBy.lowercased() == me.user.lowercased() }) else { return false }
        let ourStaffProposed = conflicts.contains { $0.staff == me.staff }
        // The change that made the current value: for an edit, the field's change or the
        // record's create or restore; for a changed record, its last change or the note added
        // to it (a note is a record of its own); for a deleted one, the delete.
        let sql = last.type == .deleteChanged ? "SELECT body FROM history WHERE seq = ?" : "SELECT body FROM history WHERE record = ? AND seq = ?"
        let arguments: StatementArguments = last.type == .deleteChanged ? [last.currentRev] : [last.record, last.currentRev]
        let atRev = try String.fetchAll(db, sql: sql, arguments: arguments)
        func setsTheField(_ c: Change) -> Bool {
            guard c.event == .change else { return false }
            switch last.type {
            case .edit: return c.field == last.field || c.action == .create || c.action == .restore
            case .deleteChanged: return true
            case .editDeleted: return c.action == .delete
            }
        }
        let changes = atRev.compactMap { try? JSONText.decode(Change.self, $0) }
        guard let change = changes.first(where: setsTheField) else {
            if ourStaffProposed { return false }
            throw WorkPlanError(.ambiguous, "this replica cannot tell who set the current \(Self.shown(last.current)) of \(last.field) (its history of \(RecordID.short(last.record)) starts later), so --mine names no value: keep it with --theirs, or choose one with --value")
        }
        if change.user.lowercased() == me.user.lowercased() { return true }
        return change.staff == me.staff && !ourStaffProposed
    }

    private static func shown(_ v: FieldValue) -> String {
        switch v {
        case .null: "(empty)"
        case .text(let t): "'\(t)'"
        case .set(let s): "'\(s.joined(separator: ","))'"
        }
    }

    /// Settles the open conflicts on one record's field with an ordinary edit against the
    /// current rev (DESIGN.md rule 3), queued like any edit and sent on the next sync.
    public func resolve(record prefix: String, field: String, with resolution: Resolution, at: Timestamp = Clock.now()) throws -> Conflict {
        try settle(record: prefix, field: field, with: resolution, at: at).conflict
    }

    /// `resolve`, also saying which operation it queued: a `restore` brings the record back
    /// with the next sync; `--mine` of the officer who deleted it queues none of that.
    public func settle(record prefix: String, field: String, with resolution: Resolution,
                       at: Timestamp = Clock.now()) throws -> (conflict: Conflict, queued: Action) {
        try db.write { db in
            let open = try String.fetchAll(db, sql: "SELECT body FROM conflict").map { try JSONText.decode(Conflict.self, $0) }
            var p = prefix.lowercased()
            let number = Self.conferenceNumber(prefix), idLike = RecordID.isPlausiblePrefix(p)
            if let number {
                // Too short for an id (CLI.md): a conference's number, or nothing.
                p = try conference(db, shortNumber: number).id
            } else if idLike {
                // Digits of 4 or more may be a conference's number as well as the start of the
                // id of a record in conflict: read as `history` reads them (both is an error).
                let starting = open.filter { $0.record.hasPrefix(p) }.map { (kind: $0.kind, id: $0.record) }.sorted { $0.id < $1.id }
                if let c = try conference(db, namedBy: prefix, besides: starting) { p = c.id }
            }
            var onRecord = number != nil || idLike ? open.filter { $0.record.hasPrefix(p) } : []
            // Areas are named by name (CLI.md), as `history` takes them (the structural-edits
            // tester: `resolve Cyber name --mine` was refused). A name that reads as hex digits
            // ("Cafe") is an id prefix first, and the area's name when no conflict has such an id.
            if onRecord.isEmpty, number == nil {
                if let area = try areaNamed(db, prefix) {
                    onRecord = open.filter { $0.record == area }
                } else if !idLike {
                    throw WorkPlanError.invalid("'\(prefix)' is neither a conference number, an area's name nor an id (give at least \(RecordID.minimumPrefix) characters of the id)")
                }
            }
            guard !onRecord.isEmpty else { throw WorkPlanError.notFound("no open conflict on a record with id \(prefix)") }
            let records = Set(onRecord.map(\.record))
            guard records.count == 1 else {
                throw WorkPlanError(.ambiguous, "id \(prefix) is ambiguous; conflicts are open on \(records.sorted().map(RecordID.short).joined(separator: ", "))")
            }
            // Ordered by the server's rev each was opened against, not by a client's clock.
            let matching = onRecord.filter { $0.field == field }.sorted { ($0.currentRev, $0.id) < ($1.currentRev, $1.id) }
            guard let newest = matching.last else {
                throw WorkPlanError.notFound("no open conflict on field '\(field)' of \(RecordID.short(onRecord[0].record)); open: \(Set(onRecord.map(\.field)).sorted().joined(separator: ", "))")
            }
            let me = try Settings.load(from: db)
            var resolution = resolution
            if resolution == .mine, try Self.mineIsTheCurrentValue(db, matching, me: me) { resolution = .theirs }
            let c = resolution == .mine ? try Self.proposalToKeep(matching, me: me) : newest
            let ids = matching.map(\.id)
            let held = try RecordTable.of(c.kind).fetch(db, id: c.record)
            let op: PlanOperation
            switch (c.type, resolution) {
            case (_, .theirs):
                op = PlanOperation(record: c.record, kind: c.kind, action: .resolve, baseRev: c.currentRev, resolves: ids, at: at)
            case (.edit, .mine), (.edit, .value):
                let value: FieldValue
                if case .value(let v) = resolution {
                    guard let spec = c.kind.field(c.field) else { throw WorkPlanError.invalid("unknown field \(c.field)") }
                    // An empty value clears the field, as `edit --due ""` does.
                    value = try Validation.normalize(spec.isSet ? .set(v.split(separator: ",").map { String($0) }) : .optionalText(v), for: spec, kind: c.kind)
                } else {
                    value = c.proposed
                }
                guard var r = try RecordTable.of(c.kind).fetch(db, id: c.record) else {
                    throw WorkPlanError.notFound("the \(c.kind.displayName) \(RecordID.short(c.record)) is no longer here")
                }
                if c.kind == .area, c.field == FieldName.name, let name = value.text {
                    try checkAreaNameFree(db, name, for: c.record)
                }
                // Made against the value the officer was shown (the conflict's current rev),
                // not the field's rev here: if the field changed again since, the decision
                // was taken without seeing that change, and the server opens a new conflict
                // instead of letting it overwrite the newer value.
                op = try PlanOperation(record: c.record, kind: c.kind, action: .set, field: c.field, value: value,
                                       baseRev: c.currentRev, resolves: ids, at: at).validated()
                r.fields[c.field] = value == .null ? nil : value
                r.updatedAt = at
                try RecordTable.of(c.kind).write(db, r)
            case (.editDeleted, .mine) where c.field == Conflict.deletedField:
                // A create (or restore) that met the delete: restore the record as it is.
                op = try PlanOperation(record: c.record, kind: c.kind, action: .restore, baseRev: c.currentRev,
                                       resolves: ids, at: at).validated()
            case (.editDeleted, .value) where c.field == Conflict.deletedField:
                throw WorkPlanError.invalid("a create that met a delete is settled with --mine (restore it) or --theirs (leave it deleted), not --value")
            case (.editDeleted, .mine), (.editDeleted, .value):
                var value = c.proposed
                if case .value(let v) = resolution { value = .text(v) }
                op = try PlanOperation(record: c.record, kind: c.kind, action: .restore, field: c.field, value: value,
                                       baseRev: c.currentRev, resolves: ids, at: at).validated()
            case (.deleteChanged, .mine):
                guard var r = try RecordTable.of(c.kind).fetch(db, id: c.record) else {
                    throw WorkPlanError.notFound("the \(c.kind.displayName) \(RecordID.short(c.record)) is no longer here")
                }
                // Against what the officer has seen: the conflict (which covers the notes
                // that made it) and what is pulled here.
                op = PlanOperation(record: c.record, kind: c.kind, action: .delete, baseRev: max(c.currentRev, Self.deleteBase(me)),
                                   resolves: ids, at: at)
                r.deleted = true
                try RecordTable.of(c.kind).write(db, r)
            case (.deleteChanged, .value):
                throw WorkPlanError.invalid("a delete conflict is settled with --mine (delete it) or --theirs (keep it), not --value")
            }
            try AccessRules.checkWrite(user: me.identity, op: op, current: nil)
            // Settled by making a shared record one staff's: the originator's call, as for `edit`.
            if let held { try checkWithdrawal(db, held, op, me: me) }
            try PendingLog.append(db, op, author: me.user, serverValue: op.field.map { _ in c.current })
            try db.execute(sql: "DELETE FROM conflict WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(ids))
            return (c, op.action)
        }
    }
}
