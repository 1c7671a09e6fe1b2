import BilliardsAPI
import BilliardsVenue
import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The venue every test serves: three stores from 2026-01-01, seed 1 (shared, so its
/// days are simulated once).
let venue = try! Venue(config: VenueConfig(), seed: 1)
let token = "test-token-6c1e"
let store = venue.stores[0]
/// A three-day window long before the fixed clock.
let windowStart = "2026-03-01 08:00:00", windowEnd = "2026-03-04 08:00:00"
let window = VenueTime(windowStart)!..<VenueTime(windowEnd)!
let fixedNow = APIClock.fixed(VenueTime("2026-03-15 12:00:00")!)

/// The built `opslake billiards serve` on a free loopback port, with the settings
/// given as its flags; stopped by `stop()` (SIGTERM).
///
/// A separate process, not an in-process server: Swift Testing runs the other suites'
/// blocking tests on the same two cooperative threads, which would starve a server
/// that shares them and turn answers into client timeouts.
final class RunningServer: Sendable {
    let process: Process
    let output = Pipe(), errors = Pipe()
    let tokenFile: TemporaryDirectory
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }
    var tokenPath: String { tokenFile.path + "/token.txt" }

    init(faults: FaultPlan = FaultPlan(), clock: APIClock = fixedNow, extra: [String] = []) async throws {
        tokenFile = TemporaryDirectory("billiards-token")
        try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile.path + "/token.txt"))
        var arguments = ["billiards", "serve", "--port", "0", "--token-file", tokenFile.path + "/token.txt", "--fault-seed", String(faults.seed)]
        if case .fixed(let now) = clock { arguments += ["--now", now.description] }
        for (name, rule) in [("fail", faults.fail), ("throttle", faults.throttle), ("slow", faults.slow), ("drop", faults.drop), ("malformed", faults.malformed), ("miscount", faults.miscount)] {
            if rule.rate > 0 { arguments += ["--\(name)-rate", String(rule.rate)] }
            if !rule.at.isEmpty { arguments += ["--\(name)-at", rule.at.sorted().map(String.init).joined(separator: ",")] }
        }
        arguments += ["--retry-after", String(faults.retryAfterSeconds), "--slow-seconds", String(faults.slowSeconds)]
        if let n = faults.tokenExpiresAfter { arguments += ["--token-expires-after", String(n)] }
        if faults.hasLateRecords { arguments += ["--late-rate", String(faults.lateRate), "--late-minutes", String(faults.lateMinutes)] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: opslakeBinary)
        process.arguments = arguments + extra
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The one line it prints once it listens.
        var line: [UInt8] = []
        while let b = output.fileHandleForReading.readData(ofLength: 1).first, b != UInt8(ascii: "\n") { line.append(b) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("billiards API listening on http://127.0.0.1:"), let p = Int(text.split(separator: ":")[2].prefix { $0.isNumber }) else {
            process.terminate()
            throw ServeFailed(line: text + String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        port = p
    }

    /// SIGTERM, then the exit status and what it printed after the first line.
    @discardableResult
    func stop() -> (status: Int32, signaled: Bool, stdout: String, stderr: String) {
        kill(process.processIdentifier, SIGTERM)
        let rest = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        tokenFile.remove()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal,
                String(decoding: rest, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// GET `path` with `parameters`, over URLSession.
    func get(_ path: String, _ parameters: [String: String], token: String? = token, timeout: Double = 300) async throws -> Reply {
        var components = URLComponents(string: base + path)!
        components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        var request = URLRequest(url: components.url!)
        request.timeoutInterval = timeout
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return Reply(status: http.statusCode, headers: http.allHeaderFields as? [String: String] ?? [:], body: data)
    }

    /// The window parameters for `store`, with a page and a page size.
    func windowQuery(page: Int? = nil, pageSize: Int? = nil, site: Store = store, from: String = windowStart, to: String = windowEnd) -> [String: String] {
        var q = ["siteId": String(site.id), "startTime": from, "endTime": to]
        if let page { q["page"] = String(page) }
        if let pageSize { q["pageSize"] = String(pageSize) }
        return q
    }
}

struct ServeFailed: Error { var line: String }

struct Reply {
    var status: Int
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

/// The bytes a page must be, built from the simulator's records for the window.
func expectedPage(_ endpoint: Endpoint, _ records: [any VenueRecord], page: Int, pageSize: Int) throws -> [UInt8] {
    let from = min((page - 1) * pageSize, records.count), to = min(from + pageSize, records.count)
    let list = try VenueJSON.encode(Array(records[from..<to]))
    let counts = "\"total\":\(records.count),\"page\":\(page),\"pageSize\":\(pageSize),"
    let listPath = endpoint.listPath!
    if listPath == "data" {
        return Array("{\"code\":0,\"message\":\"ok\",\(counts)\"data\":".utf8) + list + Array("}".utf8)
    }
    let key = String(listPath.split(separator: ".").last!)
    return Array("{\"code\":0,\"message\":\"ok\",\"data\":{\(counts)\"\(key)\":".utf8) + list + Array("}}".utf8)
}

/// The records list of a page, whichever the list path.
func pageRecords(_ reply: Reply) -> [[String: Any]]? {
    guard let json = reply.json else { return nil }
    if let list = json["data"] as? [[String: Any]] { return list }
    guard let data = json["data"] as? [String: Any] else { return nil }
    return data.values.compactMap { $0 as? [[String: Any]] }.first
}

/// Python with requests: `$OPSLAKE_PYTHON`, else the repository's .venv.
let python: String? = {
    if let p = ProcessInfo.processInfo.environment["OPSLAKE_PYTHON"], !p.isEmpty { return p }
    return nil
}()
