import BilliardsVenue
import CCurl
import LakeFormat
import Foundation
import Synchronization

/// What stops a pull task, with its sysexits code: 65 a response that is not the
/// envelope (after the retries a malformed body gets), 66/78 no token, 69 the API
/// cannot be reached (or has no such endpoint), 75 the retries ran out (timeouts,
/// dropped connections, 5xx, 429) or a window's total kept changing, 77 the token
/// was refused.
public struct PullError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Status: Int32, Sendable { case dataError = 65, noInput = 66, unavailable = 69, tempFail = 75, noPermission = 77, config = 78 }
    public var status: Status
    public var message: String
    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { message }
}

/// Counts of one task's requests, kept in the run's record (`run_tasks`).
public struct RequestCounts: Sendable, Hashable, Codable {
    /// Requests sent, retries among them, pages and tickets received whole.
    public var requests = 0
    public var retries = 0
    public var pages = 0
    /// Records received and bytes of the bodies received.
    public var records = 0
    public var bytes: Int64 = 0

    public mutating func add(_ o: RequestCounts) {
        requests += o.requests
        retries += o.retries
        pages += o.pages
        records += o.records
        bytes += o.bytes
    }
}

/// The upstream API over HTTP (libcurl, `CurlClient`: https, proxies and keep-alive
/// come with it): one GET with a bearer token, a per-request timeout, and retries with exponential backoff and jitter on
/// timeouts, connection errors, 5xx, 429 (waiting its `Retry-After`) and bodies that
/// do not parse. A refused token (after re-reading the token file once, in case it
/// was rotated) and an unreachable API are fatal: every later request of the pull
/// fails at once with the same error, rather than each task retrying on its own.
final class APIClient: Sendable {
    let settings: PullSettings
    let http: CurlClient
    let token: Mutex<String>
    let fatal = Mutex<PullError?>(nil)
    /// The base URL without trailing slashes.
    let base: String

    init(settings: PullSettings) throws {
        self.settings = settings
        token = Mutex(try settings.readToken())
        http = CurlClient(timeoutSeconds: settings.timeoutSeconds, userAgent: "opslake-billiards-pull")
        var base = settings.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// The URL of `path` with `query` (values percent-encoded; a space as %20).
    func url(_ path: String, _ query: [(String, String)]) -> String {
        var url = base + path
        for (i, (name, value)) in query.enumerated() {
            url += i == 0 ? "?" : "&"
            url += name
            url += "="
            url += Self.percentEncoded(value)
        }
        return url
    }

    /// `value` as a query value: the bytes RFC 3986 allows in a query pass, except
    /// `& = + ; #`, which would change its meaning; every other byte is %XX. (By hand:
    /// Foundation's `addingPercentEncoding` cost a twentieth of the pull's CPU.)
    static func percentEncoded(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 8)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in value.utf8 {
            if queryAllowed[Int(b)] {
                out.append(b)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Unreserved characters, `! $ ' ( ) * ,`, `: @ / ?`.
    static let queryAllowed: [Bool] = (0..<256).map { b in
        guard b < 128 else { return false }
        let c = Character(Unicode.Scalar(UInt8(b)))
        return c.isASCII && (c.isLetter || c.isNumber) || "-._~!$'()*,:@/?".contains(c)
    }

    /// One answer as received.
    struct Answer {
        var status: Int
        var body: [UInt8]
        var retryAfter: Double?
    }

    /// GETs `path` until a 200 whose body `parse` accepts, or the retries run out.
    /// `place` names the request in errors (`settlement_records store 1 2026-03-01 08:00:00..<… page 2`).
    /// `record` sees every answer (the archive keeps them).
    /// A 404 means a wrong base URL (fatal, 69) unless `notFoundIsData`: a ticket the
    /// API does not know fails only its own task (65).
    func get<T>(_ path: String, query: [(String, String)], place: String, counts: inout RequestCounts, notFoundIsData: Bool = false,
                record: (Answer) throws -> Void = { _ in }, parse: ([UInt8]) throws -> T) throws -> T {
        let url = url(path, query)
        var attempt = 0
        while true {
            if let e = fatal.withLock({ $0 }) { throw e }
            attempt += 1
            counts.requests += 1
            if attempt > 1 { counts.retries += 1 }
            let last = attempt > settings.retries
            var wait: Double? = nil
            let problem: String
            let sent = token.withLock { $0 }
            switch send(url, token: sent) {
            case .failure(let error):
                switch error.kind {
                case .unreachable:
                    if last { throw stop(PullError(.unavailable, "\(place): cannot reach \(settings.baseURL.absoluteString) (\(error.message)) after \(attempt) attempts; check billiards.api_url and the network")) }
                case .refused:
                    throw stop(PullError(.unavailable, "\(place): \(error.message); check billiards.api_url"))
                case .transient:
                    break
                }
                problem = error.message
            case .success(let answer):
                counts.bytes += Int64(answer.body.count)
                try record(answer)
                switch answer.status {
                case 200:
                    do {
                        let value = try parse(answer.body)
                        FaultPoint.hit(.afterResponse, place)
                        return value
                    } catch let e as ODSError {
                        if last { throw PullError(.dataError, "\(e.message) (after \(attempt) attempts)") }
                        problem = "a malformed response"
                    }
                case 401, 403:
                    // The token file may have been rotated: read it again, and try again if it differs
                    // from the token this request sent (another request may have read it already).
                    if attempt <= settings.retries, case .file = settings.token, let fresh = try? settings.readToken(), fresh != sent {
                        token.withLock { $0 = fresh }
                        problem = "a token that was replaced"
                        wait = 0
                    } else {
                        throw stop(PullError(.noPermission, "\(place): the API refused the token (HTTP \(answer.status)\(Self.message(answer.body))); "
                                             + "renew it in \(settings.token)"))
                    }
                case 404 where !notFoundIsData:
                    throw stop(PullError(.unavailable, "\(place): \(url) answered 404 (no such endpoint); check billiards.api_url"))
                case 429:
                    problem = "HTTP 429 (throttled)"
                    wait = answer.retryAfter.map { min($0, max(settings.maxBackoffSeconds, 1)) }
                case 500...599:
                    problem = "HTTP \(answer.status)"
                default:
                    throw PullError(.dataError, "\(place): the API answered HTTP \(answer.status)\(Self.message(answer.body)); the request was not accepted")
                }
            }
            if last {
                throw PullError(.tempFail, "\(place): \(problem) on each of \(attempt) attempts; try again later or raise billiards.retries")
            }
            Thread.sleep(forTimeInterval: wait ?? backoff(attempt))
        }
    }

    /// The wait before attempt `attempt + 1`: the base doubled per retry, capped, half of it random.
    func backoff(_ attempt: Int) -> Double {
        let full = min(settings.maxBackoffSeconds, settings.backoffSeconds * pow(2, Double(attempt - 1)))
        return full / 2 + Double.random(in: 0...(full / 2))
    }

    /// Marks the pull as failed with `e`: every later request fails with it at once.
    func stop(_ e: PullError) -> PullError {
        fatal.withLock { if $0 == nil { $0 = e } }
        return e
    }

    /// The envelope's message of an error answer, for the error line.
    static func message(_ body: [UInt8]) -> String {
        struct Envelope: Decodable { var message: String? }
        guard let m = try? JSONDecoder().decode(Envelope.self, from: Data(body)).message, !m.isEmpty else { return "" }
        return ": " + String(m.prefix(200))
    }

    struct SendError: Error {
        enum Kind { case transient, unreachable, refused }
        var kind: Kind
        var message: String
    }

    /// One request, waited for.
    func send(_ url: String, token: String) -> Result<Answer, SendError> {
        switch http.get(url, headers: ["Authorization: Bearer " + token, "Accept: application/json"]) {
        case .success(let r): .success(Answer(status: r.status, body: r.body, retryAfter: r.retryAfter))
        case .failure(let f): .failure(Self.classify(f, timeout: settings.timeoutSeconds))
        }
    }

    /// What a failed request means for the pull: try again, or stop.
    static func classify(_ f: CurlClient.Failure, timeout: Double) -> SendError {
        switch f.code {
        case CURLE_OPERATION_TIMEDOUT:
            SendError(kind: .transient, message: "no answer within \(timeout) s (billiards.timeout_seconds)")
        case CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING:
            SendError(kind: .transient, message: "the connection was dropped mid-response (\(f.message))")
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            SendError(kind: .unreachable, message: f.message)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER, CURLE_TOO_MANY_REDIRECTS:
            SendError(kind: .refused, message: "the request could not be made (\(f.message))")
        default:
            SendError(kind: .transient, message: f.message)
        }
    }
}
