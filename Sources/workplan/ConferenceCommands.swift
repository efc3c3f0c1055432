import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanProtocol

struct Conference: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conference",
        abstract: "Director Generals conferences.",
        subcommands: [ConferenceAdd.self, ConferenceList.self, ConferenceShow.self, ConferenceGuidance.self, ConferenceClose.self])
}

/// A conference number argument, checked by the model's rules.
func checkConferenceNumber(_ n: String) throws {
    try checkField(.conference, "number", n)
}

struct ConferenceAdd: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a planned conference.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The conference number, e.g. 21.") var number: String
    @Option(help: "Date, YYYY-MM-DD.") var date: String
    @Option(help: "Host staff: EUMS or IMS.") var host: String
    @Option(help: "Where it is held.") var place: String?

    func validate() throws {
        try checkConferenceNumber(number)
        try checkField(.conference, "date", date)
        try checkField(.conference, "host", host)
        try checkField(.conference, "place", place)
    }

    func run(_ replica: Replica) async throws {
        var f: [String: FieldValue] = ["number": .text(number), "date": .text(date), "host": .text(host), "status": .text("planned")]
        if let place { f["place"] = .optionalText(place) }
        try replica.createRecord(.conference, fields: f)
        Output.line("added conference \(Int(number)!) on \(date)")
    }
}

struct ConferenceList: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List conferences.")
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Print JSON.") var json = false

    func run(_ replica: Replica) async throws {
        let list = try replica.conferences()
        if json { return try Output.json(list) }
        if list.isEmpty { return Output.line("no conferences yet") }
        for c in list {
            Output.line("\(Output.pad(String(c.number), 4)) \(c.date)  \(Output.pad(c.status, 8)) host \(Output.pad(c.host, 5)) \(c.place ?? "")")
        }
    }
}

struct ConferenceShow: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a conference with its agenda.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The conference number.") var number: String
    @Flag(help: "Print JSON.") var json = false

    func validate() throws { try checkConferenceNumber(number) }

    func run(_ replica: Replica) async throws {
        let c = try replica.conferenceView(number: Int(number)!)
        if json { return try Output.json(c) }
        Output.line(Output.bold("Conference \(c.number)") + " — \(c.date), hosted by \(c.host)\(c.place.map { " at \($0)" } ?? ""), \(c.status)")
        try AgendaList.print(c.agenda ?? [], replica)
        if let g = c.guidance {
            Output.line("")
            Output.line(Output.bold("Guidance"))
            Output.line(g)
        }
    }
}

struct ConferenceGuidance: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "guidance", abstract: "Record the Director Generals' guidance.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The conference number.") var number: String
    @Argument(help: "The guidance text.") var text: String

    func validate() throws {
        try checkConferenceNumber(number)
        try checkNotBlank(text, "the guidance text")
        try checkField(.conference, "guidance", text)
    }

    func run(_ replica: Replica) async throws {
        let c = try replica.conference(number: Int(number)!)
        try replica.edit(.conference, id: c.id, [.set("guidance", .text(text))])
        Output.line("guidance recorded for conference \(Int(number)!)")
    }
}

struct ConferenceClose: ReplicaCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Mark a conference held; the plan's state then is its baseline.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The conference number.") var number: String

    func validate() throws { try checkConferenceNumber(number) }

    func run(_ replica: Replica) async throws {
        let c = try replica.conference(number: Int(number)!)
        guard c.text("status") != "held" else { throw WorkPlanError.invalid("conference \(Int(number)!) is already held") }
        try replica.edit(.conference, id: c.id, [.set("status", .text("held"))])
        Output.line("conference \(Int(number)!) marked held; its baseline is the plan as it stands now")
        // Not refused (the other staff may have closed it on its replica), but said: there
        // is no reopening (the clock tester closed 21 for 20 by a slip).
        let open = try replica.conferences().filter { $0.number < Int(number)! && $0.status != "held" }.map { String($0.number) }
        if !open.isEmpty {
            Output.line(Output.yellow("note: conference\(open.count == 1 ? "" : "s") \(open.joined(separator: ", ")) before it \(open.count == 1 ? "is" : "are") not held yet"))
        }
        if let date = c.text("date"), date > TimeFormat.date(Clock.now()) {
            Output.line(Output.yellow("note: conference \(Int(number)!) is dated \(date), after today"))
        }
    }
}

struct Agenda: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agenda",
        abstract: "A conference's agenda.", subcommands: [AgendaAdd.self, AgendaList.self, AgendaOutcome.self])
}

struct AgendaAdd: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an agenda item; prints its id.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The conference number.") var number: String
    @Argument(help: "The topic.") var topic: String
    @Option(name: .customLong("task"), help: "A task the item covers (repeatable).") var tasks: [String] = []
    @Option(help: "Who presents it.") var presenter: String?
    @Option(help: "Place it after this item (id); default: at the end.") var after: String?
    @Option(help: "both, EUMS or IMS (default both).") var releasable: String?

    func validate() throws {
        try checkConferenceNumber(number)
        try checkField(.agendaItem, "topic", topic)
        try checkField(.agendaItem, "presenter", presenter)
        try checkField(.agendaItem, "releasable", releasable)
    }

    func run(_ replica: Replica) async throws {
        let n = Int(number)!
        _ = try replica.conference(number: n)
        let items = try replica.agenda(number: n)
        let position: String
        if let after {
            let afterID = try replica.resolveID(.agendaItem, after)
            guard let i = items.firstIndex(where: { $0.id == afterID }) else {
                throw WorkPlanError.invalid("agenda item \(after) is not on conference \(n)'s agenda")
            }
            position = PositionKey.forNewItem(after: items[i].position, before: i + 1 < items.count ? items[i + 1].position : nil)
        } else {
            position = PositionKey.forNewItem(after: items.last?.position, before: nil)
        }
        var f: [String: FieldValue] = ["conference": .text(String(n)), "topic": .text(topic), "position": .text(position),
                                       "releasable": .text(releasable ?? "both")]
        if !tasks.isEmpty { f["tasks"] = .makeSet(try tasks.map { try replica.resolveID(.task, $0) }) }
        if let presenter { f["presenter"] = .optionalText(presenter) }
        let id = try replica.createRecord(.agendaItem, fields: f)
        Output.line(RecordID.short(id))
    }
}

struct AgendaList: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a conference's agenda in order.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The conference number.") var number: String
    @Flag(help: "Print JSON.") var json = false

    func validate() throws { try checkConferenceNumber(number) }

    func run(_ replica: Replica) async throws {
        _ = try replica.conference(number: Int(number)!)
        let items = try replica.agenda(number: Int(number)!)
        if json { return try Output.json(items) }
        try AgendaList.print(items, replica)
    }

    /// The items, one line each. A task deleted since an item was written is marked so (the
    /// item keeps its id; `show` of it says there is no such task).
    static func print(_ items: [AgendaItemView], _ replica: Replica) throws {
        if items.isEmpty { return Output.line("no agenda items") }
        let live = try replica.liveTasks(among: items.flatMap(\.tasks))
        for (i, item) in items.enumerated() {
            var line = "\(i + 1). \(item.topic)  \(Output.dim(item.shortId))"
            if let p = item.presenter { line += " — \(p)" }
            let tasks = item.tasks.map { RecordID.short($0) + (live.contains($0) ? "" : " (deleted)") }
            if !tasks.isEmpty { line += " [tasks: \(tasks.joined(separator: ", "))]" }
            Output.line(line)
            if let o = item.outcome { Output.line("   outcome: " + Output.continued(o, indent: 12)) }
        }
    }
}

struct AgendaOutcome: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "outcome", abstract: "Record an agenda item's outcome.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The agenda item's id.") var item: String
    @Argument(help: "The outcome.") var text: String

    func validate() throws {
        try checkNotBlank(text, "the outcome text")
        try checkField(.agendaItem, "outcome", text)
    }

    func run(_ replica: Replica) async throws {
        let id = try replica.resolveID(.agendaItem, item)
        try replica.edit(.agendaItem, id: id, [.set("outcome", .text(text))])
        Output.line("outcome recorded for agenda item \(RecordID.short(id))")
    }
}
