import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TableSchema
import TestSupport

/// `opslake export`: plain files that pandas, DuckDB, frictionless and spreadsheets read.
@Suite(.enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with duckdb, pandas and frictionless (make test sets it)"))
struct ExportTests {
    /// Five days at a third of the default volume.
    static func lake(_ dir: TemporaryDirectory) throws -> String {
        try TestLake(dir.path + "/lake", opened: "2025-03-01", seed: "4", scale: "0.3").generate(from: "2025-03-01", to: "2025-03-05", jobs: 2).path
    }

    /// Runs check_export.py on a folder with the export's own list of files.
    static func check(_ folder: String, _ listing: String) throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let expected = folder + "/../expected.json"
        try listing.write(toFile: expected, atomically: true, encoding: .utf8)
        let r = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_export.py", folder, expected], environment: ["EXPECT_CJK": "1"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    @Test("one CSV per dataset for Excel: BOM, the catalogue's rows, read right by pandas and DuckDB, valid for frictionless")
    func excel() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try Self.lake(dir)
        let out = dir.path + "/out"
        let r = try opslake("export", "--lake", lake, "--from", "2025-03-02", "--to", "2025-03-04", "--out", out, "--excel", "--safe-formulas", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        try Self.check(out, r.stdout)
        let files = try JSONDecoder().decode([Listed].self, from: Data(r.stdout.utf8))
        let catalog = try Lake(root: lake).catalog
        for f in files {
            let name = DatasetName(f.dataset)!
            let want = try catalog.partitions(of: name).filter { ("2025-03-02"..."2025-03-04").contains($0.dt) }.reduce(0) { $0 + $1.rows }
            #expect(f.rows == want, "\(f.path)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/" + f.path))
            #expect(bytes.prefix(3) == Data([0xEF, 0xBB, 0xBF]), "\(f.path) starts with the UTF-8 BOM")
            #expect(bytes.dropFirst(3).starts(with: Data("dt,".utf8)))
        }
        #expect(files.count == 7, "every dataset but the campaigns, whose monthly partition is dated the 1st")
    }

    @Test("relationships: a whole export declares the schemas' foreign keys and frictionless checks them; an orphan makes it invalid; a window that starts after a dataset's first day declares no key to it")
    func foreignKeys() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try Self.lake(dir)
        let out = dir.path + "/out"
        let r = try opslake("export", "--lake", lake, "--out", out, "--json")
        #expect(r.status == 0, "\(r.stderr)")
        try Self.check(out, r.stdout)
        func declared(_ folder: String) throws -> Set<String> {
            let package = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/datapackage.json"))) as! [String: Any]
            var out = Set<String>()
            for resource in package["resources"] as! [[String: Any]] {
                let schema = resource["schema"] as! [String: Any]
                for fk in schema["foreignKeys"] as? [[String: Any]] ?? [] {
                    let reference = fk["reference"] as! [String: Any]
                    out.insert("\(resource["name"]!).\((fk["fields"] as! [String])[0]) -> \(reference["resource"]!)")
                }
            }
            return out
        }
        #expect(try declared(out) == [
            "petshop.behavior_events.csv.customer_id -> petshop.customers.csv", "petshop.behavior_events.csv.product_id -> petshop.products.csv",
            "petshop.behavior_events.csv.order_id -> petshop.orders.csv", "petshop.customer_changes.csv.customer_id -> petshop.customers.csv",
            "petshop.order_items.csv.order_id -> petshop.orders.csv", "petshop.order_items.csv.product_id -> petshop.products.csv",
            "petshop.orders.csv.customer_id -> petshop.customers.csv", "petshop.orders.csv.campaign_id -> petshop.campaigns.csv",
        ])
        // An order naming a customer who does not exist: frictionless finds it through the declared key.
        let folder = lake + "/petshop/orders/csv/dt=2025-03-03"
        let part = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first)
        var lines = try runProcess("/usr/bin/env", ["zstd", "-dcq", folder + "/" + part]).stdout.split(separator: "\n").map(String.init)
        var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[1] = "C99999999"
        lines[1] = cells.joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path + "/orders.csv", atomically: true, encoding: .utf8)
        #expect(try opslake("ingest", "--lake", lake, "petshop.orders", "--date", "2025-03-03", dir.path + "/orders.csv").status == 0)
        #expect(try opslake("export", "--lake", lake, "--out", out, "--replace").status == 0)
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let v = try runProcess(py, ["-c", """
            import sys
            from frictionless import validate
            report = validate(sys.argv[1])
            print(sorted({e.type for task in report.tasks for e in task.errors}))
            print(any("C99999999" in str(e.cells) for task in report.tasks for e in task.errors))
            """, out + "/datapackage.json"])
        #expect(v.stdout == "['foreign-key']\nTrue\n", "\(v.stdout)\(v.stderr)")
        // A window that only ends early declares them all. From the shop's first day on, the
        // opening members (dated the day before) and the catalogue (dated its Monday) are
        // left out, so no key to customers or products is declared, nor from the second day
        // on to orders and campaigns.
        let early = dir.path + "/early", late = dir.path + "/late"
        #expect(try opslake("export", "--lake", lake, "--to", "2025-03-02", "--out", early).status == 0)
        #expect(try declared(early).count == 8)
        #expect(try opslake("export", "--lake", lake, "--from", "2025-03-02", "--out", late).status == 0)
        #expect(try declared(late).isEmpty)
        let opening = dir.path + "/opening"
        #expect(try opslake("export", "--lake", lake, "--from", "2025-03-01", "--out", opening).status == 0)
        #expect(try declared(opening) == ["petshop.behavior_events.csv.order_id -> petshop.orders.csv",
                                          "petshop.order_items.csv.order_id -> petshop.orders.csv",
                                          "petshop.orders.csv.campaign_id -> petshop.campaigns.csv"])
    }

    @Test("per partition, NDJSON, split at a row limit: every file within it, all rows there once")
    func perPartitionSplit() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try Self.lake(dir)
        let out = dir.path + "/out"
        let r = try opslake("export", "--lake", lake, "--datasets", "petshop.orders,petshop.order_items", "--out", out,
                            "--per-partition", "--format", "ndjson", "--rows-per-file", "100", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        try Self.check(out, r.stdout)
        let files = try JSONDecoder().decode([Listed].self, from: Data(r.stdout.utf8))
        #expect(files.allSatisfy { $0.rows <= 100 })
        #expect(files.contains { $0.path.hasSuffix("-002.ndjson") }, "a partition over 100 rows is split")
        let catalog = try Lake(root: lake).catalog
        for name in ["petshop.orders", "petshop.order_items"] {
            let want = try catalog.partitions(of: DatasetName(name)!).reduce(0) { $0 + $1.rows }
            #expect(files.filter { $0.dataset == name }.reduce(0) { $0 + $1.rows } == want)
        }
    }

    @Test("--safe-formulas: text that a spreadsheet would evaluate gets a leading quote, a refund of -120 stays a number")
    func safeFormulas() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let schema = try TableSchema(dataset: DatasetName("shop.refunds")!, json: Data("""
            {"fields": [{"name": "id", "type": "integer"}, {"name": "refund", "type": "integer"}, {"name": "note", "type": "string"}]}
            """.utf8), file: "refunds.json")
        let lake = try WritableLake(root: dir.path + "/lake", create: true)
        try lake.register(schema)
        let notes = ["=SUM(A1:A9)", "+886 2 1234", "-refund", "@cmd", "\tx", "\rx", "退款 ok", "a=b", ""]
        try lake.writePartition(schema: schema, dt: LakeDate(year: 2026, month: 11, day: 21)) { sink in
            for (i, n) in notes.enumerated() { try sink.append([.int(Int64(i)), .int(-120), .string(n)]) }
        }
        let safe = dir.path + "/safe", plain = dir.path + "/plain"
        #expect(try opslake("export", "--lake", lake.root, "--out", safe, "--safe-formulas").status == 0)
        #expect(try opslake("export", "--lake", lake.root, "--out", plain).status == 0)
        let safeText = try String(contentsOfFile: safe + "/shop.refunds.csv", encoding: .utf8)
        let plainText = try String(contentsOfFile: plain + "/shop.refunds.csv", encoding: .utf8)
        #expect(safeText.contains("2026-11-21,0,-120,'=SUM(A1:A9)\n"))
        #expect(safeText.contains(",'+886 2 1234\n") && safeText.contains(",'-refund\n") && safeText.contains(",'@cmd\n"))
        #expect(safeText.contains(",'\tx\n") && safeText.contains(",\"'\rx\"\n"))
        #expect(safeText.contains(",-120,退款 ok\n") && safeText.contains(",-120,a=b\n") && safeText.contains(",-120,\"\"\n"))
        #expect(!safeText.contains("'-120"))
        #expect(plainText.contains("2026-11-21,0,-120,=SUM(A1:A9)\n"))
    }

    @Test("an export owns its folder: a second export into it is refused, --replace replaces it whole, other folders are never emptied")
    func ownsItsFolder() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try Self.lake(dir)
        let out = dir.path + "/out"
        #expect(try opslake("export", "--lake", lake, "--out", out, "--datasets", "petshop.orders", "--rows-per-file", "50").status == 0)
        let split = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".csv") }
        #expect(split.count > 1, "\(split)")
        let again = try opslake("export", "--lake", lake, "--out", out, "--datasets", "petshop.orders")
        #expect(again.status == 64 && again.stderr.contains("is not empty; pass --replace"), "\(again.stderr)")
        let replaced = try opslake("export", "--lake", lake, "--out", out, "--datasets", "petshop.orders", "--replace")
        #expect(replaced.status == 0, "\(replaced.stderr)")
        // Only the new export is left: a *.csv glob reads every row once.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["datapackage.json", "petshop.orders.csv"])
        // A folder that is not an export is not emptied, even with --replace.
        let other = dir.path + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: other + "/notes.txt"))
        let refused = try opslake("export", "--lake", lake, "--out", other, "--replace")
        #expect(refused.status == 64 && refused.stderr.contains("no datapackage.json"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["notes.txt"])
        // Nor is the lake, or a folder around it, even one that holds an export's datapackage.json.
        try FileManager.default.copyItem(atPath: out + "/datapackage.json", toPath: dir.path + "/datapackage.json")
        for target in [dir.path, lake, lake + "/sub"] {
            let r = try opslake("export", "--lake", lake, "--out", target, "--replace")
            #expect(r.status == 64 && r.stderr.contains("outside the lake"), "\(target): \(r.stderr)")
        }
        #expect(try opslake("verify", "--lake", lake).status == 0)
    }

    @Test("bad input is one line with a sysexits code, and a failed export leaves no file behind")
    func errors() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try Self.lake(dir)
        let out = dir.path + "/out"
        let ndjsonExcel = try opslake("export", "--lake", lake, "--out", out, "--excel", "--format", "ndjson")
        #expect(ndjsonExcel.status == 64 && ndjsonExcel.stderr.contains("--excel applies to CSV only"))
        let unknown = try opslake("export", "--lake", lake, "--out", out, "--datasets", "petshop.nope")
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown dataset petshop.nope"))
        let noLake = try opslake("export", "--lake", dir.path + "/none", "--out", out)
        #expect(noLake.status == 66)
        // One rule for a selection that matches nothing, in export, ship pack and load: exit 66
        // naming what the lake holds, unless --allow-empty (export, load).
        for command in [["export", "--out", out], ["ship", "pack", "-o", dir.path + "/e.tar"], ["load", "--dsn", "dbname=unused"]] {
            let empty = try opslake(command + ["--lake", lake, "--datasets", "petshop.orders", "--date", "2024-01-01"])
            #expect(empty.status == 66, "\(command[0]): \(empty.stderr)")
            #expect(empty.stderr.contains("no partitions of petshop.orders dated 2024-01-01; the lake holds petshop.orders 2025-03-01...")
                    && empty.stderr.split(separator: "\n").count == 1, "\(command[0]): \(empty.stderr)")
        }
        let allowed = try opslake("export", "--lake", lake, "--out", out, "--date", "2024-01-01", "--allow-empty")
        #expect(allowed.status == 0 && allowed.stdout.contains("exported 0 files"), "\(allowed.stderr)")
        try FileManager.default.removeItem(atPath: out)
        // A damaged file half-way through: the export fails and writes nothing.
        let catalog = try Lake(root: lake).catalog
        let victim = try #require(try catalog.partitions(of: DatasetName("petshop.orders")!).first { $0.dt == "2025-03-04" })
        let path = lake + "/" + victim.files.first { $0.format == .csv }!.path
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let broken = try opslake("export", "--lake", lake, "--out", out)
        #expect(broken.status == 65, "\(broken.stderr)")
        #expect(broken.stderr.split(separator: "\n").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty, "nothing of a failed export is left")
    }

    struct Listed: Decodable {
        var path: String
        var dataset: String
        var rows: Int
    }
}
