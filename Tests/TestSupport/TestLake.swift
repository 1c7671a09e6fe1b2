public import Foundation
public import LakeFormat
public import TableSchema

/// A pet-shop lake made by the built `opslake`, the set-up of the end-to-end tests:
/// `init` with the settings given (the binary's defaults for the others), then, for
/// most tests, `generate` of a few days. A step that fails throws `TestLakeSetupError`
/// with the command and its stderr, so the test stops there.
///
///     let dir = TemporaryDirectory()
///     defer { dir.remove() }
///     let lake = try TestLake(dir.path + "/lake", opened: "2025-03-01", seed: "4", scale: "0.3")
///         .generate(from: "2025-03-01", to: "2025-03-05", jobs: 2).path
public struct TestLake: Sendable {
    public let path: String

    /// `opslake init --lake path` with `--opened`, `--seed` and `--scale` where given.
    public init(_ path: String, opened: String? = nil, seed: String? = nil, scale: String? = nil) throws {
        self.path = path
        var arguments = ["init", "--lake", path]
        if let opened { arguments += ["--opened", opened] }
        if let seed { arguments += ["--seed", seed] }
        if let scale { arguments += ["--scale", scale] }
        try Self.run(arguments)
    }

    /// `opslake generate` of `from` through `to`, with `--jobs` where given and any
    /// `extra` arguments (`--datasets`, `--shard`, …).
    @discardableResult
    public func generate(from: String, to: String, jobs: Int? = nil, _ extra: [String] = []) throws -> TestLake {
        var arguments = ["generate", "--lake", path, "--from", from, "--to", to]
        if let jobs { arguments += ["--jobs", String(jobs)] }
        try Self.run(arguments + extra)
        return self
    }

    static func run(_ arguments: [String]) throws {
        let r = try opslake(arguments)
        guard r.status == 0 else { throw TestLakeSetupError(arguments: arguments, result: r) }
    }
}

/// A command of a `TestLake`'s set-up that did not succeed.
public struct TestLakeSetupError: Error, CustomStringConvertible {
    public var arguments: [String]
    public var result: ProcessResult

    public var description: String {
        "set-up failed: opslake \(arguments.joined(separator: " ")) exited \(result.status)\(result.signaled ? " (signal)" : ""): \(result.stderr)"
    }
}

/// A table of every column type, with awkward values: the lake and the export tests'
/// `rows` dataset. Its fields are `id` (the required key), `text`, `amount`, `rate`
/// (a number with two decimals, held as a decimal), `ratio`, `flag`, `day` and `at`;
/// with `label`, a required string field `label` follows them.
public enum AllTypesTable {
    public static func schema(_ dataset: DatasetName, label: Bool = false) throws -> TableSchema {
        let labelField = label ? #",\#n  {"name": "label", "type": "string", "constraints": {"required": true}}"# : ""
        let json = """
            {"name": "rows", "fields": [
              {"name": "id", "type": "integer", "constraints": {"required": true}},
              {"name": "text", "type": "string"},
              {"name": "amount", "type": "integer"},
              {"name": "rate", "type": "number", "opslake": {"scale": 2}},
              {"name": "ratio", "type": "number"},
              {"name": "flag", "type": "boolean"},
              {"name": "day", "type": "date"},
              {"name": "at", "type": "datetime"}\(labelField)
            ], "primaryKey": ["id"]}
            """
        return try TableSchema(dataset: dataset, json: Data(json.utf8), file: "rows.json")
    }

    /// A row's values from `id` through `at` (not `label`), drawn from `g`: text from
    /// `RandomRows`, and now and then a null in every field but `id`.
    public static func row(id: Int64, using g: inout SplitMix64) -> [Value] {
        [
            .int(id),
            RandomRows.value(.string, nullable: true, using: &g),
            RandomRows.value(.integer, nullable: true, using: &g),
            g.next() % 5 == 0 ? .null : .decimal(FixedDecimal(units: Int64(g.next() % 20_000) - 10_000, scale: 2)),
            g.next() % 5 == 0 ? .null : .double(Double(Int64(g.next() % 1_000_000) - 500_000) / 64),
            RandomRows.value(.boolean, nullable: true, using: &g),
            RandomRows.value(.date, nullable: true, using: &g),
            RandomRows.value(.datetime, nullable: true, using: &g),
        ]
    }
}
