import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// The server's store: one SQLite database in WAL mode behind a GRDB `DatabasePool`.
///
/// Tables: `meta` (store id), `users`, `records` (current state), `changes` (the global,
/// gap-free change stream and the history of DESIGN.md rule 5), `batches` (push replies
/// by batch id), `conflicts`. Writes are serialised by the pool's single writer, so
/// concurrent pushes are decided one after the other.
public final class ServerStore: Sendable {
    /// The database.
    public let pool: DatabasePool
    /// The store's identity (created at init; a restore changes it).
    public let storeId: String
    /// The newest seq of the backup this store was restored from (nil: never restored);
    /// announced in `HelloResponse.restorePoint`.
    public let restorePoint: Int64?
    /// Where the database lives.
    public let path: String
    /// Runs the writer's WAL checkpoints off the push that would otherwise wait for them.
    package let checkpointer: WALCheckpointer

    /// Opens the store at `path`. With `create: false` a missing file is an error.
    /// `beforeUpgrading` runs when the store's schema is older than this release's, before
    /// it is migrated: it throws to leave the store as it is, or returns what to hold until
    /// the migration is done (`ServerHome.openStore`: the folder's lock).
    public init(path: String, create: Bool = false, beforeUpgrading: (() throws -> AnyObject?)? = nil) throws {
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw WorkPlanError(.notFound, "no server store at \(path) (run `workplan-server init` first)")
        }
        // An emptied file (a full disk, a bad copy) would open as a new, empty store: users,
        // plan and store id gone, and `serve` serving that. Refused, and left as it is.
        if !create, (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 {
            throw WorkPlanError(.corrupt, "the server store \(path) is an empty file; restore it from a backup (`workplan-server restore --from FILE`)")
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A 64 MB page cache and memory-mapped reads (a first push of a large plan
            // touches many pages). The writer's checkpoints run in the background (see
            // `checkpointer`); this limit is for any other connection that commits.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
        }
        let pool: DatabasePool
        do {
            if create { createOwnerOnlyFile(atPath: path) }
            pool = try DatabasePool(path: path, configuration: config)
        } catch let e as DatabaseError where e.resultCode == .SQLITE_NOTADB {
            throw WorkPlanError(.corrupt, "the server store \(path) is not a database (damaged, or another file copied over it); restore it from a backup (`workplan-server restore --from FILE`)")
        } catch {
            throw WorkPlanError(.corrupt, "cannot open the server store at \(path): \(error)")
        }
        if !create {
            // Only a store `init` made (it has a store id) is migrated and opened.
            let initialised: Bool
            do {
                initialised = try pool.read { db in
                    try db.tableExists("meta") && String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'store_id'") != nil
                }
            } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT {
                throw Self.damaged(path, e)
            } catch {
                throw WorkPlanError(.corrupt, "cannot read the server store at \(path): \(error)")
            }
            guard initialised else {
                throw WorkPlanError(.corrupt, "\(path) is not a WorkPlan server store (it has no store id); restore one from a backup (`workplan-server restore --from FILE`)")
            }
        }
        do {
            let (complete, superseded) = try pool.read { (try Self.migrator.hasCompletedMigrations($0), try Self.migrator.hasBeenSuperseded($0)) }
            // A release never serves a store a newer one changed (GRDB would take it as up to
            // date): its writes would lack what the newer schema keeps, such as each change's
            // releasability, and the newer release would then send one staff what was written
            // while a record was hidden from it (the upgrade tester).
            if superseded {
                throw WorkPlanError(.unavailable, "the server store \(path) was upgraded by a newer release of workplan-server, which changed its schema; run that release (this one would write changes that release cannot keep from the other staff)")
            }
            if !complete {
                let held = try beforeUpgrading?()
                defer { withExtendedLifetime(held) {} }
                let before = try pool.read { try Self.migrator.appliedMigrations($0) }
                do {
                    try Self.migrator.migrate(pool)
                } catch let e as DatabaseError where e.resultCode != .SQLITE_CORRUPT {
                    // Each migration is its own transaction: the failed one left nothing, but
                    // those before it stay applied (the review), and then the previous
                    // release may no longer serve the store.
                    let after = (try? pool.read { try Self.migrator.appliedMigrations($0) }) ?? before
                    let why = e.message ?? "\(e)"
                    if after == before {
                        throw WorkPlanError(.corrupt, "upgrading the server store \(path) to this release's schema failed, and the store is left as it was: \(why); run the previous release, or restore a backup (`workplan-server restore --from FILE`) and start this release again")
                    }
                    throw WorkPlanError(.corrupt, "upgrading the server store \(path) to this release's schema stopped after its step '\(after.last ?? "")': the next step failed: \(why); the steps before it are applied, so restore the backup taken before the upgrade (`workplan-server restore --from FILE`) and start this release again")
                }
            }
            self.storeId = try pool.write { db in try Self.ensureStoreId(db) }
            self.restorePoint = try pool.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'restore_point'").flatMap { Int64($0) }
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT {
            throw Self.damaged(path, e)
        }
        // Checkpoints start in the background from 64 MB of WAL; a push checkpoints
        // itself from 128 MB (pushes back to back, or a long read).
        let checkpointer = WALCheckpointer(path: path, threshold: 16384, limit: 32768)
        pool.writeWithoutTransaction { db in checkpointer.install(on: db) }
        self.checkpointer = checkpointer
        self.pool = pool
        self.path = path
    }

    /// Closes the database (pending reads and writes finish first), with the WAL copied into
    /// the store file: GRDB closes the writer before its read-only readers, and a read-only
    /// last connection cannot checkpoint, so without this a stopped server left its WAL
    /// behind for the next start to read back. Best effort: a read still running keeps the
    /// frames it may need, and then the WAL stays as before.
    public func close() throws {
        // Once only: a second close reached SQLite through the closed pool and crashed the
        // process (found by a test that closed a store twice).
        guard !checkpointer.isClosed else { return }
        try checkpointer.close {
            _ = try? pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            try pool.close()
        }
    }

    /// The newest `seq` in the store (0 when empty).
    public func maxSeq() async throws -> Int64 {
        try await pool.read { db in try Self.maxSeq(db) }
    }

    static func maxSeq(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) FROM changes")) ?? 0
    }

    static func ensureStoreId(_ db: Database) throws -> String {
        if let id = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'store_id'") { return id }
        let id = RecordID.random()
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('store_id', ?)", arguments: [id])
        return id
    }

    /// The current time in milliseconds (for created_at and revoked_at; never for ordering).
    static func now() -> Timestamp {
        Timestamp((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

extension ServerStore {
    /// A store SQLite reads as damaged (a bad page: a failing disk, a copy cut short): said
    /// so, with what to do, rather than SQLite's words and the statement that met it (the
    /// bad-input tester).
    static func damaged(_ path: String, _ error: DatabaseError) -> WorkPlanError {
        WorkPlanError(.corrupt, "the server store \(path) is damaged (SQLite: \(error.message ?? "database disk image is malformed")); restore it from a backup (`workplan-server restore --from FILE`)")
    }
}
