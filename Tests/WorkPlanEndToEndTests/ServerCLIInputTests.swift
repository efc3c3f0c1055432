import Foundation
import Testing
import WorkPlanProtocol
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

    /// `renew` while officers sync: their bundles need nothing; the server restarted serves
    /// the new certificate, and `check` still says ok.
    @Test func aRenewedServerCertificateServesTheSameBundles() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.child("server").path)
        let bundle = try server.enrol("Col. A. Dupont", staff: "EUMS", in: tmp)
        try server.start()
        let o = Officer(dir: tmp.child("eums").path)
        try o.ok("join", bundle, "--server", server.url)
        try o.ok("area", "add", "Military Mobility")
        try o.ok("sync")
        let before = try String(contentsOfFile: server.home + "/server.pem", encoding: .utf8)
        let r = try server.admin("renew")
        #expect(r.status == 0 && r.stdout.contains("renewed the server certificate for localhost, 127.0.0.1, valid until"), "\(r)")
        #expect(try String(contentsOfFile: server.home + "/server.pem", encoding: .utf8) != before)
        server.stop()
        try server.start()   // on the same port
        try o.ok("area", "add", "Medical Cooperation")
        let sync = try o.run("sync")
        #expect(sync.status == 0 && sync.stdout.contains("pushed 1 edit"), "\(sync)")
        let check = try server.admin("check")
        #expect(check.status == 0 && check.stdout == "ok\n", "\(check)")
        let bad = try server.admin("renew", "--name", "")
        #expect(bad.status == 64 && bad.stderr.contains("--name must not be empty"), "\(bad)")
    }

    /// The operations tester: a backup killed midway left a partial file under the name
    /// asked for; a restore from it said "attempt to write a readonly database", and a new
    /// backup to that name was refused. The name appears only once the backup is complete.
    @Test func aBackupKilledBeforeItIsCompleteLeavesNothingUnderItsName() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        let file = tmp.file("bk.sqlite")
        let killed = try CLI.run("workplan-server", ["backup", "--to", file, "--dir", server.home],
                                 env: ["WORKPLAN_SERVER_FAULT": "backup-before-rename"])
        #expect(killed.status == 137, "\(killed)")
        #expect(!FileManager.default.fileExists(atPath: file))
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("bk.sqlite") }
        #expect(left.count == 1 && left[0].hasPrefix("bk.sqlite.partial-"), "only the partial file, named so: \(left)")

        let r = try server.admin("backup", "--to", file)
        #expect(r.status == 0, "\(r)")
        let now = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("bk.sqlite") }.sorted()
        #expect(now == ["bk.sqlite", left[0]], "the new backup leaves no partial file of its own: \(now)")
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try server.admin("backup", "--to", file)
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again)")
    }

    /// The operations tester: a graceful stop logged nothing, so the log could not tell a
    /// stop from a crash. SIGTERM now logs "stopping" and then "stopped", and exits 0. And a
    /// private key readable by other users is warned of when serving starts.
    @Test func aGracefulStopIsLogged() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        // Also from the operations tester: keys made readable by others, and not a word.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: server.home + "/ca-key.pem")
        let log = tmp.file("server.log")
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let p = Process()
        p.executableURL = CLI.binDirectory.appendingPathComponent("workplan-server")
        p.arguments = ["serve", "--dir", server.home, "--bind", "127.0.0.1", "--port", "0"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        #expect(String(decoding: line, as: UTF8.self).hasPrefix("listening on "))
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let stopping = try #require(text.range(of: "stopping: requests in progress finish first"), "\(text)")
        let stopped = try #require(text.range(of: "[WorkPlanServer] stopped"), "\(text)")
        #expect(stopping.upperBound < stopped.lowerBound)
        #expect(text.contains("\(server.home)/ca-key.pem can be read by other users of this machine (mode 644); make it the server account's only: chmod 600 \(server.home)/ca-key.pem"), "\(text)")
        #expect(!text.contains("server-key.pem can be read") && !text.contains("store.sqlite can be read"), "\(text)")
    }

    /// A bad `--server-url` writes no bundle and enrols no one; a good one is written
    /// normalised, as `workplan join` will read it.
    @Test func aBadServerURLIsRefusedAndNoBundleOrUserIsWritten() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        let bundle = tmp.file("anna.json")
        let add = ["user", "add", "anna", "--staff", "EUMS", "--role", "editor", "--out", bundle, "--server-url"]
        let r = try CLI.run("workplan-server", add + ["https://127.0.0.1:70000", "--dir", server.home])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("Error: --server-url: the server URL 'https://127.0.0.1:70000' has port 70000; a port is 1–65535"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
        #expect(try server.admin("user", "list").stdout == "no users\n")

        let ok = try CLI.run("workplan-server", add + ["HTTPS://LocalHost:8443/", "--dir", server.home])
        #expect(ok.status == 0, "\(ok)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as? [String: Any]
        #expect(json?["server_url"] as? String == "https://localhost:8443")
    }

    /// A single-valued option given twice with different values is refused, as in
    /// `workplan`: argument-parser kept the last, so `--staff EUMS --staff IMS` enrolled an
    /// officer of IMS without a word.
    @Test func aSingleValuedOptionGivenTwiceIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        let bundle = tmp.file("anna.json")
        let r = try CLI.run("workplan-server", ["user", "add", "anna", "--staff", "EUMS", "--staff", "IMS", "--role", "editor",
                                                "--out", bundle, "--dir", server.home])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("--staff was given twice ('EUMS' and 'IMS'); give it once"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
        #expect(try server.admin("user", "list").stdout == "no users\n")
        // One value twice is not a mistake.
        #expect(try CLI.run("workplan-server", ["user", "list", "--dir", server.home, "--dir", server.home]).status == 0)
    }

    /// The bad-input tester: `serve --port -1` said only "Missing value for '--port
    /// <port>'". A negative number after a number option gets that option's own check, as
    /// `--port=-1` does; another value that starts with '-' gets the hint to attach it.
    @Test func aValueThatStartsWithADashGetsItsOptionsCheckOrAHint() throws {
        let tmp = try TemporaryDirectory()
        let home = tmp.file("home")
        for (option, value) in [("--port", "-1"), ("--idle-timeout", "-5")] {
            let spaced = try CLI.run("workplan-server", ["serve", "--dir", home, option, value])
            let joined = try CLI.run("workplan-server", ["serve", "--dir", home, "\(option)=\(value)"])
            #expect(spaced.status == 64 && !spaced.stderr.contains("Missing value"), "\(spaced)")
            #expect(spaced.stderr == joined.stderr, "as with '=': \(spaced) \(joined)")
        }
        let port = try CLI.run("workplan-server", ["serve", "--dir", home, "--port", "-1"])
        #expect(port.stderr.contains("--port must be between 0 and 65535 (got -1)"), "\(port)")
        let out = try CLI.run("workplan-server", ["user", "add", "anna", "--staff", "EUMS", "--role", "editor",
                                                  "--out", "-anna.json", "--dir", home])
        #expect(out.status == 64, "\(out)")
        #expect(out.stderr.contains("hint: '-anna.json' starts with '-', so it was read as an option; attach it with '=': --out=-anna.json"), "\(out)")
        #expect(!FileManager.default.fileExists(atPath: home), "nothing written")
    }

    /// The black-box tester: "Col. A. Dupont" and "Col. A. Dupont\u{200B}" were two users
    /// who list the same.
    @Test func aUserNameWithAnInvisibleCharacterIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        let bundle = tmp.file("dupont.json")
        let r = try CLI.run("workplan-server", ["user", "add", "Col. A. Dupont\u{200B}", "--staff", "IMS", "--role", "editor",
                                                "--out", bundle, "--server-url", "https://127.0.0.1:8443", "--dir", server.home])
        #expect(r.status != 0 && r.stderr.contains("invisible character U+200B"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
        #expect(try server.admin("user", "list").stdout == "no users\n")
    }

    /// The bad-input tester: "Sébastien" typed composed (é) and decomposed (e + U+0301), or
    /// with a double space, made two users who look the same; revoked "Maj. C. Temp" enrolled
    /// again as "maj. c. temp" got a bundle signing with the new spelling. One officer, one
    /// spelling: the enrolled one, else the name in its canonical form.
    @Test func userNamesThatLookTheSameAreOneUser() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        func add(_ name: String, _ file: String) throws -> CLI.Result {
            try CLI.run("workplan-server", ["user", "add", name, "--staff", "EUMS", "--role", "editor", "--out", tmp.file(file),
                                            "--server-url", "https://127.0.0.1:8443", "--dir", server.home])
        }
        func bundleUser(_ file: String) throws -> String {
            try JSONDecoder().decode(EnrolmentBundle.self, from: Data(contentsOf: URL(fileURLWithPath: tmp.file(file)))).user
        }
        let composed = "S\u{E9}bastien  Roux", decomposed = "Se\u{301}bastien Roux"
        #expect(try add(composed, "a.json").status == 0)
        #expect(try bundleUser("a.json") == "S\u{E9}bastien Roux", "stored composed, one space")
        let twin = try add(decomposed, "b.json")
        #expect(twin.status != 0 && twin.stderr.contains("already exists"), "\(twin)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("b.json")))
        #expect(try server.admin("user", "list").stdout.split(separator: "\n").count == 1)

        #expect(try add("Maj. C. Temp", "c.json").status == 0)
        #expect(try server.admin("user", "revoke", "maj.  c. TEMP").stdout == "revoked Maj. C. Temp\n")
        #expect(try add("maj. c. temp", "d.json").status == 0)
        #expect(try bundleUser("d.json") == "Maj. C. Temp", "enrolled again under the spelling history knows")
        let list = try server.admin("user", "list").stdout
        #expect(list.contains("Maj. C. Temp\tEUMS\teditor\tactive") && !list.contains("maj. c. temp"), "\(list)")
    }

    /// The black-box tester: an emptied store file passed `check` ("ok") and was turned into
    /// a new, empty store (no users, a new store id) that `serve` would have served. Every
    /// command that opens the store refuses it and leaves it as it is; so too a SQLite file
    /// that is not a store.
    @Test func anEmptiedOrForeignStoreFileIsRefusedAndLeftAlone() throws {
        let tmp = try TemporaryDirectory()
        let home = tmp.file("home")
        #expect(try CLI.run("workplan-server", ["init", "--dir", home]).status == 0)
        let store = home + "/store.sqlite"
        #expect(FileManager.default.fileExists(atPath: store))
        try Data().write(to: URL(fileURLWithPath: store))
        // (`serve` opens the store the same way; a test of it would serve forever if it failed.)
        for args in [["check"], ["user", "list"], ["backup", "--to", tmp.file("copy.sqlite")]] {
            let r = try CLI.run("workplan-server", args + ["--dir", home])
            #expect(r.status != 0, "\(args): \(r)")
            #expect(r.stderr.contains("is an empty file; restore it from a backup"), "\(args): \(r)")
            #expect(!r.stdout.contains("ok"), "\(r)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)).isEmpty, "nothing was written to it")

        // A SQLite database of something else: an officer's replica copied in its place.
        #expect(try CLI.run("workplan", ["init", "--staff", "EUMS", "--user", "anna", "--dir", tmp.file("replica")]).status == 0)
        try FileManager.default.removeItem(atPath: store)
        try FileManager.default.copyItem(atPath: tmp.file("replica") + "/replica.sqlite", toPath: store)
        let r = try CLI.run("workplan-server", ["check", "--dir", home])
        #expect(r.status != 0 && r.stderr.contains("is not a WorkPlan server store"), "\(r)")

        // A store with a damaged page (the bad-input tester: SQLite's words and the statement
        // that met it, no advice).
        try FileManager.default.removeItem(atPath: home)
        #expect(try CLI.run("workplan-server", ["init", "--dir", home]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: store))  // (GRDB's WAL set-up writes to it on open: not compared)
        bytes.replaceSubrange(4096 * 3..<4096 * 3 + 2000, with: Data(repeating: 0x55, count: 2000))
        try bytes.write(to: URL(fileURLWithPath: store))
        for args in [["check"], ["user", "list"]] {
            let damaged = try CLI.run("workplan-server", args + ["--dir", home])
            #expect(damaged.status != 0 && damaged.stderr.contains("is damaged (SQLite: database disk image is malformed); restore it from a backup"), "\(args): \(damaged)")
            #expect(!damaged.stderr.contains("while executing"), "\(damaged)")
        }
    }

    @Test func initNamesTheFileOrFolderInTheWayOfTheDataFolder() throws {
        let tmp = try TemporaryDirectory()
        let file = (tmp.file("a-file") as NSString).standardizingPath  // as the messages print it
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let onFile = try CLI.run("workplan-server", ["init", "--dir", file])
        #expect(onFile.status == 1, "\(onFile)")
        #expect(onFile.stderr == "Error: cannot create the data folder \(file): \(file) is a file, not a folder\n")
        let underFile = try CLI.run("workplan-server", ["init", "--dir", file + "/home"])
        #expect(underFile.stderr == "Error: cannot create the data folder \(file)/home: \(file) is a file, not a folder\n")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "x")

        // A folder no one may create folders in (root included, whom permissions do not stop).
        #if os(Linux)
        let parent = "/sys"
        #else
        let parent = tmp.file("read-only")
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o500])
        #endif
        let home = parent + "/workplan-test-\(UUID().uuidString)"
        let denied = try CLI.run("workplan-server", ["init", "--dir", home])
        #expect(denied.status == 1, "\(denied)")
        #expect(denied.stderr == "Error: cannot create the data folder \(home): no permission to create folders in \(parent)\n")
    }

    /// An empty `--dir` is refused by every command, also where `$WORKPLAN_SERVER_HOME`
    /// would otherwise be used.
    @Test(arguments: [["init"], ["check"], ["user", "list"], ["serve", "--port", "0"]])
    func anEmptyDirIsRefused(command: [String]) throws {
        let tmp = try TemporaryDirectory()
        let r = try CLI.run("workplan-server", command + ["--dir", ""], env: ["WORKPLAN_SERVER_HOME": tmp.file("home")])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.hasPrefix("Error: --dir is empty; give the data folder's path\n"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("home")))
    }

    @Test func restoreFromAnEmptyPathIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        let r = try server.admin("restore", "--from", "")
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.hasPrefix("Error: --from is empty; name the backup file\n"), "\(r)")
    }

    /// `--bind` with a name that does not resolve, or an address this machine does not have.
    @Test(arguments: [("999.1.1.1", "not a valid address or known host name"),
                      ("192.0.2.1", "not an address of this machine")])
    func serveNamesAnAddressItCannotListenOn(bind: String, problem: String) throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        let r = try server.admin("serve", "--bind", bind, "--port", "0")
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasSuffix("Error: cannot listen on \(bind): \(problem)\n"), "\(r)")
    }

    /// A junk `server.pem` made `serve` say "cannot listen on 127.0.0.1:0: ...
    /// failedToLoadCertificate": the file is named instead, its problem in words.
    @Test func serveNamesADamagedServerCertificate() throws {
        let tmp = try TemporaryDirectory()
        let server = try ServerProcess(home: tmp.file("home"))
        try "junk\n".write(toFile: server.home + "/server.pem", atomically: true, encoding: .utf8)
        let r = try server.admin("serve", "--port", "0")
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "Error: cannot read the server certificate \(server.home)/server.pem: not a PEM certificate (restore it from your backup of the server folder)\n", "\(r)")
    }

    /// `init --name` gives each name once, as the certificate holds it, and refuses digits
    /// and dots that are no IPv4 address, writing nothing.
    @Test func initHoldsEachNameOnceAndRefusesABadIPv4Address() throws {
        let tmp = try TemporaryDirectory()
        let twice = try CLI.run("workplan-server", ["init", "--dir", tmp.file("home"), "--name", "A.example", "--name", "a.EXAMPLE", "--name", "10.0.0.5"])
        #expect(twice.status == 0, "\(twice)")
        #expect(twice.stdout.hasSuffix("(server certificate for a.example, 10.0.0.5)\n"), "\(twice)")
        let bad = try CLI.run("workplan-server", ["init", "--dir", tmp.file("bad"), "--name", "999.1.1.1"])
        #expect(bad.status != 0, "\(bad)")
        #expect(bad.stderr == "Error: '999.1.1.1' is not an IPv4 address (four numbers 0–255, without leading zeros)\n", "\(bad)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("bad")))
    }

    /// The black-box tester: `user add --server-url` took a host the server certificate does
    /// not cover (a bundle that can never sync), and without `--server-url` the bundle got
    /// https://localhost:8443 without a word. The first is refused, writing nothing; the
    /// second says on stderr where the bundle points: the certificate's first name.
    @Test func userAddChecksTheServerURLAgainstTheCertificateAndNamesTheDefault() throws {
        let tmp = try TemporaryDirectory()
        let home = tmp.file("home")
        #expect(try CLI.run("workplan-server", ["init", "--dir", home, "--name", "plan.example", "--name", "127.0.0.1"]).status == 0)
        let bundle = tmp.file("anna.json")
        let add = ["user", "add", "anna", "--staff", "EUMS", "--role", "editor", "--out", bundle, "--dir", home]
        let refused = try CLI.run("workplan-server", add + ["--server-url", "https://other.example:8443"])
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.hasPrefix("Error: the server certificate \(home)/server.pem covers plan.example, 127.0.0.1, not other.example: give one of those in --server-url"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
        #expect(try CLI.run("workplan-server", ["user", "list", "--dir", home]).stdout == "no users\n")

        let added = try CLI.run("workplan-server", add)
        #expect(added.status == 0, "\(added)")
        #expect(added.stdout == "enrolled anna (EUMS, editor); bundle written to \(bundle)\n", "\(added)")
        #expect(added.stderr == "the bundle points at https://plan.example:8443; --server-url sets the address clients use\n", "\(added)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as? [String: Any]
        #expect(json?["server_url"] as? String == "https://plan.example:8443")
    }
}
