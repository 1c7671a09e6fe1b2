public import LakeFormat
public import TableSchema
import Foundation
import SystemPackage

/// A lake folder and its catalogue, opened to look: partitions, datasets, runs,
/// `verify`. It cannot change the lake; `WritableLake` can.
public class Lake: @unchecked Sendable {  // unchecked: the catalogue serialises its own SQLite handle (Catalog.locked)
    public let root: String
    public let catalog: Catalog

    /// Opens an existing lake to read it. A lake in an older format is refused with
    /// what to run: only a writer, holding the lock, may move its files.
    public convenience init(root: String) throws {
        try self.init(root: root, create: false)
        let format = try catalog.userVersion
        guard format == LakeLayout.format else {
            throw OldLakeFormatError(root: root, format: format == Catalog.movingFromFormat1 ? 1 : format)
        }
    }

    init(root: String, create: Bool) throws {
        self.root = root
        let catalogPath = FilePath(root).appending(LakeLayout.catalogFile).string
        if create {
            try FileIO.makeDirectories(root)
        } else if !FileIO.exists(catalogPath) {
            throw LakeMissingError(root: root)
        }
        catalog = try Catalog(path: catalogPath)
    }

    /// The path of `relative`, a path inside the lake, from where the lake was opened.
    public func absolute(_ relative: String) -> String { FilePath(root).appending(relative).string }
}

/// A lake opened to change it: partitions are staged and committed here, runs and
/// cursors recorded, datasets registered, faults repaired. It holds the lake's lock for
/// as long as it lives, so two writers never interleave; one `WritableLake` may
/// commit partitions from several threads at once. Opening it first finishes what a
/// crashed writer left.
public final class WritableLake: Lake, @unchecked Sendable {  // unchecked: as Lake; the lock is immutable
    let lock: LakeLock
    /// Set when opening moved the lake from an older format.
    public private(set) var migration: FormatMigration?

    /// Opens an existing lake for writing; `create` makes the folder and catalogue
    /// first (harmless if they exist). `command` is named in the lock for others to see.
    public init(root: String, command: String = "opslake", create: Bool = false) throws {
        if create {
            try FileIO.makeDirectories(root)
        } else if !FileIO.exists(FilePath(root).appending(LakeLayout.catalogFile).string) {
            throw LakeMissingError(root: root)
        }
        lock = try LakeLock(root: root, command: command)
        try super.init(root: root, create: create)
        let format = try catalog.userVersion
        if format < LakeLayout.format || format == Catalog.movingFromFormat1 { migration = try migrateFromFormat1() }
        try recover()
    }

    /// Finishes what a crashed writer left, before this writer changes anything: its
    /// journalled commits are rolled forward (so a newer write can never be undone by
    /// an older one later) and its runs are marked interrupted. Temporary files and
    /// orphans wait for `repair`.
    func recover() throws {
        for (id, m) in try catalog.pendingCommits() where installable(m) {
            try rollForward(id, m, schema: nil)
        }
        // Staged files a crashed writer left: what a journalled commit needed was
        // installed just above, and this writer holds the lock, so the rest is garbage,
        // unless an uninstallable commit still names it (`repair` reports those).
        let journalled = Set(try catalog.pendingCommits().flatMap { $0.manifest.written.files.map(\.temporaryPath) })
        removeStaged(keeping: journalled)
        try catalog.markInterruptedRuns()
    }

    /// Empties `_staging/` of everything not in `keeping` (paths relative to the root).
    func removeStaged(keeping: Set<String>) {
        let staging = LakeLayout.stagingDirectory
        for name in FileIO.list(absolute(staging)) where !keeping.contains("\(staging)/\(name)") {
            let path = absolute("\(staging)/\(name)")
            if FileIO.isDirectory(path) {
                // A bundle's staging folder: keep those of its files a commit still names.
                let inside = FileIO.list(path)
                if inside.contains(where: { keeping.contains("\(staging)/\(name)/\($0)") }) {
                    for file in inside where !keeping.contains("\(staging)/\(name)/\(file)") { try? FileIO.remove("\(path)/\(file)") }
                    continue
                }
                try? FileManager.default.removeItem(atPath: path)
            } else {
                try? FileIO.remove(path)
            }
        }
    }

    /// True when every file of a journalled commit is still on disk, under its temporary or final name.
    func installable(_ m: CommitManifest) -> Bool {
        m.written.files.allSatisfy { f in
            FileIO.exists(absolute(f.temporaryPath)) || check(FileRecord(written: f)) == nil
        }
    }

    /// Writes one partition from `rows`, validating every record, and commits it.
    ///
    /// `rows` receives a sink; each `append` validates and encodes one row. If
    /// `rows` or a validation throws, the temporary files are removed and the lake
    /// is as it was.
    @discardableResult
    public func writePartition(schema: TableSchema, dt: LakeDate, runID: Int64? = nil, seed: String? = nil,
                               level: Int = ZstdCompressor.defaultLevel, workers: Int = 0,
                               rows: (PartitionSink) throws -> Void) throws -> PartitionRecord {
        try writePartitions(schemas: [schema], dt: dt, runID: runID, seed: seed, level: level, workers: workers) {
            try rows($0[0])
        }[0]
    }

    /// Writes several partitions of one day at once (datasets a generator makes in
    /// one pass), then commits them together. Nothing is committed unless every
    /// partition was written whole.
    public func writePartitions(schemas: [TableSchema], dt: LakeDate, runID: Int64? = nil, seed: String? = nil,
                                level: Int = ZstdCompressor.defaultLevel, workers: Int = 0,
                                rows: ([PartitionSink]) throws -> Void) throws -> [PartitionRecord] {
        try commit([try stagePartitions(schemas: schemas, dt: dt, level: level, workers: workers, rows: rows)],
                   runID: runID, seed: seed)
    }

    /// The first half of `writePartitions`: the day's files written whole under
    /// temporary names but not yet fsynced, for `commit(_:runID:seed:)` to make
    /// durable and install, possibly on another thread. If `rows` or a validation
    /// throws, the temporary files are removed.
    public func stagePartitions(schemas: [TableSchema], dt: LakeDate, level: Int = ZstdCompressor.defaultLevel,
                                workers: Int = 0, rows: ([PartitionSink]) throws -> Void) throws -> StagedPartitions {
        var writers: [PartitionWriter] = []
        do {
            var sinks: [PartitionSink] = []
            for schema in schemas {
                let writer = try PartitionWriter(lakeRoot: root, key: PartitionKey(schema.dataset, dt), columns: schema.columns,
                                                 level: level, workers: workers)
                writers.append(writer)
                sinks.append(PartitionSink(writer: writer, validator: try RecordValidator(schema: schema)))
            }
            try rows(sinks)
        } catch {
            for w in writers { w.abort() }
            throw error
        }
        let staged = StagedPartitions(lake: self, dt: dt, schemas: schemas, writers: writers)
        for (i, w) in writers.enumerated() {
            do { staged.written.append(try w.finish(sync: false)) } catch {
                for later in writers[(i + 1)...] { later.abort() }
                staged.discard()
                throw error
            }
        }
        return staged
    }

    /// The second half of `writePartitions`: fsyncs the staged files, then commits
    /// the partitions of all the staged days as one batch (one journal and one apply
    /// transaction, one fsync per folder): they become visible together. A generator
    /// that stages days faster than the disk syncs them commits whatever has queued up,
    /// so the syncs per day fall as the queue grows. Staged files that never reach a
    /// commit are removed.
    public func commit(_ days: [StagedPartitions], runID: Int64? = nil, seed: String? = nil) throws -> [PartitionRecord] {
        let batch = days.flatMap { staged in
            zip(staged.written, staged.schemas).map { ($0, PartitionKey($1.dataset, staged.dt), $1) }
        }
        do {
            // The staged files and the folders their names are in, in one round of syncs.
            try FileIO.syncAll(files: days.flatMap { $0.written.flatMap { $0.files.map { absolute($0.temporaryPath) } } },
                               directories: tableAndStagingFolders(of: batch.map(\.1)))
        } catch {
            for staged in days { staged.discard() }
            throw error
        }
        // Once journalled, the files are recovery's: a failure later in the commit must
        // not let the writers remove them.
        try commit(batch: batch, runID: runID, seed: seed, foldersSynced: true,
                   journalled: { for staged in days { staged.relinquish() } })
        return try batch.map(\.1).map { key in
            guard let record = try catalog.partition(key) else { throw CatalogError("partition \(key) vanished after its commit") }
            return record
        }
    }

    /// Installs written partitions by the commit protocol, as one batch:
    ///
    /// 1. the files are already durable under temporary names (`PartitionWriter.finish`);
    /// 2. a manifest of each partition goes into the catalogue's journal, in one
    ///    transaction (durable);
    /// 3. each file is renamed over its final name, and each folder is fsynced once;
    /// 4. one transaction replaces the partitions' catalogue rows and clears the journal.
    ///
    /// A crash before 2 leaves only temporary files, which `repair` removes; a crash
    /// after 2 leaves journalled commits that the next writer (or `repair`) rolls
    /// forward, so the batch becomes visible whole or not at all. A batch costs one
    /// journal and one apply transaction however many partitions it holds.
    /// `foldersSynced`: the caller has fsynced `tableAndStagingFolders(of:)` already, with the
    /// files, in one round.
    public func commit(batch: [(written: WrittenPartition, key: PartitionKey, schema: TableSchema)],
                       runID: Int64? = nil, seed: String? = nil, foldersSynced: Bool = false,
                       journalled: () -> Void = {}) throws {
        guard !batch.isEmpty else { return }
        FaultPoint.hit(.afterTemporaryFiles, Self.describe(batch.map(\.key)))
        let manifests = batch.map { b in
            CommitManifest(dataset: b.key.dataset, dt: b.key.dt.description, schemaHash: b.schema.hash,
                           runID: runID, seed: seed, written: b.written)
        }
        if !foldersSynced { try FileIO.syncAll(files: [], directories: tableAndStagingFolders(of: batch.map(\.key))) }
        let ids = try catalog.journal(manifests)
        journalled()
        FaultPoint.hit(.afterJournal, Self.describe(batch.map(\.key)))
        for m in manifests { try install(m) }
        try syncDirectories(of: manifests)
        FaultPoint.hit(.afterRenames, Self.describe(batch.map(\.key)))
        let stale = try catalog.apply(zip(ids, zip(manifests, batch)).map { id, mb in
            (id, mb.0, mb.1.schema.canonicalJSON, mb.1.schema.version, mb.1.schema.partition.rawValue)
        })
        FaultPoint.hit(.afterApply, Self.describe(batch.map(\.key)))
        for path in stale { try FileIO.remove(absolute(path)) }
    }

    /// Steps 3 and 4 of a commit, for a fresh commit and for `repair` alike.
    func rollForward(_ id: Int64, _ m: CommitManifest, schema: TableSchema?) throws {
        try install(m)
        try syncDirectories(of: [m])
        FaultPoint.hit(.afterRenames, "\(m.dataset) dt=\(m.dt)")
        let stale = try catalog.apply([(id, m, schema?.canonicalJSON, schema?.version ?? 1, schema?.partition.rawValue ?? "event")])
        FaultPoint.hit(.afterApply, "\(m.dataset) dt=\(m.dt)")
        for path in stale { try FileIO.remove(absolute(path)) }
    }

    /// Renames a commit's files from their temporary names over their final ones.
    func install(_ m: CommitManifest) throws {
        for (i, file) in m.written.files.enumerated() {
            let temporary = absolute(file.temporaryPath)
            if FileIO.exists(temporary) {
                try FileIO.rename(temporary, to: absolute(file.finalPath))
                if i == 0 { FaultPoint.hit(.afterFirstRename, file.finalPath) }
            }
        }
    }

    /// A group of partitions in one line, for a fault point's report.
    static func describe(_ keys: [PartitionKey]) -> String {
        keys.count == 1 ? keys[0].description : "\(keys.count) partitions, the first \(keys[0])"
    }

    /// The folders to fsync before a commit is journalled, so that its partitions'
    /// `dt=` folders and its staged files' names are durable: `PartitionWriter` creates
    /// them without a sync, and a crash must not leave a journal entry whose folder or
    /// staged files the file system forgot. Each table folder once, and `_staging/`;
    /// for a folder with nothing new its fsync costs next to nothing.
    func tableAndStagingFolders(of keys: [PartitionKey]) -> [String] {
        let tables = Set(keys.map(\.dataset)).sorted(by: { $0.description < $1.description }).flatMap { dataset in
            FileFormat.allCases.map { absolute(LakeLayout.tableDirectory(dataset, $0)) }
        }
        return tables + [absolute(LakeLayout.stagingDirectory)]
    }

    /// Makes the renames durable: each folder the files went into, once.
    func syncDirectories(of manifests: [CommitManifest]) throws {
        let folders = Set(manifests.flatMap { $0.written.files.map { ($0.finalPath as NSString).deletingLastPathComponent } })
        try FileIO.syncAll(files: [], directories: folders.sorted().map(absolute))
    }
}

/// A day's partitions written under temporary names and not yet committed
/// (`Lake.stagePartitions`); `Lake.commit(_:runID:seed:)` installs them.
// unchecked: `written` is filled by the thread that stages the day, before the day is
// handed to the committer; after that only the committer touches it.
public final class StagedPartitions: @unchecked Sendable {
    let lake: Lake
    public let dt: LakeDate
    public let schemas: [TableSchema]
    public internal(set) var written: [WrittenPartition] = []
    /// Kept alive until the commit: a writer that goes away removes the temporary
    /// files it wrote (harmless once they are renamed).
    let writers: [PartitionWriter]

    init(lake: Lake, dt: LakeDate, schemas: [TableSchema], writers: [PartitionWriter]) {
        self.lake = lake
        self.dt = dt
        self.schemas = schemas
        self.writers = writers
    }

    /// Gives the files up to a journalled commit: the writers will not remove them.
    func relinquish() {
        for w in writers { w.relinquish() }
        written = []
    }

    /// Removes the staged files: for a day that will not be committed.
    public func discard() {
        for w in written { for f in w.files { try? FileIO.remove(lake.absolute(f.temporaryPath)) } }
        written = []
    }
}

/// Writes validated rows into a partition; handed to the closure of `Lake.writePartition`.
public final class PartitionSink: RowSink {
    let writer: PartitionWriter
    let validator: RecordValidator

    init(writer: PartitionWriter, validator: RecordValidator) {
        self.writer = writer
        self.validator = validator
    }

    /// Rows appended so far.
    public var rows: Int { writer.rows }

    public var key: PartitionKey { writer.key }

    /// Validates `row` against the schema and appends it.
    public func append(_ row: [Value]) throws {
        do {
            try validator.validate(row)
        } catch {
            throw located(error)
        }
        try writer.append(row)
    }

    // Cells: each validated against its field before it is encoded. A row that fails
    // leaves part of itself in the encode buffer, but the error ends the partition,
    // whose files are then removed unseen.

    /// The field of the next cell: 0 between rows.
    @exclusivity(unchecked) var column = 0

    public func cell(utf8 value: UnsafeBufferPointer<UInt8>) throws {
        do { try validator.check(string: value, field: column) } catch { throw located(error) }
        try writer.cell(utf8: value)
        column += 1
    }

    public func cell(_ value: Int64) throws {
        do { try validator.check(int: value, field: column) } catch { throw located(error) }
        try writer.cell(value)
        column += 1
    }

    public func cell(_ value: Timestamp) throws {
        do { try validator.check(timestamp: value, field: column) } catch { throw located(error) }
        try writer.cell(value)
        column += 1
    }

    public func cell(_ value: LakeDate) throws {
        do { try validator.check(date: value, field: column) } catch { throw located(error) }
        try writer.cell(value)
        column += 1
    }

    public func cell(_ value: Bool) throws {
        do { try validator.check(bool: value, field: column) } catch { throw located(error) }
        try writer.cell(value)
        column += 1
    }

    public func cell(_ value: FixedDecimal) throws {
        do { try validator.check(decimal: value, field: column) } catch { throw located(error) }
        try writer.cell(value)
        column += 1
    }

    public func nullCell() throws {
        do { try validator.checkNull(field: column) } catch { throw located(error) }
        try writer.nullCell()
        column += 1
    }

    public func endRow() throws {
        do { try validator.checkRowEnd(cells: column) } catch { throw located(error) }
        try writer.endRow()
        column = 0
    }

    func located(_ violation: FieldViolation) -> InvalidRecordError {
        InvalidRecordError(partition: writer.key, row: writer.rows + 1, violation: violation)
    }
}

/// A command pointed at a folder that holds no lake.
public struct LakeMissingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var root: String
    public init(root: String) { self.root = root }
    public var description: String { "no lake at \(root) (no \(LakeLayout.catalogFile)); create it with `opslake init --lake \(root)`" }
}

/// A read-only command pointed at a lake in an older format.
public struct OldLakeFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    public var root: String
    public var format: Int
    public var description: String {
        "the lake at \(root) is in format \(format); move it to format \(LakeLayout.format) with `opslake repair --lake \(root)` "
            + "(any command that writes to the lake does it), then run this again"
    }
}

extension WritableLake {
    /// Records the start of a run (a command that changes the lake) in the catalogue;
    /// `finishRun` records how it ended.
    public func beginRun(command: String, arguments: [String], window: ClosedRange<LakeDate>? = nil) throws -> Int64 {
        try catalog.beginRun(command: command, arguments: arguments, window: window)
    }

    public func finishRun(_ id: Int64, partitions: Int, rows: Int64, bytes: Int64, seconds: Double, error: String?) throws {
        try catalog.finishRun(id, partitions: partitions, rows: rows, bytes: bytes, seconds: seconds, error: error)
    }

    /// Marks run `id` failed with `error`, counting the partitions and rows it committed
    /// before it failed from the catalogue (`bytes` nil: their files' bytes).
    public func finishFailedRun(_ id: Int64, seconds: Double, error: String, bytes: Int64? = nil) throws {
        try catalog.finishFailedRun(id, seconds: seconds, error: error, bytes: bytes)
    }

    /// Moves a scheduled task's cursor: the last day it has committed.
    public func setCursor(_ task: String, to date: LakeDate) throws { try catalog.setCursor(task, to: date) }

    /// Records what each task of run `runID` did.
    public func recordRunTasks(_ runID: Int64, _ tasks: [RunTask]) throws { try catalog.recordRunTasks(runID, tasks) }

    /// Moves several cursors at once, in one catalogue transaction.
    public func setCursors(_ cursors: [String: LakeDate]) throws { try catalog.setCursors(cursors) }

    /// Records what derived partitions were built from (after their commit).
    public func setDerivations(_ derivations: [PartitionKey: String]) throws { try catalog.setDerivations(derivations) }

    /// Records the quality checks of run `runID`.
    public func recordQuality(_ runID: Int64, _ results: [QualityResult]) throws { try catalog.recordQuality(runID, results) }

    /// Records a dataset's schema in the catalogue (at `init`, before any partition).
    public func register(_ schema: TableSchema) throws {
        try catalog.register(schema.dataset, hash: schema.hash, version: schema.version, kind: schema.partition.rawValue,
                             json: schema.canonicalJSON)
    }
}
