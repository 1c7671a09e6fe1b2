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
        let lake = try TestLake(dir.path + "/lake").path
        try OrderItemsCSV.write(dir.path + "/old.csv", rows: Self.oldRows)
        try OrderItemsCSV.write(dir.path + "/new.csv", rows: Self.newRows, variant: 1)
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/old.csv").status == 0)
        return lake
    }

    /// Checks the lake after a crash, repairs it, and returns the partition's rows.
    func checkAndRepair(_ lake: String) throws -> Int {
        // Every file under a final name is a whole zstd stream.
        let partition = PartitionKey(DatasetName("petshop.order_items")!, LakeDate(Substring("2026-11-21"))!)
        for root in FileFormat.allCases.map({ lake + "/" + LakeLayout.partitionDirectory(partition, $0) }) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasPrefix("part-") {
                do {
                    _ = try ZstdReader(source: FileSource(path: root + "/" + name), name: name).readAll()
                } catch {
                    Issue.record("\(name) under its final name is not a whole zstd stream: \(error)")
                }
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
                            environment: ["OPSLAKE_FAULT": point])
        #expect(r.signaled && r.status == SIGKILL && r.stderr.contains("fault point \(point):1 reached"), "\(r.stderr)")
        #expect(try checkAndRepair(lake) == expectedRows)
    }

    @Test("a write after a crash, without repair in between, is never undone by the crashed commit")
    func newerWriteWins() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try prepare(dir)
        let crashed = try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/new.csv",
                                  environment: ["OPSLAKE_FAULT": "after-journal"])
        #expect(crashed.signaled && crashed.stderr.contains("fault point after-journal:1 reached"))
        try OrderItemsCSV.write(dir.path + "/newest.csv", rows: 7, variant: 2)
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21", dir.path + "/newest.csv").status == 0)
        #expect(try checkAndRepair(lake) == 7)
        let runs = try Lake(root: lake).catalog.runs()
        #expect(Array(runs.map(\.status).prefix(3)) == ["succeeded", "failed", "succeeded"])
        #expect(runs[1].error?.hasPrefix("interrupted") == true)
    }

    @Test("a run killed after some commits counts, once the next writer opens the lake, the partitions and rows it committed")
    func interruptedRunCounts() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        #expect(try opslake("init", "--lake", lake, "--opened", "2025-01-01", "--seed", "1").status == 0)
        // Killed once its second batch of days is in the catalogue.
        let killed = try opslake("generate", "--lake", lake, "--from", "2025-01-01", "--to", "2025-01-20", "--jobs", "2",
                                 environment: ["OPSLAKE_FAULT": "after-apply:2"])
        #expect(killed.signaled && killed.status == SIGKILL, "\(killed.stderr)")
        #expect(try opslake("repair", "--lake", lake).status == 0)  // a writer: it takes the lock
        let catalog = try Lake(root: lake).catalog
        let run = try #require(try catalog.runs().first { $0.command == "generate" })
        let committed = try catalog.partitions().filter { $0.runID == run.id }
        #expect(run.status == "failed" && run.error?.hasPrefix("interrupted") == true, "\(run)")
        #expect(!committed.isEmpty && run.partitions == committed.count, "\(run.partitions) for \(committed.count)")
        #expect(run.rows == Int64(committed.reduce(0) { $0 + $1.rows }))
    }

    @Test("SIGKILL at random moments of a write: each kill that lands mid-write leaves one whole version")
    func crashAtRandomMoments() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try prepare(dir)
        // How long a whole write takes here, to spread the kills over it.
        let start = Date()
        #expect(try opslake("ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-22", dir.path + "/new.csv").status == 0)
        let duration = Date().timeIntervalSince(start)
        var expected = Self.oldRows
        let landed = try killAtRandomMoments(attempts: 10, window: duration, seed: 7, run: { i in
            try RunningOpslake(["ingest", "--lake", lake, "petshop.order_items", "--date", "2026-11-21",
                                dir.path + (i % 2 == 0 ? "/new.csv" : "/old.csv")])
        }, after: { (i: Int, landed: Bool) throws in
            // A run that finished wrote its version; a killed one left the old or the new one whole.
            let rows = try checkAndRepair(lake)
            if landed { #expect([Self.oldRows, Self.newRows].contains(rows)) } else { #expect(rows == (i % 2 == 0 ? Self.newRows : Self.oldRows)) }
            expected = rows
        })
        #expect(landed >= 1, "no kill landed while a write ran")
        #expect(try Lake(root: lake).catalog.partitions(of: DatasetName("petshop.order_items")!).map(\.rows) == [expected, Self.newRows])
    }
}
