public import BilliardsVenue
import LakeFormat
import Synchronization

/// The venue's upstream API as a function from request to response, without sockets:
/// authentication, parameters, paging, the window cache and the fault plan
/// (docs/billiards-api.md is the contract). `BilliardsAPIServer` puts it on HTTP.
///
///     let api = VenueAPI(venue: try Venue(seed: 1), settings: APISettings(token: "s3cret"))
///     let r = api.respond(method: "GET", path: "/Site/GetAllOrderSettleList",
///                         query: "siteId=1001204540000001&startTime=2026-03-01+08:00:00&endTime=2026-03-02+08:00:00",
///                         authorization: "Bearer s3cret")
public final class VenueAPI: Sendable {
    public let venue: Venue
    public let settings: APISettings
    let cache: WindowCache
    let requests = Atomic<Int>(0)

    public init(venue: Venue, settings: APISettings) {
        self.venue = venue
        self.settings = settings
        cache = WindowCache(limitBytes: settings.cacheBytes)
    }

    /// The longest window a request may ask for.
    public static let maxWindowSeconds = 31 * 86_400
    public static let maxPageSize = VenueResponses.maxPageSize
    public static let defaultPageSize = VenueResponses.defaultPageSize

    /// Requests received so far (the number of the last one).
    public var requestCount: Int { requests.load(ordering: .relaxed) }

    /// Windows computed and windows served from the cache.
    public var cacheStatistics: (hits: Int, misses: Int, bytes: Int, windows: Int) { cache.statistics }

    /// Answers one request. `query` is the raw query string (percent-encoded, `+` for
    /// a space); `authorization` the `Authorization` header, if any.
    public func respond(method: String, path: String, query: String, authorization: String?) -> APIResponse {
        respond(number: nextRequestNumber(), method: method, path: path, query: query, authorization: authorization, simulating: true)!
    }

    /// Numbers a new request: the faults planned by request number go by it.
    public func nextRequestNumber() -> Int { requests.add(1, ordering: .relaxed).newValue }

    /// Answers request number `n`, or, unless `simulating`, returns nil when the answer
    /// needs the venue to simulate a window or day it has not kept: a server answers what
    /// it has kept at once and sends the rest where blocking for a while does no harm.
    public func respond(number n: Int, method: String, path: String, query: String, authorization: String?, simulating: Bool) -> APIResponse? {
        let faults = settings.faults
        guard var response = answer(number: n, method: method, path: path, query: query, authorization: authorization, simulating: simulating) else {
            return nil
        }
        if faults.hits(.slow, request: n) { response.delaySeconds = faults.slowSeconds }
        if response.status == 200 {
            if faults.hits(.drop, request: n) {
                response.dropAfter = response.body.count / 2
            } else if faults.hits(.malformed, request: n) {
                response.body = Array(response.body.prefix(response.body.count / 2))
            }
        }
        return response
    }

    /// Thrown on the way to an answer that would need the venue to simulate.
    struct NeedsSimulation: Error {}

    func answer(number n: Int, method: String, path: String, query: String, authorization: String?, simulating: Bool) -> APIResponse? {
        let faults = settings.faults
        guard let presented = Self.bearerToken(authorization) else {
            return .error(401, "missing bearer token; send Authorization: Bearer <token>", authenticate: true)
        }
        guard Self.constantTimeEqual(presented, settings.token) else { return .error(401, "invalid token", authenticate: true) }
        if let limit = faults.tokenExpiresAfter, n > limit { return .error(401, "token expired", authenticate: true) }
        if faults.hits(.fail, request: n) { return .error(503, "service unavailable (injected fault at request \(n))") }
        if faults.hits(.throttle, request: n) {
            var r = APIResponse.error(429, "too many requests; retry after \(faults.retryAfterSeconds) s")
            r.headers.append(("Retry-After", String(faults.retryAfterSeconds)))
            return r
        }
        guard let endpoint = Endpoint(path: path) else { return .error(404, "no endpoint at \(path)") }
        guard method == "GET" else {
            var r = APIResponse.error(405, "\(method) is not allowed; use GET")
            r.headers.append(("Allow", "GET"))
            return r
        }
        do {
            let parameters = try QueryParameters(query)
            if endpoint == .settlementTicketDetails { return try ticket(parameters, simulating: simulating) }
            return try page(endpoint, parameters, request: n, simulating: simulating)
        } catch is NeedsSimulation {
            return nil
        } catch let e as APIError {
            return .error(e.status, e.message)
        } catch {
            return .error(500, "internal error: \(error)")
        }
    }

    // MARK: Pages

    func page(_ endpoint: Endpoint, _ q: QueryParameters, request n: Int, simulating: Bool = true) throws -> APIResponse {
        let store = endpoint.scope == .tenant ? venue.stores[0] : try self.store(q)
        let window = try Self.window(q, endpoint)
        let page = try q.integer("page", default: 1, in: 1...Int(Int32.max))
        let pageSize = try q.integer("pageSize", default: Self.defaultPageSize, in: 1...Self.maxPageSize)
        let entry = try records(endpoint, store: store, in: window, simulating: simulating)
        let total = entry.records.count
        let (skip, overflow) = (page - 1).multipliedReportingOverflow(by: pageSize)
        let from = overflow ? total : min(skip, total)
        let to = min(from + pageSize, total)

        let counted = settings.faults.hits(.miscount, request: n) ? total + 1 : total
        let body = VenueResponses.listPage(endpoint, encoded: entry.records[from..<to], total: counted, page: page, pageSize: pageSize)
        return .json(200, body)
    }

    /// The window's records as served at "now": for each source key its latest version
    /// made in the window and visible by now (a late record `lateMinutes` after its
    /// version time), ordered by version time, then source key.
    func records(_ endpoint: Endpoint, store: Store, in window: Range<VenueTime>, simulating: Bool = true) throws -> WindowCache.Entry {
        let now = settings.clock.now
        let faults = settings.faults
        // A version made at t is visible from t (late: t + lateMinutes) on, so the
        // window is cut at now + 1 s (late: now + 1 s - lateMinutes).
        let onTimeEnd = min(window.upperBound, now.adding(seconds: 1))
        let lateEnd = faults.hasLateRecords ? min(window.upperBound, now.adding(seconds: 1 - faults.lateMinutes * 60)) : onTimeEnd
        let key = WindowCache.Key(endpoint: endpoint, store: store.index, from: window.lowerBound, onTimeEnd: onTimeEnd, lateEnd: lateEnd)
        if let kept = cache.kept(key) { return kept }
        guard simulating else { throw NeedsSimulation() }
        return try cache.entry(key) {
            let from = window.lowerBound
            var found = from < onTimeEnd ? venue.records(endpoint, store: store, updatedIn: from..<onTimeEnd) : []
            if faults.hasLateRecords {
                found.removeAll { faults.isLate(sourceKey: $0.sourceKey) }
                if from < lateEnd {
                    found += venue.records(endpoint, store: store, updatedIn: from..<lateEnd).filter { faults.isLate(sourceKey: $0.sourceKey) }
                }
                found.sort { ($0.versionTime, $0.sourceKey) < ($1.versionTime, $1.sourceKey) }
            }
            return WindowCache.Entry(records: try found.map { try VenueJSON.encode($0) })
        }
    }

    // MARK: The ticket

    /// `/Order/GetOrderSettleTicketNew?siteId=…&orderSettleId=…`: one settlement's ticket,
    /// the whole `data` object; 404 for a settlement the store has not made (yet).
    /// The tickets of a day are encoded once and kept in the window cache.
    func ticket(_ q: QueryParameters, simulating: Bool = true) throws -> APIResponse {
        let store = try self.store(q)
        guard let text = q.first("orderSettleId") else { throw APIError(400, "orderSettleId is required") }
        guard let id = Int64(text), id > 0 else { throw APIError(400, "orderSettleId \(text) is not a settlement id") }
        let notFound = APIError(404, "no settlement \(id) at store \(store.id)")
        // The id names its kind, store and business day (docs/billiards.md).
        let kind = id / 100_000_000_000_000, storeDigits = (id / 1_000_000_000_000) % 100
        let day = Int32((id / 10_000_000) % 100_000)
        guard kind == 25, storeDigits == store.index else { throw notFound }
        let dt = LakeDate(daysSinceEpoch: day)
        let now = settings.clock.now
        let opening = VenueTime.opening(of: dt)
        guard dt >= venue.config.opened, opening <= now else { throw notFound }
        let key = WindowCache.Key(endpoint: .settlementTicketDetails, store: store.index, from: opening, onTimeEnd: opening, lateEnd: opening)
        let entry: WindowCache.Entry
        if let kept = cache.kept(key) {
            entry = kept
        } else {
            guard simulating else { throw NeedsSimulation() }
            entry = try cache.entry(key) {
                let faults = settings.faults
                let tickets = venue.day(store, dt: dt).tickets
                return WindowCache.Entry(records: try tickets.map { try VenueResponses.ticket($0) }, tickets: tickets.map {
                    (id: $0.orderSettleId, visibleFrom: $0.versionTime.adding(seconds: faults.isLate(sourceKey: $0.sourceKey) ? faults.lateMinutes * 60 : 0))
                })
            }
        }
        guard let i = entry.tickets.firstIndex(where: { $0.id == id }), entry.tickets[i].visibleFrom <= now else { throw notFound }
        return .json(200, entry.records[i])
    }

    // MARK: Parameters

    func store(_ q: QueryParameters) throws -> Store {
        guard let text = q.first("siteId") else { throw APIError(400, "siteId is required") }
        guard let id = Int64(text), let store = venue.store(id: id) else {
            throw APIError(400, "unknown siteId \(text); the stores are \(venue.stores.map { String($0.id) }.joined(separator: ", "))")
        }
        return store
    }

    /// The request's window. An event endpoint takes at most 31 days; a master-data one
    /// (members, cards, tables, goods, assistants, packages) any length, so a first pull
    /// can ask once for everything changed before its first day.
    static func window(_ q: QueryParameters, _ endpoint: Endpoint) throws -> Range<VenueTime> {
        func time(_ name: String) throws -> VenueTime {
            guard let text = q.first(name) else { throw APIError(400, "\(name) is required (YYYY-MM-DD HH:MM:SS, Asia/Shanghai)") }
            guard let t = VenueTime(text) else { throw APIError(400, "\(name) \(text) is not YYYY-MM-DD HH:MM:SS (Asia/Shanghai)") }
            return t
        }
        let start = try time("startTime"), end = try time("endTime")
        guard end > start else { throw APIError(400, "endTime \(end) is not after startTime \(start)") }
        guard endpoint.kind == .changing || end.seconds(since: start) <= maxWindowSeconds else {
            throw APIError(400, "the window from \(start) to \(end) is longer than 31 days (only master data may be asked for over longer windows)")
        }
        return start..<end
    }

    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        var token = parts[1][...]
        while token.last == " " || token.last == "\t" { token.removeLast() }
        return token.isEmpty ? nil : String(token)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}

/// What a server holds besides the venue: the token, the faults, the clock, the cache bound.
public struct APISettings: Sendable {
    /// The one bearer token the server accepts. Never logged or printed.
    public var token: String
    public var faults: FaultPlan
    public var clock: APIClock
    /// The encoded records of recent windows kept for paging, in bytes.
    public var cacheBytes: Int

    public init(token: String, faults: FaultPlan = FaultPlan(), clock: APIClock = .system, cacheBytes: Int = 64 << 20) {
        self.token = token
        self.faults = faults
        self.clock = clock
        self.cacheBytes = cacheBytes
    }
}

/// A response before it meets the socket: status, headers, body, and the faults that
/// shape its sending.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Wait this long before sending (the slow fault).
    public var delaySeconds: Double = 0
    /// Send the headers (announcing the whole body) and this many bytes of the body,
    /// then close the connection (the drop fault).
    public var dropAfter: Int?

    static let contentType = ("Content-Type", "application/json; charset=utf-8")

    static func json(_ status: Int, _ body: [UInt8]) -> APIResponse {
        APIResponse(status: status, headers: [contentType], body: body)
    }

    /// `{"code":<status>,"message":"<one line>","data":null}`.
    static func error(_ status: Int, _ message: String, authenticate: Bool = false) -> APIResponse {
        var r = json(status, Array("{\"code\":\(status),\"message\":\(jsonString(message)),\"data\":null}".utf8))
        if authenticate { r.headers.append(("WWW-Authenticate", "Bearer")) }
        return r
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n", "\r", "\t": out += " "
            case _ where c.value < 0x20: out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

/// A request the API refuses, with its HTTP status.
struct APIError: Error {
    var status: Int
    var message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// The decoded query string: `+` is a space, `%XX` a byte; the first of repeated names counts.
struct QueryParameters {
    var items: [(name: String, value: String)] = []

    init(_ raw: String) throws {
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw APIError(400, "the query string is not percent-encoded UTF-8")
            }
            items.append((name, value))
        }
    }

    func first(_ name: String) -> String? { items.first { $0.name == name }?.value }

    func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = first(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError(400, "\(name) \(text) is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return n
    }

    static func decode(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var u = s.utf8[...]
        while let b = u.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                guard let h = u.popFirst(), let l = u.popFirst(), let hi = hex(h), let lo = hex(l) else { return nil }
                bytes.append(hi << 4 | lo)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
