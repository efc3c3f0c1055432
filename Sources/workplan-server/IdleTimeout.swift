import ArgumentParser
import Foundation

/// How long `serve` keeps a silent connection open: `--idle-timeout`, else
/// `$WORKPLAN_SERVER_IDLE_TIMEOUT`, else 30 s. Both are checked by the same rule, so a bad
/// value in either gets the same error (naming where it came from) instead of a crash.
enum IdleTimeout {
    /// The environment variable read when `--idle-timeout` is not given.
    static let variable = "WORKPLAN_SERVER_IDLE_TIMEOUT"
    /// Without either.
    static let defaultSeconds = 30.0
    /// The longest allowed: a day.
    static let maximumSeconds = 86_400.0

    /// The seconds to use, from `option` (the flag's text), else the environment.
    static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Double {
        if let option { return try seconds(option, from: "--idle-timeout") }
        // Set but empty counts as unset, as for $WORKPLAN_SERVER_HOME.
        if let text = environment[variable], !text.isEmpty { return try seconds(text, from: variable) }
        return defaultSeconds
    }

    /// `text` as seconds: a number more than 0 and at most a day (not `inf` or `nan`).
    /// `source` names the flag or variable in the error, which quotes `text` as given.
    static func seconds(_ text: String, from source: String) throws -> Double {
        guard let seconds = Double(text), seconds > 0, seconds <= maximumSeconds else {
            throw ValidationError("\(source) must be a number of seconds, more than 0 and at most 86400 (got '\(text)')")
        }
        return seconds
    }
}
