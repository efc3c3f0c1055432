import Foundation
import GRDB
import WorkPlanProtocol

extension Replica {
    /// The batch to push next: the one already in flight (resent with its id after any
    /// failure, DESIGN.md rule 2), else up to `limit` waiting operations given a new id.
    /// Returns nil when nothing is pending.
    func nextBatch(limit: Int = Limits.clientBatchOps) throws -> PushRequest? {
        try db.write { db in
            if let id = try String.fetchOne(db, sql: "SELECT batch FROM pending WHERE batch IS NOT NULL ORDER BY seq LIMIT 1") {
                return PushRequest(batchId: id, ops: try PendingLog.entries(db, where: "batch = ?", arguments: [id]).map(\.op))
            }
            let waiting = try PendingLog.entries(db, where: "batch IS NULL", limit: limit)
            return try markBatch(db, PendingLog.batchable(waiting))
        }
    }

    /// The batch that may be sent while `inFlight`'s reply is being stored: waiting
    /// operations up to the first one on a record `inFlight` touches. Storing a reply
    /// rebases waiting edits of the same records (their base revs change), so those must
    /// wait for it; edits of other records stand on revs the reply does not move. Nil when
    /// another batch is in flight, nothing waits, or the first waiting operation must wait.
    func nextBatch(after inFlight: PushRequest, limit: Int = Limits.clientBatchOps) throws -> PushRequest? {
        try db.write { db in
            let other = try String.fetchOne(db.cachedStatement(sql: "SELECT batch FROM pending WHERE batch IS NOT NULL AND batch != ? LIMIT 1"),
                                            arguments: [inFlight.batchId])
            guard other == nil else { return nil }
            let busy = Set(inFlight.ops.map(\.record))
            let waiting = PendingLog.batchable(try PendingLog.entries(db, where: "batch IS NULL", limit: limit))
            return try markBatch(db, waiting.prefix { !busy.contains($0.op.record) })
        }
    }

    /// Gives `entries` (the oldest waiting operations, in order) a new batch id, or nil when
    /// there are none. The id is stored before the batch is sent, so a retry resends it.
    private func markBatch(_ db: Database, _ entries: some BidirectionalCollection<PendingLog.Entry>) throws -> PushRequest? {
        guard let last = entries.last else { return nil }
        let id = RecordID.random()
        try db.cachedStatement(sql: "UPDATE pending SET batch = ? WHERE batch IS NULL AND seq <= ?").execute(arguments: [id, last.seq])
        return PushRequest(batchId: id, ops: entries.map(\.op))
    }

    /// Whether any operation waits outside batch `id`: not yet in a batch, or in another
    /// batch (one sent ahead before a crash, to be resent).
    func hasOperations(outside id: String) throws -> Bool {
        try db.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pending WHERE batch IS NULL OR batch != ?)", arguments: [id]) ?? false
        }
    }

    /// Puts an in-flight batch back among the waiting operations (after the server refused
    /// it whole, so it was never stored).
    func releaseBatch(_ id: String) throws {
        try db.write { db in try db.cachedStatement(sql: "UPDATE pending SET batch = NULL WHERE batch = ?").execute(arguments: [id]) }
    }

    /// Stores the server's answer to a batch: operations leave the pending log, fields take
    /// the server's value and rev (unless another edit of the same field waits), refused
    /// operations become local open conflicts. One transaction.
    func applyPushResponse(_ response: PushResponse) throws -> PushSummary {
        try db.write { db in
            let me = try Settings.load(from: db)
            try Self.checkSameStore(me, response.storeId)
            var summary = PushSummary()
            let entries = try PendingLog.headers(db, batch: response.batchId)
            let results = Dictionary(response.results.map { ($0.op, $0) }, uniquingKeysWith: { a, _ in a })
            // Only a record with other edits still waiting needs them rebased and its view
            // recomputed. Which records have entries outside this batch is asked once; the
            // batch's own entries are counted down as they leave. Nothing here adds entries,
            // so the answer can only err towards "waiting", the careful side.
            var inBatch: [String: Int] = [:]
            for entry in entries { inBatch[entry.op.record, default: 0] += 1 }
            let outside = try PendingLog.recordsWaiting(db, among: Array(inBatch.keys), outside: response.batchId)
            for entry in entries {
                guard let result = results[entry.op.id] else { continue }
                inBatch[entry.op.record]! -= 1
                let othersWaiting = inBatch[entry.op.record]! > 0 || outside.contains(entry.op.record)
                var op = entry.op
                if othersWaiting, (result.outcome == .unchanged && op.action == .set) || [.add, .remove].contains(op.action) {
                    // The headers leave values out; this one decides whether the edits
                    // waiting on the field may be rebased (`apply`, `standsOnWhatWasSeen`).
                    op.value = try String.fetchOne(db, sql: "SELECT value FROM pending WHERE seq = ?", arguments: [entry.seq])
                        .map { try JSONText.decode(FieldValue.self, $0) }
                }
                try PendingLog.remove(db, seq: entry.seq)
                try apply(db, result, of: op, &summary, othersWaiting: othersWaiting)
            }
            if me.storeId == nil {
                try Settings.store(["store_id": response.storeId], in: db)
            }
            return summary
        }
    }

    /// Refuses a reply from a store other than the one this replica syncs with: the server
    /// was restored from a backup (or replaced) after this sync's handshake, between two of
    /// its requests. Its seqs and cursor are another store's numbering; stored, a pull page
    /// also recorded the new store as this replica's, so no later sync saw the restore and
    /// recovered (what the server lacked was never pushed back). Nothing is written; the
    /// next sync's handshake sees the new store and recovers (`SyncEngine.run`).
    static func checkSameStore(_ me: Settings, _ replied: String) throws {
        guard let known = me.storeId, known != replied else { return }
        throw WorkPlanError(.staleCursor, "the server's store changed during this sync (it was restored from a backup, or replaced); nothing of its reply was stored: run 'workplan sync' again, which recovers")
    }

    /// Stores one operation's result. `othersWaiting`: other pending entries of the record
    /// may exist (when false, there is nothing to rebase and the view is the server's value).
    func apply(_ db: Database, _ result: OpResult, of op: PlanOperation, _ summary: inout PushSummary, othersWaiting: Bool) throws {
        let table = RecordTable.of(op.kind)
        for conflict in result.conflicts ?? [] {
            try storeConflict(db, conflict)
        }
        // An edit that opened a conflict is "in conflict" whatever became of it: a note added
        // to a task deleted meanwhile is kept, and opens the task's delete conflict (the
        // docs tester: "2 edits, 1 of them in conflict" and then 2 open conflicts).
        if result.outcome == .conflict || !(result.conflicts ?? []).isEmpty {
            summary.conflicts += 1
        } else if result.outcome == .unchanged {
            summary.unchanged += 1
        } else {
            summary.accepted += 1
        }
        if result.outcome == .conflict || result.outcome == .unchanged || !(result.conflicts ?? []).isEmpty {
            summary.notTaken[op.record] = op.kind
        }
        if let resolved = op.resolves, !resolved.isEmpty {
            try db.execute(sql: "DELETE FROM conflict WHERE id IN (\(resolved.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(resolved))
        }
        let newRev = result.seq ?? result.rev
        if othersWaiting, (result.conflicts ?? []).isEmpty {
            if result.outcome == .accepted, let seq = result.seq, try standsOnWhatWasSeen(db, op, result) {
                try PendingLog.rebase(db, after: op, seq: seq)
            } else if result.outcome == .unchanged, op.action == .set, let sent = op.value, result.value == sent {
                // The server already held this very value (someone set it too): edits made
                // here on top of it stand on the server's rev of it. Without this, an edit
                // made while the reply was lost (or still on its way) conflicted with a value
                // this officer had set themselves. Only when the value held is the one sent:
                // a long text whose line merge came out as the current value is "unchanged"
                // too, and an edit made on top of the text sent has not seen what the
                // other side's lines were (rebased, it would silently drop them).
                try PendingLog.rebase(db, after: op, seq: result.rev)
            }
        }
        switch op.action {
        case .create where result.conflicts?.contains(where: { $0.type == .editDeleted && $0.record == op.record }) == true:
            // A create of a record deleted on the server (made offline, or sent back after a
            // restore): like an edit of it, the record leaves the view until the conflict is
            // resolved ("mine" restores it on the server, and the pull brings it back). The
            // create's values are kept with the edits set aside (`status` lists them): the
            // conflict holds only "created" against "deleted".
            let me = try Settings.load(from: db)
            try Self.setAside(db, op, author: me.user, title: try Self.title(db, op.kind, op.record),
                              reason: "the \(op.kind.displayName) was deleted on the server before this create reached it (see 'workplan conflicts')")
            try table.remove(db, id: op.record)
        case .create where result.outcome == .accepted:
            // A new record: every field takes the create's rev; no value changes (the common
            // first push).
            if try table.setFirstRevs(db, id: op.record, to: newRev) { return }
            guard var r = try table.fetchRevs(db, id: op.record) else { return }
            for spec in op.kind.fields { r.raise(spec.name, to: newRev) }
            r.rev = max(r.rev, newRev)
            try table.update(db, id: op.record, r)
        case .create:
            // The record existed on the server (a natural key created on both sides): each
            // field named was merged, kept or put in conflict there. The result carries one
            // rev for the record, not one per field, and the fields this replica did not
            // name may have changed since, so no rev is raised here: the fields get rev 0
            // (known to the server, nothing of it pulled yet) and the pull that follows
            // brings the server's state of every field (edits still waiting here stay on
            // top). Raising them to the record's rev made that pull skip changes, and later
            // edits here conflict with no one.
            _ = try table.setFirstRevs(db, id: op.record, to: 0)
            // But when the server's create was pulled while this one waited (it arrived
            // beneath it), no later pull brings it again: each field in conflict shows the
            // server's value now, as a set in conflict does. (The kill-soak tester: the
            // officer's refused value stayed for good, also after `resolve --theirs`.)
            for conflict in result.conflicts ?? [] where conflict.type == .edit && conflict.record == op.record {
                try showCurrentValue(db, of: conflict, table: table, othersWaiting: othersWaiting)
            }
            // Edits made here on top of the create stand on the server's rev of each field it
            // named where the server kept or took the create's value: no conflict on it, and
            // not a long text (a line merge may leave the server's text other than the
            // create's). Made against no rev, they met the officer's own create as a conflict
            // (the structural-edits tester: conference 20 added on two replicas and closed on
            // one stayed planned, its close in conflict with "planned").
            if othersWaiting, let revs = result.revs {
                let inConflict = Set((result.conflicts ?? []).filter { $0.record == op.record }.map(\.field))
                for (field, rev) in revs where !inConflict.contains(field) && op.kind.field(field)?.isLongText == false {
                    try PendingLog.rebase(db, createdField: field, of: op.record, to: rev)
                }
            }
        case .set, .add, .remove:
            if result.conflicts?.first?.type == .editDeleted {
                try table.remove(db, id: op.record)
                return
            }
            guard var r = try table.fetchRevs(db, id: op.record), let field = op.field else { return }
            r.raise(field, to: newRev)
            r.rev = max(r.rev, newRev)
            if let seq = result.seq, result.outcome != .conflict { summary.acknowledged.insert(seq) }
            if let serverValue = result.value, othersWaiting {
                try PendingLog.setServerValue(db, record: op.record, field: field, serverValue)
                try table.update(db, id: op.record, r, field: field, value: .some(try viewValue(db, op.record, field, serverValue)))
            } else if let serverValue = result.value {
                try table.update(db, id: op.record, r, field: field, value: .some(serverValue == .null ? nil : serverValue))
            } else {
                try table.update(db, id: op.record, r)
            }
        case .delete:
            if result.outcome == .conflict {
                guard var r = try table.fetch(db, id: op.record) else { return }
                r.deleted = false
                try table.write(db, r)
            } else {
                try removeRecord(db, op.kind, op.record)
            }
        case .restore, .resolve:
            break
        }
    }

    /// Shows a conflict's current value (the server's) in the view, at its rev, under the
    /// officer's other edits of the field still waiting. When the field here is at a later
    /// rev (a later change of it was pulled beneath the waiting create, by another sync of
    /// this replica), the server's value is that change's, from the pulled history.
    private func showCurrentValue(_ db: Database, of conflict: Conflict, table: RecordTable, othersWaiting: Bool) throws {
        guard var r = try table.fetchRevs(db, id: conflict.record) else { return }
        let server: FieldValue
        if r.of(conflict.field) > conflict.currentRev {
            guard let pulled = try Self.pulledValue(db, conflict.record, conflict.field) else { return }
            server = pulled
            // The conflict just stored shows the older value: a resolution is made against
            // what the server holds now.
            try moveConflicts(db, record: conflict.record, field: conflict.field, to: pulled, rev: r.of(conflict.field))
        } else {
            server = conflict.current
            r.raise(conflict.field, to: conflict.currentRev)
            r.rev = max(r.rev, conflict.currentRev)
        }
        if othersWaiting, try PendingLog.hasPending(db, record: conflict.record, field: conflict.field) {
            try PendingLog.setServerValue(db, record: conflict.record, field: conflict.field, server)
            try table.update(db, id: conflict.record, r, field: conflict.field, value: .some(try viewValue(db, conflict.record, conflict.field, server)))
        } else {
            try table.update(db, id: conflict.record, r, field: conflict.field, value: .some(server == .null ? nil : server))
        }
    }

    /// Whether edits waiting on `op`'s field may stand on its accepted rev. Always for a create
    /// or a set (accepted against the rev they were made on). An add or remove is accepted
    /// whatever changed meanwhile: only when the server's value after it is the value the
    /// officer's edits stood on with this element applied did no one else change the field
    /// (else a set made on top, rebased, would overwrite the other staff's change unseen).
    func standsOnWhatWasSeen(_ db: Database, _ op: PlanOperation, _ result: OpResult) throws -> Bool {
        guard [.add, .remove].contains(op.action), let field = op.field else { return true }
        guard let beneath = try PendingLog.serverValue(db, record: op.record, field: field),
              let after = MergeRules.applyElement(op.action, element: op.value?.text ?? "", to: beneath) else { return false }
        return after == result.value
    }

    /// What the officer sees for a field: the server's value with their own waiting edits on top.
    func viewValue(_ db: Database, _ record: String, _ field: String, _ server: FieldValue) throws -> FieldValue? {
        var value = server
        for entry in try PendingLog.entries(db, where: "record = ? AND field = ?", arguments: [record, field]) {
            switch entry.op.action {
            case .set, .restore: value = entry.op.value ?? value
            case .add, .remove: value = MergeRules.applyElement(entry.op.action, element: entry.op.value?.text ?? "", to: value) ?? value
            default: break
            }
        }
        return value == .null ? nil : value
    }

    func storeConflict(_ db: Database, _ c: Conflict) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO conflict (id, record, field, body) VALUES (?, ?, ?, ?)")
            .execute(arguments: [c.id, c.record, c.field, JSONText.encode(c)])
    }

    /// Removes a record here and (for records withdrawn from this staff) its notes, history
    /// and conflicts; the edits of them still waiting are set aside, not dropped
    /// (`Replica+SetAside.swift`). Returns how many edits were set aside.
    @discardableResult
    func removeRecord(_ db: Database, _ kind: RecordKind, _ id: String, withHistory: Bool = false) throws -> Int {
        guard withHistory else {
            try RecordTable.of(kind).remove(db, id: id)
            return 0
        }
        let me = try Settings.load(from: db)
        let (moved, notes) = try Self.setAsideAndRemove(db, kind, id, reason: "the \(kind.displayName) is no longer releasable to \(me.staff.rawValue)")
        for i in [id] + notes {
            try db.cachedStatement(sql: "DELETE FROM history WHERE record = ?").execute(arguments: [i])
            try db.cachedStatement(sql: "DELETE FROM conflict WHERE record = ?").execute(arguments: [i])
        }
        return moved
    }
}

/// What a push did.
public struct PushSummary: Sendable {
    public var accepted = 0
    public var unchanged = 0
    public var conflicts = 0
    /// Seqs of this replica's field edits whose acceptance is stored: each edited field's
    /// rev here is at least that seq (what lets the pull skip reading them back).
    var acknowledged: Set<Int64> = []
    /// Records with an edit the server did not take as a change (a conflict, or a value it
    /// already held): their update time is settled after the pull (`settleUpdateTimes`).
    var notTaken: [String: RecordKind] = [:]
}
