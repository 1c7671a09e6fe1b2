import LakeFormat
import Foundation

/// The lake's manifest: `_catalog.sqlite` in WAL mode.
///
/// The catalogue is the truth about the lake: a file it does not list does not
/// exist for OpsLake. It holds datasets, partitions, files with checksums and
/// column statistics, runs, scheduler cursors and the commit journal. Its
/// `user_version` is the schema version; opening migrates it forward.
public final class Catalog: @unchecked Sendable {  // unchecked: every use of the SQLite handle goes through `locked`
    let db: SQLiteDatabase
    /// Serialises use of the connection by concurrent partition jobs.
    let mutex = NSLock()
    public let path: String

    /// Opens (creating if needed) and migrates the catalogue at `path`.
    public init(path: String) throws {
        self.path = path
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        try migrate()
    }

    @discardableResult
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        mutex.lock()
        defer { mutex.unlock() }
        return try body()
    }

    /// The catalogue's `user_version` is the lake's format (`LakeLayout.format`): its
    /// tables are those of `tables`, and a format-1 catalogue differs only in the paths
    /// and schema hashes it holds, which `WritableLake` migrates with the files.
    public static let schemaVersion = LakeLayout.format

    /// The `user_version` while a format-1 lake is being moved (after its journal is
    /// rolled forward, until the catalogue transaction that sets 2): a release that
    /// knows only format 1 refuses it as newer, rather than taking moved files for
    /// strays, and this one finishes the move.
    public static let movingFromFormat1 = 1_001

    /// The tables of a new catalogue.
    static let tables: [String] = [
        """
        CREATE TABLE lake (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE datasets (
            name TEXT PRIMARY KEY,
            schema_version INTEGER NOT NULL,
            schema_hash TEXT NOT NULL,
            partition_kind TEXT NOT NULL,
            schema_json TEXT NOT NULL,
            registered_at TEXT NOT NULL
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            arguments TEXT NOT NULL,
            window_from TEXT,
            window_to TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
            partitions INTEGER NOT NULL DEFAULT 0,
            rows INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            seconds REAL,
            error TEXT,
            pid INTEGER NOT NULL
        );
        CREATE TABLE partitions (
            dataset TEXT NOT NULL REFERENCES datasets(name),
            dt TEXT NOT NULL,
            rows INTEGER NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            seed TEXT,
            schema_hash TEXT NOT NULL,
            committed_at TEXT NOT NULL,
            PRIMARY KEY (dataset, dt)
        );
        CREATE TABLE files (
            dataset TEXT NOT NULL,
            dt TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('csv', 'ndjson')),
            part INTEGER NOT NULL,
            path TEXT NOT NULL UNIQUE,
            bytes INTEGER NOT NULL,
            uncompressed_bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            rows INTEGER NOT NULL,
            PRIMARY KEY (dataset, dt, format, part),
            FOREIGN KEY (dataset, dt) REFERENCES partitions(dataset, dt) ON DELETE CASCADE
        );
        CREATE TABLE column_stats (
            dataset TEXT NOT NULL,
            dt TEXT NOT NULL,
            column_index INTEGER NOT NULL,
            column_name TEXT NOT NULL,
            null_count INTEGER NOT NULL,
            min_value TEXT,
            max_value TEXT,
            PRIMARY KEY (dataset, dt, column_index),
            FOREIGN KEY (dataset, dt) REFERENCES partitions(dataset, dt) ON DELETE CASCADE
        );
        CREATE TABLE pending_commits (
            id INTEGER PRIMARY KEY,
            dataset TEXT NOT NULL,
            dt TEXT NOT NULL,
            manifest TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE cursors (
            task TEXT PRIMARY KEY,
            high_water TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    ]

    /// What each task of a run did (the billiards pull's per-endpoint-and-store tasks):
    /// requests, retries, pages, records and bytes received, windows landed, its cursor
    /// after the run, its seconds and its error.
    static let runTasksTable = """
        CREATE TABLE IF NOT EXISTS run_tasks (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            task TEXT NOT NULL,
            requests INTEGER NOT NULL,
            retries INTEGER NOT NULL,
            pages INTEGER NOT NULL,
            records INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            windows INTEGER NOT NULL,
            cursor TEXT,
            seconds REAL NOT NULL,
            error TEXT,
            PRIMARY KEY (run_id, task)
        );
        """

    /// What each derived partition (the billiards DWD) was built from: its inputs'
    /// fingerprints and the builder's, so a run rebuilds exactly the partitions whose
    /// inputs changed. Written after the partition's commit: a crash between the two
    /// costs one identical rebuild, never a stale partition.
    static let derivationsTable = """
        CREATE TABLE IF NOT EXISTS derivations (
            dataset TEXT NOT NULL,
            dt TEXT NOT NULL,
            inputs TEXT NOT NULL,
            built_at TEXT NOT NULL,
            PRIMARY KEY (dataset, dt)
        );
        """

    /// The quality checks of a run (the billiards DWD's): each check's verdict, what it
    /// looked at, and the first offending keys.
    static let qualityTable = """
        CREATE TABLE IF NOT EXISTS quality_results (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            check_name TEXT NOT NULL,
            passed INTEGER NOT NULL,
            checked INTEGER NOT NULL,
            failures INTEGER NOT NULL,
            offenders TEXT NOT NULL,
            detail TEXT NOT NULL,
            checked_at TEXT NOT NULL,
            PRIMARY KEY (run_id, check_name)
        );
        """

    func migrate() throws {
        try locked {
            try db.transaction {
                let current = Int(try db.query("PRAGMA user_version")[0][0].int ?? 0)
                guard current <= Self.schemaVersion || current == Self.movingFromFormat1 else {
                    throw CatalogError("the catalogue \(path) has schema version \(current), newer than this opslake (\(Self.schemaVersion)); upgrade opslake")
                }
                if current == 0 {
                    for sql in Self.tables { try db.execute(sql) }
                }
                // Added within format 2: older catalogues of the format gain it on open.
                try db.execute(Self.runTasksTable)
                try db.execute(Self.derivationsTable)
                try db.execute(Self.qualityTable)
                if current == 0 {
                    try db.execute("PRAGMA user_version = \(Self.schemaVersion)")
                    try db.query("INSERT INTO lake(key, value) VALUES ('id', ?), ('created_at', ?)",
                                 [.text(UUID().uuidString.lowercased()), .text(Self.now())])
                }
            }
        }
    }

    /// The lake's identity, made when the catalogue was created.
    public var lakeID: String {
        get throws { try locked { try db.query("SELECT value FROM lake WHERE key = 'id'")[0][0].string ?? "" } }
    }

    func setUserVersion(_ version: Int) throws {
        try locked { try db.execute("PRAGMA user_version = \(version)") }
    }

    public var userVersion: Int {
        get throws { try locked { Int(try db.query("PRAGMA user_version")[0][0].int ?? 0) } }
    }

    /// The current time in UTC, ISO 8601 (`2026-11-23T04:05:06Z`).
    static func now() -> String { Timestamp.utcNow }
}

/// A catalogue fault or misuse, described in one line.
public struct CatalogError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
