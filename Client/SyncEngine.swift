import Foundation
import WorkPlanProtocol

/// What the sync engine needs from the server: the three calls of the wire protocol.
/// `Transport` speaks them over HTTPS; tests may call a server store in process.
public protocol SyncTransport: Sendable {
    func hello() async throws -> HelloResponse
    func push(_ request: PushRequest) async throws -> PushResponse
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse
}

extension Transport: SyncTransport {}

/// `workplan sync`: push the pending log in batches, then pull pages until done.
public struct SyncEngine: Sendable {
    public let replica: Replica
    public let transport: any SyncTransport
    /// Called with a short progress line (for a terminal); may be nil.
    public let progress: (@Sendable (String) -> Void)?

    public init(replica: Replica, transport: any SyncTransport, progress: (@Sendable (String) -> Void)? = nil) {
        self.replica = replica
        self.transport = transport
        self.progress = progress
    }

    /// What one sync did.
    public struct Report: Sendable {
        public var pushed = 0
        public var accepted = 0
        public var unchanged = 0
        public var newConflicts = 0
        public var pulled = 0
        public var withdrawn = 0
        public var openConflicts = 0
        public var server: HelloResponse?
        /// The server's store had been restored and this replica pushed back what it lacked.
        public var recovered = false
        public var recoveredRecords = 0
    }

    /// Opens a replica's transport from its stored enrolment bundle.
    public static func transport(for replica: Replica) throws -> Transport {
        let bundle = try replica.enrolment()
        return try Transport(bundle: bundle, serverURL: try replica.currentSettings().serverURL)
    }

    /// One full sync. Throws when it could not complete; everything done before the failure
    /// is stored, and running it again continues safely.
    public func run() async throws -> Report {
        var report = Report()
        let hello = try await transport.hello()
        report.server = hello
        try checkCompatible(hello)
        let settings = try replica.currentSettings()
        if let known = settings.storeId, known != hello.storeId {
            // The server was restored from a backup: keep what we hold, re-pull, push back.
            progress?("the server's store changed (restored from a backup); recovering")
            try replica.beginRecovery(newStoreId: hello.storeId)
            report.recovered = true
        }
        if try replica.recoveryPending() {
            try await pull(&report)
            let r = try replica.finishRecovery()
            report.recovered = true
            report.recoveredRecords = r.created + r.updated + r.deleted
        }
        if hello.user.staff != settings.staff {
            throw WorkPlanError(.forbidden, "the server knows you as \(hello.user.name) of \(hello.user.staff.rawValue), but this replica belongs to \(settings.staff.rawValue)")
        }
        try replica.updateRole(hello.user.role)
        try await push(&report, settings: try replica.currentSettings())
        try await pull(&report)
        try replica.markSynced()
        report.openConflicts = try replica.openConflictCount()
        return report
    }

    func checkCompatible(_ hello: HelloResponse) throws {
        if ProtocolVersion.current < hello.minimumProtocolVersion {
            throw WorkPlanError(.unsupportedVersion, "this workplan speaks protocol \(ProtocolVersion.current) but the server needs at least \(hello.minimumProtocolVersion): update workplan")
        }
        if ProtocolVersion.current > hello.protocolVersion {
            throw WorkPlanError(.unsupportedVersion, "the server speaks protocol \(hello.protocolVersion), older than this workplan's \(ProtocolVersion.current): ask your administrator to update the server")
        }
    }

    func push(_ report: inout Report, settings: Settings) async throws {
        let total = try replica.pendingCount()
        var retriedAfterPull = false
        var trace = SyncTrace()
        while let batch = try replica.nextBatch() {
            trace.lap("push: read the batch")
            progress?("pushing \(report.pushed + batch.ops.count)/\(total) edits")
            let response: PushResponse
            do {
                response = try await transport.push(batch)
            } catch let e as WorkPlanError where e.code == .forbidden && !retriedAfterPull {
                // A record may have been withdrawn from this staff since the last pull:
                // pull first (which drops edits of withdrawn records), then try once more.
                try replica.releaseBatch(batch.batchId)
                try await pull(&report)
                retriedAfterPull = true
                continue
            } catch let e as WorkPlanError where [.invalidInput, .forbidden, .payloadTooLarge].contains(e.code) {
                try replica.releaseBatch(batch.batchId)
                throw WorkPlanError(e.code, "the server refused this replica's edits: \(e.message)")
            }
            FaultInjection.point("after-push-reply")
            trace.lap("push \(batch.ops.count) ops: server")
            let summary = try replica.applyPushResponse(response, settings: settings)
            trace.lap("push: store the results")
            report.pushed += batch.ops.count
            report.accepted += summary.accepted
            report.unchanged += summary.unchanged
            report.newConflicts += summary.conflicts
        }
    }

    func pull(_ report: inout Report) async throws {
        var trace = SyncTrace()
        while true {
            let cursor = try replica.currentSettings().cursor
            let page = try await transport.pull(after: cursor, limit: Limits.defaultPageSize)
            trace.lap("pull \(page.changes.count) changes: server")
            FaultInjection.point("before-pull-apply")
            let summary = try replica.applyPull(page)
            trace.lap("pull: apply")
            report.pulled += summary.applied
            report.withdrawn += summary.withdrawn
            if page.maxSeq > 0, page.more {
                progress?("pulling \(page.next)/\(page.maxSeq) changes")
            }
            if !page.more { break }
        }
    }
}

/// With `WORKPLAN_TRACE=1`, each step of a sync and its time on standard error (for
/// finding where a slow sync spends its time).
struct SyncTrace {
    static let enabled = ProcessInfo.processInfo.environment["WORKPLAN_TRACE"] == "1"
    private var last = DispatchTime.now().uptimeNanoseconds

    mutating func lap(_ step: @autoclosure () -> String) {
        guard Self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        FileHandle.standardError.write(Data("trace: \(step()) \(String(format: "%.1f", Double(now - last) / 1e6)) ms\n".utf8))
        last = now
    }
}
