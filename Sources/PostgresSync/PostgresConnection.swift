internal import CLibPQ
public import LakeFormat

/// A PostgreSQL failure: what was being done and the server's message, never the
/// connection string (which may hold a password).
public struct PostgresError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The SQLSTATE code when the server sent one.
    public var sqlState: String?
    public var message: String
    /// The kind when it is known without reading the message (a connection string
    /// that libpq cannot parse).
    var knownKind: Kind?
    public var description: String { message + (sqlState.map { " (SQLSTATE \($0))" } ?? "") }

    public init(sqlState: String? = nil, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    init(kind: Kind, message: String) {
        self.message = message
        knownKind = kind
    }

    /// What kind of failure this is, for the exit code and the hint.
    public enum Kind: Sendable {
        /// No server answers at the address, or the connection was lost.
        case unreachable
        /// The server refused the credentials.
        case authentication
        /// The database named in the connection settings does not exist.
        case missingDatabase
        /// The role lacks a privilege the load needs.
        case privilege
        /// The connection settings are malformed or hold an invalid value (`sslmode=bogus`).
        case badSettings
        /// Anything else the server reported.
        case other
    }

    public var kind: Kind {
        if let knownKind { return knownKind }
        switch sqlState {
        case "28P01", "28000": return .authentication
        case "3D000": return .missingDatabase
        case "42501": return .privilege
        case let s? where s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03": return .unreachable
        case .some: return .other
        case nil:
            // libpq reports connection failures without a SQLSTATE; the server's
            // words are the only clue (in the server's language, English by default).
            if message.contains("password authentication failed") || message.contains("no password supplied")
                || message.contains("no pg_hba.conf entry") || (message.contains("role \"") && message.contains("does not exist")) {
                return .authentication
            }
            if message.contains("does not exist") && message.contains("database") { return .missingDatabase }
            // libpq's own words for a setting it cannot use (`invalid sslmode value: "bogus"`,
            // `invalid port number`, `invalid integer value`).
            if message.contains(": invalid ") { return .badSettings }
            return .unreachable
        }
    }
}

/// One libpq connection. Settings follow libpq: a DSN or URI, and the standard
/// `PG*` variables and `.pgpass` for whatever it leaves out.
public final class PostgresConnection {
    let handle: OpaquePointer

    /// Connects; `conninfo` "" uses only the environment, as `psql` does.
    public init(conninfo: String = "") throws {
        // A string libpq cannot parse is the caller's mistake, not an unreachable server.
        var parseError: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(conninfo, &parseError) {
            PQconninfoFree(options)
        } else {
            var message = parseError.map { Self.firstLine($0) } ?? "it cannot be parsed"
            PQfreemem(parseError)
            // libpq quotes the token it choked on, which may be a password: when the
            // string carries credentials, the quoted parts are left out.
            if conninfo.contains("password") || conninfo.contains("@") {
                message = message.replacingOccurrences(of: #""[^"]*""#, with: "\"…\"", options: .regularExpression)
            }
            throw PostgresError(kind: .badSettings, message: "the connection string is malformed: \(message)")
        }
        guard let conn = PQconnectdb(conninfo) else { throw PostgresError(message: "libpq could not allocate a connection") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.connectionMessage(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(message: "cannot connect to PostgreSQL: \(message)")
        }
        handle = conn
        // The server's notices ("schema already exists, skipping") are not for the
        // user: libpq would print each to stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// False once the connection is lost (server gone, backend terminated).
    public var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    /// libpq's connection error, which may list one failed attempt per address:
    /// the last line that says what went wrong, without the address list.
    static func connectionMessage(_ text: UnsafePointer<CChar>?) -> String {
        let s = text.map { String(cString: $0) } ?? "unknown error"
        let lines = s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.last(where: { $0.hasPrefix("FATAL:") || $0.contains("failed:") }) ?? lines.first ?? "unknown error"
    }

    /// The first SQL statement's first words, on one line, for error messages.
    static func summary(_ sql: String) -> String {
        let code = sql.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: " ")
        let words = code.split(whereSeparator: \.isWhitespace).prefix(8).joined(separator: " ")
        return words.count < code.count ? words + " …" : words
    }

    static func firstLine(_ text: UnsafePointer<CChar>?) -> String {
        let s = text.map { String(cString: $0) } ?? "unknown error"
        return String(s.split(separator: "\n").first ?? "unknown error").trimmingCharacters(in: .whitespaces)
    }

    /// The one place a `PGresult` status is checked: returns the result or throws.
    func check(_ result: OpaquePointer?, _ doing: String) throws -> OpaquePointer {
        guard let result else {
            throw PostgresError(message: "\(doing): \(Self.firstLine(PQerrorMessage(handle)))")
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN, PGRES_COPY_OUT:
            return result
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = Self.firstLine(PQresultErrorMessage(result))
            PQclear(result)
            throw PostgresError(sqlState: state, message: "\(doing): \(message)")
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it
    /// throws (if the connection still stands), the error rethrown.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isUsable { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs SQL without parameters (one or more statements).
    public func execute(_ sql: String) throws {
        PQclear(try check(PQexec(handle, sql), "executing \(Self.summary(sql))"))
    }

    /// Runs a query with text parameters ($1, $2, …) and returns every row as text (nil for NULL).
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        let cStrings = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer($0) }
        let result = try check(PQexecParams(handle, sql, Int32(parameters.count), nil, &pointers, nil, nil, 0),
                               "querying \(Self.summary(sql))")
        defer { PQclear(result) }
        return (0..<PQntuples(result)).map { r in
            (0..<PQnfields(result)).map { c in
                PQgetisnull(result, r, c) == 1 ? nil : String(cString: PQgetvalue(result, r, c))
            }
        }
    }

    /// Streams `source` through `COPY … FROM STDIN`; `copySQL` is the whole COPY
    /// statement. If reading the source throws, the COPY is aborted with CopyFail
    /// and the error rethrown. Returns the rows the server reports copied.
    @discardableResult
    public func copy(_ copySQL: String, from source: any ByteSource) throws -> Int {
        PQclear(try check(PQexec(handle, copySQL), "starting \(Self.summary(copySQL))"))
        do {
            // 8 KiB messages, as psql sends: the server reads a whole CopyData message
            // before parsing any of it, so large ones keep it waiting for the client
            // and the two stop overlapping (a 20-day load took 3.0–3.4 s with 256 KiB
            // messages, 2.0–2.3 s with 8 KiB).
            try source.forEachChunk(size: 1 << 13) { chunk in
                let rc = chunk.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
                guard rc == 1 else { throw PostgresError(message: "sending COPY data: \(Self.firstLine(PQerrorMessage(handle)))") }
                FaultPoint.hit(.afterCopyData, Self.summary(copySQL))
            }
        } catch {
            _ = PQputCopyEnd(handle, "the source failed: \(error)")
            while let r = PQgetResult(handle) { PQclear(r) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw PostgresError(message: "ending COPY: \(Self.firstLine(PQerrorMessage(handle)))")
        }
        var copied = 0
        while let r = PQgetResult(handle) {
            let result = try check(r, "finishing COPY")
            copied = Int(String(cString: PQcmdTuples(result))) ?? copied
            PQclear(result)
        }
        return copied
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
