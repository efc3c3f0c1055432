import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Runs a WAL database's checkpoints on a background thread instead of inside a commit.
///
/// SQLite's automatic checkpoint runs in the commit that takes the WAL past its limit: that
/// one commit copies the whole WAL into the database file and waits for two fsyncs. On the
/// server that made one push of a 50k-task first sync take 311 ms instead of 65 ms.
///
/// Installed on the writer connection, this checkpointer replaces the automatic checkpoint
/// (a WAL hook does both jobs in SQLite, so installing one removes the other). Once the WAL
/// holds `threshold` frames after a commit, it starts a passive checkpoint on a connection
/// of its own, one at a time, and once more if commits came in while it ran. A passive
/// checkpoint never waits for readers or the writer. Past `limit` frames, when background
/// checkpoints fall behind (a long read keeps old frames in use), the committing connection
/// checkpoints itself, as SQLite would have. Durability is unchanged: a checkpoint only
/// copies committed frames, and the WAL keeps them until the database file holds them.
package final class WALCheckpointer: Sendable {
    /// The database file.
    package let path: String
    /// WAL frames (pages) after which a background checkpoint starts.
    package let threshold: Int32
    /// WAL frames after which the committing connection checkpoints itself.
    package let limit: Int32

    private struct State {
        var running = false
        var again = false
        var closed = false
        var installed: Unmanaged<WALCheckpointer>?
        var completed = 0
    }
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "WALCheckpointer", qos: .utility)

    package init(path: String, threshold: Int32, limit: Int32) {
        self.path = path
        self.threshold = threshold
        self.limit = max(limit, threshold)
    }

    /// Installs the checkpointer on `db`, the writer connection (the one that commits).
    /// The connection keeps it until `close()`.
    package func install(on db: Database) {
        let me = state.withLock { s -> Unmanaged<WALCheckpointer> in
            if let installed = s.installed { return installed }
            let retained = Unmanaged.passRetained(self)
            s.installed = retained
            return retained
        }
        _ = sqlite3_wal_hook(db.sqliteConnection, walHook, me.toOpaque())
    }

    /// Stops starting checkpoints and waits for a running one. Call it after the writer
    /// connection is closed (the hook holds the checkpointer until then).
    package func close() {
        let installed = state.withLock { s -> Unmanaged<WALCheckpointer>? in
            s.closed = true
            defer { s.installed = nil }
            return s.installed
        }
        queue.sync {}
        installed?.release()
    }

    /// How many background checkpoints have run (for tests).
    package var completed: Int { state.withLock { $0.completed } }

    /// Waits until no background checkpoint is running or queued (for tests).
    package func waitUntilIdle() {
        queue.sync {}
    }

    /// After a commit that left `frames` frames in the WAL.
    fileprivate func committed(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, frames: Int32) {
        if frames >= limit {
            _ = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if frames >= threshold {
            request()
        }
    }

    private func request() {
        let start = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            if s.running {
                s.again = true
                return false
            }
            s.running = true
            return true
        }
        if start { queue.async { self.run() } }
    }

    private func run() {
        while true {
            checkpoint()
            let more = state.withLock { s -> Bool in
                s.completed += 1
                if s.again, !s.closed {
                    s.again = false
                    return true
                }
                s.running = false
                return false
            }
            if !more { return }
        }
    }

    /// One passive checkpoint on a connection of its own. A failure (the file moved away,
    /// another checkpoint running) is left to the next one, or to the writer past `limit`.
    private func checkpoint() {
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
              // A connection finds the WAL on its first read; until then it has none to checkpoint.
              sqlite3_exec(handle, "PRAGMA schema_version", nil, nil, nil) == SQLITE_OK else { return }
        _ = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }
}

/// SQLite's WAL hook: called on the committing connection after each commit, with the
/// write lock released.
private let walHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = { context, db, name, frames in
    guard let context else { return SQLITE_OK }
    Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(db, name, frames: frames)
    return SQLITE_OK
}
