import GRDB
import WorkPlanProtocol

/// Tasks withdrawn from this staff: what the replica holds of them in other records goes
/// with them (`LinkRules`). The server sends the records that link to them again, without
/// the links, but not one that stopped linking to them before this replica heard of the
/// withdrawal, nor what was said of them in other records' history and conflicts.
extension Replica {
    /// Forgets tasks `ids` in the other records here: a `follows` that names one (unless an
    /// edit of that field waits), the agenda items that cover one, the server's values kept
    /// with waiting edits of those fields, and the history and open conflicts of other
    /// records that mention one. Revs do not move: the server's values
    /// hold no more of them for this staff, and later changes apply as before. Called once
    /// per pulled page (a page may withdraw many tasks; the history is read once).
    static func forgetLinks(_ db: Database, to ids: Set<String>) throws {
        guard !ids.isEmpty else { return }
        let list = JSONText.encode(Array(ids))
        try db.execute(sql: """
            UPDATE task SET follows = NULL
            WHERE follows IN (SELECT value FROM json_each(?)) AND id NOT IN (SELECT record FROM pending WHERE field = 'follows')
            """, arguments: [list])
        let canSee = { (other: String) in !ids.contains(RecordID.parse(other) ?? other) }
        for row in try Row.fetchAll(db, sql: "SELECT id, tasks FROM agenda_item WHERE tasks != '[]'") {
            let tasks = try JSONText.decode([String].self, row[1] as String)
            guard case .set(let kept)? = LinkRules.visible(.set(tasks), canSee: canSee) else { continue }
            try db.execute(sql: "UPDATE agenda_item SET tasks = ? WHERE id = ?", arguments: [JSONText.encodeArray(kept), row[0] as String])
        }
        // The server's values kept with waiting edits of a link field: a set-aside edit puts
        // its field back to that value, which would bring a forgotten link back (the sharing
        // property test: an IMS removal from an agenda item, refused once the task was
        // withdrawn, restored the task's id there for good).
        for kind in RecordKind.allCases {
            for field in LinkRules.fields(of: kind) {
                for row in try Row.fetchAll(db, sql: "SELECT seq, server_value FROM pending WHERE kind = ? AND field = ? AND server_value IS NOT NULL",
                                            arguments: [kind.rawValue, field]) {
                    guard let shown = LinkRules.visible(try JSONText.decode(FieldValue.self, row[1] as String), canSee: canSee) else { continue }
                    try db.execute(sql: "UPDATE pending SET server_value = ? WHERE seq = ?", arguments: [JSONText.encode(shown), row[0] as Int64])
                }
            }
        }
        // Rows that mention one of the ids, found by SQLite's instr (a few ids per query).
        let idList = Array(ids)
        for start in stride(from: 0, to: idList.count, by: 50) {
            let chunk = Array(idList[start..<min(start + 50, idList.count)])
            let mentions = chunk.map { _ in "instr(body, ?) > 0" }.joined(separator: " OR ")
            let arguments = StatementArguments(chunk)
            for row in try Row.fetchAll(db, sql: "SELECT rowid, record, body FROM history WHERE \(mentions)", arguments: arguments) {
                guard !ids.contains(row[1] as String) else { continue }
                switch LinkRules.visible(try JSONText.decode(Change.self, row[2] as String), canSee: canSee) {
                case .asIs: continue
                case .redacted(let c): try db.execute(sql: "UPDATE history SET body = ? WHERE rowid = ?", arguments: [JSONText.encode(c), row[0] as Int64])
                case .nothing: try db.execute(sql: "DELETE FROM history WHERE rowid = ?", arguments: [row[0] as Int64])
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, record, body FROM conflict WHERE \(mentions)", arguments: arguments) {
                guard !ids.contains(row[1] as String),
                      let c = LinkRules.visible(try JSONText.decode(Conflict.self, row[2] as String), canSee: canSee) else { continue }
                try db.execute(sql: "UPDATE conflict SET body = ? WHERE id = ?", arguments: [JSONText.encode(c), row[0] as String])
            }
        }
    }
}

extension Replica {
    /// A task deleted here before it was ever sent: the server never has it, so the links
    /// other records here make to it go too, in their rows and in the edits waiting to be
    /// sent (a `follows`, an agenda item's tasks). Kept, such an edit was refused by the
    /// server, and a whole agenda item was set aside and left the plan (the review).
    static func forgetUnsentTask(_ db: Database, _ id: String) throws {
        let mentioning = try PendingLog.entries(db, where: "batch IS NULL AND (instr(value, ?) > 0 OR instr(fields, ?) > 0)",
                                                arguments: [id, id])
        let without = { (v: FieldValue) in FieldValue.makeSet(v.elements.filter { $0 != id }) }
        for e in mentioning {
            var op = e.op
            switch op.action {
            case .create:
                if op.fields?[FieldName.follows] == .text(id) { op.fields?[FieldName.follows] = nil }
                if let tasks = op.fields?[FieldName.tasks], tasks.elements.contains(id) { op.fields?[FieldName.tasks] = without(tasks) }
            case .set where op.field == FieldName.follows && op.value == .text(id):
                op.value = .null
            case .set where op.field == FieldName.tasks:
                op.value = op.value.map(without)
            case .add where op.value == .text(id):
                try PendingLog.remove(db, seq: e.seq)
                continue
            default:
                continue
            }
            try PendingLog.replace(db, seq: e.seq, with: op)
        }
        try db.execute(sql: "UPDATE task SET follows = NULL WHERE follows = ?", arguments: [id])
        try forgetLinks(db, to: [id])
    }
}
