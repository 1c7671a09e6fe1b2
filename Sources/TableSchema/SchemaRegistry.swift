public import LakeFormat
import Foundation

/// Every table schema under a `schemas/` folder, by dataset.
public struct SchemaRegistry: Sendable {
    public let directory: String
    public let schemas: [DatasetName: TableSchema]

    /// Loads `<directory>/<schema>/<table>.json` for every file there; the first bad one throws.
    public init(directory: String) throws {
        guard FileIO.isDirectory(directory) else {
            throw SchemaError(file: directory, "no schemas folder here; name a folder of <schema>/<table>.json files, "
                              + "or leave out --schemas and $OPSLAKE_SCHEMAS to use the built-in schemas")
        }
        self.directory = directory
        var found: [DatasetName: TableSchema] = [:]
        for schemaDir in FileIO.list(directory) where FileIO.isDirectory("\(directory)/\(schemaDir)") {
            for file in FileIO.list("\(directory)/\(schemaDir)") where file.hasSuffix(".json") {
                let schema = try TableSchema(contentsOf: "\(directory)/\(schemaDir)/\(file)")
                _ = try RecordValidator(schema: schema)  // compiles the patterns: a bad one fails here, not mid-write
                found[schema.dataset] = schema
            }
        }
        schemas = found
    }

    public init(schemas: [TableSchema], directory: String = "") {
        self.directory = directory
        self.schemas = Dictionary(uniqueKeysWithValues: schemas.map { ($0.dataset, $0) })
    }

    /// The schema of `dataset`, or an error naming the datasets that exist.
    public func schema(for dataset: DatasetName) throws -> TableSchema {
        guard let s = schemas[dataset] else {
            let known = schemas.keys.sorted().map(\.description).joined(separator: ", ")
            throw SchemaError(file: "\(directory)/\(dataset.schema)/\(dataset.table).json",
                              "no schema for dataset \(dataset); known datasets: \(known.isEmpty ? "none" : known)")
        }
        return s
    }

    /// The schemas a command works with. A folder named by `--schemas` (or
    /// `$OPSLAKE_SCHEMAS`) replaces the built-in ones, for developing a schema;
    /// otherwise the built-in schemas, each overridden by the lake's own registered
    /// version when there is one (the version its partitions were written under).
    public static func resolve(folder: String?, builtIn: () throws -> [TableSchema], registered: [TableSchema] = []) throws -> SchemaRegistry {
        if let folder = explicitFolder(folder) { return try SchemaRegistry(directory: folder) }
        var all = Dictionary(try builtIn().map { ($0.dataset, $0) }, uniquingKeysWith: { $1 })
        for schema in registered { all[schema.dataset] = schema }
        return SchemaRegistry(schemas: Array(all.values), directory: "(built in)")
    }

    /// The schemas folder named by the flag or by `$OPSLAKE_SCHEMAS`, if any.
    public static func explicitFolder(_ flag: String?) -> String? {
        if let flag { return flag }
        if let env = ProcessInfo.processInfo.environment["OPSLAKE_SCHEMAS"], !env.isEmpty { return env }
        return nil
    }
}
