#if canImport(Glibc)
import Glibc
#endif

/// A record's source primary key as the ODS keeps it: its UTF-8 bytes, compared,
/// hashed and ordered byte for byte.
///
/// Not a `String`, for two reasons. Swift compares strings by canonical equivalence, so
/// two keys that differ in bytes ("é" as one scalar or as "e" and a combining accent)
/// would be one record; the lake, PostgreSQL and the upstream tell them apart. And the
/// venue's keys are 16-digit ids, one byte past a string's inline storage: as strings,
/// each record's key was an allocation, hashed twice and reference-counted in every copy.
/// A key of up to 16 bytes is held here in two words.
public struct SourceKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Up to 16 bytes, zero-padded, read big-endian into two words (so comparing the
    /// words compares the bytes); longer keys keep their bytes in `long`.
    let high: UInt64
    let low: UInt64
    let count: Int
    let long: [UInt8]?

    public init(_ bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        if bytes.count <= 16 {
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
            (high, low, long) = (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), nil)
        } else {
            (high, low, long) = (0, 0, Array(bytes))
        }
    }

    public init(_ text: String) {
        var text = text
        self = text.withUTF8 { SourceKey(UnsafeRawBufferPointer($0)) }
    }

    /// The decimal digits of `value`, written without a `String` in between.
    public init(_ value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: "-9223372036854775808" is 20
        self = withUnsafeMutableBytes(of: &digits) { buffer in
            var v = value.magnitude
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v != 0
            if value < 0 {
                at -= 1
                buffer[at] = UInt8(ascii: "-")
            }
            return SourceKey(UnsafeRawBufferPointer(rebasing: buffer[at...]))
        }
    }

    /// `body` over the key's bytes.
    public func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let long { return try long.withUnsafeBufferPointer(body) }
        var words = (high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &words) { try body(UnsafeBufferPointer(rebasing: $0.bindMemory(to: UInt8.self)[..<count])) }
    }

    public var description: String { withUTF8 { String(decoding: $0, as: UTF8.self) } }

    /// Byte order, a key before every longer key it begins.
    public static func < (a: SourceKey, b: SourceKey) -> Bool {
        if a.long == nil && b.long == nil {
            // Zero padding sorts a key before any longer key it begins; a key that is
            // equal to another in its padded words (one ends in NUL bytes) is ordered by length.
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return a.count < b.count
        }
        return a.withUTF8 { x in b.withUTF8 { y in
            let n = min(x.count, y.count)
            let r = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
            return r != 0 ? r < 0 : x.count < y.count
        } }
    }
}
