public import LakeFormat
public import LakeCatalog
public import TableSchema
import Foundation
import Synchronization
import Logging

let generationLog = Logger(label: "opslake.generate")

/// `--shard K/N`: machine K of N takes the days whose number (days since
/// 1970-01-01) is K-1 modulo N. The split depends on the day alone, so the shards of
/// any ranges are disjoint and together cover every partition.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// Parses `K/N` with 1 ≤ K ≤ N.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else { return nil }
        index = k
        count = n
    }

    public func owns(_ dt: LakeDate) -> Bool {
        let r = Int(dt.daysSinceEpoch) % count
        return (r < 0 ? r + count : r) == index - 1
    }

    public var description: String { "\(index)/\(count)" }
}

/// One day's partitions, made in one pass of the generator.
public struct GenerationUnit: Hashable, Sendable {
    public var dt: LakeDate
    public var datasets: [DatasetName]
    public init(dt: LakeDate, datasets: [DatasetName]) {
        self.dt = dt
        self.datasets = datasets
    }
}

/// What a generation wrote (or, in a dry run, would write).
public struct GenerationSummary: Codable, Sendable {
    public var partitions = 0
    public var rows: Int64 = 0
    /// Bytes written (compressed); zero in a dry run.
    public var bytes: Int64 = 0
    /// Bytes before compression, CSV and NDJSON together (in a dry run, CSV only).
    public var rawBytes: Int64 = 0
    public var seconds = 0.0
    /// Partitions left as they were because they came from elsewhere (`.keep`).
    public var kept = 0

    public init() {}

    /// Adds another summary's figures (`kept` included) to these.
    public mutating func add(_ other: GenerationSummary) {
        partitions += other.partitions
        rows += other.rows
        bytes += other.bytes
        rawBytes += other.rawBytes
        seconds += other.seconds
        kept += other.kept
    }

    enum CodingKeys: String, CodingKey {
        case partitions, rows, bytes, rawBytes = "raw_bytes", seconds, kept
    }
}

/// What a generation does with partitions that no generator wrote in this lake: a
/// bundle brought them in (data from another environment) or `ingest` wrote them.
public enum PartitionsFromElsewhere: Sendable {
    /// Stop before writing anything, naming them (`generate` without `--replace`).
    case refuse
    /// Leave them and write the rest (the scheduled `run`).
    case keep
    /// Overwrite them with generated data (`generate --replace`).
    case replace
}

/// Partitions a generation would have replaced although no generator wrote them.
public struct PartitionsFromElsewhereError: Error, CustomStringConvertible {
    public let keys: [PartitionKey]
    public var description: String {
        let first = keys.prefix(3).map(\.description).joined(separator: ", ")
        return "\(keys.count) partition\(keys.count == 1 ? "" : "s") in the range came from elsewhere (ship unpack or ingest), "
            + "e.g. \(first)\(keys.count > 3 ? ", …" : ""); nothing was generated"
    }
}

/// Drives a domain generator over dates: plans the partitions, runs days on
/// `jobs` threads, validates every row and commits each partition through the lake.
/// Made only for a generator whose row types match the schemas (`RowColumnsError`).
public final class Generation: Sendable {
    public let generator: any DomainGenerator
    public let schemas: [DatasetName: TableSchema]

    public init(generator: any DomainGenerator, schemas: SchemaRegistry) throws {
        self.generator = generator
        var byName: [DatasetName: TableSchema] = [:]
        for name in generator.datasets { byName[name] = try schemas.schema(for: name) }
        // Before anything is written: each row type writes its schema's columns, in order.
        try RowColumnsError.check(generator, schemas: byName)
        self.schemas = byName
    }

    /// The units for `datasets` over `from...to`, restricted to `shard`, by date.
    public func plan(datasets: Set<DatasetName>, from: LakeDate, to: LakeDate, shard: Shard?) throws -> [GenerationUnit] {
        var byDay: [LakeDate: Set<DatasetName>] = [:]
        for key in try generator.partitions(of: datasets, from: from, to: to) where shard?.owns(key.dt) ?? true {
            byDay[key.dt, default: []].insert(key.dataset)
        }
        return byDay.keys.sorted().map { dt in
            GenerationUnit(dt: dt, datasets: generator.datasets.filter { byDay[dt]!.contains($0) })
        }
    }

    /// Generates `units`, `jobs` at a time. With a `lake`, each day's partitions are
    /// written by the generating thread and committed by one committer thread, so
    /// waiting for the disk (fsync) overlaps with generating the next day. Once
    /// `2 × jobs` written days wait, the committer takes every day queued by then as
    /// one batch (a group commit), and the days left at the end as a last one; when
    /// the disk is slower than generation the batches grow instead of the workers
    /// waiting; at most `4 × jobs` written days wait. Without a lake (dry run), rows are
    /// only validated and counted. On the first error the other threads stop after
    /// their current day; days already committed stay, each whole, and written days
    /// not yet committed are removed.
    ///
    /// Partitions the lake holds that no generator wrote (shipped in, ingested) are
    /// refused, kept or replaced as `elsewhere` says: a generator never overwrites data
    /// from another environment unless asked.
    public func run(_ units: [GenerationUnit], lake: WritableLake?, runID: Int64?, seed: String, jobs: Int,
                    level: Int = ZstdCompressor.defaultLevel, elsewhere: PartitionsFromElsewhere = .refuse,
                    progress: (@Sendable (_ done: Int, _ total: Int, _ rows: Int64) -> Void)? = nil) throws -> GenerationSummary {
        var units = units
        var kept = 0
        if let lake, elsewhere != .replace, let first = units.map(\.dt).min(), let last = units.map(\.dt).max() {
            let foreign = try lake.catalog.partitionsFromElsewhere(from: first, to: last)
            let hit = units.flatMap { u in u.datasets.map { PartitionKey($0, u.dt) } }.filter(foreign.contains)
            if !hit.isEmpty {
                guard elsewhere == .keep else { throw PartitionsFromElsewhereError(keys: hit.sorted { $0.description < $1.description }) }
                kept = hit.count
                units = units.compactMap { u in
                    let datasets = u.datasets.filter { !foreign.contains(PartitionKey($0, u.dt)) }
                    return datasets.isEmpty ? nil : GenerationUnit(dt: u.dt, datasets: datasets)
                }
            }
        }
        var summary = try generate(units, lake: lake, runID: runID, seed: seed, jobs: jobs, level: level, progress: progress)
        summary.kept = kept
        return summary
    }

    func generate(_ units: [GenerationUnit], lake: WritableLake?, runID: Int64?, seed: String, jobs: Int, level: Int,
                  progress: (@Sendable (_ done: Int, _ total: Int, _ rows: Int64) -> Void)?) throws -> GenerationSummary {
        let started = Date()
        let state = SharedState()
        let workers = max(1, min(jobs, units.count))
        let committer = DispatchQueue(label: "opslake.generation.commit")
        let waiting = DispatchSemaphore(value: 4 * workers)
        // A commit's fixed costs (two catalogue transactions, the table folders' fsyncs)
        // are shared by the days of its batch: the customers year at `--jobs 2` ran at
        // 574,000 rows/s committing each day as it came, 639,000 in batches of four
        // (medians of three alternated runs).
        let batchDays = 2 * workers
        let commits = DispatchGroup()
        // Commits every written day queued so far (nothing when an earlier turn took them).
        let commitQueued: @Sendable () -> Void = {
            let days = state.takeQueued()
            guard !days.isEmpty, let lake else { return }
            defer { for _ in days { waiting.signal() } }
            guard !state.failed else { return days.forEach { $0.discard() } }
            do {
                let records = try lake.commit(days, runID: runID, seed: seed)
                for r in records {
                    generationLog.info("partition committed", metadata: [
                        "dataset": "\(r.dataset)", "dt": "\(r.dt)", "rows": "\(r.rows)", "bytes": "\(r.bytes)",
                    ])
                }
                // The records come in batch order, each day's partitions together.
                var next = 0
                for day in days {
                    let count = day.schemas.count
                    let (done, rows) = state.add(Self.summary(Array(records[next..<next + count])))
                    next += count
                    progress?(done, units.count, rows)
                }
            } catch {
                state.fail(error)
            }
        }
        WorkQueue.forEach(units.count, jobs: workers) { index in
            let unit = units[index]
            do {
                guard let lake else {
                    let (done, rows) = state.add(try dryRun(unit))
                    progress?(done, units.count, rows)
                    return .next
                }
                let staged = try stage(unit, lake: lake, level: level)
                waiting.wait()
                if state.queue(staged) >= batchDays { committer.async(group: commits, execute: commitQueued) }
                return state.failed ? .stop : .next
            } catch {
                state.fail(error)
                return .stop
            }
        }
        // The days written since the last full batch.
        committer.async(group: commits, execute: commitQueued)
        commits.wait()
        if let error = state.error { throw error }
        var summary = state.summary
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    func stage(_ unit: GenerationUnit, lake: WritableLake, level: Int) throws -> StagedPartitions {
        try lake.stagePartitions(schemas: unit.datasets.map { schemas[$0]! }, dt: unit.dt, level: level) { sinks in
            try generator.generate(dt: unit.dt, datasets: unit.datasets, into: sinks)
        }
    }

    static func summary(_ records: [PartitionRecord]) -> GenerationSummary {
        var s = GenerationSummary()
        for r in records {
            s.partitions += 1
            s.rows += Int64(r.rows)
            s.bytes += r.bytes
            s.rawBytes += r.uncompressedBytes
        }
        return s
    }

    func dryRun(_ unit: GenerationUnit) throws -> GenerationSummary {
        let sinks = try unit.datasets.map { try DryRunSink(schema: schemas[$0]!, dt: unit.dt) }
        try generator.generate(dt: unit.dt, datasets: unit.datasets, into: sinks)
        var s = GenerationSummary()
        for sink in sinks {
            sink.finish()
            s.partitions += 1
            s.rows += Int64(sink.rows)
            s.rawBytes += sink.csvBytes
        }
        return s
    }

    /// What the worker threads and the committer share, behind one lock.
    final class SharedState: Sendable {
        struct Inner {
            var done = 0
            var summary = GenerationSummary()
            var error: (any Error)?
            var staged: [StagedPartitions] = []
        }
        let inner = Mutex(Inner())

        /// Queues a written day; returns how many are queued.
        func queue(_ day: StagedPartitions) -> Int {
            inner.withLock {
                $0.staged.append(day)
                return $0.staged.count
            }
        }

        /// Every staged day queued so far, for one batch commit.
        func takeQueued() -> [StagedPartitions] {
            inner.withLock { state in
                defer { state.staged = [] }
                return state.staged
            }
        }

        func add(_ s: GenerationSummary) -> (Int, Int64) {
            inner.withLock {
                $0.done += 1
                $0.summary.add(s)
                return ($0.done, $0.summary.rows)
            }
        }

        var failed: Bool { inner.withLock { $0.error != nil } }
        var error: (any Error)? { inner.withLock { $0.error } }
        var summary: GenerationSummary { inner.withLock { $0.summary } }

        func fail(_ e: any Error) {
            inner.withLock { if $0.error == nil { $0.error = e } }
        }
    }
}
