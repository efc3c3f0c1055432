import Foundation

/// A real `workplan-server` process on 127.0.0.1 with a fresh CA, for end-to-end tests.
public final class ServerProcess: @unchecked Sendable {
    public let home: String
    public private(set) var process: Process?
    public private(set) var url: String = ""
    public private(set) var port: Int = 0
    private var output: Pipe?
    /// The server's standard input: only this process holds its write end, so the server
    /// stops when this process ends, however it ends (`StdinWatch`).
    private var input: Pipe?
    private var extraEnv: [String: String] = [:]

    /// Initialises a data folder (CA, server certificate, empty store).
    public init(home: String) throws {
        self.home = home
        let r = try CLI.run("workplan-server", ["init", "--dir", home])
        guard r.status == 0 else { throw CommandFailed(args: ["workplan-server", "init"], result: r) }
    }

    /// Runs `workplan-server ARGS --dir HOME`.
    @discardableResult
    public func admin(_ args: String...) throws -> CLI.Result {
        try CLI.run("workplan-server", args + ["--dir", home])
    }

    /// Enrols a user and returns the bundle's path.
    public func enrol(_ name: String, staff: String, role: String = "editor", in dir: TemporaryDirectory) throws -> String {
        let file = dir.child("\(name.filter { $0.isLetter || $0.isNumber })-bundle.json").path
        var args = ["user", "add", name, "--staff", staff, "--role", role, "--out", file, "--dir", home]
        if !url.isEmpty { args += ["--server-url", url] }
        let r = try CLI.run("workplan-server", args)
        guard r.status == 0 else { throw CommandFailed(args: args, result: r) }
        return file
    }

    /// Starts serving on a free port; returns once it printed `listening on https://...`.
    /// A server already started on a port restarts on the same port. `arguments` are added
    /// to `serve` (e.g. `--idle-timeout 1`).
    public func start(env: [String: String] = [:], arguments: [String] = []) throws {
        extraEnv = env
        let p = Process()
        p.executableURL = CLI.binDirectory.appendingPathComponent("workplan-server")
        p.arguments = ["serve", "--dir", home, "--bind", "127.0.0.1", "--port", String(port)] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["WORKPLAN_SERVER_STOP_ON_STDIN_EOF"] = "1"
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        let inp = Pipe()
        // Not inherited by the other processes this one starts (another server holding it
        // would keep this one's input open).
        _ = fcntl(inp.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        p.standardInput = inp
        try p.run()
        process = p
        output = out
        input = inp
        // Read the first line: the server announces its address once it is ready.
        var line = Data()
        let handle = out.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { throw ServerFailed(message: "workplan-server exited before listening: \(String(decoding: line, as: UTF8.self))") }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on "), let portText = text.split(separator: ":").last, let port = Int(portText) else {
            throw ServerFailed(message: "unexpected first line from workplan-server: \(text)")
        }
        self.url = String(text.dropFirst("listening on ".count))
        self.port = port
    }

    /// Stops with SIGTERM (graceful) and waits.
    public func stop() {
        guard let p = process, p.isRunning else { process = nil; return }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    /// Closes the server's standard input, as this process ending would (`StdinWatch`).
    public func closeInput() throws {
        try input?.fileHandleForWriting.close()
        input = nil
    }

    /// Whether the process is still running.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Kills with SIGKILL and waits.
    public func kill() {
        guard let p = process, p.isRunning else { process = nil; return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// Waits for the process to end by itself (e.g. a fault hook), returning its status.
    /// Gives up after `timeout` seconds (a test whose fault hook never fired must fail, not
    /// hang): the process is then killed and -1 returned. There is no event to wait on
    /// short of blocking forever, so this polls with a deadline.
    public func waitForExit(timeout: Double = 60) -> Int32 {
        guard let p = process else { return 0 }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning {
            Foundation.kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            process = nil
            return -1
        }
        process = nil
        return p.terminationStatus
    }

    deinit { stop() }
}

public struct ServerFailed: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
