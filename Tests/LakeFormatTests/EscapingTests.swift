import Testing
@testable import LakeFormat
import TestSupport

/// The encoders escape a word (eight bytes) at a time; they must write exactly what
/// the plain rules write a byte at a time, wherever the bytes to escape fall.
@Suite struct EscapingTests {
    /// RFC 8259 a byte at a time: the reference.
    static func jsonReference(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in bytes {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        return out + [0x22]
    }

    /// The lake's CSV field a byte at a time: the reference.
    static func csvReference(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.isEmpty || bytes.contains(where: { [0x2C, 0x22, 0x0A, 0x0D].contains($0) }) else { return bytes }
        return [0x22] + bytes.flatMap { $0 == 0x22 ? [0x22, 0x22] : [$0] } + [0x22]
    }

    static func encoded(_ bytes: [UInt8], _ encode: (UnsafeBufferPointer<UInt8>, ByteBuffer) -> Void) -> [UInt8] {
        let out = ByteBuffer(capacity: 1)
        out.append(0x7E)  // written after something, so the room reserved is not at the start
        bytes.withUnsafeBufferPointer { encode($0, out) }
        return Array(out.array.dropFirst())
    }

    static func expectAgree(_ bytes: [UInt8]) {
        #expect(encoded(bytes) { NDJSONEncoder.appendString(utf8: $0, into: $1) } == jsonReference(bytes), "JSON of \(bytes)")
        #expect(encoded(bytes) { CSVEncoder.appendText(utf8: $0, into: $1) } == csvReference(bytes), "CSV of \(bytes)")
    }

    @Test("random strings of bytes that must be escaped and bytes that must not, of every length to 80", arguments: 1...8)
    func randomBytes(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        // Mostly plain bytes, then some of every class: quote, backslash, comma, CR, LF,
        // other controls, DEL and bytes above 0x7F (which must pass and flag nothing).
        let special: [UInt8] = [0x22, 0x5C, 0x2C, 0x0A, 0x0D, 0x00, 0x01, 0x08, 0x09, 0x0C, 0x1F, 0x20, 0x21, 0x7F, 0x80, 0xA2, 0xFF]
        for length in 0...80 {
            for _ in 0..<20 {
                let density = Int(rng.next() % 4)  // none, few, many, all special
                let bytes = (0..<length).map { _ -> UInt8 in
                    let r = Int(rng.next() % 8)
                    if density == 3 || r < density * 2 { return special[Int(rng.next() % UInt64(special.count))] }
                    return 0x61 + UInt8(rng.next() % 26)
                }
                Self.expectAgree(bytes)
            }
        }
    }

    @Test("a byte to escape right after another, and one after a byte the scan could flag falsely")
    func neighbours() {
        // A match followed by bytes a borrow could flag (0x01 after a quote, 0x23 after
        // 0x22): the scan must take only the lowest flag of a word as exact.
        for a: UInt8 in [0x22, 0x5C, 0x00, 0x1F] {
            for b: UInt8 in [0x01, 0x21, 0x23, 0x5D, 0x5B, 0x20, 0x22, 0x5C] {
                for at in 0..<12 {
                    var bytes = [UInt8](repeating: 0x41, count: 16)
                    bytes[at] = a
                    bytes[at + 1] = b
                    Self.expectAgree(bytes)
                }
            }
        }
    }

    @Test("append(decimal:) writes what String(_:) writes, at every digit count, both signs and the extremes")
    func decimals() {
        var g = SplitMix64(seed: 41)
        var values: [Int64] = [0, 1, -1, 9, 10, 99, 100, 101, -100, 1000, 2_501_204_660_000_001, .max, .min, .max - 1, .min + 1]
        var p: Int64 = 1
        for _ in 0..<18 {
            p *= 10
            values += [p - 1, p, p + 1, -p, -(p - 1)]
        }
        for _ in 0..<2000 { values.append(Int64(bitPattern: g.next()) >> Int64(g.next() % 63)) }
        let buffer = ByteBuffer(capacity: 64)
        for v in values {
            buffer.removeAll()
            buffer.append(decimal: v)
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == String(v))
        }
    }
}
