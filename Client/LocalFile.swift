import Foundation
import WorkPlanProtocol

/// Reading a file the officer named (an export, a bundle), with an error that says what is
/// wrong with the path: empty, missing, a folder, or not readable.
public enum LocalFile {
    /// The most read from one file: far more than a plan's export is expected to be, so
    /// that an endless pipe (`import /dev/zero`) stops with an error instead of filling
    /// memory (the review).
    public static let maxBytes = 256 * 1024 * 1024

    /// The file's contents; `what` names it in errors ("the bundle", "the export file").
    public static func read(_ path: String, what: String, limit: Int = maxBytes) throws -> Data {
        guard !path.isEmpty else { throw WorkPlanError.invalid("no file name given for \(what)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw WorkPlanError.notFound("cannot read \(what) \(path): there is no such file")
        }
        if isDirectory.boolValue { throw WorkPlanError.invalid("cannot read \(what) \(path): it is a folder, not a file") }
        guard FileManager.default.isReadableFile(atPath: path), let handle = FileHandle(forReadingAtPath: path) else {
            throw WorkPlanError.forbidden("cannot read \(what) \(path): permission denied")
        }
        defer { try? handle.close() }
        // Read to the end rather than by the file's size, so a pipe (`cat plan.json |
        // workplan import /dev/stdin`, `<(...)`, a FIFO) is read too: the bad-input tester
        // saw "permission denied" for those.
        var data = Data()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                data.append(chunk)
                guard data.count <= limit else {
                    throw WorkPlanError.invalid("cannot read \(what) \(path): it is longer than \(limit / (1024 * 1024)) MB, more than any WorkPlan file")
                }
            }
        } catch let e as WorkPlanError {
            throw e
        } catch {
            throw WorkPlanError.invalid("cannot read \(what) \(path): \(SystemErrorText.words(error))")
        }
        return data
    }
}
