import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TestSupport

/// The built `opslake` binary: exit codes, one-line errors, output.
@Suite struct CLITests {
    @Test func version() throws {
        let r = try opslake("--version")
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test("every command has --help, with examples", arguments: [
        [], ["init"], ["generate"], ["run"], ["config"], ["config", "show"], ["products"], ["products", "import"], ["catalog"],
        ["verify"], ["repair"], ["ingest"], ["schema"], ["schema", "ddl"], ["schema", "list"], ["load"], ["load", "status"],
        ["export"], ["ship"], ["ship", "pack"], ["ship", "unpack"], ["ship", "inspect"], ["bench"], ["bench", "format"],
        ["billiards"], ["billiards", "serve"], ["tasks"], ["status"], ["runs"], ["metrics"],
    ])
    func help(command: [String]) throws {
        let r = try runProcess(opslakeBinary, command + ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE:"))
        #expect(r.stdout.contains("Examples:\n  opslake "), "opslake \(command.joined(separator: " ")) --help has no example")
    }

    @Test("load --help shows the load's own options and examples, and its status subcommand")
    func loadHelp() throws {
        let r = try runProcess(opslakeBinary, ["load", "--help"])
        #expect(r.status == 0)
        for text in ["--dsn <dsn>", "--dsn-file", "--datasets", "--jobs <jobs>", "--dry-run", "--json", "Examples:", "status"] {
            #expect(r.stdout.contains(text), "load --help lacks \(text)")
        }
        let verify = try runProcess(opslakeBinary, ["verify", "--help"])
        #expect(verify.stdout.contains("--quick") && verify.stdout.contains("Examples:"))
    }

    @Test("init twice is harmless; catalog shows the registered datasets, also as JSON")
    func initAndCatalog() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        let first = try opslake("init", "--lake", lake)
        let second = try opslake("init", "--lake", lake)
        #expect(first.status == 0 && second.status == 0)
        // The first init also writes the opening members and the first catalogue; the second only checks.
        #expect(first.stdout.contains("generated 2 partitions") && !second.stdout.contains("generated"))
        #expect(first.stdout.hasPrefix(second.stdout.trimmingCharacters(in: .newlines)))
        let csv = dir.path + "/in.csv"
        try OrderItemsCSV.write(csv, rows: 30)
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", csv).status == 0)
        let table = try opslake("catalog", "--lake", lake)
        let line = table.stdout.split(separator: "\n").first { $0.hasPrefix("petshop.order_items ") }.map { $0.split(separator: " ") }
        #expect(line?[1] == "1" && line?[2] == "30")
        let json = try opslake("catalog", "--lake", lake, "--json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let datasets = object?["datasets"] as? [[String: Any]]
        #expect(datasets?.first { $0["name"] as? String == "petshop.order_items" }?["rows"] as? Int == 30)
        #expect((object?["partitions"] as? [Any])?.count == 3)
        #expect(try opslake("verify", "--lake", lake).status == 0)
    }

    @Test("the DDL command prints PostgreSQL DDL")
    func ddl() throws {
        let r = try opslake("schema", "ddl", "petshop.order_items")
        #expect(r.status == 0)
        #expect(r.stdout.contains("PRIMARY KEY (\"dt\", \"order_id\", \"line_no\")"))
    }

    struct BadInput: Sendable, CustomStringConvertible {
        var name: String
        var setup: @Sendable (String) throws -> [String]
        var status: Int32
        var message: String
        var description: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "no lake", setup: { ["catalog", "--lake", $0 + "/none"] }, status: 66, message: "no lake at"),
        BadInput(name: "bad date", setup: { ["ingest", "--lake", $0 + "/lake", "petshop.order_items", "--date", "2026-02-30", "x.csv"] },
                 status: 64, message: "is not a date"),
        BadInput(name: "unknown dataset", setup: { d in
            try OrderItemsCSV.write(d + "/in.csv", rows: 1)
            return ["ingest", "--lake", d + "/lake", "petshop.nothing", "--date", "2026-11-21", d + "/in.csv"]
        }, status: 64, message: "unknown dataset petshop.nothing; the datasets of petshop are petshop.behavior_events, "),
        BadInput(name: "invalid UTF-8", setup: { d in
            var bytes = [UInt8](OrderItemsCSV.make(rows: 4).utf8)
            let at = bytes.firstIndex(of: UInt8(ascii: "P"))!  // the first product_id
            bytes.insert(0xFF, at: at + 2)
            try Data(bytes).write(to: URL(fileURLWithPath: d + "/in.csv"))
            return ["ingest", "--lake", d + "/lake", "petshop.order_items", "--date", "2026-11-21", d + "/in.csv"]
        }, status: 65, message: "field 3 on line 2 is not valid UTF-8 (byte 3 of the field)"),
        BadInput(name: "duplicate primary key", setup: { d in
            let lines = OrderItemsCSV.make(rows: 3).split(separator: "\n", omittingEmptySubsequences: false)
            try Data((lines.joined(separator: "\n") + lines[1] + "\n").utf8).write(to: URL(fileURLWithPath: d + "/in.csv"))
            return ["ingest", "--lake", d + "/lake", "petshop.order_items", "--date", "2026-11-21", d + "/in.csv"]
        }, status: 65, message: "rows 1 and 4 share the primary key (order_id=O202611210000000, line_no=1)"),
        BadInput(name: "reserved schema", setup: { d in
            try OrderItemsCSV.write(d + "/in.csv", rows: 1)
            return ["ingest", "--lake", d + "/lake", "pg_catalog.pg_class", "--date", "2026-11-21", d + "/in.csv"]
        }, status: 64, message: "pg_catalog is a reserved schema"),
        BadInput(name: "unknown dataset for ddl", setup: { _ in ["schema", "ddl", "petshop.nothing"] },
                 status: 64, message: "unknown dataset petshop.nothing; the datasets of petshop are petshop.behavior_events, "),
        BadInput(name: "missing input", setup: { ["ingest", "--lake", $0 + "/lake", "petshop.order_items", "--date", "2026-11-21", $0 + "/nope.csv"] },
                 status: 66, message: "no such file"),
        BadInput(name: "unterminated quote", setup: { d in
            try Data((OrderItemsCSV.header + "O202611210000001,1,P000001,\"open,飼料,1,1,1,2026-11-21T00:00:00+08:00\n").utf8)
                .write(to: URL(fileURLWithPath: d + "/bad.csv"))
            return ["ingest", "--lake", d + "/lake", "petshop.order_items", "--date", "2026-11-21", d + "/bad.csv"]
        }, status: 65, message: "unterminated quoted field opened on line 2"),
        BadInput(name: "truncated zstd", setup: { d in
            try OrderItemsCSV.write(d + "/in.csv", rows: 5000)
            try runProcess("/usr/bin/env", ["zstd", "-q", "-f", d + "/in.csv", "-o", d + "/in.csv.zst"])
            let data = try Data(contentsOf: URL(fileURLWithPath: d + "/in.csv.zst"))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: d + "/cut.csv.zst"))
            return ["ingest", "--lake", d + "/lake", "petshop.order_items", "--date", "2026-11-21", d + "/cut.csv.zst"]
        }, status: 65, message: "is truncated"),
        BadInput(name: "zstd bomb", setup: { d in
            // 2 GiB of one byte: a single endless CSV field after decompression.
            try runProcess("/bin/sh", ["-c", "head -c 2147483648 /dev/zero | tr '\\0' a | zstd -q -19 -o \(d)/bomb.csv.zst"])
            return ["ingest", "--lake", d + "/lake", "petshop.order_items", "--date", "2026-11-21", d + "/bomb.csv.zst"]
        }, status: 65, message: "a field longer than 16 MiB"),
        BadInput(name: "invalid record", setup: { d in
            try Data((OrderItemsCSV.header + "O202611210000001,1,P000001,x,飼料,0,1,1,2026-11-21T00:00:00+08:00\n").utf8)
                .write(to: URL(fileURLWithPath: d + "/bad.csv"))
            return ["ingest", "--lake", d + "/lake", "petshop.order_items", "--date", "2026-11-21", d + "/bad.csv"]
        }, status: 65, message: "petshop.order_items dt=2026-11-21 row 1: field quantity: 0 is below minimum 1; nothing was written"),
        BadInput(name: "schema with an unknown type", setup: { d in
            try FileManager.default.createDirectory(atPath: d + "/schemas/x", withIntermediateDirectories: true)
            try Data("{\"fields\": [{\"name\": \"a\", \"type\": \"money\"}]}".utf8).write(to: URL(fileURLWithPath: d + "/schemas/x/t.json"))
            return ["schema", "list", "--schemas", d + "/schemas"]
        }, status: 65, message: "field a: unknown type \"money\""),
        BadInput(name: "bad dataset name", setup: { _ in ["schema", "ddl", "Petshop"] }, status: 64, message: "is not a dataset name"),
    ]

    @Test("bad input: one line on stderr, a sysexits code, nothing written", arguments: badInputs)
    func badInput(_ bad: BadInput) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        _ = try TestLake(dir.path + "/lake")
        let before = try opslake("catalog", "--lake", dir.path + "/lake", "--json").stdout
        let r = try runProcess(opslakeBinary, try bad.setup(dir.path))
        #expect(r.status == bad.status, "\(r.stderr)")
        #expect(r.stderr.contains(bad.message), "\(r.stderr)")
        #expect(r.stderr.filter { $0 == "\n" }.count == 1, "one line: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack"))
        let after = try opslake("catalog", "--lake", dir.path + "/lake", "--json").stdout
        #expect(before == after)
        #expect(try opslake("verify", "--lake", dir.path + "/lake").status == 0)
    }

    @Test("ingest accepts the byte-order mark Excel writes before the header, and keeps it out of the data")
    func byteOrderMark() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake").path
        try Data([0xEF, 0xBB, 0xBF] + Array(OrderItemsCSV.make(rows: 5).utf8)).write(to: URL(fileURLWithPath: dir.path + "/bom.csv"))
        let r = try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/bom.csv")
        #expect(r.status == 0 && r.stdout.contains("5 rows"), "\(r.stderr)")
        let export = try opslake("export", "--lake", lake, "--datasets", "petshop.order_items", "--out", dir.path + "/out")
        #expect(export.status == 0)
        let text = try String(contentsOfFile: dir.path + "/out/petshop.order_items.csv", encoding: .utf8)
        #expect(text.hasPrefix("dt,order_id,"))
    }

    @Test("a second writer gets a clear message and exit 75 while the first holds the lock; a holder killed with it leaves none behind")
    func busy() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake").path
        try OrderItemsCSV.write(dir.path + "/first.csv", rows: 10)
        try OrderItemsCSV.write(dir.path + "/second.csv", rows: 10, variant: 1)
        // The first writer stops right after taking the lock, until it is told to go on.
        let first = try RunningOpslake(["ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/first.csv"],
                                       environment: ["OPSLAKE_FAULT": "after-lock:1:pause"])
        defer { first.kill() }
        #expect(try first.waitForPause().contains("fault point after-lock:1 reached"))
        let r = try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-22", dir.path + "/second.csv")
        #expect(r.status == 75)
        #expect(r.stderr.contains("is in use by another opslake (pid \(first.pid): ingest petshop.order_items 2026-11-21)"), "\(r.stderr)")
        first.resume()
        let done = first.finish()
        #expect(done.status == 0 && !done.signaled, "\(done.stderr)")
        // Killed while it holds the lock: the kernel drops the lock with the process.
        let killed = try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-22", dir.path + "/second.csv",
                                 environment: ["OPSLAKE_FAULT": "after-lock"])
        #expect(killed.signaled && killed.status == SIGKILL && killed.stderr.contains("fault point after-lock:1 reached"), "\(killed.stderr)")
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-22", dir.path + "/second.csv").status == 0)
        #expect(try opslake("verify", "--lake", lake).status == 0)
        #expect(try Lake(root: lake).catalog.partitions(of: DatasetName("petshop.order_items")!).map(\.rows) == [10, 10])
    }
}

@Suite("documentation against the binary")
struct DocumentationTests {
    @Test("the README's exit-code table lists exactly the codes and meanings the binary's help gives")
    func exitCodeTable() throws {
        let help = try opslake("--help").stdout.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
        let listed = try #require(help.range(of: #"Exit codes: [^.]*\."#, options: .regularExpression).map { String(help[$0]) })
        let fromHelp = listed.dropFirst("Exit codes: ".count).dropLast().split(separator: ", ").map { entry in
            let parts = entry.split(separator: " ", maxSplits: 1)
            return "\(parts[0]) \(parts[1])"
        }
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.range(of: "## Exit codes").map { readme[$0.upperBound...] })
        let rows = section.split(separator: "\n").prefix { !$0.hasPrefix("## ") }
            .filter { $0.range(of: #"^\| [0-9]+ \|"#, options: .regularExpression) != nil }
            .map { row in
                let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                return "\(cells[0]) \(cells[1])"
            }
        #expect(fromHelp.count >= 10)
        #expect(rows == fromHelp)
    }
}

@Suite("logs")
struct LogTests {
    @Test("at info every line is one JSON object or logfmt line, one per committed partition; at the default level stderr stays empty")
    func structuredLines() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        #expect(try opslake("init", "--lake", lake, "--opened", "2025-01-01", "--scale", "0.1").stderr.isEmpty)
        let r = try opslake("generate", "--lake", lake, "--date", "2025-01-02", "--log-level", "info", "--log-format", "json")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        var committed = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
            #expect(Set(["time", "level", "label", "msg"]).isSubset(of: object.keys))
            if object["msg"] == "partition committed" { committed += 1 }
        }
        #expect(committed > 0 && r.stdout.contains("generated \(committed) partitions"))
        let logfmt = try opslake("generate", "--lake", lake, "--date", "2025-01-02", environment: ["OPSLAKE_LOG_LEVEL": "info"])
        #expect(logfmt.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("time=") && $0.contains(" level=info ") })
        #expect(try opslake("generate", "--lake", lake, "--date", "2025-01-02").stderr.isEmpty)
        let bad = try opslake("generate", "--lake", lake, "--date", "2025-01-02", "--log-level", "loud")
        #expect(bad.status == 64 && bad.stderr.split(separator: "\n").count == 1)
    }
}

@Suite("a lake that is not there")
struct MissingLakeTests {
    @Test("commands that change a lake say there is none (66) and create nothing")
    func missingLake() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/nowhere"
        try Data("order_id\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/x.csv"))
        for arguments in [["repair", "--lake", lake], ["run", "--lake", lake],
                          ["ingest", "--lake", lake, "petshop.orders", "--date", "2025-01-01", dir.path + "/x.csv"]] {
            let r = try opslake(arguments)
            #expect(r.status == 66, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains("no lake at"), "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: lake), "\(arguments) created \(lake)")
        }
    }
}

@Suite("connection strings")
struct ConnectionStringTests {
    @Test("a malformed connection string is a configuration error whose message never quotes the password")
    func malformedWithPassword() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2025-01-01", scale: "0.05").path
        for dsn in ["postgresql://u:s3cret-pw@[::1", "host=a password=s3cret-pw port"] {
            let r = try opslake("load", "--lake", lake, "--dsn", dsn, "--log-level", "trace")
            #expect(r.status == 78, "\(dsn): \(r.stderr)")
            #expect(r.stderr.contains("malformed"), "\(dsn): \(r.stderr)")
            #expect(!(r.stdout + r.stderr).contains("s3cret"), "\(dsn): \(r.stderr)")
        }
    }
}
