import Testing
import Foundation
import LakeFormat
import PostgresSync
import TableSchema
import TestSupport

/// `BinaryCopyEncoder` writes what PostgreSQL's binary COPY reads, and refuses what
/// is not the lake's CSV, naming the record.
@Suite struct BinaryCopyEncoderTests {
    static func encode(_ csv: String, _ columns: [Column], chunk: Int = 1 << 13) throws -> (bytes: [UInt8], rows: Int) {
        let encoder = BinaryCopyEncoder(columns: columns, source: MemorySource(Array(csv.utf8), chunkSize: 5), name: "t.csv")
        var out: [UInt8] = []
        try encoder.forEachChunk(size: chunk) { out.append(contentsOf: $0) }
        return (out, encoder.rows)
    }

    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [UInt8](repeating: 0, count: 8)

    @Test("every type's binary form, NULL and the empty string, byte for byte")
    func knownBytes() throws {
        let columns = [Column("s", .string), Column("i", .integer), Column("b", .boolean), Column("d", .date),
                       Column("t", .datetime), Column("n", .decimal), Column("q", .string)]
        let (bytes, rows) = try Self.encode("s,i,b,d,t,n,q\n\"a,\"\"b\",-2,true,2000-01-02,2000-01-01T08:00:01+08:00,-12345.6700,\"\"\n", columns)
        #expect(rows == 1)
        var want = Self.header + [0, 7]
        want += [0, 0, 0, 4] + Array("a,\"b".utf8)
        want += [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]
        want += [0, 0, 0, 1, 1]
        want += [0, 0, 0, 4, 0, 0, 0, 1]                          // one day after 2000-01-01
        want += [0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0F, 0x42, 0x40]     // 1 s after 2000-01-01 00:00 UTC, in µs
        // -12345.6700: digits 1 2345 6700 (base 10000), weight 1, negative, dscale 4.
        want += [0, 0, 0, 14, 0, 3, 0, 1, 0x40, 0x00, 0, 4, 0, 1, 0x09, 0x29, 0x1A, 0x2C]
        want += [0, 0, 0, 0]                                       // "" is the empty string, not NULL
        want += [0xFF, 0xFF]
        #expect(bytes == want)
        let nulls = try Self.encode("s,i\n,\n", [Column("s", .string), Column("i", .integer)])
        #expect(nulls.bytes == Self.header + [0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test("with a partition date, every row starts with it as a date field")
    func partitionDate() throws {
        let encoder = BinaryCopyEncoder(columns: [Column("i", .integer)], source: MemorySource(Array("i\n7\n8\n".utf8)),
                                        name: "t.csv", partitionDate: LakeDate(year: 2000, month: 1, day: 3))
        let bytes = try encoder.readAll()
        let row = { (v: UInt8) -> [UInt8] in [0, 2, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, v] }
        #expect(bytes == Self.header + row(7) + row(8) + [0xFF, 0xFF])
        #expect(encoder.rows == 2)
    }

    @Test("zero and small decimals", arguments: [("0.00", [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2] as [UInt8]),
                                                 ("0.05", [0, 0, 0, 10, 0, 1, 0xFF, 0xFF, 0, 0, 0, 2, 0x01, 0xF4]),
                                                 ("10000", [0, 0, 0, 10, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1])])
    func decimals(text: String, want: [UInt8]) throws {
        let (bytes, _) = try Self.encode("n\n\(text)\n", [Column("n", .decimal)])
        #expect(Array(bytes[21..<(bytes.count - 2)]) == want)
    }

    @Test("what is not the lake's CSV is refused with the record's number", arguments: [
        ("a,b\n1,2\n", "the header is a,b but the schema has a"),
        ("a\n1\nx\n", "t.csv record 3: 'x' is not a valid integer for column a"),
        ("a\n1,2\n", "t.csv record 2: more than 1 fields"),
        ("a\n\"1\n", "t.csv record 2: an unterminated quoted field"),
        ("a\n1\"x\"\n", "t.csv record 2: a quote inside an unquoted field"),
        ("", "t.csv is empty: no header"),
    ])
    func refused(csv: String, message: String) {
        let error = #expect(throws: FormatError.self) { try Self.encode(csv, [Column("a", .integer)]) }
        #expect(error?.description.contains(message) == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test("dates and timestamps that are not real are refused", arguments: ["2025-02-29T00:00:00Z", "2025-01-01T24:00:00Z",
                                                                           "2025-01-01 00:00:00", "2025-13-01T00:00:00+08:00"])
    func badTimestamps(text: String) {
        #expect(throws: FormatError.self) { try Self.encode("t\n\(text)\n", [Column("t", .datetime)]) }
    }
}

/// The same rows through binary COPY and through the server's own CSV parser.
@Suite(.enabled(if: postgresAvailable, "needs the PostgreSQL server that `make test` starts"))
struct BinaryCopyPostgresTests {
    @Test("binary COPY loads exactly what CSV COPY loads, for random awkward rows of every type", arguments: 1...6)
    func sameAsCSV(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let partition = try RandomPartition(seed: seed, minRows: 200, spread: 300, in: dir.path)
        defer { partition.abort() }
        let (columns, rows) = (partition.columns, partition.rows)
        let csv = partition.paths(.csv)[0]

        let pg = try PostgresConnection()
        let types: [ColumnType: String] = [.string: "text", .integer: "bigint", .number: "double precision", .decimal: "numeric",
                                           .boolean: "boolean", .date: "date", .datetime: "timestamptz"]
        let definition = columns.map { "\(quoteIdentifier($0.name)) \(types[$0.type]!)" }.joined(separator: ", ")
        let names = columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        try pg.execute("CREATE TEMP TABLE via_csv (\(definition)); CREATE TEMP TABLE via_binary (\(definition))")
        defer { try? pg.execute("DROP TABLE via_csv, via_binary") }
        let byCSV = try pg.copy("COPY via_csv (\(names)) FROM STDIN WITH (FORMAT csv, HEADER true)",
                                from: ZstdReader(source: FileSource(path: csv), name: csv))
        let encoder = BinaryCopyEncoder(columns: columns, source: try ZstdReader(source: FileSource(path: csv), name: csv), name: csv)
        let byBinary = try pg.copy("COPY via_binary (\(names)) FROM STDIN WITH (FORMAT binary)", from: encoder)
        #expect(byCSV == rows.count)
        #expect(byBinary == rows.count)
        #expect(encoder.rows == rows.count)
        // Row for row, text forms included (a numeric's scale, a timestamp's instant).
        let digest = { (table: String) in
            try pg.query("SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM \(table) t")
        }
        #expect(try digest("via_csv") == digest("via_binary"))
        #expect(try pg.query("SELECT count(*) FROM (SELECT * FROM via_csv EXCEPT ALL SELECT * FROM via_binary) d") == [["0"]])
    }
}
