import GRDB

extension ServerStore {
    /// The store's schema, as GRDB migrations.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

                CREATE TABLE users (
                    name TEXT PRIMARY KEY COLLATE NOCASE,
                    staff TEXT NOT NULL,
                    role TEXT NOT NULL,
                    fingerprint TEXT NOT NULL UNIQUE,
                    certificate TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );

                -- Current state. fields/revs are JSON objects; effective is the releasability
                -- a reader is checked against ('both', 'EUMS', 'IMS', or 'none'). A rowid
                -- table (rows are large; new ones append) with a unique index on id.
                CREATE TABLE records (
                    id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    fields TEXT NOT NULL,
                    revs TEXT NOT NULL,
                    rev INTEGER NOT NULL,
                    releasable TEXT,
                    effective TEXT NOT NULL,
                    parent TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    created_seq INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    created_by TEXT NOT NULL
                );
                CREATE INDEX records_parent ON records(parent) WHERE parent IS NOT NULL;

                -- The change stream: seq (the rowid) is the global, gap-free sequence, and the
                -- rowid B-tree is the index pulls scan. Also the history of DESIGN.md rule 5.
                CREATE TABLE changes (
                    seq INTEGER PRIMARY KEY,
                    event TEXT NOT NULL,
                    record TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    action TEXT,
                    field TEXT,
                    old TEXT,
                    value TEXT,
                    fields TEXT,
                    user TEXT NOT NULL,
                    staff TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    batch TEXT,
                    conflict TEXT,
                    resolved TEXT,
                    old_effective TEXT,
                    new_effective TEXT
                );
                CREATE INDEX changes_record ON changes(record, seq);

                CREATE TABLE batches (
                    id TEXT PRIMARY KEY,
                    user TEXT NOT NULL,
                    results TEXT NOT NULL,
                    seq INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE conflicts (
                    id TEXT PRIMARY KEY,
                    record TEXT NOT NULL,
                    field TEXT NOT NULL,
                    body TEXT NOT NULL,
                    open INTEGER NOT NULL DEFAULT 1,
                    opened_seq INTEGER NOT NULL,
                    resolved_seq INTEGER,
                    resolved_by TEXT
                ) WITHOUT ROWID;
                CREATE INDEX conflicts_open ON conflicts(record) WHERE open = 1;
                """)
        }
        // Each change keeps the record's effective releasability when it was made, so a
        // staff is never sent what was written while the record was hidden from it (the
        // record reaches it as a snapshot when it is shared). The changes already stored
        // get theirs by replaying the stream (`fillChangeReleasability`).
        m.registerMigration("v2: releasability of each change") { db in
            try db.execute(sql: "ALTER TABLE changes ADD COLUMN effective TEXT")
            try fillChangeReleasability(db)
        }
        // A snapshot pulled late lists the conflicts open when the record was revealed,
        // resolved since or not (`PullPage.emitOpenConflicts`).
        m.registerMigration("v3: conflicts by record") { db in
            try db.execute(sql: "CREATE INDEX conflicts_record ON conflicts(record, opened_seq)")
        }
        return m
    }
}
