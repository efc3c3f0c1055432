import Foundation
import GRDB
import WorkPlanProtocol

extension Replica {
    /// Gives each record in `records` the update time every replica gives it: the latest
    /// time among the changes of it this replica pulled (`history`), or of the edits of it
    /// still waiting here. An edit sets its record's update time when it is made; one the
    /// server then did not take (a conflict, or a value it already held) left that time
    /// here for good, so converged replicas showed different `updated_at` values (the clock
    /// tester: EUMS 11:00, its refused title; IMS and a third replica 10:00). Called once a
    /// sync has pulled, so the changes of the pushed edits it took are in the history.
    func settleUpdateTimes(_ records: [String: RecordKind]) throws {
        guard !records.isEmpty else { return }
        try db.write { db in
            let pulled = try db.cachedStatement(sql: """
                SELECT MAX(json_extract(body, '$.at')) FROM history
                WHERE record = ? AND json_extract(body, '$.event') IN ('change', 'snapshot')
                """)
            let waiting = try db.cachedStatement(sql: "SELECT MAX(at) FROM pending WHERE record = ?")
            for (id, kind) in records {
                let times = try [pulled, waiting].compactMap { try Int64.fetchOne($0, arguments: [id]) }
                guard let latest = times.max() else { continue }
                try db.execute(sql: "UPDATE \(RecordTable.of(kind).name) SET updated_at = ? WHERE id = ?", arguments: [latest, id])
            }
        }
    }
}
