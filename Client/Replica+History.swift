import Foundation
import GRDB
import WorkPlanProtocol

/// One entry of a record's history.
public struct HistoryEntry: Codable, Sendable, Hashable {
    public var seq: Int64?
    public var record: String
    public var event: String
    public var action: String?
    public var field: String?
    public var old: FieldValue?
    public var new: FieldValue?
    public var user: String
    public var staff: String
    public var at: String
    /// False for the officer's own edits not yet synced.
    public var synced: Bool

    enum CodingKeys: String, CodingKey {
        case seq, record, event, action, field, old, new, user, staff, at, synced
    }
}

extension Replica {
    /// Resolves any record's id prefix (tasks first, then notes, agenda items, conferences, areas).
    public func resolveAnyRecord(_ text: String) throws -> (RecordKind, String) {
        var firstError: WorkPlanError?
        for kind in [RecordKind.task, .note, .agendaItem, .conference, .area] {
            do {
                return (kind, try resolveID(kind, text))
            } catch let e as WorkPlanError where e.code == .notFound {
                continue
            } catch let e as WorkPlanError {
                firstError = firstError ?? e
            }
        }
        if let firstError { throw firstError }
        if let n = Int(text), let c = try? conference(number: n) { return (.conference, c.id) }
        throw WorkPlanError.notFound("no record with id \(text)")
    }

    /// Every change to a record: what the server accepted (pulled), then this replica's own
    /// edits not yet synced.
    public func history(record id: String) throws -> [HistoryEntry] {
        try db.read { db in
            var out: [HistoryEntry] = []
            for body in try String.fetchAll(db, sql: "SELECT body FROM history WHERE record = ? ORDER BY seq", arguments: [id]) {
                let c = try JSONText.decode(Change.self, body)
                out.append(HistoryEntry(seq: c.seq, record: c.record, event: c.event.rawValue, action: c.action?.rawValue,
                                        field: c.field ?? c.conflict?.field,
                                        old: c.old ?? c.conflict?.current, new: c.value ?? c.fields.map(Self.summary) ?? c.conflict?.proposed,
                                        user: c.user, staff: c.staff.rawValue, at: TimeFormat.iso(c.at), synced: true))
            }
            let me = try Settings.load(from: db)
            for e in try PendingLog.entries(db, where: "record = ?", arguments: [id]) {
                out.append(HistoryEntry(seq: nil, record: id, event: "change", action: e.op.action.rawValue, field: e.op.field,
                                        old: nil, new: e.op.value ?? e.op.fields.map(Self.summary),
                                        user: e.author, staff: me.staff.rawValue, at: TimeFormat.iso(e.op.at), synced: false))
            }
            return out
        }
    }

    static func summary(_ fields: [String: FieldValue]) -> FieldValue {
        .text(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
    }
}
