import WorkPlanProtocol

/// Building operations for tests without repeating every field.
public enum PlanFixtures {
    public static let at: Timestamp = 1_701_424_800_000

    /// A create of the area `name` (its id comes from the name).
    public static func createArea(_ name: String) -> PlanOperation {
        PlanOperation(record: RecordID.area(named: name), kind: .area, action: .create,
                      fields: ["name": .text(name)], baseRev: 0, at: at)
    }

    /// A create of conference `number`, planned (its id comes from the number).
    public static func createConference(number: Int, date: String = "2024-05-14", host: Staff = .EUMS) -> PlanOperation {
        PlanOperation(record: RecordID.conference(number: number), kind: .conference, action: .create,
                      fields: ["number": .text(String(number)), "date": .text(date), "host": .text(host.rawValue),
                               "status": .text("planned")],
                      baseRev: 0, at: at)
    }

    /// A create of a task in `area` with the given extra fields.
    public static func createTask(id: String = RecordID.random(), title: String, area: String,
                                  releasable: Releasability = .both, lead: String = "EUMS",
                                  extra: [String: FieldValue] = [:]) -> PlanOperation {
        var fields: [String: FieldValue] = [
            "title": .text(title), "area": .text(RecordID.area(named: area)), "lead": .text(lead),
            "status": .text("open"), "priority": .text("medium"), "releasable": .text(releasable.rawValue),
        ]
        fields.merge(extra) { $1 }
        return PlanOperation(record: id, kind: .task, action: .create, fields: fields, baseRev: 0, at: at)
    }

    /// A create of a note on `task`.
    public static func createNote(id: String = RecordID.random(), task: String, text: String, author: String,
                                  staff: Staff, releasable: Releasability = .both) -> PlanOperation {
        PlanOperation(record: id, kind: .note, action: .create,
                      fields: ["task": .text(task), "text": .text(text), "author": .text(author),
                               "staff": .text(staff.rawValue), "releasable": .text(releasable.rawValue)],
                      baseRev: 0, at: at)
    }

    /// A `set` of one field.
    public static func set(_ record: String, kind: RecordKind = .task, _ field: String, _ value: FieldValue,
                           baseRev: Int64, resolves: [String]? = nil) -> PlanOperation {
        PlanOperation(record: record, kind: kind, action: .set, field: field, value: value,
                      baseRev: baseRev, resolves: resolves, at: at)
    }
}
