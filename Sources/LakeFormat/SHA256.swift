internal import CCrypto

/// Incremental SHA-256 from the system's libcrypto (already linked through libpq).
public final class SHA256 {
    let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    /// The digest as 64 lowercase hex digits; the hasher cannot be used afterwards.
    public func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
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
    public static func hash(_ bytes: [UInt8]) -> String {
        let h = SHA256()
        bytes.withUnsafeBytes { h.update($0) }
        return h.finalize()
    }

    /// The SHA-256 of everything `source` yields.
    public static func hash(_ source: any ByteSource) throws -> (sha256: String, bytes: Int64) {
        let h = SHA256()
        var n: Int64 = 0
        try source.forEachChunk(size: 1 << 20) { h.update($0); n += Int64($0.count) }
        return (h.finalize(), n)
    }
}
