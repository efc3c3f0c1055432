import Foundation
import WorkPlanProtocol

extension ServerHome {
    /// Creates `path` and any missing parents (mode 0700), or throws an error naming
    /// `directory` (the data folder asked for) and what is in the way: a file where a
    /// folder should be, or a parent the user may not create folders in.
    static func createFolder(_ path: String, for directory: String) throws {
        func refuse(_ problem: String) -> WorkPlanError {
            WorkPlanError.invalid("cannot create the data folder \(directory): \(problem)")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw refuse("\(path) is a file, not a folder") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createFolder(parent, for: directory) }
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
