import Foundation

/// Test hooks for crash-safety tests: when `WORKPLAN_SERVER_FAULT` names a point, the
/// server process dies there at once, as if killed with SIGKILL. Unset in normal use.
///
/// Points:
/// - `after-commit`: a push is committed, its reply never sent (exit status 137);
/// - `during-push`: the process sends itself SIGKILL inside the push's write transaction,
///   after `WORKPLAN_SERVER_FAULT_AFTER_OPS` operations (default 100) of a batch have been
///   applied but before the commit;
/// - `backup-before-rename`: a backup is written in full under its partial name, not yet
///   under the name asked for.
enum ServerFaults {
    static let armed: String? = ProcessInfo.processInfo.environment["WORKPLAN_SERVER_FAULT"]

    /// How many operations `during-push` lets a batch apply before dying.
    static let afterOps: Int = ProcessInfo.processInfo.environment["WORKPLAN_SERVER_FAULT_AFTER_OPS"].flatMap { Int($0) } ?? 100

    /// Dies here if this point is armed (e.g. `after-commit`: a push is committed, its
    /// reply never sent).
    static func point(_ name: String) {
        if armed == name { _exit(137) }
    }

    /// Called after each operation a push applies (inside the write transaction).
    @inline(__always)
    static func appliedInPush(_ count: Int) {
        guard let armed, armed == "during-push", count >= afterOps else { return }
        kill(getpid(), SIGKILL)
        _exit(137)  // not reached
    }
}
