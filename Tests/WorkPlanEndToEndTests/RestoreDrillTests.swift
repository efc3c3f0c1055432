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

    /// The other staff's note, acknowledged after the backup, is theirs to send back: only
    /// their staff may sign it. Sent from the EUMS replica (which synced first), the server
    /// refused it, and with it every batch of EUMS edits, at every sync after the restore.
    @Test func theOtherStaffsNoteGoesBackFromTheirReplica() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.converge()
        let backup = s.tmp.file("backup.sqlite")
        #expect(try s.server.admin("backup", "--to", backup).status == 0)
        try s.ims.ok("note", t, "IMS note after the backup")
        try s.converge()
        try s.eums.ok("edit", t, "--status", "blocked")

        s.server.stop()
        #expect(try s.server.admin("restore", "--from", backup).status == 0)
        try s.server.start()

        let r = try s.eums.run("sync")
        #expect(r.status == 0, "\(r)")
        #expect(try s.eums.json(StatusJSON.self, "status").pending == 0, "the EUMS edit went through")
        // Kept and listed here until it arrives, in case no IMS replica holds it any more.
        let kept = try s.eums.ok("status")
        #expect(kept.contains("IMS note after the backup") && kept.contains("signed by IMS"), "\(kept)")
        try s.converge()
        #expect(!(try s.eums.ok("status")).contains("set aside"), "arrived: no longer listed")
        for o in [s.eums, s.ims] {
            let task = try o.json(TaskJSON.self, "show", t)
            #expect(task.status == "blocked")
            #expect(task.notes?.map(\.text) == ["IMS note after the backup"], "sent back once, by IMS")
            #expect(try o.json(StatusJSON.self, "status").pending == 0)
        }
        #expect(try s.server.admin("check").status == 0)
    }

    /// A replica that is only behind (it had not pulled an edit the backup holds) must not
    /// push its older values back over that edit, whichever replica syncs first.
    @Test func aReplicaThatIsBehindDoesNotUndoEditsTheBackupHolds() throws {
        for eumsFirst in [true, false] {
            let s = try SyncScenario()
            let t = try s.sharedTask()
            try s.converge()
            try s.ims.ok("edit", t, "--title", "Harmonise permissions (IMS wording)", "--priority", "high")
            try s.ims.ok("sync")  // EUMS has not pulled this
            let backup = s.tmp.file("backup.sqlite")
            #expect(try s.server.admin("backup", "--to", backup).status == 0)
            s.server.stop()
            #expect(try s.server.admin("restore", "--from", backup).status == 0)
            try s.server.start()

            try (eumsFirst ? [s.eums, s.ims] : [s.ims, s.eums]).forEach { try $0.ok("sync") }
            try s.converge()
            for o in [s.eums, s.ims] {
                let task = try o.json(TaskJSON.self, "show", t)
                #expect(task.title == "Harmonise permissions (IMS wording)", "EUMS first: \(eumsFirst)")
                #expect(task.priority == "high", "EUMS first: \(eumsFirst)")
                #expect(try o.json([ConflictJSON].self, "conflicts", "--json").isEmpty)
            }
        }
    }

    /// A record deleted after the restore stays deleted when a replica that last synced
    /// before the restore recovers: it held the record from before the backup.
    @Test func aRecordDeletedAfterTheRestoreIsNotBroughtBack() throws {
        let s = try SyncScenario()
        let t = try s.sharedTask()
        try s.converge()
        let backup = s.tmp.file("backup.sqlite")
        #expect(try s.server.admin("backup", "--to", backup).status == 0)
        s.server.stop()
        #expect(try s.server.admin("restore", "--from", backup).status == 0)
        try s.server.start()

        try s.eums.ok("sync")
        try s.eums.ok("delete", t)
        try s.eums.ok("sync")
        try s.ims.ok("sync")
        try s.converge()
        for o in [s.eums, s.ims] {
            #expect(try o.run("show", t).status != 0, "the task stays deleted")
            #expect(try o.json([ConflictJSON].self, "conflicts", "--json").isEmpty)
        }
    }

    /// Restoring under a running server is refused, and changes nothing.
    @Test func restoreRefusesWhileTheServerRuns() throws {
        let s = try SyncScenario()
        let backup = s.tmp.file("backup.sqlite")
        #expect(try s.server.admin("backup", "--to", backup).status == 0)
        let r = try s.server.admin("restore", "--from", backup)
        #expect(r.status != 0)
        #expect(r.stderr.contains("stop it"), "\(r)")
        #expect(try s.eums.run("sync").stdout.contains("restored") == false)
    }

    /// A record created after the backup and deleted after the restore, sent back by a
    /// replica that recovers late: a conflict (never a silent resurrection), and once it
    /// is settled the replicas agree the record is gone.
    @Test(arguments: ["--theirs", "--mine"])
    func aLateSendBackOfARecordDeletedSinceIsAConflictThatSettles(how: String) throws {
        let s = try SyncScenario()
        _ = try s.sharedTask()
        let late = try SyncScenario.join(s.server, s.tmp, "Maj. C. Late", staff: "EUMS", dir: "late")
        try s.converge([s.eums, s.ims, late])
        let backup = s.tmp.file("backup.sqlite")
        #expect(try s.server.admin("backup", "--to", backup).status == 0)
        let n = try s.ims.run("add", "Created after the backup", "--area", "Military Mobility").firstLine
        try s.converge([s.eums, s.ims, late])
        s.server.stop()
        #expect(try s.server.admin("restore", "--from", backup).status == 0)
        try s.server.start()

        try s.ims.ok("sync")      // sends the task back
        try s.eums.ok("sync")
        try s.eums.ok("delete", n)
        try s.eums.ok("sync")
        try late.ok("sync")       // holds the task from after the backup: sends it back
        let conflicts = try late.json([ConflictJSON].self, "conflicts", "--json")
        #expect(conflicts.map(\.field) == ["deleted"], "\(conflicts)")
        #expect(try late.run("show", n).status != 0, "out of the view while the conflict is open")
        #expect(try late.ok("status").contains("Created after the backup"), "the create's values are kept")
        let byValue = try late.run("resolve", n, "deleted", "--value", "created")
        #expect(byValue.status != 0 && byValue.stderr.contains("not --value"), "\(byValue)")
        #expect(try late.json([ConflictJSON].self, "conflicts", "--json").count == 1, "the refused settlement changed nothing")
        try late.ok("resolve", n, "deleted", how)
        try s.converge([s.eums, s.ims, late])
        for o in [s.eums, s.ims, late] {
            if how == "--mine" {
                #expect(try o.json(TaskJSON.self, "show", n).title == "Created after the backup", "restored")
            } else {
                #expect(try o.run("show", n).status != 0)
            }
            #expect(try o.json([ConflictJSON].self, "conflicts", "--json").isEmpty)
        }
    }

    /// A conference created offline that the restored store already has (created by the
    /// other staff before the backup): the offline values meet EUMS's as a create would,
    /// so a different place is a conflict, not a silent overwrite of EUMS's.
    @Test func anOfflineNaturalKeyCreateMeetsTheRestoredRecordAsACreate() throws {
        let s = try SyncScenario()
        try s.ims.ok("sync")  // knows the store, not yet the conference
        try s.eums.ok("conference", "add", "21", "--date", "2026-05-01", "--host", "EUMS", "--place", "Brussels")
        try s.eums.ok("sync")
        let backup = s.tmp.file("backup.sqlite")
        #expect(try s.server.admin("backup", "--to", backup).status == 0)
        try s.ims.ok("conference", "add", "21", "--date", "2026-05-01", "--host", "EUMS", "--place", "Mons")
        s.server.stop()
        #expect(try s.server.admin("restore", "--from", backup).status == 0)
        try s.server.start()

        #expect(try s.ims.ok("sync").contains("restored from a backup"))
        try s.converge()
        struct ConferenceJSON: Decodable { var place: String? }
        #expect(try s.eums.json(ConferenceJSON.self, "conference", "show", "21").place == "Brussels")
        let open = try s.eums.json([ConflictJSON].self, "conflicts")
        #expect(open.map(\.field) == ["place"] && open.first?.proposed == .text("Mons"), "\(open)")
    }
}
