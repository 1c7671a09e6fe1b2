public import LakeFormat
import TableSchema
import Foundation

/// A slowly changing dimension kept in PostgreSQL (SCD2), defined by one SQL file in
/// `<schema>/dimensions/` of the domain's schemas: the file creates the table if missing and
/// rebuilds its rows from the loaded base tables.
///
/// Rebuilding from the base tables, rather than patching versions partition by
/// partition, makes the dimension a function of what is loaded: reloading any
/// partition, in any order, gives the same rows, with no duplicate versions and no
/// gaps or overlaps. The rebuild runs only when the ledger rows of its sources
/// changed since the last one (`opslake.dimension_state`), in one transaction
/// under an advisory lock, so concurrent loaders rebuild it one at a time and a
/// load killed before the rebuild is caught up by the next run.
public struct Dimension: Sendable {
    /// `schema.table` of the dimension.
    public var name: String
    /// The datasets it is built from (the header line `-- sources: a, b`).
    public var sources: [DatasetName]
    public var sql: String

    /// The dimensions defined under a schemas folder (none when it has no `dimensions/`).
    public static func all(in schemasDirectory: String) throws -> [Dimension] {
        var out: [Dimension] = []
        for schemaDir in FileIO.list(schemasDirectory) {
            let dir = "\(schemasDirectory)/\(schemaDir)/dimensions"
            guard FileIO.isDirectory(dir) else { continue }
            for file in FileIO.list(dir) where file.hasSuffix(".sql") {
                let path = "\(dir)/\(file)"
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw SchemaError(file: path, "cannot read the dimension file")
                }
                out.append(try Dimension(name: "\(schemaDir).\(file.dropLast(4))", sql: String(decoding: data, as: UTF8.self), file: path))
            }
        }
        return out
    }

    /// A dimension from its SQL text, whose header line `-- sources: a, b` names the
    /// datasets it is built from.
    public init(name: String, sql: String, file: String) throws {
        let header = sql.split(separator: "\n").first { $0.hasPrefix("-- sources:") }
        let sources = header.map { $0.dropFirst("-- sources:".count).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        let names = sources.compactMap(DatasetName.init)
        guard !names.isEmpty, names.count == sources.count else {
            throw SchemaError(file: file, "needs a line `-- sources: schema.table, …` naming the datasets it is built from")
        }
        self.name = name
        self.sources = names
        self.sql = sql
    }

    /// Rebuilds the dimension when its sources' ledger rows changed since the last
    /// rebuild; returns the rows it now holds, or nil when nothing needed doing (or a
    /// source table is not loaded yet).
    @discardableResult
    public func refresh(_ pg: PostgresConnection) throws -> Int? {
        try pg.transaction {
            _ = try pg.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["opslake dimension \(name)"])
            for s in sources {
                let present = try pg.query("SELECT to_regclass($1) IS NOT NULL", ["\(quoteIdentifier(s.schema)).\(quoteIdentifier(s.table))"])
                if present.first?.first != "t" { return nil }
            }
            let fingerprint = try pg.query("""
                SELECT coalesce(md5(string_agg(dataset || '/' || dt || '/' || sha256, ',' ORDER BY dataset, dt)), '')
                FROM \(Ledger.ledgerTable) WHERE dataset = ANY($1)
                """, ["{" + sources.map(\.description).joined(separator: ",") + "}"])[0][0] ?? ""
            let built = try pg.query("SELECT sources_fingerprint FROM \(Ledger.dimensionTable) WHERE dimension = $1", [name])
            if built.first?.first == fingerprint { return nil }
            try pg.execute(sql)
            let parts = name.split(separator: ".")
            let rows = Int(try pg.query("SELECT count(*) FROM \(quoteIdentifier(String(parts[0]))).\(quoteIdentifier(String(parts[1])))")[0][0] ?? "0") ?? 0
            _ = try pg.query("""
                INSERT INTO \(Ledger.dimensionTable) (dimension, sources_fingerprint, rows, built_at) VALUES ($1, $2, $3, now())
                ON CONFLICT (dimension) DO UPDATE SET sources_fingerprint = excluded.sources_fingerprint,
                  rows = excluded.rows, built_at = excluded.built_at
                """, [name, fingerprint, String(rows)])
            return rows
        }
    }
}
