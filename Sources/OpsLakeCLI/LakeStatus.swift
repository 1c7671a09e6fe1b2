import Billiards
import BilliardsVenue
import Foundation
import GeneratorKit
import LakeCatalog
import LakeFormat

/// What an operator asks of a lake in the morning: every task with its cursor and
/// state, the last run of each command, the lake's size and the last quality checks,
/// and what needs attention. `opslake tasks`, `status` and `metrics` print it.
struct LakeStatus: Encodable {
    /// One scheduled task: a generated domain's (`petshop.daily`), one endpoint of one
    /// store of the pull, or the DWD build.
    struct TaskState: Encodable {
        var task: String
        var domain: String
        var store: Int64?
        var cursor: String?
        var due: String
        /// When its last run ended (or, before any run was recorded, its cursor moved).
        var lastRun: String?
        /// Its last run: when it started and ended (nil while it has not), how it
        /// ended ("succeeded", "failed", "interrupted", "running") and the rows (the
        /// pull's: records) it wrote or received; when its last successful run ended.
        var lastStarted: String? = nil
        var lastEnded: String? = nil
        var outcome: String? = nil
        var rows: Int64? = nil
        var lastSuccess: String? = nil
        /// "up to date", "N days behind", "never run", "not set up" or "failed".
        var state: String
        var error: String?
        /// Days between its cursor and the day due (0 when up to date or not set up).
        var behind: Int
        var failed: Bool { error != nil }
        /// A task that failed or is behind (one never run, once it is set up, is behind).
        var needsAttention: Bool { failed || behind > 0 }
    }

    /// One command's runs: how many succeeded and failed, the last one (perhaps still
    /// running), the last that finished, the last success.
    struct CommandState: Encodable {
        var command: String
        var succeeded: Int
        var failed: Int
        var lastSuccess: String?
        var last: RunRecord
        var lastFinished: RunRecord?
    }

    struct Size: Encodable {
        var datasets = 0
        var partitions = 0
        var rows: Int64 = 0
        var bytes: Int64 = 0
        var uncompressedBytes: Int64 = 0
    }

    struct Quality: Encodable {
        var run: Int64
        var checkedAt: String
        var results: [QualityResult]
    }

    var lake: String
    var tasks: [TaskState] = []
    var commands: [CommandState] = []
    var size = Size()
    var quality: Quality?
    /// PostgreSQL's side, when a connection is configured (`Status` fills it in).
    var postgres: PostgresState?
    /// One line per thing that needs attention; empty when all is well.
    var problems: [String] = []

    struct PostgresState: Encodable {
        var missing = 0
        var changed = 0
        var loaded = 0
        var error: String?
    }

    /// The status of the lake at `path` (which may not exist yet: then only the tasks
    /// the settings name). A task counts as behind only once the day it is due on has
    /// been due for `graceHours`, so a monitor does not fire between midnight (or a
    /// business day's 08:00) and the timer that catches up.
    static func read(lake path: String, config: String?, domain: String? = nil, graceHours: Int = 0) throws -> LakeStatus {
        let context = try DomainContext(lake: path, config: config)
        let lake = FileIO.exists(FileIO.path(path, LakeLayout.catalogFile)) ? try Lake(root: path) : nil
        var status = LakeStatus(lake: path)
        let cursors = try lake?.catalog.cursors() ?? [:]
        // The newest run of each command, whatever the length of the history.
        let runs = (try lake?.catalog.lastRunOfEachCommand() ?? []).sorted { $0.id > $1.id }
        let grace = graceHours * 3600

        func outcome(_ run: RunRecord) -> String { run.isInterrupted ? "interrupted" : run.status }

        func state(_ cursor: LakeDate?, due: LakeDate, setUp: Bool) -> (String, Int) {
            guard let cursor else { return setUp ? ("never run", 1) : ("not set up", 0) }
            let n = max(0, Int(due.daysSinceEpoch) - Int(cursor.daysSinceEpoch))
            return (n == 0 ? "up to date" : n == 1 ? "1 day behind" : "\(n) days behind", n)
        }

        // Generated domains: a task is set up once `init` gave the lake its settings.
        let today = try taipeiToday(secondsAgo: grace)
        let initialised = FileIO.exists(FileIO.path(path, LakeSettings.fileName))
        for d in Domains.all where domain == nil || domain == d.name {
            for task in d.tasks {
                let cursor = cursors[task.name]
                let due = today.adding(days: -task.lagDays)
                var (s, n) = state(cursor?.day, due: due, setUp: initialised)
                // Its newest run, if that one failed (or its process died), is why it is behind.
                let last = try lake?.catalog.lastRun(command: "run", arguments: task.name)
                let error = last.flatMap { $0.status == "failed" ? $0.error ?? "failed" : $0.isInterrupted ? "interrupted" : nil }
                if error != nil { s = "failed" }
                status.tasks.append(TaskState(task: task.name, domain: d.name, cursor: cursor?.day.description, due: due.description,
                                              lastRun: last?.finishedAt ?? cursor?.updatedAt, lastStarted: last?.startedAt,
                                              lastEnded: last?.finishedAt, outcome: last.map(outcome), rows: last?.rows,
                                              lastSuccess: try lake?.catalog.lastSuccessfulRun(command: "run", arguments: task.name)?.finishedAt,
                                              state: s, error: error, behind: n))
            }
        }

        // The pull: one task per endpoint and store, of the configured stores and any
        // other store the lake has a cursor for; set up once an API URL is configured.
        if domain == nil || domain == BilliardsODS.name {
            let last = try lake?.catalog.lastRunTasks(prefix: BilliardsODS.name + ".") ?? [:]
            var stores = try PullSettings.stores(context.settings)
            for name in cursors.keys.sorted() where name.hasPrefix(BilliardsODS.name + ".") {
                if let id = name.split(separator: "@").last.flatMap({ Int64($0) }), !stores.contains(id) { stores.append(id) }
            }
            var setUp = false
            if case .string(let url) = context.settings.value("billiards.api_url") { setUp = !url.trimmingCharacters(in: .whitespaces).isEmpty }
            // A business day (08:00 to 08:00 Asia/Shanghai) is whole the next morning: the
            // one before the current business day is the last a pull can finish.
            let due = try pullNow().adding(seconds: -grace).businessDate.adding(days: -1)
            for store in stores {
                for endpoint in Endpoint.allCases {
                    let name = BilliardsODS.cursorName(endpoint, store: store)
                    let cursor = cursors[name]
                    let run = last[name]
                    var (s, n) = state(cursor?.day, due: due, setUp: setUp)
                    if run?.task.error != nil { s = "failed" }
                    status.tasks.append(TaskState(task: name, domain: BilliardsODS.name, store: store, cursor: cursor?.day.description,
                                                  due: due.description, lastRun: run?.finishedAt ?? cursor?.updatedAt,
                                                  lastStarted: run?.startedAt, lastEnded: run?.finishedAt,
                                                  outcome: run.map { $0.task.error != nil ? "failed" : $0.status },
                                                  rows: run.map { Int64($0.task.records) }, lastSuccess: run?.lastSuccess,
                                                  state: s, error: run?.task.error, behind: n))
                }
            }
        }

        // The DWD build: behind when an ODS partition was committed after its last build
        // began (and that was longer ago than the grace).
        if let lake, domain == nil || domain == BilliardsDWD.name {
            let ods = try lake.catalog.partitions().filter { $0.dataset.schema == BilliardsODS.name }
            if !ods.isEmpty {
                let last = runs.first { $0.command == "billiards dwd" }
                let newest = ods.map(\.committedAt).max()!
                // Writers hold the lake's lock one at a time, so a partition committed by a
                // run numbered after the build's came after it. The catalogue's times are whole
                // seconds: a build that began in the second of a commit is judged by the run
                // numbers, and only a partition of no run by its time.
                let stale = last.map { build in
                    ods.contains { p in p.runID.map { $0 > build.id } ?? (build.startedAt <= p.committedAt) }
                } ?? true
                let waited = catalogueSeconds(newest).map { Int64(Date().timeIntervalSince1970) - $0 >= Int64(grace) } ?? true
                let n = stale && waited ? 1 : 0
                let error = last.flatMap { $0.status == "failed" ? $0.error ?? "failed" : $0.isInterrupted ? "interrupted" : nil }
                let s = error != nil ? "failed" : last == nil ? "never run" : n > 0 ? "behind the ODS" : "up to date"
                status.tasks.append(TaskState(task: "billiards.dwd", domain: BilliardsDWD.name, cursor: nil, due: String(newest.prefix(10)),
                                              lastRun: last?.finishedAt, lastStarted: last?.startedAt, lastEnded: last?.finishedAt,
                                              outcome: last.map(outcome), rows: last?.rows,
                                              lastSuccess: try lake.catalog.lastSuccessfulRun(command: "billiards dwd")?.finishedAt,
                                              state: s, error: error, behind: n))
            }
        }

        if let lake {
            let datasets = try lake.catalog.datasets()
            status.size.datasets = datasets.count
            for d in datasets {
                status.size.partitions += d.partitions
                status.size.rows += d.rows
                status.size.bytes += d.bytes
                status.size.uncompressedBytes += d.uncompressedBytes
            }
            let lastOf = Dictionary(runs.map { ($0.command, $0) }) { newer, _ in newer }
            let finished = Dictionary(try lake.catalog.lastFinishedRunOfEachCommand().map { ($0.command, $0) }) { newer, _ in newer }
            for c in try lake.catalog.runCounts() {
                guard let last = lastOf[c.command] else { continue }
                status.commands.append(CommandState(command: c.command, succeeded: c.succeeded, failed: c.failed,
                                                    lastSuccess: c.lastSuccess, last: last, lastFinished: finished[c.command]))
            }
            if let q = try lake.catalog.lastQuality() {
                status.quality = Quality(run: q.runID, checkedAt: q.checkedAt, results: q.results)
            }
        }

        for t in status.tasks where t.needsAttention {
            if let e = t.error {
                status.problems.append("\(t.task) failed: \(e)")
            } else {
                status.problems.append("\(t.task) is \(t.state) (cursor \(t.cursor ?? "-"), due \(t.due))")
            }
        }
        for r in status.quality?.results ?? [] where !r.passed {
            status.problems.append("quality check \(r.check) failed for \(r.failures) of \(r.checked)")
        }
        return status
    }
}
