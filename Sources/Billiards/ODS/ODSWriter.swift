public import BilliardsVenue
public import LakeCatalog
public import LakeFormat
public import TableSchema
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

/// What landing one window did.
public struct ODSLanding: Sendable, Hashable {
    /// Records received (after keeping each key's latest version once).
    public var records = 0
    /// Partitions committed, and their rows.
    public var written = 0
    public var rows = 0
    /// Partitions the window touched whose rows were already exactly these.
    public var unchanged = 0
    /// The task's cursor after the window, if it has one.
    public var cursor: LakeDate?
}

/// Lands windows of upstream records in the ODS through the lake's commit protocol.
///
/// For one window (endpoint, store, `[start, end)`): each key's latest version is kept
/// (by version time, then by bytes); the records are grouped by partition day; each
/// such partition is read back, merged (a record replaces the row of the same store
/// and key only when it supersedes it), ordered by (store_id, source_key), and staged
/// only when its rows differ from what it holds, one partition in memory at a time.
/// A window that throws stages nothing.
///
/// Staged partitions are committed in batches (`batchPartitions`, one commit for many
/// windows, as generation's group commit does), then the cursors of the batch's
/// windows move, in the order the windows were landed, in one catalogue transaction:
/// a cursor never passes a partition that is not committed. A window that touches a
/// partition already waiting in the batch commits the batch first, so every window
/// reads what the windows before it wrote. `flush()` commits what waits.
public final class ODSWriter {
    public let lake: WritableLake
    public let runID: Int64?
    /// Partitions staged before the batch is committed; 1 commits every window alone.
    public let batchPartitions: Int
    let schemas: [Endpoint: TableSchema]

    var pending: [StagedPartitions] = []
    var pendingKeys: Set<PartitionKey> = []
    /// The windows landed since the last commit, in order, for their cursors.
    var waiting: [ODSWindow] = []
    /// Every cursor this writer has moved, where it left it.
    public private(set) var moved: [String: LakeDate] = [:]

    /// The batch the replay and the pull commit: enough that the fsyncs of a commit
    /// are shared by many windows, few enough that a crash loses little work.
    public static let groupCommitPartitions = 256

    public init(lake: WritableLake, runID: Int64? = nil, batchPartitions: Int = 1) throws {
        precondition(batchPartitions >= 1)
        self.lake = lake
        self.runID = runID
        self.batchPartitions = batchPartitions
        schemas = try BilliardsODS.schemasByEndpoint()
    }

    deinit { for s in pending { s.discard() } }

    /// Lands the records of `window` (each read with `ODSRecord` from the response).
    /// With `batchPartitions` 1 the window is committed and its cursor moved before
    /// this returns (`cursor` says where it is); otherwise it may wait for `flush()`.
    @discardableResult
    public func land(_ window: ODSWindow, records: [ODSRecord]) throws -> ODSLanding {
        let endpoint = window.endpoint
        let schema = schemas[endpoint]!
        var latest: [String: ODSRecord] = [:]
        for r in records {
            guard r.storeID == window.storeID else {
                throw ODSError(.dataError, "\(window): a record of store \(r.storeID) in another store's window")
            }
            if let seen = latest[r.sourceKey], !r.supersedes(versionTime: seen.versionTime, payload: seen.payload) { continue }
            latest[r.sourceKey] = r
        }
        var landing = ODSLanding(records: latest.count)
        let byDay = Dictionary(grouping: latest.values, by: \.dt)
        let keys = byDay.keys.map { PartitionKey(schema.dataset, $0) }
        if keys.contains(where: pendingKeys.contains) { try flush() }
        var staged: [StagedPartitions] = []
        do {
            for dt in byDay.keys.sorted() {
                let key = PartitionKey(schema.dataset, dt)
                let existing = try readRows(key, schema: schema)
                let merged = Self.merge(existing, byDay[dt]!, endpoint: endpoint)
                if merged == existing {
                    landing.unchanged += 1
                    continue
                }
                staged.append(try lake.stagePartitions(schemas: [schema], dt: dt) { sinks in
                    for row in merged { try sinks[0].append(row) }
                })
                landing.written += 1
                landing.rows += merged.count
            }
        } catch {
            for s in staged { s.discard() }
            throw error
        }
        pending += staged
        pendingKeys.formUnion(staged.map { PartitionKey(schema.dataset, $0.dt) })
        waiting.append(window)
        odsLog.debug("window staged", metadata: ["window": "\(window)", "partitions": "\(landing.written)", "rows": "\(landing.rows)"])
        if pending.count >= batchPartitions || waiting.count >= 64 * batchPartitions {
            landing.cursor = try flush()[window] ?? nil
        }
        return landing
    }

    /// Commits the staged partitions as one batch, then moves the cursors of the
    /// windows landed since the last flush. Returns each such window's cursor.
    @discardableResult
    public func flush() throws -> [ODSWindow: LakeDate?] {
        let batch = pending, windows = waiting
        pending = []
        pendingKeys = []
        waiting = []
        if !batch.isEmpty { _ = try lake.commit(batch, runID: runID) }
        return try advanceCursors(windows)
    }

    /// Moves the cursor of each window's (endpoint, store), in order, to the window's
    /// last whole day, when the window starts no later than the day after the cursor
    /// (no gap) and ends past it; one catalogue transaction for them all.
    func advanceCursors(_ windows: [ODSWindow]) throws -> [ODSWindow: LakeDate?] {
        var cursors: [String: LakeDate?] = [:]
        var moved: [String: LakeDate] = [:]
        var result: [ODSWindow: LakeDate?] = [:]
        for window in windows {
            let name = BilliardsODS.cursorName(window.endpoint, store: window.storeID)
            let current: LakeDate?
            if let known = cursors[name] { current = known } else { current = try lake.catalog.cursor(name) }
            let last = window.lastWholeDay
            let firstNeeded = current.map { $0.adding(days: 1) } ?? last
            if last > (current ?? LakeDate(daysSinceEpoch: .min)), window.start <= VenueTime.opening(of: firstNeeded) {
                cursors[name] = last
                moved[name] = last
                result[window] = last
            } else {
                cursors[name] = current
                result[window] = current
            }
        }
        if !moved.isEmpty {
            try lake.setCursors(moved)
            self.moved.merge(moved) { _, new in new }
        }
        return result
    }

    /// The partition's rows as the lake holds them (none when it has no such partition).
    func readRows(_ key: PartitionKey, schema: TableSchema) throws -> [[Value]] { try Self.rows(of: key, in: lake, schema: schema) }

    /// The rows of partition `key` of `lake`, read back from its NDJSON files; none when
    /// the lake has no such partition.
    public static func rows(of key: PartitionKey, in lake: Lake, schema: TableSchema) throws -> [[Value]] {
        guard let record = try lake.catalog.partition(key) else { return [] }
        let decoder = RowDecoder(columns: schema.columns)
        var rows: [[Value]] = []
        rows.reserveCapacity(record.rows)
        for file in record.files.filter({ $0.format == .ndjson }).sorted(by: { $0.part < $1.part }) {
            let path = lake.absolute(file.path)
            let reader = NDJSONReader(source: try ZstdReader(source: try FileSource(path: path), name: file.path))
            while let members = try reader.next() { rows.append(try decoder.decode(json: members)) }
        }
        return rows
    }

    /// `existing` with `incoming` merged in, ordered by (store_id, source_key).
    static func merge(_ existing: [[Value]], _ incoming: [ODSRecord], endpoint: Endpoint) -> [[Value]] {
        struct Key: Hashable { var store: Int64; var key: String }
        var rows: [Key: [Value]] = [:]
        rows.reserveCapacity(existing.count + incoming.count)
        for row in existing {
            guard case .int(let store) = row[0], case .string(let key) = row[1] else { continue }
            rows[Key(store: store, key: key)] = row
        }
        for r in incoming {
            let k = Key(store: r.storeID, key: r.sourceKey)
            if let old = rows[k], case .timestamp(let t) = old[4], case .string(let payload) = old[2],
               !r.supersedes(versionTime: VenueTime(secondsSinceEpoch: t.secondsSinceEpoch), payload: Array(payload.utf8)) {
                continue
            }
            rows[k] = r.row(endpoint)
        }
        return rows.sorted { a, b in
            a.key.store != b.key.store ? a.key.store < b.key.store : a.key.key.utf8.lexicographicallyPrecedes(b.key.key.utf8)
        }.map(\.value)
    }
}
