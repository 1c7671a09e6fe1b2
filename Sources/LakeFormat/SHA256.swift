internal import CCrypto

/// Incremental SHA-256 from the system's libcrypto (already linked through libpq).
///
/// Every libcrypto call is checked: one that fails (no memory, or no provider that
/// supplies SHA-256) throws `DigestError` instead of leaving a wrong digest behind.
public final class SHA256 {
    let context: OpaquePointer

    public init() throws {
        guard let context = EVP_MD_CTX_new() else { throw DigestError(call: "EVP_MD_CTX_new") }
        self.context = context  // from here a failure frees it in deinit
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw DigestError(call: "EVP_DigestInit_ex") }
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else { throw DigestError(call: "EVP_DigestUpdate") }
    }

    /// The digest as 64 lowercase hex digits; the hasher cannot be used afterwards.
    public func finalize() throws -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else { throw DigestError(call: "EVP_DigestFinal_ex") }
        guard length == 32 else { throw DigestError(call: "EVP_DigestFinal_ex", reason: "it gave \(length) bytes, not 32") }
        return Self.hex(digest)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) throws -> String {
        let h = try SHA256()
        try bytes.withUnsafeBytes { try h.update($0) }
        return try h.finalize()
    }

    /// The SHA-256 of everything `source` yields.
    public static func hash(_ source: any ByteSource) throws -> (sha256: String, bytes: Int64) {
        let h = try SHA256()
        var n: Int64 = 0
        try source.forEachChunk(size: 1 << 20) { try h.update($0); n += Int64($0.count) }
        return (try h.finalize(), n)
    }
}

/// libcrypto could not compute a SHA-256: the call that failed and libcrypto's reason.
public struct DigestError: Error, Hashable, Sendable, CustomStringConvertible {
    public var call: String
    public var reason: String

    /// Takes the reason from libcrypto's error queue (this thread's), emptying it.
    init(call: String, reason: String? = nil) {
        self.call = call
        self.reason = reason ?? Self.takeQueuedReason()
    }

    public var description: String { "SHA-256: \(call) failed: \(reason)" }

    static func takeQueuedReason() -> String {
        let code = ERR_get_error()
        defer { ERR_clear_error() }
        guard code != 0 else { return "libcrypto gave no reason" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
