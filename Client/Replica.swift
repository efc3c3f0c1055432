import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// An officer's local replica of the plan: one SQLite file (WAL) in the replica folder,
/// holding the plan as the officer sees it (server state plus their own unpushed edits),
/// the pending log, open conflicts, and the change stream pulled from the server.
public final class Replica: Sendable {
    /// The replica folder.
    public let folder: URL
    /// The database.
    public let db: DatabasePool
    /// Who edits in this replica.
    public let settings: Settings

    /// File name of the database inside the folder.
    public static let fileName = "replica.sqlite"

    /// The database file of a replica folder.
    public static func databaseURL(in folder: URL) -> URL { folder.appendingPathComponent(fileName) }

    /// Whether a replica exists in `folder`.
    public static func exists(in folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: databaseURL(in: folder).path)
    }

    /// Creates a new replica. Throws `alreadyExists` if the folder already holds one. A
    /// replica whose making stopped before its staff and user were recorded (an `init` or
    /// `join` killed midway: nothing can have been written to it since) is finished instead.
    public static func create(in folder: URL, staff: Staff, user: String, role: Role = .editor) throws -> Replica {
        let name = user.trimmingWhitespace()
        try Validation.checkUserName(name)
        let taken = WorkPlanError(.alreadyExists, "a replica already exists in \(folder.path)")
        if exists(in: folder), !isUnfinished(folder) { throw taken }
        try LocalFolder.checkHoldsNone(of: LocalFolder.serverMarks, in: folder.path, theirs: "a WorkPlan server's data", making: "a replica")
        try makeFolder(folder)
        // One making at a time: of two `init`s (or `join`s) of one new folder at once, both
        // said they made it, and the folder was the last one's (or the second failed on the
        // first's half-made schema). The folder is locked while the replica is made, and the
        // second, once it has the lock, finds the first's replica.
        let lock = try FolderLock(folder)
        defer { lock.release() }
        if exists(in: folder), !isUnfinished(folder) { throw taken }
        let db = try openDatabase(at: databaseURL(in: folder), create: true)
        try db.write { db in
            try Settings.store(["staff": staff.rawValue, "user": name, "role": role.rawValue,
                                "created_at": String(Clock.now())], in: db)
        }
        return try Replica(folder: folder, db: db)
    }

    /// What `init` checks of its folder besides `create`'s: no enrolment left without its
    /// replica (the replica file was lost or deleted: an offline
    /// replica made beside the bundle synced with an empty server address, and `status`
    /// called it offline, as the bad-input tester saw). `join` makes that replica again.
    public static func checkInitFolder(_ folder: URL) throws {
        if let advice = lostReplicaAdvice(folder) { throw WorkPlanError(.alreadyExists, advice) }
    }

    /// What to do in a folder that keeps its enrolment but lost its replica file; nil for
    /// any other folder.
    static func lostReplicaAdvice(_ folder: URL) -> String? {
        let bundle = folder.appendingPathComponent(bundleFileName).path
        guard !exists(in: folder), FileManager.default.fileExists(atPath: bundle) else { return nil }
        return "\(folder.path) holds this replica's enrolment (\(bundleFileName)) but no replica file (\(fileName) was deleted or moved); to make the replica again from the server, run 'workplan join \(bundle) --dir \(folder.path)' (edits not yet synced from the lost file are gone; if you have it, put it back instead)"
    }

    /// Whether the replica in `folder` was left unfinished: its making stopped before the
    /// settings were written (`Settings.isUnfinished`). Read only (`readingOnly`).
    public static func isUnfinished(_ folder: URL) -> Bool {
        readingOnly(folder) { try Settings.isUnfinished($0) } ?? false
    }

    /// `read` on the replica file in `folder`, opened read-only: nothing is written to it.
    /// Nil when the WAL beside it is another file's (`ReusedWAL.mismatch`: SQLite would read
    /// it in), when the file does not open, or when `read` throws.
    static func readingOnly<T>(_ folder: URL, _ read: (Database) throws -> T) -> T? {
        (try? readingOnlyOrThrowing(folder, read)) ?? nil
    }

    /// `readingOnly`, with the error that stopped the reading thrown (nil still when the WAL
    /// beside the file is another file's).
    static func readingOnlyOrThrowing<T>(_ folder: URL, _ read: (Database) throws -> T) throws -> T? {
        let path = databaseURL(in: folder).path
        guard ReusedWAL.mismatch(databasePath: path) == nil else { return nil }
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        return try queue.read(read)
    }

    /// Opens the replica in `folder`. Throws `notFound` when there is none and `corrupt`
    /// when the file is damaged.
    public static func open(in folder: URL) throws -> Replica {
        guard exists(in: folder) else {
            if let advice = lostReplicaAdvice(folder) { throw WorkPlanError.notFound(advice) }
            throw WorkPlanError.notFound("no replica in \(folder.path); run 'workplan init --staff EUMS|IMS --user NAME' or 'workplan join BUNDLE' first")
        }
        let url = databaseURL(in: folder)
        if let problem = ReusedWAL.mismatch(databasePath: url.path) {
            // SQLite would read the kept WAL into this file and cut it to the WAL's size.
            throw WorkPlanError(.corrupt, "the replica file \(url.path) does not match the write-ahead log beside it (\(problem)); if you put replica.sqlite back by hand, delete replica.sqlite-wal and replica.sqlite-shm in \(folder.path) and run the command again; if nobody did, the file is damaged: run 'workplan recover' (see docs/operations.md, \"A replica's files\")")
        }
        // Owner-only, as `init` and `join` make them: a replica from an earlier release (or
        // copied with a loose mode) was readable by every local user, its key included.
        for name in [fileName, fileName + "-wal", fileName + "-shm", bundleFileName] {
            tightenToOwnerOnly(atPath: folder.appendingPathComponent(name).path)
        }
        let db = try openDatabase(at: url, create: false)
        return try Replica(folder: folder, db: db)
    }

    /// The table `ReusedWAL.settle` writes its one row to.
    static let walRestartTable = "wal_restart"

    deinit {
        // The WAL file is kept for the next command, emptied (`ReusedWAL`).
        // Reentrant: safe even if the last reference goes inside a database access.
        db.unsafeReentrantWrite { db in ReusedWAL.settle(db, table: Self.walRestartTable) }
    }

    private init(folder: URL, db: DatabasePool) throws {
        self.folder = folder
        self.db = db
        self.settings = try db.read { try Settings.load(from: $0) }
    }

    /// Creates the replica's folder (owner only), or says plainly why it cannot: a file in
    /// the way, or no permission to write where it goes (`LocalFolder`).
    static func makeFolder(_ folder: URL) throws {
        try LocalFolder.create(folder.path, naming: "the replica folder")
        guard FileManager.default.isWritableFile(atPath: folder.path) else {
            throw WorkPlanError.forbidden("cannot make a replica in \(folder.path): the folder cannot be written (check its permissions)")
        }
    }

    /// `workplan_contains(text, part)`: whether `part` occurs in `text`, ignoring case in
    /// every script (SQLite's LIKE folds ASCII only: "évacuation" missed "Évacuation").
    static let containsIgnoringCase = DatabaseFunction("workplan_contains", argumentCount: 2, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]), let part = String.fromDatabaseValue(values[1]) else { return false }
        return text.lowercased().contains(part.lowercased())
    }

    /// Whether two texts are equal ignoring case, in every script: how tags match (`list
    /// --tag`, `edit --remove-tag`, `--add-tag`).
    public static func equalIgnoringCase(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

    /// `workplan_equal(a, b)`: `equalIgnoringCase` in SQL.
    static let equalIgnoringCaseFunction = DatabaseFunction("workplan_equal", argumentCount: 2, pure: true) { values in
        guard let a = String.fromDatabaseValue(values[0]), let b = String.fromDatabaseValue(values[1]) else { return false }
        return equalIgnoringCase(a, b)
    }

    static func openDatabase(at url: URL, create: Bool) throws -> DatabasePool {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Ids are random, so a large import or first sync inserts all over the id
            // indexes: a 32 MB page cache (SQLite's default is 2 MB) keeps them in memory.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Checkpoint every 32 MB of WAL, not 4 MB: a first sync of 50k tasks checkpointed
            // 47 times (two fdatasyncs each, a second in all). Every command still ends with
            // a checkpoint when it closes the replica, so none inherits another's frames;
            // what a lost commit costs is unchanged (a sync resumes, a batch is replayed by id).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
            // The WAL file itself stays for the next command, emptied (`ReusedWAL`, settled
            // in `deinit`).
            ReusedWAL.keep(db)
            db.add(function: Self.containsIgnoringCase)
            db.add(function: Self.equalIgnoringCaseFunction)
            if SyncTrace.sql {
                // SQLite times statements with a millisecond clock here, so a statement of a
                // few microseconds that crosses a tick reads as 1 ms: only 2 ms and more are
                // worth printing.
                db.trace(options: .profile) { event in
                    if case .profile(let statement, let duration) = event, duration >= 0.0015 {
                        FileHandle.standardError.write(Data("trace: sql \(String(format: "%.1f", duration * 1000)) ms: \(statement.sql)\n".utf8))
                    }
                }
            }
        }
        do {
            if create { createOwnerOnlyFile(atPath: url.path) }
            let pool = try DatabasePool(path: url.path, configuration: config)
            let migrator = ReplicaSchema.migrator
            let (complete, superseded) = try pool.read { (try migrator.hasCompletedMigrations($0), try migrator.hasBeenSuperseded($0)) }
            // A release never opens a replica a newer one changed (GRDB would take it as up to
            // date): it would miss what the newer format keeps (the upgrade tester: an older
            // client showed an empty plan during a recovery the newer one had begun).
            if superseded {
                throw WorkPlanError(.unavailable, "the replica \(url.path) was upgraded by a newer release of workplan, which changed its format; use that release (this one would not see all it holds)")
            }
            if !complete {
                try migrator.migrate(pool)
            }
            return pool
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw WorkPlanError(.corrupt, "the replica file \(url.path) is damaged (\(error.message ?? "not a database")); run 'workplan recover' (see docs/operations.md)")
        }
    }
}

/// Wall-clock time, for display only.
public enum Clock {
    public static func now() -> Timestamp { Timestamp(Date().timeIntervalSince1970 * 1000) }
}
