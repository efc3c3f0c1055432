import Foundation
import GRDB
import SwiftASN1
import WorkPlanProtocol
import X509

/// Which CA a store belongs to: the CA certificate of the server folder it was made in,
/// kept in the store's `meta` table, so that a backup says whose it is.
///
/// `restore` refused a backup of another server only by its users' certificates, so a
/// backup of a server with no users yet (a fresh `init`) passed for this server's and
/// replaced its plan and users (the docs tester). With the mark, the backup's CA is
/// compared; a backup made before stores had one still goes by its users.
extension ServerHome {
    /// The `meta` key of the store's CA certificate (PEM).
    static let storeCAKey = "ca_certificate"

    /// Marks `db`'s store as this folder's: its CA certificate, as it is in `ca.pem`.
    func markStoreCA(_ db: Database) throws {
        let (pem, _) = try certificate(at: caCertificatePath, "CA certificate")
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [Self.storeCAKey, pem])
    }

    /// Marks `store` as this folder's (a new one, at `init`).
    func markStoreCA(in store: ServerStore) throws {
        try store.pool.write { try markStoreCA($0) }
    }

    /// The CA certificate `db`'s store is marked with, if any.
    static func storeCA(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [storeCAKey])
    }

    /// Marks a store made before stores were marked (the first time a command opens it).
    func markStoreCAIfMissing(_ store: ServerStore) throws {
        if try store.pool.read(Self.storeCA) == nil { try markStoreCA(in: store) }
    }

    /// Whether the store in `source` (a backup) was made by another server: its mark names
    /// a CA other than this folder's. Nil when it has no mark (made by an earlier release).
    func backupIsOtherServers(_ source: DatabaseQueue) throws -> Bool? {
        guard let mark = try source.read(Self.storeCA) else { return nil }
        let (_, ca) = try certificate(at: caCertificatePath, "CA certificate")
        guard let theirs = try? Certificate(pemEncoded: mark) else { return true }
        return theirs != ca
    }
}
