public import LakeFormat
public import TableSchema
import Foundation

/// A lake folder and its catalogue: where partitions are written, committed,
/// verified and repaired.
///
/// Open it `.read` to look, `.write` to change it; a writer holds the lake's lock
/// for as long as the `Lake` lives, so two writers never interleave. One `Lake`
/// may commit partitions from several threads at once.
public final class Lake: @unchecked Sendable {
    public enum Access: Sendable { case read, write }

    public let root: String
    public let catalog: Catalog
    let lock: LakeLock?

    /// Opens an existing lake; `create` makes the folder and catalogue first (harmless if they exist).
    public init(root: String, access: Access, command: String = "opslake", create: Bool = false) throws {
        self.root = root
        let catalogPath = root + "/" + LakeLayout.catalogFile
        if create {
            try FileIO.makeDirectories(root)
        } else if !FileIO.exists(catalogPath) {
            throw LakeMissingError(root: root)
        }
        lock = access == .write || create ? try LakeLock(root: root, command: command) : nil
        catalog = try Catalog(path: catalogPath)
        if lock != nil { try recover() }
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
        // installed just above, and this writer holds the lock, so the rest is garbage.
        for name in FileIO.list(root) where name.hasPrefix(LakeLayout.stagingPrefix) {
            try? FileManager.default.removeItem(atPath: root + "/" + name)
        }
        try catalog.markInterruptedRuns()
    }

    /// True when every file of a journalled commit is still on disk, under its temporary or final name.
    func installable(_ m: CommitManifest) -> Bool {
        m.written.files.allSatisfy { f in
            FileIO.exists(root + "/" + f.temporaryPath) || check(FileRecord(written: f)) == nil
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
        do {
            for staged in days {
                for w in staged.written { for f in w.files { try FileIO.syncFile(root + "/" + f.temporaryPath) } }
            }
        } catch {
            for staged in days { staged.discard() }
            throw error
        }
        // From here the files belong to the commit: once journalled, a failure leaves
        // them for recovery to install, so they must not be removed.
        let batch = days.flatMap { staged in
            zip(staged.written, staged.schemas).map { ($0, PartitionKey($1.dataset, staged.dt), $1) }
        }
        try commit(batch: batch, runID: runID, seed: seed)
        return try batch.map(\.1).map { key in
            guard let record = try catalog.partition(key) else { throw CatalogError("partition \(key) vanished after its commit") }
            return record
        }
    }

    /// Installs a written partition by the commit protocol:
    ///
    /// 1. the files are already durable under temporary names (`PartitionWriter.finish`);
    /// 2. a manifest of the commit goes into the catalogue's journal (durable);
    /// 3. each file is renamed over its final name and the folder is fsynced;
    /// 4. one transaction replaces the partition's catalogue rows and clears the journal.
    ///
    /// A crash before 2 leaves only temporary files, which `repair` removes; a crash
    /// after 2 leaves a journalled commit that `repair` rolls forward.
    public func commit(_ written: WrittenPartition, key: PartitionKey, schema: TableSchema,
                       runID: Int64? = nil, seed: String? = nil) throws -> PartitionRecord {
        precondition(lock != nil, "commit needs a lake opened for writing")
        FaultPoint.hit(.afterTemporaryFiles, key.description)
        let manifest = CommitManifest(dataset: key.dataset, dt: key.dt.description, schemaHash: schema.hash,
                                      runID: runID, seed: seed, written: written)
        try syncPartitionFolders(of: [key])
        let id = try catalog.journal(manifest)
        FaultPoint.hit(.afterJournal, key.description)
        try rollForward(id, manifest, schema: schema)
        return try catalog.partition(key)!
    }

    /// Commits several written partitions by the same protocol, grouped: one journal
    /// transaction for all manifests, the renames, one fsync per folder, one transaction
    /// that applies them all. A crash after the journal rolls every one of them forward;
    /// before it, none is visible. For bulk installs (`ship unpack`), where one sync per
    /// partition would dominate.
    public func commit(batch: [(written: WrittenPartition, key: PartitionKey, schema: TableSchema)],
                       runID: Int64? = nil, seed: String? = nil) throws {
        precondition(lock != nil, "commit needs a lake opened for writing")
        guard !batch.isEmpty else { return }
        FaultPoint.hit(.afterTemporaryFiles, Self.describe(batch.map(\.key)))
        let manifests = batch.map { b in
            CommitManifest(dataset: b.key.dataset, dt: b.key.dt.description, schemaHash: b.schema.hash,
                           runID: runID, seed: seed, written: b.written)
        }
        try syncPartitionFolders(of: batch.map(\.key))
        let ids = try catalog.journal(manifests)
        FaultPoint.hit(.afterJournal, Self.describe(batch.map(\.key)))
        for m in manifests { try install(m) }
        try syncDirectories(of: manifests)
        FaultPoint.hit(.afterRenames, Self.describe(batch.map(\.key)))
        let stale = try catalog.apply(zip(ids, zip(manifests, batch)).map { id, mb in
            (id, mb.0, mb.1.schema.canonicalJSON, mb.1.schema.version, mb.1.schema.partition.rawValue)
        })
        FaultPoint.hit(.afterApply, Self.describe(batch.map(\.key)))
        for path in stale { try FileIO.remove(root + "/" + path) }
    }

    /// Steps 3 and 4 of a commit, for a fresh commit and for `repair` alike.
    func rollForward(_ id: Int64, _ m: CommitManifest, schema: TableSchema?) throws {
        try install(m)
        try syncDirectories(of: [m])
        FaultPoint.hit(.afterRenames, "\(m.dataset) dt=\(m.dt)")
        let stale = try catalog.apply(id, m, schemaJSON: schema?.canonicalJSON, schemaVersion: schema?.version ?? 1,
                                      partitionKind: schema?.partition.rawValue ?? "event")
        FaultPoint.hit(.afterApply, "\(m.dataset) dt=\(m.dt)")
        for path in stale { try FileIO.remove(root + "/" + path) }
    }

    /// Renames a commit's files from their temporary names over their final ones.
    func install(_ m: CommitManifest) throws {
        for (i, file) in m.written.files.enumerated() {
            let temporary = root + "/" + file.temporaryPath
            if FileIO.exists(temporary) {
                try FileIO.rename(temporary, to: root + "/" + file.finalPath)
                if i == 0 { FaultPoint.hit(.afterFirstRename, file.finalPath) }
            }
        }
    }

    /// A group of partitions in one line, for a fault point's report.
    static func describe(_ keys: [PartitionKey]) -> String {
        keys.count == 1 ? keys[0].description : "\(keys.count) partitions, the first \(keys[0])"
    }

    /// Makes the partitions' `dt=` folders durable before their commit is journalled:
    /// `PartitionWriter` creates them without a sync, so a crash cannot leave a journal
    /// entry whose folder (and staged files) the file system forgot. One fsync per
    /// dataset folder; for a folder with nothing new it costs next to nothing.
    func syncPartitionFolders(of keys: [PartitionKey]) throws {
        for dataset in Set(keys.map(\.dataset)).sorted(by: { $0.description < $1.description }) {
            try FileIO.syncDirectory(root + "/" + LakeLayout.datasetDirectory(dataset))
        }
    }

    /// Makes the renames durable: each folder the files went into, once.
    func syncDirectories(of manifests: [CommitManifest]) throws {
        let folders = Set(manifests.flatMap { $0.written.files.map { ($0.finalPath as NSString).deletingLastPathComponent } })
        for directory in folders.sorted() { try FileIO.syncDirectory(root + "/" + directory) }
    }
}

/// A day's partitions written under temporary names and not yet committed
/// (`Lake.stagePartitions`); `Lake.commit(_:runID:seed:)` installs them.
public final class StagedPartitions: @unchecked Sendable {
    let lake: Lake
    public let dt: LakeDate
    let schemas: [TableSchema]
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

    /// Removes the staged files: for a day that will not be committed.
    public func discard() {
        for w in written { for f in w.files { try? FileIO.remove(lake.root + "/" + f.temporaryPath) } }
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

extension Lake {
    /// Records a dataset's schema in the catalogue (at `init`, before any partition).
    public func register(_ schema: TableSchema) throws {
        try catalog.register(schema.dataset, hash: schema.hash, version: schema.version, kind: schema.partition.rawValue,
                             json: schema.canonicalJSON)
    }
}
