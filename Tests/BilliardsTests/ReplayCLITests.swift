import Testing
import Foundation
import Billiards
import BilliardsVenue
import LakeCatalog
import LakeFormat
import TestSupport

/// An archive of one store's first two days, small pages: 46 windows, a few files each.
func smallArchive(_ folder: String) throws {
    _ = try VenueArchive.write(venue: try smallVenue(stores: 1), to: folder, from: opened, through: opened.adding(days: 1), pageSize: 50)
}

/// True when every record of every window of the archive that a cursor covers is in the
/// lake (as that version or a later one): cursors are never ahead of the data.
func cursorsBehindData(archive: String, lake: Lake) throws -> Bool {
    let schemas = try BilliardsODS.schemasByEndpoint()
    var cache: [PartitionKey: [String: Int64]] = [:]
    for (window, entries) in try ArchiveReplay.plan(archive) {
        guard let cursor = try lake.catalog.cursor(BilliardsODS.cursorName(window.endpoint, store: window.storeID)),
              window.lastWholeDay <= cursor else { continue }
        for r in try ArchiveReplay.read(window, entries, folder: archive) {
            let key = PartitionKey(BilliardsODS.dataset(window.endpoint), r.dt)
            if cache[key] == nil {
                var rows: [String: Int64] = [:]
                for row in try ODSWriter.rows(of: key, in: lake, schema: schemas[window.endpoint]!) {
                    if case .int(let s) = row[0], case .string(let k) = row[1], case .timestamp(let t) = row[4] { rows["\(s)|\(k)"] = t.secondsSinceEpoch }
                }
                cache[key] = rows
            }
            guard let t = cache[key]!["\(r.storeID)|\(r.sourceKey)"], t >= r.versionTime.secondsSinceEpoch else { return false }
        }
    }
    return true
}

@Suite("opslake billiards", .serialized)
struct ReplayCLITests {
    @Test("archive and replay from the command line; verify passes; the catalogue and schema commands know billiards_ods")
    func commandLine() throws {
        let dir = TemporaryDirectory("ods-cli")
        defer { dir.remove() }
        let a = try opslake("billiards", "archive", "--out", dir.path + "/a", "--from", "2026-01-01", "--to", "2026-01-01", "--stores", "1", "--seed", "7", "--page-size", "30")
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.hasPrefix("archived 2026-01-01...2026-01-01, 1 stores: "))
        #expect(try opslake("billiards", "archive", "--out", dir.path + "/a", "--from", "2026-01-01", "--to", "2026-01-01").status == 73)
        let r = try opslake("billiards", "replay", "--archive", dir.path + "/a", "--lake", dir.path + "/lake")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("partitions written"))
        let again = try opslake("billiards", "replay", "--archive", dir.path + "/a", "--lake", dir.path + "/lake")
        #expect(again.stdout.contains(": 0 partitions written, 0 rows"), "\(again.stdout)")
        #expect(try opslake("verify", "--lake", dir.path + "/lake").status == 0)
        #expect(try opslake("catalog", "--lake", dir.path + "/lake").stdout.contains("billiards_ods.settlement_records"))
        let list = try opslake("schema", "list").stdout
        #expect(list.contains("billiards_ods.payment_transactions") && list.contains("petshop.orders"))
        #expect(try opslake("schema", "ddl", "billiards_ods.member_profiles").stdout.contains("PRIMARY KEY (\"dt\", \"store_id\", \"source_key\")"))
        #expect(try opslake("billiards", "replay", "--archive", dir.path + "/none", "--lake", dir.path + "/lake").status == 66)
        #expect(try opslake("billiards", "replay", "--archive", dir.path + "/a", "--lake", dir.path + "/lake", "--tasks", "nope").status == 64)
    }

    @Test("a missing file (66) or a corrupt one (65) is refused, and nothing of its window is committed")
    func damagedArchives() throws {
        let dir = TemporaryDirectory("ods-damaged")
        defer { dir.remove() }
        let archive = dir.path + "/a"
        try smallArchive(archive)
        let entries = try Archive.readIndex(archive)
        // The second day's payments, page 1.
        let victim = entries.first { $0.endpoint == "payment_transactions" && $0.windowStart.hasPrefix("2026-01-02") && $0.page == 1 }!
        let path = archive + "/" + victim.file
        let original = FileManager.default.contents(atPath: path)!

        try FileManager.default.removeItem(atPath: path)
        let missing = try opslake("billiards", "replay", "--archive", archive, "--lake", dir.path + "/l1")
        #expect(missing.status == 66, "\(missing.stderr)")
        #expect(missing.stderr.hasPrefix("opslake: error: ") && missing.stderr.contains(victim.file) && missing.stderr.split(separator: "\n").count == 1)
        #expect(try Lake(root: dir.path + "/l1").catalog.partitions().isEmpty)

        var bytes = [UInt8](original)
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let corrupt = try opslake("billiards", "replay", "--archive", archive, "--lake", dir.path + "/l2")
        #expect(corrupt.status == 65, "\(corrupt.stderr)")
        #expect(corrupt.stderr.contains("SHA-256"))
        let lake = try Lake(root: dir.path + "/l2")
        let dataset = BilliardsODS.dataset(.paymentTransactions)
        #expect(try lake.catalog.partition(PartitionKey(dataset, opened)) != nil)
        #expect(try lake.catalog.partition(PartitionKey(dataset, opened.adding(days: 1))) == nil)
        #expect(try lake.catalog.cursor(BilliardsODS.cursorName(.paymentTransactions, store: victim.store)) == opened)
        #expect(try cursorsBehindData(archive: archive, lake: lake))
        #expect(try opslake("verify", "--lake", dir.path + "/l2").status == 0)

        // Shorter than the index says: refused when its window is read (65), as a corrupt one.
        try Data(original.dropLast()).write(to: URL(fileURLWithPath: path))
        let short = try opslake("billiards", "replay", "--archive", archive, "--lake", dir.path + "/l5")
        #expect(short.status == 65 && short.stderr.contains("bytes where \(Archive.indexFile) says \(victim.bytes)"), "\(short.stderr)")
        #expect(try Lake(root: dir.path + "/l5").catalog.partition(PartitionKey(dataset, opened.adding(days: 1))) == nil)
        #expect(try Lake(root: dir.path + "/l5").catalog.partition(PartitionKey(dataset, opened)) != nil)  // the windows before it landed

        // An index that claims an absurd size: refused (65), nothing of that size asked for.
        try Data(original).write(to: URL(fileURLWithPath: path))
        var huge = entries
        huge[huge.firstIndex(of: victim)!].bytes = .max
        try Data(try Archive.indexText(huge)).write(to: URL(fileURLWithPath: archive + "/" + Archive.indexFile))
        let claimed = try opslake("billiards", "replay", "--archive", archive, "--lake", dir.path + "/l6")
        #expect(claimed.status == 65 && claimed.stderr.contains("is \(original.count) bytes where \(Archive.indexFile) says \(Int64.max)"), "\(claimed.stderr)")

        // Not the envelope: the file and the index agree, the body does not.
        let notEnvelope = Array(#"{"error":"gateway timeout"}"#.utf8)
        try Data(notEnvelope).write(to: URL(fileURLWithPath: path))
        var fixed = entries
        let i = fixed.firstIndex(of: victim)!
        fixed[i].bytes = Int64(notEnvelope.count)
        fixed[i].sha256 = try SHA256.hash(notEnvelope)
        try Data(try Archive.indexText(fixed)).write(to: URL(fileURLWithPath: archive + "/" + Archive.indexFile))
        let bad = try opslake("billiards", "replay", "--archive", archive, "--lake", dir.path + "/l3")
        #expect(bad.status == 65 && bad.stderr.contains("payment_transactions") && bad.stderr.contains("page 1"), "\(bad.stderr)")

        // A damaged index: the first bad line is named by its number (empty lines count),
        // whichever core read it, and nothing is landed.
        var lines = String(decoding: try Archive.indexText(entries), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.insert("", at: 1)
        lines[4] = "{\"endpoint\":"
        lines[lines.count - 2] = "not json"
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: archive + "/" + Archive.indexFile))
        let index = try opslake("billiards", "replay", "--archive", archive, "--lake", dir.path + "/l4")
        #expect(index.status == 65 && index.stderr.hasPrefix("opslake: error: \(archive)/index.ndjson line 5: not an index entry"), "\(index.stderr)")
        let landed = FileManager.default.fileExists(atPath: dir.path + "/l4/_catalog.sqlite") ? try Lake(root: dir.path + "/l4").catalog.partitions() : []
        #expect(landed.isEmpty)
    }

    @Test("killed at any step of a commit, a replay run again leaves the ODS exact, and cursors are never ahead of data")
    func killedMidReplay() throws {
        let dir = TemporaryDirectory("ods-kill")
        defer { dir.remove() }
        let archive = dir.path + "/a"
        try smallArchive(archive)
        let clean = try opslake("billiards", "replay", "--archive", archive, "--lake", dir.path + "/clean")
        #expect(clean.status == 0)
        let reference = try odsRows(try Lake(root: dir.path + "/clean"))
        let referenceFiles = try lakeFiles(dir.path + "/clean").filter { !$0.key.hasPrefix("_") }
        for (point, n) in [("after-temporary-files", 3), ("after-journal", 9), ("after-first-rename", 17), ("after-renames", 25), ("after-apply", 33)] {
            let root = dir.path + "/" + point
            let killed = try opslake(["billiards", "replay", "--archive", archive, "--lake", root], environment: ["OPSLAKE_FAULT": "\(point):\(n)", "OPSLAKE_ODS_BATCH_BYTES": "1"])
            #expect(killed.signaled && killed.status == SIGKILL, "\(point): \(killed.status) \(killed.stderr)")
            #expect(try cursorsBehindData(archive: archive, lake: try Lake(root: root)), "\(point)")
            let rerun = try opslake("billiards", "replay", "--archive", archive, "--lake", root)
            #expect(rerun.status == 0, "\(point): \(rerun.stderr)")
            let lake = try Lake(root: root)
            #expect(try odsRows(lake) == reference, "\(point)")
            #expect(try lakeFiles(root).filter { !$0.key.hasPrefix("_") } == referenceFiles, "\(point)")
            #expect(try cursorsBehindData(archive: archive, lake: lake))
            let verify = try opslake("verify", "--lake", root)
            #expect(verify.status == 0, "\(point): \(verify.stdout) \(verify.stderr)")
        }
    }

    @Test("killed at any step of a DWD commit, while the next chunk is built, a build run again gives the files of a clean build")
    func killedMidDWD() throws {
        let dir = TemporaryDirectory("dwd-kill")
        defer { dir.remove() }
        let archive = dir.path + "/a"
        try smallArchive(archive)
        let ods = dir.path + "/ods"
        #expect(try opslake("billiards", "replay", "--archive", archive, "--lake", ods).status == 0)
        func copy(_ to: String) throws -> String {
            try FileManager.default.copyItem(atPath: ods, toPath: to)
            return to
        }
        let clean = try copy(dir.path + "/clean")
        let built = try opslake("billiards", "dwd", "--lake", clean, "--json")
        #expect(built.status == 0, "\(built.stderr)")
        let reference = try lakeFiles(clean).filter { !$0.key.hasPrefix("_") }
        #expect(reference.keys.contains { $0.hasPrefix("billiards/") })
        // Two ODS partitions a chunk: the first commits run while later chunks are built.
        for (point, n) in [("after-temporary-files", 2), ("after-journal", 3), ("after-first-rename", 4), ("after-renames", 2), ("after-apply", 5)] {
            let root = try copy(dir.path + "/" + point)
            let killed = try opslake(["billiards", "dwd", "--lake", root], environment: ["OPSLAKE_FAULT": "\(point):\(n)", "OPSLAKE_DWD_CHUNK": "2"])
            #expect(killed.signaled && killed.status == SIGKILL, "\(point): \(killed.status) \(killed.stderr)")
            let rerun = try opslake("billiards", "dwd", "--lake", root)
            #expect(rerun.status == 0, "\(point): \(rerun.stderr)")
            #expect(try lakeFiles(root).filter { !$0.key.hasPrefix("_") } == reference, "\(point)")
            let verify = try opslake("verify", "--lake", root)
            #expect(verify.status == 0, "\(point): \(verify.stdout) \(verify.stderr)")
        }
    }
}
