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
    }

    static let recoveryKey = "recovery_plan"

    /// Whether a recovery was started and not finished.
    func recoveryPending() throws -> Bool {
        try db.read { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE key = ?", arguments: [Self.recoveryKey]) != nil }
    }

    /// Step 1, one transaction: remember what is held, forget everything that came from the
    /// old store (records, revs, history, conflicts, cursor, pending operations).
    func beginRecovery(newStoreId: String) throws {
        try db.write { db in
            if try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [Self.recoveryKey]) != nil { return }
            var held = HeldPlan(records: [], deleted: [], known: [])
            for kind in Self.importOrder {
                let table = RecordTable.of(kind)
                for r in try table.fetchAll(db, where: "1 ORDER BY id") {
                    if r.deleted {
                        held.deleted.append(r.id)
                    } else {
                        held.records.append(ExportedRecord(id: r.id, kind: kind, fields: r.fields,
                                                           createdAt: TimeFormat.iso(r.createdAt), createdBy: r.createdBy))
                    }
                }
                try db.execute(sql: "DELETE FROM \(table.name)")
            }
            held.known = try String.fetchAll(db, sql: "SELECT DISTINCT record FROM history")
            try db.execute(sql: "DELETE FROM history")
            try db.execute(sql: "DELETE FROM conflict")
            try db.execute(sql: "DELETE FROM pending")
            try Settings.store([Self.recoveryKey: JSONText.encode(held), "cursor": "0", "store_id": newStoreId], in: db)
        }
    }

    /// Step 3 (after a full pull), one transaction: queue what the restored store lacks.
    /// Returns how many records were re-created, updated and deleted.
    func finishRecovery() throws -> (created: Int, updated: Int, deleted: Int) {
        try db.write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [Self.recoveryKey]) else {
                return (0, 0, 0)
            }
            let held = try JSONText.decode(HeldPlan.self, text)
            let now = Clock.now()
            var created = 0, updated = 0, deleted = 0
            let holding = Set(held.records.map(\.id))
            for rec in held.records {
                do {
                    if let r = try RecordTable.of(rec.kind).fetch(db, id: rec.id), !r.deleted {
                        let edits = try Self.differences(rec.kind, r, rec.fields)
                        if !edits.isEmpty, try self.edit(db, rec.kind, id: rec.id, edits, resolves: nil, at: now) > 0 { updated += 1 }
                    } else {
                        _ = try self.createRecord(db, rec.kind, id: rec.id, fields: rec.fields, at: TimeFormat.parse(rec.createdAt) ?? now)
                        created += 1
                    }
                } catch let e as WorkPlanError where [.forbidden, .notFound, .invalidInput, .alreadyExists].contains(e.code) {
                    // Not ours to write back (e.g. a reference the restored store lacks and
                    // nobody holds): the record stays as the restored store has it.
                    continue
                }
            }
            // Records this replica knew and no longer holds were deleted after the backup.
            let goneSince = Set(held.deleted).union(Set(held.known).subtracting(holding))
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
            try Settings.store([Self.recoveryKey: nil], in: db)
            return (created, updated, deleted)
        }
    }
}
