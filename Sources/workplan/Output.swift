import ArgumentParser
import Foundation
import WorkPlanCommandLine
import GRDB
import WorkPlanClient
import WorkPlanProtocol
import WorkPlanSQLite

/// Printing: plain text for people, stable JSON for scripts, colour only on a terminal
/// and never with NO_COLOR set; errors as one line on stderr.
enum Output {
    static let useColour: Bool = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        && ProcessInfo.processInfo.environment["TERM"] != "dumb"

    static func bold(_ s: String) -> String { useColour ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    static func dim(_ s: String) -> String { useColour ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    static func red(_ s: String) -> String { useColour ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    static func yellow(_ s: String) -> String { useColour ? "\u{1B}[33m\(s)\u{1B}[0m" : s }

    /// Writes a whole file (`brief --output`, `export --output`), or nothing, with an
    /// error that names the problem (a missing folder, a folder in the way, one of the
    /// replica's own files, which the write would destroy).
    ///
    /// A regular file is replaced whole (written beside it, then renamed over it), so a
    /// failure leaves the old one. A symbolic link is followed: the file it names is
    /// written, the link stays. Anything else (a device, a FIFO) is written to as it is.
    static func write(_ data: Data, to path: String, besides replica: URL) throws {
        let url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        if let own = ownFile(url, of: replica) {
            throw WorkPlanError.invalid("cannot write \(path): it is this replica's own file \(own); choose another file name")
        }
        if let what = irreplaceable(url) {
            throw WorkPlanError.invalid("cannot write \(path): it is \(what), which the write would destroy; choose another file name")
        }
        var isDirectory: ObjCBool = false
        let parent = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            if FileManager.default.fileExists(atPath: parent) {
                throw WorkPlanError.invalid("cannot write \(path): \(parent) is a file, not a folder")
            }
            throw WorkPlanError.notFound("cannot write \(path): the folder \(parent) does not exist")
        }
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw WorkPlanError.invalid("cannot write \(path): it is a folder")
        }
        do {
            var info = stat()
            if lstat(url.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                guard let handle = FileHandle(forWritingAtPath: url.path) else {
                    throw WorkPlanError.invalid("cannot write \(path): it cannot be opened for writing")
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: data)
            } else {
                try data.write(to: url, options: .atomic)
            }
        } catch let e as WorkPlanError {
            throw e
        } catch {
            throw WorkPlanError.invalid("cannot write \(path): \(SystemErrorText.words(error))")
        }
    }

    /// The name of the replica's file that `url` is (its database, the database's side
    /// files, its enrolment bundle), symbolic links followed; nil for any other file.
    static func ownFile(_ url: URL, of replica: URL) -> String? {
        let target = url.standardizedFileURL.resolvingSymlinksInPath()
        let folder = replica.standardizedFileURL.resolvingSymlinksInPath()
        guard target.deletingLastPathComponent().path == folder.path else { return nil }
        let name = target.lastPathComponent
        return name.hasPrefix(Replica.fileName) || name == Replica.bundleFileName ? name : nil
    }

    /// What an existing file is when it is no export or brief to replace but something the
    /// write would destroy (the bad-input tester: `export --output` replaced another
    /// replica's database, unpushed edits and all, and a server's store and CA key): a
    /// database or its side file, a key or certificate, a bundle holding a key. Judged by
    /// the file's first bytes, which no export or brief begins with, and for side files
    /// (binary, no mark of their own) by the database beside them. Nil for anything else.
    static func irreplaceable(_ url: URL) -> String? {
        var info = stat()
        guard lstat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let name = url.lastPathComponent
        for suffix in ["-wal", "-shm", "-journal"] where name.hasSuffix(suffix) {
            let database = url.deletingLastPathComponent().appendingPathComponent(String(name.dropLast(suffix.count)))
            if FileManager.default.fileExists(atPath: database.path) { return "a side file of the database \(database.lastPathComponent)" }
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64 * 1024)) ?? Data()
        if head.starts(with: Data("SQLite format 3\0".utf8)) { return "a database (a WorkPlan replica or store, perhaps)" }
        if head.count >= 4, [0x377f_0682, 0x377f_0683].contains(head.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) {
            return "a database's write-ahead log"
        }
        let text = String(decoding: head, as: UTF8.self)
        if text.drop(while: \.isWhitespace).hasPrefix("-----BEGIN") { return "a key or certificate (PEM)" }
        if text.contains("PRIVATE KEY-----") { return "a file holding a private key (an enrolment bundle, perhaps)" }
        return nil
    }

    /// `text` with its later lines indented by `width` spaces, so that a multi-line value
    /// printed after a label ("   outcome: ") stays under it instead of starting a line that
    /// reads as the next entry.
    static func continued(_ text: String, indent width: Int) -> String {
        let pad = String(repeating: " ", count: width)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated().map { $0.offset == 0 ? String($0.element) : pad + $0.element }.joined(separator: "\n")
    }

    static func line(_ s: String = "") {
        out(Data((s + "\n").utf8))
    }

    /// Writes to standard output. When the reader has gone (`workplan sync | head -1`), the
    /// command ends quietly with the status a broken pipe gives (141), where
    /// `FileHandle.write` stopped it with a crash report: the networking library ignores
    /// SIGPIPE, so the write fails instead of ending the process.
    static func out(_ data: Data) {
        if let code = StandardStream.write(data, to: STDOUT_FILENO) {
            if code == EPIPE { Foundation.exit(141) }
            // What the command changed is saved by now (output comes after the commit): said,
            // so that a script does not run an `add` again and make the task twice (the
            // filesystem tester).
            error("cannot write the output: \(String(cString: strerror(code))) (what this command changed, if anything, is saved: running it again would do it twice)")
            Foundation.exit(1)
        }
    }

    static func error(_ s: String) {
        StandardStream.error("workplan: error: " + TerminalText.visible(s) + "\n")
    }

    static func note(_ s: String) {
        StandardStream.error(TerminalText.visible(s) + "\n")
    }

    static let jsonEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func json<T: Encodable>(_ value: T) throws {
        let data = try jsonEncoder.encode(value)
        out(data + Data("\n".utf8))
    }

    /// Runs `body`; a `WorkPlanError` becomes one line on stderr and exit code 1
    /// (3 when the server could not be reached or refused the sync). `folder`: the replica
    /// folder, named when its disk is full.
    static func reportingErrors(folder: URL? = nil, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let e as WorkPlanError {
            error(e.message)
            throw ExitCode(e.code == .unavailable || e.code == .revoked || e.code == .unauthenticated || e.code == .unsupportedVersion ? 3 : 1)
        } catch let e as DatabaseError {
            if let words = StorageTrouble.words(e, path: (folder ?? URL(fileURLWithPath: ".")).path) {
                // Not "the replica database failed: disk I/O error", which reads as a damaged
                // file or a failing disk, and sent officers to 'workplan recover'.
                error("\(words): free some space there and run the command again; nothing half-done was written (this is not a damaged replica: do not run 'workplan recover')")
            } else if [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(e.resultCode) {
                error("the replica file is damaged (\(e.message ?? "malformed")); run 'workplan recover' (see docs/operations.md)")
            } else if e.resultCode == .SQLITE_READONLY || e.resultCode == .SQLITE_CANTOPEN {
                error("the replica file cannot be \(e.resultCode == .SQLITE_READONLY ? "written" : "opened"): check the permissions of the replica folder and of its replica.sqlite files (\(e.message ?? "\(e.resultCode)"))")
            } else if e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED {
                // Another process held the replica's write lock past the 10-second wait: a
                // long sync, or one stopped (Ctrl-Z). The transaction that waited wrote nothing.
                error("another workplan command has been using this replica for more than 10 seconds (a sync, perhaps, or one stopped with Ctrl-Z); nothing half-done was written: try again when it has finished")
            } else {
                error("the replica database failed: \(e.message ?? "\(e.resultCode)")")
            }
            throw ExitCode(1)
        } catch let e as DecodingError {
            error("unreadable input: \(describe(e))")
            throw ExitCode(1)
        } catch let e as CocoaError {
            error(SystemErrorText.words(e))
            throw ExitCode(1)
        }
    }

    /// A decoding error in the user's terms: what was expected and where, without Swift's
    /// type names ("Dictionary<String, Any>", "RecordKind").
    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .dataCorrupted(let c):
            return invalidValue(c.debugDescription) + path(c.codingPath)
        case .keyNotFound(let k, let c):
            return "missing '\(k.stringValue)'" + path(c.codingPath)
        case .typeMismatch(let type, let c):
            let inFields = c.codingPath.contains { $0.stringValue == "fields" } && c.codingPath.count > 2
            return "expected \(inFields ? "a text or a list of texts" : kindOfValue(type)) but found \(found(c.debugDescription))" + path(c.codingPath)
        case .valueNotFound(let type, let c):
            return "expected \(kindOfValue(type)) but found null" + path(c.codingPath)
        @unknown default:
            return "unreadable JSON"
        }
    }

    /// "an object", "a list", "a text"… for a type the decoder wanted.
    static func kindOfValue(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Dictionary") || name.hasPrefix("KeyedDecodingContainer") { return "an object" }
        if name.hasPrefix("Array") || name.hasPrefix("UnkeyedDecodingContainer") { return "a list" }
        switch name {
        case "String": return "a text"
        case "Int", "Int64", "Int32": return "a whole number"
        case "Double", "Float": return "a number"
        case "Bool": return "true or false"
        default: return "another kind of value"
        }
    }

    /// What the decoder found, from its description ("… but found a string instead.").
    static func found(_ description: String) -> String {
        guard let start = description.range(of: "but found ")?.upperBound else { return "something else" }
        let rest = description[start...]
        let end = rest.range(of: " instead")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// "Cannot initialize RecordKind from invalid String value spaceship" in plain words.
    static func invalidValue(_ description: String) -> String {
        guard description.hasPrefix("Cannot initialize"), let v = description.range(of: " value ") else {
            return description.hasPrefix("The given data was not valid JSON") ? "it is not valid JSON" : description
        }
        let value = description[v.upperBound...]
        if description.contains("RecordKind") {
            return "'\(value)' is not a kind of record (\(RecordKind.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
        return "'\(value)' is not an allowed value"
    }

    static func path(_ p: [any CodingKey]) -> String {
        p.isEmpty ? "" : " at " + p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Pads to a width (by characters).
    static func pad(_ s: String, _ w: Int) -> String {
        s.count >= w ? s : s + String(repeating: " ", count: w - s.count)
    }
}
