import GRDB
import WorkPlanProtocol
import WorkPlanSQLite

/// `LinkRules` applied to a pull page: what the page sends of a link field leaves out the
/// records this staff may not see now, and when a task is shared with the staff or
/// withdrawn from it, the records linking to it come again as snapshots, with the link or
/// without it.
extension PullPage {
    /// Whether this staff may see record `id` now (nil effective or no such record: no).
    mutating func canSeeLinked(_ id: String) throws -> Bool {
        let key = RecordID.parse(id) ?? id
        if let known = linkVisibility[key] { return known }
        let effective = try String.fetchOne(db.cachedStatement(sql: "SELECT effective FROM records WHERE id = ?"), arguments: [key])
        let visible = effective.map { AccessRules.canSee(staff, EffectiveReleasability.decode($0)) } ?? false
        linkVisibility[key] = visible
        return visible
    }

    /// A value of a link field as stored (JSON text) without the hidden records, or nil when
    /// it hides none.
    mutating func visibleLinkValue(_ text: String) throws -> String? {
        guard let value = WireDecoding.fieldValue(text: text),
              let visible = try LinkRules.visible(value, canSee: { try canSeeLinked($0) }) else { return nil }
        return JSONWriter.encode(visible)
    }

    /// A record's fields text without hidden links, or nil when it has none.
    mutating func visibleFields(_ text: String, kind: RecordKind) throws -> String? {
        var out = text, changed = false
        for name in LinkRules.fields(of: kind) {
            guard let value = FieldsText.anyValue(of: name, in: out),
                  let visible = try LinkRules.visible(value, canSee: { try canSeeLinked($0) }) else { continue }
            guard let replaced = FieldsText.anySetting(name, to: visible, in: out) else {
                throw WorkPlanError(.corrupt, "a stored record's fields cannot be read")
            }
            out = replaced
            changed = true
        }
        return changed ? out : nil
    }

    /// A conflict as stored (JSON text) without hidden links in its values, or nil when it
    /// shows none.
    mutating func visibleConflict(_ text: String, kind: RecordKind) throws -> String? {
        let fields = LinkRules.fields(of: kind)
        guard !fields.isEmpty, fields.contains(where: { text.contains("\"\($0)\"") }) else { return nil }
        return try LinkRules.visible(try JSONText.decode(Conflict.self, text), canSee: { try canSeeLinked($0) }).map(JSONText.encode)
    }

    /// What a change row of `kind` sends in place of its stored JSON columns (old, value,
    /// fields, conflict), by column; `nil` when the change is not sent at all: adding or
    /// removing a hidden record in a set (the staff's copy never held it).
    mutating func linkRedactions(_ row: SQLRow, kind: RecordKind) throws -> [Int32: String?]? {
        let links = LinkRules.fields(of: kind)
        guard !links.isEmpty else { return [:] }
        var out: [Int32: String?] = [:]
        if let field = row.optionalText(5), links.contains(field) {
            let action = row.optionalText(4)
            if action == Action.add.rawValue || action == Action.remove.rawValue,
               let element = row.optionalText(7).flatMap(WireDecoding.fieldValue(text:))?.text, try !canSeeLinked(element) {
                return nil
            }
            for column: Int32 in [6, 7] {
                if let text = row.optionalText(column), let visible = try visibleLinkValue(text) { out[column] = visible }
            }
        }
        if let fields = row.optionalText(8), let visible = try visibleFields(fields, kind: kind) { out[8] = visible }
        if let conflict = row.optionalText(13), let visible = try visibleConflict(conflict, kind: kind) { out[13] = visible }
        return out
    }

    /// After tasks were shared with this staff or withdrawn from it (`changed`, by id, with
    /// the change that did it): the records linking to them that the staff may see, as
    /// snapshots of now (their links to what the staff may not see left out), so its
    /// copies gain or lose the links. One pass over the tasks with a `follows` and the
    /// agenda items; a page holds few such changes.
    mutating func emitLinkingSnapshots(to changed: [String: Trigger]) throws {
        guard !changed.isEmpty else { return }
        let select = try db.cachedStatement(sql: """
            SELECT id, kind, fields, revs, created_at, effective, created_seq, created_by,
                   (SELECT staff FROM users WHERE name = records.created_by) FROM records
            WHERE deleted = 0 AND ((kind = 'task' AND instr(fields, '"follows":') > 0) OR kind = 'agenda_item')
            """)
        for rec in try Row.fetchAll(select) {
            guard AccessRules.canSee(staff, EffectiveReleasability.decode(rec[5])),
                  let kind = RecordKind(rawValue: rec[1]) else { continue }
            let fields: String = rec[2]
            var linked: [String] = []
            for name in LinkRules.fields(of: kind) {
                let value = FieldsText.anyValue(of: name, in: fields) ?? .null
                linked += value.elements.map { RecordID.parse($0) ?? $0 }.filter { changed[$0] != nil }
            }
            // Under the seq of the latest such change among its links.
            guard let trigger = linked.compactMap({ changed[$0] }).max(by: { $0.seq < $1.seq }) else { continue }
            try emitSnapshot(rec, seq: trigger.seq, trigger: trigger)
        }
    }
}
