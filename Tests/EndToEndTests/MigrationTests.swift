import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TableSchema
import TestSupport

/// The fixtures the format-1 release made (Tests/Fixtures/README.md).
let fixtures = repositoryRoot + "/Tests/Fixtures"

/// A copy of the format-1 fixture lake, to migrate. The fixture is kept as one tar
/// file (`format1-lake.tar`), so no lake folder sits in the repository.
func format1Lake(in dir: TemporaryDirectory, name: String = "lake") throws -> String {
    let lake = dir.path + "/" + name
    let unpacked = dir.path + "/.fixture-" + name
    try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
    let tar = try runProcess("/bin/tar", ["-xf", fixtures + "/format1-lake.tar", "-C", unpacked])
    guard tar.status == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: tar.stderr]) }
    try FileManager.default.moveItem(atPath: unpacked + "/format1-lake", toPath: lake)
    try FileManager.default.removeItem(atPath: unpacked)
    return lake
}

/// Each catalogued file of a lake, by dataset, dt, format and part: its SHA-256 on disk
/// and in the catalogue, and its rows. Read from SQLite directly, so it works on a
/// format-1 catalogue too.
func fileContents(_ lake: String) throws -> [String: String] {
    let sql = "SELECT dataset, dt, format, part, path, sha256, rows FROM files"
    let r = try runProcess("/usr/bin/sqlite3", ["-separator", "|", lake + "/" + LakeLayout.catalogFile, sql])
    var out: [String: String] = [:]
    for line in r.stdout.split(separator: "\n") {
        let c = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let onDisk = try SHA256.hash(Array(FileManager.default.contents(atPath: lake + "/" + c[4]) ?? Data()))
        out["\(c[0]) \(c[1]) \(c[2]) \(c[3])"] = "\(c[5]) on disk \(onDisk) rows \(c[6])"
    }
    return out
}

@Suite("moving a format-1 lake to format 2")
struct MigrationTests {
    @Test("a read-only command on a format-1 lake says what to run (65) and changes nothing")
    func readersRefuse() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try format1Lake(in: dir)
        let before = try fileContents(lake)
        for command in [["catalog"], ["verify"], ["schema", "list"], ["ship", "pack", "-o", dir.path + "/b.tar"], ["export", "--out", dir.path + "/x"]] {
            let r = try opslake(command + ["--lake", lake])
            #expect(r.status == 65, "\(command): \(r.status) \(r.stderr)")
            #expect(r.stderr == "opslake: error: the lake at \(lake) is in format 1; move it to format 2 with `opslake repair --lake \(lake)` "
                    + "(any command that writes to the lake does it), then run this again\n", "\(command)")
        }
        #expect(try fileContents(lake) == before)
        #expect(FileManager.default.fileExists(atPath: lake + "/petshop/orders/dt=2025-03-01/part-00000.csv.zst"))
    }

    @Test("a writer moves every file into its table folder: verify passes, every file's bytes and rows are unchanged, schema hashes are the built-in ones")
    func migrates() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try format1Lake(in: dir)
        let before = try fileContents(lake)
        let r = try opslake("repair", "--lake", lake)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("moved the lake from format 1 to format 2: 44 files into their table folders, 8 schema hashes recomputed\n"), "\(r.stdout)")
        let after = try fileContents(lake)
        #expect(after == before)
        for (key, value) in after {
            let parts = value.split(separator: " ")
            #expect(parts[0] == parts[3], "\(key): \(value)")  // catalogued SHA-256 == the bytes on disk
        }
        #expect(try opslake("verify", "--lake", lake).status == 0)
        // Only table folders under each dataset; no old dt= folder is left.
        for table in try FileManager.default.contentsOfDirectory(atPath: lake + "/petshop") {
            #expect(try FileManager.default.contentsOfDirectory(atPath: lake + "/petshop/" + table).sorted() == ["csv", "ndjson"], "\(table)")
        }
        let catalogue = try Lake(root: lake).catalog
        #expect(try catalogue.userVersion == 2)
        let builtIn = try SchemaRegistry(directory: schemasDirectory).schemas.mapValues(\.hash)
        for d in try catalogue.datasets() {
            // promotion_calendar, behavior_events and customers are still the version 1 the
            // lake was written with; the next generate registers version 2
            // (docs/table-schemas.md, "Changing a schema").
            if ["petshop.promotion_calendar", "petshop.behavior_events", "petshop.customers"].contains(d.name.description) {
                #expect(d.schemaVersion == 1 && d.schemaHash != builtIn[d.name])
            } else {
                #expect(d.schemaHash == builtIn[d.name], "\(d.name)")
            }
            for p in try catalogue.partitions(of: d.name) { #expect(p.schemaHash == d.schemaHash, "\(p.key)") }
        }
        // The lake goes on as a format-2 lake: a later day generates and verifies, and a
        // second writer finds nothing to move.
        #expect(try opslake("generate", "--lake", lake, "--date", "2025-03-04").status == 0)
        let again = try opslake("repair", "--lake", lake)
        #expect(again.status == 0 && !again.stdout.contains("moved the lake"), "\(again.stdout)")
        #expect(try opslake("verify", "--lake", lake).status == 0)
    }

    @Test("leftovers of format 1 (a temporary file, a stray file) go to _quarantine/, not into a table folder")
    func leftovers() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try format1Lake(in: dir)
        let folder = lake + "/petshop/orders/dt=2025-03-02"
        try Data("half".utf8).write(to: URL(fileURLWithPath: folder + "/.part-00000.csv.zst.1-abc.tmp"))
        try Data("stray".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        #expect(try opslake("repair", "--lake", lake).status == 0)
        #expect(try opslake("verify", "--lake", lake).status == 0)
        #expect(!FileManager.default.fileExists(atPath: folder))
        let quarantine = try FileManager.default.subpathsOfDirectory(atPath: lake + "/_quarantine").filter { $0.hasSuffix(".tmp") || $0.hasSuffix(".txt") }
        #expect(quarantine.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted() == [".part-00000.csv.zst.1-abc.tmp", "notes.txt"])
    }

    @Test("killed at each step of the move, the next writer finishes it: verify passes, every file once with its bytes",
          arguments: ["after-migration-move:1", "after-migration-move:17", "after-migration-move:44", "before-migration-commit:1"])
    func killed(fault: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try format1Lake(in: dir)
        let before = try fileContents(lake)
        let r = try opslake(["repair", "--lake", lake], environment: ["OPSLAKE_FAULT": fault])
        #expect(r.signaled && r.status == SIGKILL && r.stderr.contains("fault point \(fault) reached"), "\(r.status) \(r.stderr)")
        // Mid-move readers still ask for a writer, and the catalogue's user_version is one
        // that a release knowing only format 1 refuses as newer.
        #expect(try opslake("catalog", "--lake", lake).status == 65)
        let version = try runProcess("/usr/bin/sqlite3", [lake + "/" + LakeLayout.catalogFile, "PRAGMA user_version"])
        #expect(version.stdout == "\(Catalog.movingFromFormat1)\n")
        let finished = try opslake("repair", "--lake", lake)
        #expect(finished.status == 0 && finished.stdout.contains("moved the lake from format 1 to format 2"), "\(finished.stdout)\(finished.stderr)")
        #expect(try fileContents(lake) == before)
        #expect(try opslake("verify", "--lake", lake).status == 0)
        let rows = try Lake(root: lake).catalog.partitions().reduce(0) { $0 + $1.rows }
        #expect(rows == 4472)
    }

    @Test("killed at random moments while moving, then opened by a writer: verify passes and every file is there once with its bytes")
    func killedAtRandom() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let timing = try format1Lake(in: dir, name: "timing")
        let start = Date()
        #expect(try opslake("repair", "--lake", timing).status == 0)
        let duration = Date().timeIntervalSince(start)
        let before = try fileContents(try format1Lake(in: dir, name: "reference"))
        var lakes: [String] = []
        let landed = try killAtRandomMoments(attempts: 4, window: duration, seed: 12, run: { i in
            let lake = try format1Lake(in: dir, name: "lake\(i)")
            lakes.append(lake)
            return try RunningOpslake(["repair", "--lake", lake])
        }, after: { (i: Int, _: Bool) throws in
            #expect(try opslake("repair", "--lake", lakes[i]).status == 0)
            #expect(try opslake("verify", "--lake", lakes[i]).status == 0)
            #expect(try fileContents(lakes[i]) == before)
        })
        #expect(landed >= 1, "no kill landed while a lake was being moved")
    }

    @Test("a bundle made by the format-1 release unpacks into a format-2 lake; a new bundle says version 2")
    func format1Bundle() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        let r = try opslake("ship", "unpack", "--lake", lake, fixtures + "/format1-bundle.tar")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("6 partitions installed"), "\(r.stdout)")
        #expect(try opslake("verify", "--lake", lake).status == 0)
        #expect(FileManager.default.fileExists(atPath: lake + "/petshop/orders/csv/dt=2025-03-01/part-00000.csv.zst"))
        let catalogue = try Lake(root: lake).catalog
        let builtIn = try SchemaRegistry(directory: schemasDirectory).schema(for: DatasetName("petshop.orders")!)
        #expect(try catalogue.registeredSchema(builtIn.dataset)?.hash == builtIn.hash)
        // Unpacked into the migrated fixture, which holds the same partitions: nothing changes.
        let migrated = try format1Lake(in: dir, name: "migrated")
        let same = try opslake("ship", "unpack", "--lake", migrated, fixtures + "/format1-bundle.tar")
        #expect(same.status == 0 && same.stdout.contains("0 partitions installed, 0 replaced, 6 unchanged"), "\(same.stdout)\(same.stderr)")
        // Packed again by this release: version 2, and it unpacks.
        let bundle = dir.path + "/new.tar"
        #expect(try opslake("ship", "pack", "--lake", lake, "-o", bundle).status == 0)
        let info = try runProcess("/bin/tar", ["-xOf", bundle, "new/bag-info.txt"])
        #expect(info.stdout.contains("\nOpsLake-Bundle-Version: 2\n"), "\(info.stdout)")
        let manifest = try runProcess("/bin/tar", ["-xOf", bundle, "new/opslake-manifest.json"])
        #expect(manifest.stdout.contains("\"version\" : 2"), "\(manifest.stdout.prefix(300))")
        #expect(try opslake("ship", "unpack", "--lake", dir.path + "/third", bundle).status == 0)
    }
}
