import Foundation

/// A data folder on this machine (a replica's, the server's), created with what is in the
/// way named: one rule for `workplan init` and `workplan-server init`.
public enum LocalFolder {
    /// Creates `path` and any missing parents (mode 0700), or throws an error that names
    /// `what` ("the data folder") and the folder asked for, and what is in the way: a file
    /// where a folder should be, or a parent the user may not create folders in.
    public static func create(_ path: String, naming what: String) throws {
        try create(path, for: path, naming: what)
    }

    /// The files that mark a folder as an officer's replica (`workplan`) or a server's data
    /// folder (`workplan-server`).
    public static let replicaMarks = ["replica.sqlite", "enrolment.json"]
    public static let serverMarks = ["store.sqlite", "ca-key.pem", "server-key.pem"]

    /// Refuses to make `what` in `path` when the folder holds the other program's data (the
    /// bad-input tester: `workplan-server init` wrote a CA and its key into an officer's
    /// replica folder, and `workplan init` made a replica in a server's folder). `marks` are
    /// the other program's (`replicaMarks`, `serverMarks`); `theirs` names that data.
    public static func checkHoldsNone(of marks: [String], in path: String, theirs: String, making what: String) throws {
        for mark in marks where FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(mark)) {
            throw WorkPlanError(.alreadyExists, "\(path) holds \(theirs) (\(mark)); \(what) goes in a folder of its own")
        }
    }

    /// The folder `path` is in, as the user wrote it ("" for a bare name, "/" for the root).
    static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        var parent = p[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent.removeLast() }
        return parent.isEmpty ? "/" : String(parent)
    }

    private static func create(_ path: String, for directory: String, naming what: String) throws {
        func refuse(_ problem: String) -> WorkPlanError {
            WorkPlanError.invalid("cannot create \(what) \(directory): \(problem)")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw refuse("\(path) is a file, not a folder") }
            return
        }
        let parent = Self.parent(of: path)
        if !parent.isEmpty, parent != path { try create(parent, for: directory, naming: what) }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            let code = errno
            let place = parent.isEmpty ? "the current folder" : parent
            switch code {
            case EACCES, EPERM: throw refuse("no permission to create folders in \(place)")
            case EROFS: throw refuse("\(place) is on a read-only file system")
            default: throw refuse("\(path): \(String(cString: strerror(code)))")
            }
        }
    }
}
