import Foundation

/// A test hook: with `$WORKPLAN_SERVER_STOP_ON_STDIN_EOF` set to 1, `serve` stops as on
/// SIGTERM once its standard input ends. The end-to-end tests hand each server a pipe whose
/// other end only they hold, so a test process that dies (a crash, a kill) takes its servers
/// with it: one that crashed left two running (the stop-26 note).
enum StdinWatch {
    static let variable = "WORKPLAN_SERVER_STOP_ON_STDIN_EOF"

    /// Starts the watch when the variable asks for it.
    static func startIfAsked(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment[variable] == "1" else { return }
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let n = read(STDIN_FILENO, &buffer, buffer.count)
                if n > 0 { continue }
                if n < 0, errno == EINTR { continue }
                break
            }
            kill(getpid(), SIGTERM)
        }
        thread.name = "stdin-watch"
        thread.start()
    }
}
