/// Byte classes found eight bytes at a time in one 64-bit word (SWAR), for the
/// encoders' escaping loops: a JSON payload held in a column is mostly runs of bytes
/// that pass through, so a word with nothing to escape is copied whole.
///
/// Each mask has the high bit set in the bytes of the class. The lowest set byte is
/// always exact; bytes above a true match may be flagged falsely (a borrow), so a
/// caller takes the lowest, handles it, and loads again after it. Written by hand
/// because no listed package scans bytes this way; the tests compare every encoder
/// built on it with a byte-at-a-time one.
enum WordScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Bytes of `word` equal to `byte`.
    @inline(__always) static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & highs
    }

    /// Bytes of `word` below `limit` (at most 128).
    @inline(__always) static func below(_ word: UInt64, _ limit: UInt8) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highs
    }

    /// The index (0-7) of the lowest flagged byte of a mask that is not 0.
    @inline(__always) static func first(_ mask: UInt64) -> Int { mask.trailingZeroBitCount &>> 3 }

    @inline(__always) static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    @inline(__always) static func store(_ word: UInt64, _ p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: word.littleEndian, as: UInt64.self)
    }
}
