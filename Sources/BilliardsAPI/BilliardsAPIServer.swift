import BilliardsVenue
import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// The venue's upstream API on a host and port: `VenueAPI` served over HTTP/1.1
/// (FlyingFox: Swift concurrency over non-blocking sockets, no SwiftNIO).
///
///     let server = try BilliardsAPIServer(api: api, host: "127.0.0.1", port: 0)
///     let port = try await server.start()      // port 0: a free one
///     ...
///     await server.stop()
public final class BilliardsAPIServer: Sendable {
    public let api: VenueAPI
    public let host: String
    let server: HTTPServer
    let running = Mutex<Task<Void, any Error>?>(nil)
    let failure = Mutex<(any Error)?>(nil)
    let stopping = Atomic<Bool>(false)

    public init(api: VenueAPI, host: String = "127.0.0.1", port: Int) throws {
        guard (0...65_535).contains(port) else { throw APISettingsError("--port \(port) is outside 0...65535") }
        self.api = api
        self.host = host
        let handler = Handler(api: api)
        // The handler's own time limit must outlast an injected slow response.
        let timeout = max(60, api.settings.faults.slowSeconds + 60)
        let ip = host == "localhost" ? "127.0.0.1" : host
        do {
            let address: any SocketAddress = ip.contains(":") ? try .inet6(ip6: ip, port: UInt16(port)) : try .inet(ip4: ip, port: UInt16(port))
            server = HTTPServer(config: HTTPServer.Configuration(address: address, timeout: timeout, pool: NoDelayPool(HTTPServer.defaultPool()),
                                                                 logger: .disabled),
                                handler: handler)
        } catch {
            throw APISettingsError("--host \(host) is not an IPv4 or IPv6 address")
        }
    }

    /// Starts listening and returns the port (the one picked when asked for port 0).
    /// Throws `ServeError` when the address cannot be bound.
    @discardableResult
    public func start() async throws -> Int {
        let task = Task { [self] in
            do { try await server.run() } catch {
                // Stopping ends `run` with an error too; only an unasked end is a failure.
                if !stopping.load(ordering: .acquiring) { failure.withLock { $0 = error } }
                throw error
            }
        }
        running.withLock { $0 = task }
        for _ in 0..<1_000 {
            if await server.isListening, case .ip4(_, let port)? = await server.listeningAddress { return Int(port) }
            if await server.isListening, case .ip6(_, let port)? = await server.listeningAddress { return Int(port) }
            if let error = failure.withLock({ $0 }) { throw ServeError(description: "cannot listen on \(host): \(Self.describe(error))") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ServeError(description: "cannot listen on \(host): the server did not start within 10 s")
    }

    /// Stops listening, lets open requests finish for up to `timeout` seconds, then
    /// closes every connection.
    public func stop(timeout: Double = 1) async {
        stopping.store(true, ordering: .releasing)
        await server.stop(timeout: timeout)
        let task = running.withLock { t in defer { t = nil }; return t }
        _ = await task?.result
    }

    /// Runs until SIGTERM or SIGINT, then stops cleanly; `listening` is called once with
    /// the port. For the command line, which is not async.
    public func serveUntilSignalled(listening: @escaping @Sendable (Int) -> Void) throws {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<(any Error)?>(nil)
        let queue = DispatchQueue(label: "opslake.billiards.signals")
        let sources = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
        for source in sources {
            source.setEventHandler { [self] in
                Task {
                    await stop()
                    done.signal()
                }
            }
            source.resume()
        }
        Task { [self] in
            do {
                listening(try await start())
                // Ends when stopped, or with an error if the listener fails.
                let task = running.withLock { $0 }
                if case .failure(let error) = await task?.result, failure.withLock({ $0 }) != nil {
                    outcome.withLock { $0 = ServeError(description: "the server stopped: \(Self.describe(error))") }
                    done.signal()
                }
            } catch {
                outcome.withLock { $0 = error }
                done.signal()
            }
        }
        done.wait()
        sources.forEach { $0.cancel() }
        if let error = outcome.withLock({ $0 }) { throw error }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? SocketError {
            switch e {
            case .failed(let type, let errno, let message): return "\(type) failed: \(message) (errno \(errno))"
            default: return "\(e)"
            }
        }
        return "\(error)"
    }
}

/// The server could not listen, or stopped on its own.
public struct ServeError: Error, CustomStringConvertible {
    public var description: String
}

/// Puts `VenueAPI`'s answers on the wire, faults included.
struct Handler: HTTPHandler {
    let api: VenueAPI

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let method = request.method.rawValue
        let path = request.target.path(percentEncoded: false)
        let query = request.target.query(percentEncoded: true)
        let authorization = request.headers[HTTPHeader("Authorization")]
        // What the API keeps is answered at once; a window or day the venue has yet to
        // simulate may take it a while, so that is done off the cooperative pool.
        let n = api.nextRequestNumber()
        let response: APIResponse
        if let kept = api.respond(number: n, method: method, path: path, query: query, authorization: authorization, simulating: false) {
            response = kept
        } else {
            response = await withCheckedContinuation { (c: CheckedContinuation<APIResponse, Never>) in
                DispatchQueue.global().async { [api] in
                    c.resume(returning: api.respond(number: n, method: method, path: path, query: query, authorization: authorization, simulating: true)!)
                }
            }
        }
        if response.delaySeconds > 0 { try await Task.sleep(for: .milliseconds(Int(response.delaySeconds * 1000))) }
        var headers: HTTPHeaders = [:]
        for (name, value) in response.headers { headers[HTTPHeader(name)] = value }
        let status = HTTPStatusCode(response.status, phrase: Self.phrase(response.status))
        if let cut = response.dropAfter {
            // Content-Length announces the whole body; the sequence fails after `cut`
            // bytes, and the server closes the connection.
            let body = HTTPBodySequence(from: TruncatedBytes(bytes: Array(response.body.prefix(cut))), count: response.body.count)
            return HTTPResponse(statusCode: status, headers: headers, body: body)
        }
        return HTTPResponse(statusCode: status, headers: headers, body: Data(response.body))
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}

/// Bytes that end in an error instead of their announced length: the dropped connection.
struct TruncatedBytes: AsyncBufferedSequence {
    typealias Element = UInt8
    let bytes: [UInt8]

    struct Dropped: Error {}

    func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var bytes: [UInt8]
        var offset = 0

        mutating func next() async throws -> UInt8? {
            try await nextBuffer(suggested: 1)?.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
            guard offset < bytes.count else { throw Dropped() }
            let end = Swift.min(bytes.count, offset + Swift.max(1, count))
            defer { offset = end }
            return bytes[offset..<end]
        }
    }
}

/// FlyingFox writes a response's header and its body in two writes. With Nagle's
/// algorithm on, the body then waits for the client's delayed ACK of the header
/// (40 ms on Linux) on every request of a kept-alive connection: 44 ms a request
/// measured with Python's `requests.Session`, 3 ms with it off. FlyingFox has no
/// setting for TCP_NODELAY, so its socket pool is wrapped to set it on every socket
/// it waits for (the listener's is inherited by the connections it accepts).
struct NoDelayPool: AsyncSocketPool {
    let base: any AsyncSocketPool
    init(_ base: any AsyncSocketPool) { self.base = base }
    func prepare() async throws { try await base.prepare() }
    func run() async throws { try await base.run() }
    func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        var on: Int32 = 1
        _ = setsockopt(socket.file.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}
