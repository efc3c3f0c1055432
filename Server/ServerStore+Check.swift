import GRDB
import WorkPlanProtocol

extension ServerStore {
    /// Checks the store's integrity and the sync invariants; returns the faults found
    /// (empty when all is well).
    ///
    /// - SQLite's own integrity check;
    /// - the sequence is gap-free (seq runs 1...max);
    /// - every change and conflict names an existing record;
    /// - no record's rev (or a field's rev) is newer than the newest change.
    public func check() throws -> [String] {
        try pool.read { db in
            var faults: [String] = []
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if integrity != ["ok"] { faults += integrity.map { "sqlite: \($0)" } }
            let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM changes") ?? 0
            let maxSeq = try Self.maxSeq(db)
            if count != maxSeq { faults.append("the change sequence has gaps: \(count) changes up to seq \(maxSeq)") }
            let orphans = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes WHERE record NOT IN (SELECT id FROM records)") ?? 0
            if orphans > 0 { faults.append("\(orphans) changes name records that do not exist") }
            let conflictOrphans = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conflicts WHERE record NOT IN (SELECT id FROM records)") ?? 0
            if conflictOrphans > 0 { faults.append("\(conflictOrphans) conflicts name records that do not exist") }
            let ahead = try String.fetchAll(db, sql: "SELECT id FROM records WHERE rev > ? LIMIT 10", arguments: [maxSeq])
            if !ahead.isEmpty { faults.append("records with a rev beyond the newest change: \(ahead.joined(separator: ", "))") }
            let batchesAhead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches WHERE seq > ?", arguments: [maxSeq]) ?? 0
            if batchesAhead > 0 { faults.append("\(batchesAhead) stored batches end beyond the newest change") }
            return faults
        }
    }
}
