import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TableSchema
import TestSupport

/// The Python interpreter with duckdb, pandas, polars, pyspark and frictionless (the test command's virtual environment).
let python = ProcessInfo.processInfo.environment["OPSLAKE_PYTHON"]

/// Real readers: DuckDB, pandas, Polars and Spark read what OpsLake writes; frictionless accepts its schemas.
@Suite(.enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with duckdb, pandas, polars, pyspark and frictionless, and Java (make test sets it up)"))
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

    /// One partition as `opslake catalog --partitions --json` lists it.
    struct CataloguedPartition: Decodable { var dataset: String; var dt: String; var rows: Int }
    struct Catalogue: Decodable { var partitions: [CataloguedPartition] }

    static let readerNames = ["duckdb", "pandas", "polars", "spark"]

    /// A month of the pet shop at scale 0.2 (about 228,000 rows in 8 datasets, 16 table folders;
    /// behavior_events is most of it), plus a partition without rows as the first dt of
    /// petshop.customer_changes (its NDJSON file decompresses to nothing).
    @Test("Spark, Polars, DuckDB and pandas read each table folder as the catalogue's rows per dt, never _staging/; a stray part file is caught")
    func tableFolders() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        let script = repositoryRoot + "/Tests/Interop/read_table_folders.py"
        func run(_ arguments: String...) throws {
            let r = try opslake(arguments)
            try #require(r.status == 0, "opslake \(arguments.joined(separator: " ")): \(r.stderr)")
        }
        try run("init", "--lake", lake, "--opened", "2025-01-01", "--scale", "0.2", "--seed", "3")
        try run("generate", "--lake", lake, "--from", "2025-01-01", "--to", "2025-01-31", "--jobs", "2")
        try Data().write(to: URL(fileURLWithPath: dir.path + "/empty.ndjson"))
        try run("ingest", "--lake", lake, "petshop.customer_changes", "--date", "2024-12-31", dir.path + "/empty.ndjson")

        let listed = try opslake("catalog", "--lake", lake, "--partitions", "--json")
        let partitions = try JSONDecoder().decode(Catalogue.self, from: Data(listed.stdout.utf8)).partitions
        let total = partitions.reduce(0) { $0 + $1.rows }
        func rows(_ dataset: String, _ dt: String) -> Int { partitions.first { $0.dataset == dataset && $0.dt == dt }?.rows ?? -1 }
        #expect(rows("petshop.customer_changes", "2024-12-31") == 0)
        #expect(Set(partitions.map(\.dataset)).count == 8)

        // A temporary file in _staging/, named as a writer names it, holding a real part:
        // a reader that looked there would count its rows twice.
        let orders = lake + "/petshop/orders"
        try FileManager.default.copyItem(atPath: orders + "/csv/dt=2025-01-10/part-00000.csv.zst",
                                         toPath: lake + "/_staging/petshop.orders.dt=2025-01-10.part-00000.csv.zst.4242-3k9x2.tmp")
        let clean = try runProcess(py, [script, lake, "--readme", repositoryRoot + "/README.md"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        for reader in Self.readerNames {
            let ok = clean.stdout.split(separator: "\n").filter { $0.hasPrefix("ok    \(reader) ") }
            #expect(ok.count == 16, "\(reader) read \(ok.count) of 16 table folders as the catalogue says")
            for format in ["csv", "ndjson"] {
                #expect(clean.stdout.contains("total \(reader) \(format): \(total) rows, catalogue \(total)\n"),
                        "\(reader) \(format): \(clean.stdout)")
            }
        }

        // The check can fail: a stray copy of a part in a dt= folder of each format.
        try FileManager.default.copyItem(atPath: orders + "/csv/dt=2025-01-10/part-00000.csv.zst",
                                         toPath: orders + "/csv/dt=2025-01-10/part-00009.csv.zst")
        try FileManager.default.copyItem(atPath: orders + "/ndjson/dt=2025-01-20/part-00000.ndjson.zst",
                                         toPath: orders + "/ndjson/dt=2025-01-20/part-00009.ndjson.zst")
        let faulty = try runProcess(py, [script, lake, "--datasets", "petshop.orders,petshop.campaigns"])
        #expect(faulty.status == 1, "\(faulty.stdout)\(faulty.stderr)")
        let tenth = rows("petshop.orders", "2025-01-10"), twentieth = rows("petshop.orders", "2025-01-20")
        for reader in Self.readerNames {
            let lines = faulty.stdout.split(separator: "\n").filter { $0.contains(" \(reader) ") }
            #expect(lines.contains { $0.hasPrefix("FAIL") && $0.hasSuffix("petshop/orders/csv: dt=2025-01-10 read \(2 * tenth), catalogue \(tenth)") },
                    "\(reader): \(faulty.stdout)")
            #expect(lines.contains { $0.hasPrefix("FAIL") && $0.hasSuffix("petshop/orders/ndjson: dt=2025-01-20 read \(2 * twentieth), catalogue \(twentieth)") },
                    "\(reader): \(faulty.stdout)")
            #expect(lines.filter { $0.hasPrefix("ok    ") && $0.contains("petshop/campaigns/") }.count == 2, "\(reader): \(faulty.stdout)")
        }
    }

    @Test("frictionless accepts every schema in schemas/")
    func frictionless() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let r = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_schemas.py", schemasDirectory])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
}
