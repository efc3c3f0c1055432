import Foundation
import WorkPlanProtocol

/// Reading a file the officer named (an export, a bundle), with an error that says what is
/// wrong with the path: empty, missing, a folder, or not readable.
public enum LocalFile {
    /// The file's contents; `what` names it in errors ("the bundle", "the export file").
    public static func read(_ path: String, what: String) throws -> Data {
        guard !path.isEmpty else { throw WorkPlanError.invalid("no file name given for \(what)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw WorkPlanError.notFound("cannot read \(what) \(path): there is no such file")
        }
        if isDirectory.boolValue { throw WorkPlanError.invalid("cannot read \(what) \(path): it is a folder, not a file") }
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path) else {
            throw WorkPlanError.forbidden("cannot read \(what) \(path): permission denied")
        }
        return data
    }
}
