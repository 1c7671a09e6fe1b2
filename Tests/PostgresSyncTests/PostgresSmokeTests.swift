import Testing
import Foundation
import LakeFormat
import LakeCatalog
import PostgresSync
import TableSchema
import TestSupport

/// Whether a PostgreSQL server is provided (the test command starts one); CI must have it.
let postgresAvailable = ProcessInfo.processInfo.environment["OPSLAKE_TEST_POSTGRES"] == "1" || requiredByCI

/// A real PostgreSQL through libpq, as the test command provides it through `PG*` variables.
@Suite(.enabled(if: postgresAvailable, "needs the PostgreSQL server that `make test` starts"))
struct PostgresSmokeTests {
    @Test("DDL from a schema creates the table; COPY of a lake CSV partition loads every row")
    func ddlAndCopy() throws {
        let schema = try SchemaRegistry(directory: schemasDirectory).schema(for: DatasetName("petshop.order_items")!)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let day = LakeDate(year: 2026, month: 11, day: 21)
        let names = ["皇家 成貓飼料, 2kg", "\"汪喵\" 凍乾", "多行\n名稱", ""]
        let record = try lake.writePartition(schema: schema, dt: day) { sink in
            for i in 0..<5000 {
                try sink.append([.string("O20261121" + String(format: "%07d", i)), .int(1), .string("P000001"),
                                 .string(names[i % names.count]), .string("飼料"), .int(2), .int(300), .int(600),
                                 .timestamp(Timestamp(date: day, secondOfDay: i, offsetMinutes: 480))])
            }
        }
        let pg = try PostgresConnection()
        let table = "order_items_smoke_\(getpid())"
        try pg.execute(schema.postgresDDL(table: table))
        defer { try? pg.execute("DROP TABLE \(quoteIdentifier("petshop")).\(quoteIdentifier(table))") }
        let csv = record.files.first { $0.format == .csv }!
        let source = try ZstdReader(source: FileSource(path: dir.path + "/" + csv.path), name: csv.path)
        // The partition's CSV has no dt column: the folder supplies it, so the loader sets it as a default.
        let qualified = "\(quoteIdentifier("petshop")).\(quoteIdentifier(table))"
        try pg.execute("ALTER TABLE \(qualified) ALTER COLUMN dt SET DEFAULT \(quoteLiteral(day.description))::date")
        let columns = schema.fields.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        let copied = try pg.copy("COPY \(qualified) (\(columns)) FROM STDIN WITH (FORMAT csv, HEADER true)", from: source)
        #expect(copied == 5000)
        let counts = try pg.query("SELECT count(*), count(DISTINCT order_id), sum(line_total) FROM \(qualified) WHERE dt = $1", [day.description])
        #expect(counts == [["5000", "5000", "3000000"]])
        // Text survives byte for byte, and the empty string is not NULL.
        let text = try pg.query("SELECT product_name FROM \(qualified) WHERE order_id = ANY($1) ORDER BY order_id",
                                ["{O202611210000000,O202611210000001,O202611210000002,O202611210000003}"])
        #expect(text.map { $0[0] } == names.map { Optional($0) })
        let offsets = try pg.query("SELECT min(ordered_at AT TIME ZONE 'Asia/Taipei')::text FROM \(qualified)")
        #expect(offsets == [["2026-11-21 00:00:00"]])
    }

    @Test("a failing source aborts the COPY and leaves the table as it was")
    func copyFails() throws {
        let pg = try PostgresConnection()
        try pg.execute("CREATE TEMP TABLE t (a int)")
        struct Broken: Error {}
        final class FailingSource: ByteSource {
            var sent = false
            func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
                if sent { throw Broken() }
                sent = true
                return Array("1\n2\n".utf8).withUnsafeBytes { buffer.copyMemory(from: $0); return 4 }
            }
        }
        #expect(throws: Broken.self) { try pg.copy("COPY t FROM STDIN WITH (FORMAT csv)", from: FailingSource()) }
        #expect(try pg.query("SELECT count(*) FROM t") == [["0"]])
    }

    @Test("connection errors are one line and never show the password")
    func badConnection() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(conninfo: "host=127.0.0.1 port=1 user=u password=s3cret-pw connect_timeout=2")
        }
        #expect(error?.description.contains("s3cret-pw") == false)
        #expect(error?.description.contains("\n") == false)
        #expect(error?.description.hasPrefix("cannot connect to PostgreSQL:") == true)
    }
}
