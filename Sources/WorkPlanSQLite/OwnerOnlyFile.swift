#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates an empty file at `path`, readable and writable by its owner only (0600), unless
/// a file is there already; SQLite then gives the database's `-wal` and `-shm` files the
/// same mode. A store or replica holds both staffs' one-staff records or an officer's
/// work: created by SQLite itself it was 0644, readable by every local user when its
/// folder was (an existing folder given to `init` or `join`: the operations tester).
/// When the file can be neither created nor found, nothing happens here: SQLite's open
/// that follows fails and says why, as before.
package func createOwnerOnlyFile(atPath path: String) {
    let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
    if fd >= 0 { close(fd) }
}

/// Takes group and others' permissions off the file at `path` when it has any and this
/// process owns it (a replica made by an earlier release, or copied with a loose mode):
/// what `createOwnerOnlyFile` gives a new one. Returns whether the mode changed. A file
/// that is missing, or another user's, is left as it is.
@discardableResult
package func tightenToOwnerOnly(atPath path: String) -> Bool {
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(),
          info.st_mode & 0o077 != 0 else { return false }
    return chmod(path, info.st_mode & 0o700) == 0
}
