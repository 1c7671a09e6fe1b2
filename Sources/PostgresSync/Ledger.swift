public import LakeFormat
public import LakeCatalog
import TableSchema

/// The loader's bookkeeping in PostgreSQL, schema `opslake`: the ledger says which
/// partition content is loaded (dataset, dt, SHA-256, rows); the runs table says
/// when each `opslake load` ran and what it did.
///
/// The ledger row is written in the same transaction as the partition's rows, so
/// the two can never disagree: that is what makes a rerun load nothing twice.
public enum Ledger {
    static let schema = "opslake"
    static let ledgerTable = "\(quoteIdentifier(schema)).\(quoteIdentifier("load_ledger"))"
    static let runsTable = "\(quoteIdentifier(schema)).\(quoteIdentifier("load_runs"))"
    static let dimensionTable = "\(quoteIdentifier(schema)).\(quoteIdentifier("dimension_state"))"
    static let qualityTable = "\(quoteIdentifier(schema)).\(quoteIdentifier("quality_results"))"

    static let ddl = """
        CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema));
        CREATE TABLE IF NOT EXISTS \(ledgerTable) (
          dataset text NOT NULL,
          dt date NOT NULL,
          sha256 text NOT NULL,
          rows bigint NOT NULL,
          run_id bigint,
          loaded_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (dataset, dt)
        );
        COMMENT ON TABLE \(ledgerTable) IS 'One row per loaded lake partition: the content (SHA-256 of its CSV files) now in the table';
        CREATE TABLE IF NOT EXISTS \(runsTable) (
          run_id bigserial PRIMARY KEY,
          lake_id text NOT NULL,
          host text NOT NULL,
          started_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz,
          status text NOT NULL DEFAULT 'running',
          partitions_loaded integer NOT NULL DEFAULT 0,
          partitions_unchanged integer NOT NULL DEFAULT 0,
          partitions_failed integer NOT NULL DEFAULT 0,
          rows_loaded bigint NOT NULL DEFAULT 0,
          error text
        );
        COMMENT ON TABLE \(runsTable) IS 'One row per opslake load run';
        CREATE TABLE IF NOT EXISTS \(dimensionTable) (
          dimension text PRIMARY KEY,
          sources_fingerprint text NOT NULL,
          rows bigint NOT NULL,
          built_at timestamptz NOT NULL
        );
        COMMENT ON TABLE \(dimensionTable) IS 'Each SCD2 dimension and the ledger content of its sources it was last rebuilt from';
        CREATE TABLE IF NOT EXISTS \(qualityTable) (
          lake_id text NOT NULL,
          lake_run_id bigint NOT NULL,
          check_name text NOT NULL,
          passed boolean NOT NULL,
          checked bigint NOT NULL,
          failures bigint NOT NULL,
          offenders text NOT NULL,
          detail text NOT NULL,
          checked_at timestamptz NOT NULL,
          PRIMARY KEY (lake_id, lake_run_id, check_name)
        );
        COMMENT ON TABLE \(qualityTable) IS 'The quality checks of the lake run whose data a load brought (opslake quality), one row per check';
        """

    /// Advisory-lock key space: DDL creation is serialised under one key, so two
    /// loaders creating the same table at once do not collide in the system catalogue.
    static let ddlLockKey = "opslake ddl"

    /// The content a partition's load is judged by: the SHA-256 of its CSV file, or
    /// of its parts' hashes in order when it has several. The NDJSON twin is not
    /// loaded, so it does not count.
    public static func fingerprint(_ partition: PartitionRecord) throws -> String {
        let parts = partition.files.filter { $0.format == .csv }.sorted { $0.part < $1.part }
        if parts.count == 1 { return parts[0].sha256 }
        return try SHA256.hash(Array(parts.map(\.sha256).joined(separator: "\n").utf8))
    }

    /// Creates the bookkeeping tables when missing (under the DDL lock).
    static func ensure(_ pg: PostgresConnection) throws {
        let present = try pg.query("""
            SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL AND to_regclass($4) IS NOT NULL
            """, ["opslake.load_ledger", "opslake.load_runs", "opslake.dimension_state", "opslake.quality_results"])
        if present.first?.first == "t" { return }
        try pg.transaction {
            _ = try pg.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [ddlLockKey])
            try pg.execute(ddl)
        }
    }

    /// Every ledger row, by dataset and dt; empty when the ledger does not exist yet.
    public static func rows(_ pg: PostgresConnection) throws -> [PartitionKey: (sha256: String, rows: Int)] {
        guard try pg.query("SELECT to_regclass($1) IS NOT NULL", ["opslake.load_ledger"]).first?.first == "t" else { return [:] }
        var out: [PartitionKey: (String, Int)] = [:]
        for r in try pg.query("SELECT dataset, dt::text, sha256, rows FROM \(ledgerTable)") {
            guard let name = r[0].flatMap(DatasetName.init), let dt = r[1].flatMap({ LakeDate(Substring($0)) }) else { continue }
            out[PartitionKey(name, dt)] = (r[2] ?? "", Int(r[3] ?? "") ?? 0)
        }
        return out
    }

    static func beginRun(_ pg: PostgresConnection, lakeID: String, host: String) throws -> Int64 {
        let r = try pg.query("INSERT INTO \(runsTable) (lake_id, host) VALUES ($1, $2) RETURNING run_id", [lakeID, host])
        return Int64(r.first?.first.flatMap { $0 } ?? "") ?? 0
    }

    /// Records the lake's last quality checks (`opslake quality`) beside the data, once
    /// per lake run: what a load brings is accompanied by what was checked of it.
    static func recordQuality(_ pg: PostgresConnection, lakeID: String, runID: Int64, checkedAt: String, _ results: [QualityResult]) throws {
        try pg.transaction {
            for r in results {
                _ = try pg.query("""
                    INSERT INTO \(qualityTable) (lake_id, lake_run_id, check_name, passed, checked, failures, offenders, detail, checked_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz) ON CONFLICT DO NOTHING
                    """, [lakeID, String(runID), r.check, r.passed ? "true" : "false", String(r.checked), String(r.failures),
                          r.offenders.joined(separator: "\n"), r.detail, checkedAt])
            }
        }
    }

    static func finishRun(_ pg: PostgresConnection, _ id: Int64, _ s: LoadSummary) throws {
        _ = try pg.query("""
            UPDATE \(runsTable) SET finished_at = now(), status = $2, partitions_loaded = $3,
              partitions_unchanged = $4, partitions_failed = $5, rows_loaded = $6, error = $7 WHERE run_id = $1
            """, [String(id), s.failures.isEmpty ? "ok" : "failed", String(s.loaded), String(s.unchanged),
                  String(s.failures.count), String(s.rowsLoaded), s.failures.first.map(\.description)])
    }
}
