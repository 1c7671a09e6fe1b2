public import BilliardsVenue
public import LakeCatalog
public import LakeFormat
public import TableSchema
import Foundation
import Logging

let odsLog = Logger(label: "opslake.ods")

/// One request window of one endpoint and store: what the upstream was asked for.
public struct ODSWindow: Sendable, Hashable, CustomStringConvertible {
    public var endpoint: Endpoint
    public var storeID: Int64
    /// `[start, end)`, on version time.
    public var start: VenueTime
    public var end: VenueTime

    public init(endpoint: Endpoint, storeID: Int64, start: VenueTime, end: VenueTime) {
        self.endpoint = endpoint
        self.storeID = storeID
        self.start = start
        self.end = end
    }

    public var description: String { "\(endpoint.dataset) store \(storeID) \(start)..<\(end)" }

    /// The last business day this window covers whole: the day before `end`'s.
    public var lastWholeDay: LakeDate { end.businessDate.adding(days: -1) }
}

/// What landing windows did: for one window with an unbatched writer, or for a
/// batch (`ODSWriter.flush`).
public struct ODSLanding: Sendable, Hashable {
    /// Records received (after keeping each key's latest version once per window).
    public var records = 0
    /// Partitions committed, and their rows.
    public var written = 0
    public var rows = 0
    /// Partitions touched whose rows were already exactly these.
    public var unchanged = 0
    /// The task's cursor after the window, if it has one (an unbatched writer's `land`).
    public var cursor: LakeDate?

    public mutating func add(_ o: ODSLanding) {
        records += o.records
        written += o.written
        rows += o.rows
        unchanged += o.unchanged
    }
}

/// Lands windows of upstream records in the ODS through the lake's commit protocol.
///
/// A window (endpoint, store, `[start, end)`) is taken whole: its records join the
/// batch, each (dataset, day, store, key) keeping its latest version (by version
/// time, then by bytes, so the order of arrival never matters). When the batch holds
/// `batchBytes` of payloads (or at `flush()`), each partition it touches is read back,
/// merged, ordered by (store_id, source_key), and staged only when its rows differ
/// from what it holds, one partition in memory at a time; the staged partitions are
/// committed as one batch, then the cursors of the batch's windows move, in the order
/// the windows were landed, in one catalogue transaction. So a partition that many
/// stores' windows feed is written once per batch, not once per window, and a cursor
/// never passes a partition that is not committed. A window that throws adds nothing.
public final class ODSWriter {
    public let lake: WritableLake
    public let runID: Int64?
    /// Payload bytes the batch holds before it is committed; 0 commits every window alone.
    public let batchBytes: Int
    let schemas: [Endpoint: TableSchema]

    /// The batch: per partition, the records of its windows in the order they were
    /// landed (a key may appear in several windows; `merge` keeps its latest), as
    /// slices of the windows' arrays, which are shared rather than copied.
    var pending: [PartitionKey: (endpoint: Endpoint, records: [ArraySlice<ODSRecord>])] = [:]
    var pendingBytes = 0
    /// The windows landed since the last commit, in order, for their cursors.
    var waiting: [ODSWindow] = []
    /// Every cursor this writer has moved, where it left it.
    public private(set) var moved: [String: LakeDate] = [:]
    /// What every flush so far did (partitions and rows; records are counted per window).
    public private(set) var landed = ODSLanding()
    /// A flush that failed: its windows are lost, so the writer takes no more.
    var broken: (any Error)?
    /// The batch a batched writer is committing on another thread while the next one
    /// fills: what it wrote and the cursors it moved, or why it failed.
    var inFlight: ReadAhead<Result<(landing: ODSLanding, moved: [String: LakeDate]), any Error>>?

    /// The batch the replay and the pull commit: the fsyncs of a commit, and the
    /// rewrite of a partition that many stores' windows feed, are shared by many
    /// windows; memory stays bounded, and a crash loses at most the batch committing
    /// and the one filling (up to twice this, `land`'s `endsGroup`).
    /// 256 MiB: a batch of four days of 50 stores, so a record changed a few days
    /// after it was first sent mostly joins its first version's batch rather than
    /// rewriting a committed partition (the replay of 50 stores × 30 days wrote 904,350
    /// rows for 885,514 records, where 64 MiB wrote 974,991, and took 0.92× the wall
    /// time, at 890 MiB of memory against 611). `$OPSLAKE_ODS_BATCH_BYTES` sets it (1: a commit per window with records), so
    /// the crash tests can stop a run between two of its commits.
    public static let groupCommitBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["OPSLAKE_ODS_BATCH_BYTES"], let n = Int(text), n > 0 { return n }
        return 256 << 20
    }()

    public init(lake: WritableLake, runID: Int64? = nil, batchBytes: Int = 0) throws {
        precondition(batchBytes >= 0)
        self.lake = lake
        self.runID = runID
        self.batchBytes = batchBytes
        schemas = try BilliardsODS.schemasByEndpoint()
    }

    /// Lands the records of `window` (each read with `ODSRecord` from the response), each
    /// (day, store, key) once, as `ODSRecord.latest` leaves them: the landing counts them.
    /// An unbatched writer commits it and moves its cursor before returning (the
    /// landing says what that did); a batched one may wait for `flush()`, and the
    /// landing counts only the records.
    ///
    /// A full batch is committed only after a window that `endsGroup`, unless it holds
    /// twice `batchBytes`: a caller that lands windows in time order (the replay)
    /// says which window is the last of its start, so a day's partitions, fed by every
    /// store's windows of that day, are written in one batch rather than split across
    /// two and rewritten.
    @discardableResult
    public func land(_ window: ODSWindow, records: [ODSRecord], endsGroup: Bool = true) throws -> ODSLanding {
        if let broken { throw broken }
        let dataset = schemas[window.endpoint]!.dataset
        for r in records where r.storeID != window.storeID {
            throw ODSError(.dataError, "\(window): a record of store \(r.storeID) in another store's window")
        }
        // A window's records mostly share their day: appended a run of one day at a time.
        var i = records.startIndex
        while i < records.endIndex {
            let dt = records[i].dt
            var j = i + 1
            while j < records.endIndex, records[j].dt == dt { j += 1 }
            pending[PartitionKey(dataset, dt), default: (window.endpoint, [])].records.append(records[i..<j])
            for r in records[i..<j] { pendingBytes += r.payload.count }
            i = j
        }
        waiting.append(window)
        odsLog.debug("window taken", metadata: ["window": "\(window)", "records": "\(records.count)"])
        if batchBytes == 0 {
            var landing = try flush()
            landing.records = records.count
            landing.cursor = try lake.catalog.cursor(BilliardsODS.cursorName(window.endpoint, store: window.storeID))
            return landing
        }
        if pendingBytes >= batchBytes && (endsGroup || pendingBytes >= 2 * batchBytes) {
            do { _ = try startCommit() } catch {
                broken = error
                throw error
            }
        }
        return ODSLanding(records: records.count)
    }

    deinit {
        // A writer dropped after a failure elsewhere still lets its batch finish, so
        // nothing runs on in the lake after the command ends.
        _ = inFlight?.waitIfStarted()
    }

    /// Merges the batch into its partitions, commits them as one batch, then moves the
    /// cursors of the windows landed since the last flush. Returns what it wrote.
    /// A flush that fails loses the batch's windows (none of them is committed or
    /// moves a cursor), and every later `land` and `flush` throws the same error: a
    /// window after a lost one must not land, or a cursor without a gap check (a task's
    /// first) could pass the lost day.
    @discardableResult
    public func flush() throws -> ODSLanding {
        if let broken { throw broken }
        do {
            var landing = try startCommit()
            landing.add(try waitForCommit())
            return landing
        } catch {
            broken = error
            throw error
        }
    }

    /// Waits for the batch committing (its failure is the writer's), then hands the
    /// batch that waits to a thread that commits it, so the next batch fills while
    /// this one is written. One batch commits at a time: a partition is read back only
    /// after the batch before wrote it, and cursors move in the order windows landed.
    /// Returns what the batch waited for wrote.
    func startCommit() throws -> ODSLanding {
        let done = try waitForCommit()
        guard !pending.isEmpty || !waiting.isEmpty else { return done }
        let batch = pending, windows = waiting
        pending = [:]
        pendingBytes = 0
        waiting = []
        let lake = self.lake, schemas = self.schemas, runID = self.runID
        let job = ReadAhead<Result<(landing: ODSLanding, moved: [String: LakeDate]), any Error>>()
        job.start { Result { try Self.commit(batch, windows: windows, lake: lake, schemas: schemas, runID: runID) } }
        inFlight = job
        return done
    }

    /// Waits for the batch committing, if any; returns what it wrote.
    func waitForCommit() throws -> ODSLanding {
        guard let job = inFlight else { return ODSLanding() }
        inFlight = nil
        let (landing, moved) = try job.wait().get()
        self.moved.merge(moved) { _, new in new }
        landed.add(landing)
        return landing
    }

    /// Merges `batch` into its partitions, commits them as one batch, then moves the
    /// cursors of `windows`. Returns what it wrote and the cursors it moved.
    static func commit(_ batch: [PartitionKey: (endpoint: Endpoint, records: [ArraySlice<ODSRecord>])], windows: [ODSWindow],
                       lake: WritableLake, schemas: [Endpoint: TableSchema], runID: Int64?)
        throws -> (landing: ODSLanding, moved: [String: LakeDate])
    {
        var landing = ODSLanding()
        // Each partition is read back, merged and staged on its own, so the partitions
        // of a batch go through the cores side by side; they are committed together.
        let keys = batch.keys.sorted { ($0.dataset.description, $0.dt) < ($1.dataset.description, $1.dt) }
        // Taken largest first (by records), so the batch does not end with one core
        // writing a large partition while the other waits; the results stay in key order.
        let sizes = keys.map { key in batch[key]!.records.reduce(0) { $0 + $1.count } }
        let order = keys.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        let taken = WorkQueue.map(keys.count, jobs: ProcessInfo.processInfo.activeProcessorCount, state: {}) {
            _, n -> Result<(staged: StagedPartitions, rows: Int)?, any Error> in
            let key = keys[order[n]]
            let (endpoint, records) = batch[key]!
            let schema = schemas[endpoint]!
            return Result {
                let existing = try Self.stored(key, in: lake, schema: schema)
                let merged = Self.merge(existing, records)
                if merged == existing { return nil }
                let path = endpoint.path
                let staged = try lake.stagePartitions(schemas: [schema], dt: key.dt) { sinks in
                    let sink = sinks[0]
                    for i in merged.indices {  // in place: a row copied retains its key and payload
                        try sink.cell(merged[i].store)
                        try merged[i].key.withUTF8 { try sink.cell(utf8: $0) }
                        try merged[i].payload.withUnsafeBufferPointer { try sink.cell(utf8: $0) }
                        try sink.cell(path)
                        try sink.cell(merged[i].version.timestamp)
                        try sink.endRow()
                    }
                }
                return (staged, merged.count)
            }
        }
        var results = taken
        for (n, i) in order.enumerated() { results[i] = taken[n] }
        var staged: [StagedPartitions] = []
        var failure: (any Error)?
        for result in results {
            switch result {
            case .success(let s?):
                staged.append(s.staged)
                landing.written += 1
                landing.rows += s.rows
            case .success(nil): landing.unchanged += 1
            case .failure(let error): failure = failure ?? error
            }
        }
        if let failure {
            for s in staged { s.discard() }
            throw failure
        }
        if !staged.isEmpty {
            _ = try lake.commit(staged, runID: runID)
            odsLog.debug("batch committed", metadata: ["windows": "\(windows.count)", "partitions": "\(landing.written)", "rows": "\(landing.rows)"])
        }
        return (landing, try advanceCursors(windows, in: lake))
    }

    /// Moves the cursor of each window's (endpoint, store), in order, to the window's
    /// last whole day, when the window starts no later than the day after the cursor
    /// (no gap) and ends past it; one catalogue transaction for them all. Returns the
    /// cursors moved.
    static func advanceCursors(_ windows: [ODSWindow], in lake: WritableLake) throws -> [String: LakeDate] {
        var cursors: [String: LakeDate?] = [:]
        var moved: [String: LakeDate] = [:]
        for window in windows {
            let name = BilliardsODS.cursorName(window.endpoint, store: window.storeID)
            let current: LakeDate?
            if let known = cursors[name] { current = known } else { current = try lake.catalog.cursor(name) }
            let last = window.lastWholeDay
            let firstNeeded = current.map { $0.adding(days: 1) } ?? last
            if last > (current ?? LakeDate(daysSinceEpoch: .min)), window.start <= VenueTime.opening(of: firstNeeded) {
                cursors[name] = last
                moved[name] = last
            } else {
                cursors[name] = current
            }
        }
        if !moved.isEmpty { try lake.setCursors(moved) }
        return moved
    }

    /// The rows of partition `key` of `lake`, read back from its NDJSON files; none when
    /// the lake has no such partition.
    public static func rows(of key: PartitionKey, in lake: Lake, schema: TableSchema) throws -> [[Value]] {
        try lake.rows(of: key, schema: schema)
    }

    /// One ODS row, as `merge` orders and compares it (source_endpoint is the dataset's).
    struct Row: Equatable {
        var store: Int64
        var key: SourceKey
        var version: VenueTime
        var payload: ArraySlice<UInt8>

        init(_ r: ODSRecord) {
            (store, key, version, payload) = (r.storeID, r.key, r.versionTime, r.payload)
        }

        init?(_ row: [Value]) {
            guard row.count == 5, case .int(let store) = row[0], case .string(let key) = row[1],
                  case .string(let payload) = row[2], case .timestamp(let t) = row[4] else { return nil }
            (self.store, self.key, version, self.payload) = (store, SourceKey(key), VenueTime(secondsSinceEpoch: t.secondsSinceEpoch), Array(payload.utf8)[...])
        }
    }

    /// The rows partition `key` holds, in its order.
    static func stored(_ key: PartitionKey, in lake: Lake, schema: TableSchema) throws -> [Row] {
        try rows(of: key, in: lake, schema: schema).compactMap(Row.init)
    }

    /// `existing` with `incoming` merged in (each (store, key)'s latest version), ordered
    /// by (store_id, source_key).
    static func merge(_ existing: [Row], _ incoming: [ArraySlice<ODSRecord>]) -> [Row] {
        struct Key: Hashable { var store: Int64; var key: SourceKey }
        let count = existing.count + incoming.reduce(0) { $0 + $1.count }
        var index: [Key: Int] = [:]
        index.reserveCapacity(count)
        var rows: [Row] = []
        rows.reserveCapacity(count)
        // Records and rows are read in place, by index: a copy of either retains each
        // of its strings and arrays.
        for j in existing.indices {
            let k = Key(store: existing[j].store, key: existing[j].key)
            if let i = index[k] { rows[i] = existing[j] } else { index[k] = rows.count; rows.append(existing[j]) }
        }
        for slice in incoming {
            for j in slice.indices {
                let k = Key(store: slice[j].storeID, key: slice[j].key)
                if let i = index[k] {
                    if slice[j].supersedes(versionTime: rows[i].version, payload: rows[i].payload) { rows[i] = Row(slice[j]) }
                } else {
                    index[k] = rows.count
                    rows.append(Row(slice[j]))
                }
            }
        }
        // Sorted as indices, then moved into that order.
        let order = rows.withUnsafeBufferPointer { r in
            r.indices.sorted { a, b in r[a].store != r[b].store ? r[a].store < r[b].store : r[a].key < r[b].key }
        }
        rows.permute(to: order)
        return rows
    }
}
