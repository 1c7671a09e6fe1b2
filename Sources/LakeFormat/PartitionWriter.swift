#if canImport(Glibc)
import Glibc
#endif

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
/// Files are written under temporary names in the partition's folder and fsynced by
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
    /// The current streams' encode buffers, read on every row without reference
    /// counting; they live as long as the streams, which this writer holds.
    unowned(unsafe) var csvOut: ByteBuffer
    unowned(unsafe) var jsonOut: ByteBuffer
    var part = 0
    var rowsInPart = 0
    var finished: [WrittenFile] = []
    var encoder: PartitionEncoder
    public private(set) var rows = 0

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
        let placeholder = ByteBuffer(capacity: 64)
        csvOut = placeholder
        jsonOut = placeholder
        var random = SystemRandomNumberGenerator()
        token = "\(getpid())-" + String(random.next() as UInt64, radix: 36)
        try FileIO.makeDirectories(lakeRoot + "/" + LakeLayout.partitionDirectory(key))
        try startPart()
    }

    deinit { abort() }

    func startPart() throws {
        csvStream = try FileStream(self, .csv)
        ndjsonStream = try FileStream(self, .ndjson)
        csv.encodeHeader(into: csvStream!.encoded)
        csvOut = csvStream!.encoded
        jsonOut = ndjsonStream!.encoded
        rowsInPart = 0
    }

    /// Appends one row (one value per column, in column order).
    public func append(_ row: [Value]) throws {
        precondition(row.count == columns.count, "row has \(row.count) values for \(columns.count) columns")
        if rowsInPart == rowsPerFile {
            try finishPart()
            part += 1
            try startPart()
        }
        precondition(csvStream != nil, "append after finish")
        encoder.encode(row, csv: csvOut, json: jsonOut)
        rowsInPart += 1
        rows += 1
        if csvOut.count >= Self.flushThreshold { try csvStream!.flush() }
        if jsonOut.count >= Self.flushThreshold { try ndjsonStream!.flush() }
    }

    func finishPart() throws {
        for stream in [csvStream!, ndjsonStream!] {
            finished.append(try stream.finish(rows: rowsInPart, sync: sync))
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
        return WrittenPartition(files: finished, rows: rows, stats: zip(encoder.stats, columns).map { $0.stats($1.type) })
    }

    /// Removes every temporary file written so far; harmless after `finish()` once the
    /// files were installed (they are no longer under their temporary names).
    public func abort() {
        csvStream?.close()
        ndjsonStream?.close()
        for file in finished { try? FileIO.remove(lakeRoot + "/" + file.temporaryPath) }
        for stream in [csvStream, ndjsonStream].compactMap({ $0 }) { try? FileIO.remove(stream.absolutePath) }
        csvStream = nil
        ndjsonStream = nil
        finished = []
    }

    /// One file being written: encode buffer → zstd → hash → file descriptor.
    final class FileStream {
        let format: FileFormat
        let part: Int
        let relativePath: String
        let finalPath: String
        let absolutePath: String
        let encoded = ByteBuffer(capacity: PartitionWriter.flushThreshold + (1 << 14))
        var fd: Int32
        let hash = SHA256()
        var bytes: Int64 = 0
        var uncompressed: Int64 = 0
        var compressor: ZstdCompressor!

        init(_ writer: PartitionWriter, _ format: FileFormat) throws {
            self.format = format
            part = writer.part
            finalPath = LakeLayout.filePath(writer.key, part: part, format: format)
            let directory = LakeLayout.partitionDirectory(writer.key)
            relativePath = "\(directory)/.\(LakeLayout.fileName(part: part, format: format)).\(writer.token)\(LakeLayout.temporarySuffix)"
            absolutePath = writer.lakeRoot + "/" + relativePath
            fd = try FileIO.createExclusive(absolutePath)
            let path = absolutePath
            compressor = try ZstdCompressor(level: writer.level, workers: writer.workers) { [unowned self] chunk in
                self.hash.update(chunk)
                self.bytes += Int64(chunk.count)
                try FileIO.writeAll(self.fd, chunk, path: path)
            }
        }

        func flush() throws {
            uncompressed += Int64(encoded.count)
            try compressor.write(encoded.bytes)
            encoded.removeAll()
        }

        func finish(rows: Int, sync: Bool) throws -> WrittenFile {
            try flush()
            try compressor.finish()
            if sync { try FileIO.sync(fd, path: absolutePath) }
            close()
            return WrittenFile(format: format, part: part, temporaryPath: relativePath, finalPath: finalPath,
                               bytes: bytes, uncompressedBytes: uncompressed, sha256: hash.finalize(), rows: rows)
        }

        func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        deinit { close() }
    }
}
