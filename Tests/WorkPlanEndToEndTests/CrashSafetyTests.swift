import Foundation
import Testing
import WorkPlanTestSupport

/// Processes killed at the worst moments (DESIGN.md rules 2 and 4): re-running `sync`
/// converges, nothing is lost, nothing is duplicated.
@Suite("Crash safety")
struct CrashSafetyTests {
    /// Edits on both sides that must all survive.
    func makeEdits(_ s: SyncScenario) throws -> (task: String, newTask: String) {
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--status", "in-progress", "--add-tag", "permits")
        try s.eums.ok("note", t, "EUMS note written before the crash")
        let newTask = try s.eums.run("add", "Created before the crash", "--area", "Military Mobility").firstLine
        try s.ims.ok("note", t, "IMS note")
        return (t, newTask)
    }

    func checkSurvived(_ s: SyncScenario, _ t: (task: String, newTask: String)) throws {
        try s.converge()
        for o in [s.eums, s.ims] {
            let task = try o.json(TaskJSON.self, "show", t.task)
            #expect(task.status == "in-progress")
            #expect(task.tags == ["permits"])
            #expect(task.notes?.map(\.text).sorted() == ["EUMS note written before the crash", "IMS note"], "each note exactly once")
            #expect(try o.json([TaskJSON].self, "list").filter { $0.title == "Created before the crash" }.count == 1)
            #expect(try o.json(StatusJSON.self, "status").pending == 0)
        }
        #expect(try s.server.admin("check").status == 0)
    }

    @Test func clientKilledAfterTheServerCommittedItsPush() throws {
        let s = try SyncScenario()
        let edits = try makeEdits(s)
        let crashed = try CLI.run("workplan", ["sync", "--dir", s.eums.dir], env: ["WORKPLAN_FAULT": "after-push-reply"])
        #expect(crashed.status == 137, "\(crashed)")
        #expect(try s.eums.json(StatusJSON.self, "status").pending > 0, "the crash came before the reply was stored")
        try checkSurvived(s, edits)
    }

    /// IMS sets a field to `theirs` and syncs; EUMS sets it to `mine` and is killed once the
    /// reply has arrived (so it is never stored), then sets it to `next`; all converge.
    func lostReplyThenEdit(_ option: String, theirs: String, mine: String, next: String,
                           description: String? = nil) throws -> (SyncScenario, String) {
        let s = try SyncScenario()
        let t = try s.sharedTask(description: description)
        try s.ims.ok("edit", t, option, theirs)
        try s.ims.ok("sync")
        try s.eums.ok("edit", t, option, mine)
        let crashed = try CLI.run("workplan", ["sync", "--dir", s.eums.dir], env: ["WORKPLAN_FAULT": "after-push-reply"])
        #expect(crashed.status == 137, "\(crashed)")
        try s.eums.ok("edit", t, option, next)
        try s.converge()
        return (s, t)
    }

    /// An edit made after a lost reply, on top of a value the server already had from the
    /// other side: accepted, as it is when the reply arrives (DESIGN.md rule 2: a retried
    /// batch leaves things as the first reply would have).
    @Test func anEditAfterALostReplyOfAnUnchangedValueIsAccepted() throws {
        let (s, t) = try lostReplyThenEdit("--status", theirs: "done", mine: "done", next: "blocked")
        #expect(try s.eums.json([ConflictJSON].self, "conflicts").isEmpty)
        #expect(try s.ims.json(TaskJSON.self, "show", t).status == "blocked")
    }

    /// The same after a lost reply of a description whose line merge came out as the
    /// server's text ("unchanged" too): the next edit was made without the other side's
    /// line, so it must not be rebased over it; that line survives (merged, or the edit is
    /// a conflict), never silently dropped.
    @Test func anEditAfterALostReplyOfAMergedTextKeepsTheOtherSidesLine() throws {
        let (s, t) = try lostReplyThenEdit("--description", theirs: "Line a\nLine B\nLine z\nLine c", mine: "Line a\nLine B\nLine z",
                                           next: "Line a\nLine B\nLine z\nLine d", description: "Line a\nLine b\nLine z")
        let description = try s.ims.json(TaskJSON.self, "show", t).description ?? ""
        let open = try s.ims.json([ConflictJSON].self, "conflicts")
        #expect(description.contains("Line c") || open.contains { $0.current == .text("Line a\nLine B\nLine z\nLine c") },
                "\(description) \(open)")
    }

    /// A delete made after an edit whose reply was lost: the deleter's own edit reaches the
    /// server after the delete was made against the rev before it. It counts as seen: the
    /// delete is accepted, not a conflict with the officer's own change.
    @Test func aDeleteAfterALostReplyOfTheOfficersOwnEditIsAccepted() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.eums.ok("edit", t, "--priority", "high")
        let crashed = try CLI.run("workplan", ["sync", "--dir", s.eums.dir], env: ["WORKPLAN_FAULT": "after-push-reply"])
        #expect(crashed.status == 137, "\(crashed)")
        try s.eums.ok("delete", t)
        try s.converge()
        #expect(try s.eums.json([ConflictJSON].self, "conflicts").isEmpty)
        for o in [s.eums, s.ims] { #expect(try o.run("show", t).status != 0) }
    }

    @Test func clientKilledDuringAPull() throws {
        let s = try SyncScenario()
        let edits = try makeEdits(s)
        try s.eums.ok("sync")
        let crashed = try CLI.run("workplan", ["sync", "--dir", s.ims.dir], env: ["WORKPLAN_FAULT": "before-pull-apply"])
        #expect(crashed.status == 137, "\(crashed)")
        try checkSurvived(s, edits)
    }

    @Test func serverKilledBetweenCommittingABatchAndReplying() throws {
        let s = try SyncScenario()
        let edits = try makeEdits(s)
        s.server.stop()
        try s.server.start(env: ["WORKPLAN_SERVER_FAULT": "after-commit"])
        let failed = try s.eums.run("sync")
        #expect(failed.status != 0, "the reply never came: \(failed)")
        #expect(failed.stderr.contains("server"), "\(failed.stderr)")
        #expect(s.server.waitForExit() == 137)
        try s.server.start()
        try checkSurvived(s, edits)
    }

    @Test func aCertificateTheServerDoesNotKnowIsAClearError() throws {
        let s = try SyncScenario()
        // A bundle from another server's CA, pointed at this server and trusting its CA:
        // the handshake reaches the server, which refuses the certificate.
        let other = try ServerProcess(home: s.tmp.child("other-server").path)
        let path = try other.enrol("Maj. X. Intruder", staff: "IMS", in: s.tmp)
        var bundle = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        bundle["ca"] = try String(contentsOfFile: s.server.home + "/ca.pem", encoding: .utf8)
        bundle["server_url"] = s.server.url
        try JSONSerialization.data(withJSONObject: bundle).write(to: URL(fileURLWithPath: path))
        let intruder = Officer(dir: s.tmp.child("intruder").path)
        try intruder.ok("join", path)
        let r = try intruder.run("sync")
        #expect(r.status != 0)
        #expect(r.stderr.contains("refused your certificate"), "\(r.stderr)")
    }

    @Test func serverUnreachableIsAClearError() throws {
        let s = try SyncScenario()
        try s.eums.ok("area", "add", "Medical Cooperation")
        s.server.stop()
        let r = try s.eums.run("sync")
        #expect(r.status != 0)
        #expect(r.stderr.contains("cannot reach the server"), "\(r.stderr)")
        #expect(try s.eums.json(StatusJSON.self, "status").pending == 1, "the edit is still queued")
    }
}
