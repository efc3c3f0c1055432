import Foundation
import Testing
import WorkPlanTestSupport

/// `workplan-server` and bad input: a clear error naming the problem, a non-zero exit, no
/// crash, and nothing changed.
@Suite("workplan-server refuses bad input")
struct ServerCLIInputTests {
    /// A bad `$WORKPLAN_SERVER_IDLE_TIMEOUT` gets the error `--idle-timeout` gives, naming
    /// the variable (the folder holds no server: a value let through would fail later, on that).
    @Test(arguments: ["1e400", "inf", "1e300", "abc", "-5", "0", "nan", "99999999999"])
    func aBadIdleTimeoutVariableIsRefusedLikeTheFlag(value: String) throws {
        let tmp = try TemporaryDirectory()
        let r = try CLI.run("workplan-server", ["serve", "--dir", tmp.file("home"), "--port", "0"],
                            env: ["WORKPLAN_SERVER_IDLE_TIMEOUT": value])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("Error: WORKPLAN_SERVER_IDLE_TIMEOUT must be a number of seconds, more than 0 and at most 86400 (got '\(value)')"), "\(r)")
        let flag = try CLI.run("workplan-server", ["serve", "--dir", tmp.file("home"), "--port", "0", "--idle-timeout=\(value)"])
        #expect(flag.status == 64, "\(flag)")
        #expect(flag.stderr.contains("Error: --idle-timeout must be a number of seconds, more than 0 and at most 86400 (got '\(value)')"), "\(flag)")
    }
}
