public import LakeFormat
public import LakeCatalog
import TableSchema
import Foundation
import SystemPackage

/// How `opslake export` writes files for tools that cannot read the lake itself.
public struct ExportOptions: Sendable {
    public enum Format: String, Sendable { case csv, ndjson }
    public var format: Format = .csv
    /// One file per partition instead of one per dataset.
    public var perPartition = false
    /// A UTF-8 byte-order mark at the start of each CSV file, so Excel on Windows reads
    /// Traditional Chinese correctly; files are split at Excel's row limit.
    public var excel = false
    /// Text cells beginning with `=`, `+`, `-`, `@`, tab or CR get a leading `'`, so a
    /// spreadsheet shows them instead of evaluating them (OWASP CSV injection).
    public var safeFormulas = false
    /// Data rows per file before the next file starts (nil: no limit; Excel: 1,048,575
    /// data rows, which with the header is Excel's 1,048,576-row sheet).
    public var rowsPerFile: Int?
    /// Replace an earlier export in the folder: the new files go in, then everything
    /// else in the folder is removed. Without it, a folder that holds anything is refused.
    public var replace = false

    public init() {}

    /// Excel's sheet holds 1,048,576 rows; one of them is the header.
    public static let excelDataRows = 1_048_575

    var effectiveRowsPerFile: Int? { rowsPerFile ?? (excel ? Self.excelDataRows : nil) }
}

/// One file an export wrote.
public struct ExportedFile: Sendable, Codable {
    /// Relative to the export folder.
    public var path: String
    public var dataset: String
    public var rows: Int
    public var bytes: Int64
    public var sha256: String
}

/// Writes chosen partitions as plain, uncompressed CSV or NDJSON, with a `dt` column
/// first (the lake keeps it in folder names), and a Frictionless `datapackage.json`
/// that describes every file.
///
/// Rows stream from the lake's CSV through the decoder to the output; memory does not
/// grow with the export. Every file is written under a temporary name and renamed
/// when the whole export has succeeded, so a failed export leaves no partial file.
public struct Exporter {
    public let lake: Lake

    public init(lake: Lake) { self.lake = lake }

    public func export(datasets: Set<DatasetName>, window: ClosedRange<LakeDate>?, to directory: String,
                       options: ExportOptions) throws -> [ExportedFile] {
        // Never into the lake, nor around it: a replace must not reach the lake's files.
        let lakePath = URL(fileURLWithPath: lake.root).standardizedFileURL.path
        let outPath = URL(fileURLWithPath: directory).standardizedFileURL.path
        if lakePath == outPath || lakePath.hasPrefix(outPath + "/") || outPath.hasPrefix(lakePath + "/") || outPath == "/" {
            throw ExportError("\(directory) is the lake's folder, inside it or around it; export into a folder outside the lake")
        }
        // The export owns its folder: old files beside new ones would be read twice by a
        // glob while datapackage.json lists only the new ones. --replace removes only what
        // an earlier OpsLake export's datapackage.json lists: nothing else in the folder.
        var earlier: [String] = []
        if !FileIO.list(directory).isEmpty {
            guard options.replace else {
                throw ExportError("\(directory) is not empty; pass --replace to replace the export there, or choose a new or empty folder")
            }
            guard let listed = Self.exportedFiles(in: directory) else {
                throw ExportError("\(directory) holds no datapackage.json written by an OpsLake export, so --replace would replace no "
                                  + "export; choose a new or empty folder")
            }
            earlier = listed
        }
        var pending: [PendingFile] = []
        do {
            try FileIO.makeDirectories(directory)
            var exported: [ExportedFile] = []
            var resources: [DataPackage.Resource] = []
            var schemas: [DatasetName: TableSchema] = [:]
            for dataset in datasets.sorted() {
                let schema = try schema(of: dataset)
                schemas[dataset] = schema
                let partitions = try lake.catalog.partitions(of: dataset)
                    .filter { p in window.map { $0.contains(p.key.dt) } ?? true }
                    .sorted { $0.dt < $1.dt }
                let groups: [(name: String, partitions: [PartitionRecord])] = options.perPartition
                    ? partitions.map { ("\(dataset)/dt=\($0.dt)", [$0]) }
                    : partitions.isEmpty ? [] : [(dataset.description, partitions)]
                for group in groups {
                    let files = try write(group.partitions, schema: schema, baseName: group.name, in: directory,
                                          options: options, pending: &pending)
                    exported += files
                    resources += files.map { DataPackage.resource(for: $0, schema: schema, options: options) }
                }
            }
            try declareForeignKeys(in: &resources, files: exported, schemas: schemas, window: window)
            let package = try DataPackage.json(resources: resources, lakeID: try lake.catalog.lakeID)
            let packagePath = directory + "/datapackage.json"
            let temporary = PendingFile(final: packagePath, temporary: try Self.temporaryName(for: packagePath))
            pending.append(temporary)
            try FileIO.writeAtomically(temporary.temporary, package)
            for file in pending { try FileIO.rename(file.temporary, to: file.final) }
            // New files first, then the earlier export's leftovers: a reader sees the new
            // export whole at every moment, at worst with old files beside it.
            let written = Set(pending.map { String($0.final.dropFirst(directory.count + 1)) })
            for stale in earlier where !written.contains(stale) {
                try FileIO.remove(FileIO.path(directory, stale))
                // A per-partition export's dataset folder, once its last file is gone.
                let folder = (stale as NSString).deletingLastPathComponent
                if !folder.isEmpty, FileIO.list(FileIO.path(directory, folder)).isEmpty { _ = rmdir(FileIO.path(directory, folder)) }
            }
            try FileIO.syncDirectory(directory)
            return exported
        } catch {
            for file in pending { try? FileIO.remove(file.temporary) }
            throw error
        }
    }

    /// Adds to each resource the foreign keys of its dataset's schema that the package
    /// can declare truthfully: the referenced dataset is in the package as one resource
    /// (not split by `--per-partition` or a row limit), and from its first partition on,
    /// so that every row it could name is there (a window that starts later leaves out
    /// customers registered before it; those keys are not declared then).
    func declareForeignKeys(in resources: inout [DataPackage.Resource], files: [ExportedFile],
                            schemas: [DatasetName: TableSchema], window: ClosedRange<LakeDate>?) throws {
        var single: [DatasetName: String] = [:]
        for (dataset, group) in Dictionary(grouping: zip(files, resources), by: { $0.0.dataset }) where group.count == 1 {
            guard let name = DatasetName(dataset) else { continue }
            if let window, let first = try lake.catalog.partitions(of: name).map(\.key.dt).min(), window.lowerBound > first { continue }
            single[name] = group[0].1.name
        }
        for (i, file) in files.enumerated() {
            guard let dataset = DatasetName(file.dataset), let schema = schemas[dataset] else { continue }
            let keys = schema.foreignKeys.compactMap { fk -> DataPackage.ForeignKey? in
                guard let target = single[DatasetName(schema: dataset.schema, table: fk.table)] else { return nil }
                return DataPackage.ForeignKey(fields: fk.fields, reference: .init(resource: target, fields: fk.referencedFields))
            }
            resources[i].schema.foreignKeys = keys.isEmpty ? nil : keys
        }
    }

    /// The schema the lake recorded for `dataset` (what its partitions were written under).
    func schema(of dataset: DatasetName) throws -> TableSchema {
        guard let (_, json) = try lake.catalog.registeredSchema(dataset) else {
            throw ExportError("the lake has no dataset \(dataset)")
        }
        return try TableSchema(dataset: dataset, json: Data(json.utf8), file: "\(lake.root)/\(LakeLayout.catalogFile)")
    }

    /// The files an earlier OpsLake export in `directory` wrote, as its datapackage.json
    /// lists them (relative paths inside the folder), or nil when the folder holds no
    /// such export. Nothing that file does not list is ever removed.
    static func exportedFiles(in directory: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: directory + "/datapackage.json"),
              let package = try? JSONDecoder().decode(DataPackage.Listing.self, from: data),
              package.name == DataPackage.packageName else { return nil }
        let paths = package.resources.map(\.path).filter { p in
            !p.hasPrefix("/") && !p.split(separator: "/").contains("..") && (p.hasSuffix(".csv") || p.hasSuffix(".ndjson"))
        }
        return paths + ["datapackage.json"]
    }

    struct PendingFile {
        var final: String
        var temporary: String
    }

    static func temporaryName(for path: String) throws -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".\(getpid()).tmp"
    }

    /// Writes `partitions` (in date order) as one file, or several when a row limit applies.
    func write(_ partitions: [PartitionRecord], schema: TableSchema, baseName: String, in directory: String,
               options: ExportOptions, pending: inout [PendingFile]) throws -> [ExportedFile] {
        let columns = [Column("dt", .date)] + schema.columns
        let ext = options.format.rawValue
        let totalRows = partitions.reduce(0) { $0 + $1.rows }
        let limit = options.effectiveRowsPerFile ?? Int.max
        let split = totalRows > limit
        let stringColumns = Set(schema.columns.indices.filter { schema.columns[$0].type == .string }.map { $0 + 1 })

        var files: [ExportedFile] = []
        var out: OutputFile?
        var number = 0

        func open() throws {
            number += 1
            let relative = split ? "\(baseName)-\(String(format: "%03d", number)).\(ext)" : "\(baseName).\(ext)"
            let path = FileIO.path(directory, relative)
            try FileIO.makeDirectories((path as NSString).deletingLastPathComponent)
            let file = try OutputFile(path: path, temporary: try Self.temporaryName(for: path), relative: relative,
                                      dataset: schema.dataset.description)
            pending.append(PendingFile(final: path, temporary: file.temporary))
            if options.format == .csv {
                if options.excel { file.buffer.append([0xEF, 0xBB, 0xBF]) }
                CSVEncoder(columns: columns).encodeHeader(into: file.buffer)
            }
            out = file
        }
        func close() throws {
            if let file = out { files.append(try file.finish()) }
            out = nil
        }

        let csvOut = CSVEncoder(columns: columns)
        let jsonOut = NDJSONEncoder(columns: columns)
        let decoder = RowDecoder(columns: schema.columns)
        try open()
        for partition in partitions {
            guard partition.schemaHash == schema.hash else {
                throw ExportError("\(partition.key) was written under another version of its schema than the lake records now; regenerate it")
            }
            let dt = Value.date(partition.key.dt)
            for part in partition.files.filter({ $0.format == .csv }).sorted(by: { $0.part < $1.part }) {
                let source = try ZstdReader(source: FileSource(path: lake.absolute(part.path)), name: part.path,
                                            maxOutput: max(part.uncompressedBytes, 1) + 1)
                let reader = CSVReader(source: source)
                guard let header = try reader.next() else { throw ExportError("\(part.path) is empty; run `opslake verify`") }
                try decoder.checkHeader(header)
                while let fields = try reader.next() {
                    var row = [dt]
                    row += try decoder.decode(csv: fields)
                    if options.safeFormulas {
                        for i in stringColumns { if case .string(let s) = row[i], Self.looksLikeFormula(s) { row[i] = .string("'" + s) } }
                    }
                    if out!.rows == limit {
                        try close()
                        try open()
                    }
                    let file = out!
                    if options.format == .csv { csvOut.encode(row, into: file.buffer) } else { jsonOut.encode(row, into: file.buffer) }
                    file.rows += 1
                    if file.buffer.count >= 1 << 20 { try file.flush() }
                }
            }
        }
        try close()
        return files
    }

    /// Text a spreadsheet would evaluate: it begins with `=`, `+`, `-`, `@`, tab or CR.
    public static func looksLikeFormula(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        return first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
    }
}

/// An output file being written under its temporary name, hashed as it goes.
final class OutputFile {
    let temporary: String
    let relative: String
    let dataset: String
    /// Closed only by `deinit`.
    let fd: FileDescriptor
    let buffer = ByteBuffer(capacity: (1 << 20) + (1 << 16))
    let hash: SHA256
    var rows = 0
    var bytes: Int64 = 0

    init(path: String, temporary: String, relative: String, dataset: String) throws {
        self.temporary = temporary
        self.relative = relative
        self.dataset = dataset
        hash = try SHA256()
        try? FileIO.remove(temporary)
        fd = try FileIO.createExclusive(temporary)
    }

    deinit { try? fd.close() }

    func flush() throws {
        try hash.update(buffer.bytes)
        try FileIO.writeAll(fd, buffer.bytes, path: temporary)
        bytes += Int64(buffer.count)
        buffer.removeAll()
    }

    func finish() throws -> ExportedFile {
        try flush()
        try FileIO.sync(fd, path: temporary)
        return ExportedFile(path: relative, dataset: dataset, rows: rows, bytes: bytes, sha256: try hash.finalize())
    }
}

/// An export that cannot be done, in one line.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
