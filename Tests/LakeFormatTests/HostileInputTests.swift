import Testing
import Foundation
import LakeFormat
import TestSupport

/// Damaged or malicious input fails with a clear error, never a crash, a hang or unbounded memory.
@Suite struct HostileInputTests {
    static func compress(_ bytes: [UInt8], level: Int = 3) throws -> [UInt8] {
        var out: [UInt8] = []
        let c = try ZstdCompressor(level: level) { out.append(contentsOf: $0) }
        try bytes.withUnsafeBytes { try c.write($0) }
        try c.finish()
        return out
    }

    static func decompress(_ bytes: [UInt8], max: Int64 = 1 << 40, chunk: Int = .max) throws -> [UInt8] {
        try ZstdReader(source: MemorySource(bytes, chunkSize: chunk), name: "input.zst", maxOutput: max).readAll()
    }

    @Test("zstd round trip at buffer boundaries", arguments: [0, 1, 131_071, 131_072, 131_073, 1_000_003])
    func boundaries(size: Int) throws {
        var g = SplitMix64(seed: UInt64(size))
        let data = (0..<size).map { _ in UInt8(truncatingIfNeeded: g.next() % 16) }
        let packed = try Self.compress(data)
        #expect(try Self.decompress(packed) == data)
        #expect(try Self.decompress(packed, chunk: 1) == data)
        // Two frames back to back read as their concatenation.
        #expect(try Self.decompress(packed + packed) == data + data)
    }

    @Test("a truncated zstd file is reported as truncated", arguments: [1, 10, 100, 1000])
    func truncated(cut: Int) throws {
        var g = SplitMix64(seed: 4)
        let packed = try Self.compress((0..<500_000).map { _ in UInt8(truncatingIfNeeded: g.next() % 20) })
        #expect(packed.count > cut)
        let error = #expect(throws: FormatError.self) { try Self.decompress(Array(packed.dropLast(cut))) }
        #expect(error?.kind == .zstd)
    }

    @Test("a corrupted byte in the middle is caught")
    func corrupted() throws {
        var g = SplitMix64(seed: 9)
        var packed = try Self.compress((0..<300_000).map { _ in UInt8(truncatingIfNeeded: g.next() % 40) })
        packed[packed.count / 2] ^= 0x5A
        #expect(throws: FormatError.self) { try Self.decompress(packed) }
    }

    @Test("a zstd bomb stops at the output limit, fast and in bounded memory")
    func bomb() throws {
        // 4 GiB of zeros compresses to a few hundred KiB; build it streaming.
        var packed: [UInt8] = []
        let c = try ZstdCompressor(level: 19) { packed.append(contentsOf: $0) }
        let zeros = [UInt8](repeating: 0, count: 1 << 24)
        for _ in 0..<256 { try zeros.withUnsafeBytes { try c.write($0) } }
        try c.finish()
        #expect(packed.count < 1 << 20)
        let error = #expect(throws: FormatError.self) { try Self.decompress(packed, max: 10_000_000) }
        #expect(error?.message.contains("zstd bomb") == true)
    }

    @Test("garbage and empty input are not zstd")
    func notZstd() {
        #expect(throws: FormatError.self) { try Self.decompress(Array("just text, not compressed".utf8)) }
        #expect(throws: FormatError.self) { try Self.decompress([]) }
    }

    @Test("malformed CSV gives a located error", arguments: [
        ("a,b\n\"open,c\n", "unterminated quoted field opened on line 2"),
        ("a,b\nx\"y,z\n", "a quote inside an unquoted field on line 2"),
        ("a,b\n\"x\"y,z\n", "unexpected character after a closing quote on line 2"),
        ("a,b\rc,d\n", "a bare carriage return on line 1"),
    ])
    func badCSV(text: String, message: String) {
        let reader = CSVReader(source: MemorySource(Array(text.utf8)))
        let error = #expect(throws: FormatError.self) { while try reader.next() != nil {} }
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test("malformed NDJSON gives a located error", arguments: [
        "{\"a\":1}\n{\"a\":}\n", "{\"a\":\"x\n", "{\"a\":[1]}\n", "{\"a\":1} trailing\n", "{\"a\":\"\\ud800\"}\n",
    ])
    func badJSON(text: String) {
        let reader = NDJSONReader(source: MemorySource(Array(text.utf8)))
        let error = #expect(throws: FormatError.self) { while try reader.next() != nil {} }
        #expect(error?.message.contains("on line") == true)
    }

    @Test("typed decoding rejects values that do not fit the column")
    func badValues() {
        let decoder = RowDecoder(columns: [Column("n", .integer), Column("d", .date)])
        #expect(throws: FormatError.self) { try decoder.decode(csv: ["1.5", "2026-11-21"]) }
        #expect(throws: FormatError.self) { try decoder.decode(csv: ["1", "2026-13-01"]) }
        #expect(throws: FormatError.self) { try decoder.decode(csv: ["1"]) }
        #expect(throws: FormatError.self) { try decoder.decode(json: [("n", .string("1")), ("d", .null)]) }
        #expect(throws: FormatError.self) { try decoder.decode(json: [("d", .null), ("n", .number("1"))]) }
        #expect((try? decoder.decode(csv: [nil, "2026-11-21"])) == [.null, .date(LakeDate(year: 2026, month: 11, day: 21))])
    }
}
