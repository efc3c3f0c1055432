import Foundation

/// Writes to standard output or standard error without `FileHandle.write`, which stops
/// the program with an illegal instruction (a crash, status 132) when the write fails: a
/// closed stream, a full disk behind `2>log`, a reader gone. The filesystem tester found
/// every error message of both programs crashing that way with `2>/dev/full`.
public enum StandardStream {
    /// Writes all of `data` to `fd`; returns the `errno` of a failed write, nil when all
    /// of it was written. Waits on a stream left non-blocking by the parent; retries on
    /// an interrupted call.
    @discardableResult
    public static func write(_ data: Data, to fd: Int32) -> Int32? {
        data.withUnsafeBytes { buffer -> Int32? in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, base + offset, buffer.count - offset)
                if n > 0 { offset += n; continue }
                let code = n < 0 ? errno : EIO
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, -1)
                    continue
                }
                return code
            }
            return nil
        }
    }

    /// Writes `text` to standard error. A failure is not reported: there is nowhere left to
    /// report it, and the exit status still tells.
    public static func error(_ text: String) {
        write(Data(text.utf8), to: STDERR_FILENO)
    }
}
