import GRDB
import WorkPlanProtocol

extension ServerStore {
    /// Gives every change stored without one (a store from before migration v2) the effective
    /// releasability its record had when it was made, as `PushApplier.append` stores it now:
    /// replays the stream in seq order, following each record's own releasability (from its
    /// create, then each `set` or restore of it) and, for a note, its task's; a batch that
    /// hid a record hides its own earlier changes of it (and of a task's notes) too, and what
    /// a batch writes after showing a record stays with who could see it before, and the end
    /// of a conflict goes only to who could see its beginning. One case is
    /// beyond the stored stream: a conflict opened by an edit based on a hidden-period value
    /// (the base's rev is not stored), which a push now keeps with who saw that value.
    static func fillChangeReleasability(_ db: Database) throws {
        var own: [String: Releasability] = [:]
        var taskOf: [String: String] = [:]
        func effective(_ record: String) -> Releasability? {
            let mine = own[record] ?? .both
            guard let task = taskOf[record] else { return mine }
            return mine.intersect(own[task] ?? .both)
        }
        var found: [(seq: Int64, record: String, batch: String?, effective: Releasability?, missing: Bool)] = []
        var inBatch: [String: [Int]] = [:]   // "batch|record" → indexes into `found`
        var shown: [String: Releasability?] = [:]   // "batch|record" → effective before the batch showed it
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, record, action, field, value, json_extract(fields, '$.releasable'), json_extract(fields, '$.task'),
                   batch, effective IS NULL, kind
            FROM changes ORDER BY seq
            """)
        while let row = try rows.next() {
            let seq: Int64 = row[0], record: String = row[1], action: String? = row[2], field: String? = row[3]
            let batch: String? = row[7]
            let stated = (row[5] as String?).flatMap(Releasability.init(rawValue:))
            if action == Action.create.rawValue {
                // A create's change is stored with the record as created.
                if let stated { own[record] = stated }
                if (row[9] as String) == RecordKind.note.rawValue, let task = row[6] as String? { taskOf[record] = task }
            }
            // Before this change's own change of releasability; what a batch writes after
            // showing a record stays with who could see it before.
            var before = effective(record)
            if let batch, let pre = shown["\(batch)|\(record)"] { before = EffectiveReleasability.narrower(before, pre) }
            found.append((seq, record, batch, before, row[8]))
            if let batch { inBatch["\(batch)|\(record)", default: []].append(found.count - 1) }
            // A set of `releasable`, or a restore (its fields are the record's as restored).
            var given: Releasability?
            if action == Action.set.rawValue || action == Action.restore.rawValue, field == FieldName.releasable,
               let text = row[4] as String?, let value = try? JSONText.decode(FieldValue.self, text).text {
                given = Releasability(rawValue: value)
            } else if action == Action.restore.rawValue {
                given = stated
            }
            guard let r = given else { continue }
            let notesBefore = taskOf.filter { $0.value == record }.map { ($0.key, effective($0.key)) }
            let recordBefore = effective(record)
            own[record] = r
            if let batch {
                for (id, was) in [(record, recordBefore)] + notesBefore where was != effective(id) && shown["\(batch)|\(id)"] == nil {
                    shown["\(batch)|\(id)"] = .some(was)
                }
            }
            guard let batch else { continue }
            // What the batch wrote before hiding the record (or a task's notes) is hidden too.
            let notes = taskOf.filter { $0.value == record }.map(\.key)
            for id in [record] + notes {
                let now = effective(id)
                for i in inBatch["\(batch)|\(id)"] ?? [] where found[i].seq < seq {
                    found[i].effective = EffectiveReleasability.narrower(found[i].effective, now)
                }
            }
        }
        // The end of a conflict goes only to who could see one of its opening changes.
        let index = Dictionary(found.indices.map { (found[$0].seq, $0) }, uniquingKeysWith: { a, _ in a })
        let resolutions = try Row.fetchAll(db, sql: """
            SELECT c.seq, k.opened_seq FROM changes c JOIN json_each(c.resolved) j JOIN conflicts k ON k.id = j.value
            WHERE c.event = 'conflict_resolved' ORDER BY c.seq
            """)
        var saw: [Int: Releasability?] = [:]
        for row in resolutions {
            guard let i = index[row[0]], let opened = index[row[1]] else { continue }
            saw[i] = EffectiveReleasability.wider(saw[i] ?? nil, found[opened].effective)
        }
        for (i, who) in saw { found[i].effective = EffectiveReleasability.narrower(found[i].effective, who) }
        let update = try db.makeStatement(sql: "UPDATE changes SET effective = ? WHERE seq = ?")
        for f in found where f.missing {
            try update.execute(arguments: [EffectiveReleasability.encode(f.effective), f.seq])
        }
    }
}
