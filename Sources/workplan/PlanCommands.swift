import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanProtocol

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a replica with no server yet (work offline; join later).")
    @OptionGroup var options: ReplicaOptions
    @Option(help: "Your staff: EUMS or IMS.") var staff: String
    @Option(help: "Your name, as it appears on notes and in history.") var user: String

    func validate() throws {
        guard Staff(parsing: staff) != nil else { throw ValidationError("--staff must be EUMS or IMS (got '\(staff)')") }
        guard !user.trimmingWhitespace().isEmpty else { throw ValidationError("--user must not be empty") }
    }

    func run() async throws {
        let options = self.options, staff = Staff(parsing: staff)!, user = self.user
        try await Output.reportingErrors(folder: options.folder) {
            try Replica.checkInitFolder(options.folder)
            _ = try Replica.create(in: options.folder, staff: staff, user: user)
            Output.line("created replica in \(options.folder.path) for \(user.trimmingWhitespace()) (\(staff.rawValue)); work offline, then 'workplan join BUNDLE' to sync")
        }
    }
}

struct Area: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "area", abstract: "Cooperation areas.", subcommands: [AreaAdd.self, AreaRename.self, AreaList.self])
}

struct AreaAdd: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a cooperation area.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The area's name, e.g. \"Military Mobility\".") var name: String

    func validate() throws { try checkField(.area, "name", name) }

    func run(_ replica: Replica) async throws {
        let id = try replica.createRecord(.area, fields: ["name": .text(name)])
        Output.line("added area \(name.trimmingWhitespace()) (\(RecordID.short(id)))")
    }
}

struct AreaRename: ReplicaCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename", abstract: "Rename a cooperation area (its tasks stay in it).",
        discussion: "The area keeps its id, so links to it hold; the other staff sees the new name after both have synced.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The area: its name (any case) or id.") var area: String
    @Argument(help: "The new name.") var name: String

    func validate() throws { try checkField(.area, "name", name) }

    func run(_ replica: Replica) async throws {
        let id = try replica.areaID(named: area)
        let old = try replica.areas().first { $0.id == id }?.name ?? area
        let changed = try replica.edit(.area, id: id, [.set("name", .text(name))])
        let new = try replica.areas().first { $0.id == id }?.name ?? name
        Output.line(changed == 0 ? "area \(old) is already named so; nothing changed"
                                 : "renamed area \(old) to \(new) (\(RecordID.short(id)))")
    }
}

struct AreaList: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the cooperation areas.")
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Print JSON.") var json = false

    func run(_ replica: Replica) async throws {
        let areas = try replica.areas()
        if json { return try Output.json(areas) }
        if areas.isEmpty { return Output.line("no areas yet; add one with 'workplan area add NAME'") }
        for a in areas { Output.line("\(Output.pad(a.name, 40)) \(a.tasks) task\(a.tasks == 1 ? "" : "s")") }
    }
}

/// The task fields `add` and `edit` share.
struct TaskFieldOptions: ParsableArguments {
    @Option(help: "The cooperation area (by name).") var area: String?
    @Option(help: "Leading staff: EUMS, IMS or JOINT.") var lead: String?
    @Option(help: "The officer responsible.") var owner: String?
    @Option(help: "proposed, open, in-progress, blocked, done or cancelled.") var status: String?
    @Option(help: "low, medium or high.") var priority: String?
    @Option(help: "Due date, YYYY-MM-DD.") var due: String?
    @Option(help: "The conference at which it is to be reported (number).") var conference: String?
    @Option(name: .customLong("origin-conference"), help: "The conference that created it (number).") var originConference: String?
    @Option(help: "The task it follows on from (id).") var follows: String?
    @Option(name: .customLong("tag"), help: "A tag (repeat for several).") var tags: [String] = []
    @Option(help: "both, EUMS or IMS.") var releasable: String?
    @Option(help: "A longer description.") var description: String?

    func validate() throws {
        try checkField(.task, "lead", lead)
        try checkField(.task, "status", status)
        try checkField(.task, "priority", priority)
        try checkField(.task, "due", due)
        try checkField(.task, "conference", conference)
        try checkField(.task, "origin_conference", originConference)
        try checkField(.task, "releasable", releasable)
        try checkField(.task, "owner", owner)
        try checkField(.task, "description", description)
        for t in tags { try checkField(.task, "tags", t.isEmpty ? " " : t) }
        try validating { _ = try Validation.normalize(.set(tags), for: RecordKind.task.field("tags")!, kind: .task) }
    }

    /// The fields given, resolved against the replica (area name → id, short id → id).
    func fields(_ replica: Replica) throws -> [String: FieldValue] {
        var f: [String: FieldValue] = [:]
        if let area { f["area"] = .text(try replica.areaID(named: area)) }
        if let lead { f["lead"] = .text(lead) }
        if let owner { f["owner"] = .optionalText(owner) }
        if let status { f["status"] = .text(status) }
        if let priority { f["priority"] = .text(priority) }
        if let due { f["due"] = .optionalText(due) }
        if let conference { f["conference"] = .optionalText(conference) }
        if let originConference { f["origin_conference"] = .optionalText(originConference) }
        if let follows { f["follows"] = follows.isEmpty ? .null : .text(try replica.resolveID(.task, follows)) }
        if !tags.isEmpty { f["tags"] = .makeSet(tags) }
        if let releasable { f["releasable"] = .text(releasable) }
        if let description { f["description"] = .optionalText(description) }
        return f
    }
}

struct Add: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "add",
        abstract: "Add a task; prints its short id first.",
        discussion: "Defaults: status open, priority medium, lead = your staff, releasable both.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The task's title.") var title: String
    @OptionGroup var fields: TaskFieldOptions

    func validate() throws {
        try checkField(.task, "title", title)
        guard fields.area != nil else { throw ValidationError("--area is required (the cooperation area, by name)") }
    }

    func run(_ replica: Replica) async throws {
        var f = try fields.fields(replica)
        f["title"] = .text(title)
        if f["status"] == nil { f["status"] = .text("open") }
        if f["priority"] == nil { f["priority"] = .text("medium") }
        if f["lead"] == nil { f["lead"] = .text(replica.settings.staff.rawValue) }
        if f["releasable"] == nil { f["releasable"] = .text("both") }
        let id = try replica.createRecord(.task, fields: f)
        Output.line(RecordID.short(id))
    }
}

struct Edit: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Change a task.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The task's id (a unique prefix of 4 or more).") var id: String
    @Option(help: "A new title.") var title: String?
    @OptionGroup var fields: TaskFieldOptions
    @Option(name: .customLong("add-tag"), help: "Add a tag (repeatable).") var addTags: [String] = []
    @Option(name: .customLong("remove-tag"), help: "Remove a tag (repeatable).") var removeTags: [String] = []

    func validate() throws {
        try checkField(.task, "title", title)
        for t in addTags + removeTags { try checkField(.task, "tags", t.isEmpty ? " " : t) }
        // A tag both given and removed: the edit contradicts itself (the bad-input tester
        // saw "updated (2 changes)" and two history entries for no change at all).
        let removed = Set(removeTags.map { $0.trimmingWhitespace() })
        if let both = (addTags + fields.tags).map({ $0.trimmingWhitespace() }).first(where: removed.contains) {
            throw ValidationError("tag '\(both)' is both given and removed (--remove-tag): say which you mean")
        }
    }

    func run(_ replica: Replica) async throws {
        let taskID = try replica.resolveID(.task, id)
        var edits: [FieldEdit] = try fields.fields(replica).sorted { $0.key < $1.key }.map { .set($0.key, $0.value) }
        if let title { edits.append(.set("title", .text(title))) }
        // Read only when the edit may change it (a task view reads the notes too).
        let tagsBefore = removeTags.isEmpty && addTags.isEmpty ? [] : try replica.taskView(id: taskID).tags
        // Tags match whatever their case, as `list --tag` finds them (the text tester: NATO
        // added here and nato there were both kept, and '--remove-tag Nato' removed neither).
        // A tag removed is the one the task has, in each spelling it has; a tag added that
        // the task has in another spelling is not added again.
        var removing: [String] = [], absent: [String] = []
        for tag in removeTags.map({ $0.trimmingWhitespace() }) {
            let held = tagsBefore.contains(tag) ? [tag] : tagsBefore.filter { Replica.equalIgnoringCase($0, tag) }
            if held.isEmpty { absent.append(tag) }
            removing += held.isEmpty ? [tag] : held.filter { !removing.contains($0) }
        }
        let kept = tagsBefore.filter { !removing.contains($0) }
        var adding: [String] = [], spelledOtherwise: [String] = []
        for tag in addTags.map({ $0.trimmingWhitespace() }) {
            if let other = kept.first(where: { Replica.equalIgnoringCase($0, tag) && $0 != tag }) {
                spelledOtherwise.append(other)
            } else {
                adding.append(tag)
            }
        }
        // Removals first: one tag swapped for another on a task at the limit has room.
        edits += removing.map { .remove("tags", $0) }
        edits += adding.map { .add("tags", $0) }
        guard !edits.isEmpty || !spelledOtherwise.isEmpty else { throw WorkPlanError.invalid("nothing to change: give at least one option (see 'workplan edit --help')") }
        let releasableBefore = fields.releasable == nil ? nil : try replica.taskView(id: taskID).releasable
        let n = edits.isEmpty ? 0 : try replica.edit(.task, id: taskID, edits)
        // Counted as changes: a tag added and another removed are two changes of one field.
        Output.line(n == 0 ? "task \(RecordID.short(taskID)) unchanged" : "task \(RecordID.short(taskID)) updated (\(n) change\(n == 1 ? "" : "s"))")
        // A tag to remove that the task does not have is most often a typo: named, with the
        // tags it has. Not an error: the other staff may have removed it already, and the
        // officer's aim (the task without the tag) holds.
        if !spelledOtherwise.isEmpty {
            Output.line("task \(RecordID.short(taskID)) already has the tag \(spelledOtherwise.map { "'\($0)'" }.joined(separator: ", ")) (tags match whatever their case)")
        }
        if !absent.isEmpty {
            let has = tagsBefore.isEmpty ? "it has no tags" : "its tags: " + tagsBefore.sorted().joined(separator: ", ")
            Output.line("task \(RecordID.short(taskID)) has no tag \(absent.map { "'\($0)'" }.joined(separator: ", ")) to remove (\(has))")
        }
        if let releasableBefore, case let releasableNow = try replica.taskView(id: taskID).releasable,
           releasableNow != releasableBefore, let only = Staff(parsing: releasableNow), let other = Staff.allCases.first(where: { $0 != only }) {
            // A withdrawal: said plainly, as the README promises.
            Output.line("task \(RecordID.short(taskID)) is now releasable to \(only.rawValue) only: the next sync takes it, with its notes, from \(other.rawValue)'s copies")
        }
    }
}

struct Delete: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a task.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The task's id.") var id: String

    func run(_ replica: Replica) async throws {
        let taskID = try replica.resolveID(.task, id)
        try replica.deleteRecord(.task, id: taskID)
        Output.line("deleted task \(RecordID.short(taskID))")
    }
}

struct List: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tasks.")
    @OptionGroup var options: ReplicaOptions
    @Option(help: "Only this area.") var area: String?
    @Option(help: "Only this status.") var status: String?
    @Option(help: "Only this lead: EUMS, IMS or JOINT.") var lead: String?
    @Option(help: "Only tasks with this tag.") var tag: String?
    @Option(help: "Only tasks whose title or description contains this text.") var search: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        try checkField(.task, "status", status)
        try checkField(.task, "lead", lead)
        for (name, value) in [("search", search), ("tag", tag), ("area", area)] {
            if let value, value.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--\(name) needs some text (leave it out to list every task)")
            }
        }
    }

    func run(_ replica: Replica) async throws {
        let filter = TaskFilter(
            areaID: try area.map { try replica.areaID(named: $0) },
            status: status.map { $0.lowercased() }, lead: lead.map { $0.uppercased() },
            tag: tag, search: search)
        let tasks = try replica.tasks(filter)
        if json { return try Output.json(tasks) }
        if tasks.isEmpty { return Output.line("no tasks") }
        var lastArea = ""
        for t in tasks {
            if t.area != lastArea {
                Output.line(Output.bold(t.area))
                lastArea = t.area
            }
            let due = t.due ?? t.conference.map { "conf \($0)" } ?? ""
            Output.line("  \(Output.dim(t.shortId))  \(Output.pad(t.status, 11)) \(Output.pad(t.priority, 6)) \(Output.pad(t.lead, 5)) \(Output.pad(due, 10))  \(t.title)\(t.releasable == "both" ? "" : " [\(t.releasable) only]")")
        }
    }
}

struct Show: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a task with its notes.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The task's id.") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run(_ replica: Replica) async throws {
        let t = try replica.taskView(id: try replica.resolveID(.task, id))
        if json { return try Output.json(t) }
        Output.line(Output.bold(t.title) + "  " + Output.dim(t.shortId))
        Output.line("  area:       \(t.area)")
        Output.line("  status:     \(t.status)   priority: \(t.priority)   lead: \(t.lead)")
        if let o = t.owner { Output.line("  owner:      \(o)") }
        if let d = t.due { Output.line("  due:        \(d)") }
        if let c = t.conference { Output.line("  report at:  conference \(c)") }
        if let c = t.originConference { Output.line("  agreed at:  conference \(c)") }
        if let f = t.follows { Output.line("  follows:    \(RecordID.short(f))") }
        if !t.tags.isEmpty { Output.line("  tags:       \(t.tags.joined(separator: ", "))") }
        Output.line("  releasable: \(t.releasable)")
        if let d = t.description { Output.line(""); Output.line(d) }
        let notes = t.notes ?? []
        if !notes.isEmpty {
            Output.line("")
            Output.line(Output.bold("Notes"))
            for n in notes {
                Output.line("  \(n.createdAt.prefix(10)) \(n.author) (\(n.staff)\(n.enteredBy.map { ", entered by \($0)" } ?? ""))\(n.releasable == "both" ? "" : " [\(n.releasable) only]"): " + Output.continued(n.text, indent: 4))
            }
        }
    }
}

struct Note: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Add a progress note to a task (notes are never edited).")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The task's id.") var id: String
    @Argument(help: "The note.") var text: String
    @Option(help: "both, EUMS or IMS (default both; on a task releasable to one staff only, that staff).") var releasable: String?

    func validate() throws {
        try checkField(.note, "text", text)
        try checkField(.note, "releasable", releasable)
    }

    func run(_ replica: Replica) async throws {
        let taskID = try replica.resolveID(.task, id)
        let s = replica.settings
        // A note on a task kept to one staff is that staff's too unless said otherwise: one
        // written as "both" went to the other staff with the task the day it was shared.
        let taskOnly = try replica.record(.task, id: taskID)?.text(FieldName.releasable).flatMap(Releasability.init(rawValue:))?.onlyStaff
        let given = releasable ?? taskOnly?.rawValue ?? "both"
        let noteID = try replica.createRecord(.note, fields: [
            "task": .text(taskID), "text": .text(text), "author": .text(s.user),
            "staff": .text(s.staff.rawValue), "releasable": .text(given),
        ])
        Output.line("added note \(RecordID.short(noteID)) to task \(RecordID.short(taskID))"
                    + (releasable == nil && taskOnly != nil ? " (releasable to \(given) only, like its task; --releasable both to share it when the task is)" : ""))
    }
}
