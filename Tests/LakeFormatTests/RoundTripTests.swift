import Testing
import Foundation
import LakeFormat
import TestSupport

/// Rows → CSV and NDJSON → zstd → back give the same rows.
@Suite struct RoundTripTests {
    func readBack(_ dir: String, _ file: WrittenFile, columns: [Column], chunk: Int) throws -> [[Value]] {
        let bytes = try ZstdReader(source: FileSource(path: dir + "/" + file.temporaryPath), name: file.temporaryPath).readAll()
        let decoder = RowDecoder(columns: columns)
        var rows: [[Value]] = []
        switch file.format {
        case .csv:
            let reader = CSVReader(source: MemorySource(bytes, chunkSize: chunk))
            try decoder.checkHeader(try #require(try reader.next()))
            while let fields = try reader.next() { rows.append(try decoder.decode(csv: fields)) }
        case .ndjson:
            let reader = NDJSONReader(source: MemorySource(bytes, chunkSize: chunk))
            while let members = try reader.next() { rows.append(try decoder.decode(json: members)) }
        }
        return rows
    }

    @Test("random awkward rows survive CSV and NDJSON through zstd", arguments: 1...12)
    func roundTrip(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let partition = try RandomPartition(seed: seed, spread: 400, in: dir.path, workers: Int(seed % 2),
                                            rowsPerFile: seed % 3 == 0 ? 37 : 1_000_000)
        defer { partition.abort() }
        let (columns, rows, written) = (partition.columns, partition.rows, partition.written)
        #expect(written.rows == rows.count)
        for format in FileFormat.allCases {
            let files = written.files.filter { $0.format == format }.sorted { $0.part < $1.part }
            var back: [[Value]] = []
            for f in files { back += try readBack(dir.path, f, columns: columns, chunk: [1, 7, 1 << 16][Int(seed % 3)]) }
            #expect(back == rows, "format \(format.rawValue)")
        }
        // The recorded sizes and checksums describe the bytes on disk.
        for f in written.files {
            let (sha, bytes) = try SHA256.hash(FileSource(path: dir.path + "/" + f.temporaryPath))
            #expect(sha == f.sha256)
            #expect(bytes == f.bytes)
        }
    }

    @Test("the writer's fused encoder writes exactly what CSVEncoder and NDJSONEncoder write", arguments: 100...105)
    func fusedEncoderMatchesReference(seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        let spec = RandomRows.columns(using: &g)
        let columns = spec.map(\.0)
        let rows = (0..<200).map { _ in spec.map { RandomRows.value($0.0.type, nullable: $0.nullable, using: &g) } }
        try Self.expectFusedMatchesReference(rows, columns: columns)
    }

    /// Writes `rows` with a partition writer and expects its files to hold exactly what
    /// the reference encoders, `CSVEncoder` and `NDJSONEncoder`, write.
    static func expectFusedMatchesReference(_ rows: [[Value]], columns: [Column]) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let writer = try PartitionWriter(lakeRoot: dir.path, key: PartitionKey(DatasetName("t.x")!, LakeDate(daysSinceEpoch: 0)),
                                         columns: columns, workers: 0)
        for row in rows { try writer.append(row) }
        let written = try writer.finish()
        let csv = ByteBuffer(), json = ByteBuffer()
        CSVEncoder(columns: columns).encodeHeader(into: csv)
        for row in rows {
            CSVEncoder(columns: columns).encode(row, into: csv)
            NDJSONEncoder(columns: columns).encode(row, into: json)
        }
        for f in written.files {
            let back = try ZstdReader(source: FileSource(path: dir.path + "/" + f.temporaryPath), name: "x").readAll()
            #expect(back == (f.format == .csv ? csv.array : json.array), "format \(f.format.rawValue)")
        }
        writer.abort()
    }

    /// Writes `row` through the writer's cells where every value has one, else whole.
    static func writeByCells(_ row: [Value], to writer: PartitionWriter) throws {
        let celled = row.allSatisfy { v in
            switch v {
            case .null, .string, .int, .timestamp, .date, .bool, .decimal: true
            default: false
            }
        }
        guard celled else { return try writer.append(row) }
        for v in row {
            switch v {
            case .null: try writer.nullCell()
            case .string(let s): try s.withUTF8Bytes { try writer.cell(utf8: $0) }
            case .int(let i): try writer.cell(i)
            case .timestamp(let t): try writer.cell(t)
            case .date(let d): try writer.cell(d)
            case .bool(let b): try writer.cell(b)
            case .decimal(let d): try writer.cell(d)
            default: Issue.record("no cell for \(v)")
            }
        }
        try writer.endRow()
    }

    @Test("rows written cell by cell give the same files and statistics as whole rows", arguments: 200...205)
    func cellsMatchWholeRows(seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        // Only the types cells carry, so every row goes through the cells.
        let spec = RandomRows.columns(using: &g).filter { [.string, .integer, .datetime, .date, .boolean, .decimal].contains($0.0.type) }
        let columns = spec.map(\.0)
        let rows = (0..<300).map { _ in spec.map { RandomRows.value($0.0.type, nullable: $0.nullable, using: &g) } }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        func write(_ name: String, byCells: Bool) throws -> (WrittenPartition, [[UInt8]]) {
            let writer = try PartitionWriter(lakeRoot: dir.path, key: PartitionKey(DatasetName("t.\(name)")!, LakeDate(daysSinceEpoch: 0)),
                                             columns: columns, rowsPerFile: 120)
            for row in rows {
                if byCells { try Self.writeByCells(row, to: writer) } else { try writer.append(row) }
            }
            let written = try writer.finish()
            let contents = try written.files.map {
                try ZstdReader(source: FileSource(path: dir.path + "/" + $0.temporaryPath), name: "x").readAll()
            }
            writer.abort()
            return (written, contents)
        }
        let (whole, wholeBytes) = try write("whole", byCells: false)
        let (cells, cellBytes) = try write("cells", byCells: true)
        #expect(cells.rows == rows.count)
        #expect(cells.files.count == whole.files.count && cells.files.count == 6)  // 300 rows in parts of 120
        #expect(cellBytes == wholeBytes)
        #expect(cells.stats == whole.stats)
    }

    @Test("a byte that CSV or JSON must escape is found at every position of strings of every length")
    func escapingAtEveryPosition() throws {
        var rows: [[Value]] = []
        for special in [UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x01, 0x1F] {
            for length in 1...40 {
                for at in 0..<length {
                    var bytes = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                    bytes[at] = special
                    rows.append([.string(String(decoding: bytes, as: UTF8.self))])
                }
            }
        }
        // and none where there is nothing to escape, beside the bytes nearest the special ones
        rows.append([.string("!#+-./[]^`{|}~ \u{7F}é臺北市")])
        // many at once, as in a JSON payload held in a column; a backslash alone (JSON
        // escapes it, CSV does not quote it); the empty string; every control byte
        rows.append([.string(#"{"id":1,"name":"臺北 \"A\" 店","note":"a\\b","list":[1,2]}"#)])
        rows.append([.string(#"C:\path\x"#)])
        rows.append([.string("")])
        rows.append([.string(String(decoding: (0..<0x20).map { UInt8($0) } + [0x22, 0x2C, 0x5C], as: UTF8.self))])
        try Self.expectFusedMatchesReference(rows, columns: [Column("s", .string)])
    }

    @Test("column statistics hold the true minimum, maximum and null count")
    func statistics() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let columns = [Column("n", .integer), Column("s", .string), Column("t", .datetime)]
        let writer = try PartitionWriter(lakeRoot: dir.path, key: PartitionKey(DatasetName("t.x")!, LakeDate(daysSinceEpoch: 0)),
                                         columns: columns)
        let ts = { (s: Int64) in Value.timestamp(Timestamp(secondsSinceEpoch: s, offsetMinutes: 480)) }
        for row: [Value] in [[.int(5), .string("貓"), ts(100)], [.int(-3), .null, ts(50)], [.null, .string("A"), ts(900)]] {
            try writer.append(row)
        }
        let stats = try writer.finish().stats
        writer.abort()
        #expect(stats[0] == ColumnStats(column: "n", nullCount: 1, min: "-3", max: "5"))
        #expect(stats[1] == ColumnStats(column: "s", nullCount: 1, min: "A", max: "貓"))
        #expect(stats[2] == ColumnStats(column: "t", nullCount: 0, min: "1970-01-01T08:00:50+08:00", max: "1970-01-01T08:15:00+08:00"))
    }

    @Test("NULL and the empty string stay distinct in CSV, as PostgreSQL's COPY reads them")
    func nullAndEmpty() {
        let out = ByteBuffer()
        CSVEncoder(columns: [Column("a", .string), Column("b", .string), Column("c", .string)])
            .encode([.null, .string(""), .string("x,\"y\"")], into: out)
        #expect(String(decoding: out.bytes, as: UTF8.self) == ",\"\",\"x,\"\"y\"\"\"\n")
    }

    @Test("every control character is escaped in JSON and read back")
    func controlCharacters() throws {
        let text = String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }) + "\"\\/"
        let out = ByteBuffer()
        NDJSONEncoder(columns: [Column("s", .string)]).encode([.string(text)], into: out)
        let line = String(decoding: out.bytes, as: UTF8.self)
        #expect(line.hasPrefix("{\"s\":\"\\u0000\\u0001"))
        #expect(line.contains("\\b\\t\\n\\u000b\\f\\r"))
        #expect(!line.dropLast().contains("\n"))
        let back = try NDJSONReader(source: MemorySource(out.array)).next()
        #expect(back?.first?.value == .string(text))
    }

    @Test("dates and timestamps format and parse back", arguments: [-700_000, -1, 0, 1, 19_000, 20_413, 2_932_896])
    func calendar(days: Int32) {
        let d = LakeDate(daysSinceEpoch: days)
        #expect(LakeDate(d.description) == d)
        let t = Timestamp(date: d, secondOfDay: 86_399, offsetMinutes: -570)
        #expect(Timestamp(t.description) == t)
        #expect(t.local.date == d)
    }

    @Test func knownDates() {
        #expect(LakeDate(year: 2026, month: 11, day: 23).description == "2026-11-23")
        #expect(LakeDate(year: 2026, month: 11, day: 23).isoWeekday == 1)  // a Monday
        #expect(LakeDate("2026-02-29") == nil)
        #expect(LakeDate("2024-02-29") != nil)
        #expect(Timestamp("2026-11-21T19:05:00+08:00")?.secondsSinceEpoch == 1_795_259_100)
        #expect(Timestamp("2026-11-21T11:05:00Z")?.secondsSinceEpoch == 1_795_259_100)
    }

    @Test("a released buffer is empty and takes appends again, growing as a new one does")
    func releasedBufferWorks() {
        let buffer = ByteBuffer(capacity: 1 << 17)
        let text = Array("a day's rows, ".utf8)
        for _ in 0..<1000 { text.withUnsafeBytes { buffer.append($0) } }
        #expect(buffer.count == 1000 * text.count)
        buffer.release()
        #expect(buffer.count == 0)
        for _ in 0..<20_000 { text.withUnsafeBytes { buffer.append($0) } }
        #expect(buffer.array == Array(repeating: text, count: 20_000).flatMap { $0 })
    }
}
