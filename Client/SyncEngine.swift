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
        /// Edits this sync set aside: their record was withdrawn from this staff, or they
        /// refer to one that was (`Replica.setAsideEdits()`).
        public var setAside = 0
        /// Edits set aside earlier that went back to the pending log and were sent: their
        /// record was shared with this staff again (`Replica.returnSetAsideEdits`).
        public var returned = 0
        public var openConflicts = 0
        public var server: HelloResponse?
        /// The server's store had been restored and this replica pushed back what it lacked.
        public var recovered = false
        public var recoveredRecords = 0
        /// Seqs of this sync's accepted field edits, stored (`PushSummary.acknowledged`).
        var acknowledged: Set<Int64> = []
        /// The cursor when this sync began pushing (`Replica.applyPull`'s `syncStart`).
        var startCursor: Int64?
        /// Records with edits the server did not take (`PushSummary.notTaken`).
        var notTaken: [String: RecordKind] = [:]
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
            let r = try replica.finishRecovery(restorePoint: hello.restorePoint)
            report.recovered = true
            report.recoveredRecords = r.created + r.updated + r.deleted
        }
        if hello.user.staff != settings.staff {
            throw WorkPlanError(.forbidden, "the server knows you as \(hello.user.name) of \(hello.user.staff.rawValue), but this replica belongs to \(settings.staff.rawValue)")
        }
        try replica.updateRole(hello.user.role)
        let current = try replica.currentSettings()
        report.startCursor = current.cursor
        let firstPage = try await push(&report, settings: current)
        if try firstPage != nil || report.pushed > 0 || !replica.currentSettings().isCaughtUp(with: hello) {
            try await pull(&report, first: firstPage)
        }
        if report.returned > 0 {
            // Edits set aside earlier are waiting again (their record was shared again):
            // sent now rather than at the next sync.
            let page = try await push(&report, settings: try replica.currentSettings())
            try await pull(&report, first: page)
        }
        try replica.settleUpdateTimes(report.notTaken)
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

    /// Pushes every waiting operation. While a reply is stored, the next batch is already
    /// on its way (when it touches none of the replied batch's records: `nextBatch(after:)`),
    /// and after the last batch the first pull page is: the server works while this replica
    /// writes. The server still receives the batches one after the other, in order. Returns
    /// that first pull page's request, if one was sent.
    func push(_ report: inout Report, settings: Settings) async throws -> PrefetchedPage? {
        let total = try replica.pendingCount()
        var retriedAfterPull = false
        var trace = SyncTrace()
        var current = try replica.nextBatch()
        var sent = current.map(send)
        while let batch = current, let request = sent {
            trace.lap("push: read the batch")
            progress?("pushing \(report.pushed + batch.ops.count)/\(total) edits")
            let response: PushResponse
            do {
                response = try await request.value
            } catch let e as WorkPlanError where e.code == .forbidden && !retriedAfterPull {
                // A record may have been withdrawn from this staff since the last pull:
                // pull first (which sets aside edits of withdrawn records), then try once more.
                try replica.releaseBatch(batch.batchId)
                try await pull(&report)
                retriedAfterPull = true
                current = try replica.nextBatch()
                sent = current.map(send)
                continue
            } catch let e as WorkPlanError where [.invalidInput, .forbidden, .payloadTooLarge].contains(e.code) {
                // Edits of (or referring to) a record this staff can no longer see, and edits
                // the server refuses as invalid, are refused with the whole batch: set them
                // aside (kept, and listed by `status`), so the rest of the pending log still
                // syncs, and try again.
                if e.code == .forbidden || (e.code == .invalidInput && e.record != nil) {
                    let refused = e.record.map { record in
                        let op = batch.ops.first { $0.record == record }
                        let kind = op?.kind.withArticle ?? "a record"
                        // The other staff's note (queued before the replica refused those):
                        // listed until it arrives from their replica (`applyPull`).
                        if let op, op.kind == .note, op.action == .create,
                           AccessRules.noteSignatureRefusal(settings.identity, record: record, fields: op.fields ?? [:]) != nil {
                            return (record, e.operation, Replica.otherStaffNoteRefused(op.fields?[FieldName.staff]?.text ?? "another staff"))
                        }
                        return (record, e.operation, e.code == .forbidden ? "it is \(kind) no longer releasable to \(settings.staff.rawValue)"
                                                                          : "the server refused it: \(e.message)")
                    }
                    let moved = try replica.setAsideUnreachableReferences(inBatch: batch.batchId, refused: refused)
                    if moved > 0 {
                        report.setAside += moved
                        current = try replica.nextBatch()
                        sent = current.map(send)
                        continue
                    }
                }
                try replica.releaseBatch(batch.batchId)
                throw WorkPlanError(e.code, "the server refused this replica's edits: \(e.message)")
            }
            FaultInjection.point("after-push-reply")
            trace.lap("push \(batch.ops.count) ops: server")
            let next = try replica.nextBatch(after: batch)
            let nextSent = next.map(send)
            // The pull may start only when nothing else is to be pushed: after a crash, a
            // batch sent ahead is still marked, and is resent below.
            let page = try next == nil && !replica.hasOperations(outside: batch.batchId) ? prefetchPull() : nil
            FaultInjection.point("before-storing-push-reply")
            let summary: PushSummary
            do {
                summary = try replica.applyPushResponse(response)
            } catch {
                _ = await nextSent?.result
                _ = await page?.response.result
                throw error
            }
            trace.lap("push: store the results")
            report.pushed += batch.ops.count
            report.accepted += summary.accepted
            report.unchanged += summary.unchanged
            report.newConflicts += summary.conflicts
            report.acknowledged.formUnion(summary.acknowledged)
            report.notTaken.merge(summary.notTaken) { kind, _ in kind }
            if let next {
                (current, sent) = (next, nextSent)
            } else if let page {
                return page
            } else {
                current = try replica.nextBatch()
                sent = current.map(send)
            }
        }
        return nil
    }

    /// A push request on its way.
    private func send(_ batch: PushRequest) -> Task<PushResponse, any Error> {
        let transport = self.transport
        return Task { try await transport.push(batch) }
    }

    /// A pull page requested ahead of being applied, and the cursor it was asked after.
    struct PrefetchedPage {
        let cursor: Int64
        let response: Task<PullResponse, any Error>
    }

    private func prefetchPull() throws -> PrefetchedPage {
        prefetch(after: try replica.currentSettings().cursor)
    }

    private func prefetch(after cursor: Int64, limit: Int = Limits.defaultPageSize) -> PrefetchedPage {
        let transport = self.transport
        return PrefetchedPage(cursor: cursor, response: Task { try await transport.pull(after: cursor, limit: limit) })
    }

    /// The size of a pull's first page when nothing was asked for ahead. The server builds a
    /// page before it sends any of it, so a small first page starts the replica's work
    /// sooner; each next page, four times larger up to `Limits.defaultPageSize`, is built
    /// while the one before it is applied.
    static let firstPageSize = 1000

    /// Pulls pages until done, each applied with its cursor in one transaction. The next
    /// page is asked for while one is applied. `first`: a page already asked for, used
    /// when it was asked after the current cursor.
    func pull(_ report: inout Report, first: PrefetchedPage? = nil) async throws {
        var trace = SyncTrace()
        var ahead = first
        var limit = first == nil ? Self.firstPageSize : Limits.defaultPageSize
        defer {
            // On an error, a page asked for ahead is not left running.
            if let ahead { ahead.response.cancel() }
        }
        while true {
            let cursor = try replica.currentSettings().cursor
            let page: PullResponse
            if let prefetched = ahead, prefetched.cursor == cursor {
                page = try await prefetched.response.value
            } else {
                ahead?.response.cancel()
                _ = await ahead?.response.result
                page = try await transport.pull(after: cursor, limit: limit)
            }
            limit = min(limit * 4, Limits.defaultPageSize)
            ahead = page.more ? prefetch(after: page.next, limit: limit) : nil
            trace.lap("pull \(page.changes.count) changes: server")
            FaultInjection.point("before-pull-apply")
            let summary: PullSummary
            do {
                summary = try replica.applyPull(page, after: cursor, acknowledged: report.acknowledged, syncStart: report.startCursor ?? cursor)
            } catch {
                _ = await ahead?.response.result
                throw error
            }
            trace.lap("pull: apply")
            // Another sync of this replica moved the cursor: ask again after where it is now.
            if summary.stale { continue }
            report.pulled += summary.applied
            report.withdrawn += summary.withdrawn
            report.setAside += summary.setAside
            report.returned += summary.returned
            if page.maxSeq > 0, page.more {
                progress?("pulling \(page.next)/\(page.maxSeq) changes")
            }
            if !page.more { break }
        }
    }
}

/// With `WORKPLAN_TRACE=1` (or `sql`), each step of a sync and its time on standard error (for
/// finding where a slow sync spends its time).
struct SyncTrace {
    static let enabled = ["1", "sql"].contains(ProcessInfo.processInfo.environment["WORKPLAN_TRACE"])
    /// `WORKPLAN_TRACE=sql` also prints each SQL statement of 2 ms or more.
    static let sql = ProcessInfo.processInfo.environment["WORKPLAN_TRACE"] == "sql"
    private var last = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = SyncTrace.processCPU()

    /// This process's CPU time (user and system, all threads), in nanoseconds.
    static func processCPU() -> UInt64 {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
        return ns(usage.ru_utime) + ns(usage.ru_stime)
    }

    /// Prints the step with its wall time and this process's CPU time meanwhile (all its
    /// threads: more than the wall time when several worked; much less when it waited).
    mutating func lap(_ step: @autoclosure () -> String) {
        guard Self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds, cpu = Self.processCPU()
        FileHandle.standardError.write(Data("trace: \(step()) \(String(format: "%.1f", Double(now - last) / 1e6)) ms (cpu \(String(format: "%.1f", Double(cpu - lastCPU) / 1e6)) ms)\n".utf8))
        last = now
        lastCPU = cpu
    }
}
