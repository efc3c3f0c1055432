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
/// (one WAL hook does both jobs in SQLite, so installing it removes the other; a later
/// `PRAGMA wal_autocheckpoint` on that connection would remove it in turn, silently). Once
/// the WAL holds `threshold` frames after a commit, it runs passive checkpoints on a
/// connection of its own, one at a time: again while they make progress and frames remain
/// (so the WAL is wholly copied in the first pause between commits, and the next write
/// starts it over), and once more if commits came in meanwhile. A passive checkpoint never
/// waits for readers or the writer. Past `limit` frames the committing connection
/// checkpoints itself, as SQLite would have: under back-to-back commits that is what starts
/// the WAL over, and most of its frames are copied already. The limit is soft: that
/// checkpoint gives way when a background one holds the lock, and a long read keeps the
/// frames it may need. Durability is unchanged: a checkpoint only copies committed frames,
/// and the WAL keeps them until the database file holds them.
package final class WALCheckpointer: Sendable {
    /// The database file.
    package let path: String
    /// WAL frames (pages) after which background checkpoints start.
    package let threshold: Int32
    /// WAL frames after which the committing connection checkpoints itself.
    package let limit: Int32
    /// Runs before each background pass (tests hold a pass with it).
    private let beforePass: (@Sendable () -> Void)?

    private struct State {
        var running = false
        var again = false
        var closed = false
        var installed: Unmanaged<WALCheckpointer>?
        var passes = 0
    }
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "WALCheckpointer", qos: .utility)

    package init(path: String, threshold: Int32, limit: Int32, beforePass: (@Sendable () -> Void)? = nil) {
        self.path = path
        self.threshold = threshold
        self.limit = max(limit, threshold)
        self.beforePass = beforePass
    }

    /// Installs the checkpointer on `db`, the writer connection (the one that commits). The
    /// connection holds it until `close(closingWriter:)`.
    package func install(on db: Database) {
        let me = state.withLock { s -> Unmanaged<WALCheckpointer>? in
            guard !s.closed else { return nil }
            if let installed = s.installed { return installed }
            let retained = Unmanaged.passRetained(self)
            s.installed = retained
            return retained
        }
        guard let me else { return }
        _ = sqlite3_wal_hook(db.sqliteConnection, walHook, me.toOpaque())
    }

    /// Stops starting checkpoints, waits for a running one, runs `closingWriter` (which
    /// closes the connection the checkpointer is installed on), then lets go of it. If
    /// `closingWriter` throws, the connection may still call the hook, so the checkpointer
    /// stays alive (and does nothing more).
    package func close(closingWriter: () throws -> Void) rethrows {
        state.withLock { $0.closed = true }
        queue.sync {}
        try closingWriter()
        let installed = state.withLock { s -> Unmanaged<WALCheckpointer>? in
            defer { s.installed = nil }
            return s.installed
        }
        installed?.release()
    }

    /// Whether `close` ran.
    package var isClosed: Bool { state.withLock { $0.closed } }

    /// Whether a connection holds the checkpointer.
    package var isInstalled: Bool { state.withLock { $0.installed != nil } }

    /// How many background passes have run.
    package var passes: Int { state.withLock { $0.passes } }

    /// Waits until no background pass is running or queued (for tests).
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
            beforePass?()
            checkpoint()
            let more = state.withLock { s -> Bool in
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

    /// Passive checkpoints on a connection of its own, until the WAL is wholly copied or a
    /// pass copies nothing more. A failure (the file moved away, another checkpoint
    /// running) is left to the next request, or to the writer past `limit`.
    private func checkpoint() {
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
              // A connection finds the WAL on its first read; until then it has none to checkpoint.
              sqlite3_exec(handle, "PRAGMA schema_version", nil, nil, nil) == SQLITE_OK else { return }
        var copied: Int32 = -1
        while true {
            var log: Int32 = -1, done: Int32 = -1
            let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &done)
            state.withLock { $0.passes += 1 }
            guard rc == SQLITE_OK, done < log, done > copied, !state.withLock({ $0.closed }) else { return }
            copied = done
        }
    }
}

/// SQLite's WAL hook: called on the committing connection after each commit, with the
/// write lock released.
private let walHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = { context, db, name, frames in
    guard let context else { return SQLITE_OK }
    Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(db, name, frames: frames)
    return SQLITE_OK
}
