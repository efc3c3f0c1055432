import Foundation
import GRDB
import WorkPlanProtocol

extension Replica {
    /// File holding the officer's enrolment bundle (certificate, key, CA), mode 0600.
    public static let bundleFileName = "enrolment.json"

    /// Reads and checks an enrolment bundle file.
    public static func readBundle(at path: String) throws -> EnrolmentBundle {
        let data = try LocalFile.read(path, what: "the bundle", limit: 1024 * 1024)
        let bundle: EnrolmentBundle
        do {
            bundle = try JSONDecoder().decode(EnrolmentBundle.self, from: data)
        } catch {
            throw WorkPlanError.invalid("\(path) is not a WorkPlan enrolment bundle")
        }
        guard bundle.format == EnrolmentBundle.formatName else {
            throw WorkPlanError.invalid("\(path) is a bundle of format '\(bundle.format)'; this workplan reads '\(EnrolmentBundle.formatName)'")
        }
        return bundle
    }

    /// Enrols this folder with a bundle: on a new folder it creates the replica; on a
    /// replica made by `init` it keeps the offline edits, which the first sync pushes.
    public static func join(folder: URL, bundle: EnrolmentBundle, serverURL: String?) throws -> Replica {
        let url: String
        do {
            url = try ServerURL.validated(serverURL ?? bundle.serverURL)
        } catch let e as WorkPlanError where serverURL == nil {
            throw WorkPlanError(e.code, "the bundle's server URL is not usable: \(e.message); give the right one with --server")
        }
        try Transport.checkBundle(bundle)
        let replica: Replica
        if exists(in: folder), !isUnfinished(folder) {
            replica = try open(in: folder)
            let s = try replica.currentSettings()
            guard s.staff == bundle.staff else {
                throw WorkPlanError.invalid("this replica belongs to \(s.staff.rawValue) but the bundle enrols \(bundle.user) of \(bundle.staff.rawValue)")
            }
            // Another CA first: a new server at a new address (one set up anew after its keys
            // were lost) is that, not an address to correct (the docs tester was told to give
            // --server with the lost server's address).
            // The same address may be another server too: its bundle made every sync fail on
            // the server's certificate until the old bundle was joined again.
            if s.storeId != nil, let kept = try? replica.enrolment(),
               kept.ca.filter({ !$0.isWhitespace }) != bundle.ca.filter({ !$0.isWhitespace }) {
                throw WorkPlanError(.alreadyExists, "this replica syncs with the server at \(s.serverURL ?? url), and the bundle comes from another server (another CA): join it in a new folder; if your server was set up anew, join there and import an export of this replica")
            }
            if let existing = s.serverURL, s.storeId != nil, (try? ServerURL.validated(existing)) ?? existing != url {
                let named = serverURL == nil ? "the bundle names" : "--server names"
                throw WorkPlanError(.alreadyExists, "this replica already syncs with \(existing), but \(named) \(url); to keep syncing with \(existing), give --server \(existing)")
            }
            // An enrolled replica is its officer's: a new bundle of theirs (re-enrolment) is
            // fine, another officer's would re-sign their waiting notes with the new name.
            if s.serverURL != nil, s.user.lowercased() != bundle.user.lowercased() {
                throw WorkPlanError(.alreadyExists, "this replica is enrolled as \(s.user), and the bundle enrols \(bundle.user): use a new folder for \(bundle.user)")
            }
            // A viewer can send nothing: every sync would fail on the edits made offline.
            let waiting = try replica.pendingCount()
            if bundle.role == .viewer, waiting > 0 {
                throw WorkPlanError(.forbidden, "this replica holds \(waiting) edit\(waiting == 1 ? "" : "s") not yet sent, and the bundle enrols \(bundle.user) as a viewer, who cannot send them: join with an editor's bundle, or join a new folder")
            }
        } else {
            replica = try create(in: folder, staff: bundle.staff, user: bundle.user, role: bundle.role)
        }
        let file = folder.appendingPathComponent(bundleFileName)
        // The copy kept here holds the URL in use (a `--server` given over the bundle's):
        // `recover` reads it when the replica's own settings are lost with a damaged file.
        var kept = bundle
        kept.serverURL = url
        let data = try JSONEncoder().encode(kept)
        // Created owner-only before the key is written into it; not written at all otherwise.
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw WorkPlanError(.internal, "cannot create \(file.path) to keep the enrolment bundle (check the replica folder's permissions)")
        }
        try data.write(to: file)
        try replica.db.write { db in
            let previous = try Settings.load(from: db).user
            try Settings.store(["server_url": url, "user": bundle.user, "role": bundle.role.rawValue], in: db)
            if previous != bundle.user { try resign(db, from: previous, to: bundle.user) }
        }
        return try open(in: folder)
    }

    /// Notes written offline under the name given to `init` are signed with the name the
    /// administrator enrolled, the one the certificate vouches for: before, they reached
    /// every replica signed with whatever name was typed, while the server recorded the
    /// enrolled officer as their author.
    static func resign(_ db: Database, from old: String, to new: String) throws {
        for e in try PendingLog.entries(db, where: "kind = 'note' AND action = 'create'") where e.op.fields?[FieldName.author]?.text == old {
            var op = e.op
            op.fields?[FieldName.author] = .text(new)
            try PendingLog.replace(db, seq: e.seq, with: op)
            // Entered by the officer too, under the new name (else it read "entered by" the old one).
            try db.execute(sql: "UPDATE note SET author = ?, created_by = CASE WHEN created_by = ? THEN ? ELSE created_by END WHERE id = ?",
                           arguments: [new, old, new, e.op.record])
        }
        try db.execute(sql: "UPDATE pending SET author = ? WHERE author = ?", arguments: [new, old])
    }

    /// The stored enrolment bundle; `notFound` for an offline replica.
    public func enrolment() throws -> EnrolmentBundle {
        let file = folder.appendingPathComponent(Self.bundleFileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw WorkPlanError.notFound("this replica has no server yet; enrol with 'workplan join BUNDLE'")
        }
        return try Self.readBundle(at: file.path)
    }

    func updateRole(_ role: Role) throws {
        try db.write { db in try Settings.store(["role": role.rawValue], in: db) }
    }

    func markSynced() throws {
        try db.write { db in try Settings.store(["last_sync": String(Clock.now())], in: db) }
    }
}
