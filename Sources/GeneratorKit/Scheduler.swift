public import LakeCatalog
public import LakeFormat
public import TableSchema
import Foundation
import Logging

let schedulerLog = Logger(label: "opslake.run")

/// The scheduled job and a lake's opening, for every registered domain: `open` writes
/// what the first run needs, `catchUp` brings each task from its cursor up to date.
/// A task's cursor moves only after its days are committed, so a killed run is caught
/// up by the next one, and a second run the same day does nothing.
public struct Scheduler {
    public let domains: [any Domain]
    public let generation: Generation
    /// The catalogue's record of what the data is a function of (`LakeSettings.seedLabel`).
    public let seed: String

    public init(domains: [any Domain], schemas: SchemaRegistry, seed: String) throws {
        self.domains = domains
        generation = try Generation(generator: DomainSet(domains), schemas: schemas)
        self.seed = seed
    }

    /// Every task of the domains, in the order `run` runs them.
    public var tasks: [ScheduledTask] { domains.flatMap { type(of: $0).tasks } }

    /// What one task did in a run.
    public struct TaskOutcome: Sendable {
        public var task: String
        /// The days it generated, or nil when it was up to date.
        public var window: ClosedRange<LakeDate>?
        /// Its cursor after the run.
        public var cursor: LakeDate?
        public var summary: GenerationSummary
    }

    /// Writes each domain's opening partitions the lake lacks and sets the cursors of
    /// tasks that start past the opening day. Nil when there was nothing to write.
    public func open(_ lake: WritableLake) throws -> GenerationSummary? {
        let keys = try domains.flatMap(\.openingPartitions).filter { try lake.catalog.partition($0) == nil }
        var summary: GenerationSummary?
        if let first = keys.map(\.dt).min(), let last = keys.map(\.dt).max() {
            let units = Dictionary(grouping: keys, by: \.dt).sorted { $0.key < $1.key }
                .map { GenerationUnit(dt: $0.key, datasets: $0.value.map(\.dataset)) }
            summary = try lake.recordingRun(command: "init", arguments: [], window: first...last) { runID in
                try generation.run(units, lake: lake, runID: runID, seed: seed, jobs: 2)
            }
        }
        for domain in domains {
            for task in type(of: domain).tasks {
                if try lake.catalog.cursor(task.name) == nil, let cursor = task.openingCursor(domain.opened) {
                    try lake.setCursor(task.name, to: cursor)
                }
            }
        }
        return summary
    }

    /// Brings `only` (every task when empty) from its cursor up to today minus the
    /// task's lag. A partition that came from elsewhere (ship unpack, ingest) is kept.
    public func catchUp(_ lake: WritableLake, today: LakeDate, only: Set<String> = [], jobs: Int,
                        progress: (String) -> (@Sendable (Int, Int, Int64) -> Void)? = { _ in nil }) throws -> [TaskOutcome] {
        var outcomes: [TaskOutcome] = []
        for domain in domains {
            for task in type(of: domain).tasks where only.isEmpty || only.contains(task.name) {
                let last = today.adding(days: -task.lagDays)
                let cursor = try lake.catalog.cursor(task.name)
                let first = cursor.map { $0.adding(days: 1) } ?? domain.opened
                guard first <= last else {
                    schedulerLog.info("task up to date", metadata: ["task": "\(task.name)", "cursor": "\(cursor?.description ?? "-")"])
                    outcomes.append(TaskOutcome(task: task.name, window: nil, cursor: cursor, summary: GenerationSummary()))
                    continue
                }
                // The partitions in force on the first day come along only on a task's
                // first run; later runs already wrote them.
                let units = try generation.plan(datasets: task.datasets, from: first, to: last, shard: nil)
                    .filter { cursor == nil || $0.dt >= first }
                schedulerLog.info("task started", metadata: ["task": "\(task.name)", "from": "\(first)", "to": "\(last)", "days": "\(units.count)"])
                let summary = try lake.recordingRun(command: "run", arguments: [task.name], window: first...last) { runID in
                    try generation.run(units, lake: lake, runID: runID, seed: seed, jobs: jobs, elsewhere: .keep,
                                       progress: progress(task.name))
                }
                try lake.setCursor(task.name, to: last)
                schedulerLog.info("task finished", metadata: [
                    "task": "\(task.name)", "cursor": "\(last)", "partitions": "\(summary.partitions)", "rows": "\(summary.rows)",
                    "kept": "\(summary.kept)", "seconds": "\(String(format: "%.2f", summary.seconds))",
                ])
                outcomes.append(TaskOutcome(task: task.name, window: first...last, cursor: last, summary: summary))
            }
        }
        return outcomes
    }
}

extension WritableLake {
    /// Runs `body` as a catalogue run: begun before, finished with its figures or its error.
    public func recordingRun(command: String, arguments: [String], window: ClosedRange<LakeDate>?,
                             _ body: (Int64) throws -> GenerationSummary) throws -> GenerationSummary {
        let started = Date()
        let runID = try beginRun(command: command, arguments: arguments, window: window)
        let fields: Logger.Metadata = ["run": "\(runID)", "command": "\(command)", "window": "\(window.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "-")"]
        generationLog.info("run started", metadata: fields)
        do {
            let s = try body(runID)
            try finishRun(runID, partitions: s.partitions, rows: s.rows, bytes: s.bytes, seconds: s.seconds, error: nil)
            generationLog.info("run finished", metadata: fields.merging([
                "partitions": "\(s.partitions)", "rows": "\(s.rows)", "bytes": "\(s.bytes)", "seconds": "\(String(format: "%.2f", s.seconds))",
            ]) { $1 })
            return s
        } catch {
            generationLog.error("run failed", metadata: fields.merging(["error": "\(error)"]) { $1 })
            try? finishFailedRun(runID, seconds: Date().timeIntervalSince(started), error: String(describing: error))
            throw error
        }
    }
}
