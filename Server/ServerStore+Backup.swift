import Foundation
import GRDB
import WorkPlanProtocol

extension ServerStore {
    /// Writes a consistent copy of the store to `path` (safe while serving: SQLite's online
    /// backup reads one snapshot). Refuses to overwrite an existing file.
    public func backup(to path: String) throws {
        if FileManager.default.fileExists(atPath: path) {
            throw WorkPlanError(.alreadyExists, "\(path) already exists; choose a new file for the backup")
        }
        do {
            let target = try DatabaseQueue(path: path)
            try pool.backup(to: target)
            try target.close()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw WorkPlanError.invalid("cannot write the backup to \(path): \(error)")
        }
    }

    /// A text digest of everything the sync rules touch (records, changes, conflicts,
    /// batches): equal digests mean nothing changed. For tests and `check`.
    public func contentDigest() throws -> String {
        try pool.read { db in
            var out = ""
            for table in ["records", "changes", "conflicts", "batches"] {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1")
                out += "\(table) \(rows.count)\n"
                for row in rows { out += row.description + "\n" }
            }
            return out
        }
    }
}
