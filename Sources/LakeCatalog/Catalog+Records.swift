public import LakeFormat
public import TableSchema
import Foundation
import SystemPackage

/// One file of a committed partition.
public struct FileRecord: Hashable, Sendable, Codable {
    public var format: FileFormat
    public var part: Int
    /// Relative to the lake root.
    public var path: String
    public var bytes: Int64
    public var uncompressedBytes: Int64
    public var sha256: String
    public var rows: Int
}

/// One committed partition with its files.
public struct PartitionRecord: Hashable, Sendable, Codable {
    public var dataset: DatasetName
    public var dt: String
    public var rows: Int
    public var runID: Int64?
    public var seed: String?
    public var schemaHash: String
    public var committedAt: String
    public var files: [FileRecord]

    public var key: PartitionKey { PartitionKey(dataset, LakeDate(dt)!) }
    public var bytes: Int64 { files.reduce(0) { $0 + $1.bytes } }
    public var uncompressedBytes: Int64 { files.reduce(0) { $0 + $1.uncompressedBytes } }
}

/// A dataset with totals over its partitions.
public struct DatasetSummary: Hashable, Sendable, Codable {
    public var name: DatasetName
    public var schemaVersion: Int
    public var schemaHash: String
    public var partitionKind: String
    public var partitions: Int
    public var rows: Int64
    public var bytes: Int64
    public var uncompressedBytes: Int64
    public var firstDt: String?
    public var lastDt: String?
    /// Uncompressed bytes per stored byte.
    public var compressionRatio: Double { bytes > 0 ? Double(uncompressedBytes) / Double(bytes) : 0 }
}

/// A command's run: what it was asked, how it ended, what it wrote.
public struct RunRecord: Hashable, Sendable, Codable {
    public var id: Int64
    public var command: String
    public var arguments: String
    /// "running", "succeeded" or "failed"; a run whose process died stays "running"
    /// until the next writer opens the lake (`isInterrupted` tells).
    public var status: String
    public var partitions: Int
    public var rows: Int64
    public var bytes: Int64
    public var startedAt: String
    public var seconds: Double?
    public var error: String?
    public var windowFrom: String?
    public var windowTo: String?
    public var finishedAt: String?
    public var pid: Int?
    /// True for a run still marked running when no writer holds the lake's lock (or,
    /// when the lock cannot be tried, whose process is gone): killed, or the machine
    /// stopped. Set when the run is read.
    public var isInterrupted = false
}

/// What a commit will install, written to the journal before any file is renamed.
struct CommitManifest: Codable {
    var dataset: DatasetName
    var dt: String
    var schemaHash: String
    var runID: Int64?
    var seed: String?
    var written: WrittenPartition
}

extension Catalog {
    /// Every dataset with its totals, by name.
    public func datasets() throws -> [DatasetSummary] {
        try locked {
            try db.query("""
                SELECT d.name, d.schema_version, d.schema_hash, d.partition_kind,
                       COUNT(p.dt), COALESCE(SUM(p.rows), 0),
                       COALESCE((SELECT SUM(bytes) FROM files f WHERE f.dataset = d.name), 0),
                       COALESCE((SELECT SUM(uncompressed_bytes) FROM files f WHERE f.dataset = d.name), 0),
                       MIN(p.dt), MAX(p.dt)
                FROM datasets d LEFT JOIN partitions p ON p.dataset = d.name
                GROUP BY d.name ORDER BY d.name
                """).map { r in
                DatasetSummary(name: try r.parsed(0, DatasetName.init), schemaVersion: Int(try r.int(1)), schemaHash: try r.text(2),
                               partitionKind: try r.text(3), partitions: Int(try r.int(4)), rows: try r.int(5), bytes: try r.int(6),
                               uncompressedBytes: try r.int(7), firstDt: r[8].string, lastDt: r[9].string)
            }
        }
    }

    /// Committed partitions, optionally of one dataset, by dataset and date.
    public func partitions(of dataset: DatasetName? = nil) throws -> [PartitionRecord] {
        try partitions(of: dataset, dt: nil)
    }

    /// The partitions dated `from...to` that no generator wrote here: those a bundle
    /// brought in or `ingest` wrote (the catalogue records no seed for them).
    public func partitionsFromElsewhere(from: LakeDate, to: LakeDate) throws -> Set<PartitionKey> {
        try locked {
            Set(try db.query("SELECT dataset, dt FROM partitions WHERE seed IS NULL AND dt BETWEEN ? AND ?",
                             [.text(from.description), .text(to.description)]).compactMap { r in
                guard let name = r[0].string.flatMap(DatasetName.init), let dt = r[1].string.flatMap(LakeDate.init) else { return nil }
                return PartitionKey(name, dt)
            })
        }
    }

    /// One committed partition, nil when the catalogue does not hold it.
    public func partition(_ key: PartitionKey) throws -> PartitionRecord? {
        try partitions(of: key.dataset, dt: key.dt.description).first
    }

    /// The partitions of one dataset (or all), or of one day of it: each lookup
    /// reads only what it returns, so committing day after day stays linear.
    func partitions(of dataset: DatasetName?, dt: String?) throws -> [PartitionRecord] {
        try locked {
            var filter: [SQLValue] = []
            var conditions: [String] = []
            if let dataset { filter.append(.text(dataset.description)); conditions.append("dataset = ?") }
            if let dt { filter.append(.text(dt)); conditions.append("dt = ?") }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let files = try db.query("""
                SELECT dataset, dt, format, part, path, bytes, uncompressed_bytes, sha256, rows FROM files
                \(whereClause) ORDER BY dataset, dt, part, format
                """, filter)
            var byPartition: [String: [FileRecord]] = [:]
            for r in files {
                byPartition[try r.text(0) + "|" + r.text(1), default: []].append(
                    FileRecord(format: try r.parsed(2, FileFormat.init(rawValue:)), part: Int(try r.int(3)), path: try r.text(4),
                               bytes: try r.int(5), uncompressedBytes: try r.int(6), sha256: try r.text(7), rows: Int(try r.int(8))))
            }
            return try db.query("""
                SELECT dataset, dt, rows, run_id, seed, schema_hash, committed_at FROM partitions
                \(whereClause) ORDER BY dataset, dt
                """, filter).map { r in
                PartitionRecord(dataset: try r.parsed(0, DatasetName.init), dt: try r.text(1), rows: Int(try r.int(2)), runID: r[3].int,
                                seed: r[4].string, schemaHash: try r.text(5), committedAt: try r.text(6),
                                files: byPartition[try r.text(0) + "|" + r.text(1)] ?? [])
            }
        }
    }

    /// Column statistics of one partition, in column order.
    public func columnStats(_ key: PartitionKey) throws -> [ColumnStats] {
        try locked {
            try db.query("""
                SELECT column_name, null_count, min_value, max_value FROM column_stats
                WHERE dataset = ? AND dt = ? ORDER BY column_index
                """, [.text(key.dataset.description), .text(key.dt.description)]).map {
                ColumnStats(column: try $0.text(0), nullCount: Int(try $0.int(1)), min: $0[2].string, max: $0[3].string)
            }
        }
    }

    /// The newest runs first.
    public func runs(limit: Int = 20) throws -> [RunRecord] {
        try readRuns("ORDER BY id DESC LIMIT ?", [.integer(Int64(limit))])
    }

    /// The last run of each command, by command.
    public func lastRunOfEachCommand() throws -> [RunRecord] {
        try readRuns("WHERE id IN (SELECT max(id) FROM runs GROUP BY command) ORDER BY command", [])
    }

    /// The last finished run of each command (one that succeeded or failed), by command.
    public func lastFinishedRunOfEachCommand() throws -> [RunRecord] {
        try readRuns("WHERE id IN (SELECT max(id) FROM runs WHERE status != 'running' GROUP BY command) ORDER BY command", [])
    }

    /// The last run of `command` with exactly `arguments`, if any.
    public func lastRun(command: String, arguments: String) throws -> RunRecord? {
        try readRuns("WHERE id = (SELECT max(id) FROM runs WHERE command = ? AND arguments = ?)", [.text(command), .text(arguments)]).first
    }

    /// The newest run of `command` (with `arguments`, when given) that succeeded.
    public func lastSuccessfulRun(command: String, arguments: String? = nil) throws -> RunRecord? {
        try readRuns("""
            WHERE id = (SELECT max(id) FROM runs WHERE command = ? AND (?2 IS NULL OR arguments = ?2) AND status = 'succeeded')
            """, [.text(command), arguments.map { .text($0) } ?? .null]).first
    }

    func readRuns(_ clause: String, _ arguments: [SQLValue]) throws -> [RunRecord] {
        // A writer alive holds the lock; one that died let it go. When the lock file cannot
        // be opened (a reader without write access), a run's process being gone tells.
        let lock = LakeLock.state(root: FilePath(path).removingLastComponent().string)
        return try locked {
            try db.query("""
                SELECT id, command, arguments, status, partitions, rows, bytes, started_at, seconds, error,
                       window_from, window_to, finished_at, pid
                FROM runs \(clause)
                """, arguments).map {
                var r = RunRecord(id: try $0.int(0), command: try $0.text(1), arguments: try $0.text(2), status: try $0.text(3),
                                  partitions: Int(try $0.int(4)), rows: try $0.int(5), bytes: try $0.int(6), startedAt: try $0.text(7),
                                  seconds: $0[8].double, error: $0[9].string, windowFrom: $0[10].string, windowTo: $0[11].string,
                                  finishedAt: $0[12].string, pid: $0[13].int.map { Int($0) })
                if r.status == "running" {
                    switch lock {
                    case .held: r.isInterrupted = false
                    case .free: r.isInterrupted = true
                    case .unknown: r.isInterrupted = r.pid.map { kill(pid_t($0), 0) != 0 && errno == ESRCH } ?? false
                    }
                }
                return r
            }
        }
    }

    /// Per command: how many runs succeeded and failed, and when the last success ended.
    public func runCounts() throws -> [(command: String, succeeded: Int, failed: Int, lastSuccess: String?)] {
        try locked {
            try db.query("""
                SELECT command, sum(status = 'succeeded'), sum(status = 'failed'),
                       max(CASE WHEN status = 'succeeded' THEN finished_at END)
                FROM runs GROUP BY command ORDER BY command
                """).map { (try $0.text(0), Int($0[1].int ?? 0), Int($0[2].int ?? 0), $0[3].string) }
        }
    }

    /// What each task of run `runID` did, by task name.
    public func runTasks(_ runID: Int64) throws -> [RunTask] {
        try locked {
            try db.query("""
                SELECT task, requests, retries, pages, records, bytes, windows, cursor, seconds, error
                FROM run_tasks WHERE run_id = ? ORDER BY task
                """, [.integer(runID)]).map(RunTask.init(row:))
        }
    }

    /// Records a run's start; returns its id.
    func beginRun(command: String, arguments: [String], window: ClosedRange<LakeDate>? = nil) throws -> Int64 {
        try locked {
            try db.query("""
                INSERT INTO runs(command, arguments, window_from, window_to, status, started_at, pid)
                VALUES (?, ?, ?, ?, 'running', ?, ?)
                """, [.text(command), .text(arguments.joined(separator: " ")), SQLValue(window?.lowerBound.description),
                      SQLValue(window?.upperBound.description), .text(Self.now()), SQLValue(Int(ProcessInfo.processInfo.processIdentifier))])
            return db.lastInsertRowID
        }
    }

    /// Records a run's end with its totals; `error` nil means it succeeded.
    func finishRun(_ id: Int64, partitions: Int, rows: Int64, bytes: Int64, seconds: Double, error: String?) throws {
        try locked {
            try db.query("""
                UPDATE runs SET status = ?, partitions = ?, rows = ?, bytes = ?, finished_at = ?, seconds = ?, error = ?
                WHERE id = ?
                """, [.text(error == nil ? "succeeded" : "failed"), SQLValue(partitions), .integer(rows), .integer(bytes),
                      .text(Self.now()), .real(seconds), SQLValue(error), .integer(id)])
        }
    }

    /// Marks run `id` failed with `error`. Its partitions and rows are what it committed
    /// before it failed, as the catalogue holds them (the partitions whose `run_id` is
    /// this run): a failing writer's own tallies may count work it then discarded, or
    /// none of what it had already committed. `bytes` nil: the bytes of those partitions'
    /// files.
    func finishFailedRun(_ id: Int64, seconds: Double, error: String, bytes: Int64?) throws {
        try locked {
            try db.query("""
                UPDATE runs SET status = 'failed',
                    partitions = (SELECT count(*) FROM partitions WHERE run_id = ?1),
                    rows = (SELECT coalesce(sum(rows), 0) FROM partitions WHERE run_id = ?1),
                    bytes = coalesce(?2, (SELECT coalesce(sum(f.bytes), 0) FROM files f
                                          JOIN partitions p ON p.dataset = f.dataset AND p.dt = f.dt WHERE p.run_id = ?1)),
                    finished_at = ?3, seconds = ?4, error = ?5
                WHERE id = ?1
                """, [.integer(id), bytes.map { .integer($0) } ?? .null, .text(Self.now()), .real(seconds), .text(error)])
        }
    }

    /// Marks runs left `running` by a process that died as failed, with the partitions
    /// and rows each had committed (as `finishFailedRun` counts them); called under the
    /// lake's lock, when no other run can be live.
    func markInterruptedRuns() throws {
        try locked {
            try db.query("""
                UPDATE runs SET status = 'failed', error = 'interrupted: the process stopped before finishing',
                    partitions = (SELECT count(*) FROM partitions WHERE run_id = runs.id),
                    rows = (SELECT coalesce(sum(rows), 0) FROM partitions WHERE run_id = runs.id),
                    finished_at = ? WHERE status = 'running'
                """, [.text(Self.now())])
        }
    }

    /// A scheduled task's high-water mark: the last date it completed.
    public func cursor(_ task: String) throws -> LakeDate? {
        try locked {
            try db.query("SELECT high_water FROM cursors WHERE task = ?", [.text(task)]).first?[0].string.flatMap(LakeDate.init)
        }
    }

    /// Every cursor: task name → (last day committed, when it moved).
    public func cursors() throws -> [String: (day: LakeDate, updatedAt: String)] {
        try locked {
            var out: [String: (day: LakeDate, updatedAt: String)] = [:]
            for row in try db.query("SELECT task, high_water, updated_at FROM cursors") {
                guard let day = LakeDate(try row.text(1)) else { continue }
                out[try row.text(0)] = (day, try row.text(2))
            }
            return out
        }
    }

    /// Records what each task of run `runID` did, in one transaction.
    func recordRunTasks(_ runID: Int64, _ tasks: [RunTask]) throws {
        try locked {
            try db.transaction {
                for t in tasks {
                    try db.query("""
                        INSERT OR REPLACE INTO run_tasks(run_id, task, requests, retries, pages, records, bytes, windows, cursor, seconds, error)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, [.integer(runID), .text(t.task), SQLValue(t.requests), SQLValue(t.retries), SQLValue(t.pages), SQLValue(t.records),
                              .integer(t.bytes), SQLValue(t.windows), SQLValue(t.cursor?.description), .real(t.seconds), SQLValue(t.error)])
                }
            }
        }
    }

    /// The last recorded run of each task whose name starts with `prefix`.
    public func lastRunTasks(prefix: String) throws
        -> [String: (task: RunTask, runID: Int64, status: String, startedAt: String, finishedAt: String?, lastSuccess: String?)]
    {
        try locked {
            var out: [String: (task: RunTask, runID: Int64, status: String, startedAt: String, finishedAt: String?, lastSuccess: String?)] = [:]
            var succeeded: [String: String] = [:]
            for row in try db.query("""
                SELECT t.task, t.requests, t.retries, t.pages, t.records, t.bytes, t.windows, t.cursor, t.seconds,
                       t.error, t.run_id, r.finished_at, r.started_at, r.status
                FROM run_tasks t JOIN runs r ON r.id = t.run_id
                WHERE substr(t.task, 1, length(?)) = ? ORDER BY t.run_id
                """, [.text(prefix), .text(prefix)]) {
                let t = RunTask(row: row)
                let finished = row[11].string
                if t.error == nil, let finished { succeeded[t.task] = finished }
                out[t.task] = (t, row[10].int ?? 0, row[13].string ?? "", row[12].string ?? "", finished, succeeded[t.task])
            }
            return out
        }
    }

    /// What the partitions of datasets in `schema` were derived from (`derivations`).
    public func derivations(schema: String) throws -> [PartitionKey: String] {
        try locked {
            var out: [PartitionKey: String] = [:]
            for row in try db.query("SELECT dataset, dt, inputs FROM derivations WHERE substr(dataset, 1, length(?) + 1) = ? || '.'",
                                    [.text(schema), .text(schema)]) {
                guard let name = row[0].string.flatMap(DatasetName.init), let dt = row[1].string.flatMap(LakeDate.init),
                      let inputs = row[2].string else { continue }
                out[PartitionKey(name, dt)] = inputs
            }
            return out
        }
    }

    func setDerivations(_ derivations: [PartitionKey: String]) throws {
        try locked {
            try db.transaction {
                let now = Self.now()
                for (key, inputs) in derivations.sorted(by: { ($0.key.dataset.description, $0.key.dt) < ($1.key.dataset.description, $1.key.dt) }) {
                    try db.query("""
                        INSERT INTO derivations(dataset, dt, inputs, built_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT(dataset, dt) DO UPDATE SET inputs = excluded.inputs, built_at = excluded.built_at
                        """, [.text(key.dataset.description), .text(key.dt.description), .text(inputs), .text(now)])
                }
            }
        }
    }

    func recordQuality(_ runID: Int64, _ results: [QualityResult]) throws {
        try locked {
            try db.transaction {
                let now = Self.now()
                for r in results {
                    try db.query("""
                        INSERT OR REPLACE INTO quality_results(run_id, check_name, passed, checked, failures, offenders, detail, checked_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, [.integer(runID), .text(r.check), .integer(r.passed ? 1 : 0), .integer(Int64(r.checked)),
                              .integer(Int64(r.failures)), .text(r.offenders.joined(separator: "\n")), .text(r.detail), .text(now)])
                }
            }
        }
    }

    /// The quality results of the last run that recorded any, with that run's id.
    public func lastQuality() throws -> (runID: Int64, checkedAt: String, results: [QualityResult])? {
        try locked {
            guard let runID = try db.query("SELECT max(run_id) FROM quality_results").first?[0].int else { return nil }
            var at = ""
            let results = try db.query("""
                SELECT check_name, passed, checked, failures, offenders, detail, checked_at FROM quality_results
                WHERE run_id = ? ORDER BY rowid
                """, [.integer(runID)]).map { row -> QualityResult in
                at = row[6].string ?? ""
                let offenders = row[4].string ?? ""
                return QualityResult(check: row[0].string ?? "", passed: row[1].int == 1, checked: Int(row[2].int ?? 0),
                                     failures: Int(row[3].int ?? 0), offenders: offenders.isEmpty ? [] : offenders.components(separatedBy: "\n"),
                                     detail: row[5].string ?? "")
            }
            return (runID, at, results)
        }
    }

    /// Moves several cursors in one transaction (one fsync however many).
    func setCursors(_ cursors: [String: LakeDate]) throws {
        try locked {
            try db.transaction {
                for (task, date) in cursors.sorted(by: { $0.key < $1.key }) {
                    try db.query("""
                        INSERT INTO cursors(task, high_water, updated_at) VALUES (?, ?, ?)
                        ON CONFLICT(task) DO UPDATE SET high_water = excluded.high_water, updated_at = excluded.updated_at
                        """, [.text(task), .text(date.description), .text(Self.now())])
                }
            }
        }
    }

    func setCursor(_ task: String, to date: LakeDate) throws {
        try locked {
            try db.query("""
                INSERT INTO cursors(task, high_water, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(task) DO UPDATE SET high_water = excluded.high_water, updated_at = excluded.updated_at
                """, [.text(task), .text(date.description), .text(Self.now())])
        }
    }

    /// Commits journalled but not yet applied (left by a crash mid-commit).
    func pendingCommits() throws -> [(id: Int64, manifest: CommitManifest)] {
        try locked {
            try db.query("SELECT id, manifest FROM pending_commits ORDER BY id").map {
                (try $0.int(0), try JSONDecoder().decode(CommitManifest.self, from: Data(try $0.text(1).utf8)))
            }
        }
    }

    /// Step 2 of a commit: the manifests are durable, in one transaction, before any file moves.
    func journal(_ manifests: [CommitManifest]) throws -> [Int64] {
        let encoder = JSONEncoder()
        let rows = try manifests.map { (m: $0, json: String(decoding: try encoder.encode($0), as: UTF8.self)) }
        return try locked {
            try db.transaction {
                try rows.map { r in
                    try db.query("INSERT INTO pending_commits(dataset, dt, manifest, created_at) VALUES (?, ?, ?, ?)",
                                 [.text(r.m.dataset.description), .text(r.m.dt), .text(r.json), .text(Self.now())])
                    return db.lastInsertRowID
                }
            }
        }
    }

    /// Step 4 of a commit: in one transaction, each partition's rows, files and statistics
    /// replace the old ones and its journal entry goes. Returns the paths of old files
    /// that the new commits no longer use.
    func apply(_ commits: [(id: Int64, manifest: CommitManifest, schemaJSON: String?, schemaVersion: Int, partitionKind: String)]) throws -> [String] {
        try locked {
            try db.transaction {
                try commits.flatMap { c in
                    try applyInTransaction(c.id, c.manifest, schemaJSON: c.schemaJSON, schemaVersion: c.schemaVersion, partitionKind: c.partitionKind)
                }
            }
        }
    }

    func applyInTransaction(_ id: Int64, _ m: CommitManifest, schemaJSON: String?, schemaVersion: Int, partitionKind: String) throws -> [String] {
        let ds = SQLValue.text(m.dataset.description), dt = SQLValue.text(m.dt)
        if let json = schemaJSON {
            try upsertDataset(m.dataset, hash: m.schemaHash, version: schemaVersion, kind: partitionKind, json: json)
        } else if try db.query("SELECT 1 FROM datasets WHERE name = ?", [ds]).isEmpty {
            try upsertDataset(m.dataset, hash: m.schemaHash, version: schemaVersion, kind: partitionKind, json: "{}")
        }
        let old = try db.query("SELECT path FROM files WHERE dataset = ? AND dt = ?", [ds, dt]).compactMap { $0[0].string }
        try db.query("DELETE FROM partitions WHERE dataset = ? AND dt = ?", [ds, dt])
        try db.query("""
            INSERT INTO partitions(dataset, dt, rows, run_id, seed, schema_hash, committed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [ds, dt, SQLValue(m.written.rows), m.runID.map(SQLValue.integer) ?? .null, SQLValue(m.seed),
                  .text(m.schemaHash), .text(Self.now())])
        let insertFile = try db.prepare("""
            INSERT INTO files(dataset, dt, format, part, path, bytes, uncompressed_bytes, sha256, rows)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for f in m.written.files {
            try insertFile.run([ds, dt, .text(f.format.rawValue), SQLValue(f.part), .text(f.finalPath), .integer(f.bytes),
                                .integer(f.uncompressedBytes), .text(f.sha256), SQLValue(f.rows)])
        }
        let insertStats = try db.prepare("""
            INSERT INTO column_stats(dataset, dt, column_index, column_name, null_count, min_value, max_value)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for (i, s) in m.written.stats.enumerated() {
            try insertStats.run([ds, dt, SQLValue(i), .text(s.column), SQLValue(s.nullCount), SQLValue(s.min), SQLValue(s.max)])
        }
        try db.query("DELETE FROM pending_commits WHERE id = ?", [.integer(id)])
        let kept = Set(m.written.files.map(\.finalPath))
        return old.filter { !kept.contains($0) }
    }

    /// Records a dataset and its schema, or updates them when the schema changed.
    func register(_ dataset: DatasetName, hash: String, version: Int, kind: String, json: String) throws {
        try locked { try db.transaction { try upsertDataset(dataset, hash: hash, version: version, kind: kind, json: json) } }
    }

    func upsertDataset(_ dataset: DatasetName, hash: String, version: Int, kind: String, json: String) throws {
        try db.query("""
            INSERT INTO datasets(name, schema_version, schema_hash, partition_kind, schema_json, registered_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET schema_version = excluded.schema_version, schema_hash = excluded.schema_hash,
                partition_kind = excluded.partition_kind, schema_json = excluded.schema_json
            WHERE datasets.schema_hash <> excluded.schema_hash
            """, [.text(dataset.description), SQLValue(version), .text(hash), .text(kind), .text(json), .text(Self.now())])
    }

    /// Drops a journal entry that cannot be rolled forward.
    func discardPending(_ id: Int64) throws {
        try locked { _ = try db.query("DELETE FROM pending_commits WHERE id = ?", [.integer(id)]) }
    }

    /// Every registered schema, as the lake's partitions were written under it.
    /// A registration that is not a usable schema (`{}`, recorded when a commit of a
    /// dataset never registered was rolled forward) is left out, so one bad row does
    /// not stop every command that reads the lake; the built-in schema, or an error
    /// naming that dataset, applies to it instead.
    public func registeredSchemas() throws -> [TableSchema] {
        try locked {
            try db.query("SELECT name, schema_json FROM datasets ORDER BY name").compactMap { r in
                let name = try r.text(0)
                guard let dataset = DatasetName(name) else {
                    throw CatalogError("the catalogue registers a dataset named \(name), which is not schema.table; the catalogue is damaged")
                }
                return try? TableSchema(dataset: dataset, json: Data(try r.text(1).utf8), file: "\(path): dataset \(name)")
            }
        }
    }

    /// Schema document and hash as registered for `dataset`, if it is.
    public func registeredSchema(_ dataset: DatasetName) throws -> (hash: String, json: String)? {
        try locked {
            try db.query("SELECT schema_hash, schema_json FROM datasets WHERE name = ?", [.text(dataset.description)])
                .first.map { (try $0.text(0), try $0.text(1)) }
        }
    }
}

/// One quality check's verdict (a row of `quality_results`): how many things it
/// looked at, how many were wrong, the first few offending keys, and what it checks.
public struct QualityResult: Sendable, Hashable, Codable {
    public var check: String
    public var passed: Bool
    public var checked: Int
    public var failures: Int
    public var offenders: [String]
    public var detail: String

    public init(check: String, passed: Bool, checked: Int, failures: Int, offenders: [String], detail: String) {
        self.check = check
        self.passed = passed
        self.checked = checked
        self.failures = failures
        self.offenders = offenders
        self.detail = detail
    }
}

/// What one task of a run did (a row of `run_tasks`).
public struct RunTask: Sendable, Hashable {
    public var task: String
    public var requests = 0
    public var retries = 0
    public var pages = 0
    public var records = 0
    public var bytes: Int64 = 0
    public var windows = 0
    public var cursor: LakeDate?
    public var seconds = 0.0
    public var error: String?

    public init(task: String) { self.task = task }

    /// From the columns task, requests, retries, pages, records, bytes, windows, cursor,
    /// seconds, error of `run_tasks`, in that order.
    init(row: [SQLValue]) {
        task = row[0].string ?? ""
        requests = Int(row[1].int ?? 0)
        retries = Int(row[2].int ?? 0)
        pages = Int(row[3].int ?? 0)
        records = Int(row[4].int ?? 0)
        bytes = row[5].int ?? 0
        windows = Int(row[6].int ?? 0)
        cursor = row[7].string.flatMap(LakeDate.init)
        seconds = row[8].double ?? 0
        error = row[9].string
    }
}
