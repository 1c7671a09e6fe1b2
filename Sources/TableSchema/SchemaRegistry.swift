public import LakeFormat
import Foundation

/// Every table schema under a `schemas/` folder, by dataset.
public struct SchemaRegistry: Sendable {
    public let directory: String
    public let schemas: [DatasetName: TableSchema]

    /// Loads `<directory>/<schema>/<table>.json` for every file there; the first bad one throws.
    public init(directory: String) throws {
        guard FileIO.isDirectory(directory) else {
            throw SchemaError(file: directory, "no schemas folder here; pass --schemas DIR or run from the OpsLake checkout")
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

    /// Finds the `schemas/` folder: an explicit path, `OPSLAKE_SCHEMAS`, `./schemas`,
    /// or `share/opslake/schemas` beside the executable's `bin/`.
    public static func locate(explicit: String?) -> String {
        if let e = explicit { return e }
        if let env = ProcessInfo.processInfo.environment["OPSLAKE_SCHEMAS"], !env.isEmpty { return env }
        if FileIO.isDirectory("schemas") { return "schemas" }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = exe.deletingLastPathComponent().appendingPathComponent("share/opslake/schemas").path
        return FileIO.isDirectory(installed) ? installed : "schemas"
    }
}
