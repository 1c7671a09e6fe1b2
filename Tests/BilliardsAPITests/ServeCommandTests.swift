import Testing
import BilliardsAPI
import BilliardsVenue
import Foundation
import TestSupport

/// `opslake billiards serve`, the built binary: the line it prints, its errors, its
/// stop on SIGTERM; and curl and Python requests paging it as the docs show.
@Suite struct ServeCommandTests {
    @Test func printsWhereItListensAndStopsCleanlyOnSIGTERM() async throws {
        let served = try await RunningServer()
        let r = try runCurl(["-sS", "-H", "Authorization: Bearer \(token)", served.base + Endpoint.siteTablesMaster.path
                             + "?siteId=\(store.id)&startTime=2026-03-01%2008:00:00&endTime=2026-03-02%2008:00:00"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("{\"code\":0,\"message\":\"ok\",\"data\":{\"total\":"))
        let end = served.stop()
        #expect(end.status == 0 && !end.signaled, "\(end.stderr)")
        #expect(end.stderr.isEmpty)
        #expect(!end.stdout.contains(token) && !end.stderr.contains(token))
    }

    @Test func curlPagesAnEndpointAsDocumented() async throws {
        let served = try await RunningServer()
        defer { served.stop() }
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
    func pythonRequestsPagesAnEndpoint() async throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let served = try await RunningServer()
        defer { served.stop() }
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
    func faultFlags() async throws {
        let served = try await RunningServer(extra: ["--fail-at", "2", "--throttle-at", "3", "--retry-after", "4", "--malformed-at", "4", "--drop-at", "5",
                                 "--token-expires-after", "6"])
        defer { served.stop() }
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

    @Test func busyPortIs69() async throws {
        let served = try await RunningServer()
        defer { served.stop() }
        let dir = TemporaryDirectory("billiards-busy")
        defer { dir.remove() }
        try Data("t\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/token.txt"))
        let r = try opslake("billiards", "serve", "--port", String(served.port), "--token-file", dir.path + "/token.txt")
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
