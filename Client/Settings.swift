import Foundation
import GRDB
import WorkPlanProtocol

/// The replica's own facts: who edits here, and where it syncs.
public struct Settings: Sendable {
    public var staff: Staff
    public var user: String
    public var role: Role
    /// The server, once joined.
    public var serverURL: String?
    /// The server store this replica has pulled from (a restore changes it).
    public var storeId: String?
    /// The last `seq` pulled.
    public var cursor: Int64
    /// When the last sync completed.
    public var lastSync: Timestamp?

    static func load(from db: Database) throws -> Settings {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM setting")
        var map: [String: String] = [:]
        for row in rows { map[row["key"]] = row["value"] }
        guard let staff = map["staff"].flatMap(Staff.init(rawValue:)), let user = map["user"] else {
            if try isUnfinished(db) {
                throw WorkPlanError(.corrupt, "the replica was not finished: its 'workplan init' or 'workplan join' stopped before the end; run that command again to finish it")
            }
            throw WorkPlanError(.corrupt, "the replica does not say whose it is (its staff or user is missing or unreadable); run 'workplan recover' (see docs/operations.md)")
        }
        return Settings(staff: staff, user: user, role: map["role"].flatMap(Role.init(rawValue:)) ?? .editor,
                        serverURL: map["server_url"], storeId: map["store_id"],
                        cursor: map["cursor"].flatMap { Int64($0) } ?? 0,
                        lastSync: map["last_sync"].flatMap { Int64($0) })
    }

    /// Whether the replica holds nothing at all: no settings, no record, no edit. That is
    /// what an `init` or `join` killed between the schema and the settings leaves (the
    /// settings are the first thing written, in one transaction). A replica with anything in
    /// it and no staff or user is damaged, not unfinished: it is never made anew over its data.
    static func isUnfinished(_ db: Database) throws -> Bool {
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('grdb_migrations', ?)",
                                         arguments: [Replica.walRestartTable])
        for table in tables where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table.quotedDatabaseIdentifier))") == true {
            return false
        }
        return true
    }

    static func store(_ values: [String: String?], in db: Database) throws {
        for (key, value) in values {
            if let value {
                try db.execute(sql: "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
    }

    /// The identity edits are made under.
    public var identity: Identity { Identity(name: user, staff: staff, role: role) }

    /// Whether this replica has pulled everything the server held when it said `hello`: the
    /// same store, and the cursor at its newest seq. A pull would then bring an empty page.
    func isCaughtUp(with hello: HelloResponse) -> Bool {
        storeId == hello.storeId && cursor == hello.maxSeq
    }
}
