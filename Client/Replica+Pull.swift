import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

extension Replica {
    /// Applies one pulled page and moves the cursor, in one transaction (DESIGN.md rule 4):
    /// a crash mid-pull resumes where it stopped, and a replayed change is a no-op
    /// (`MergeRules.pulledChangeApplies`). `acknowledged`: seqs of this replica's own field
    /// edits whose acceptance is already stored (`PushSummary.acknowledged`). `cursor`: the
    /// cursor the page was asked after; when the replica's cursor has moved since (another
    /// `workplan sync` of this replica applied pages meanwhile), nothing is applied and the
    /// summary says `stale` (applied twice, every change of the page was kept twice in the
    /// history: the kill-soak tester).
    ///
    /// `syncStart`: the cursor when this sync began. A snapshot is the record as the change
    /// that revealed it left it, so its revs may be older than this replica's own
    /// acknowledged edits that follow: for a record brought as a snapshot since then (by an
    /// earlier page, this one, or another sync of this replica meanwhile) or withdrawn in
    /// this page, the acknowledged shortcut does not hold, and each change is compared with
    /// the rev here (the third review: the officer's accepted edit vanished for good).
    func applyPull(_ page: PullResponse, after cursor: Int64? = nil, acknowledged: Set<Int64> = [],
                   syncStart: Int64? = nil) throws -> PullSummary {
        try db.write { db in
            var summary = PullSummary()
            let me = try Settings.load(from: db)
            if let cursor, me.cursor != cursor {
                summary.stale = true
                return summary
            }
            try Self.checkSameStore(me, page.storeId)
            // Records deleted here before they ever synced (`ReplacedHere.deleteAgain`).
            let deletedHere = try ReplacedHere.deletedRecords(db)
            var deleteAgain: [(RecordKind, String, Int64)] = []
            var waiting = Set(try String.fetchAll(db, sql: "SELECT DISTINCT record FROM pending"))
            // The other staff's notes kept aside after a restore (`finishRecovery`): each
            // leaves the list when it arrives.
            let keptNotes = Set(try String.fetchAll(db, sql: "SELECT record FROM set_aside WHERE reason LIKE ? || '%'",
                                                    arguments: [Self.otherStaffNotePrefix]))
            // Fields with an open conflict here: a later change of one moves what the
            // conflict shows as current (`refreshConflicts`).
            var conflicted = Set(try Row.fetchAll(db, sql: "SELECT record, field FROM conflict").map { "\($0[0] as String)/\($0[1] as String)" })
            var withdrawnTasks = Set<String>()
            var revealed = Set<String>()
            if !acknowledged.isEmpty, let syncStart {
                let sql = "SELECT DISTINCT record FROM history WHERE seq > ? AND instr(body, '\"event\":\"snapshot\"') > 0"
                revealed = Set(try String.fetchAll(db.cachedStatement(sql: sql), arguments: [syncStart]))
            }
            let history = try db.cachedStatement(sql: "INSERT INTO history (seq, record, body) VALUES (?, ?, ?)")
            func keep(_ change: Change) throws { try history.run([.int(change.seq), .text(change.record), .text(JSONText.encode(change))]) }
            for change in page.changes {
                switch change.event {
                case .change:
                    try keep(change)
                    if change.action == .create, keptNotes.contains(change.record) {
                        try db.execute(sql: "DELETE FROM set_aside WHERE record = ? AND reason LIKE ? || '%'",
                                       arguments: [change.record, Self.otherStaffNotePrefix])
                    }
                    // Counted when it changed this replica, or when someone else made it: the
                    // reply to this replica's own push may have shown it already (a conflict
                    // tells the current value), and it still arrived (the second tester).
                    if try applyChange(db, change, hasPending: waiting.contains(change.record),
                                       acknowledged: revealed.contains(change.record) ? [] : acknowledged)
                        || change.user.lowercased() != me.user.lowercased() {
                        summary.applied += 1
                    }
                    if change.action == .create, deletedHere.contains(change.record) {
                        deleteAgain.append((change.kind, change.record, change.seq))
                    }
                    if let field = change.field, conflicted.contains("\(change.record)/\(field)") {
                        try refreshConflicts(db, after: change, field: field)
                    }
                case .conflictOpened:
                    if let c = change.conflict {
                        try storeConflict(db, c)
                        conflicted.insert("\(c.record)/\(c.field)")
                    }
                    try keep(change)
                case .conflictResolved:
                    let ids = change.resolved ?? []
                    if !ids.isEmpty {
                        try db.execute(sql: "DELETE FROM conflict WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(ids))
                    }
                    try keep(change)
                case .withdrawn:
                    revealed.insert(change.record)
                    // Counted only when this replica had it (a replica that never saw a
                    // record is also told it is withdrawn, when it pulls the change).
                    if try RecordTable.of(change.kind).exists(db, id: change.record) { summary.withdrawn += 1 }
                    summary.setAside += try removeRecord(db, change.kind, change.record, withHistory: true)
                    try ReplacedHere.withdrawn(db, record: change.record)
                    if change.kind == .task { withdrawnTasks.insert(change.record) }
                case .snapshot:
                    revealed.insert(change.record)
                    // Kept: `history` starts there, and `changes` takes later old values from it.
                    try keep(change)
                    // Shared again later in the same page: not to be forgotten.
                    withdrawnTasks.remove(change.record)
                    try ReplacedHere.shared(db, record: change.record)
                    try applySnapshot(db, change, hasPending: waiting.contains(change.record))
                    summary.applied += 1
                    let back = try Self.returnSetAsideEdits(db, revealed: change.record)
                    summary.returned += back.count
                    waiting.formUnion(back)
                }
            }
            // What other records here said of the tasks withdrawn (`Replica+Links.swift`).
            try Self.forgetLinks(db, to: withdrawnTasks)
            for (kind, id, seq) in deleteAgain {
                try ReplacedHere.deleteAgain(db, kind, id, createdAt: seq, me: me, at: Clock.now())
            }
            try Settings.store(["cursor": String(page.next), "store_id": page.storeId], in: db)
            return summary
        }
    }

    /// One accepted change. Returns whether the replica changed.
    func applyChange(_ db: Database, _ c: Change, hasPending: Bool, acknowledged: Set<Int64> = []) throws -> Bool {
        let table = RecordTable.of(c.kind)
        switch c.action {
        case .create?:
            // Most often this replica's own create coming back, already acknowledged: the
            // revs tell that no field applies (MergeRules), and the fields are not read.
            if let revs = try table.revsIfCreated(db, id: c.record, at: c.at, by: c.user, revAtLeast: c.seq),
               !c.kind.fields.contains(where: { MergeRules.pulledChangeApplies(seq: c.seq, localRev: revs[$0.name] ?? 0) }) {
                return false
            }
            let existing = try table.fetch(db, id: c.record)
            let fields = c.fields ?? [:]
            guard var r = existing else {
                var revs: [String: Int64] = [:]
                for spec in c.kind.fields { revs[spec.name] = c.seq }
                try table.write(db, StoredRecord(id: c.record, kind: c.kind, fields: fields, revs: revs, rev: c.seq,
                                                 createdAt: c.at, updatedAt: c.at, createdBy: c.user, deleted: false))
                return true
            }
            // The server holds one create per record: its time and author are the record's,
            // also when this replica created the same natural-key record offline.
            var changed = r.createdBy != c.user || r.createdAt != c.at
            r.createdAt = c.at
            r.createdBy = c.user
            var revsChanged = false
            for spec in c.kind.fields where MergeRules.pulledChangeApplies(seq: c.seq, localRev: r.revs[spec.name] ?? 0) {
                r.revs[spec.name] = c.seq
                revsChanged = true
                let shielded = try hasPending && PendingLog.holdsOwnValue(db, record: c.record, field: spec.name)
                if !shielded {
                    r.fields[spec.name] = fields[spec.name]
                    changed = true
                }
            }
            // This replica's own create coming back: nothing to write.
            guard changed || revsChanged || c.seq > r.rev else { return false }
            r.rev = max(r.rev, c.seq)
            try table.write(db, r)
            return changed
        case .set?, .add?, .remove?:
            // This replica's own edit coming back, its acceptance stored: the field's rev here
            // is at least the change's seq, so MergeRules says nothing applies; no row is read.
            if acknowledged.contains(c.seq), !MergeRules.pulledChangeApplies(seq: c.seq, localRev: c.seq) { return false }
            guard let field = c.field, var r = try table.fetchRevs(db, id: c.record),
                  MergeRules.pulledChangeApplies(seq: c.seq, localRev: r.of(field)) else { return false }
            r.raise(field, to: c.seq)
            r.rev = max(r.rev, c.seq)
            r.updatedAt = max(r.updatedAt, c.at)
            // The server's value before this change: beneath any waiting edits of the field.
            let waiting = try hasPending ? PendingLog.serverValue(db, record: c.record, field: field) : nil
            let server: FieldValue
            if c.action == .set {
                server = c.value ?? .null
            } else {
                let before = try waiting ?? table.fetchField(db, id: c.record, field)
                server = MergeRules.applyElement(c.action!, element: c.value?.text ?? "", to: before) ?? before
            }
            if waiting != nil {
                try PendingLog.setServerValue(db, record: c.record, field: field, server)
                try table.update(db, id: c.record, r, field: field, value: .some(try viewValue(db, c.record, field, server)))
            } else if try hasPending && PendingLog.holdsOwnValue(db, record: c.record, field: field) {
                // An edit of a record not yet created on the server: the officer's value stays.
                try table.update(db, id: c.record, r)
            } else {
                try table.update(db, id: c.record, r, field: field, value: .some(server == .null ? nil : server))
            }
            return true
        case .delete?:
            guard let r = try table.fetchRevs(db, id: c.record), MergeRules.pulledChangeApplies(seq: c.seq, localRev: r.rev) else { return false }
            if hasPending { return false }
            try removeRecord(db, c.kind, c.record)
            return true
        case .restore?:
            // The server follows a restore with a snapshot of the record (fields, revs,
            // creation time); the restore itself is history.
            return false
        case .resolve?, nil:
            return false
        }
    }

    /// An open conflict shows the field's current value, and a resolution is an edit against
    /// that value's rev (`resolve`): when the field changes again, the conflict now shows
    /// the new value and rev, so what the officer decides on is what the server holds. (A
    /// resolution made against an older value opens a new conflict instead.)
    func refreshConflicts(_ db: Database, after c: Change, field: String) throws {
        let table = RecordTable.of(c.kind)
        let server: FieldValue
        if let waiting = try PendingLog.serverValue(db, record: c.record, field: field) {
            server = waiting
        } else if try PendingLog.holdsOwnValue(db, record: c.record, field: field) {
            // The view holds this officer's edit, not the server's value. (A waiting create
            // that does not name the field holds nothing of it: the second review.)
            return
        } else {
            server = try table.fetchField(db, id: c.record, field)
        }
        try moveConflicts(db, record: c.record, field: field, to: server, rev: c.seq)
    }

    /// The open edit conflicts of a field that show an older current value than `rev` now
    /// show `server` at `rev`.
    func moveConflicts(_ db: Database, record: String, field: String, to server: FieldValue, rev: Int64) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT id, body FROM conflict WHERE record = ? AND field = ?", arguments: [record, field])
        for row in rows {
            var conflict = try JSONText.decode(Conflict.self, row[1] as String)
            guard conflict.type == .edit, rev > conflict.currentRev else { continue }
            conflict.current = server
            conflict.currentRev = rev
            try db.execute(sql: "UPDATE conflict SET body = ? WHERE id = ?", arguments: [JSONText.encode(conflict), row[0] as String])
        }
    }

    /// The whole current record (it became visible, or was restored).
    func applySnapshot(_ db: Database, _ c: Change, hasPending: Bool) throws {
        let table = RecordTable.of(c.kind)
        let fields = c.fields ?? [:]
        var revs = c.revs ?? [:]
        for spec in c.kind.fields where revs[spec.name] == nil { revs[spec.name] = c.seq }
        if var r = try table.fetch(db, id: c.record) {
            for spec in c.kind.fields {
                let local = r.revs[spec.name] ?? 0, incoming = revs[spec.name]!
                // A field this replica already has newer (its own accepted edit) keeps its value.
                guard incoming >= local else { continue }
                r.revs[spec.name] = incoming
                let shielded = try hasPending && PendingLog.holdsOwnValue(db, record: c.record, field: spec.name)
                if !shielded {
                    r.fields[spec.name] = fields[spec.name]
                } else if try PendingLog.serverValue(db, record: c.record, field: spec.name) != nil {
                    // As for a pulled change under a waiting edit: the server's value kept with
                    // the edit moves on, and the view is the edit applied to it. (Kept old, a
                    // set-aside edit put the field back to it: an agenda item lost the task a
                    // snapshot had just shown, in the sharing property test.)
                    let server = fields[spec.name] ?? .null
                    try PendingLog.setServerValue(db, record: c.record, field: spec.name, server)
                    r.fields[spec.name] = try viewValue(db, c.record, spec.name, server)
                }
            }
            if let created = c.createdAt { r.createdAt = created }
            if let creator = c.createdBy { r.createdBy = creator }
            r.rev = max(r.rev, revs.values.max() ?? c.seq)
            r.deleted = false
            try table.write(db, r)
        } else {
            try table.write(db, StoredRecord(id: c.record, kind: c.kind, fields: fields, revs: revs, rev: revs.values.max() ?? c.seq,
                                             createdAt: c.createdAt ?? c.at, updatedAt: c.at, createdBy: c.createdBy ?? c.user, deleted: false))
        }
    }
}

/// What a pull did.
public struct PullSummary: Sendable {
    public var applied = 0
    public var withdrawn = 0
    /// Edits of withdrawn records set aside (`Replica+SetAside.swift`).
    public var setAside = 0
    /// Edits set aside earlier that went back to the pending log (their record shared again).
    public var returned = 0
    /// The page was not applied: the replica's cursor had moved since it was asked for.
    public var stale = false
}
