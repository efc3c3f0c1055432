import Foundation
import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// Recovery of a damaged replica file (docs/operations.md "A damaged replica"): the file is
/// moved aside, whatever unpushed edits can still be read from it are kept, and a fresh
/// replica takes them over; the next sync pushes them and pulls the plan again.
extension Replica {
    /// What `salvage` did.
    public struct SalvageReport: Sendable {
        /// Where the damaged file now is.
        public var damagedCopy: String
        /// Unpushed operations read back from it.
        public var savedEdits: Int
        /// Whether the pending log could not be read at all.
        public var pendingUnreadable: Bool
        /// Whether the replica is enrolled (so the plan comes back on the next sync).
        public var enrolled: Bool
    }

    /// Where `salvage` moves a damaged file: `replica.sqlite.damaged-<time>`, with `-2`,
    /// `-3`, ... added when a file moved aside in the same second (or any of its companion
    /// files) already has the name, so that no earlier copy is overwritten and no move fails.
    static func freeAsideName(in folder: URL, at time: Timestamp) -> URL {
        let stamp = TimeFormat.iso(time).replacingOccurrences(of: ":", with: "")
        let base = folder.appendingPathComponent("\(fileName).damaged-\(stamp)").path
        var n = 1
        while true {
            let name = n == 1 ? base : "\(base)-\(n)"
            let taken = ["", "-wal", "-shm", "-wal-of-another-file", "-shm-of-another-file"].contains {
                FileManager.default.fileExists(atPath: name + $0)
            }
            if !taken { return URL(fileURLWithPath: name) }
            n += 1
        }
    }

    /// Moves a damaged replica file aside and builds a fresh replica in the same folder,
    /// keeping the unpushed edits it can read. Staff and user come from the damaged file,
    /// else from the folder's enrolment bundle, else from `staff`/`user`. A file that opens
    /// and passes SQLite's integrity check is left alone unless `force` is set: rebuilding
    /// it would empty the plan here until the next sync, for nothing.
    public static func salvage(folder: URL, staff: Staff? = nil, user: String? = nil, force: Bool = false) throws -> SalvageReport {
        let db = databaseURL(in: folder)
        guard FileManager.default.fileExists(atPath: db.path) else {
            throw WorkPlanError.notFound("no replica file in \(folder.path) to recover")
        }
        switch force ? .damaged : integrity(folder: folder) {
        case .intact:
            throw WorkPlanError(.invalidInput, "the replica in \(folder.path) is not damaged (it opens and passes SQLite's integrity check): nothing to recover; 'workplan recover --force' rebuilds it anyway")
        case .unreadable(let words):
            // A full disk is not a damaged file: moved aside, the officer's plan and edits left
            // the view, and the fresh replica could not be made either (the filesystem tester).
            throw WorkPlanError(.invalidInput, "the replica in \(folder.path) cannot be read now: \(words); that does not make it damaged: free some space and run the command again; nothing was changed")
        case .damaged:
            break
        }
        // Room for the fresh replica, checked before anything moves.
        if let free = StorageTrouble.freeBytes(near: folder.path), free < StorageTrouble.nearlyFull {
            throw WorkPlanError(.invalidInput, "the disk that holds \(folder.path) is full (\(StorageTrouble.size(free)) free): recover needs room for a new replica beside the damaged one; free some space and run it again; nothing was changed")
        }
        let aside = freeAsideName(in: folder, at: Clock.now())
        // A write-ahead log that belongs to another file (this one was put back by hand) is
        // moved further aside, under a name SQLite does not read, so that reading the file
        // does not mix the two (`ReusedWAL.mismatch`).
        let foreignLog = ReusedWAL.mismatch(databasePath: db.path) != nil
        var moved: [(from: URL, to: URL)] = []
        for suffix in ["", "-wal", "-shm"] {
            let from = URL(fileURLWithPath: db.path + suffix)
            if FileManager.default.fileExists(atPath: from.path) {
                let to = URL(fileURLWithPath: aside.path + suffix + (foreignLog && suffix != "" ? "-of-another-file" : ""))
                try FileManager.default.moveItem(at: from, to: to)
                moved.append((from, to))
            }
        }
        // Undoes the move. The side files SQLite made reading the copy aside go too (the
        // bad-input tester found a pair added by each refused attempt).
        func putBack() {
            for m in moved.reversed() { try? FileManager.default.moveItem(at: m.to, to: m.from) }
            for suffix in ["-wal", "-shm"] where !moved.contains(where: { $0.to.path == aside.path + suffix }) {
                try? FileManager.default.removeItem(atPath: aside.path + suffix)
            }
        }
        // Read what can be read: settings and the pending log, row by row.
        var settings: [String: String] = [:]
        var pending: [Row] = [], setAside: [Row] = []
        var recoveryPlan: String??
        var pendingUnreadable = false
        do {
            var config = Configuration()
            config.readonly = true
            let old = try DatabaseQueue(path: aside.path, configuration: config)
            defer { try? old.close() }
            try? old.read { db in
                for row in try Row.fetchAll(db, sql: "SELECT key, value FROM setting") { settings[row["key"]] = row["value"] }
            }
            do {
                pending = try old.read { try Row.fetchAll($0, sql: "SELECT * FROM pending ORDER BY seq") }
                // Edits set aside are kept too (best effort: older replicas have no table).
                setAside = (try? old.read { try Row.fetchAll($0, sql: "SELECT * FROM set_aside ORDER BY seq") }) ?? []
                // And an unfinished recovery's plan: it holds the officer's work while the
                // pending log is empty (the review; best effort: older replicas have no table).
                recoveryPlan = try? old.read { try String.fetchOne($0, sql: "SELECT plan FROM recovery") }
            } catch {
                pendingUnreadable = true
            }
        } catch {
            pendingUnreadable = true
        }
        let bundle = try? readBundle(at: folder.appendingPathComponent(bundleFileName).path)
        guard let staff = settings["staff"].flatMap(Staff.init(rawValue:)) ?? bundle?.staff ?? staff,
              let user = settings["user"] ?? bundle?.user ?? user else {
            // Put back as it was: the command run again with --staff and --user finds it.
            putBack()
            throw WorkPlanError(.corrupt, "the damaged replica does not say whose it was, and the folder has no enrolment bundle; nothing was changed: give --staff and --user")
        }
        do {
            try makeFresh(in: folder, staff: staff, user: user, role: settings["role"].flatMap(Role.init(rawValue:)) ?? bundle?.role ?? .editor,
                          settings: settings, bundle: bundle, pending: pending, setAside: setAside, recoveryPlan: recoveryPlan ?? nil)
        } catch {
            // Nothing half-done: the fresh replica goes and the damaged file comes back, so
            // the command can be run again once the cause (a full disk) is gone.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db.path + suffix) }
            putBack()
            throw error
        }
        return SalvageReport(damagedCopy: aside.path, savedEdits: pending.count, pendingUnreadable: pendingUnreadable, enrolled: bundle != nil)
    }

    /// The fresh replica of `salvage`, with what was read from the damaged one.
    private static func makeFresh(in folder: URL, staff: Staff, user: String, role: Role, settings: [String: String], bundle: EnrolmentBundle?,
                                  pending: [Row], setAside: [Row], recoveryPlan: String?) throws {
        let fresh = try create(in: folder, staff: staff, user: user, role: role)
        try fresh.db.write { db in
            // Spelled out: assigned into a `[String: String?]`, `settings[key] ?? fallback`
            // wraps the left side once more, and the fallback is never taken.
            let serverURL: String? = settings["server_url"] ?? bundle?.serverURL
            try Settings.store(["server_url": serverURL, "store_id": settings["store_id"]], in: db)
            try copy(setAside, into: "set_aside", columns: "title, reason, set_at, " + PendingLog.operationColumns, in: db)
            try copy(pending, into: "pending", columns: PendingLog.operationColumns + ", batch", in: db)
            // A replica of the release before keeps the plan among its settings (the
            // migration that moves it runs only when the file opens: the second review).
            if let plan = recoveryPlan ?? settings["recovery_plan"] {
                // The cursor stays 0: the next sync pulls the store again and finishes the
                // recovery with this plan.
                try db.execute(sql: "INSERT INTO recovery (id, plan) VALUES (1, ?)", arguments: [plan])
            }
        }
    }

    /// Inserts `rows` (read from the damaged file) into `table`, the `columns` named (a
    /// comma-separated list) taken from each row by name; others (`seq`) are numbered anew.
    private static func copy(_ rows: [Row], into table: String, columns: String, in db: Database) throws {
        let names = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let statement = try db.makeStatement(sql: "INSERT INTO \(table) (\(columns)) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))")
        for row in rows {
            try statement.execute(arguments: StatementArguments(names.map { row[$0] as DatabaseValue }))
        }
    }

    /// What `integrity` found of a replica file.
    enum Integrity: Equatable {
        /// It opens, reads its settings and passes `PRAGMA quick_check`.
        case intact
        /// It could not be read for a reason of the machine's (a full disk, an I/O error),
        /// said in words: that tells nothing of the file.
        case unreadable(String)
        /// Anything else.
        case damaged
    }

    /// Whether the replica in `folder` opens, reads its settings and passes `PRAGMA
    /// quick_check`. Read only: nothing is written.
    static func integrity(folder: URL) -> Integrity {
        let path = databaseURL(in: folder).path
        do {
            let ok = try readingOnlyOrThrowing(folder) { db -> Bool in
                _ = try Settings.load(from: db)
                return try String.fetchAll(db, sql: "PRAGMA quick_check") == ["ok"]
            }
            return ok == true ? .intact : .damaged
        } catch let e as DatabaseError {
            return StorageTrouble.words(e, path: path).map(Integrity.unreadable) ?? .damaged
        } catch {
            return .damaged
        }
    }
}
