import Foundation
import GRDB
import Synchronization
import Testing
import WorkPlanTestSupport

/// User mistakes found by a tester: each gets a clear error and a non-zero exit, and
/// changes nothing (the replica's export is the same before and after).
@Suite("User mistakes, as real processes")
struct UserMistakeTests {
    /// Runs `args`, expects a failure whose message contains every one of `words`, and
    /// checks that the replica's export did not change.
    func refused(_ o: Officer, _ args: [String], saying words: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try o.ok("export")
        let r = try o.run(args)
        #expect(r.status != 0, "\(args) should fail: \(r)", sourceLocation: sourceLocation)
        for w in words {
            #expect(r.stderr.contains(w), "\(args): expected '\(w)' in: \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
        #expect(try o.ok("export") == before, "\(args) changed the replica", sourceLocation: sourceLocation)
    }

    /// The black-box tester: error messages quoting the input echoed escape sequences to
    /// the terminal (`unknown area '<ESC>[31mred'` recoloured it). They are shown as escapes.
    @Test func controlCharactersInAnErrorMessageAreShownNotObeyed() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try refused(o, ["list", "--area", "\u{1B}[31mred\u{202E}"], saying: ["\\u{1B}[31mred\\u{202E}"])
        let r = try o.run("list", "--area", "\u{1B}[31mred")
        #expect(!r.stderr.contains("\u{1B}") && r.stderr.hasSuffix("\n") && !r.stderr.hasSuffix("\n\n"), "one line, no blank one: \(r)")
        let server = try CLI.run("workplan-server", ["user", "add", "\u{1B}[2Jx", "--staff", "EUMS", "--role", "editor",
                                                     "--out", tmp.file("x.bundle"), "--dir", tmp.file("none")])
        #expect(server.status != 0 && !server.stderr.contains("\u{1B}") && server.stderr.contains("\\u{1B}[2Jx"), "\(server)")
        // Help still prints as it did.
        let help = try o.run("list", "--help")
        #expect(help.status == 0 && help.stdout.contains("USAGE"), "\(help)")
    }

    /// The kill-soak tester: with a sync stopped (Ctrl-Z) while it held the replica's write
    /// lock, an edit waited 10 seconds and said "the replica database failed: database is
    /// locked", which reads like damage. It says what holds the replica, and that nothing
    /// half-done was written. (This test waits out the 10 seconds.)
    @Test func anEditWhileAnotherProcessHoldsTheReplicaSaysSo() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let before = try o.ok("export")
        let holder = try DatabaseQueue(path: URL(fileURLWithPath: o.dir).appendingPathComponent("replica.sqlite").path)
        let r = try holder.inDatabase { db -> CLI.Result in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return try o.run("area", "add", "Gender Perspectives")
        }
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("another workplan command has been using this replica for more than 10 seconds"), "\(r)")
        #expect(r.stderr.contains("nothing half-done was written"), "\(r)")
        #expect(!r.stderr.contains("database failed"), "\(r)")
        try holder.close()
        #expect(try o.ok("export") == before)
    }

    @Test func exportAndBriefNeverWriteOverTheReplicasOwnFiles() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        _ = try o.ok("add", "Harmonise permissions", "--area", "Military Mobility")
        _ = try o.ok("conference", "add", "21", "--date", "2024-06-12", "--host", "IMS")
        for name in ["replica.sqlite", "replica.sqlite-wal", "./replica.sqlite"] {
            try refused(o, ["export", "--output", o.dir + "/" + name], saying: ["replica's own file", "another file name"])
            try refused(o, ["brief", "--conference", "21", "--output", o.dir + "/" + name], saying: ["replica's own file"])
        }
        // Through a symbolic link too.
        let link = tmp.child("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: o.dir + "/replica.sqlite")
        try refused(o, ["export", "--output", link], saying: ["replica's own file"])
        // A link to another file: that file is written, and the link stays a link.
        let real = tmp.child("real.json"), alias = tmp.child("alias.json")
        try Data("old".utf8).write(to: real)
        try FileManager.default.createSymbolicLink(atPath: alias.path, withDestinationPath: real.path)
        #expect(try o.run("export", "--output", alias.path).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: alias.path) == real.path, "still a link")
        #expect(try String(contentsOf: real, encoding: .utf8).contains("workplan-export"), "the file it names was written")
        // Another file in the replica's folder is fine.
        #expect(try o.run("export", "--output", o.dir + "/plan-export.json").status == 0)
        #expect(FileManager.default.fileExists(atPath: o.dir + "/plan-export.json"))
    }

    /// The bad-input tester: `export --output` replaced another replica's database (its
    /// unpushed edits with it), and a server's store and CA key. Files no export or brief
    /// could be are refused, by what they hold; an earlier export or brief is replaced.
    @Test func exportAndBriefNeverWriteOverADatabaseOrAKey() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        _ = try o.ok("conference", "add", "21", "--date", "2024-06-12", "--host", "IMS")
        let other = try offlineOfficer(tmp, staff: "IMS", user: "Smith")
        _ = try other.ok("add", "Unpushed work", "--area", "Military Mobility")
        let otherPlan = try other.ok("export")
        let server = try ServerProcess(home: tmp.child("srv").path)
        let bundle = try server.enrol("Smith", staff: "IMS", in: tmp)
        try Data().write(to: URL(fileURLWithPath: other.dir + "/replica.sqlite-shm"))
        let cases: [(String, String)] = [
            (other.dir + "/replica.sqlite", "is a database"),
            (other.dir + "/replica.sqlite-shm", "is a side file of the database replica.sqlite"),
            (server.home + "/store.sqlite", "is a database"),
            (server.home + "/ca-key.pem", "is a key or certificate"),
            (server.home + "/ca.pem", "is a key or certificate"),
            (bundle, "holding a private key"),
        ]
        for (path, what) in cases {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            try refused(o, ["export", "--output", path], saying: [what, "which the write would destroy", "another file name"])
            try refused(o, ["brief", "--conference", "21", "--output", path], saying: [what])
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "\(path) is untouched")
        }
        #expect(try other.ok("export") == otherPlan)
        #expect(try server.admin("check").status == 0)
        // An earlier export or brief is replaced, as before.
        let brief = tmp.child("brief.md").path
        for _ in 0..<2 {
            #expect(try o.run("export", "--output", tmp.child("plan.json").path).status == 0)
            #expect(try o.run("brief", "--conference", "21", "--output", brief).status == 0)
        }
    }

    /// The bad-input tester: `workplan-server init` wrote a CA and its key into an officer's
    /// replica folder, and `workplan init` made a replica in a server's folder; and after
    /// replica.sqlite was lost, `init` beside the enrolment it left made an "offline"
    /// replica that synced with an empty server address. Each is refused, changing nothing,
    /// and the lost replica's advice (`join` with the enrolment kept there) works.
    @Test func aFolderOfTheOtherProgramOrALostReplicaIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let server = try ServerProcess(home: tmp.child("srv").path)
        let beforeReplica = try FileManager.default.contentsOfDirectory(atPath: o.dir).sorted()
        let serverInit = try CLI.run("workplan-server", ["init", "--dir", o.dir])
        #expect(serverInit.status != 0 && serverInit.stderr.contains("holds an officer's replica (replica.sqlite); a server's data goes in a folder of its own"), "\(serverInit)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: o.dir).sorted() == beforeReplica)
        let beforeServer = try FileManager.default.contentsOfDirectory(atPath: server.home).sorted()
        for command in [["init", "--staff", "EUMS", "--user", "Col. Dupont"], ["join", try server.enrol("Smith", staff: "IMS", in: tmp)]] {
            let r = try CLI.run("workplan", command + ["--dir", server.home])
            #expect(r.status != 0 && r.stderr.contains("holds a WorkPlan server's data (store.sqlite); a replica goes in a folder of its own"), "\(r)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.home).sorted() == beforeServer)

        // A replica file lost beside its enrolment.
        try server.start()
        defer { server.stop() }
        let smith = Officer(dir: tmp.child("smith").path)
        try smith.ok("join", try server.enrol("Jones", staff: "IMS", in: tmp))
        try smith.ok("area", "add", "Military Mobility")
        try smith.ok("sync")
        for file in try FileManager.default.contentsOfDirectory(atPath: smith.dir) where file.hasPrefix("replica.sqlite") {
            try FileManager.default.removeItem(atPath: smith.dir + "/" + file)
        }
        let advice = "holds this replica's enrolment (enrolment.json) but no replica file"
        for command in [["init", "--staff", "IMS", "--user", "Jones"], ["status"], ["sync"]] {
            let r = try smith.run(command)
            #expect(r.status != 0 && r.stderr.contains(advice) && r.stderr.contains("workplan join \(smith.dir)/enrolment.json"), "\(command): \(r)")
        }
        #expect(!FileManager.default.fileExists(atPath: smith.dir + "/replica.sqlite"))
        try smith.ok("join", smith.dir + "/enrolment.json")
        try smith.ok("sync")
        #expect(try smith.ok("area", "list").contains("Military Mobility"))
    }

    @Test func emptyPathsAreRefused() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try refused(o, ["export", "--output", ""], saying: ["--output needs a file name"])
        let r = try CLI.run("workplan", ["init", "--staff", "EUMS", "--user", "Col. Dupont", "--dir", ""])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--dir needs a folder name"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/replica.sqlite"))
    }

    @Test func blankTextsAndTerminalEscapesAreRefused() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        // A blank filter matched nothing and said "no tasks", as if the plan were empty.
        for option in ["--search", "--tag", "--area"] {
            try refused(o, ["list", option, ""], saying: ["\(option) needs some text"])
            try refused(o, ["list", option, "  "], saying: ["\(option) needs some text"])
        }
        let t = try o.ok("add", "Harmonise permissions", "--area", "Military Mobility").split(separator: "\n")[0]
        _ = try o.ok("conference", "add", "21", "--date", "2024-06-12", "--host", "IMS")
        _ = try o.ok("conference", "guidance", "21", "Keep going")
        let item = String(try o.ok("agenda", "add", "21", "Military mobility").split(separator: "\n")[0])
        _ = try o.ok("agenda", "outcome", item, "Agreed")
        for blank in ["", "   ", "\u{200B}", " \u{00A0}\u{FEFF} "] {
            try refused(o, ["note", String(t), blank], saying: ["note text must not be empty"])
            try refused(o, ["area", "add", blank], saying: ["empty"])
            try refused(o, ["conference", "guidance", "21", blank], saying: ["guidance text is empty"])
            try refused(o, ["agenda", "outcome", item, blank], saying: ["outcome text is empty"])
        }
        try refused(o, ["note", String(t), "clear\u{1b}[2Jscreen"], saying: ["note text", "control characters"])
        try refused(o, ["edit", String(t), "--description", "bell\u{07}"], saying: ["task description", "control characters"])
        try refused(o, ["conference", "guidance", "21", "x\u{1b}]0;title\u{07}"], saying: ["guidance", "control characters"])
    }

    @Test func followOnLoopsAreRefused() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let ids = try ["A", "B", "C"].map { String(try o.ok("add", "Task \($0)", "--area", "Military Mobility").split(separator: "\n")[0]) }
        _ = try o.ok("edit", ids[1], "--follows", ids[0])
        _ = try o.ok("edit", ids[2], "--follows", ids[1])
        try refused(o, ["edit", ids[0], "--follows", ids[1]], saying: ["loop", ids[1]])
        try refused(o, ["edit", ids[0], "--follows", ids[2]], saying: ["loop", "\(ids[0]) → \(ids[2]) → \(ids[1]) → \(ids[0])"])
        // A chain that does not come back is fine.
        let d = String(try o.ok("add", "Task D", "--area", "Military Mobility").split(separator: "\n")[0])
        _ = try o.ok("edit", d, "--follows", ids[2])
    }

    @Test func unreadableFilesAndMisshapenExportsAreNamedPlainly() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        try refused(o, ["import", tmp.child("missing.json").path], saying: ["the export file", "no such file"])
        try refused(o, ["import", tmp.url.path], saying: ["it is a folder"])
        try refused(o, ["join", tmp.child("missing.bundle").path], saying: ["the bundle", "no such file"])
        let id = "0b3c2a8e-7a1d-4c55-9a2e-3f1c5d6e7f80"
        let cases: [(String, [String])] = [
            ("[]", ["expected an object but found an array"]),
            (#"{"format":"workplan-export/1","records":"nope"}"#, ["expected a list but found a string", "at records"]),
            (#"{"format":"workplan-export/1","records":[{"id":"\#(id)","kind":"spaceship","fields":{},"created_at":"2024-01-01T00:00:00Z"}]}"#,
             ["'spaceship' is not a kind of record", "at records.[0].kind"]),
            (#"{"format":"workplan-export/1","records":[{"id":"\#(id)","kind":"task","fields":null,"created_at":"2024-01-01T00:00:00Z"}]}"#,
             ["expected an object but found null", "at records.[0].fields"]),
            (#"{"format":"workplan-export/1","records":[{"id":"\#(id)","kind":"task","fields":{"title":5},"created_at":"2024-01-01T00:00:00Z"}]}"#,
             ["expected a text or a list of texts", "at records.[0].fields.title"]),
            ("{not json", ["is not a WorkPlan export", "not valid JSON"]),
        ]
        for (i, (text, words)) in cases.enumerated() {
            let file = tmp.child("bad-\(i).json")
            try Data(text.utf8).write(to: file)
            try refused(o, ["import", file.path], saying: words)
            let r = try o.run("import", file.path)
            for leak in ["Dictionary<", "Array<", "RecordKind", "decoding container", "CodingKeys"] {
                #expect(!r.stderr.contains(leak), "a Swift name in: \(r.stderr)")
            }
        }
        // The text tester: a file saved in Latin-1 was "expected a text ... but found a string".
        let latin1 = tmp.child("latin1.json")
        try Data(#"{"format":"workplan-export/1","records":[{"id":"\#(id)","kind":"area","fields":{"name":"Coop"#.utf8 + [0xE9] + #"ration"},"created_at":"2024-01-01T00:00:00Z"}]}"#.utf8).write(to: latin1)
        try refused(o, ["import", latin1.path], saying: ["latin1.json is not UTF-8 text (byte 122 is not part of a UTF-8 character)", "iconv"])
    }

    @Test func aValueThatStartsWithADashGetsAHint() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let t = String(try o.ok("add", "Harmonise permissions", "--area", "Military Mobility").split(separator: "\n")[0])
        try refused(o, ["edit", t, "--conference", "-3"], saying: ["must be a whole number from 1 to 999999 (got '-3')"])
        try refused(o, ["edit", t, "--owner", "-Smith"], saying: ["hint: '-Smith' starts with '-'", "--owner=-Smith"])
        try refused(o, ["edit", t, "--add-tag", "-urgent"], saying: ["--add-tag=-urgent"])
        try refused(o, ["edit", t, "--conference=-3"], saying: ["must be a whole number from 1 to 999999 (got '-3')"])
        try refused(o, ["edit", t, "--conference", "1000000"], saying: ["must be a whole number from 1 to 999999 (got '1000000')"])
        try refused(o, ["note", t, "- done"], saying: ["hint: '- done' starts with '-'", "after '--'"])
        try refused(o, ["area", "add", "-Cyber"], saying: ["hint: '-Cyber' starts with '-'", "after '--'", "workplan area add ... -- '-Cyber'"])
        try refused(o, ["conference", "show", "-1"], saying: ["hint: '-1' starts with '-'", "workplan conference show ... -- '-1'"])
        try refused(o, ["add", "-x", "--area", "Military Mobility"], saying: ["hint: '-x' starts with '-'"])
        // A dash and a letter: a short option guessed, said first (the bad-input tester).
        try refused(o, ["edit", t, "-s", "done"], saying: ["workplan edit has none of that name", "see 'workplan edit --help'", "if it is a value"])
        let file = tmp.child("a-file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try refused(o, ["export", "--output", file + "/plan.json"], saying: ["/a-file is a file, not a folder"])
        #expect(!(try o.run("note", t, "- done").stderr.contains("attach it with")), "no '=' advice for a text argument")
        // As the hint says: after '--', it is the note's text.
        let r = try CLI.run("workplan", ["note", t, "--dir", o.dir, "--", "- done"])
        #expect(r.status == 0, "\(r)")
        #expect(try o.json(TaskJSON.self, "show", t).notes?.map(\.text) == ["- done"])
    }

    /// A negative number after a number option was read as an option, and the error only
    /// said the value was missing: it gets the number check's message, the one 0 gets.
    @Test func aNegativeNumberGetsTheNumberCheckNotAMissingValue() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let t = String(try o.ok("add", "Harmonise permissions", "--area", "Military Mobility").split(separator: "\n")[0])
        let cases: [[String]] = [
            ["add", "Task", "--area", "Military Mobility", "--conference", "-1"],
            ["add", "Task", "--area", "Military Mobility", "--origin-conference", "-1"],
            ["edit", t, "--conference", "-1"],
            ["brief", "--conference", "-1"],
            ["changes", "--since-conference", "-1"],
        ]
        for args in cases {
            try refused(o, args, saying: ["must be a whole number from 1 to 999999 (got '-1')"])
            let negative = try o.run(args), zero = try o.run(args.map { $0 == "-1" ? "0" : $0 })
            #expect(!negative.stderr.contains("Missing value"), "\(args): \(negative)")
            #expect(negative.stderr.replacingOccurrences(of: "'-1'", with: "'0'") == zero.stderr, "\(args): as for 0: \(negative) \(zero)")
        }
        try refused(o, ["edit", t, "--origin-conference", "-2.5"], saying: ["must be a whole number", "got '-2.5'"])
        // Only number options (reviewer): another option's value starting with '-' keeps the
        // hint, rather than becoming a title "-1" or a folder "./-1".
        try refused(o, ["edit", t, "--title", "-1"], saying: ["attach it with '=': --title=-1"])
        let dashes = try o.run("edit", t, "--conference", "--", "-1")
        #expect(dashes.status != 0 && !dashes.stderr.contains("--conference=--"), "\(dashes)")
    }

    /// argument-parser kept the last of two values without a word (`--follows A --follows B`
    /// followed B): a single-valued option given twice with different values is refused.
    @Test func aSingleValuedOptionGivenTwiceIsRefusedNamingIt() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let ids = try ["A", "B"].map { String(try o.ok("add", "Task \($0)", "--area", "Military Mobility").split(separator: "\n")[0]) }
        try refused(o, ["add", "Task C", "--area", "Military Mobility", "--follows", ids[0], "--follows", ids[1]],
                    saying: ["--follows was given twice ('\(ids[0])' and '\(ids[1])'); give it once"])
        try refused(o, ["edit", ids[1], "--follows", ids[0], "--follows=\(ids[1])"], saying: ["--follows was given twice"])
        try refused(o, ["edit", ids[0], "--conference", "3", "--conference", "4"], saying: ["--conference was given twice ('3' and '4')"])
        try refused(o, ["edit", ids[0], "--title", "X", "--title", "Y"], saying: ["--title was given twice"])
        try refused(o, ["list", "--status", "open", "--status", "done"], saying: ["--status was given twice"])
        try refused(o, ["conference", "add", "21", "--date", "2024-05-14", "--host", "EUMS", "--host", "IMS"], saying: ["--host was given twice"])
        try refused(o, ["list", "--dir", tmp.file("other")], saying: ["--dir was given twice"])
        // One value given twice is one value, and the options meant to repeat repeat.
        _ = try o.ok("edit", ids[0], "--priority", "high", "--priority", "high")
        #expect(try o.json(TaskJSON.self, "show", ids[0]).priority == "high")
        let c = String(try o.ok("add", "Task C", "--area", "Military Mobility", "--tag", "x", "--tag", "y").split(separator: "\n")[0])
        _ = try o.ok("edit", c, "--add-tag", "p", "--add-tag", "q", "--remove-tag", "x", "--remove-tag", "y")
        #expect(try o.json(TaskJSON.self, "show", c).tags.sorted() == ["p", "q"])
        _ = try o.ok("conference", "add", "21", "--date", "2024-05-14", "--host", "EUMS")
        _ = try o.ok("agenda", "add", "21", "Movement permissions", "--task", ids[0], "--task", ids[1])
    }

    @Test func initNamesTheFileInTheWay() throws {
        let tmp = try TemporaryDirectory()
        let file = tmp.child("plain-file")
        try Data("not a folder".utf8).write(to: file)
        for dir in [file.path, file.path + "/sub"] {
            let r = try CLI.run("workplan", ["init", "--staff", "EUMS", "--user", "Col. Dupont", "--dir", dir])
            #expect(r.status != 0)
            #expect(r.stderr.contains("\(file.path) is a file, not a folder"), "\(r.stderr)")
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "not a folder")
    }

    /// A server URL the HTTP client cannot use made `sync` die with "Illegal instruction".
    @Test func anUnusableServerURLIsRefusedByJoinAndNeverCrashesSync() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.child("server").path)
        let bundle = try server.enrol("Col. Dupont", staff: "EUMS", in: tmp)
        let o = Officer(dir: tmp.child("eums").path)
        for bad in ["https://127.0.0.1:99999", "https://exa mple.com", "http://127.0.0.1:8443", "https://127.0.0.1:8443/plan"] {
            let r = try o.run("join", bundle, "--server", bad)
            #expect(r.status != 0, "\(bad): \(r)")
            #expect(r.stderr.contains("the server URL '\(bad)'"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: o.dir + "/replica.sqlite"), "nothing created")
        }
        // A bundle written with such a URL is refused too, naming the way out.
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as! [String: Any]
        json["server_url"] = "https://127.0.0.1:70000"
        let badBundle = tmp.file("bad-url.bundle")
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: badBundle))
        let j = try o.run("join", badBundle)
        #expect(j.status != 0 && j.stderr.contains("bundle's server URL") && j.stderr.contains("--server"), "\(j)")
        // A replica that already holds one (enrolled before this check): sync says so, no crash.
        _ = try o.ok("join", bundle, "--server", "https://127.0.0.1:8443")
        let q = try DatabaseQueue(path: o.dir + "/replica.sqlite")
        try q.write { try $0.execute(sql: "UPDATE setting SET value = 'https://127.0.0.1:99999' WHERE key = 'server_url'") }
        try q.close()
        let s = try o.run("sync")
        #expect(s.status == 1, "\(s)")
        #expect(s.stderr.contains("server URL is not usable") && s.stderr.contains("port 99999"), "\(s.stderr)")
    }

    /// Output that cannot be written (a full disk) is an error that says so, not a
    /// silently cut file.
    @Test func outputThatCannotBeWrittenSaysWhy() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let r = try CLI.bash("\"$0\" export --dir \"$1\" > /dev/full", [o.dir])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("cannot write the output: No space left on device"), "\(r.stderr)")
        // The bad-input tester: `--output` on a full disk said "The operation could not be
        // completed. There isn't enough space." (Foundation's words); now the system's.
        let file = try o.run("export", "--output", "/dev/full")
        #expect(file.status == 1 && file.stderr.contains("cannot write /dev/full: No space left on device"), "\(file)")
        #expect(!file.stderr.contains("could not be completed"), "\(file)")
    }

    /// The filesystem tester: an error message that could not be written (standard error on
    /// a full disk, or closed) stopped both programs with an illegal instruction (status
    /// 132). And an `add` whose id could not be printed said only that, so a script retried
    /// it and made the task twice: the message now says the change is saved.
    @Test func errorsThatCannotBeWrittenEndTheCommandWithoutACrash() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let server = CLI.binDirectory.appendingPathComponent("workplan-server").path
        for (script, status) in [("\"$0\" edit ffff0000 --title T --dir \"$1\" 2>/dev/full", 1),
                                 ("\"$0\" list --dir \"$1\" >&- 2>&-", 1),
                                 ("\"$0\" --bogus 2>/dev/full", 64),
                                 ("\"$2\" check --dir \"$1/none\" 2>/dev/full", 1)] {
            let r = try CLI.bash(script, [o.dir, server])
            #expect(r.status == Int32(status), "\(script): \(r)")
        }
        let add = try CLI.bash("\"$0\" add Permits --area 'military mobility' --dir \"$1\" > /dev/full", [o.dir])
        #expect(add.status == 1 && add.stderr.contains("what this command changed, if anything, is saved"), "\(add)")
        #expect(try o.ok("list").contains("Permits"))
    }

    @Test func recoverLeavesAHealthyReplicaAlone() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        _ = try o.ok("add", "Harmonise permissions", "--area", "Military Mobility")
        try refused(o, ["recover"], saying: ["not damaged", "nothing to recover", "--force"])
        let kept = try FileManager.default.contentsOfDirectory(atPath: o.dir).filter { $0.contains("damaged") }
        #expect(kept.isEmpty, "nothing was moved aside: \(kept)")
        // --force still rebuilds it (keeping the unpushed edits).
        let forced = try o.run("recover", "--force")
        #expect(forced.status == 0, "\(forced)")
        #expect(forced.stdout.contains("kept"), "\(forced.stdout)")
    }

    /// The bad-input tester: a title typed with bytes that are not UTF-8 was stored with
    /// U+FFFD in their place, exit 0 (also names, notes, and `workplan-server user add`).
    /// Both programs refuse such an argument, naming it, and change nothing.
    @Test func argumentsThatAreNotUTF8AreRefused() throws {
        let tmp = try TemporaryDirectory()
        let o = try offlineOfficer(tmp)
        let before = try o.ok("export")
        let r = try CLI.bash(#""$0" add "$(printf 'bad \377\376 title')" --area "Military Mobility" --dir "$1""#, [o.dir])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains(#"argument 2 ('bad \xFF\xFE title') is not UTF-8 text"#), "\(r.stderr)")
        #expect(try o.ok("export") == before, "nothing stored")
        let server = try CLI.bash(#""$(dirname "$0")/workplan-server" user add "$(printf 'A\303(')" --staff EUMS --role editor --out "$1/x.bundle" --dir "$1/server""#, [tmp.path])
        #expect(server.status == 64 && server.stderr.contains(#"('A\xC3(')"#), "\(server)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("x.bundle")))
    }

    /// The bad-input tester: `workplan init --user` took a zero-width space or a
    /// right-to-left override, which `workplan-server user add` refuses: one rule now
    /// (`Validation.checkUserName`), and no replica is made.
    @Test func initRefusesTheUserNamesTheServerRefuses() throws {
        let tmp = try TemporaryDirectory()
        for (name, reason) in [("A\u{200B}B", "must not contain the invisible character U+200B"), ("A\u{202E}B", "must not contain U+202E"),
                               (" ", "--user must not be empty"), (String(repeating: "x", count: 121), "1 to 120 characters")] {
            let o = Officer(dir: tmp.child("r").path)
            let r = try o.run("init", "--staff", "EUMS", "--user", name)
            #expect(r.status != 0 && r.stderr.contains(reason), "\(name.unicodeScalars.map(\.value)): \(r)")
            #expect(!FileManager.default.fileExists(atPath: tmp.file("r/replica.sqlite")), "no replica made for a refused name")
        }
    }

    /// The bad-input tester: five `workplan init`s of one new folder at once, and up to
    /// three said "created replica … for U<i>" while the folder was another's. Exactly one
    /// succeeds now, and the replica is that one's.
    @Test func concurrentInitsOfOneFolderMakeOneReplica() throws {
        let tmp = try TemporaryDirectory()
        for round in 0..<3 {
            let dir = tmp.child("r\(round)").path
            let results = Mutex<[(String, CLI.Result)]>([])
            DispatchQueue.concurrentPerform(iterations: 5) { i in
                let r = try? CLI.run("workplan", ["init", "--staff", "EUMS", "--user", "U\(i)", "--dir", dir])
                if let r { results.withLock { $0.append(("U\(i)", r)) } }
            }
            let all = results.withLock { $0 }
            let made = all.filter { $0.1.status == 0 }
            #expect(all.count == 5 && made.count == 1, "\(all.map { "\($0.0): \($0.1)" })")
            for (_, r) in all where r.status != 0 {
                #expect(r.stderr.contains("a replica already exists"), "\(r)")
            }
            if let (user, _) = made.first {
                let status = try Officer(dir: dir).ok("status")
                #expect(status.contains(user), "the replica is the one said made: \(status)")
            }
        }
    }

    /// The bad-input tester: `workplan frobnicate --dir X` said "Unknown option '--dir'",
    /// about the part that was right. An unknown command is named, with the ones there are.
    @Test func anUnknownCommandIsNamed() throws {
        let top = try CLI.run("workplan", ["frobnicate", "--dir", "/nonexistent"])
        #expect(top.status == 64 && top.stderr.hasPrefix("Error: 'workplan frobnicate' is not a command; the commands are: init, join, area,"), "\(top)")
        let sub = try CLI.run("workplan", ["area", "frob"])
        #expect(sub.status == 64 && sub.stderr.contains("'workplan area frob' is not a command; the commands are: add, rename, list"), "\(sub)")
        let server = try CLI.run("workplan-server", ["usr", "list"])
        #expect(server.status == 64 && server.stderr.contains("'workplan-server usr' is not a command"), "\(server)")
        // `help` on a command that does not exist printed the general help, exit 0.
        let help = try CLI.run("workplan", ["help", "frobnicate"])
        #expect(help.status == 64 && help.stderr.contains("'workplan frobnicate' is not a command"), "\(help)")
        #expect(try CLI.run("workplan", ["help", "area"]).status == 0, "help on a command still prints it")
        // Mistakes after a real command keep argument-parser's own message.
        let option = try CLI.run("workplan", ["list", "--bogus", "--dir", "/nonexistent"])
        #expect(option.status == 64 && option.stderr.contains("Unknown option '--bogus'"), "\(option)")
    }
}
