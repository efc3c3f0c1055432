import Foundation
import Testing
import WorkPlanTestSupport

/// The restore drill (issue 7): the server's store goes back to a backup; replicas holding
/// newer edits notice the new store identity, re-pull, and push back what it lacks.
@Suite("Restore drill")
struct RestoreDrillTests {
    @Test func editsAcknowledgedAfterTheBackupSurviveARestore() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        let gone = try s.eums.run("add", "Deleted after the backup", "--area", "Military Mobility").firstLine
        try s.converge()
        let backup = s.tmp.file("backup.sqlite")
        #expect(try s.server.admin("backup", "--to", backup).status == 0)

        // Acknowledged by the server after the backup, and seen by both.
        try s.eums.ok("edit", t, "--status", "in-progress")
        try s.eums.ok("note", t, "EUMS note after the backup")
        let after = try s.ims.run("add", "Created after the backup", "--area", "Military Mobility").firstLine
        try s.ims.ok("delete", gone)
        try s.converge()
        // Not yet pushed when the server is restored.
        try s.ims.ok("edit", t, "--owner", "Cdr. K. Jansen")

        s.server.stop()
        let restored = try s.server.admin("restore", "--from", backup)
        #expect(restored.status == 0, "\(restored)")
        try s.server.start()

        let r = try s.eums.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("restored from a backup"), "\(r.stdout)")
        try s.converge()
        for o in [s.eums, s.ims] {
            let task = try o.json(TaskJSON.self, "show", t)
            #expect(task.status == "in-progress")
            #expect(task.owner == "Cdr. K. Jansen")
            #expect(task.notes?.map(\.text) == ["EUMS note after the backup"], "once, not twice")
            #expect(try o.json(TaskJSON.self, "show", after).title == "Created after the backup")
            #expect(try o.run("show", gone).status != 0, "the delete made after the backup is made again")
            #expect(try o.json(StatusJSON.self, "status").pending == 0)
        }
        #expect(try s.server.admin("check").status == 0)
    }
}
