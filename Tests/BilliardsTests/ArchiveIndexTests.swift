import Testing
import Foundation
@testable import Billiards
import BilliardsVenue
import LakeCatalog
import TestSupport

/// Runs `body` with the path of a fresh `smallArchive`, removed after.
func withSmallArchive(_ name: String, _ body: (String) throws -> Void) throws {
    let dir = TemporaryDirectory(name)
    defer { dir.remove() }
    try smallArchive(dir.path + "/a")
    try body(dir.path + "/a")
}

@Suite("archive index")
struct ArchiveIndexTests {
    @Test("a file path is inside the archive exactly when it is relative and has no . or .. component")
    func filePathsInside() {
        // The rule as first written, on the String and its bytes.
        func reference(_ file: String) -> Bool {
            !file.isEmpty && !file.hasPrefix("/")
                && !file.utf8.split(separator: UInt8(ascii: "/")).contains { $0.elementsEqual("..".utf8) || $0.elementsEqual(".".utf8) }
        }
        let parts = ["a", ".", "..", "...", ".a", "a.", "..b", "", "1001/x.json", "名", "e\u{301}", "\u{301}", ".\u{301}"]
        var paths = ["", "/", "/a", "a", "a/", "a//b", "./a", "a/.", "a/..", "../a", "a/../b", "a/.../b", ".hidden/x", "a/b/c.json"]
        for x in parts { for y in parts { paths.append(x + "/" + y); paths.append(x + y) } }
        for path in paths {
            // One tightening: a path whose first byte is "/" is refused even when a
            // combining mark follows (the old `hasPrefix` compared characters).
            let expected = reference(path) && path.utf8.first != UInt8(ascii: "/")
            #expect(ArchiveEntry.isInside(path) == expected, "\(path.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(!ArchiveEntry.isInside("/\u{301}a") && reference("/\u{301}a"))
    }

    @Test("an index of many chunks names its first bad line, whichever core read it")
    func firstBadLineOfMany() throws {
        try withSmallArchive("archive-index") { archive in
            let entries = try Archive.readIndex(archive)
            // Over 3 chunks of lines: the entries repeated (the index does not forbid it).
            var many: [ArchiveEntry] = []
            while many.count < 3000 { many += entries }
            let lines = String(decoding: try Archive.indexText(many), as: UTF8.self).split(separator: "\n").map(String.init)
            func write(_ lines: [String]) throws {
                try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: archive + "/" + Archive.indexFile))
            }
            try write(lines)
            #expect(try Archive.readIndex(archive) == many)
            for bad in [[2_900, 2_500], [2_500, 10], [1_025, 1_024], [3_000]] {
                var damaged = lines
                for line in bad { damaged[line - 1] = "{\"endpoint\":\"nope\"}" }
                try write(damaged)
                #expect(throws: ODSError(.dataError, "\(archive)/\(Archive.indexFile) line \(bad.min()!): not an index entry (no bytes)")) {
                    try Archive.readIndex(archive)
                }
            }
        }
    }

    @Test("values shared between lines read as each line says, escaped or not, past the number of values kept")
    func sharedValues() throws {
        let entry = try withTemporaryIndex { archive in try Archive.readIndex(archive)[0] }
        // Many distinct long values of each shared kind, each line read through one
        // `SharedStrings`, against each line read alone.
        var shared = ArchiveEntry.SharedStrings()
        for n in 0..<(3 * ArchiveEntry.SharedStrings.keep) {
            var e = entry
            e.windowStart = "2026-01-\(String(format: "%02d", n % 28 + 1)) 08:00:\(String(format: "%02d", n % 60))"
            e.windowEnd = n % 2 == 0 ? e.windowStart : "2026-12-31 08:00:00"
            e.endpoint = "endpoint-name-number-\(n % 97)"
            e.path = "/Some/Long/Path/\(n)"
            e.query = ["siteId": "10012045400000\(n % 100)", "startTime": e.windowStart, "orderSettleId": "25012045400000\(n)"]
            var line = try Archive.indexText([e])
            line.removeLast()
            if n % 3 == 0 {
                // The same value escaped: `0` as `\u0030`.
                line = Array(String(decoding: line, as: UTF8.self).replacingOccurrences(of: "08:00:", with: "08:\\u0030\\u0030:").utf8)
            }
            let alone = try ArchiveEntry(line: line)
            #expect(alone == e)
            #expect(try ArchiveEntry(line: line, sharing: &shared) == alone)
        }
    }

    /// The first entry of a small archive's index.
    func withTemporaryIndex<R>(_ body: (String) throws -> R) throws -> R {
        var result: R?
        try withSmallArchive("archive-shared") { result = try body($0) }
        return result!
    }

    @Test("the plan takes every entry once, grouped by window in landing order, each window's entries in index order")
    func planOrder() throws {
        try withSmallArchive("archive-plan") { archive in
            let index = try Archive.readIndex(archive)
            // The same archive with its index reversed plans the same windows; a window's
            // entries follow the index.
            let plan = try ArchiveReplay.plan(archive)
            try Data(try Archive.indexText(index.reversed())).write(to: URL(fileURLWithPath: archive + "/" + Archive.indexFile))
            let reversed = try ArchiveReplay.plan(archive)
            #expect(plan.map(\.window) == reversed.map(\.window))
            #expect(plan.map { $0.entries.reversed() } == reversed.map(\.entries))
            #expect(plan.reduce(0) { $0 + $1.entries.count } == index.count)
            #expect(Set(plan.flatMap(\.entries)) == Set(index))
            let rank = Dictionary(uniqueKeysWithValues: Endpoint.allCases.enumerated().map { ($1, $0) })
            for (a, b) in zip(plan, plan.dropFirst()) {
                let x = (a.window.start, a.window.end, rank[a.window.endpoint]!, a.window.storeID)
                let y = (b.window.start, b.window.end, rank[b.window.endpoint]!, b.window.storeID)
                #expect(x < y, "\(a.window) before \(b.window)")
            }
            for (window, entries) in plan {
                #expect(entries.allSatisfy { $0.knownEndpoint == window.endpoint && $0.store == window.storeID })
            }
        }
    }

    @Test("a plan restricted to endpoints or stores is the whole plan's windows of them")
    func planFiltered() throws {
        try withSmallArchive("archive-plan-filter") { archive in
            let all = try ArchiveReplay.plan(archive)
            let chosen: Set<Endpoint> = [.settlementRecords, .memberProfiles, .paymentTransactions]
            let some = try ArchiveReplay.plan(archive, endpoints: chosen)
            let expected = all.filter { chosen.contains($0.window.endpoint) }
            #expect(!some.isEmpty && some.map(\.window) == expected.map(\.window) && some.map(\.entries) == expected.map(\.entries))
            let store = all[0].window.storeID
            #expect(try ArchiveReplay.plan(archive, stores: [store]).map(\.window) == all.map(\.window))
            #expect(try ArchiveReplay.plan(archive, stores: [store + 1]).isEmpty)
        }
    }

    @Test("a file whose name starts with a combining mark is found where the index says")
    func combiningMarkName() throws {
        try withSmallArchive("archive-plan-name") { archive in
            var entries = try Archive.readIndex(archive)
            let old = entries[0].file
            let folder = old.split(separator: "/").dropLast().joined(separator: "/")
            entries[0].file = folder + "/\u{301}moved.json"
            try FileManager.default.moveItem(atPath: archive + "/" + old, toPath: archive + "/" + entries[0].file)
            try Data(try Archive.indexText(entries)).write(to: URL(fileURLWithPath: archive + "/" + Archive.indexFile))
            let plan = try ArchiveReplay.plan(archive)
            #expect(plan.contains { $0.entries.contains(entries[0]) })
        }
    }
}

@Suite("archive plan order")
struct ArchivePermutationTests {
    @Test("entries moved along a permutation's cycles land where copying them would put them")
    func permuteMovesLikeCopying() throws {
        try withSmallArchive("archive-permute") { archive in
            let entries = try Archive.readIndex(archive)
            var rng = SystemRandomNumberGenerator()
            for size in [0, 1, 2, 3, 17, entries.count] {
                let some = Array(entries.prefix(size))
                var orders: [[Int]] = [Array(some.indices), Array(some.indices.reversed()), Array(some.indices).shuffled(using: &rng)]
                if size > 1 { orders.append(Array(1..<size) + [0]) }  // one long cycle
                for order in orders {
                    var moved = some
                    moved.permute(to: order)
                    #expect(moved == order.map { some[$0] }, "size \(size)")
                }
            }
        }
    }
}

@Suite("archive replay in chunks")
struct ArchiveReplayChunkTests {
    /// Replays `archive` into a new lake at `root`, `chunk` windows read at a time: the
    /// ODS files (path → SHA-256) and the error that stopped it, if one did.
    func replay(_ archive: String, into root: String, chunk: Int) throws -> (files: [String: String], error: String?) {
        let lake = try WritableLake(root: root, create: true)
        let layout = try ArchiveReplay.Layout(archive, stores: nil, endpoints: nil)
        let runID = try lake.beginRun(command: "billiards replay", arguments: [])
        var failure: String?
        do { _ = try ArchiveReplay.land(layout, folder: archive, into: lake, runID: runID, chunk: chunk) } catch { failure = "\(error)" }
        return (try lakeFiles(root).filter { $0.key.contains("billiards_ods") }, failure)
    }

    @Test("read one or two windows at a time, with several chunks fetched ahead, the replay lands the same files and stops at the same damaged file")
    func smallChunks() throws {
        let dir = TemporaryDirectory("replay-chunks")
        defer { dir.remove() }
        let archive = dir.path + "/a"
        try smallArchive(archive)
        let whole = try replay(archive, into: dir.path + "/whole", chunk: 256)
        #expect(whole.error == nil && !whole.files.isEmpty)
        for chunk in [1, 2] {
            let small = try replay(archive, into: dir.path + "/c\(chunk)", chunk: chunk)
            #expect(small.error == nil)
            #expect(small.files == whole.files)
        }
        // A file of the second day damaged: every chunk size stops there, with the same
        // windows before it landed.
        let entries = try Archive.readIndex(archive)
        let victim = entries.last { $0.endpoint == "payment_transactions" && $0.windowStart.hasPrefix("2026-01-02") }!
        let path = archive + "/" + victim.file
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let stopped = try replay(archive, into: dir.path + "/d256", chunk: 256)
        #expect(stopped.error?.contains("does not match its SHA-256") == true, "\(stopped.error ?? "no error")")
        #expect(stopped.files.count < whole.files.count)
        for chunk in [1, 2] {
            let small = try replay(archive, into: dir.path + "/d\(chunk)", chunk: chunk)
            #expect(small.error == stopped.error)
            #expect(small.files == stopped.files)
        }
    }
}
