import ArgumentParser
import Foundation
import WorkPlanCommandLine
import WorkPlanClient
import WorkPlanProtocol

struct Join: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "join",
        abstract: "Enrol with the bundle your administrator gave you.",
        discussion: "Works on a new folder, or on a replica made by 'init' (its offline edits are pushed on the first sync).")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The enrolment bundle file.") var bundle: String
    @Option(help: "The server URL, if not the one in the bundle (https://HOST:PORT).") var server: String?

    func validate() throws {
        if let server { try validating { _ = try ServerURL.validated(server) } }
    }

    func run() async throws {
        let options = self.options, path = bundle, server = self.server
        try await Output.reportingErrors(folder: options.folder) {
            let b = try Replica.readBundle(at: path)
            // A replica whose making stopped midway has no user yet: `join` finishes it.
            var before: String?
            if Replica.exists(in: options.folder), !Replica.isUnfinished(options.folder) {
                before = try Replica.open(in: options.folder).currentSettings().user
            }
            let replica = try Replica.join(folder: options.folder, bundle: b, serverURL: server)
            if let before, before != b.user {
                Output.line("this replica was made as '\(before)'; your bundle enrols '\(b.user)', so your offline notes are signed '\(b.user)'")
            }
            let s = try replica.currentSettings()
            let pending = try replica.pendingCount()
            Output.line("joined \(s.serverURL ?? "") as \(b.user) (\(b.staff.rawValue), \(b.role.rawValue))\(pending > 0 ? "; \(pending) offline edit\(pending == 1 ? "" : "s") will be pushed on 'workplan sync'" : "; run 'workplan sync'")")
        }
    }
}

struct Sync: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "sync",
        abstract: "Push pending edits, then pull; exit 0 when the sync completed (conflicts are normal).")
    @OptionGroup var options: ReplicaOptions

    func run(_ replica: Replica) async throws {
        let transport = try SyncEngine.transport(for: replica)
        let tty = isatty(STDERR_FILENO) == 1
        let progress: (@Sendable (String) -> Void)? = tty ? Sync.progressLine : nil
        let engine = SyncEngine(replica: replica, transport: transport, progress: progress)
        let report: SyncEngine.Report
        do {
            report = try await engine.run()
            if tty { StandardStream.error("\r\u{1B}[K") }
        } catch {
            if tty { StandardStream.error("\r\u{1B}[K") }
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        var parts = ["pushed \(report.pushed) edit\(report.pushed == 1 ? "" : "s")"]
        // Counted by edit: one edit (a create meeting a record both staffs made) may open
        // several conflicts; the open ones are counted below.
        if report.newConflicts > 0 { parts.append("\(report.newConflicts) of them in conflict") }
        parts.append("pulled \(report.pulled) change\(report.pulled == 1 ? "" : "s")")
        if report.withdrawn > 0 { parts.append("\(report.withdrawn) record\(report.withdrawn == 1 ? "" : "s") withdrawn") }
        Output.line("synced with \(report.server.map { "\($0.user.name)@" } ?? "")\(try replica.currentSettings().serverURL ?? ""): " + parts.joined(separator: ", "))
        if report.returned > 0 {
            Output.line("\(report.returned) of your edits set aside earlier went out: their record is releasable to \(try replica.currentSettings().staff.rawValue) again")
        }
        if report.setAside > 0 {
            Output.line(Output.yellow("\(report.setAside) of your edits could not be sent: kept, 'workplan status' lists each and why"))
        }
        if report.recovered {
            Output.line(Output.yellow("the server's store had been restored from a backup: re-pulled it and sent back \(report.recoveredRecords) record\(report.recoveredRecords == 1 ? "" : "s") it lacked"))
        }
        let open = report.openConflicts
        Output.line(open == 0 ? "no open conflicts" : Output.yellow("\(open) open conflict\(open == 1 ? "" : "s"): see 'workplan conflicts'"))
    }
}

extension Sync {
    /// A progress line that rewrites itself on a terminal.
    @Sendable static func progressLine(_ line: String) {
        StandardStream.error("\r\u{1B}[K\(line)")
    }
}

struct Conflicts: ReplicaCommand {
    /// The resolutions `resolve` accepts for a conflict (a delete is kept or not: no `--value`).
    /// `mineKeepsCurrent`: this officer made the current value, so `--mine` keeps it too.
    /// The conflict's kind after its field, when it is not a plain edit. An edit that met a
    /// delete reads as an edit once the record is back (`recordGone`), as its choices do.
    static func label(_ c: ConflictView) -> String {
        if c.type == ConflictType.edit.rawValue || (c.type == ConflictType.editDeleted.rawValue && !c.recordGone && c.field != Conflict.deletedField) {
            return ""
        }
        return " (\(c.type.replacingOccurrences(of: "_", with: " ")))"
    }

    static func choices(type: String, field: String, mineKeepsCurrent: Bool = false) -> String {
        switch (type, field, mineKeepsCurrent) {
        case (ConflictType.deleteChanged.rawValue, _, false): "--mine (delete it) | --theirs (keep it)"
        case (ConflictType.deleteChanged.rawValue, _, true): "--mine or --theirs (keep it, with your changes)"
        case (ConflictType.editDeleted.rawValue, Conflict.deletedField, false): "--mine (bring it back) | --theirs (leave it deleted)"
        case (ConflictType.editDeleted.rawValue, Conflict.deletedField, true): "--mine or --theirs (leave it deleted, as you did)"
        case (ConflictType.editDeleted.rawValue, _, true): "--mine or --theirs (leave it deleted, as you did) | --value V (bring it back with V)"
        case (_, _, true): "--mine or --theirs (keep the current value, yours) | --value V"
        default: "--mine|--theirs|--value V"
        }
    }


    static let configuration = CommandConfiguration(commandName: "conflicts", abstract: "Open conflicts: both values, who proposed what, when.")
    @OptionGroup var options: ReplicaOptions
    @Flag(help: "Print JSON.") var json = false

    func run(_ replica: Replica) async throws {
        let list = try replica.conflicts()
        if json { return try Output.json(list) }
        if list.isEmpty { return Output.line("no open conflicts") }
        // A viewer is shown no command it would be refused (the black-box tester).
        let me = try replica.currentSettings()
        for c in list {
            Output.line(Output.bold("\(c.kind) \(c.shortRecord)") + (c.title.map { " \($0)" } ?? "") + " — field \(c.field)" + Self.label(c))
            // A long text's later lines stay under its first (the docs tester).
            func value(_ v: FieldValue) -> String { Output.continued(TerminalText.isolated("\(v)"), indent: 12) }
            Output.line("  base:     \(value(c.base))")
            // A record deleted meanwhile: its field's last value is not a current one.
            Output.line("  current:  " + (c.currentIsFromDeletedRecord ? "(deleted; it was \(value(c.current)))" : value(c.current)))
            Output.line("  proposed: \(value(c.proposed))   by \(c.proposedBy) (\(c.staff)) at \(c.at)")
            guard me.role.canWrite else {
                Output.line("  resolve:  an editor resolves it (\(me.user) is a viewer)")
                continue
            }
            let choices = c.mineUnclear && c.type == ConflictType.edit.rawValue
                ? "--theirs | --value V (no one value is yours: choose one)"
                : Self.choices(type: c.type == ConflictType.editDeleted.rawValue && !c.recordGone ? ConflictType.edit.rawValue : c.type,
                               field: c.field, mineKeepsCurrent: c.mineKeepsCurrent)
            Output.line("  resolve:  workplan resolve \(c.shortRecord) \(c.field) \(choices)")
        }
    }
}

struct Resolve: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "resolve",
        abstract: "Settle a conflict: --mine (your value), --theirs (the current value) or --value V.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The record's id.") var id: String
    @Argument(help: "The field in conflict.") var field: String
    @Flag(help: "Keep your value: the one you (or your staff) proposed, or the current one if you set it.") var mine = false
    @Flag(help: "Keep the current value.") var theirs = false
    @Option(help: "Set this value instead.") var value: String?

    func validate() throws {
        let n = (mine ? 1 : 0) + (theirs ? 1 : 0) + (value != nil ? 1 : 0)
        guard n == 1 else { throw ValidationError("give exactly one of --mine, --theirs or --value V") }
    }

    func run(_ replica: Replica) async throws {
        let resolution: Resolution = mine ? .mine : theirs ? .theirs : .value(value!)
        let (c, queued) = try replica.settle(record: id, field: field, with: resolution)
        // Only when this resolution queued a restore of a record gone from here: once another
        // resolution brought it back, the message said so again for each of its other fields
        // (the docs tester); the deleter's --mine leaves it deleted (the review).
        let restores = try queued == .restore && replica.record(c.kind, id: c.record) == nil
        Output.line("resolved \(c.field) of \(c.kind.displayName) \(RecordID.short(c.record)); 'workplan sync' sends the resolution"
                    + (restores ? " and brings the \(c.kind.displayName) back here" : ""))
    }
}

struct History: ReplicaCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Every change to a record: field, old, new, who, staff, when.")
    @OptionGroup var options: ReplicaOptions
    @Argument(help: "The record's id (or a conference number).") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run(_ replica: Replica) async throws {
        let (kind, recordID) = try replica.resolveAnyRecord(id)
        let entries = try replica.history(record: recordID)
        if json { return try Output.json(entries) }
        if entries.isEmpty { return Output.line("no history for \(RecordID.short(recordID))") }
        // Areas by name, tasks by short id (the JSON keeps the ids).
        let areas = try replica.areaNames()
        let show = { (field: String?, value: FieldValue?) -> String in
            guard let value else { return FieldValue.null.description }
            guard let field else { return value.description }
            return Replica.readable(value, field: field, of: kind, areas: areas)
        }
        // One entry per line; a long text's later lines indented under it (the docs tester).
        func line(_ text: String) { Output.line(Output.continued(text, indent: 4)) }
        for e in entries {
            let who = "\(e.user) (\(e.staff))"
            // In UTC, and saying so, as the brief does: an officer in Brussels read 09:00 as
            // local time (the clock tester).
            let when = e.at.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
            let tag = e.synced ? Output.dim("#\(e.seq ?? 0)") : Output.yellow("(not yet synced)")
            switch (e.event, e.action) {
            case ("change", "create"?):
                let created = e.fields.map { Replica.summary($0, showing: show) } ?? show(nil, e.new)
                line("\(when) \(who) created: \(created) \(tag)")
            case ("change", "delete"?): line("\(when) \(who) deleted it \(tag)")
            case ("change", "restore"?):
                let with = e.field.map { f in ", with \(f): \(e.old.map { "\(show(f, $0)) → " } ?? "")\(show(f, e.new))" } ?? ""
                line("\(when) \(who) restored it\(with) \(tag)")
            case ("snapshot", _):
                // The whole record, sent when it became visible here (shared, or brought back).
                let fields = e.fields.map { Replica.summary($0, showing: show) } ?? show(nil, e.new)
                line("\(when) \(who) the record as it then stood: \(fields) \(tag)")
            case ("change", "resolve"?): line("\(when) \(who) settled a conflict keeping the current value \(tag)")
            case ("change", "add"?): line("\(when) \(who) added \(show(e.field, e.element ?? e.new)) to \(e.field ?? "") \(tag)")
            case ("change", "remove"?): line("\(when) \(who) removed \(show(e.field, e.element ?? e.new)) from \(e.field ?? "") \(tag)")
            case ("change", _): line("\(when) \(who) \(e.action ?? "set") \(e.field ?? ""): \(e.old.map { "\(show(e.field, $0)) → " } ?? "")\(show(e.field, e.new)) \(tag)")
            case ("conflict_opened", _): line("\(when) \(who) conflict on \(e.field ?? ""): proposed \(show(e.field, e.new)), kept \(show(e.field, e.old)) \(tag)")
            case ("conflict_resolved", _): line("\(when) \(who) conflict resolved\(e.field.map { " on \($0)" } ?? "") \(tag)")
            default: line("\(when) \(who) \(e.event) \(tag)")
            }
        }
    }
}

struct Recover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recover",
        abstract: "Rebuild a damaged replica, keeping the unpushed edits it can still read.",
        discussion: "The damaged file is kept beside the new one. An enrolled replica gets the plan back on the next 'workplan sync'.")
    @OptionGroup var options: ReplicaOptions
    @Option(help: "Your staff, if the damaged file and the folder cannot tell.") var staff: String?
    @Option(help: "Your name, if the damaged file and the folder cannot tell.") var user: String?
    @Flag(help: "Rebuild the replica even though it is not damaged.") var force = false

    func validate() throws {
        if let staff, Staff(parsing: staff) == nil { throw ValidationError("--staff must be EUMS or IMS (got '\(staff)')") }
    }

    func run() async throws {
        let options = self.options, staff = self.staff.flatMap(Staff.init(parsing:)), user = self.user, force = self.force
        try await Output.reportingErrors(folder: options.folder) {
            let r = try Replica.salvage(folder: options.folder, staff: staff, user: user, force: force)
            Output.line("moved the damaged file to \(r.damagedCopy)")
            if r.pendingUnreadable {
                Output.line(Output.yellow("its unpushed edits could not be read; the file is kept for manual recovery (see docs/operations.md)"))
            } else {
                Output.line("kept \(r.savedEdits) unpushed edit\(r.savedEdits == 1 ? "" : "s")")
            }
            let next = r.pendingUnreadable || r.savedEdits == 0 ? "run 'workplan sync' to pull the plan again" : "run 'workplan sync' to push them and pull the plan again"
            Output.line(r.enrolled ? next : "this replica has no server: re-import your last export ('workplan import FILE')")
        }
    }
}
