import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TestSupport

/// SIGKILL during a partition write, at every step of the commit protocol and at
/// random moments: afterwards no final file is truncated, `verify` reports only what
/// `repair` fixes, and after `repair` the lake holds the old or the new partition whole.
@Suite(.serialized) struct CrashTests {
    static let oldRows = 200, newRows = 30_000

    /// A lake holding the old version of the partition, and the new version's input.
    func prepare(_ dir: TemporaryDirectory) throws -> String {
        let lake = dir.path + "/lake"
        #expect(try opslake("init", "--lake", lake).status == 0)
        try OrderItemsCSV.write(dir.path + "/old.csv", rows: Self.oldRows)
        try OrderItemsCSV.write(dir.path + "/new.csv", rows: Self.newRows, variant: 1)
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/old.csv").status == 0)
        return lake
    }

    /// Checks the lake after a crash, repairs it, and returns the partition's rows.
    func checkAndRepair(_ lake: String) throws -> Int {
        // Every file under a final name is a whole zstd stream.
        let root = URL(fileURLWithPath: lake + "/petshop/order_items/dt=2026-11-21")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where name.hasPrefix("part-") {
            do {
                _ = try ZstdReader(source: FileSource(path: root.path + "/" + name), name: name).readAll()
            } catch {
                Issue.record("\(name) under its final name is not a whole zstd stream: \(error)")
            }
        }
        let verified = try opslake("verify", "--lake", lake, "--json")
        let report = try JSONDecoder().decode(VerifyReport.self, from: Data(verified.stdout.utf8))
        #expect(report.faults.allSatisfy { $0.repairable }, "\(report.faults)")
        #expect(verified.status == (report.ok ? 0 : 65))
        let repaired = try opslake("repair", "--lake", lake)
        #expect(repaired.status == 0, "\(repaired.stdout)\(repaired.stderr)")
        #expect(try opslake("verify", "--lake", lake).status == 0)
        return try Lake(root: lake).catalog.partition(
            PartitionKey(DatasetName("petshop.order_items")!, LakeDate(year: 2026, month: 11, day: 21)))?.rows ?? -1
    }

    @Test("SIGKILL at each step of the commit", arguments: [
        ("after-temporary-files", oldRows), ("after-journal", newRows), ("after-first-rename", newRows),
        ("after-renames", newRows), ("after-apply", newRows),
    ])
    func crashAtStep(point: String, expectedRows: Int) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try prepare(dir)
        let r = try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/new.csv",
                            environment: ["OPSLAKE_CRASH_AT": point])
        #expect(r.signaled && r.status == SIGKILL)
        #expect(try checkAndRepair(lake) == expectedRows)
    }

    @Test("a write after a crash, without repair in between, is never undone by the crashed commit")
    func newerWriteWins() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try prepare(dir)
        let crashed = try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/new.csv",
                                  environment: ["OPSLAKE_CRASH_AT": "after-journal"])
        #expect(crashed.signaled)
        try OrderItemsCSV.write(dir.path + "/newest.csv", rows: 7, variant: 2)
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/newest.csv").status == 0)
        #expect(try checkAndRepair(lake) == 7)
        let runs = try Lake(root: lake).catalog.runs()
        #expect(Array(runs.map(\.status).prefix(3)) == ["succeeded", "failed", "succeeded"])
        #expect(runs[1].error?.hasPrefix("interrupted") == true)
    }

    @Test("SIGKILL at random moments of a write")
    func crashAtRandomMoments() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try prepare(dir)
        // How long a whole write takes here, to spread the kills over it.
        let start = Date()
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-22", dir.path + "/new.csv").status == 0)
        let duration = Date().timeIntervalSince(start)
        var g = SplitMix64(seed: 7)
        for i in 0..<12 {
            let delay = duration * (Double(i) + Double(g.next() % 1000) / 1000) / 10
            let p = Process()
            p.executableURL = URL(fileURLWithPath: opslakeBinary)
            p.arguments = ["ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21",
                           dir.path + (i % 2 == 0 ? "/new.csv" : "/old.csv")]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(delay * 1_000_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            // The second partition is untouched; the first holds one whole version.
            let rows = try checkAndRepair(lake)
            #expect([Self.oldRows, Self.newRows].contains(rows))
        }
        #expect(try Lake(root: lake).catalog.partitions(of: DatasetName("petshop.order_items")!).map(\.rows).last == Self.newRows)
    }
}
