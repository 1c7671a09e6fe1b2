import Testing
import BilliardsAPI
import BilliardsVenue
import Foundation
import TestSupport

/// `opslake billiards serve`, the built binary: the line it prints, its errors, its
/// stop on SIGTERM; and curl and Python requests paging it as the docs show.
@Suite struct ServeCommandTests {
    /// The built server on a free port, with the arguments given after the required ones.
    final class Served {
        let process = Process()
        let output = Pipe(), errors = Pipe()
        let tokenFile: TemporaryDirectory
        var port = 0
        var base: String { "http://127.0.0.1:\(port)" }
        var tokenPath: String { tokenFile.path + "/token.txt" }

        init(_ extra: [String] = []) throws {
            tokenFile = TemporaryDirectory("billiards-token")
            try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile.path + "/token.txt"))
            process.executableURL = URL(fileURLWithPath: opslakeBinary)
            process.arguments = ["billiards", "serve", "--port", "0", "--token-file", tokenFile.path + "/token.txt",
                                 "--now", "2026-03-15 12:00:00"] + extra
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            // The one line it prints once it listens.
            var line: [UInt8] = []
            while true {
                let byte = output.fileHandleForReading.readData(ofLength: 1)
                guard let b = byte.first else { break }
                if b == UInt8(ascii: "\n") { break }
                line.append(b)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("billiards API listening on http://127.0.0.1:"),
                  let p = Int(text.split(separator: ":")[2].prefix { $0.isNumber }) else {
                process.terminate()
                throw ServeFailed(line: text + String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            }
            port = p
        }

        /// SIGTERM, then the exit status and what it printed after the first line.
        func stop() -> (status: Int32, signaled: Bool, stdout: String, stderr: String) {
            kill(process.processIdentifier, SIGTERM)
            let rest = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            tokenFile.remove()
            return (process.terminationStatus, process.terminationReason == .uncaughtSignal,
                    String(decoding: rest, as: UTF8.self), String(decoding: err, as: UTF8.self))
        }
    }

    struct ServeFailed: Error { var line: String }

    @Test func printsWhereItListensAndStopsCleanlyOnSIGTERM() throws {
        let served = try Served()
        let r = try runCurl(["-sS", "-H", "Authorization: Bearer \(token)", served.base + Endpoint.siteTablesMaster.path
                             + "?siteId=\(store.id)&startTime=2026-03-01%2008:00:00&endTime=2026-03-02%2008:00:00"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("{\"code\":0,\"message\":\"ok\",\"data\":{\"total\":"))
        let end = served.stop()
        #expect(end.status == 0 && !end.signaled, "\(end.stderr)")
        #expect(end.stderr.isEmpty)
        #expect(!end.stdout.contains(token) && !end.stderr.contains(token))
    }

    @Test func curlPagesAnEndpointAsDocumented() throws {
        let served = try Served()
        defer { _ = served.stop() }
        let out = TemporaryDirectory("billiards-pages")
        defer { out.remove() }
        let endpoint = Endpoint.paymentTransactions
        let r = try runProcess(repositoryRoot + "/scripts/billiards-page.sh",
                               [served.base, served.tokenPath, endpoint.path, String(store.id), windowStart, windowEnd, out.path, "50"])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = venue.records(endpoint, store: store, updatedIn: window)
        var pages = 0
        var bodies: [[UInt8]] = []
        while let data = FileManager.default.contents(atPath: out.path + "/page-\(pages + 1).json") {
            bodies.append(Array(data))
            pages += 1
        }
        #expect(pages == (expected.count + 49) / 50)
        for (i, body) in bodies.enumerated() {
            #expect(body == (try expectedPage(endpoint, expected, page: i + 1, pageSize: 50)), "page \(i + 1)")
        }
        #expect(r.stdout.contains("\(expected.count) records in \(pages) pages"))
    }

    @Test(.enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with requests (make test sets it)"))
    func pythonRequestsPagesAnEndpoint() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let served = try Served()
        defer { _ = served.stop() }
        let endpoint = Endpoint.settlementRecords
        let r = try runProcess(py, [repositoryRoot + "/Tests/Interop/page_billiards.py", served.base, served.tokenPath, endpoint.path,
                                    String(store.id), windowStart, windowEnd, "25"])
        #expect(r.status == 0, "\(r.stderr)")
        let ids = r.stdout.split(separator: "\n").compactMap { line -> Int64? in
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (json?["id"] as? NSNumber)?.int64Value
        }
        let expected = venue.records(SettlementRecord.self, store: store, updatedIn: window).map(\.id)
        #expect(ids == expected)
    }

    @Test("the fault flags reach the server: one request each, in order")
    func faultFlags() throws {
        let served = try Served(["--fail-at", "2", "--throttle-at", "3", "--retry-after", "4", "--malformed-at", "4", "--drop-at", "5",
                                 "--token-expires-after", "6"])
        defer { _ = served.stop() }
        let url = served.base + Endpoint.refundTransactions.path + "?siteId=\(store.id)&startTime=2026-03-01+08:00:00&endTime=2026-03-08+08:00:00"
        var seen: [String] = []
        for _ in 1...7 {
            let r = try runCurl(["-sS", "-D", "-", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", url])
            let retryAfter = r.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("retry-after:") }
            seen.append(r.status == 18 ? "cut" : String(r.stdout.suffix(3)) + (retryAfter.map { " " + $0 } ?? ""))
        }
        #expect(seen == ["200", "503", "429 Retry-After: 4", "200", "cut", "200", "401"])
    }

    @Test func missingTokenFileIs66() throws {
        let r = try opslake("billiards", "serve", "--port", "0", "--token-file", "/nonexistent/token.txt")
        #expect(r.status == 66)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("token file /nonexistent/token.txt does not exist"))
    }

    @Test func emptyTokenFileIs78() throws {
        let dir = TemporaryDirectory("billiards-empty-token")
        defer { dir.remove() }
        try Data("\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/token.txt"))
        let r = try opslake("billiards", "serve", "--port", "0", "--token-file", dir.path + "/token.txt")
        #expect(r.status == 78)
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("bad flags are usage errors", arguments: [
        ["--fail-rate", "1.5"], ["--fail-at", "0"], ["--now", "2026-03-15"], ["--opened", "soon"], ["--late-minutes", "-1"],
    ])
    func badFlags(flags: [String]) throws {
        let r = try opslake(["billiards", "serve", "--port", "0", "--token-file", "/nonexistent"] + flags)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func busyPortIs69() throws {
        let served = try Served()
        defer { _ = served.stop() }
        let dir = TemporaryDirectory("billiards-busy")
        defer { dir.remove() }
        try Data("t\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/token.txt"))
        let r = try opslake("billiards", "serve", "--port", String(served.port), "--token-file", dir.path + "/token.txt")
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
