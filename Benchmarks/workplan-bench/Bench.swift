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
    @Option(help: "Which groups: local, store, floor, transport, sync (comma-separated).") var only: String = "local,store,floor,transport,sync"
    @Option(help: ArgumentHelp("Only edits every tenth task of the replica in this folder, as the 10% sync does (for profiling one sync by hand).", visibility: .hidden))
    var editTenth: String?
    @Option(help: ArgumentHelp("Which tenth --edit-tenth edits (its last digit), and which status it sets.", visibility: .hidden)) var round: Int = 0

    func run() async throws {
        if let editTenth { return try SyncBench.editEveryTenthTask(in: editTenth, round: round) }
        let sizes = self.sizes.split(separator: ",").compactMap { Int($0) }
        let groups = Set(only.split(separator: ","))
        var table = Table()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("workplan-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        // WORKPLAN_BENCH_KEEP=1 leaves the plans, replicas and server store behind (printed on
        // standard error) for looking into a figure with sqlite3 or strace.
        let keep = ProcessInfo.processInfo.environment["WORKPLAN_BENCH_KEEP"] == "1"
        defer {
            if keep {
                FileHandle.standardError.write(Data("kept the bench's files in \(work.path)\n".utf8))
            } else {
                try? FileManager.default.removeItem(at: work)
            }
        }
        if groups.contains("local") {
            for n in sizes { try LocalBench(n: n, runs: runs, work: work).run(into: &table) }
        }
        if groups.contains("store") {
            try await StoreBench(sizes: sizes.filter { $0 >= 10000 }, work: work).run(into: &table)
        }
        if groups.contains("floor") {
            try await FloorBench(sizes: sizes.filter { $0 >= 10000 }, work: work).run(into: &table)
        }
        if groups.contains("transport") || groups.contains("sync") {
            try await SyncBench(sizes: sizes, runs: runs, work: work,
                                transport: groups.contains("transport"), processes: groups.contains("sync")).run(into: &table)
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

/// Runs a project executable to completion (stdout to /dev/null); throws on a non-zero exit.
///
/// Spawned with `posix_spawn` and reaped with `waitpid`: Foundation's `Process.waitUntilExit`
/// on Linux polls its run loop every 50 ms, which added up to 50 ms to a 25 ms command.
func runProcess(_ name: String, _ args: [String]) throws {
    let path = binDirectory.appendingPathComponent(name).path
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    let argv = ([path] + args).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard rc == 0 else { throw WorkPlanError(.internal, "cannot start \(path): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    guard status == 0 else {
        throw WorkPlanError(.internal, "\(name) \(args.joined(separator: " ")) exited with status \(status)")
    }
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
