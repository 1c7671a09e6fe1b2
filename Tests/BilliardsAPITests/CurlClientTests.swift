@testable import Billiards
import BilliardsAPI
import BilliardsVenue
import CCurl
import Foundation
import Testing
import TestSupport

/// The pull's HTTP client against the real server: what it reports of each kind of answer.
@Suite("the pull's HTTP client (libcurl)")
struct CurlClientTests {
    let client = CurlClient(timeoutSeconds: 1, userAgent: "opslake-test")

    func url(_ server: RunningServer, _ endpoint: Endpoint = .paymentTransactions) -> String {
        "\(server.base)\(endpoint.path)?siteId=\(store.id)&startTime=2026-03-01%2008:00:00&endTime=2026-03-02%2008:00:00"
    }

    /// A page comes back whole, with its status; the same handle asks again on the same connection.
    @Test func aPageIsReceivedWhole() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let direct = try await server.get(Endpoint.paymentTransactions.path, server.windowQuery(from: "2026-03-01 08:00:00", to: "2026-03-02 08:00:00"))
        for _ in 0..<3 {
            let r = try client.get(url(server), headers: ["Authorization: Bearer \(token)"]).get()
            #expect(r.status == 200)
            #expect(r.body == [UInt8](direct.body))
            #expect(r.retryAfter == nil)
        }
        let refused = try client.get(url(server), headers: ["Authorization: Bearer wrong"]).get()
        #expect(refused.status == 401)
    }

    /// A 429 carries its Retry-After in seconds, whatever the header's case.
    @Test func throttledAnswerCarriesRetryAfter() async throws {
        var faults = FaultPlan(seed: 3)
        faults.throttle = FaultRule(rate: 1)
        faults.retryAfterSeconds = 7
        let server = try await RunningServer(faults: faults)
        defer { server.stop() }
        let r = try client.get(url(server), headers: ["Authorization: Bearer \(token)"]).get()
        #expect(r.status == 429)
        #expect(r.retryAfter == 7)
    }

    /// A body cut short of its Content-Length and an answer slower than the timeout are
    /// failures libcurl names, which the pull retries.
    @Test func droppedAndSlowAnswersAreFailures() async throws {
        var faults = FaultPlan(seed: 3)
        faults.drop = FaultRule(rate: 1)
        let dropping = try await RunningServer(faults: faults)
        defer { dropping.stop() }
        guard case .failure(let dropped) = client.get(url(dropping), headers: ["Authorization: Bearer \(token)"]) else {
            Issue.record("a dropped body was received as an answer")
            return
        }
        #expect(APIClient.classify(dropped, timeout: 1).kind == .transient)
        #expect([CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_GOT_NOTHING].contains(dropped.code), "\(dropped)")

        var slowFaults = FaultPlan(seed: 3)
        slowFaults.slow = FaultRule(rate: 1)
        slowFaults.slowSeconds = 3
        let slow = try await RunningServer(faults: slowFaults)
        defer { slow.stop() }
        guard case .failure(let late) = client.get(url(slow), headers: ["Authorization: Bearer \(token)"]) else {
            Issue.record("an answer slower than the timeout was received")
            return
        }
        #expect(late.code == CURLE_OPERATION_TIMEDOUT)
        #expect(APIClient.classify(late, timeout: 1).message.contains("no answer within 1.0 s"))
    }

    /// The hand-written query encoding is Foundation's, with `& = + ; #` taken out of the
    /// allowed set: every ASCII byte, and random strings of ASCII, CJK and emoji.
    @Test func queryValuesAreEncodedAsFoundationWould() {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;#")
        var samples = (0..<128).map { String(Character(Unicode.Scalar(UInt8($0)))) } + ["2026-03-01 08:00:00", "台北 市", "a&b=c+d;e#f", "🐈‍⬛%20"]
        var g = SystemRandomNumberGenerator()
        let alphabet = Array("aZ09 -._~!$&'()*+,;=:@/?#%\"<>[]{}|^`台北貓🐕é\u{0}\n")
        for _ in 0..<500 { samples.append(String((0..<Int.random(in: 0...12, using: &g)).map { _ in alphabet.randomElement(using: &g)! })) }
        for value in samples {
            #expect(APIClient.percentEncoded(value) == value.addingPercentEncoding(withAllowedCharacters: allowed), "\(value.debugDescription)")
        }
    }

    /// https is built in (a closed port refuses the connection; it is not an unknown
    /// scheme), and a closed port is "unreachable", not a reason to retry forever.
    @Test func httpsIsSupportedAndAClosedPortIsUnreachable() throws {
        let port = closedPort()
        for scheme in ["http", "https"] {
            guard case .failure(let f) = client.get("\(scheme)://127.0.0.1:\(port)/", headers: []) else {
                Issue.record("\(scheme): a closed port answered")
                continue
            }
            #expect(f.code == CURLE_COULDNT_CONNECT, "\(scheme): \(f)")
            #expect(APIClient.classify(f, timeout: 1).kind == .unreachable)
        }
        guard case .failure(let unknown) = client.get("gopherx://127.0.0.1:\(port)/", headers: []) else { return }
        #expect(APIClient.classify(unknown, timeout: 1).kind == .refused)
    }
}
