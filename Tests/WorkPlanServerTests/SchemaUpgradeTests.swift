import Foundation
import GRDB
import Testing
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanTestSupport
@testable import WorkPlanServer

/// Stores and replicas across releases (docs/operations.md, "Upgrades"), from the upgrade
/// tester's findings: a store is upgraded only when no server serves it, neither program
/// opens what a newer release changed, and a failed upgrade says what happened.
@Suite("Schema upgrades and downgrades")
struct SchemaUpgradeTests {
    /// A stopped store made to look like one of the release before `v3: conflicts by record`.
    static func olderStore(_ tmp: TemporaryDirectory) throws -> ServerHome {
        let home = try ServerHome.initialize(at: tmp.file("server"))
        let queue = try DatabaseQueue(path: home.storePath)
        try queue.write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v3%'")
            try db.execute(sql: "DROP INDEX conflicts_record")
        }
        try queue.close()
        return home
    }

    static func migrations(_ home: ServerHome) throws -> [String] {
        let queue = try DatabaseQueue(path: home.storePath)
        defer { try? queue.close() }
        return try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
    }

    /// The upgrade tester: the new `backup` taken before restarting (as the docs advise)
    /// upgraded the store under the old server, which went on writing changes without
    /// their releasability; the new server then sent IMS what EUMS wrote while hidden.
    @Test func anOlderStoreIsNotUpgradedWhileAServerServesIt() throws {
        let tmp = try TemporaryDirectory()
        let home = try Self.olderStore(tmp)
        let before = try Self.migrations(home)
        do {
            let serving = try home.lock(for: "serve it again")
            defer { withExtendedLifetime(serving) {} }
            #expect {
                try home.openStore().close()
            } throws: { error in
                let e = error as? WorkPlanError
                return e?.code == .unavailable && e?.message.contains("is from an older release and a workplan-server is serving it") == true
                    && e?.message.contains("start this release's `workplan-server serve`") == true
            }
            #expect(try Self.migrations(home) == before, "left as it was")
            // The server holding the lock upgrades it as it starts.
            let store = try home.openStore(serving: true)
            try store.close()
        }
        #expect(try Self.migrations(home).count == before.count + 1)
        // With no server, any command upgrades it.
        let tmp2 = try TemporaryDirectory()
        let again = try Self.olderStore(tmp2)
        try again.openStore().close()
        #expect(try Self.migrations(again).count == before.count + 1)
    }

    /// The upgrade tester: an older release served a store a newer one had upgraded, without
    /// a word (GRDB takes unknown migrations as done).
    @Test func aStoreOrReplicaANewerReleaseChangedIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("server"))
        let queue = try DatabaseQueue(path: home.storePath)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: a later release')") }
        try queue.close()
        #expect {
            try home.openStore(serving: true).close()
        } throws: { error in
            (error as? WorkPlanError)?.message.contains("was upgraded by a newer release of workplan-server") == true
        }

        let folder = tmp.child("replica")
        do { _ = try Replica.create(in: folder, staff: .EUMS, user: "Dupont") }
        let replica = try DatabaseQueue(path: folder.appendingPathComponent("replica.sqlite").path)
        try replica.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: a later release')") }
        try replica.close()
        #expect {
            _ = try Replica.open(in: folder)
        } throws: { error in
            (error as? WorkPlanError)?.message.contains("was upgraded by a newer release of workplan") == true
        }
    }

    /// The upgrade tester: a migration that failed printed SQLite's words alone.
    @Test func aFailedUpgradeSaysTheStoreIsLeftAsItWas() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("server"))
        // The v2 migration's column is there already: running it again fails.
        let queue = try DatabaseQueue(path: home.storePath)
        try queue.write { try $0.execute(sql: "DELETE FROM grdb_migrations WHERE identifier NOT LIKE 'v1%'") }
        try queue.close()
        let before = try Self.migrations(home)
        #expect {
            try home.openStore().close()
        } throws: { error in
            let message = (error as? WorkPlanError)?.message ?? ""
            return message.contains("upgrading the server store") && message.contains("failed, and the store is left as it was")
                && message.contains("restore a backup")
        }
        #expect(try Self.migrations(home) == before)
    }

    /// The review: with two migrations to run, the second failing, the first stays applied
    /// (each is its own transaction), and "left as it was" was wrong.
    @Test func aFailedSecondStepSaysHowFarTheUpgradeWent() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("server"))
        let queue = try DatabaseQueue(path: home.storePath)
        try queue.write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier NOT LIKE 'v1%'")
            try db.execute(sql: "ALTER TABLE changes DROP COLUMN effective")
        }
        try queue.close()
        #expect {
            try home.openStore().close()
        } throws: { error in
            let message = (error as? WorkPlanError)?.message ?? ""
            return message.contains("stopped after its step 'v2: releasability of each change'") && !message.contains("left as it was")
                && message.contains("restore the backup taken before the upgrade")
        }
        #expect(try Self.migrations(home).count == 2, "v1 and v2 applied, v3 not")
    }
}
