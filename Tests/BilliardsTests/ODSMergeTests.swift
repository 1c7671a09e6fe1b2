import Testing
@testable import Billiards
import BilliardsVenue
import GeneratorKit

@Suite("ODS merge")
struct ODSMergeTests {
    /// Keys that order differently by bytes than by characters or by length: prefixes,
    /// multi-byte UTF-8, keys of 16 bytes and of more, and two spellings of "é" (one
    /// scalar, or "e" and a combining accent) that Swift's `==` calls equal and the
    /// ODS must keep apart.
    static let keys = ["a", "ab", "b", "Z", "\u{E9}", "e\u{301}", "中", "中文", "25012052100000001", "2501205210000001",
                       "2501205210000001x", "250120521000000", String(repeating: "k", count: 40), String(repeating: "k", count: 39) + "l"]

    static func record(store: Int64, key: String, minute: Int, note: Int) throws -> ODSRecord {
        let time = String(format: "2026-01-01 19:%02d:00", minute)
        let payload = #"{"id":"\#(key)","createTime":"2026-01-01 19:00:00","updateTime":"\#(time)","note":\#(note)}"#
        return try ODSRecord(.settlementRecords, storeID: store, payload: Array(payload.utf8), where: "test")
    }

    @Test("merged rows hold each (store, key) once, at its latest version, ordered by store and then the key's UTF-8 bytes",
          arguments: 1...6)
    func mergeKeepsLatestInByteOrder(seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        func pick(_ n: Int) -> Int { Int(g.next() % UInt64(n)) }
        var windows: [[ODSRecord]] = []
        // By the key's bytes: a `String` key would take the two "é"s for one.
        var latest: [[UInt8]: (version: VenueTime, payload: [UInt8])] = [:]
        for _ in 0..<(1 + pick(4)) {
            var window: [ODSRecord] = []
            for _ in 0..<pick(30) {
                let store = Int64(1 + pick(3)), key = Self.keys[pick(Self.keys.count)], minute = pick(60)
                let r = try Self.record(store: store, key: key, minute: minute, note: pick(5))
                window.append(r)
                let id = Array("\(store)/".utf8) + Array(key.utf8)
                if let seen = latest[id], !r.supersedes(versionTime: seen.version, payload: seen.payload[...]) { continue }
                latest[id] = (r.versionTime, Array(r.payload))
            }
            windows.append(window)
        }
        let merged = ODSWriter.merge([], windows.map { $0[...] })
        #expect(merged.count == latest.count)
        for row in merged { #expect(Array(row.payload) == latest[Array("\(row.store)/".utf8) + row.key.withUTF8(Array.init)]?.payload) }
        let order = merged.map { ($0.store, $0.key.withUTF8(Array.init)) }
        for (a, b) in zip(order, order.dropFirst()) {
            #expect(a.0 < b.0 || (a.0 == b.0 && a.1.lexicographicallyPrecedes(b.1)), "\(a) before \(b)")
        }
        // Merging the result again changes nothing: rows already there are kept as they are.
        #expect(ODSWriter.merge(merged, []) == merged)
    }
}

@Suite("ODS source keys")
struct SourceKeyTests {
    @Test("keys are equal, hashed and ordered as their bytes, whatever their length", arguments: 1...4)
    func byteOrder(seed: UInt64) {
        var g = SplitMix64(seed: seed)
        // Short alphabets and lengths around the 16 bytes held inline, with NUL and high
        // bytes, so prefixes, padding and ties are all met.
        let alphabet: [UInt8] = [0, 1, 0x30, 0x31, 0x7F, 0x80, 0xE4, 0xFF]
        let keys = (0..<300).map { _ in (0..<Int(g.next() % 20)).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] } }
        for (x, y) in zip(keys, keys.shuffled(using: &g)) {
            let (a, b) = (x.withUnsafeBytes(SourceKey.init), y.withUnsafeBytes(SourceKey.init))
            #expect((a < b) == x.lexicographicallyPrecedes(y), "\(x) < \(y)")
            #expect((a == b) == (x == y), "\(x) == \(y)")
            if x == y { #expect(a.hashValue == b.hashValue) }
            #expect(a.withUTF8(Array.init) == x)
        }
    }

    @Test("a number's key is its decimal digits, as `String` writes them")
    func numbers() {
        for n: Int64 in [0, 7, -7, 2501204790000001, 9_999_999_999_999_999, 10_000_000_000_000_000, .max, .min] {
            #expect(SourceKey(n).description == String(n))
            #expect(SourceKey(n) == SourceKey(String(n)))
        }
    }

    @Test("two spellings of one character are two keys")
    func canonicalEquivalents() {
        #expect("\u{E9}" == "e\u{301}")  // Swift's String equality
        #expect(SourceKey("\u{E9}") != SourceKey("e\u{301}"))
    }
}
