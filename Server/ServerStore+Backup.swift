import Foundation
import GRDB
import WorkPlanSQLite
import WorkPlanProtocol
import SwiftASN1
import X509

extension ServerStore {
    /// Writes a consistent copy of the store to `path` (safe while serving: SQLite's online
    /// backup reads one snapshot). Refuses to overwrite an existing file.
    public func backup(to path: String) throws {
        if FileManager.default.fileExists(atPath: path) {
            throw WorkPlanError(.alreadyExists, "\(path) already exists; choose a new file for the backup")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        if !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
            throw WorkPlanError.invalid("cannot write the backup to \(path): the folder \(folder) does not exist")
        }
        // Written under a name of its own and given the final name only once complete: a
        // backup killed midway left a partial file under the final name, which a restore
        // refused with "attempt to write a readonly database" and a new backup would not
        // overwrite (the operations tester).
        let partial = path + ".partial-\(getpid())"
        do {
            // Readable by its owner only, like the bundles and keys: a backup holds the whole
            // plan, both staffs' one-staff records included, and is the file copied elsewhere.
            guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw WorkPlanError(.unavailable, "cannot create \(partial)")
            }
            let target = try DatabaseQueue(path: partial)
            try pool.backup(to: target)
            try target.close()
            ServerFaults.point("backup-before-rename")
            try Self.giveName(path, to: partial)
        } catch {
            try? ServerHome.removeDatabaseFiles(at: partial)
            try? FileManager.default.removeItem(atPath: partial + "-journal")
            if let e = error as? WorkPlanError { throw e }
            throw WorkPlanError.invalid("cannot write the backup to \(path): \(error)")
        }
    }

    /// Gives the complete backup at `partial` its name `path`, never replacing a file there:
    /// link(2), then the partial name removed. Where the file system has no hard links (a
    /// FAT or exFAT stick, some network shares: the review), a rename once `path` is found
    /// free.
    static func giveName(_ path: String, to partial: String) throws {
        if link(partial, path) == 0 {
            try? FileManager.default.removeItem(atPath: partial)
            return
        }
        let code = errno
        if code == EEXIST {
            throw WorkPlanError(.alreadyExists, "\(path) already exists: it appeared while the backup was written")
        }
        guard [EPERM, ENOTSUP, EOPNOTSUPP, EXDEV, EMLINK, ENOSYS].contains(code) else {
            throw WorkPlanError(.unavailable, "cannot name the backup \(path): \(String(cString: strerror(code)))")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw WorkPlanError(.alreadyExists, "\(path) already exists: it appeared while the backup was written")
        }
        guard rename(partial, path) == 0 else {
            throw WorkPlanError(.unavailable, "cannot name the backup \(path): \(String(cString: strerror(errno)))")
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

extension ServerHome {
    /// Removes a database file (unless `keepingFile`) and its WAL and shared-memory files,
    /// where present.
    static func removeDatabaseFiles(at path: String, keepingFile: Bool = false) throws {
        for p in (keepingFile ? [] : [path]) + [path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: p) {
            try FileManager.default.removeItem(atPath: p)
        }
    }

    /// What a restore did.
    public struct Restored: Sendable {
        /// The restored store's new id.
        public var storeId: String
        /// Where the store it replaced was kept, when that one was no database at all.
        public var damagedStoreKeptAt: String?
        /// Users revoked because another CA issued their certificates (`keysLost`).
        public var revokedForOtherCA: [String] = []
    }

    /// Replaces the store with a backup (run while the server is stopped). The restored
    /// store gets a new store id, so replicas notice the history may have moved back.
    ///
    /// The folder needs the server's keys, not a store: after a lost disk, the keys put back
    /// from their copy and a backup rebuild the server (the second tester found `restore`
    /// and `init` each sending the administrator to the other). A store file that is not a
    /// database at all is kept beside, renamed, and replaced.
    @discardableResult
    ///
    /// A backup of another server (its users' certificates from another CA) is refused,
    /// unless `keysLost`: the backed-up server's keys are gone, and this folder is a new
    /// server taking over its plan. Its users are then restored revoked, to be enrolled again.
    public func restore(from path: String, keysLost: Bool = false) throws -> Restored {
        for key in allPaths where key != storePath && !FileManager.default.fileExists(atPath: key) {
            throw WorkPlanError(.notFound, "\(directory) holds no server keys (missing \((key as NSString).lastPathComponent)): put back the folder's .pem files from their copy, or run `workplan-server init --dir \(directory)` for a new server")
        }
        if isStoreFile(path) {
            throw WorkPlanError.invalid("\(path) is the store itself; restore from a backup file")
        }
        let lock = try lock(for: "restore (docs/operations.md, \"Restore\")")
        defer { withExtendedLifetime(lock) {} }
        let source = try Self.openBackup(at: path)
        defer { try? source.close() }
        let advice = "nothing was changed: restore a backup of this server, or restore this one into a folder holding its own server's .pem files (if that server's keys are lost, add --keys-lost: its users are restored revoked, to be enrolled again)"
        // The store's own mark says whose it is; a backup made before stores were marked
        // goes by its users' certificates (`ServerHome+StoreCA.swift`).
        let otherServers = try backupIsOtherServers(source)
        if otherServers == true, !keysLost {
            throw WorkPlanError.invalid("\(path) is a backup of another server: it was made by a server with another CA than this one (\(caCertificatePath)); \(advice)")
        }
        // A backup marked as this server's has no users of another CA left to revoke: those
        // a `--keys-lost` restore took over are revoked already (the review: its own backup,
        // restored, listed them as revoked again).
        let foreign = otherServers == false ? (users: [], of: 0) : try usersIssuedElsewhere(in: source)
        if otherServers == nil, !foreign.users.isEmpty, !keysLost {
            throw WorkPlanError.invalid("\(path) is a backup of another server: this server's CA (\(caCertificatePath)) did not issue the certificates of \(foreign.users.count) of its \(foreign.of) users (\(foreign.users[0]) first); \(advice)")
        }
        var keptAt: String?
        do {
            // The copy gets its new identity before it takes the store's place, in one rename:
            // a crash at any point leaves either the old store or the whole restored one,
            // never the backup's contents under the backup's old store id (replicas would
            // not notice the restore).
            let staging = storePath + ".restoring"
            try Self.removeDatabaseFiles(at: staging)
            createOwnerOnlyFile(atPath: staging)
            let target = try DatabaseQueue(path: staging)
            let id: String
            do {
                try source.backup(to: target)
                id = try target.write { db in
                    let id = RecordID.random()
                    try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'store_id'", arguments: [id])
                    try markStoreCA(db)
                    // Where the restored history ends: replicas recovering from this restore
                    // push back only what they hold from after it (`HelloResponse.restorePoint`).
                    // A backup of a store that was itself restored keeps that earlier point
                    // when it is lower: past it, the backed-up store numbered other changes than
                    // the store before it, whose replicas may still hold theirs to send back
                    // (the third review: a second restore lost a recovering replica's edits).
                    let end = try ServerStore.maxSeq(db)
                    let earlier = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'restore_point'").flatMap { Int64($0) }
                    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('restore_point', ?)",
                                   arguments: [String(min(earlier ?? end, end))])
                    for name in foreign.users {
                        try db.execute(sql: "UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                                       arguments: [ServerStore.now(), name])
                    }
                    return id
                }
                try target.close()
            } catch {
                try? target.close()
                try? Self.removeDatabaseFiles(at: staging)
                throw error
            }
            if FileManager.default.fileExists(atPath: storePath) {
                do {
                    // The old store's WAL (a server that was killed leaves one) goes into its
                    // file first: left beside the new file, SQLite would read it as the new file's.
                    let old = try DatabaseQueue(path: storePath)
                    defer { try? old.close() }
                    _ = try old.writeWithoutTransaction { try $0.checkpoint(.truncate) }
                } catch let e as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(e.resultCode) {
                    keptAt = try keepDamagedStore()
                }
                try Self.removeDatabaseFiles(at: storePath, keepingFile: true)
            } else if ["-wal", "-shm"].contains(where: { FileManager.default.fileExists(atPath: storePath + $0) }) {
                // A log left without its store would be read into the restored file, old
                // store id and all (the review): kept aside with it.
                keptAt = try keepDamagedStore()
            }
            guard rename(staging, storePath) == 0 else {
                throw WorkPlanError(.unavailable, "cannot put the restored store in place: \(String(cString: strerror(errno)))")
            }
            return Restored(storeId: id, damagedStoreKeptAt: keptAt, revokedForOtherCA: foreign.users)
        } catch let e as WorkPlanError {
            throw e
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT {
            throw Self.damagedBackup(path)
        } catch {
            throw WorkPlanError(.corrupt, "cannot restore from \(path): \(error)")
        }
    }

    /// Whether `path` is the store file itself, under any name (`./`, a symlink, a hard
    /// link): "restoring" it would only change the store id, and replicas would go through
    /// a recovery for nothing (the black-box tester).
    func isStoreFile(_ path: String) -> Bool {
        /// The file's device and inode, symlinks followed.
        func identity(_ path: String) -> [UInt64]? {
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
                  let device = (attributes[.systemNumber] as? NSNumber)?.uint64Value,
                  let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value else { return nil }
            return [device, inode]
        }
        guard let given = identity(path) else { return false }
        return given == identity(storePath)
    }

    /// The error for a backup SQLite finds damaged (a truncated or partly overwritten copy).
    /// Moves a store file that is no database (and its WAL and shared-memory files) aside,
    /// to `store.sqlite.damaged-<time>`: kept, never deleted. Returns where it went.
    private func keepDamagedStore() throws -> String {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let aside = storePath + ".damaged-" + stamp
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: storePath + suffix) {
            guard rename(storePath + suffix, aside + suffix) == 0 else {
                throw WorkPlanError(.unavailable, "cannot move the damaged store \(storePath + suffix) aside: \(String(cString: strerror(errno)))")
            }
        }
        return aside
    }

    static func damagedBackup(_ path: String) -> WorkPlanError {
        WorkPlanError(.corrupt, "\(path) is a damaged or incomplete backup; nothing was restored (use another backup)")
    }

    /// The users of a backup whose certificates this folder's CA did not issue (a backup of
    /// another server), and how many users it holds. Restored as they are, its users could
    /// never connect (their certificates chain to the other CA) and this server's officers
    /// were refused as unknown, with no word of why (the operations tester).
    ///
    /// Users revoked in the backup are left out while any are not: after a `restore
    /// --keys-lost`, the old server's users stay revoked with the old CA's certificates, and
    /// a backup of this server was then refused as another server's (the second review).
    /// With every user revoked, all of them count (a backup of another server stays refused).
    func usersIssuedElsewhere(in source: DatabaseQueue) throws -> (users: [String], of: Int) {
        let ca = try Certificate(pemEncoded: String(contentsOfFile: caCertificatePath, encoding: .utf8))
        let all = try source.read { db in try Row.fetchAll(db, sql: "SELECT name, certificate, revoked_at FROM users ORDER BY name") }
        let active = all.filter { ($0["revoked_at"] as Int64?) == nil }
        let users = active.isEmpty ? all : active
        let foreign = users.filter { row in
            guard let cert = try? Certificate(pemEncoded: row["certificate"] as String) else { return true }
            return cert.issuer != ca.subject || !ca.publicKey.isValidSignature(cert.signature, for: cert)
        }.map { $0["name"] as String }
        return (foreign, users.count)
    }

    /// Opens a backup read-only, once it is known to be a whole WorkPlan server backup:
    /// every problem with the file is found here, before the store is touched, and named
    /// in words (a folder, not a database, damaged) rather than as an SQLite error.
    static func openBackup(at path: String) throws -> DatabaseQueue {
        var isFolder: ObjCBool = false
        guard !path.isEmpty else { throw WorkPlanError.invalid("the backup file's path is empty") }
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw WorkPlanError.notFound("no backup file at \(path)")
        }
        guard !isFolder.boolValue else { throw WorkPlanError.invalid("\(path) is a folder, not a backup file") }
        let notABackup = WorkPlanError(.corrupt, "\(path) is not a WorkPlan server backup")
        do {
            var config = Configuration()
            config.readonly = true
            let source = try DatabaseQueue(path: path, configuration: config)
            do {
                let tables = try source.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
                guard Set(["meta", "users", "records", "changes", "batches", "conflicts"]).isSubset(of: tables) else { throw notABackup }
                // A truncated copy can still list its tables: read every page once.
                let verdict = try source.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
                guard verdict == ["ok"] else { throw Self.damagedBackup(path) }
                return source
            } catch {
                try? source.close()
                throw error
            }
        } catch let e as WorkPlanError {
            throw e
        } catch let e as DatabaseError where e.resultCode == .SQLITE_NOTADB {
            throw notABackup
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT {
            throw Self.damagedBackup(path)
        } catch {
            throw WorkPlanError(.corrupt, "cannot read the backup \(path): \(error)")
        }
    }
}
