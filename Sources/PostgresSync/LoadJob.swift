public import LakeFormat
public import LakeCatalog
public import TableSchema
import Foundation
import Synchronization
import Logging

let loadLog = Logger(label: "opslake.load")

/// Where a catalogued partition stands against the ledger in PostgreSQL.
public enum PartitionState: String, Sendable, Codable {
    /// Not in the ledger: never loaded.
    case new
    /// In the ledger with other content (regenerated since).
    case changed
    /// In the ledger with this content.
    case unchanged
}

/// One partition of a plan.
public struct PlannedPartition: Sendable {
    public var record: PartitionRecord
    public var state: PartitionState
    /// Rows the ledger says are loaded (nil when new).
    public var loadedRows: Int?
}

/// What a load run did.
public struct LoadSummary: Sendable {
    public var loaded = 0
    public var unchanged = 0
    public var rowsLoaded: Int64 = 0
    public var bytesRead: Int64 = 0
    public var failures: [PartitionLoadError] = []
    /// Dimensions rebuilt after the loads, with the rows each now holds.
    public var dimensionsRebuilt: [(name: String, rows: Int)] = []
    /// Dimensions whose rebuild failed, with the cause.
    public var dimensionFailures: [String] = []
    public var seconds: Double = 0
    public var runID: Int64?
}

/// Loads chosen lake partitions into PostgreSQL over `jobs` connections: the
/// scheduled sync and the analyst's one-off alike.
public struct LoadJob: Sendable {
    public let lake: Lake
    public let schemas: SchemaRegistry
    public let conninfo: String
    /// SCD2 dimensions to keep up to date after each run.
    public let dimensions: [Dimension]

    public init(lake: Lake, schemas: SchemaRegistry, conninfo: String, dimensions: [Dimension] = []) {
        self.lake = lake
        self.schemas = schemas
        self.conninfo = conninfo
        self.dimensions = dimensions
    }

    /// The catalogue's partitions of `datasets` in `window`, each with its state in the ledger.
    public func plan(datasets: Set<DatasetName>, window: ClosedRange<LakeDate>?) throws -> [PlannedPartition] {
        let pg = try PostgresConnection(conninfo: conninfo)
        let ledger = try Ledger.rows(pg)
        return try lake.catalog.partitions().filter { p in
            datasets.contains(p.dataset) && (window.map { $0.contains(p.key.dt) } ?? true)
        }.map { p in
            guard let held = ledger[p.key] else { return PlannedPartition(record: p, state: .new, loadedRows: nil) }
            return PlannedPartition(record: p, state: try held.sha256 == Ledger.fingerprint(p) ? .unchanged : .changed, loadedRows: held.rows)
        }
    }

    /// Loads `partitions` (all of them: unchanged ones are skipped inside their
    /// transaction, which is what makes two concurrent loaders safe). A partition
    /// that fails is reported and the others still load; a lost connection is
    /// reopened for the next partition.
    public func run(_ partitions: [PartitionRecord], jobs: Int,
                    progress: (@Sendable (_ done: Int, _ total: Int, _ rows: Int64) -> Void)? = nil) throws -> LoadSummary {
        let started = Date()
        let control = try PostgresConnection(conninfo: conninfo)
        try Ledger.ensure(control)
        let runID = try Ledger.beginRun(control, lakeID: try lake.catalog.lakeID, host: ProcessInfo.processInfo.hostName)
        // Resolve every schema first: a dataset without one is one error, before any load.
        var bySchema: [DatasetName: TableSchema] = [:]
        for p in partitions where bySchema[p.dataset] == nil {
            // A lake may hold one from a bundle an older release accepted: never load it.
            guard !p.dataset.isReserved else {
                throw SchemaError(file: lake.root, "the lake holds the dataset \(p.dataset), but \(p.dataset.reservedReason); the loader will not write there")
            }
            bySchema[p.dataset] = try schemas.schema(for: p.dataset)
        }

        // (Without a connection here, the workers' own connections report the problem.)
        if jobs > 1, let creator = try? PartitionLoader(conninfo: conninfo, lakeRoot: lake.root) {
            for schema in bySchema.values.sorted(by: { $0.dataset.description < $1.dataset.description }) { creator.createTableIfMissing(schema) }
        }
        let schemaOf = bySchema
        let state = LoadState()
        let connectError = Mutex<(any Error)?>(nil)
        WorkQueue.forEach(partitions.count, jobs: jobs, state: { nil as PartitionLoader? }) { loader, index in
            let p = partitions[index]
            do {
                if loader == nil || !loader!.isUsable { loader = try PartitionLoader(conninfo: conninfo, lakeRoot: lake.root) }
            } catch {
                // The server refused a new connection: the remaining partitions cannot load either.
                connectError.withLock { $0 = error }
                return .stop
            }
            do {
                let outcome = try loader!.load(p, schema: schemaOf[p.dataset]!, runID: runID)
                state.finish(p, outcome)
                switch outcome {
                case .loaded(let rows):
                    loadLog.info("partition loaded", metadata: ["run": "\(runID)", "dataset": "\(p.dataset)", "dt": "\(p.dt)", "rows": "\(rows)"])
                case .unchanged:
                    loadLog.debug("partition unchanged", metadata: ["run": "\(runID)", "dataset": "\(p.dataset)", "dt": "\(p.dt)"])
                }
            } catch {
                let e = error as? PartitionLoadError ?? PartitionLoadError(partition: p.key, cause: .io, message: "\(error)")
                state.fail(e)
                loadLog.error("partition failed", metadata: ["run": "\(runID)", "dataset": "\(p.dataset)", "dt": "\(p.dt)", "error": "\(e)"])
            }
            let (done, rows) = state.progress
            progress?(done, partitions.count, rows)
            return .next
        }
        var summary = state.summary
        // Dimensions are rebuilt even when nothing loaded: a run killed after its
        // partitions committed but before this step is caught up here.
        if connectError.withLock({ $0 == nil }) && control.isUsable {
            let loadedDatasets = Set(try lake.catalog.datasets().map(\.name))
            for d in dimensions where d.sources.contains(where: loadedDatasets.contains) {
                do {
                    if let rows = try d.refresh(control) { summary.dimensionsRebuilt.append((d.name, rows)) }
                } catch {
                    summary.dimensionFailures.append("dimension \(d.name): \(error)")
                }
            }
        }
        if connectError.withLock({ $0 == nil }) && control.isUsable, let quality = try? lake.catalog.lastQuality() {
            do {
                try Ledger.recordQuality(control, lakeID: try lake.catalog.lakeID, runID: quality.runID, checkedAt: quality.checkedAt, quality.results)
            } catch {
                summary.dimensionFailures.append("quality results: \(error)")
            }
        }
        summary.seconds = Date().timeIntervalSince(started)
        summary.runID = runID
        loadLog.info("load finished", metadata: [
            "run": "\(runID)", "loaded": "\(summary.loaded)", "unchanged": "\(summary.unchanged)", "failed": "\(summary.failures.count)",
            "rows": "\(summary.rowsLoaded)", "seconds": "\(String(format: "%.2f", summary.seconds))",
        ])
        if control.isUsable { try? Ledger.finishRun(control, runID, summary) }
        if let error = connectError.withLock({ $0 }) { throw error }
        return summary
    }
}

/// The shared queue and tally of a load run's threads.
/// The figures the loading threads share, behind one lock.
final class LoadState: Sendable {
    struct Inner {
        var done = 0
        var summary = LoadSummary()
    }
    let inner = Mutex(Inner())

    var summary: LoadSummary { inner.withLock { $0.summary } }

    /// Partitions done and rows loaded so far.
    var progress: (Int, Int64) { inner.withLock { ($0.done, $0.summary.rowsLoaded) } }

    func finish(_ p: PartitionRecord, _ outcome: PartitionOutcome) {
        inner.withLock {
            $0.done += 1
            switch outcome {
            case .loaded(let rows):
                $0.summary.loaded += 1
                $0.summary.rowsLoaded += Int64(rows)
                $0.summary.bytesRead += p.files.filter { $0.format == .csv }.reduce(0) { $0 + $1.uncompressedBytes }
            case .unchanged:
                $0.summary.unchanged += 1
            }
        }
    }

    func fail(_ e: PartitionLoadError) {
        inner.withLock {
            $0.done += 1
            $0.summary.failures.append(e)
        }
    }
}
