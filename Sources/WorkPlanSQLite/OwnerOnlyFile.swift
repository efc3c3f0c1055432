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
