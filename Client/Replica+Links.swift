import GRDB
import WorkPlanProtocol

/// A task withdrawn from this staff: what the replica holds of it in other records goes
/// with it (`LinkRules`). The server sends the records that link to it again, without the
/// link, but not one that stopped linking to it before this replica heard of the
/// withdrawal, nor what was said of it in other records' history and conflicts.
extension Replica {
    /// Forgets task `id` in the other records here: the `follows` that names it (unless an
    /// edit of that field waits), the agenda items that cover it, and the history and open
    /// conflicts of other records that mention it. Revs do not move: the server's values
    /// hold no more of it for this staff, and later changes apply as before.
    static func forgetLinks(_ db: Database, to id: String) throws {
        try db.execute(sql: """
            UPDATE task SET follows = NULL
            WHERE follows = ? AND id NOT IN (SELECT record FROM pending WHERE field = 'follows')
            """, arguments: [id])
        let canSee = { (other: String) in (RecordID.parse(other) ?? other) != id }
        for row in try Row.fetchAll(db, sql: "SELECT id, tasks FROM agenda_item WHERE instr(tasks, ?) > 0", arguments: [id]) {
            let tasks = try JSONText.decode([String].self, row[1] as String)
            guard case .set(let kept)? = LinkRules.visible(.set(tasks), canSee: canSee) else { continue }
            try db.execute(sql: "UPDATE agenda_item SET tasks = ? WHERE id = ?", arguments: [JSONText.encodeArray(kept), row[0] as String])
        }
        for row in try Row.fetchAll(db, sql: "SELECT rowid, body FROM history WHERE record != ? AND instr(body, ?) > 0", arguments: [id, id]) {
            switch LinkRules.visible(try JSONText.decode(Change.self, row[1] as String), canSee: canSee) {
            case .asIs: continue
            case .redacted(let c): try db.execute(sql: "UPDATE history SET body = ? WHERE rowid = ?", arguments: [JSONText.encode(c), row[0] as Int64])
            case .nothing: try db.execute(sql: "DELETE FROM history WHERE rowid = ?", arguments: [row[0] as Int64])
            }
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, body FROM conflict WHERE record != ? AND instr(body, ?) > 0", arguments: [id, id]) {
            guard let c = LinkRules.visible(try JSONText.decode(Conflict.self, row[1] as String), canSee: canSee) else { continue }
            try db.execute(sql: "UPDATE conflict SET body = ? WHERE id = ?", arguments: [JSONText.encode(c), row[0] as String])
        }
    }
}
