/// A dataset's name, `schema.table`, which is also its folder and its PostgreSQL table.
public struct DatasetName: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let schema: String
    public let table: String

    /// Parses `schema.table`; each part a lowercase identifier (`[a-z][a-z0-9_]*`, at most 63 bytes).
    /// A leading `_` is reserved for the lake's own files (`_catalog.sqlite`, `_quarantine/`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isIdentifier(parts[0]), Self.isIdentifier(parts[1]) else { return nil }
        schema = String(parts[0])
        table = String(parts[1])
    }

    public init(schema: String, table: String) {
        precondition(Self.isIdentifier(Substring(schema)) && Self.isIdentifier(Substring(table)), "invalid dataset name")
        self.schema = schema
        self.table = table
    }

    /// Schemas no dataset may live in: PostgreSQL's own (`pg_*`, `information_schema`,
    /// `public`) and OpsLake's ledger (`opslake`). The loader creates a table per dataset
    /// in the dataset's schema, so a dataset named there, by a schema file or a bundle,
    /// would point it at the database's own tables.
    public var isReserved: Bool { Self.isReserved(schema: schema) }

    public static func isReserved(schema: String) -> Bool {
        ["opslake", "public", "information_schema"].contains(schema) || schema.hasPrefix("pg_")
    }

    /// Why a dataset may not be named so, in words for an error message.
    public var reservedReason: String {
        "\(schema) is a reserved schema (opslake, public, information_schema and pg_* belong to PostgreSQL or OpsLake's ledger)"
    }

    public static func isIdentifier(_ s: Substring) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 63,
              (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    public var description: String { "\(schema).\(table)" }
    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let name = DatasetName(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid dataset name \(text)"))
        }
        self = name
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// The two encodings every partition is written in.
public enum FileFormat: String, Hashable, Sendable, Codable, CaseIterable {
    case csv, ndjson
    /// The file name suffix, `csv.zst` or `ndjson.zst`.
    public var fileExtension: String { "\(rawValue).zst" }
}

/// One partition: a dataset on one business date.
public struct PartitionKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var dataset: DatasetName
    public var dt: LakeDate
    public init(_ dataset: DatasetName, _ dt: LakeDate) {
        self.dataset = dataset
        self.dt = dt
    }
    public static func < (a: Self, b: Self) -> Bool { (a.dataset, a.dt) < (b.dataset, b.dt) }
    public var description: String { "\(dataset) dt=\(dt)" }
}

/// Where things live in a lake (format 2), all relative to the lake root:
/// `<schema>/<table>/<format>/dt=YYYY-MM-DD/part-NNNNN.<format>.zst`.
///
/// Each table folder (`<schema>/<table>/csv`, `<schema>/<table>/ndjson`) holds one
/// format and nothing else, so an engine that reads Hive-style tables (Spark, Trino,
/// Hive, DuckDB, Polars) pointed at it reads exactly that table, with `dt` from the
/// folder names. Files being written wait in `_staging/`, outside every table folder.
/// docs/lake-format.md is the specification.
public enum LakeLayout {
    /// The lake format this build writes; the catalogue's `user_version` says which a lake is in.
    public static let format = 2
    public static let catalogFile = "_catalog.sqlite"
    public static let lockFile = "_lock"
    public static let temporarySuffix = ".tmp"
    /// Where files wait under temporary names until their commit renames them into
    /// their table folder; a writer that opens the lake empties it of whatever a crashed
    /// writer left and no journalled commit needs.
    public static let stagingDirectory = "_staging"
    /// Where `repair` moves files it finds under a table folder that the catalogue does not list.
    public static let quarantineDirectory = "_quarantine"

    /// The folder that holds a dataset's table folders, one per format.
    public static func datasetDirectory(_ dataset: DatasetName) -> String {
        "\(dataset.schema)/\(dataset.table)"
    }

    /// A table folder: one dataset in one format, the folder an engine is pointed at.
    public static func tableDirectory(_ dataset: DatasetName, _ format: FileFormat) -> String {
        "\(datasetDirectory(dataset))/\(format.rawValue)"
    }

    public static func partitionDirectory(_ key: PartitionKey, _ format: FileFormat) -> String {
        "\(tableDirectory(key.dataset, format))/dt=\(key.dt)"
    }

    public static func fileName(part: Int, format: FileFormat) -> String {
        let digits = String(part)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + "." + format.fileExtension
    }

    public static func filePath(_ key: PartitionKey, part: Int, format: FileFormat) -> String {
        "\(partitionDirectory(key, format))/\(fileName(part: part, format: format))"
    }

    /// A file's temporary name in `_staging/` while it is written: the dataset, date and
    /// final name, then the writer's token (process id and a random number).
    public static func temporaryPath(_ key: PartitionKey, part: Int, format: FileFormat, token: String) -> String {
        "\(stagingDirectory)/\(key.dataset).dt=\(key.dt).\(fileName(part: part, format: format)).\(token)\(temporarySuffix)"
    }

    /// A partition file's parts, when `path` (relative to the lake root) is one.
    public static func parse(_ path: String) -> (key: PartitionKey, part: Int, format: FileFormat)? {
        let c = path.split(separator: "/", omittingEmptySubsequences: false)
        guard c.count == 5, let format = FileFormat(rawValue: String(c[2])),
              let parsed = parse(schema: c[0], table: c[1], folder: c[3], name: c[4]), parsed.format == format else { return nil }
        return parsed
    }

    static func parse(schema: Substring, table: Substring, folder: Substring, name: Substring)
        -> (key: PartitionKey, part: Int, format: FileFormat)? {
        guard let dataset = DatasetName("\(schema).\(table)"), folder.hasPrefix("dt="),
              let dt = LakeDate(folder.dropFirst(3)) else { return nil }
        for format in FileFormat.allCases where name.hasSuffix("." + format.fileExtension) && name.hasPrefix("part-") {
            let digits = name.dropFirst(5).dropLast(format.fileExtension.count + 1)
            guard digits.count == 5, let part = Int(digits) else { return nil }
            return (PartitionKey(dataset, dt), part, format)
        }
        return nil
    }

    /// Lake format 1, which kept both formats of a partition in one folder,
    /// `<schema>/<table>/dt=YYYY-MM-DD/part-NNNNN.<format>.zst`, and staged files beside
    /// them as `.part-NNNNN.<format>.zst.<token>.tmp`. A writer migrates a format-1 lake
    /// when it opens it; bundles keep this layout for their payload, so that a release
    /// that reads only format 1 reaches the bundle's version and refuses it by name.
    public enum Format1 {
        public static func partitionDirectory(_ key: PartitionKey) -> String {
            "\(datasetDirectory(key.dataset))/dt=\(key.dt)"
        }

        public static func filePath(_ key: PartitionKey, part: Int, format: FileFormat) -> String {
            "\(partitionDirectory(key))/\(fileName(part: part, format: format))"
        }

        public static func parse(_ path: String) -> (key: PartitionKey, part: Int, format: FileFormat)? {
            let c = path.split(separator: "/", omittingEmptySubsequences: false)
            guard c.count == 4 else { return nil }
            return LakeLayout.parse(schema: c[0], table: c[1], folder: c[2], name: c[3])
        }
    }
}
