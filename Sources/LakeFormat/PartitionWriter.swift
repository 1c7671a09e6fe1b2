import SystemPackage

/// One finished partition file, still under its temporary name.
public struct WrittenFile: Hashable, Sendable, Codable {
    public var format: FileFormat
    public var part: Int
    /// Paths relative to the lake root.
    public var temporaryPath: String
    public var finalPath: String
    public var bytes: Int64
    public var uncompressedBytes: Int64
    /// SHA-256 of the compressed bytes, as they are on disk.
    public var sha256: String
    public var rows: Int

    public init(format: FileFormat, part: Int, temporaryPath: String, finalPath: String, bytes: Int64, uncompressedBytes: Int64,
                sha256: String, rows: Int) {
        self.format = format
        self.part = part
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        self.bytes = bytes
        self.uncompressedBytes = uncompressedBytes
        self.sha256 = sha256
        self.rows = rows
    }
}

/// What a `PartitionWriter` produced: every file durable on disk under a temporary
/// name, with the statistics the catalogue records.
public struct WrittenPartition: Hashable, Sendable, Codable {
    public var files: [WrittenFile]
    public var rows: Int
    public var stats: [ColumnStats]

    public init(files: [WrittenFile], rows: Int, stats: [ColumnStats]) {
        self.files = files
        self.rows = rows
        self.stats = stats
    }
}

/// Streams rows into a partition's CSV and NDJSON files at once, each through its own
/// zstd stream, hashing the compressed bytes as they are written.
///
/// Files are written under temporary names in the lake's `_staging/` folder and fsynced by
/// `finish()`; installing them under their final names is the catalogue's commit
/// (see `Lake.commit`). Memory is bounded by two encode buffers and zstd's window,
/// whatever the partition size. A partition with more than `rowsPerFile` rows is
/// split into `part-00000`, `part-00001`, …
public final class PartitionWriter {
    public let key: PartitionKey
    let lakeRoot: String
    let columns: [Column]
    let csv: CSVEncoder
    let level: Int
    let workers: Int
    let rowsPerFile: Int
    let token: String

    var csvStream: FileStream?
    var ndjsonStream: FileStream?
    /// The encode buffers, drained into the current part's streams. Constants, so
    /// the per-cell path reads them without reference counting.
    let csvOut = ByteBuffer(capacity: PartitionWriter.flushThreshold + (1 << 14))
    let jsonOut = ByteBuffer(capacity: PartitionWriter.flushThreshold + (1 << 14))
    var part = 0
    @exclusivity(unchecked) var rowsInPart = 0
    var finished: [WrittenFile] = []
    let encoder: PartitionEncoder
    @exclusivity(unchecked) public private(set) var rows = 0

    /// Encoded bytes are handed to zstd in chunks of about this size.
    static let flushThreshold = 1 << 17

    /// - Parameters:
    ///   - lakeRoot: the lake's root folder.
    ///   - level: zstd level.
    ///   - workers: zstd worker threads per stream: 1 overlaps compression with encoding
    ///     (for one large partition); 0 compresses inline (when partitions are written in parallel).
    ///   - rowsPerFile: rows per `part-NNNNN` file before the next one starts.
    public init(lakeRoot: String, key: PartitionKey, columns: [Column], level: Int = ZstdCompressor.defaultLevel, workers: Int = 0,
                rowsPerFile: Int = 50_000_000) throws {
        self.lakeRoot = lakeRoot
        self.key = key
        self.columns = columns
        csv = CSVEncoder(columns: columns)
        self.level = level
        self.workers = workers
        self.rowsPerFile = max(1, rowsPerFile)
        encoder = PartitionEncoder(columns: columns)
        var random = SystemRandomNumberGenerator()
        token = "\(SystemCalls.processID)-" + String(random.next() as UInt64, radix: 36)
        // The table folders are made durable here (once per dataset); the day's folders
        // are new for almost every partition, and their entries are made durable by the
        // commit (`Lake.commit` fsyncs the table folders before journalling), off this thread.
        let root = FilePath(lakeRoot)
        for format in FileFormat.allCases {
            try FileIO.makeDirectory(root.appending(LakeLayout.partitionDirectory(key, format)).string,
                                     creatingParentsIn: root.appending(LakeLayout.tableDirectory(key.dataset, format)).string)
        }
        try startPart()
    }

    deinit { abort() }

    func startPart() throws {
        csvStream = try FileStream(self, .csv)
        ndjsonStream = try FileStream(self, .ndjson)
        csv.encodeHeader(into: csvOut)
        rowsInPart = 0
    }

    /// Appends one row (one value per column, in column order).
    public func append(_ row: [Value]) throws {
        precondition(row.count == columns.count, "row has \(row.count) values for \(columns.count) columns")
        precondition(column == 0, "a whole row appended between the cells of another")
        try startRow()
        encoder.encode(row, csv: csvOut, json: jsonOut)
        try rowEnded()
    }

    // The same row cell by cell, in column order, then `endRow()` (see `RowSink`).

    public func cell(utf8 u: UnsafeBufferPointer<UInt8>) throws {
        let i = try beginCell()
        encoder.string(u, i, csv: csvOut, json: jsonOut)
    }

    public func cell(_ v: Int64) throws {
        let i = try beginCell()
        encoder.int(v, i, csv: csvOut, json: jsonOut)
    }

    public func cell(_ t: Timestamp) throws {
        let i = try beginCell()
        encoder.timestamp(t, i, csv: csvOut, json: jsonOut)
    }

    public func cell(_ d: LakeDate) throws {
        let i = try beginCell()
        encoder.date(d, i, csv: csvOut, json: jsonOut)
    }

    public func cell(_ b: Bool) throws {
        let i = try beginCell()
        encoder.bool(b, i, csv: csvOut, json: jsonOut)
    }

    public func cell(_ d: FixedDecimal) throws {
        let i = try beginCell()
        encoder.decimal(d, i, csv: csvOut, json: jsonOut)
    }

    public func nullCell() throws {
        let i = try beginCell()
        encoder.null(i, json: jsonOut)
    }

    public func endRow() throws {
        precondition(column == columns.count, "row has \(column) cells for \(columns.count) columns")
        encoder.end(csv: csvOut, json: jsonOut)
        column = 0
        try rowEnded()
    }

    /// The column of the next cell: 0 between rows.
    @exclusivity(unchecked) var column = 0

    @inline(__always) func beginCell() throws -> Int {
        let i = column
        if i == 0 { try startRow() }
        precondition(i < columns.count, "more cells than the \(columns.count) columns")
        encoder.begin(i, csv: csvOut, json: jsonOut)
        column = i + 1
        return i
    }

    func startRow() throws {
        if rowsInPart == rowsPerFile {
            try finishPart()
            part += 1
            try startPart()
        }
        precondition(csvStream != nil, "append after finish")
    }

    @inline(__always) func rowEnded() throws {
        rowsInPart += 1
        rows += 1
        if csvOut.count >= Self.flushThreshold { try csvStream!.flush(csvOut) }
        if jsonOut.count >= Self.flushThreshold { try ndjsonStream!.flush(jsonOut) }
    }

    func finishPart() throws {
        for (stream, buffer) in [(csvStream!, csvOut), (ndjsonStream!, jsonOut)] {
            finished.append(try stream.finish(draining: buffer, rows: rowsInPart, sync: sync))
        }
        csvStream = nil
        ndjsonStream = nil
    }

    var sync = true

    /// Ends every stream, fsyncs the files and returns what was written. With
    /// `sync: false` the files are closed but not yet durable: the caller must
    /// `FileIO.syncFile` each before committing them (a committer thread can then
    /// wait for the disk while this thread writes the next partition).
    public func finish(sync: Bool = true) throws -> WrittenPartition {
        self.sync = sync
        try finishPart()
        csvOut.release()
        jsonOut.release()
        return WrittenPartition(files: finished, rows: rows, stats: zip(encoder.stats, columns).map { $0.stats($1.type) })
    }

    /// Hands the finished files over to a commit whose journal now lists them: from
    /// here recovery installs them, so this writer must never remove them.
    public func relinquish() {
        finished = []
        relinquished = true
    }

    /// Set once a commit's journal lists the files: their folders are the commit's too.
    var relinquished = false

    /// Removes every temporary file written so far; harmless after `finish()` once the
    /// files were installed (they are no longer under their temporary names).
    public func abort() {
        csvOut.removeAll()
        jsonOut.removeAll()
        csvStream?.closeQuietly()
        ndjsonStream?.closeQuietly()
        for file in finished { try? FileIO.remove(FilePath(lakeRoot).appending(file.temporaryPath).string) }
        for stream in [csvStream, ndjsonStream].compactMap({ $0 }) { try? FileIO.remove(stream.absolutePath) }
        csvStream = nil
        ndjsonStream = nil
        finished = []
        // The day's folders this writer made, if nothing else was put in them: a write
        // that failed leaves no empty partition for a table reader to list.
        if !relinquished {
            for format in FileFormat.allCases {
                FileIO.removeIfEmpty(FilePath(lakeRoot).appending(LakeLayout.partitionDirectory(key, format)).string)
            }
        }
    }

    /// One file being written: encoded bytes → zstd → hash → file descriptor.
    final class FileStream {
        let format: FileFormat
        let part: Int
        let relativePath: String
        let finalPath: String
        let absolutePath: String
        /// Open until the file is finished or abandoned, then nil: closed exactly once.
        var fd: FileDescriptor?
        let hash: SHA256
        var bytes: Int64 = 0
        var uncompressed: Int64 = 0
        var compressor: ZstdCompressor!
        var appender: DirectAppender!

        init(_ writer: PartitionWriter, _ format: FileFormat) throws {
            self.format = format
            part = writer.part
            finalPath = LakeLayout.filePath(writer.key, part: part, format: format)
            relativePath = LakeLayout.temporaryPath(writer.key, part: part, format: format, token: writer.token)
            absolutePath = FilePath(writer.lakeRoot).appending(relativePath).string
            hash = try SHA256()
            // `_staging/` is made (durably) by the lake's first write; the inode is
            // placed as in the partition's folder, which `init` made.
            let root = FilePath(writer.lakeRoot)
            fd = try FileIO.createExclusive(absolutePath, creatingFolder: root.appending(LakeLayout.stagingDirectory).string,
                                            inodeNear: root.appending(LakeLayout.partitionDirectory(writer.key, format)).string)
            appender = DirectAppender(fd!, path: absolutePath)
            compressor = try ZstdCompressor(level: writer.level, workers: writer.workers) { [unowned self] chunk in
                try self.hash.update(chunk)
                self.bytes += Int64(chunk.count)
                try self.appender.append(chunk)
            }
        }

        /// Compresses and writes what `encoded` holds, and empties it.
        func flush(_ encoded: ByteBuffer) throws {
            uncompressed += Int64(encoded.count)
            try compressor.write(encoded.bytes)
            encoded.removeAll()
        }

        func finish(draining encoded: ByteBuffer, rows: Int, sync: Bool) throws -> WrittenFile {
            try flush(encoded)
            try compressor.finish()
            try appender.finish()
            let sha256 = try hash.finalize()
            if sync {
                try FileIO.sync(fd!, path: absolutePath)
            } else {
                // The committer fsyncs the file later; the last block's page (the
                // only one written through the cache) goes to the disk now, while this
                // thread generates the next day. Only a hint: a failure to write shows
                // at that fsync.
                _ = try? fd?.startWriteback()
            }
            if let fd {
                self.fd = nil
                try FileIO.close(fd, path: absolutePath)
            }
            return WrittenFile(format: format, part: part, temporaryPath: relativePath, finalPath: finalPath,
                               bytes: bytes, uncompressedBytes: uncompressed, sha256: sha256, rows: rows)
        }

        /// Closes the file, if still open, ignoring errors: for a file being abandoned.
        func closeQuietly() {
            if let fd {
                self.fd = nil
                try? fd.close()
            }
        }

        deinit { closeQuietly() }
    }
}
