import Foundation
import GRDB
import GRDBSQLite

/// Keeps a database's write-ahead log file from one process to the next, emptied, instead of
/// deleting it at close and making it anew.
///
/// SQLite deletes the WAL when the last connection closes, after copying it into the
/// database. The next command that writes creates it again: the file system allocates its
/// blocks afresh, the first `fdatasync` also commits that allocation, and deleting it again
/// frees every page of it. On the 10% sync of a 50k-task plan that was about a fifth of the
/// pull side (`docs/operations.md`, "A replica's files").
///
/// Kept (`SQLITE_FCNTL_PERSIST_WAL`), an old WAL would still hold valid frames, which the next
/// opener would read back and treat as not yet copied. So before closing, `settle` copies the
/// WAL into the database (a passive checkpoint) and then commits one small write to
/// `table`: the first write after a complete checkpoint starts the WAL over, under new salts,
/// so every older frame becomes invalid. The close then copies that one frame in as well.
/// What stays is a file of the old size whose only valid frame, a row of `table`, is already
/// in the database: the database file alone holds every commit, as before. That frame still
/// belongs to this database file: `mismatch(databasePath:)` tells, before any connection
/// opens it, when another file was put in its place.
public enum ReusedWAL {
    /// A kept WAL larger than this (after a large import, say) is deleted at close as before.
    public static let defaultKeepLimit: Int64 = 64 << 20

    /// Asks SQLite to keep the WAL file when this connection closes last.
    public static func keep(_ db: Database) {
        setPersist(db, true)
    }

    /// Prepares the WAL for being kept, on the writer just before the database closes: copies
    /// it into the database and starts it over with one frame, an update of `table` (one row,
    /// `id INTEGER PRIMARY KEY, n INTEGER`, that nothing reads; `mismatch(databasePath:)`
    /// recognises its page). Never waits: when another connection holds the write lock or the
    /// WAL cannot be wholly copied, nothing is done and SQLite handles the close as usual. A
    /// WAL file over `keepLimit` bytes is left for SQLite to delete.
    public static func settle(_ db: Database, table: String, keepLimit: Int64 = defaultKeepLimit) {
        guard let handle = db.sqliteConnection, let file = sqlite3_db_filename(handle, "main") else { return }
        let walPath = String(cString: file) + "-wal"
        let timeout = (try? Int32.fetchOne(db, sql: "PRAGMA busy_timeout")).flatMap { $0 } ?? 0
        sqlite3_busy_timeout(handle, 0)
        defer { sqlite3_busy_timeout(handle, timeout) }
        if let size = fileSize(walPath), size > keepLimit {
            setPersist(db, false)
            return
        }
        var log: Int32 = -1, done: Int32 = -1
        guard sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK, done == log else { return }
        // One valid frame (this update's) or none: nothing to start over.
        guard log > 1 else { return }
        // When another process is reading from the WAL, SQLite cannot start it over: this
        // frame is appended instead, and the WAL stays as SQLite would leave it (no harm;
        // the next command reads its frames back).
        _ = sqlite3_exec(handle, "UPDATE \(table) SET n = n + 1", nil, nil, nil)
    }

    private static func setPersist(_ db: Database, _ on: Bool) {
        var flag: Int32 = on ? 1 : 0
        _ = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_PERSIST_WAL, &flag)
    }
}
