internal import CSQLite
import Foundation

/// A failed SQLite call: result code, SQLite's message and the statement.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var sql: String?
    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " - while executing `\($0.prefix(120))`" } ?? "")
    }
}

/// One SQLite connection. Every result code passes through `check`, so no raw
/// `Int32` leaves this file.
final class SQLiteDatabase {
    let handle: OpaquePointer

    init(path: String) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteError(code: rc, message: "\(message) (\(path))", sql: nil)
        }
        handle = db
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        cache.removeAll()  // finalized before the connection closes
        sqlite3_close_v2(handle)
    }

    @discardableResult
    func check(_ rc: Int32, _ sql: String? = nil) throws -> Int32 {
        guard rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE else {
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        return rc
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql)
    }

    func prepare(_ sql: String) throws -> Statement { try Statement(self, sql) }

    /// Runs `sql` with `arguments` and returns every row.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
        let s = try take(sql)
        defer { give(s) }
        try s.bind(arguments)
        var rows: [[SQLValue]] = []
        while try s.step() { rows.append(s.row()) }
        return rows
    }

    /// `query`'s prepared statements, by their SQL. Preparing took about 80,000
    /// instructions a call, 6% of a DWD build, which looks a partition up thousands of
    /// times. A statement is taken out while it runs, so two threads never share one;
    /// the cache is emptied when it holds `cacheLimit`, so SQL built with values in it
    /// cannot grow it without bound.
    private var cache: [String: Statement] = [:]
    private let cacheLock = NSLock()
    private static let cacheLimit = 64

    private func take(_ sql: String) throws -> Statement {
        if let s = cacheLock.withLock({ cache.removeValue(forKey: sql) }) { return s }
        return try prepare(sql)
    }

    /// Returns `s` to the cache, reset and unbound so it holds no lock or value.
    private func give(_ s: Statement) {
        s.release()
        cacheLock.withLock {
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache[s.sql] = s
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A value bound to or read from SQLite.
enum SQLValue: Hashable {
    case null, integer(Int64), real(Double), text(String)

    var int: Int64? { if case .integer(let i) = self { i } else { nil } }
    var string: String? { if case .text(let s) = self { s } else { nil } }
    var double: Double? {
        switch self {
        case .real(let d): d
        case .integer(let i): Double(i)
        default: nil
        }
    }
}

/// Typed access to a result row's columns. A NULL or a value of another type where
/// the catalogue's own schema promises one is a damaged catalogue, said so in a
/// thrown error rather than a crash.
extension Array where Element == SQLValue {
    func int(_ column: Int) throws -> Int64 {
        guard let v = self[column].int else { throw Self.damaged(column, "an integer") }
        return v
    }

    func text(_ column: Int) throws -> String {
        guard let v = self[column].string else { throw Self.damaged(column, "text") }
        return v
    }

    /// A text column parsed by `parse` (a dataset name, a date, a format).
    func parsed<T>(_ column: Int, _ parse: (String) -> T?) throws -> T {
        guard let v = self[column].string.flatMap(parse) else { throw Self.damaged(column, "a valid \(T.self)") }
        return v
    }

    static func damaged(_ column: Int, _ expected: String) -> CatalogError {
        CatalogError("the catalogue holds a row whose column \(column + 1) is not \(expected); the catalogue is damaged (restore it or make a new lake)")
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(_ s: String?) { self = s.map(SQLValue.text) ?? .null }
    init(_ i: Int) { self = .integer(Int64(i)) }
    init(_ i: Int64) { self = .integer(i) }
}

final class Statement {
    /// Unowned: the database's cache holds its statements, and a statement never outlives its database.
    unowned let db: SQLiteDatabase
    let handle: OpaquePointer
    let sql: String

    init(_ db: SQLiteDatabase, _ sql: String) throws {
        self.db = db
        self.sql = sql
        var stmt: OpaquePointer?
        try db.check(sqlite3_prepare_v2(db.handle, sql, -1, &stmt, nil), sql)
        handle = stmt!
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ values: [SQLValue]) throws {
        try db.check(sqlite3_reset(handle), sql)
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .null: try db.check(sqlite3_bind_null(handle, index), sql)
            case .integer(let n): try db.check(sqlite3_bind_int64(handle, index, n), sql)
            case .real(let d): try db.check(sqlite3_bind_double(handle, index, d), sql)
            case .text(let s): try db.check(sqlite3_bind_text(handle, index, s, -1, csqlite_transient()), sql)
            }
        }
    }

    /// Advances; true while a row is available.
    func step() throws -> Bool { try db.check(sqlite3_step(handle), sql) == SQLITE_ROW }

    func row() -> [SQLValue] {
        (0..<sqlite3_column_count(handle)).map { i in
            switch sqlite3_column_type(handle, i) {
            case SQLITE_INTEGER: .integer(sqlite3_column_int64(handle, i))
            case SQLITE_FLOAT: .real(sqlite3_column_double(handle, i))
            case SQLITE_NULL: .null
            default: .text(String(cString: sqlite3_column_text(handle, i)))
            }
        }
    }

    /// Resets the statement and clears its bindings: it holds no read lock and no value.
    func release() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds, runs to completion and resets.
    func run(_ values: [SQLValue]) throws {
        try bind(values)
        while try step() {}
    }
}
