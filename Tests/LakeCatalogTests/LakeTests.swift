import Testing
import Foundation
import LakeFormat
@testable import LakeCatalog
import TableSchema
import TestSupport

@Suite struct LakeTests {
    static let schema = try! SchemaRegistry(directory: schemasDirectory).schema(for: DatasetName("petshop.order_items")!)
    static let day = LakeDate(year: 2026, month: 11, day: 21)

    static func row(_ i: Int, name: String = "皇家 貓飼料, 2kg") -> [Value] {
        [.string("O20261121" + String(format: "%07d", i)), .int(1), .string("P000001"), .string(name), .string("飼料"),
         .int(2), .int(300), .int(600), .timestamp(Timestamp(date: day, secondOfDay: 3600 + i, offsetMinutes: 480))]
    }

    @discardableResult
    static func write(_ lake: WritableLake, rows: Int, dt: LakeDate = day, name: String = "x") throws -> PartitionRecord {
        try lake.writePartition(schema: schema, dt: dt) { sink in
            for i in 0..<rows { try sink.append(row(i, name: name)) }
        }
    }

    @Test("a written partition is catalogued with files, checksums and statistics, and verifies")
    func writeAndVerify() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let record = try Self.write(lake, rows: 1000)
        #expect(record.rows == 1000)
        #expect(record.files.map(\.format).sorted { $0.rawValue < $1.rawValue } == [.csv, .ndjson])
        #expect(record.files.allSatisfy { $0.path == "petshop/order_items/\($0.format)/dt=2026-11-21/part-00000.\($0.format).zst" })
        let stats = try lake.catalog.columnStats(record.key)
        #expect(stats.first == ColumnStats(column: "order_id", nullCount: 0, min: "O202611210000000", max: "O202611210000999"))
        let report = try lake.verify()
        #expect(report.ok, "\(report.faults)")
        #expect(report.files == 2)
        #expect(try lake.catalog.datasets().first?.rows == 1000)
    }

    @Test("rewriting a partition replaces it whole")
    func replace() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        try Self.write(lake, rows: 10)
        let second = try Self.write(lake, rows: 3, name: "new")
        #expect(try lake.catalog.partitions().map(\.rows) == [3])
        #expect(second.rows == 3)
        #expect(try lake.verify().ok)
    }

    @Test("a record that breaks its schema fails the partition: nothing committed, no file left")
    func invalidRecord() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let error = #expect(throws: InvalidRecordError.self) {
            try lake.writePartition(schema: Self.schema, dt: Self.day) { sink in
                try sink.append(Self.row(1))
                var bad = Self.row(2)
                bad[5] = .int(0)
                try sink.append(bad)
            }
        }
        #expect(error?.description == "petshop.order_items dt=2026-11-21 row 2: field quantity: 0 is below minimum 1")
        #expect(try lake.catalog.partitions().isEmpty)
        #expect(try lake.verify().ok)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/petshop/order_items/csv/dt=2026-11-21/part-00000.csv.zst"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/petshop/order_items/csv/dt=2026-11-21"), "a failed write leaves no empty partition folder")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/_staging")) == [])
    }

    /// Appends `row` as cells: what the generators do for their large datasets.
    static func appendCells(_ row: [Value], to sink: PartitionSink) throws {
        for v in row {
            switch v {
            case .string(let s): try s.withUTF8Bytes { try sink.cell(utf8: $0) }
            case .int(let n): try sink.cell(n)
            case .timestamp(let t): try sink.cell(t)
            case .date(let d): try sink.cell(d)
            case .bool(let b): try sink.cell(b)
            case .decimal(let d): try sink.cell(d)
            case .null: try sink.nullCell()
            default: Issue.record("no cell for \(v)")
            }
        }
        try sink.endRow()
    }

    @Test("a cell that breaks its schema, or a row of cells too long or too short, fails the partition whole", arguments: [
        "quantity 0", "a cell too many", "a cell too few",
    ])
    func invalidCells(fault: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let error = #expect(throws: InvalidRecordError.self) {
            try lake.writePartition(schema: Self.schema, dt: Self.day) { sink in
                try Self.appendCells(Self.row(1), to: sink)
                try sink.append(Self.row(2))
                var bad = Self.row(3)
                switch fault {
                case "quantity 0": bad[5] = .int(0)
                case "a cell too many": bad.append(.int(1))
                default: bad.removeLast()
                }
                try Self.appendCells(bad, to: sink)
            }
        }
        let message = ["quantity 0": "field quantity: 0 is below minimum 1", "a cell too many": "field *: more than 9 values for 9 fields",
                       "a cell too few": "field *: 8 values for 9 fields"][fault]!
        #expect(error?.description == "petshop.order_items dt=2026-11-21 row 3: " + message)
        #expect(try lake.catalog.partitions().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/petshop/order_items/ndjson/dt=2026-11-21"), "a failed write leaves no empty partition folder")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/_staging")) == [])
    }

    @Test("cells and whole rows write the same partition")
    func cellsAndRows() throws {
        let dirs = (TemporaryDirectory(), TemporaryDirectory())
        defer { dirs.0.remove(); dirs.1.remove() }
        let whole = try Self.write(try WritableLake(root: dirs.0.path, create: true), rows: 500)
        let cells = try WritableLake(root: dirs.1.path, create: true).writePartition(schema: Self.schema, dt: Self.day) { sink in
            for i in 0..<500 { try Self.appendCells(Self.row(i, name: "x"), to: sink) }
        }
        #expect(cells.rows == 500)
        #expect(cells.files.map(\.sha256) == whole.files.map(\.sha256))
    }

    static let campaigns = try! SchemaRegistry(directory: schemasDirectory).schema(for: DatasetName("petshop.campaigns")!)

    static func campaign(_ i: Int, rate: FixedDecimal? = FixedDecimal(units: 5, scale: 2), freeShipping: Value = .bool(true)) -> [Value] {
        [.string("CP2026110" + String(i % 10)), .string("11月滿額折扣"), .string("threshold_discount"), .int(Int64(1000 + i)), .null,
         rate.map { .decimal($0) } ?? .null, .null, freeShipping, i % 2 == 0 ? .null : .string("試吃包"),
         .date(LakeDate(year: 2026, month: 11, day: 1)), .date(LakeDate(year: 2026, month: 11, day: 30))]
    }

    @Test("boolean and decimal cells write what whole rows write, and are validated as they are")
    func booleanAndDecimalCells() throws {
        let dirs = (TemporaryDirectory(), TemporaryDirectory())
        defer { dirs.0.remove(); dirs.1.remove() }
        let rows = (0..<20).map { Self.campaign($0, rate: $0 % 3 == 0 ? nil : FixedDecimal(units: Int64($0), scale: 2)) }
        let whole = try WritableLake(root: dirs.0.path, create: true).writePartition(schema: Self.campaigns, dt: Self.day) { sink in
            for row in rows { try sink.append(row) }
        }
        let cells = try WritableLake(root: dirs.1.path, create: true).writePartition(schema: Self.campaigns, dt: Self.day) { sink in
            for row in rows { try Self.appendCells(row, to: sink) }
        }
        #expect(cells.files.map(\.sha256) == whole.files.map(\.sha256))
        for bad in [Self.campaign(1, rate: FixedDecimal(units: 5, scale: 3)), Self.campaign(1, rate: FixedDecimal(units: 150, scale: 2)),
                    Self.campaign(1, freeShipping: .int(1))] {
            func message(byCells: Bool) throws -> String? {
                let dir = TemporaryDirectory()
                defer { dir.remove() }
                let lake = try WritableLake(root: dir.path, create: true)
                let error = #expect(throws: InvalidRecordError.self) {
                    try lake.writePartition(schema: Self.campaigns, dt: Self.day) { sink in
                        if byCells { try Self.appendCells(bad, to: sink) } else { try sink.append(bad) }
                    }
                }
                return error?.description
            }
            let cellMessage = try message(byCells: true)
            #expect(cellMessage != nil)
            #expect(cellMessage == (try message(byCells: false)))
        }
    }

    @Test("a batch that fails after its journal keeps every file, and the next writer installs the whole batch")
    func failedBatchIsRolledForward() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let days = [Self.day, Self.day.adding(days: 1)]
        var obstacle = ""
        do {
            let lake = try WritableLake(root: dir.path, create: true)
            let staged = try days.map { dt in
                try lake.stagePartitions(schemas: [Self.schema], dt: dt) { sinks in
                    for i in 0..<7 { try sinks[0].append(Self.row(i)) }
                }
            }
            // A folder where the second day's first file must go: its rename fails after the journal.
            obstacle = lake.absolute(staged[1].written[0].files[0].finalPath)
            try FileManager.default.createDirectory(atPath: obstacle + "/in-the-way", withIntermediateDirectories: true)
            #expect(throws: (any Error).self) { try lake.commit(staged) }
        }
        try FileManager.default.removeItem(atPath: obstacle)
        let lake = try WritableLake(root: dir.path)
        #expect(try lake.catalog.partitions().map(\.rows) == [7, 7])
        #expect(try lake.verify().ok)
    }

    @Test("a catalogue row of the wrong type is reported as a damaged catalogue, not a crash")
    func damagedCatalogue() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        try Self.write(lake, rows: 3)
        #expect(try lake.catalog.partitions().map(\.rows) == [3])
        _ = try lake.catalog.db.query("UPDATE partitions SET rows = 'many'")
        let error = #expect(throws: CatalogError.self) { try lake.catalog.partitions() }
        #expect(error?.description.contains("damaged") == true)
    }

    @Test("a second writer is refused while the first holds the lake; readers are not")
    func lock() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = try WritableLake(root: dir.path, command: "generate", create: true)
        let error = #expect(throws: LakeBusyError.self) { try WritableLake(root: dir.path, command: "other") }
        #expect(error?.description.contains("in use by another opslake (pid \(getpid()): generate)") == true)
        _ = try Lake(root: dir.path)
        _ = first
    }

    @Test("opening creates and migrates once; reopening keeps the lake's identity")
    func reopen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let id = try WritableLake(root: dir.path, create: true).catalog.lakeID
        let again = try WritableLake(root: dir.path, create: true)
        #expect(try again.catalog.lakeID == id)
        #expect(try again.catalog.userVersion == Catalog.schemaVersion)
        #expect(throws: LakeMissingError.self) { try Lake(root: dir.path + "/nowhere") }
    }

    @Test("verify names damaged, missing, orphan and temporary files; repair fixes what it can")
    func faults() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let a = try Self.write(lake, rows: 500, dt: Self.day)
        let b = try Self.write(lake, rows: 500, dt: Self.day.adding(days: 1))
        // Damage one byte of a's CSV, delete b's NDJSON, and add an orphan and a temporary file.
        let csv = dir.path + "/" + a.files.first { $0.format == .csv }!.path
        var bytes = [UInt8](FileManager.default.contents(atPath: csv)!)
        bytes[bytes.count / 2] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: csv))
        try FileManager.default.removeItem(atPath: dir.path + "/" + b.files.first { $0.format == .ndjson }!.path)
        let partitionDir = dir.path + "/petshop/order_items/csv/dt=2026-11-21"
        try Data("stray".utf8).write(to: URL(fileURLWithPath: partitionDir + "/part-00007.csv.zst"))
        try Data("half".utf8).write(to: URL(fileURLWithPath: dir.path + "/_staging/petshop.order_items.dt=2026-11-21.part-00000.csv.zst.1-abc.tmp"))

        let report = try lake.verify()
        // One thread or many, full or quick: the same faults, in the same order (a
        // damaged file's detail may differ: quick sees the hash, full the zstd frame first).
        #expect(try lake.verify(jobs: 1) == report)
        #expect(try lake.verify(depth: .quick, jobs: 3).faults.map { "\($0.kind) \($0.path)" } == report.faults.map { "\($0.kind) \($0.path)" })
        let kinds = Dictionary(grouping: report.faults, by: \.kind).mapValues { $0.map(\.path) }
        #expect(kinds[.damagedFile] == [a.files.first { $0.format == .csv }!.path])
        #expect(kinds[.missingFile] == [b.files.first { $0.format == .ndjson }!.path])
        #expect(kinds[.orphanFile] == ["petshop/order_items/csv/dt=2026-11-21/part-00007.csv.zst"])
        #expect(kinds[.temporaryFile] == ["_staging/petshop.order_items.dt=2026-11-21.part-00000.csv.zst.1-abc.tmp"])

        let repaired = try lake.repair()
        #expect(repaired.removedTemporary.count == 1)
        #expect(repaired.quarantined == ["petshop/order_items/csv/dt=2026-11-21/part-00007.csv.zst"])
        #expect(Set(repaired.unresolved.map(\.kind)) == [.damagedFile, .missingFile])
        #expect(Set(try lake.verify().faults.map(\.kind)) == [.damagedFile, .missingFile])
    }

    @Test("full verify counts rows and decompressed bytes, which quick verify leaves unchecked", arguments: ["rows", "uncompressed_bytes"])
    func fullAgainstQuick(column: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let record = try Self.write(lake, rows: 300, name: "line\nbreak, \"quoted\"")
        // A catalogue that disagrees with a file whose bytes are intact: only decompressing finds it.
        let ndjson = record.files.first { $0.format == .ndjson }!
        try lake.catalog.db.execute("UPDATE files SET \(column) = \(column) + 1 WHERE path = '\(ndjson.path)'")
        let full = try lake.verify()
        #expect(full.faults.map(\.kind) == [.damagedFile])
        #expect(full.faults.first?.path == ndjson.path)
        #expect(full.faults.first?.detail == (column == "rows" ? "holds 300 rows, 301 catalogued"
            : "decompresses to \(ndjson.uncompressedBytes) bytes, \(ndjson.uncompressedBytes + 1) catalogued"))
        #expect(try lake.verify(depth: .quick).ok)
    }

    @Test("a partition larger than rowsPerFile is split into parts and read back whole")
    func parts() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let key = PartitionKey(Self.schema.dataset, Self.day)
        // The lake first: a writer that opens it empties _staging/ of files no commit names.
        let lake = try WritableLake(root: dir.path, create: true)
        let writer = try PartitionWriter(lakeRoot: dir.path, key: key, columns: Self.schema.columns, rowsPerFile: 40)
        for i in 0..<100 { try writer.append(Self.row(i)) }
        let written = try writer.finish()
        try lake.commit(batch: [(written, key, Self.schema)])
        let record = try #require(try lake.catalog.partition(key))
        #expect(record.files.count == 6)
        #expect(record.files.filter { $0.format == .csv }.map(\.rows) == [40, 40, 20])
        #expect(try lake.verify().ok)
        // Rewriting with fewer parts removes the old parts' files.
        try Self.write(lake, rows: 5)
        #expect(try lake.verify().ok)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/petshop/order_items/csv/dt=2026-11-21/part-00002.csv.zst"))
    }
}
