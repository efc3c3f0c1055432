import Foundation
import Testing
import WorkPlanTestSupport

struct ConflictJSON: Decodable, Equatable {
    var record: String
    var field: String
    var base: JSONValue
    var current: JSONValue
    var proposed: JSONValue
    var proposed_by: String
    var at: String
    var record_deleted: Bool?
}

/// A field value as JSON: null, a text, or a list.
enum JSONValue: Decodable, Equatable {
    case null, text(String), list([String])
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let s = try? c.decode(String.self) { self = .text(s) } else { self = .list(try c.decode([String].self)) }
    }
}

/// A server process and two enrolled officers, one per staff, both synced once.
final class SyncScenario: @unchecked Sendable {
    let tmp: TemporaryDirectory
    let server: ServerProcess
    let eums: Officer
    let ims: Officer

    init(serverEnv: [String: String] = [:]) throws {
        tmp = try TemporaryDirectory(prefix: "workplan-e2e")
        server = try ServerProcess(home: tmp.child("server").path)
        try server.start(env: serverEnv)
        eums = try Self.join(server, tmp, "Col. A. Dupont", staff: "EUMS", dir: "eums")
        ims = try Self.join(server, tmp, "Lt Col. B. Smith", staff: "IMS", dir: "ims")
    }

    static func join(_ server: ServerProcess, _ tmp: TemporaryDirectory, _ name: String, staff: String, role: String = "editor", dir: String) throws -> Officer {
        let bundle = try server.enrol(name, staff: staff, role: role, in: tmp)
        let o = Officer(dir: tmp.child(dir).path)
        try o.ok("join", bundle)
        return o
    }

    /// An IMS replica made offline with `init` (not joined), holding one task with a note
    /// ("Written offline"). Returns it and the task's short id.
    func offlineReplicaWithATask(user: String) throws -> (Officer, String) {
        let o = Officer(dir: tmp.child("offline-\(user.filter(\.isLetter))").path)
        try o.ok("init", "--staff", "IMS", "--user", user)
        try o.ok("area", "add", "Medical Cooperation")
        let t = try o.run("add", "Deployable medical modules", "--area", "Medical Cooperation").firstLine
        try o.ok("note", t, "Written offline")
        return (o, t)
    }

    /// One task both staffs have, after both synced. Returns its short id.
    func sharedTask(description: String? = nil) throws -> String {
        try eums.ok("area", "add", "Military Mobility")
        var args = ["add", "Harmonise cross-border movement permissions", "--area", "Military Mobility"]
        if let description { args += ["--description", description] }
        let r = try eums.run(args)
        #expect(r.status == 0, "\(r)")
        let id = r.firstLine
        try eums.ok("sync")
        try ims.ok("sync")
        return id
    }

    /// A shared task, then deleted by `deleter`, who syncs the delete. Returns its id.
    func sharedTaskDeleted(by deleter: Officer) throws -> String {
        let t = try sharedTask()
        try deleter.ok("delete", t)
        try deleter.ok("sync")
        return t
    }

    /// Syncs everyone twice (DESIGN.md rule 6) and checks that the replicas in `equal`
    /// (default: all, when they see the same records) hold the same plan.
    func converge(_ officers: [Officer]? = nil, equal: [Officer]? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let all = officers ?? [eums, ims]
        for _ in 0..<2 { for o in all { try o.ok("sync") } }
        let exports = try (equal ?? all).map { try $0.ok("export") }
        for e in exports.dropFirst() { #expect(e == exports[0], "replicas differ after syncing twice", sourceLocation: sourceLocation) }
    }

    deinit { server.stop() }
}
