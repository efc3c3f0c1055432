import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanProtocol

struct Status: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Pending edits, open conflicts, last sync, server.")
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Print JSON.") var json = false

    struct Report: Encodable {
        var user: String
        var staff: String
        var pending: Int
        var conflicts: Int
        var lastSync: String?
        var server: String?
        var setAside: [Replica.SetAsideEdit]
        /// Records an unfinished recovery holds, if one waits.
        var recoveryHeld: Int?

        enum CodingKeys: String, CodingKey {
            case user, staff, pending, conflicts
            case lastSync = "last_sync"
            case server
            case setAside = "set_aside"
            case recoveryHeld = "recovery_held"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(user, forKey: .user)
            try c.encode(staff, forKey: .staff)
            try c.encode(pending, forKey: .pending)
            try c.encode(conflicts, forKey: .conflicts)
            try c.encode(lastSync, forKey: .lastSync)
            try c.encode(server, forKey: .server)
            try c.encode(setAside, forKey: .setAside)
            try c.encodeIfPresent(recoveryHeld, forKey: .recoveryHeld)
        }
    }

    func run(_ replica: Replica) async throws {
        let s = try replica.currentSettings()
        let report = Report(user: s.user, staff: s.staff.rawValue, pending: try replica.pendingCount(),
                            conflicts: try replica.openConflictCount(), lastSync: s.lastSync.map(TimeFormat.iso), server: s.serverURL,
                            setAside: try replica.setAsideEdits(), recoveryHeld: try replica.unfinishedRecoveryRecords())
        if json { return try Output.json(report) }
        Output.line("\(report.user) (\(report.staff))")
        Output.line("pending edits:  \(report.pending)")
        Output.line("open conflicts: \(report.conflicts)")
        Output.line("last sync:      \(report.lastSync ?? "never")")
        Output.line("server:         \(report.server ?? "none (offline replica; 'workplan join BUNDLE' to enrol)")")
        if let held = report.recoveryHeld {
            Output.line(Output.yellow("recovery:       unfinished: the server was restored from a backup, and the \(held) records held here wait to be compared with it and sent back; run 'workplan sync' (until then 'export' writes them as held)"))
        }
        guard !report.setAside.isEmpty else { return }
        Output.line(Output.yellow("set aside:      \(report.setAside.count) edit\(report.setAside.count == 1 ? "" : "s") that can no longer be sent (kept here; each says why):"))
        for e in report.setAside {
            let what = e.field.map { "\(e.action) \($0)" + (e.value.map { " \(Self.display($0))" } ?? "") } ?? e.action
            Output.line("  \(e.kind) \(e.record) \"\(e.title)\": \(what), made \(e.madeAt): \(e.reason)")
            // A create's own values: the officer's words (a note's text) are shown, not only kept.
            for (name, value) in (e.fields ?? [:]).sorted(by: { $0.key < $1.key }) where value != .null {
                Output.line("      \(name): " + Self.display(value).replacingOccurrences(of: "\n", with: "\n        "))
            }
        }
    }
}

extension Status {
    static func display(_ v: FieldValue) -> String {
        switch v {
        case .null: "(empty)"
        case .text(let t): "\"\(TerminalText.isolated(t))\""
        case .set(let s): "[" + s.joined(separator: ", ") + "]"
        }
    }
}

struct Export: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the whole plan as JSON, or the tasks as CSV.")
    @OptionGroup var options: ReplicaOptions
    @Option(help: "json or csv.") var format: String = "json"
    @Option(help: "Write to this file instead of stdout.") var output: String?

    func validate() throws {
        guard ["json", "csv"].contains(format.lowercased()) else { throw ValidationError("--format must be json or csv (got '\(format)')") }
        if let output, output.isEmpty { throw ValidationError("--output needs a file name") }
    }

    func run(_ replica: Replica) async throws {
        let data: Data
        let held = try replica.unfinishedRecoveryRecords()
        if let held, format.lowercased() != "json" {
            throw WorkPlanError.invalid("a recovery after the server's restore is unfinished: the task list here lacks the \(held) records held for it; run 'workplan sync' first, or export --format json, which writes them as held")
        }
        if format.lowercased() == "csv" {
            data = Data(try replica.exportTasksCSV().utf8)
        } else {
            data = try Output.jsonEncoder.encode(try replica.exportPlan()) + Data("\n".utf8)
        }
        if let held {
            Output.note("a recovery after the server's restore is unfinished: this export holds the plan as this replica held it when the recovery began (\(held) records); 'workplan sync' finishes the recovery")
        }
        if let output {
            try Output.write(data, to: output, besides: options.folder)
        } else {
            Output.out(data)
        }
    }
}

struct Import: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Read a plan written by 'workplan export' (all or nothing).")

    /// The offset of the first byte that is not part of a well-formed UTF-8 character, or nil.
    static func firstByteNotUTF8(_ data: Data) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The export file.") var file: String

    func run(_ replica: Replica) async throws {
        let data = try LocalFile.read(file, what: "the export file")
        let plan: PlanExport
        do {
            plan = try PlanExport.decode(data)
        } catch let e as DecodingError {
            // A file in another encoding read as a string "not a text" (the text tester, a
            // Latin-1 file): said as it is. UTF-16 and UTF-32 with a byte order mark read.
            if let offset = Self.firstByteNotUTF8(data), !data.starts(with: [0xFF, 0xFE]), !data.starts(with: [0xFE, 0xFF]) {
                throw WorkPlanError.invalid("\(file) is not UTF-8 text (byte \(offset) is not part of a UTF-8 character): an export is UTF-8; convert the file (for example iconv -f LATIN1 -t UTF-8) and import it again")
            }
            throw WorkPlanError.invalid("\(file) is not a WorkPlan export: \(Output.describe(e))")
        }
        let r = try replica.importPlan(plan)
        Output.line("imported \(file): \(r.created) record\(r.created == 1 ? "" : "s") created, \(r.updated) updated")
        if r.keptNewer > 0 {
            Output.line(Output.yellow("kept \(r.keptNewer) value\(r.keptNewer == 1 ? "" : "s") as \(r.keptNewer == 1 ? "it is" : "they are") here: the file holds \(r.keptNewer == 1 ? "a value its field" : "values their fields") had before (an older export does); to go back to one on purpose, use 'workplan edit'"))
        }
        for loop in r.loopsCut {
            Output.line(Output.yellow("task \(RecordID.short(loop[0])) was imported without its follow-on link: the links went round in a loop (\(loop.map(RecordID.short).joined(separator: " → ")))"))
        }
        if r.otherStaffNotes > 0 {
            Output.line(Output.yellow("left out \(r.otherStaffNotes) note\(r.otherStaffNotes == 1 ? "" : "s") signed by the other staff: only they may send \(r.otherStaffNotes == 1 ? "it" : "them"), and sync brings \(r.otherStaffNotes == 1 ? "it" : "them") here"))
        }
        if r.otherStaffOnly > 0 {
            let other = try replica.currentSettings().staff == .EUMS ? "IMS" : "EUMS"
            Output.line(Output.yellow("left out \(r.otherStaffOnly) record\(r.otherStaffOnly == 1 ? "" : "s") only \(other) may see (releasable to \(other) only, or a note of such a task), and the links to \(r.otherStaffOnly == 1 ? "it" : "them")"))
        }
        if r.danglingLinks > 0 {
            Output.line("\(r.danglingLinks) task\(r.danglingLinks == 1 ? "" : "s") that agenda items or follow-ons of the file link to \(r.danglingLinks == 1 ? "is" : "are") in neither the file nor this replica (deleted since): the links are kept as they are")
        }
        if r.leftDeleted > 0 {
            Output.line(Output.yellow("left \(r.leftDeleted) record\(r.leftDeleted == 1 ? "" : "s") deleted: deleted here since the file was exported"))
        }
    }
}
