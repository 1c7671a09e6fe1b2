import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TableSchema
import TestSupport

/// The Python interpreter with duckdb, pandas and frictionless (the test command's virtual environment).
let python = ProcessInfo.processInfo.environment["OPSLAKE_PYTHON"]

/// Real readers: DuckDB and pandas read what OpsLake writes; frictionless accepts its schemas.
@Suite(.enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with duckdb, pandas and frictionless (make test sets it)"))
struct InteropTests {
    @Test("DuckDB and pandas read awkward rows from the lake exactly as written")
    func readers() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let schema = try AllTypesTable.schema(DatasetName("interop.rows")!, label: true)
        var g = SplitMix64(seed: 42)
        let lake = try WritableLake(root: dir.path + "/lake", create: true)
        let expected = ByteBuffer()
        let ndjson = NDJSONEncoder(columns: schema.columns)
        try lake.writePartition(schema: schema, dt: LakeDate(year: 2026, month: 11, day: 21)) { sink in
            for i in 0..<3000 {
                let row = AllTypesTable.row(id: Int64(i), using: &g) + [.string(["貓", "dog", "鸚鵡 🦜", "a,b"][i % 4])]
                try sink.append(row)
                ndjson.encode(row, into: expected)
            }
        }
        try Data(expected.bytes).write(to: URL(fileURLWithPath: dir.path + "/expected.ndjson"))
        let r = try runProcess(py, [repositoryRoot + "/Tests/Interop/read_lake.py", dir.path + "/lake", "interop.rows", dir.path + "/expected.ndjson"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("3000 rows checked"))
    }

    @Test("frictionless accepts every schema in schemas/")
    func frictionless() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let r = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_schemas.py", schemasDirectory])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
}
