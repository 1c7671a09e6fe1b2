import Testing
@testable import Billiards
import BilliardsVenue
import GeneratorKit

@Suite("ODS merge")
struct ODSMergeTests {
    /// Keys that order differently by bytes than by characters or by length: prefixes,
    /// multi-byte UTF-8, inline (short) and heap (long) strings.
    static let keys = ["a", "ab", "b", "Z", "é", "中", "中文", "25012052100000001", "2501205210000001",
                       "2501205210000001x", String(repeating: "k", count: 40), String(repeating: "k", count: 39) + "l"]

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
        var latest: [String: (version: VenueTime, payload: [UInt8])] = [:]
        for _ in 0..<(1 + pick(4)) {
            var window: [ODSRecord] = []
            for _ in 0..<pick(30) {
                let store = Int64(1 + pick(3)), key = Self.keys[pick(Self.keys.count)], minute = pick(60)
                let r = try Self.record(store: store, key: key, minute: minute, note: pick(5))
                window.append(r)
                let id = "\(store)/\(key)"
                if let seen = latest[id], !r.supersedes(versionTime: seen.version, payload: seen.payload[...]) { continue }
                latest[id] = (r.versionTime, Array(r.payload))
            }
            windows.append(window)
        }
        let merged = ODSWriter.merge([], windows.map { $0[...] })
        #expect(merged.count == latest.count)
        for row in merged { #expect(Array(row.payload) == latest["\(row.store)/\(row.key)"]?.payload) }
        let order = merged.map { ($0.store, Array($0.key.utf8)) }
        for (a, b) in zip(order, order.dropFirst()) {
            #expect(a.0 < b.0 || (a.0 == b.0 && a.1.lexicographicallyPrecedes(b.1)), "\(a) before \(b)")
        }
        // Merging the result again changes nothing: rows already there are kept as they are.
        #expect(ODSWriter.merge(merged, []) == merged)
    }
}
