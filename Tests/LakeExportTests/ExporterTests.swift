import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TableSchema
@testable import LakeExport
import TestSupport

/// A small lake: `shop.rows` (every column type, awkward text) on three days, one of them
/// empty, and `petshop.order_items` (the shipped schema) on two.
struct SmallLake {
    static let rowsSchema = try! AllTypesTable.schema(DatasetName("shop.rows")!)
    static let itemsSchema = try! SchemaRegistry(directory: schemasDirectory).schema(for: DatasetName("petshop.order_items")!)
    static let rows = DatasetName("shop.rows")!, items = DatasetName("petshop.order_items")!
    static let days = [20, 21, 22].map { LakeDate(year: 2026, month: 11, day: $0) }
    /// Rows of `shop.rows` per day: 20th, 21st (empty), 22nd.
    static let rowCounts = [6, 0, 9]

    let dir = TemporaryDirectory("opslake-export-test")
    var root: String { dir.path + "/lake" }

    /// `petshop.order_items` product names: CSV's awkward characters and text a spreadsheet would evaluate.
    static let names = ["皇家 貓飼料, 2kg", "\"汪喵\" 凍乾\n大包", "=SUM(A1:A9)", "+886 2 1234", "-refund", "@cmd", "\tx", "\rx", "a=b"]

    init() throws {
        let lake = try WritableLake(root: dir.path + "/lake", create: true)
        try lake.register(Self.rowsSchema)
        try lake.register(Self.itemsSchema)
        var g = SplitMix64(seed: 7)
        var id: Int64 = 0
        for (day, count) in zip(Self.days, Self.rowCounts) {
            try lake.writePartition(schema: Self.rowsSchema, dt: day) { sink in
                for _ in 0..<count {
                    id += 1
                    try sink.append(AllTypesTable.row(id: id, using: &g))
                }
            }
        }
        for day in Self.days.prefix(2) {
            try lake.writePartition(schema: Self.itemsSchema, dt: day) { sink in
                for (i, name) in Self.names.enumerated() {
                    try sink.append([.string("O\(day.description.replacingOccurrences(of: "-", with: ""))" + String(format: "%07d", i)), .int(1),
                                     .string("P000001"), .string(name), .string("飼料"), .int(2), .int(300), .int(600),
                                     .timestamp(Timestamp(date: day, secondOfDay: 3600 + i, offsetMinutes: 480))])
                }
            }
        }
    }

    func open() throws -> Lake { try Lake(root: root) }

    func export(_ datasets: Set<DatasetName>, window: ClosedRange<LakeDate>? = nil, to out: String,
                _ configure: (inout ExportOptions) -> Void = { _ in }) throws -> [ExportedFile] {
        var options = ExportOptions()
        configure(&options)
        return try Exporter(lake: try open()).export(datasets: datasets, window: window, to: out, options: options)
    }

    func schema(_ dataset: DatasetName) -> TableSchema { dataset == Self.rows ? Self.rowsSchema : Self.itemsSchema }

    /// The lake's own rows of `dataset` in `window`, decoded from its CSV files, in date
    /// order, each with its `dt` first: what an export must hold.
    func lakeRows(_ dataset: DatasetName, window: ClosedRange<LakeDate>? = nil) throws -> [[Value]] {
        let decoder = RowDecoder(columns: schema(dataset).columns)
        var out: [[Value]] = []
        for p in try open().catalog.partitions(of: dataset).sorted(by: { $0.dt < $1.dt }) where window?.contains(p.key.dt) ?? true {
            for f in p.files.filter({ $0.format == .csv }).sorted(by: { $0.part < $1.part }) {
                let reader = CSVReader(source: try ZstdReader(source: FileSource(path: root + "/" + f.path), name: f.path))
                try decoder.checkHeader(try #require(try reader.next()))
                while let fields = try reader.next() { out.append([.date(p.key.dt)] + (try decoder.decode(csv: fields))) }
            }
        }
        return out
    }

    /// An exported file's rows, decoded as a reader would (a CSV's byte-order mark removed).
    func exportedRows(_ path: String, dataset: DatasetName) throws -> [[Value]] {
        let decoder = RowDecoder(columns: [Column("dt", .date)] + schema(dataset).columns)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var out: [[Value]] = []
        if path.hasSuffix(".ndjson") {
            let reader = NDJSONReader(source: MemorySource(bytes))
            while let members = try reader.next() { out.append(try decoder.decode(json: members)) }
        } else {
            let reader = CSVReader(source: MemorySource(bytes))
            try decoder.checkHeader(try #require(try reader.next()))
            while let fields = try reader.next() { out.append(try decoder.decode(csv: fields)) }
        }
        return out
    }
}

/// Every file under `folder` (relative path → SHA-256).
func snapshot(_ folder: String) throws -> [String: String] {
    var out: [String: String] = [:]
    guard let e = FileManager.default.enumerator(atPath: folder) else { return out }
    while let path = e.nextObject() as? String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDir), !isDir.boolValue else { continue }
        out[path] = try SHA256.hash( [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))))
    }
    return out
}

/// `datapackage.json` of an export folder, parsed.
func dataPackage(_ folder: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/datapackage.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func resources(_ folder: String) throws -> [[String: Any]] {
    try #require(try dataPackage(folder)["resources"] as? [[String: Any]])
}

@Suite struct ExporterTests {
    @Test("one CSV per dataset: a dt column first, then the chosen partitions' rows in date order, equal to the lake's rows")
    func csvPerDataset() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let out = lake.dir.path + "/out"
        let window = SmallLake.days[0]...SmallLake.days[1]
        let files = try lake.export([SmallLake.rows, SmallLake.items], window: window, to: out)
        #expect(files.map(\.path) == ["petshop.order_items.csv", "shop.rows.csv"])
        #expect(files.map(\.dataset) == ["petshop.order_items", "shop.rows"])
        for f in files {
            let dataset = DatasetName(f.dataset)!
            let want = try lake.lakeRows(dataset, window: window)
            #expect(!want.isEmpty)
            #expect(try lake.exportedRows(out + "/" + f.path, dataset: dataset) == want, "\(f.path)")
            #expect(f.rows == want.count)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/" + f.path)))
            #expect(try f.bytes == Int64(bytes.count) && f.sha256 == SHA256.hash(bytes), "\(f.path)")
            let header = "dt," + lake.schema(dataset).columns.map(\.name).joined(separator: ",") + "\n"
            #expect(bytes.starts(with: Array(header.utf8)), "\(f.path) begins with its header, no byte-order mark")
        }
        // The 22nd is outside the window.
        #expect(files.first { $0.dataset == "shop.rows" }?.rows == SmallLake.rowCounts[0] + SmallLake.rowCounts[1])
        #expect(try snapshot(out).keys.sorted() == ["datapackage.json", "petshop.order_items.csv", "shop.rows.csv"])
    }

    @Test("per partition as NDJSON: one file per partition at dataset/dt=DATE.ndjson, each with that partition's rows")
    func ndjsonPerPartition() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let out = lake.dir.path + "/out"
        let files = try lake.export([SmallLake.rows], to: out) { $0.perPartition = true; $0.format = .ndjson }
        #expect(files.map(\.path) == SmallLake.days.map { "shop.rows/dt=\($0).ndjson" })
        #expect(files.map(\.rows) == SmallLake.rowCounts)
        for (f, day) in zip(files, SmallLake.days) {
            let rows = try lake.exportedRows(out + "/" + f.path, dataset: SmallLake.rows)
            #expect(rows == (try lake.lakeRows(SmallLake.rows, window: day...day)), "\(f.path)")
        }
    }

    @Test("datapackage.json describes exactly the files written: paths, bytes, format, encoding, the dt column and the schema's fields")
    func dataPackageListsTheFiles() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        for (format, excel) in [(ExportOptions.Format.csv, false), (.csv, true), (.ndjson, false)] {
            let out = lake.dir.path + "/out-\(format)-\(excel)"
            let files = try lake.export([SmallLake.rows, SmallLake.items], to: out) {
                $0.format = format; $0.excel = excel; $0.rowsPerFile = 4; $0.perPartition = true
            }
            let package = try dataPackage(out)
            #expect(package["name"] as? String == "opslake-export" && package["profile"] as? String == "tabular-data-package")
            let listed = try resources(out)
            #expect(listed.map { $0["path"] as? String } == files.map(\.path))
            #expect(Set(try snapshot(out).keys) == Set(files.map(\.path) + ["datapackage.json"]), "nothing else is in the folder")
            for (r, f) in zip(listed, files) {
                #expect((r["bytes"] as? Int).map(Int64.init) == f.bytes && FileIO.size(out + "/" + f.path) == f.bytes, "\(f.path)")
                #expect(r["format"] as? String == format.rawValue)
                #expect(r["encoding"] as? String == (excel ? "utf-8-sig" : "utf-8"))
                let schema = try #require(r["schema"] as? [String: Any])
                let fields = (schema["fields"] as? [[String: Any]])?.map { $0["name"] as? String } ?? []
                #expect(fields == ["dt"] + lake.schema(DatasetName(f.dataset)!).columns.map(\.name))
                #expect(schema["primaryKey"] as? [String] == ["dt"] + lake.schema(DatasetName(f.dataset)!).primaryKey)
            }
        }
    }

    @Test("a row limit splits a file into numbered files of at most that many rows, each with its header, all rows in order",
          arguments: [1, 4, 14, 15, 100])
    func rowLimit(limit: Int) throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let out = lake.dir.path + "/out"
        let files = try lake.export([SmallLake.rows], to: out) { $0.rowsPerFile = limit }
        let total = SmallLake.rowCounts.reduce(0, +)  // 15
        if total > limit {
            let count = (total + limit - 1) / limit
            #expect(files.map(\.path) == (1...count).map { "shop.rows-" + String(format: "%03d", $0) + ".csv" })
            #expect(files.map(\.rows) == (1...count).map { min(limit, total - ($0 - 1) * limit) })
        } else {
            #expect(files.map(\.path) == ["shop.rows.csv"] && files.first?.rows == total, "at or under the limit: one file, no number")
        }
        let rows = try files.flatMap { try lake.exportedRows(out + "/" + $0.path, dataset: SmallLake.rows) }
        #expect(rows == (try lake.lakeRows(SmallLake.rows)))
    }

    @Test("Excel: files split at 1,048,575 data rows (with the header, Excel's 1,048,576-row sheet) or a smaller limit, each with a UTF-8 byte-order mark")
    func excel() throws {
        var options = ExportOptions()
        #expect(options.effectiveRowsPerFile == nil)
        options.excel = true
        #expect(options.effectiveRowsPerFile == 1_048_575 && ExportOptions.excelDataRows + 1 == 1_048_576)
        options.rowsPerFile = 6
        #expect(options.effectiveRowsPerFile == 6)

        let lake = try SmallLake()
        defer { lake.dir.remove() }
        for limit in [nil, 6] as [Int?] {
            let out = lake.dir.path + "/out-\(limit ?? 0)"
            let files = try lake.export([SmallLake.rows], to: out) { $0.excel = true; $0.rowsPerFile = limit }
            #expect(files.map(\.rows) == (limit == nil ? [15] : [6, 6, 3]))
            for f in files {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/" + f.path)))
                #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF] + Array("dt,id,".utf8)), "\(f.path)")
            }
            let rows = try files.flatMap { try lake.exportedRows(out + "/" + $0.path, dataset: SmallLake.rows) }
            #expect(rows == (try lake.lakeRows(SmallLake.rows)))
        }
    }

    @Test("safe formulas: text cells a spreadsheet would evaluate gain a leading quote, numbers and other text do not, and datapackage.json drops the text constraints they no longer meet")
    func safeFormulas() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let day = SmallLake.days[0]
        let safe = try lake.export([SmallLake.items], window: day...day, to: lake.dir.path + "/safe") { $0.safeFormulas = true }
        let plain = try lake.export([SmallLake.items], window: day...day, to: lake.dir.path + "/plain")
        let safeRows = try lake.exportedRows(lake.dir.path + "/safe/" + safe[0].path, dataset: SmallLake.items)
        let plainRows = try lake.exportedRows(lake.dir.path + "/plain/" + plain[0].path, dataset: SmallLake.items)
        #expect(plainRows == (try lake.lakeRows(SmallLake.items, window: day...day)))
        #expect(safeRows.count == plainRows.count)
        for (s, p) in zip(safeRows, plainRows) {
            guard case .string(let name) = p[4] else { Issue.record("product_name is \(p[4])"); continue }
            let quoted = ["=", "+", "-", "@", "\t", "\r"].contains { name.hasPrefix($0) }
            #expect(s[4] == .string(quoted ? "'" + name : name), "\(name.debugDescription)")
            #expect(Array(s[0..<4]) == Array(p[0..<4]) && Array(s[5...]) == Array(p[5...]))
        }
        func constraints(_ folder: String, _ field: String) throws -> [String: Any] {
            let fields = try #require((try resources(folder)[0]["schema"] as? [String: Any])?["fields"] as? [[String: Any]])
            return fields.first { $0["name"] as? String == field }?["constraints"] as? [String: Any] ?? [:]
        }
        #expect(try constraints(lake.dir.path + "/plain", "order_id")["pattern"] as? String == "O[0-9]{15}")
        #expect(try constraints(lake.dir.path + "/plain", "product_name")["maxLength"] as? Int == 200)
        #expect(try constraints(lake.dir.path + "/safe", "order_id")["pattern"] == nil)
        #expect(try constraints(lake.dir.path + "/safe", "product_name")["maxLength"] == nil)
        #expect(try constraints(lake.dir.path + "/safe", "product_name")["required"] as? Bool == true)
    }

    @Test("a folder that holds anything is refused without replace, and a folder without an OpsLake export's datapackage.json even with it; nothing is touched",
          arguments: [false, true])
    func refusesOccupiedFolders(replace: Bool) throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let cases: [(String, [String: String])] = [
            ("notes", ["notes.txt": "keep"]),
            ("foreign", ["datapackage.json": #"{"name": "someone-else", "resources": [{"path": "data.csv"}]}"#, "data.csv": "a\n1\n"]),
            ("broken", ["datapackage.json": "{not json", "data.csv": "a\n1\n"]),
        ]
        for (name, files) in cases {
            let out = lake.dir.path + "/" + name
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (file, text) in files { try text.write(toFile: out + "/" + file, atomically: false, encoding: .utf8) }
            let before = try snapshot(out)
            let error = #expect(throws: ExportError.self) { try lake.export([SmallLake.rows], to: out) { $0.replace = replace } }
            let message = error?.description ?? ""
            #expect(message.contains(replace ? "holds no datapackage.json written by an OpsLake export" : "is not empty; pass --replace"),
                    "\(name): \(message)")
            #expect(try snapshot(out) == before, "\(name)")
        }
    }

    @Test("replace removes exactly the files the earlier export's datapackage.json lists (and folders it emptied), nothing else")
    func replaceRemovesOnlyWhatWasListed() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let out = lake.dir.path + "/out"
        let first = try lake.export([SmallLake.rows, SmallLake.items], to: out) { $0.perPartition = true; $0.rowsPerFile = 4 }
        #expect(first.count == 12 && first.contains { $0.path == "shop.rows/dt=2026-11-22-003.csv" }, "\(first.map(\.path))")
        // Files of someone else's beside the export, one of them in a dataset's folder.
        for extra in ["notes.txt", "extra.csv", "shop.rows/mine.csv"] { try "keep\n".write(toFile: out + "/" + extra, atomically: false, encoding: .utf8) }

        let second = try lake.export([SmallLake.items], to: out) { $0.replace = true }
        #expect(second.map(\.path) == ["petshop.order_items.csv"])
        #expect(try snapshot(out).keys.sorted() == ["datapackage.json", "extra.csv", "notes.txt", "petshop.order_items.csv", "shop.rows/mine.csv"])
        #expect(!FileIO.exists(out + "/petshop.order_items"), "a dataset folder the earlier export emptied goes")
        #expect(try resources(out).map { $0["path"] as? String } == ["petshop.order_items.csv"])
        #expect(try lake.exportedRows(out + "/petshop.order_items.csv", dataset: SmallLake.items) == (try lake.lakeRows(SmallLake.items)))

        // A hand-edited list cannot reach outside the folder, nor files that are not CSV or NDJSON.
        let outside = lake.dir.path + "/outside.csv"
        try "keep\n".write(toFile: outside, atomically: false, encoding: .utf8)
        let package: [String: Any] = ["name": "opslake-export", "resources": [
            "../outside.csv", outside, "sub/../../outside.csv", "notes.txt", "extra.csv", "petshop.order_items.csv",
        ].map { ["path": $0] }]
        try JSONSerialization.data(withJSONObject: package).write(to: URL(fileURLWithPath: out + "/datapackage.json"))
        let third = try lake.export([SmallLake.rows], to: out) { $0.replace = true }
        #expect(third.map(\.path) == ["shop.rows.csv"])
        #expect(try snapshot(out).keys.sorted() == ["datapackage.json", "notes.txt", "shop.rows.csv", "shop.rows/mine.csv"])
        #expect(FileIO.exists(outside))
    }

    @Test("a failed export leaves no file behind, and a failed replace leaves the earlier export as it was")
    func failureLeavesNothing() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let out = lake.dir.path + "/out"
        _ = try lake.export([SmallLake.rows, SmallLake.items], to: out)
        let before = try snapshot(out)
        // Damage the last partition of shop.rows, read after petshop.order_items and the earlier days.
        let victim = try #require(try lake.open().catalog.partitions(of: SmallLake.rows).first { $0.dt == "2026-11-22" })
        let path = lake.root + "/" + victim.files.first { $0.format == .csv }!.path
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        #expect(throws: (any Error).self) { try lake.export([SmallLake.rows, SmallLake.items], to: out) { $0.replace = true } }
        #expect(try snapshot(out) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == before.keys.sorted(), "no temporary file is left")
        let fresh = lake.dir.path + "/fresh"
        #expect(throws: (any Error).self) { try lake.export([SmallLake.rows, SmallLake.items], to: fresh) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fresh).isEmpty)
    }

    @Test("never into the lake's folder, inside it, or around it (nor /), replace or not; a sibling folder is fine")
    func notIntoTheLake() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        let root = lake.root
        let before = try snapshot(root)
        for target in [root, root + "/", root + "/sub", root + "/shop.rows", root + "/sub/../../lake", lake.dir.path, "/"] {
            for replace in [false, true] {
                let error = #expect(throws: ExportError.self, "\(target)") { try lake.export([SmallLake.rows], to: target) { $0.replace = replace } }
                #expect(error?.description == "\(target) is the lake's folder, inside it or around it; export into a folder outside the lake")
            }
        }
        #expect(!FileIO.exists(root + "/sub"))
        #expect(try snapshot(root).filter { !$0.key.hasSuffix("-wal") && !$0.key.hasSuffix("-shm") }
                == before.filter { !$0.key.hasSuffix("-wal") && !$0.key.hasSuffix("-shm") })
        let sibling = try lake.export([SmallLake.rows], to: root + "-export")
        #expect(sibling.map(\.path) == ["shop.rows.csv"])
    }

    @Test("a partition written under an older version of its schema, or a dataset the lake does not have, is refused by name; nothing is written")
    func refusesStaleSchemaAndUnknownDataset() throws {
        let lake = try SmallLake()
        defer { lake.dir.remove() }
        var json = try #require(try JSONSerialization.jsonObject(with: Data(SmallLake.rowsSchema.canonicalJSON.utf8)) as? [String: Any])
        json["fields"] = (json["fields"] as! [[String: Any]]) + [["name": "added", "type": "string"]]
        let newer = try TableSchema(dataset: SmallLake.rows, json: try JSONSerialization.data(withJSONObject: json), file: "rows-v2.json")
        #expect(newer.hash != SmallLake.rowsSchema.hash)
        try WritableLake(root: lake.root).register(newer)
        let out = lake.dir.path + "/out"
        let stale = #expect(throws: ExportError.self) { try lake.export([SmallLake.rows], to: out) }
        #expect(stale?.description == "shop.rows dt=2026-11-20 was written under another version of its schema than the lake records now; regenerate it")
        let unknown = #expect(throws: ExportError.self) { try lake.export([DatasetName("shop.nope")!], to: out) }
        #expect(unknown?.description == "the lake has no dataset shop.nope")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }
}
