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

/// Where things live in a lake: `<schema>/<table>/dt=YYYY-MM-DD/part-NNNNN.<format>.zst`,
/// all relative to the lake root.
public enum LakeLayout {
    public static let catalogFile = "_catalog.sqlite"
    public static let lockFile = "_lock"
    public static let temporarySuffix = ".tmp"
    /// Top-level folders where `ship unpack` stages a bundle's files before committing
    /// them; a writer that opens the lake removes any left by a crashed one.
    public static let stagingPrefix = ".staging-"

    public static func partitionDirectory(_ key: PartitionKey) -> String {
        "\(datasetDirectory(key.dataset))/dt=\(key.dt)"
    }

    /// The folder that holds a dataset's `dt=` folders.
    public static func datasetDirectory(_ dataset: DatasetName) -> String {
        "\(dataset.schema)/\(dataset.table)"
    }

    public static func fileName(part: Int, format: FileFormat) -> String {
        let digits = String(part)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + "." + format.fileExtension
    }

    public static func filePath(_ key: PartitionKey, part: Int, format: FileFormat) -> String {
        partitionDirectory(key) + "/" + fileName(part: part, format: format)
    }

    /// A partition file's parts, when `path` (relative to the lake root) is one.
    public static func parse(_ path: String) -> (key: PartitionKey, part: Int, format: FileFormat)? {
        let c = path.split(separator: "/", omittingEmptySubsequences: false)
        guard c.count == 4, let dataset = DatasetName("\(c[0]).\(c[1])"), c[2].hasPrefix("dt="),
              let dt = LakeDate(c[2].dropFirst(3)) else { return nil }
        let name = c[3]
        for format in FileFormat.allCases where name.hasSuffix("." + format.fileExtension) && name.hasPrefix("part-") {
            let digits = name.dropFirst(5).dropLast(format.fileExtension.count + 1)
            guard digits.count == 5, let part = Int(digits) else { return nil }
            return (PartitionKey(dataset, dt), part, format)
        }
        return nil
    }
}
