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
            throw WorkPlanError(.corrupt, "the replica has no staff or user recorded: its 'workplan init' or 'workplan join' stopped before the end; run that command again to finish it")
        }
        return Settings(staff: staff, user: user, role: map["role"].flatMap(Role.init(rawValue:)) ?? .editor,
                        serverURL: map["server_url"], storeId: map["store_id"],
                        cursor: map["cursor"].flatMap { Int64($0) } ?? 0,
                        lastSync: map["last_sync"].flatMap { Int64($0) })
    }

    /// Whether the replica's staff or user is missing: its making stopped before they were
    /// recorded (they are the first thing written after the schema).
    static func isUnfinished(_ db: Database) throws -> Bool {
        let known = try String.fetchAll(db, sql: "SELECT key FROM setting WHERE key IN ('staff', 'user')")
        return known.count < 2
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
