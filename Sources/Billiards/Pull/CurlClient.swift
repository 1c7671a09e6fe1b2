import CCurl
import Glibc
import Synchronization

/// Blocking HTTP GETs on libcurl's easy interface, one handle per request in flight,
/// each handle kept with its connection for the next request (keep-alive).
///
/// libcurl brings HTTPS with the system's CA certificates, `https_proxy`/`no_proxy`,
/// compressed bodies and redirects. Foundation's URLSession runs on the same libcurl on
/// Linux, but hands every request between its own queue, libcurl's multi handle and
/// the caller's thread: measured on loopback, that cost more CPU per request than the
/// pull spends on the records. AsyncHTTPClient would add SwiftNIO and BoringSSL to a
/// clean build (minutes on 2 cores). The pull's workers already block one thread per
/// request, so the easy interface is all they need.
final class CurlClient: Sendable {
    /// One answer: the status, the body as received, and `Retry-After` in seconds when given.
    struct Response {
        var status: Int
        var body: [UInt8]
        var retryAfter: Double?
    }

    /// Why no answer came, in libcurl's terms.
    struct Failure: Error {
        var code: CURLcode
        var message: String
    }

    let timeoutMilliseconds: Int
    let userAgent: String
    private let idle = Mutex<[Handle]>([])

    init(timeoutSeconds: Double, userAgent: String) {
        _ = Self.initialized
        timeoutMilliseconds = max(1, Int((timeoutSeconds * 1000).rounded(.up)))
        self.userAgent = userAgent
    }

    deinit {
        idle.withLock { handles in handles.removeAll() }
    }

    /// `curl_global_init` is not thread-safe: done once, before the first handle. With
    /// `CURLOPT_NOSIGNAL` libcurl leaves SIGPIPE alone, and a TLS write on a connection
    /// the server has closed may raise it: ignored, so the write fails and is retried.
    private static let initialized: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    /// GETs `url` with `headers` (`Name: value` lines) and waits for the whole answer.
    func get(_ url: String, headers: [String]) -> Result<Response, Failure> {
        let handle = idle.withLock { $0.popLast() } ?? Handle(timeoutMilliseconds: timeoutMilliseconds, userAgent: userAgent)
        defer { idle.withLock { $0.append(handle) } }
        return handle.get(url, headers: headers)
    }

    /// A libcurl easy handle with the buffers its callbacks fill. Used by one request at
    /// a time (taken from the client's idle list and put back), hence `@unchecked`.
    private final class Handle: @unchecked Sendable {
        let curl: UnsafeMutableRawPointer
        var body: [UInt8] = []
        var retryAfter: Double?
        /// libcurl's words for the last failure (`CURLOPT_ERRORBUFFER`).
        let errorText = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

        init(timeoutMilliseconds: Int, userAgent: String) {
            guard let curl = curl_easy_init() else { fatalError("libcurl could not make a handle (out of memory)") }
            self.curl = curl
            errorText[0] = 0
            // No signals: libcurl runs on many threads here.
            opslake_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
            // The timeout is for silence, as the pull's setting says: connecting, or no byte
            // for that long (under 1 byte/s over whole seconds). A large page still
            // arriving is not cut off.
            opslake_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds)
            opslake_curl_set_long(curl, CURLOPT_LOW_SPEED_LIMIT, 1)
            opslake_curl_set_long(curl, CURLOPT_LOW_SPEED_TIME, max(1, (timeoutMilliseconds + 999) / 1000))
            opslake_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, 1)
            opslake_curl_set_long(curl, CURLOPT_MAXREDIRS, 5)
            opslake_curl_set_long(curl, CURLOPT_TCP_NODELAY, 1)
            // "" asks for every encoding this libcurl decodes (gzip, deflate, …).
            opslake_curl_set_string(curl, CURLOPT_ACCEPT_ENCODING, "")
            opslake_curl_set_string(curl, CURLOPT_USERAGENT, userAgent)
            let me = Unmanaged.passUnretained(self).toOpaque()
            opslake_curl_set_pointer(curl, CURLOPT_WRITEDATA, me)
            opslake_curl_set_pointer(curl, CURLOPT_HEADERDATA, me)
            opslake_curl_set_callback(curl, CURLOPT_WRITEFUNCTION) { data, size, count, me in
                let handle = Unmanaged<Handle>.fromOpaque(me!).takeUnretainedValue()
                let n = size * count
                if n > 0, let data { handle.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n)) }
                return n
            }
            opslake_curl_set_callback(curl, CURLOPT_HEADERFUNCTION) { data, size, count, me in
                let handle = Unmanaged<Handle>.fromOpaque(me!).takeUnretainedValue()
                let n = size * count
                if n > 0, let data { handle.header(UnsafeRawBufferPointer(start: data, count: n)) }
                return n
            }
            opslake_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errorText)
        }

        deinit {
            curl_easy_cleanup(curl)
            errorText.deallocate()
        }

        /// One header line of the answer. A status line starts a new answer (after a
        /// redirect or a `100 Continue`): what the previous one said is forgotten.
        func header(_ line: UnsafeRawBufferPointer) {
            if line.starts(with: "HTTP/".utf8) {
                retryAfter = nil
                return
            }
            let name = "retry-after:".utf8
            guard line.count > name.count,
                  zip(line.prefix(name.count), name).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) else { return }
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
            let bytes = line.dropFirst(name.count).drop(while: isSpace)
            let value = String(decoding: bytes.prefix(bytes.count - bytes.reversed().prefix(while: isSpace).count), as: UTF8.self)
            // Seconds; an HTTP date is not honoured (the backoff applies instead).
            if let seconds = Double(value), seconds.isFinite { retryAfter = max(0, seconds) }
        }

        func get(_ url: String, headers: [String]) -> Result<Response, Failure> {
            body.removeAll(keepingCapacity: true)
            retryAfter = nil
            errorText[0] = 0
            var list: UnsafeMutablePointer<curl_slist>? = nil
            defer { curl_slist_free_all(list) }
            for h in headers {
                guard let longer = curl_slist_append(list, h) else {
                    return .failure(Failure(code: CURLE_OUT_OF_MEMORY, message: "out of memory for the request's headers"))
                }
                list = longer
            }
            opslake_curl_set_string(curl, CURLOPT_URL, url)
            opslake_curl_set_list(curl, CURLOPT_HTTPHEADER, list)
            let code = curl_easy_perform(curl)
            opslake_curl_set_list(curl, CURLOPT_HTTPHEADER, nil)
            guard code == CURLE_OK else {
                let detail = errorText[0] != 0 ? String(cString: errorText) : String(cString: curl_easy_strerror(code))
                return .failure(Failure(code: code, message: detail))
            }
            var status = 0
            opslake_curl_response_code(curl, &status)
            let answer = Response(status: status, body: body, retryAfter: retryAfter)
            // The body's storage goes with the answer; a large one is not kept for the next.
            body = []
            return .success(answer)
        }
    }
}
