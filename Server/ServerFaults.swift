import Foundation

/// Test hooks for crash-safety tests: when `WORKPLAN_SERVER_FAULT` names a point, the
/// server process dies there at once, as if killed with SIGKILL. Unset in normal use.
enum ServerFaults {
    static let armed: String? = ProcessInfo.processInfo.environment["WORKPLAN_SERVER_FAULT"]

    /// Dies here if this point is armed (e.g. `after-commit`: a push is committed, its
    /// reply never sent).
    static func point(_ name: String) {
        if armed == name { _exit(137) }
    }
}
