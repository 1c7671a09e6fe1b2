public import LakeFormat
public import LakeCatalog
public import TableSchema

/// What loading one partition did.
public enum PartitionOutcome: Sendable, Equatable {
    /// The rows were replaced; this many are now in the table for that dt.
    case loaded(rows: Int)
    /// The ledger already held this content; nothing was touched.
    case unchanged
}

/// A partition that could not be loaded, with the cause in one line.
public struct PartitionLoadError: Error, Sendable, CustomStringConvertible {
    public enum Cause: Sendable {
        /// The file on disk is not what the catalogue recorded (hash, zstd, row count).
        case corruptFile
        /// The table in PostgreSQL no longer has the schema's columns.
        case tableMismatch
        /// The partition was written under another version of its schema.
        case schemaMismatch
        /// PostgreSQL refused or failed.
        case postgres(PostgresError.Kind)
        /// Reading the file failed.
        case io
    }

    public var partition: PartitionKey
    public var cause: Cause
    public var message: String
    public var description: String { "\(partition.dataset) dt=\(partition.dt): \(message)" }
}

/// Loads lake partitions into PostgreSQL over one connection, each in one
/// transaction (ARCHITECTURE §6): advisory lock on (dataset, dt) → tables created
/// if missing → skip when the ledger holds the same SHA-256 → delete the dt's rows
/// → `COPY … FROM STDIN` of the decompressed CSV, streamed and turned into COPY's
/// binary format on the way (`BinaryCopyEncoder`) → ledger row → commit.
///
/// The file's SHA-256 is checked while it streams and the row count after the
/// COPY, both before the commit: a corrupt file rolls back and leaves the table
/// as it was.
public final class PartitionLoader {
    let pg: PostgresConnection
    let lakeRoot: String
    /// Tables whose columns were checked on this connection.
    var checkedTables: Set<DatasetName> = []

    public init(conninfo: String, lakeRoot: String) throws {
        pg = try PostgresConnection(conninfo: conninfo)
        self.lakeRoot = lakeRoot
        try pg.execute("SET application_name = 'opslake load'")
    }

    public var isUsable: Bool { pg.isUsable }

    /// Creates the dataset's table when it is missing, in a transaction of its own. The
    /// loader creates every table this way, one at a time, before its workers start:
    /// two sessions creating the first tables of a new schema at once can collide in
    /// PostgreSQL's catalogue (a session that looked the schema up before another one
    /// created it may keep a stale "no such schema" entry in its cache, and its CREATE
    /// SCHEMA IF NOT EXISTS then fails with a duplicate key). A failure here is left
    /// for the partition's own load to report.
    public func createTableIfMissing(_ schema: TableSchema) {
        try? pg.transaction {
            try ensureTable(schema) { cause, message in
                PartitionLoadError(partition: PartitionKey(schema.dataset, LakeDate(daysSinceEpoch: 0)), cause: cause, message: message)
            }
        }
    }

    public func load(_ partition: PartitionRecord, schema: TableSchema, runID: Int64?) throws(PartitionLoadError) -> PartitionOutcome {
        let key = partition.key
        func fail(_ cause: PartitionLoadError.Cause, _ message: String) -> PartitionLoadError {
            PartitionLoadError(partition: key, cause: cause, message: message)
        }
        guard partition.schemaHash == schema.hash else {
            throw fail(.schemaMismatch, "the partition was written under another version of its schema than schemas/ holds now; regenerate it or load with the matching schemas")
        }
        do {
            let outcome = try pg.transaction { try loadInTransaction(partition, schema: schema, runID: runID, fail: fail) }
            FaultPoint.hit(.afterLoadCommit, key.description)
            return outcome
        } catch {
            switch error {
            case let e as PartitionLoadError: throw e
            case let e as PostgresError: throw fail(.postgres(e.kind), e.description)
            case let e as FormatError:
                throw fail(e.kind == .io ? .io : .corruptFile, e.description + (e.kind == .io ? "" : "; run `opslake verify` and regenerate the partition"))
            default: throw fail(.io, "\(error)")
            }
        }
    }

    func loadInTransaction(_ partition: PartitionRecord, schema: TableSchema, runID: Int64?,
                           fail: (PartitionLoadError.Cause, String) -> PartitionLoadError) throws -> PartitionOutcome {
        let key = partition.key
        let table = "\(quoteIdentifier(schema.dataset.schema)).\(quoteIdentifier(schema.dataset.table))"
        _ = try pg.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["\(key.dataset)/\(key.dt)"])
        try ensureTable(schema, fail: fail)
        let fingerprint = try Ledger.fingerprint(partition)
        let held = try pg.query("SELECT sha256 FROM \(Ledger.ledgerTable) WHERE dataset = $1 AND dt = $2",
                                [key.dataset.description, key.dt.description])
        if held.first?.first == fingerprint { return .unchanged }

        _ = try pg.query("SELECT set_config($1, $2, true)", [TableSchema.partitionDateSetting, key.dt.description])
        _ = try pg.query("DELETE FROM \(table) WHERE dt = $1", [key.dt.description])
        let columns = schema.fields.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        var copied = 0
        for file in partition.files.filter({ $0.format == .csv }).sorted(by: { $0.part < $1.part }) {
            let path = FileIO.path(lakeRoot, file.path)
            let hashing = try HashingSource(FileSource(path: path))
            let csv = try ZstdReader(source: hashing, name: file.path)
            let binary = BinaryCopyEncoder(columns: schema.columns, source: csv, name: file.path, partitionDate: key.dt)
            let rows = try pg.copy("COPY \(table) (dt, \(columns)) FROM STDIN WITH (FORMAT binary)", from: binary)
            guard rows == binary.rows else {
                throw fail(.corruptFile, "\(file.path): the server copied \(rows) rows of the \(binary.rows) sent")
            }
            copied += rows
            guard try hashing.hash.finalize() == file.sha256 else {
                throw fail(.corruptFile, "\(file.path) does not match its catalogued SHA-256; run `opslake verify` and regenerate the partition")
            }
        }
        guard copied == partition.rows else {
            throw fail(.corruptFile, "the files hold \(copied) rows but the catalogue records \(partition.rows); run `opslake verify`")
        }
        _ = try pg.query("""
            INSERT INTO \(Ledger.ledgerTable) (dataset, dt, sha256, rows, run_id) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (dataset, dt) DO UPDATE SET sha256 = excluded.sha256, rows = excluded.rows,
              run_id = excluded.run_id, loaded_at = now()
            """, [key.dataset.description, key.dt.description, fingerprint, String(copied), runID.map(String.init)])
        FaultPoint.hit(.beforeLoadCommit, key.description)
        return .loaded(rows: copied)
    }

    /// Creates the dataset's table when missing, and checks once per connection that
    /// an existing table still has exactly the schema's columns and types.
    func ensureTable(_ schema: TableSchema, fail: (PartitionLoadError.Cause, String) -> PartitionLoadError) throws {
        if checkedTables.contains(schema.dataset) { return }
        let qualified = "\(schema.dataset.schema).\(schema.dataset.table)"
        var actual = try columns(of: schema)
        if actual.isEmpty {
            _ = try pg.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [Ledger.ddlLockKey])
            try pg.execute(schema.postgresDDL(dtFromSetting: true))
            actual = try columns(of: schema)
        }
        let wanted = [("dt", "date")] + schema.fields.map { ($0.name, Self.catalogType($0)) }
        var have = Dictionary(actual, uniquingKeysWith: { a, _ in a })
        // A schema version that appended columns: the table an earlier version made gets
        // them (docs/table-schemas.md, "Changing a schema"), when the table has exactly the
        // schema's other columns, in order and with their types: anything else is a
        // mismatch to resolve by hand. The loader checks every table this way in a
        // transaction of its own before loading (createTableIfMissing), so the columns are
        // committed before any partition's transaction.
        let missing = wanted.filter { have[$0.0] == nil }
        if !missing.isEmpty, missing.count < wanted.count, wanted.suffix(missing.count).map(\.0) == missing.map(\.0),
           actual.map(\.0) == wanted.prefix(actual.count).map(\.0), actual.map(\.1) == wanted.prefix(actual.count).map(\.1) {
            _ = try pg.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [Ledger.ddlLockKey])
            try pg.execute(schema.postgresAddColumnsDDL(missing.map(\.0)))
            actual = try columns(of: schema)
            have = Dictionary(actual, uniquingKeysWith: { a, _ in a })
        }
        var problems: [String] = []
        for (name, type) in wanted {
            if let t = have[name] {
                if t != type { problems.append("\(name) is \(t), the schema wants \(type)") }
            } else {
                problems.append("\(name) is missing")
            }
        }
        let extra = actual.map(\.0).filter { name in !wanted.contains { $0.0 == name } }
        if !extra.isEmpty { problems.append("\(extra.joined(separator: ", ")) \(extra.count == 1 ? "is" : "are") not in the schema") }
        guard problems.isEmpty else {
            throw fail(.tableMismatch, "table \(qualified) no longer matches the schema (\(problems.joined(separator: "; "))); migrate or drop the table, then load again")
        }
        checkedTables.insert(schema.dataset)
    }

    func columns(of schema: TableSchema) throws -> [(String, String)] {
        try pg.query("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, ["\(quoteIdentifier(schema.dataset.schema)).\(quoteIdentifier(schema.dataset.table))"]).map { ($0[0] ?? "", $0[1] ?? "") }
    }

    /// The type as PostgreSQL's `format_type` spells what `postgresDDL` creates.
    static func catalogType(_ field: TableSchema.Field) -> String {
        switch field.type {
        case .datetime: return "timestamp with time zone"
        default: return TableSchema.postgresType(field)
        }
    }
}
