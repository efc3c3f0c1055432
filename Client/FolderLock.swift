import Foundation
import WorkPlanProtocol

/// An exclusive lock on a folder (`flock` on the folder itself, so no file is left in it),
/// held until `release()` or the process ends. Waits while another process holds it.
struct FolderLock {
    private let fd: Int32

    init(_ folder: URL) throws {
        fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw WorkPlanError.forbidden("cannot open \(folder.path) to lock it: \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw WorkPlanError(.internal, "cannot lock \(folder.path): \(reason)")
            }
        }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
