import Foundation
import WorkPlanProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing files that must stay private (keys, bundles).
public enum SecureFile {
    /// Writes `contents` to `path` with permissions `mode` (0600 by default), creating the
    /// file exclusively unless `overwrite` is true. The mode is set at creation, so the
    /// file is never readable by others, even briefly.
    public static func write(_ contents: String, to path: String, mode: mode_t = 0o600, overwrite: Bool = false) throws {
        let flags = O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EEXIST { throw WorkPlanError(.alreadyExists, "\(path) already exists") }
            throw WorkPlanError.invalid("cannot write \(path): \(reason)")
        }
        defer { close(fd) }
        _ = fchmod(fd, mode)
        do {
            try FileHandle(fileDescriptor: fd, closeOnDealloc: false).write(contentsOf: Data(contents.utf8))
        } catch {
            throw WorkPlanError.invalid("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
