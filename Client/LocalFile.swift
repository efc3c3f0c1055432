import Foundation
import WorkPlanProtocol

/// Reading a file the officer named (an export, a bundle), with an error that says what is
/// wrong with the path: empty, missing, a folder, or not readable.
public enum LocalFile {
    /// The most read from a pipe or a device, so that an endless one (`import /dev/zero`)
    /// stops with an error instead of filling memory (the review). A regular file has its
    /// own, larger limit (`maxFileBytes`): an export of a plan with long descriptions can
    /// pass 256 MB (the second review: 4800 tasks of 60 KB each exported to 290 MB, which
    /// an import limited so refused).
    public static let maxPipedBytes = 256 * 1024 * 1024
    /// The largest regular file read, judged by its size before reading: a sparse file of
    /// 100 GB (the third review) was read until the process was killed.
    public static let maxFileBytes = 2 * 1024 * 1024 * 1024

    /// The file's contents; `what` names it in errors ("the bundle", "the export file").
    /// `limit` caps what is read: by default `maxPipedBytes` from a pipe or device and
    /// `maxFileBytes` from a regular file (refused by its size, before reading).
    public static func read(_ path: String, what: String, limit: Int? = nil) throws -> Data {
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
        var info = stat()
        let regular = stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        let limit = limit ?? (regular ? maxFileBytes : maxPipedBytes)
        if regular, Int(info.st_size) > limit {
            throw WorkPlanError.invalid("cannot read \(what) \(path): it is larger than \(limit / (1024 * 1024)) MB")
        }
        var data = Data()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                data.append(chunk)
                guard data.count <= limit else {
                    let advice = regular ? "" : "; for a larger one, give a file rather than a pipe or a device"
                    throw WorkPlanError.invalid("cannot read \(what) \(path): it is longer than \(limit / (1024 * 1024)) MB\(advice)")
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
