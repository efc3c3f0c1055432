import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanProtocol

/// `workplan brief --conference N [--format md|html] [--output FILE]`
struct Brief: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "brief",
        abstract: "Print the brief for a Director Generals conference.",
        discussion: "The conference's details and agenda, the plan by area, what changed since the previous held conference's baseline, follow-on tasks, overdue tasks and open conflicts.")
    @OptionGroup var options: ReplicaOptions
    @Option(help: "The conference number.") var conference: String
    @Option(help: "md (Markdown, the default) or html (one self-contained file).") var format: String = "md"
    @Option(help: "Write to this file instead of stdout.") var output: String?

    func validate() throws {
        try checkConferenceNumber(conference)
        // In any case, as `export --format` and every other value of a fixed list.
        guard ["md", "html"].contains(format.lowercased()) else {
            throw ValidationError("unknown format '\(format)'; use md or html")
        }
        if let output, output.isEmpty { throw ValidationError("--output needs a file name") }
    }

    func run(_ replica: Replica) async throws {
        guard let number = Int(conference) else { throw WorkPlanError.invalid("'\(conference)' is not a conference number") }
        let brief = try replica.brief(conference: number)
        let text = format.lowercased() == "html" ? BriefHTML.render(brief) : BriefMarkdown.render(brief)
        guard let output else { return Output.line(text) }
        try Output.write(Data(text.utf8), to: output, besides: options.folder)
        Output.note("brief for conference \(number) written to \(output)")
    }
}

/// `workplan changes --since-conference N [--json]`
struct Changes: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "changes",
        abstract: "What changed after a held conference's baseline, field by field.")
    @OptionGroup var options: ReplicaOptions
    @Option(name: .customLong("since-conference"), help: "A held conference's number.") var since: String
    @Flag(help: "Print JSON.") var json = false

    func validate() throws { try checkConferenceNumber(since) }

    func run(_ replica: Replica) async throws {
        guard let number = Int(since) else { throw WorkPlanError.invalid("'\(since)' is not a conference number") }
        let set = try replica.changes(sinceConference: number)
        if json { return try Output.json(set) }
        Output.line(Output.bold("Since the baseline of conference \(number)") + Output.dim(" (\(set.baseline?.description ?? ""))"))
        Output.line("created \(set.created.count), closed \(set.closed.count), changed \(set.changed.count), deleted \(set.deleted.count)")
        if set.changes.isEmpty { return Output.line("no changes") }
        for c in set.changes {
            let what: String
            switch c.action {
            case "create": what = c.kind == "note" ? "note added: \(c.new?.description ?? "")" : "created"
            case "delete": what = "deleted"
            case "restore" where c.field == nil: what = "restored"
            default: what = "\(c.field ?? "?"): \(c.old?.description ?? "(none)") → \(c.new?.description ?? "(none)")"
            }
            let pending = c.synced ? "" : Output.yellow(" (not synced)")
            Output.line("\(c.at)  \(Output.pad(c.kind, 11)) \(c.shortId)  \(c.title.prefix(40))  \(what)  — \(c.user) (\(c.staff))\(pending)")
        }
    }
}
