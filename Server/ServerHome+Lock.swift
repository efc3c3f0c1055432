import Foundation
import WorkPlanProtocol

extension ServerHome {
    /// The lock file a serving server holds (`serve.lock` in the data folder).
    public var lockPath: String { directory + "/serve.lock" }

    /// An exclusive lock on the data folder, held by `serve` for as long as it serves and by
    /// `restore` while it replaces the store: a restore under a running server would leave
    /// the server announcing the old store id over the new store's contents, so replicas
    /// never notice the restore (docs/operations.md "Restore").
    ///
    /// The lock is the kernel's (`flock`) on an open file: it goes away with the process,
    /// also when the process is killed, so a crashed server leaves no stale lock behind.
    public final class FolderLock: Sendable {
        private let fd: Int32

        fileprivate init(fd: Int32) { self.fd = fd }

        /// Releases the lock. Explicitly, then closes: a process forked meanwhile (another
        /// thread starting a child) shares this open file, and until that child execs, the
        /// close alone would leave the lock held.
        deinit {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    /// Takes the folder's lock, or throws `unavailable` naming what holds it when another
    /// process (a running server, a restore) does. `purpose` completes the error message.
    public func lock(for purpose: String) throws -> FolderLock {
        guard let lock = try lockIfFree() else {
            throw WorkPlanError(.unavailable, "a workplan-server is serving \(directory) (or restoring it): stop it before you \(purpose)")
        }
        return lock
    }

    /// Takes the folder's lock, or returns nil when another process (a running server, a
    /// restore) holds it; throws when the lock file cannot be opened or locked at all.
    func lockIfFree() throws -> FolderLock? {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw WorkPlanError(.unavailable, "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(fd)
            if busy { return nil }
            throw WorkPlanError(.unavailable, "cannot lock \(lockPath): \(reason)")
        }
        return FolderLock(fd: fd)
    }
}
