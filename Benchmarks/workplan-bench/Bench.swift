import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanProtocol

/// `workplan-bench`: the speed figures of the issues, as medians over repeated runs,
/// printed as a table. Run through `make bench` (release build).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workplan-bench", abstract: "WorkPlan benchmarks (medians).")

    @Option(help: "Plan sizes (tasks), comma-separated.") var sizes: String = "1000,10000,50000"
    @Option(help: "Runs per measurement of a single command.") var runs: Int = 15
    @Option(help: "Which groups: local, sync (comma-separated).") var only: String = "local,sync"

    func run() async throws {
        let sizes = self.sizes.split(separator: ",").compactMap { Int($0) }
        let groups = Set(only.split(separator: ","))
        var table = Table()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("workplan-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        if groups.contains("local") {
            for n in sizes { try LocalBench(n: n, runs: runs, work: work).run(into: &table) }
        }
        if groups.contains("sync") {
            try await SyncBench(sizes: sizes, runs: runs, work: work).run(into: &table)
        }
        table.print()
    }
}

/// The result table.
struct Table {
    struct Row {
        var name: String
        var n: Int
        var median: Double
        var min: Double
        var runs: Int
        var target: String
    }
    var rows: [Row] = []

    mutating func add(_ name: String, n: Int, samples: [Double], target: String) {
        let s = samples.sorted()
        rows.append(Row(name: name, n: n, median: s[s.count / 2], min: s.first ?? 0, runs: s.count, target: target))
        FileHandle.standardError.write(Data("  \(name) n=\(n): median \(String(format: "%.1f", s[s.count / 2] * 1000)) ms\n".utf8))
    }

    func print() {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        Swift.print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)")
        Swift.print("| benchmark | tasks | median ms | min ms | runs | target |")
        Swift.print("| --- | ---: | ---: | ---: | ---: | --- |")
        for r in rows {
            Swift.print("| \(r.name) | \(r.n) | \(String(format: "%.1f", r.median * 1000)) | \(String(format: "%.1f", r.min * 1000)) | \(r.runs) | \(r.target) |")
        }
    }
}

/// Seconds taken by `body`.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func timedAsync(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The executables beside this one.
let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()

/// Runs a project executable to completion; throws on a non-zero exit.
@discardableResult
func runProcess(_ name: String, _ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = binDirectory.appendingPathComponent(name)
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.standardError
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw WorkPlanError(.internal, "\(name) \(args.joined(separator: " ")) exited \(p.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

/// A plan of `n` tasks over the 20th conference's areas, as an export file.
func makePlan(n: Int) -> PlanExport {
    let areaNames = ["Military Mobility", "Medical Cooperation", "CIS/Cyber Interoperability", "Gender Perspectives", "EU-NATO Information Exchange"]
    var records: [ExportedRecord] = areaNames.map {
        ExportedRecord(id: RecordID.area(named: $0), kind: .area, fields: ["name": .text($0)], createdAt: "2023-12-01T00:00:00Z", createdBy: "bench")
    }
    let statuses = Schema.statuses, priorities = Schema.priorities
    for i in 0..<n {
        let fields: [String: FieldValue] = [
            "title": .text("Task \(i): follow-on action agreed at the 20th conference"),
            "description": .text("Line one of the description of task \(i).\nLine two.\nLine three."),
            "area": .text(RecordID.area(named: areaNames[i % areaNames.count])),
            "lead": .text(["EUMS", "IMS", "JOINT"][i % 3]),
            "owner": .text("Officer \(i % 40)"),
            "status": .text(statuses[i % statuses.count]),
            "priority": .text(priorities[i % priorities.count]),
            "due": .text("2024-0\(1 + i % 9)-1\(i % 10)"),
            "tags": .makeSet(["tag\(i % 7)", "dg20"]),
            "releasable": .text("both"),
        ]
        records.append(ExportedRecord(id: RecordID.random(), kind: .task, fields: fields, createdAt: "2023-12-01T00:00:00Z", createdBy: "bench"))
    }
    return PlanExport(format: PlanExport.formatName, records: records)
}

/// Issue 2: the replica and the CLI as whole processes.
struct LocalBench {
    let n: Int
    let runs: Int
    let work: URL

    func run(into table: inout Table) throws {
        FileHandle.standardError.write(Data("local, \(n) tasks\n".utf8))
        let planFile = work.appendingPathComponent("plan-\(n).json")
        try JSONEncoder().encode(makePlan(n: n)).write(to: planFile)
        var importTimes: [Double] = []
        var dir = ""
        for i in 0..<3 {
            dir = work.appendingPathComponent("local-\(n)-\(i)").path
            try runProcess("workplan", ["init", "--staff", "EUMS", "--user", "Bench", "--dir", dir])
            importTimes.append(try timed { try runProcess("workplan", ["import", planFile.path, "--dir", dir]) })
        }
        table.add("import (process)", n: n, samples: importTimes, target: n == 50000 ? "≤ 2000 ms" : "")
        var listTimes: [Double] = []
        for _ in 0..<max(3, runs / 3) {
            listTimes.append(try timed { try runProcess("workplan", ["list", "--json", "--dir", dir]) })
        }
        table.add("list --json, all tasks (process)", n: n, samples: listTimes, target: "")
        let ids = try Replica.open(in: URL(fileURLWithPath: dir)).tasks().prefix(runs).map(\.shortId)
        var editTimes: [Double] = []
        for (i, id) in ids.enumerated() {
            editTimes.append(try timed { try runProcess("workplan", ["edit", id, "--owner", "Bench \(i)", "--dir", dir]) })
        }
        table.add("edit (process)", n: n, samples: editTimes, target: "≤ 40 ms, flat in N")
        var addTimes: [Double] = []
        for i in 0..<runs {
            addTimes.append(try timed { try runProcess("workplan", ["add", "Added \(i)", "--area", "Military Mobility", "--dir", dir]) })
        }
        table.add("add (process)", n: n, samples: addTimes, target: "≤ 40 ms, flat in N")
    }
}
