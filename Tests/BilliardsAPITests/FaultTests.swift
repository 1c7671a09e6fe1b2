import Testing
import BilliardsAPI
import BilliardsVenue
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Each fault flag has its effect at the request it names (request numbers count
/// every request the server receives, from 1). No sleeps: a fixed clock, schedules.
@Suite struct FaultTests {
    let path = Endpoint.settlementRecords.path

    @Test func failAtSchedule() async throws {
        var faults = FaultPlan()
        faults.fail = FaultRule(at: [2, 4])
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        var statuses: [Int] = []
        for _ in 1...5 { statuses.append(try await server.get(path, server.windowQuery()).status) }
        #expect(statuses == [200, 503, 200, 503, 200])
        let failed = try await RunningServer(faults: faults)
        defer { failed.stop() }
        _ = try await failed.get(path, server.windowQuery())
        let reply = try await failed.get(path, server.windowQuery())
        #expect(reply.json?["code"] as? Int == 503 && reply.json?["data"] is NSNull)
    }

    @Test("a rate strikes the same requests for the same seed, about as often as asked")
    func failRateIsDeterministic() throws {
        func statuses(seed: UInt64) -> [Int] {
            var faults = FaultPlan(seed: seed)
            faults.fail = FaultRule(rate: 0.1)
            let api = VenueAPI(venue: venue, settings: APISettings(token: token, faults: faults, clock: fixedNow))
            // An unknown path is cheap: 404, unless the fault strikes first.
            return (1...2_000).map { _ in api.respond(method: "GET", path: "/Nothing", query: "", authorization: "Bearer \(token)").status }
        }
        let a = statuses(seed: 3), b = statuses(seed: 3), c = statuses(seed: 4)
        #expect(a == b)
        #expect(a != c)
        let failures = a.filter { $0 == 503 }.count
        #expect((140...260).contains(failures), "\(failures) of 2000 at rate 0.1")
    }

    @Test func throttleCarriesRetryAfter() async throws {
        var faults = FaultPlan()
        faults.throttle = FaultRule(at: [1])
        faults.retryAfterSeconds = 7
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        let reply = try await server.get(path, server.windowQuery())
        #expect(reply.status == 429)
        #expect(reply.header("Retry-After") == "7")
        #expect(reply.json?["code"] as? Int == 429)
        #expect(try await server.get(path, server.windowQuery()).status == 200)
    }

    @Test func slowResponseOutlastsAShortClientTimeout() async throws {
        var faults = FaultPlan()
        faults.slow = FaultRule(at: [1])
        faults.slowSeconds = 20
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        // A client whose timeout (1 s) is shorter than the delay (20 s) gives up: curl
        // exits 28, "operation timed out". curl runs in its own process, so no other
        // suite's work on this process's threads can delay its clock.
        let url = server.base + path + "?siteId=\(store.id)&startTime=2026-03-01+08:00:00&endTime=2026-03-04+08:00:00"
        let slow = try runCurl(["-sS", "-m", "1", "-o", "/dev/null", "-H", "Authorization: Bearer \(token)", url])
        #expect(slow.status == 28, "curl exit \(slow.status): \(slow.stderr)")
        // The next request is answered at once.
        let next = try runCurl(["-sS", "-m", "120", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", url])
        #expect(next.stdout == "200")
    }

    @Test func droppedConnectionMidBody() async throws {
        var faults = FaultPlan()
        faults.drop = FaultRule(at: [1])
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        do {
            let reply = try await server.get(path, server.windowQuery())
            // Some clients hand back what came; it is short of Content-Length and not JSON.
            let announced = Int(reply.header("Content-Length") ?? "") ?? 0
            #expect(reply.body.count < announced)
            #expect(reply.json == nil)
        } catch {
            #expect(error is URLError, "\(error)")
        }
        #expect(try await server.get(path, server.windowQuery()).status == 200)
    }

    @Test func droppedConnectionOnTheWire() async throws {
        var faults = FaultPlan()
        faults.drop = FaultRule(at: [1])
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        // curl sees the headers, then the connection closing short of Content-Length.
        let url = server.base + path + "?siteId=\(store.id)&startTime=2026-03-01+08:00:00&endTime=2026-03-04+08:00:00"
        let r = try runCurl(["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-H", "Authorization: Bearer \(token)", url])
        #expect(r.status == 18, "curl exit \(r.status): \(r.stderr)")  // CURLE_PARTIAL_FILE
        #expect(r.stdout.hasPrefix("200 "))
    }

    @Test func malformedJSON() async throws {
        var faults = FaultPlan()
        faults.malformed = FaultRule(at: [1])
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        let reply = try await server.get(path, server.windowQuery())
        #expect(reply.status == 200)
        #expect(!reply.body.isEmpty)
        #expect(throws: (any Error).self) { try JSONSerialization.jsonObject(with: reply.body) }
        #expect(try await server.get(path, server.windowQuery()).json != nil)
    }

    @Test func tokenExpiresAfterNRequests() async throws {
        var faults = FaultPlan()
        faults.tokenExpiresAfter = 2
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        var statuses: [Int] = []
        for _ in 1...4 { statuses.append(try await server.get(path, server.windowQuery()).status) }
        #expect(statuses == [200, 200, 401, 401])
        let reply = try await server.get(path, server.windowQuery())
        #expect(reply.json?["message"] as? String == "token expired")
    }

    @Test("a late record is invisible before its time and visible after")
    func lateRecords() async throws {
        var faults = FaultPlan(seed: 5)
        faults.lateRate = 0.3
        faults.lateMinutes = 90
        let endpoint = Endpoint.paymentTransactions
        let all = venue.records(endpoint, store: store, updatedIn: window)
        // A late payment in the middle of the window, and a clock just after it was made.
        let late = try #require(all.dropFirst(all.count / 2).first { faults.isLate(sourceKey: $0.sourceKey) })
        let onTime = all.filter { !faults.isLate(sourceKey: $0.sourceKey) }
        #expect(!onTime.isEmpty && onTime.count < all.count)

        func servedKeys(at now: VenueTime) async throws -> [String] {
            let server = try await RunningServer(faults: faults, clock: .fixed(now))
            defer { server.stop() }
            let reply = try await server.get(endpoint.path, server.windowQuery(pageSize: 1000))
            return try #require(pageRecords(reply)).map { String(describing: $0["id"]!) }
        }
        let before = try await servedKeys(at: late.versionTime.adding(seconds: 90 * 60 - 1))
        let after = try await servedKeys(at: late.versionTime.adding(seconds: 90 * 60))
        #expect(!before.contains(late.sourceKey))
        #expect(after.contains(late.sourceKey))
        // On-time records made by then are there at both times; none is served before it is visible.
        let nowBefore = late.versionTime.adding(seconds: 90 * 60 - 1)
        for record in all {
            let visibleAt = record.versionTime.adding(seconds: faults.isLate(sourceKey: record.sourceKey) ? 90 * 60 : 0)
            #expect(before.contains(record.sourceKey) == (visibleAt <= nowBefore), "\(record.sourceKey)")
        }
        #expect(Set(after).count == after.count)
    }
}

/// Runs curl, as the docs' examples do.
func runCurl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["curl"] + arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
