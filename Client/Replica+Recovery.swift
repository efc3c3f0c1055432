import Foundation
import GRDB
import WorkPlanProtocol

/// Recovery after the server's store was restored from a backup (its identity changed):
/// the replica keeps what it holds, re-pulls the restored store from the start, then
/// queues back whatever it holds that the restored store lacks — edits acknowledged after
/// the backup was taken, and its own pending edits — so no edit any replica still holds is
/// lost (docs/operations.md "Restoring the server").
extension Replica {
    /// What the replica held when recovery began (kept in the replica until it is done, so
    /// a crash mid-recovery resumes).
    struct HeldPlan: Codable {
        var records: [ExportedRecord]
        /// Records deleted here or known deleted: to delete again if the restored store has them.
        var deleted: [String]
        /// Every record id this replica had heard of (to tell "deleted since" from "never seen").
        var known: [String]
        /// Each held record's field revs, in the old store's numbering (absent in a plan held
        /// by an older workplan: then every difference is pushed back, as it did).
        var revs: [String: [String: Int64]]?
        /// The oldest and newest seq of each record's history: its create, and its last
        /// change (for a record gone from here, its delete).
        var firstSeq: [String: Int64]?
        var lastSeq: [String: Int64]?
        /// Records created here and never acknowledged (a pending create).
        var pendingCreates: [String]?
        /// Fields with an edit waiting here, with the base rev of the oldest such edit.
        var pendingBases: [String: [String: Int64]]?
    }

    /// Whether a recovery was started and not finished.
    func recoveryPending() throws -> Bool {
        try db.read { try Self.recoveryPending($0) }
    }

    static func recoveryPending(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM recovery)") ?? false
    }

    /// While a recovery is unfinished (a sync began it and stopped before sending back what
    /// the restored store lacks), the plan as this replica held it when it began: its view,
    /// with its own edits. Nil when no recovery waits. Until then the view holds only the
    /// restored store's state, and `exportPlan` writes this instead, so an export still
    /// keeps the officer's work (the operations tester: it silently left it out).
    func heldPlan(_ db: Database) throws -> PlanExport? {
        guard let text = try String.fetchOne(db, sql: "SELECT plan FROM recovery") else { return nil }
        // Edits made since the recovery began are on the restored store's records, not on
        // the plan held: neither alone is the officer's work (the review). Until a sync
        // finishes the recovery, no export.
        if try PendingLog.count(db) > 0 {
            throw WorkPlanError.invalid("a recovery after the server's restore is unfinished, and edits were made here since it began: run 'workplan sync' to finish it before exporting (an export now would leave out either the records held for the recovery or those edits)")
        }
        let held = try JSONText.decode(HeldPlan.self, text)
        // As `exportPlan`: a note of a task not in the plan is left out (no replica could
        // import the file).
        let tasks = Set(held.records.lazy.filter { $0.kind == .task }.map(\.id))
        let records = held.records.filter { $0.kind != .note || ($0.fields[FieldName.task]?.text).map(tasks.contains) == true }
        return PlanExport(format: PlanExport.formatName, records: records)
    }

    /// How many records the unfinished recovery holds, or nil when none waits. Counted by
    /// SQLite: the plan can be tens of MB.
    public func unfinishedRecoveryRecords() throws -> Int? {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT json_array_length(plan, '$.records') FROM recovery") }
    }

    /// Step 1, one transaction: remember what is held, forget everything that came from the
    /// old store (records, revs, history, conflicts, cursor, pending operations).
    ///
    /// During an unfinished recovery (the server restored again before it finished), the
    /// plan held stays, and what was pulled from the store in between is forgotten: the
    /// new store is pulled from the start. Edits made meanwhile stay waiting, against rev 0
    /// (their revs were that store's numbers). Before, the replica kept the old store's id
    /// and every later pull was refused as another store's (the third review).
    func beginRecovery(newStoreId: String) throws {
        try db.write { db in
            if try Self.recoveryPending(db) {
                guard try Settings.load(from: db).storeId != newStoreId else { return }
                // A record created meanwhile is not on any store yet: it stays in the view.
                for kind in Self.importOrder {
                    try db.execute(sql: "DELETE FROM \(RecordTable.of(kind).name) WHERE id NOT IN (SELECT record FROM pending WHERE action = 'create')")
                }
                try db.execute(sql: "UPDATE pending SET base_rev = 0, batch = NULL, server_value = NULL")
                try Self.forgetTheStore(db, newStoreId: newStoreId)
                return
            }
            var held = HeldPlan(records: [], deleted: [], known: [], revs: [:], firstSeq: [:], lastSeq: [:],
                                pendingCreates: [], pendingBases: [:])
            for kind in Self.importOrder {
                let table = RecordTable.of(kind)
                for r in try table.fetchAll(db, where: "1 ORDER BY id") {
                    if r.deleted {
                        held.deleted.append(r.id)
                    } else {
                        held.records.append(ExportedRecord(id: r.id, kind: kind, fields: r.fields,
                                                           createdAt: TimeFormat.iso(r.createdAt), createdBy: r.createdBy))
                        if !r.revs.isEmpty { held.revs?[r.id] = r.revs }
                    }
                }
                try db.execute(sql: "DELETE FROM \(table.name)")
            }
            for e in try PendingLog.entries(db) {
                if e.op.action == .create {
                    held.pendingCreates?.append(e.op.record)
                } else if let field = e.op.field, held.pendingBases?[e.op.record]?[field] == nil {
                    held.pendingBases?[e.op.record, default: [:]][field] = e.op.baseRev
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT record, MIN(seq), MAX(seq) FROM history GROUP BY record") {
                held.known.append(row[0])
                held.firstSeq?[row[0]] = row[1]
                held.lastSeq?[row[0]] = row[2]
            }
            try db.execute(sql: "DELETE FROM pending")
            try db.execute(sql: "INSERT INTO recovery (id, plan) VALUES (1, ?)", arguments: [JSONText.encode(held)])
            try Self.forgetTheStore(db, newStoreId: newStoreId)
        }
    }

    /// What both kinds of beginning forget of the store left: its history and conflicts, its
    /// withdrawals, its revs of the edits set aside, and the cursor; the new store's id.
    private static func forgetTheStore(_ db: Database, newStoreId: String) throws {
        try db.execute(sql: "DELETE FROM history")
        try db.execute(sql: "DELETE FROM conflict")
        // What the old store withdrew from this staff: the restored store may hold it
        // shared (a backup from before), and the full pull says which (the review).
        try ReplacedHere.forgetWithdrawals(db)
        // Edits set aside keep the rev they were made on, a number of the old store: sent
        // later (`returnSetAsideEdits`), one could equal a new field's rev by chance and
        // overwrite it unseen. Against rev 0 they meet the restored store as a create's
        // values would: equal ones merge, different ones become conflicts.
        try db.execute(sql: "UPDATE set_aside SET base_rev = 0")
        try Settings.store(["cursor": "0", "store_id": newStoreId], in: db)
    }

    /// Why the other staff's note is kept aside after a restore (the text `applyPull` knows
    /// it by, to drop the copy once the note arrives).
    static func otherStaffNoteReason(_ staff: String) -> String {
        "\(otherStaffNotePrefix)\(staff), so only a replica of \(staff) can send it back after the server's restore; kept here in case none does"
    }
    static let otherStaffNotePrefix = "the note is signed by "

    /// The reason a note signed by another staff was refused when this replica sent it.
    static func otherStaffNoteRefused(_ staff: String) -> String {
        "\(otherStaffNotePrefix)\(staff), so only a replica of \(staff) can send it; kept here until it arrives by sync"
    }

    /// Step 3 (after a full pull), one transaction: queue what the restored store lacks.
    /// Returns how many records were re-created, updated and deleted.
    ///
    /// `restorePoint` (`HelloResponse.restorePoint`): the newest seq of the backup. Changes
    /// up to it are in the restored store already, so only what this replica holds from
    /// after it is pushed back: fields with a rev above it, records created or deleted
    /// after it, and its own waiting edits. Anything else that differs is the replica being
    /// behind, and the restored store's value stays (a replica that had not pulled an edit
    /// made before the backup must not undo it). Nil (a server that does not say): every
    /// difference is pushed back.
    ///
    /// A value pushed back is an edit against the field's rev in the restored store while
    /// that rev is from before the restore point; when the field changed again after the
    /// restore (another replica pushed back first, or someone edited it), the edit is made
    /// against the restore point, so two different values meet as an ordinary conflict
    /// instead of the later one silently winning. A waiting edit keeps its own base rev when
    /// that is from before the restore point.
    func finishRecovery(restorePoint: Int64?) throws -> (created: Int, updated: Int, deleted: Int) {
        try db.write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT plan FROM recovery") else {
                return (0, 0, 0)
            }
            let held = try JSONText.decode(HeldPlan.self, text)
            let me = try Settings.load(from: db)
            // Without a restore point (an older server, or a plan held by an older workplan)
            // every difference goes back against the restored store's revs, as before.
            let announced: Int64? = held.revs == nil ? nil : restorePoint
            let point = announced ?? 0
            let pendingCreates = Set(held.pendingCreates ?? [])
            let now = Clock.now()
            var created = 0, updated = 0, deleted = 0
            let holding = Set(held.records.map(\.id))
            /// Whether this replica holds `id` from after the restore point (or made it here).
            func createdAfter(_ id: String) -> Bool {
                if pendingCreates.contains(id) { return true }
                let revs = held.revs?[id]?.values.min()
                let first = held.firstSeq?[id]
                guard let created = [revs, first].compactMap({ $0 }).min() else { return true }
                return created > point
            }
            for rec in held.records {
                let table = RecordTable.of(rec.kind)
                do {
                    if let r = try table.fetch(db, id: rec.id), !r.deleted {
                        let waiting = held.pendingBases?[rec.id] ?? [:]
                        let revs = held.revs?[rec.id] ?? [:]
                        let edits = try Self.differences(rec.kind, r, rec.fields).filter { edit in
                            guard case .set(let field, _) = edit else { return true }
                            // An edit of the field made since the recovery began (the pending
                            // log was emptied then) is newer than the value held: folded into
                            // it, the held value silently replaced it (the review). So is a
                            // create made since that names the field (a natural key: the
                            // officer added the conference again; the second review).
                            if try PendingLog.holdsOwnValue(db, record: rec.id, field: field) { return false }
                            return pendingCreates.contains(rec.id) || waiting[field] != nil || (revs[field] ?? 0) > point
                        }
                        guard !edits.isEmpty, try self.edit(db, rec.kind, id: rec.id, edits, resolves: nil, at: now) > 0 else { continue }
                        updated += 1
                        for case .set(let field, _) in edits where announced != nil {
                            let current = r.revs[field] ?? r.rev
                            // A record this replica created offline and the restored store
                            // already has (a natural key): its values are a create's, made
                            // against nothing, so against rev 0, as the create would have
                            // been (equal values merge, different ones conflict).
                            let base: Int64 = if pendingCreates.contains(rec.id) { 0 }
                                else if let own = waiting[field], own <= point { own }
                                else if current <= point { current } else { point }
                            try db.execute(sql: "UPDATE pending SET base_rev = ? WHERE record = ? AND field = ? AND action = 'set' AND batch IS NULL",
                                           arguments: [base, rec.id, field])
                        }
                    } else if createdAfter(rec.id) {
                        // A note is signed with its author's staff, and only that staff may
                        // create it: the other staff's note goes back from their replica
                        // (sent from here, the server refused the whole batch, every time).
                        // Kept here and listed, in case no replica of theirs holds it any
                        // more; it leaves the list when it arrives (`applyPull`).
                        if rec.kind == .note, AccessRules.noteSignatureRefusal(me.identity, record: rec.id, fields: rec.fields) != nil {
                            let signed = rec.fields[FieldName.staff]?.text ?? "another staff"
                            let op = PlanOperation(record: rec.id, kind: .note, action: .create, fields: rec.fields, baseRev: 0,
                                                   at: TimeFormat.parse(rec.createdAt) ?? now)
                            try Self.setAside(db, op, author: rec.createdBy ?? rec.fields[FieldName.author]?.text ?? signed,
                                              title: String((rec.fields["text"]?.text ?? "note").prefix(60)),
                                              reason: Self.otherStaffNoteReason(signed))
                            continue
                        }
                        _ = try self.createRecord(db, rec.kind, id: rec.id, fields: rec.fields, at: TimeFormat.parse(rec.createdAt) ?? now)
                        created += 1
                    }
                    // Else the record was deleted (before the backup, or since the restore)
                    // after this replica last heard of it: the delete stands.
                } catch let e as WorkPlanError where [.forbidden, .notFound, .invalidInput, .alreadyExists].contains(e.code) {
                    // Not ours to write back (e.g. a reference the restored store lacks and
                    // nobody holds): the record stays as the restored store has it.
                    continue
                }
            }
            // Records deleted here and not yet acknowledged, and records this replica knew
            // and no longer holds whose last change (their delete) came after the backup.
            let goneSince = Set(held.deleted).union(Set(held.known).subtracting(holding).filter { (held.lastSeq?[$0] ?? .max) > point })
            for kind in Self.importOrder.reversed() {
                for r in try RecordTable.of(kind).fetchAll(db) where goneSince.contains(r.id) {
                    do {
                        try self.deleteRecord(db, kind, id: r.id, at: now)
                        deleted += 1
                    } catch let e as WorkPlanError where e.code == .forbidden {
                        continue
                    }
                }
            }
            try db.execute(sql: "DELETE FROM recovery")
            return (created, updated, deleted)
        }
    }
}
