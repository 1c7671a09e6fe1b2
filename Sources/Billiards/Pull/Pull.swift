public import BilliardsVenue
public import LakeCatalog
public import LakeFormat
import Foundation
import Logging
import Synchronization

let pullLog = Logger(label: "opslake.pull")

/// The live pull (docs/billiards-pull.md): for each task, one endpoint of one store,
/// the windows from its cursor (the first starting `overlapMinutes` early, so records
/// the upstream showed late come again) up to `until`, one per business day; every
/// page of each window until its total is reached; the window landed whole by
/// `ODSWriter` (group-committed), then its cursor. Tasks run `jobs` at a time; a task
/// that fails stops at its first incomplete window and the others carry on.
public enum BilliardsPull {
    /// One endpoint of one store, named like its cursor (`billiards_ods.settlement_records@1001204540000001`).
    public struct PullTask: Sendable, Hashable, CustomStringConvertible {
        public var endpoint: Endpoint
        public var store: Int64
        public init(endpoint: Endpoint, store: Int64) {
            self.endpoint = endpoint
            self.store = store
        }
        public var name: String { BilliardsODS.cursorName(endpoint, store: store) }
        public var description: String { name }
    }

    /// A task's windows, from its cursor.
    public struct TaskPlan: Sendable, Hashable {
        public var task: PullTask
        public var cursor: LakeDate?
        public var windows: [ODSWindow]
    }

    /// What a task did.
    public struct TaskOutcome: Sendable, Hashable {
        public var task: PullTask
        public var counts = RequestCounts()
        /// Windows fetched whole and landed (committed once the pull's batch is).
        public var windows = 0
        public var cursor: LakeDate?
        public var seconds = 0.0
        public var error: PullError?
    }

    public struct Summary: Sendable {
        public var tasks: [TaskOutcome]
        /// The partitions the pull's batches wrote (a partition holds every store's
        /// records of its day, so it is the pull's, not one task's).
        public var landed = ODSLanding()
        /// What stopped the whole pull, when something did (the API unreachable, the
        /// token refused): every task not finished by then failed with it.
        public var stopped: PullError?
        public var failed: [TaskOutcome] { tasks.filter { $0.error != nil } }
        public var totals: TaskOutcome {
            var t = TaskOutcome(task: PullTask(endpoint: .settlementRecords, store: 0))
            for o in tasks {
                t.counts.add(o.counts)
                t.windows += o.windows
            }
            return t
        }
        public var archive: (files: Int, bytes: Int64)?
    }

    /// How often a window whose total changes mid-pagination is started again before
    /// the task gives up (75).
    public static let windowRestarts = 3

    /// Where a master-data task with no cursor starts by default: before any store
    /// the upstream can hold.
    public static let defaultMasterSince = LakeDate(year: 2000, month: 1, day: 1)

    /// The windows of every (store, endpoint) in `endpoints` × `stores`, ending at
    /// `until`: from the day after each cursor, or for a task with no cursor from
    /// `from` (default: `historyDays` before `until`'s business day), one per business
    /// day. A master-data task (`Endpoint.Kind.changing`) with no cursor first asks for
    /// everything changed from `masterSince` up to that first day, in one window (or in
    /// windows of `maxWindowDays`, when that is not 0): a member or table unchanged
    /// since before it would otherwise never arrive, and the facts that name it would
    /// point at nothing.
    public static func plan(cursors: (String) throws -> LakeDate?, stores: [Int64], endpoints: [Endpoint], until: VenueTime,
                            from: LakeDate?, historyDays: Int, overlapMinutes: Int,
                            masterSince: LakeDate = defaultMasterSince, maxWindowDays: Int = 0) rethrows -> [TaskPlan] {
        let lastDay = until.businessDate
        var plans: [TaskPlan] = []
        for store in stores {
            for endpoint in Endpoint.allCases where endpoints.contains(endpoint) {
                let task = PullTask(endpoint: endpoint, store: store)
                let cursor = try cursors(task.name)
                let first = cursor.map { $0.adding(days: 1) } ?? from ?? lastDay.adding(days: -historyDays)
                var windows: [ODSWindow] = []
                if cursor == nil, endpoint.kind == .changing, masterSince < first {
                    // One window, or for an upstream that limits their length, windows of
                    // `maxWindowDays` business days, oldest first.
                    var day = masterSince
                    while day < first {
                        let next = maxWindowDays > 0 ? min(first, day.adding(days: maxWindowDays)) : first
                        let end = min(VenueTime.opening(of: next), until)
                        let start = VenueTime.opening(of: day)
                        if start < end { windows.append(ODSWindow(endpoint: endpoint, storeID: store, start: start, end: end)) }
                        day = next
                    }
                }
                var day = first
                while day <= lastDay {
                    var start = VenueTime.opening(of: day)
                    if day == first, cursor != nil { start = start.adding(seconds: -overlapMinutes * 60) }
                    let end = min(VenueTime.opening(of: day.adding(days: 1)), until)
                    if start < end { windows.append(ODSWindow(endpoint: endpoint, storeID: store, start: start, end: end)) }
                    day = day.adding(days: 1)
                }
                plans.append(TaskPlan(task: task, cursor: cursor, windows: windows))
            }
        }
        return plans
    }

    /// Pulls `plans` into `lake` as one catalogue run (`billiards pull`), saving every
    /// response to `archive` when given. Returns what each task did; throws only when
    /// the lake (or the archive) fails, after recording the run.
    public static func run(_ plans: [TaskPlan], settings: PullSettings, into lake: WritableLake, archive: String? = nil,
                           arguments: [String] = []) throws -> Summary {
        let client = try APIClient(settings: settings)
        let archiveWriter = try archive.map { try ArchiveWriter(folder: $0) }
        let days = plans.flatMap { $0.windows.flatMap { [$0.start.businessDate, $0.lastWholeDay] } }
        let started = Date()
        let runID = try lake.beginRun(command: "billiards pull", arguments: arguments,
                                      window: days.min().flatMap { first in days.max().map { first...max(first, $0) } })
        let lander = Lander(try ODSWriter(lake: lake, runID: runID, batchBytes: ODSWriter.groupCommitBytes))
        let outcomes = Mutex<[Int: TaskOutcome]>([:])
        // The ticket tasks first: a ticket window makes a request per settlement
        // (dozens), a list window one per page (mostly one), so started last they would
        // set the pull's length. Then endpoint by endpoint, each across the stores: a
        // partition holds every store's records of its day, so its stores' windows meet
        // in one batch and it is written once, not once per store.
        let rank = Dictionary(uniqueKeysWithValues: Endpoint.allCases.enumerated().map { ($1, $0 + 1) })
        let key = plans.map { $0.task.endpoint == .settlementTicketDetails ? 0 : rank[$0.task.endpoint]! }
        let order = plans.indices.sorted { (key[$0], $0) < (key[$1], $1) }
        onThreads(order.count, jobs: settings.jobs) { i in
            let index = order[i]
            let outcome = pull(plans[index], client: client, settings: settings, lander: lander, archive: archiveWriter)
            outcomes.withLock { $0[index] = outcome }
        }
        var summary = Summary(tasks: outcomes.withLock { all in plans.indices.compactMap { all[$0] } })
        summary.stopped = client.fatal.withLock { $0 }
        // A lake that failed stops the pull with its own error (and exit code).
        var failure: (any Error)?
        do {
            let (cursors, landed) = try lander.finish()
            summary.landed = landed
            for i in summary.tasks.indices {
                if let c = cursors[summary.tasks[i].task.name] { summary.tasks[i].cursor = c }
            }
        } catch { failure = error }
        if let archiveWriter {
            do {
                try archiveWriter.finish()
                summary.archive = archiveWriter.written
            } catch { failure = failure ?? error }
        }
        let totals = summary.totals
        let failed = summary.failed
        let error = failure.map { String(describing: $0) }
            ?? summary.stopped.map { "the pull stopped (\(failed.count) of \(summary.tasks.count) tasks failed): \($0.message)" }
            ?? (failed.isEmpty ? nil : "\(failed.count) of \(summary.tasks.count) tasks failed; the first: \(failed[0].error!.message)")
        // After a lake failure (a full disk), recording the run may fail too: the lake's
        // error is the one reported.
        func record(_ body: () throws -> Void) throws {
            do { try body() } catch { if failure == nil { throw error } }
        }
        try record { try lake.recordRunTasks(runID, summary.tasks.map { o in
            var t = RunTask(task: o.task.name)
            t.requests = o.counts.requests
            t.retries = o.counts.retries
            t.pages = o.counts.pages
            t.records = o.counts.records
            t.bytes = o.counts.bytes
            t.windows = o.windows
            t.cursor = o.cursor
            t.seconds = o.seconds
            t.error = o.error?.message
            return t
        }) }
        let seconds = Date().timeIntervalSince(started)
        if let error {
            try record { try lake.finishFailedRun(runID, seconds: seconds, error: error, bytes: totals.counts.bytes) }
        } else {
            try lake.finishRun(runID, partitions: summary.landed.written, rows: Int64(summary.landed.rows), bytes: totals.counts.bytes,
                               seconds: seconds, error: nil)
        }
        if let failure { throw failure }
        return summary
    }

    /// Calls `body` for every index below `count`, in order of taking, on `jobs` threads
    /// of its own, and returns when all are done. Not `WorkQueue`: its threads are as many
    /// as the cores (Dispatch's `concurrentPerform`), right for work that computes, while
    /// these threads mostly wait for answers, and `billiards.jobs` is the requests in
    /// flight whatever the cores.
    static func onThreads(_ count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> Void) {
        final class Counter: Sendable { let next = Atomic<Int>(0) }
        let counter = Counter()
        let done = DispatchGroup()
        for _ in 0..<max(1, min(jobs, count)) {
            done.enter()
            let thread = Thread {
                while case let i = counter.next.wrappingAdd(1, ordering: .relaxed).oldValue, i < count { body(i) }
                done.leave()
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        done.wait()
    }

    /// One task: its windows in order, each fetched whole and landed, until one fails.
    static func pull(_ plan: TaskPlan, client: APIClient, settings: PullSettings, lander: Lander, archive: ArchiveWriter?) -> TaskOutcome {
        var outcome = TaskOutcome(task: plan.task, cursor: plan.cursor)
        let started = Date()
        defer { outcome.seconds = Date().timeIntervalSince(started) }
        for window in plan.windows {
            if let failure = lander.failed {
                outcome.error = PullError(.tempFail, "not finished: the lake failed (\(failure))")
                break
            }
            do {
                var entries: [ArchiveEntry] = []
                let records = try fetch(window, client: client, settings: settings, counts: &outcome.counts, archive: archive, entries: &entries)
                archive?.add(entries)
                try lander.land(window, records: records)
                outcome.windows += 1
            } catch let e as PullError {
                outcome.error = e
                break
            } catch let e as ODSError {
                outcome.error = PullError(e.status == .noInput ? .noInput : .dataError, e.message)
                break
            } catch {
                outcome.error = PullError(.tempFail, "\(window): \(error)")
                break
            }
        }
        if let e = outcome.error { pullLog.warning("task failed", metadata: ["task": "\(plan.task)", "error": "\(e.message)"]) }
        return outcome
    }

    /// Every record of one window: all pages of the list (restarted when its total
    /// changes mid-way), and for tickets one request per settlement made in the window.
    static func fetch(_ window: ODSWindow, client: APIClient, settings: PullSettings, counts: inout RequestCounts,
                      archive: ArchiveWriter?, entries: inout [ArchiveEntry]) throws -> [ODSRecord] {
        let endpoint = window.endpoint
        if endpoint == .settlementTicketDetails {
            // The settlement list names the tickets; the settlement task keeps it (and archives it), not this one.
            var unindexed: [ArchiveEntry] = []
            let list = try fetchList(window, listing: .settlementRecords, client: client, settings: settings, counts: &counts,
                                     archive: nil, entries: &unindexed)
            var records: [ODSRecord] = []
            var seen = Set<Int64>()
            for settlement in list {
                guard window.start <= settlement.dateTime, settlement.dateTime < window.end,
                      let id = Int64(settlement.sourceKey), seen.insert(id).inserted else { continue }
                let query = [("siteId", "\(window.storeID)"), ("orderSettleId", "\(id)")]
                let place = "\(window) ticket \(id)"
                let page = try client.get(endpoint.path, query: query, place: place, counts: &counts, notFoundIsData: true, record: { answer in
                    if let archive {
                        entries.append(try archive.save(answer.body, endpoint: endpoint, store: window.storeID, window: window.start..<window.end,
                                                        query: Dictionary(uniqueKeysWithValues: query), page: nil, status: answer.status,
                                                        name: "\(id)"))
                    }
                }) { body in try ResponsePage(body, endpoint: endpoint, storeID: window.storeID, where: place) }
                counts.pages += 1
                records += try page.records()
            }
            counts.records += records.count
            return records
        }
        let records = try fetchList(window, listing: endpoint, client: client, settings: settings, counts: &counts, archive: archive, entries: &entries)
        counts.records += records.count
        return records
    }

    /// Every page of `listing`'s window, restarted from page 1 when the total changes.
    static func fetchList(_ window: ODSWindow, listing endpoint: Endpoint, client: APIClient, settings: PullSettings,
                          counts: inout RequestCounts, archive: ArchiveWriter?, entries: inout [ArchiveEntry]) throws -> [ODSRecord] {
        let listWindow = ODSWindow(endpoint: endpoint, storeID: window.storeID, start: window.start, end: window.end)
        for attempt in 1...(windowRestarts + 1) {
            var records: [ODSRecord] = []
            var total: Int?
            var pages = 1
            var page = 1
            var changed = false
            var windowEntries: [ArchiveEntry] = []
            while page <= pages {
                let query = [("siteId", "\(window.storeID)"), ("startTime", window.start.description), ("endTime", window.end.description),
                             ("page", "\(page)"), ("pageSize", "\(settings.pageSize)")]
                let place = "\(listWindow) page \(page)"
                let response = try client.get(endpoint.path, query: query, place: place, counts: &counts, record: { answer in
                    if let archive {
                        windowEntries.append(try archive.save(answer.body, endpoint: endpoint, store: window.storeID,
                                                              window: window.start..<window.end, query: Dictionary(uniqueKeysWithValues: query),
                                                              page: page, status: answer.status,
                                                              name: "\(VenueArchive.compact(window.start))-\(VenueArchive.compact(window.end))-p\(VenueArchive.pad(page))"))
                    }
                }) { body in
                    let p = try ResponsePage(body, endpoint: endpoint, storeID: window.storeID, where: place)
                    guard p.page == page, let size = p.pageSize, size > 0, p.total != nil else {
                        throw ODSError(.dataError, "\(place): the response says page \(p.page.map(String.init) ?? "?") of page size \(p.pageSize.map(String.init) ?? "?")")
                    }
                    return p
                }
                counts.pages += 1
                if let known = total, known != response.total! {
                    changed = true
                    break
                }
                if total == nil {
                    total = response.total!
                    pages = VenueResponses.pageCount(total: response.total!, pageSize: response.pageSize!)
                }
                records += try response.records()
                page += 1
            }
            if !changed && records.count != total! { changed = true }
            if !changed {
                entries += windowEntries
                return records
            }
            pullLog.info("window total changed mid-pagination; starting it again", metadata: ["window": "\(listWindow)", "attempt": "\(attempt)"])
        }
        throw PullError(.tempFail, "\(listWindow): the total changed during paging on each of \(windowRestarts + 1) tries; try again later")
    }
}

/// Lands windows from several tasks through one `ODSWriter`, one at a time. When the
/// lake fails (a batch that cannot be written or committed), the pull stops: every
/// later landing throws that failure, so no window lands after a batch that was lost.
final class Lander: @unchecked Sendable {  // unchecked: `writer` and `failure` are used only under `lock`
    let writer: ODSWriter
    let lock = NSLock()
    var failure: (any Error)?

    init(_ writer: ODSWriter) { self.writer = writer }

    /// The lake's failure, if it failed.
    var failed: (any Error)? { lock.withLock { failure } }

    func land(_ window: ODSWindow, records: [ODSRecord]) throws {
        let records = ODSRecord.latest(records)  // on the caller's thread, not under the lock
        try lock.withLock {
            if let failure { throw failure }
            do { _ = try writer.land(window, records: records) } catch let e as ODSError where e.status == .dataError && failure == nil {
                throw e  // the window's own records: only its task fails
            } catch {
                failure = error
                throw error
            }
        }
    }

    /// Commits what waits; returns every cursor the pull moved and what the batches wrote.
    func finish() throws -> (cursors: [String: LakeDate], landed: ODSLanding) {
        try lock.withLock {
            if let failure { throw failure }
            try writer.flush()
            return (writer.moved, writer.landed)
        }
    }
}
