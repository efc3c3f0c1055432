import Foundation

/// Runs the project's executables as real processes, as users and outside tests do.
public enum CLI {
    /// The folder holding the built `workplan` and `workplan-server` executables.
    public static let binDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["WORKPLAN_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var candidates: [URL] = []
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(exe.deletingLastPathComponent())
        // .../debug/WorkPlanPackageTests.xctest/Contents/MacOS/... on Darwin
        candidates.append(exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug"))
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.appendingPathComponent("workplan").path) {
            return c
        }
        return candidates.last!
    }()

    /// What a finished process left.
    public struct Result: Sendable, CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
        /// The first line of stdout, trimmed.
        public var firstLine: String { stdout.split(separator: "\n").first.map(String.init) ?? "" }
    }

    /// Runs a bash script with `workplan`'s path as `$0` and `args` as `$1`…: for tests of
    /// redirections and pipes.
    public static func bash(_ script: String, _ args: [String]) throws -> Result {
        try run("/bin/bash", ["-c", script, binDirectory.appendingPathComponent("workplan").path] + args)
    }

    /// Runs `workplan ARGS` (or another executable, by absolute path) to completion.
    @discardableResult
    public static func run(_ executable: String = "workplan", _ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : binDirectory.appendingPathComponent(executable)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.removeValue(forKey: "WORKPLAN_HOME")
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        if let stdin {
            let inp = Pipe()
            p.standardInput = inp
            try p.run()
            inp.fileHandleForWriting.write(Data(stdin.utf8))
            try inp.fileHandleForWriting.close()
        } else {
            p.standardInput = FileHandle.nullDevice
            try p.run()
        }
        // Read both pipes fully before waiting, so a chatty process cannot block.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// An officer's replica folder driven through the real `workplan` executable.
public struct Officer: Sendable {
    public let dir: String

    public init(dir: String) { self.dir = dir }

    /// Runs `workplan ARGS --dir DIR`.
    @discardableResult
    public func run(_ args: String...) throws -> CLI.Result { try CLI.run("workplan", args + ["--dir", dir]) }

    @discardableResult
    public func run(_ args: [String]) throws -> CLI.Result { try CLI.run("workplan", args + ["--dir", dir]) }

    /// Runs a command that must succeed and returns its stdout.
    @discardableResult
    public func ok(_ args: String...) throws -> String {
        let r = try CLI.run("workplan", args + ["--dir", dir])
        guard r.status == 0 else { throw CommandFailed(args: args, result: r) }
        return r.stdout
    }

    /// Decodes a `--json` command's stdout.
    public func json<T: Decodable>(_ type: T.Type, _ args: String...) throws -> T {
        let r = try CLI.run("workplan", args + ["--json", "--dir", dir])
        guard r.status == 0 else { throw CommandFailed(args: args, result: r) }
        return try JSONDecoder().decode(T.self, from: Data(r.stdout.utf8))
    }
}

/// A command that should have succeeded.
public struct CommandFailed: Error, CustomStringConvertible {
    public var args: [String]
    public var result: CLI.Result
    public var description: String { "workplan \(args.joined(separator: " ")) failed: \(result)" }
}
