import ArgumentParser
import Foundation
import WorkPlanCommandLine
import WorkPlanProtocol
import WorkPlanServer

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Enrol, list and revoke users.",
        subcommands: [UserAddCommand.self, UserListCommand.self, UserRevokeCommand.self])
}

struct UserAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Enrol a user and write their bundle (certificate, key, CA, server URL).")

    @OptionGroup var options: HomeOptions
    @Argument(help: "The user's name.") var name: String
    @Option(help: "EUMS or IMS.") var staff: String
    @Option(help: "viewer, editor or admin.") var role: String
    @Option(help: "Where to write the bundle (mode 0600; must not exist).") var out: String
    @Option(name: .customLong("server-url"),
            help: "The URL clients use; its host must be a name of the server certificate (default: its first name, port 8443).")
    var serverURL: String?

    mutating func validate() throws {
        guard Staff(parsing: staff) != nil else { throw ValidationError("--staff must be EUMS or IMS (got '\(staff)')") }
        guard Role(rawValue: role.lowercased()) != nil else { throw ValidationError("--role must be viewer, editor or admin (got '\(role)')") }
        do { try ServerStore.validateUserName(name) } catch let e as WorkPlanError { throw ValidationError(e.message) }
        // The bundle gets the URL as `workplan join` will read it back: checked and normalised.
        if let given = serverURL {
            do { serverURL = try ServerURL.validated(given) } catch let e as WorkPlanError { throw ValidationError("--server-url: \(e.message)") }
        }
        guard !out.isEmpty else { throw ValidationError("--out must name a file") }
    }

    func run() throws {
        let home = options.home
        try home.requireInitialized()
        if FileManager.default.fileExists(atPath: out) {
            throw WorkPlanError(.alreadyExists, "\(out) already exists; choose a new file for the bundle")
        }
        let parent = (out as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if !parent.isEmpty, !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDir) && isDir.boolValue) {
            throw WorkPlanError.invalid("cannot write \(out): folder \(parent) does not exist")
        }
        // Without --server-url: the certificate's first name (localhost after a plain `init`).
        let serverURL = try self.serverURL ?? ServerURL.make(host: home.serverCertificateNames().first ?? "localhost", port: ServerHome.defaultPort)
        let store = try home.openStore()
        defer { try? store.close() }
        // A revoked user enrolled again: what to put back if the bundle cannot be written.
        let previous = try store.user(named: name).flatMap { $0.isRevoked ? $0 : nil }
        let previousPEM = try previous.flatMap { try store.certificatePEM(of: $0.name) }
        let bundle = try home.enrol(name: name, staff: Staff(parsing: staff)!, role: Role(rawValue: role.lowercased())!,
                                    serverURL: serverURL, store: store)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try SecureFile.write(String(decoding: try encoder.encode(bundle), as: UTF8.self) + "\n", to: out)
        } catch {
            // Nothing changed: the enrolment is undone when the bundle cannot be written.
            if let previous, let previousPEM {
                try? store.restoreRevokedUser(previous, certificatePEM: previousPEM)
            } else {
                try? store.removeEnrolment(name: bundle.user, fingerprint: try CertificateFingerprint.sha256(pem: bundle.certificate))
            }
            throw error
        }
        if self.serverURL == nil {
            StandardStream.error("the bundle points at \(serverURL); --server-url sets the address clients use\n")
        }
        print("enrolled \(bundle.user) (\(bundle.staff.rawValue), \(bundle.role.rawValue)); bundle written to \(out)")
    }
}

struct UserListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List enrolled users.")

    @OptionGroup var options: HomeOptions
    @Flag(help: "A JSON array on stdout.") var json = false

    func run() throws {
        let store = try options.home.openStore()
        defer { try? store.close() }
        let users = try store.users()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(users), as: UTF8.self))
            return
        }
        if users.isEmpty { print("no users"); return }
        for u in users {
            let state = u.revokedAt.map { "revoked \(TimeFormat.iso($0))" } ?? "active"
            print("\(u.name)\t\(u.staff.rawValue)\t\(u.role.rawValue)\t\(state)")
        }
    }
}

struct UserRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a user: their next request is refused, even on an open connection.")

    @OptionGroup var options: HomeOptions
    @Argument(help: "The user's name.") var name: String

    func run() throws {
        let store = try options.home.openStore()
        defer { try? store.close() }
        let user = try store.revokeUser(name: name)
        print("revoked \(user.name)")
    }
}
