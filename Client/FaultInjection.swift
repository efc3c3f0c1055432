import Foundation

/// Test hooks for crash-safety tests: when `WORKPLAN_FAULT` names a point, the process
/// dies there at once, as if killed (no clean-up, no flush). Unset in normal use.
enum FaultInjection {
    static let armed: String? = ProcessInfo.processInfo.environment["WORKPLAN_FAULT"]

    /// Dies here if this point is armed.
    static func point(_ name: String) {
        if armed == name { _exit(137) }
    }
}
