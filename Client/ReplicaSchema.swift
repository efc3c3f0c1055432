import Foundation
import GRDB
import WorkPlanProtocol

/// The replica's tables, created by migrations (an empty file migrates to the current schema).
enum ReplicaSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE area (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL,
                    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, created_by TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, rev INTEGER NOT NULL DEFAULT 0, revs TEXT NOT NULL DEFAULT '{}');
                CREATE TABLE task (
                    id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT, area TEXT NOT NULL,
                    lead TEXT NOT NULL, owner TEXT, status TEXT NOT NULL, priority TEXT NOT NULL,
                    due TEXT, conference INTEGER, origin_conference INTEGER, follows TEXT,
                    tags TEXT NOT NULL DEFAULT '[]', releasable TEXT NOT NULL DEFAULT 'both',
                    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, created_by TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, rev INTEGER NOT NULL DEFAULT 0, revs TEXT NOT NULL DEFAULT '{}');
                CREATE INDEX task_area ON task(area);
                CREATE TABLE note (
                    id TEXT PRIMARY KEY, task TEXT NOT NULL, text TEXT NOT NULL, author TEXT NOT NULL,
                    staff TEXT NOT NULL, releasable TEXT NOT NULL DEFAULT 'both',
                    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, created_by TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, rev INTEGER NOT NULL DEFAULT 0, revs TEXT NOT NULL DEFAULT '{}');
                CREATE INDEX note_task ON note(task, created_at);
                CREATE TABLE conference (
                    id TEXT PRIMARY KEY, number INTEGER NOT NULL, date TEXT NOT NULL, host TEXT NOT NULL,
                    place TEXT, status TEXT NOT NULL, guidance TEXT,
                    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, created_by TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, rev INTEGER NOT NULL DEFAULT 0, revs TEXT NOT NULL DEFAULT '{}');
                CREATE INDEX conference_number ON conference(number);
                CREATE TABLE agenda_item (
                    id TEXT PRIMARY KEY, conference INTEGER NOT NULL, topic TEXT NOT NULL,
                    tasks TEXT NOT NULL DEFAULT '[]', presenter TEXT, position TEXT NOT NULL, outcome TEXT,
                    releasable TEXT NOT NULL DEFAULT 'both',
                    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, created_by TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, rev INTEGER NOT NULL DEFAULT 0, revs TEXT NOT NULL DEFAULT '{}');
                CREATE INDEX agenda_conference ON agenda_item(conference, position, id);

                -- The pending log: field-level operations not yet acknowledged by the server.
                -- server_value: the field's server value under the officer's edits, so the view
                -- can fall back to it when an edit is dropped (the record was deleted here).
                CREATE TABLE pending (
                    seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL, kind TEXT NOT NULL,
                    action TEXT NOT NULL, field TEXT, value TEXT, fields TEXT, base_rev INTEGER NOT NULL,
                    resolves TEXT, at INTEGER NOT NULL, author TEXT NOT NULL, batch TEXT,
                    server_value TEXT);
                CREATE INDEX pending_record ON pending(record, field);
                CREATE INDEX pending_batch ON pending(batch);
                CREATE INDEX pending_kind ON pending(kind, batch);

                -- Open conflicts visible to this replica's user.
                CREATE TABLE conflict (id TEXT PRIMARY KEY, record TEXT NOT NULL, field TEXT NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
                CREATE INDEX conflict_record ON conflict(record);

                -- The change stream pulled from the server (history and briefs work offline).
                CREATE TABLE history (seq INTEGER NOT NULL, record TEXT NOT NULL, body TEXT NOT NULL);
                CREATE INDEX history_record ON history(record, seq);
                CREATE INDEX history_seq ON history(seq);
                """)
        }
        // Only in-flight operations are indexed by batch, and only conference operations (the
        // baseline markers) by kind. Sending a batch moved every entry within two full indexes
        // and storing its reply removed it from both: at 50k, 2500 entries cost about 10 ms
        // a batch each way, and every edit and import row paid for the kind index.
        m.registerMigration("v2: partial pending indexes") { db in
            try db.execute(sql: """
                DROP INDEX pending_batch;
                DROP INDEX pending_kind;
                CREATE INDEX pending_batch ON pending(batch) WHERE batch IS NOT NULL;
                CREATE INDEX pending_conference ON pending(seq) WHERE kind = 'conference';
                """)
        }
        // Edits that can no longer be sent (their record was withdrawn from this staff, or
        // they refer to one that was), kept for the officer instead of dropped
        // (`Replica+SetAside.swift`). Same columns as `pending`, plus why and when.
        m.registerMigration("v3: edits set aside") { db in
            try db.execute(sql: """
                CREATE TABLE set_aside (
                    seq INTEGER PRIMARY KEY, title TEXT NOT NULL, reason TEXT NOT NULL, set_at INTEGER NOT NULL,
                    op_id TEXT NOT NULL, record TEXT NOT NULL, kind TEXT NOT NULL, action TEXT NOT NULL, field TEXT,
                    value TEXT, fields TEXT, base_rev INTEGER NOT NULL, resolves TEXT, at INTEGER NOT NULL,
                    author TEXT NOT NULL, server_value TEXT);
                """)
        }
        // The one row `ReusedWAL.settle` updates when a command closes the replica, so that
        // the kept WAL starts over with a frame of this table's page only (never the header
        // page or the plan's).
        m.registerMigration("v4: WAL restart marker") { db in
            try db.execute(sql: """
                CREATE TABLE wal_restart (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
                INSERT INTO wal_restart (id, n) VALUES (1, 0);
                """)
        }
        // What this replica's own edits replaced, and the records it deleted that left no row:
        // work done here that neither the pulled history nor the pending log keeps (edits of
        // a record not yet pushed fold into its create; such a record, deleted, goes with its
        // operations). An import must not bring those values or records back
        // (`Replica+ImportHistory.swift`, `ReplacedHere`).
        m.registerMigration("v5: values replaced here") { db in
            try db.execute(sql: """
                CREATE TABLE replaced_here (record TEXT NOT NULL, field TEXT, value TEXT);
                CREATE INDEX replaced_here_record ON replaced_here(record);
                CREATE INDEX replaced_here_deleted ON replaced_here(record) WHERE field IS NULL;
                """)
        }
        // The plan a recovery holds (`Replica+Recovery.swift`), tens of MB for a large plan,
        // had a row in `setting`, a WITHOUT ROWID table: SQLite reads a whole overflowing row
        // to compare its key, so every settings lookup that passed it copied the plan, once
        // per record the recovery sent back (34 minutes for 12606 records: the operations
        // tester). It has a rowid table of its own.
        m.registerMigration("v6: recovery plan apart") { db in
            try db.execute(sql: """
                CREATE TABLE recovery (id INTEGER PRIMARY KEY CHECK (id = 1), plan TEXT NOT NULL);
                INSERT INTO recovery (id, plan) SELECT 1, value FROM setting WHERE key = 'recovery_plan';
                DELETE FROM setting WHERE key = 'recovery_plan';
                """)
        }
        return m
    }
}
