import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TableSchema
import TestSupport

/// Every file of a lake (path → SHA-256), leaving out SQLite's and the lock's runtime
/// files: what "byte for byte unchanged" compares.
private func snapshot(_ root: String) throws -> [String: String] {
    var out: [String: String] = [:]
    let e = FileManager.default.enumerator(atPath: root)!
    while let path = e.nextObject() as? String {
        let full = root + "/" + path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue else { continue }
        if path.hasSuffix("-wal") || path.hasSuffix("-shm") || path == LakeLayout.lockFile { continue }
        out[path] = try SHA256.hash([UInt8](Data(contentsOf: URL(fileURLWithPath: full))))
    }
    return out
}

/// The catalogue's partitions with their files' hashes: what makes two lakes the same.
private func contents(_ root: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for p in try Lake(root: root).catalog.partitions() {
        out[p.key.description] = "\(p.rows) " + p.files.sorted { $0.path < $1.path }.map { "\($0.path)=\($0.sha256)" }.joined(separator: " ")
    }
    return out
}

/// A lake opened on 2025-03-01 at a fifth of the default volume.
@discardableResult
private func makeLake(_ path: String, seed: String = "5") throws -> TestLake {
    try TestLake(path, opened: "2025-03-01", seed: seed, scale: "0.2")
}

@Suite struct ShipTests {
    @Test("a month packed, unpacked into an empty lake: verify passes, every file identical; again: nothing changes; bagit validates")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = dir.path + "/a", b = dir.path + "/b", bundle = dir.path + "/march.tar"
        try makeLake(a).generate(from: "2025-03-01", to: "2025-03-31", jobs: 2)
        let pack = try opslake("ship", "pack", "--lake", a, "--from", "2025-03-01", "--to", "2025-03-31", "-o", bundle)
        #expect(pack.status == 0, "\(pack.stderr)")
        let inspect = try opslake("ship", "inspect", bundle)
        let ordersLine = inspect.stdout.split(separator: "\n").first { $0.hasPrefix("petshop.orders ") }?.split(separator: " ").map(String.init)
        #expect(inspect.status == 0 && ordersLine?.prefix(4) == ["petshop.orders", "31", "2025-03-01", "2025-03-31"], "\(inspect.stdout)")
        let first = try opslake("ship", "unpack", "--lake", b, bundle)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try opslake("verify", "--lake", b).status == 0)
        let inA = try contents(a).filter { $0.key.contains("2025-03") }
        #expect(try contents(b) == inA)
        let before = try snapshot(b)
        let again = try opslake("ship", "unpack", "--lake", b, bundle)
        #expect(again.status == 0 && again.stdout.contains("0 partitions installed, 0 replaced, \(inA.count) unchanged"), "\(again.stdout)")
        #expect(try snapshot(b) == before)
        if let py = python {
            let bag = dir.path + "/bag"
            try FileManager.default.createDirectory(atPath: bag, withIntermediateDirectories: true)
            #expect(try runProcess("/usr/bin/tar", ["xf", bundle, "-C", bag]).status == 0)
            let r = try runProcess(py, ["-c", "import bagit,sys; bagit.Bag(sys.argv[1]).validate(); print('valid')", bag + "/march"])
            #expect(r.status == 0 && r.stdout.contains("valid"), "\(r.stderr)")
        }
    }

    @Test("a year generated as three shards in three lakes, packed and unpacked into a fourth, equals the lake of one run; days generated alone equal the same days of that run")
    func shards() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let whole = dir.path + "/whole", merged = dir.path + "/merged"
        let first = "2025-03-01", last = "2026-02-28"
        try TestLake(whole, opened: "2025-03-01", seed: "8", scale: "0.02").generate(from: first, to: last, jobs: 2)
        for k in 1...3 {
            let shard = dir.path + "/shard\(k)"
            try TestLake(shard, opened: "2025-03-01", seed: "8", scale: "0.02").generate(from: first, to: last, jobs: 2, ["--shard", "\(k)/3"])
            #expect(try opslake("ship", "pack", "--lake", shard, "-o", dir.path + "/shard\(k).tar").status == 0)
        }
        for k in [2, 3, 1] {
            let r = try opslake("ship", "unpack", "--lake", merged, dir.path + "/shard\(k).tar")
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(try opslake("verify", "--lake", merged).status == 0)
        let want = try contents(whole), got = try contents(merged)
        #expect(got.count == want.count)
        #expect(got == want)
        // Days generated alone, each in a lake of its own, are the same days of the year's
        // run: 11.11 (a festival's campaigns and weights), a day of the Lunar New Year's
        // courier rest (2026-02-17), and the last day, when most of the first members have
        // lapsed and every member's food cycle has turned many times.
        for day in ["2025-11-11", "2026-02-17", last] {
            let alone = dir.path + "/alone-" + day
            try TestLake(alone, opened: "2025-03-01", seed: "8", scale: "0.02").generate(from: day, to: day)
            let one = try contents(alone)
            #expect(one.count >= 4, "\(day): \(one.keys.sorted())")
            for (key, files) in one { #expect(want[key] == files, "\(day): \(key) differs from the year's run") }
        }
    }

    @Test("hostile bundles are refused with a clear error, and the receiving lake stays byte for byte the same",
          .enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with zstandard (make test sets it)"))
    func hostile() throws {
        let py = try #require(python)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = dir.path + "/a", r = dir.path + "/r", good = dir.path + "/good.tar", cases = dir.path + "/cases"
        try makeLake(a).generate(from: "2025-03-01", to: "2025-03-03", ["--datasets", "petshop.orders,petshop.customers"])
        #expect(try opslake("ship", "pack", "--lake", a, "--datasets", "petshop.orders", "-o", good).status == 0)
        // The receiver already holds some of A's partitions.
        let seed = dir.path + "/seed.tar"
        #expect(try opslake("ship", "pack", "--lake", a, "--datasets", "petshop.customers", "-o", seed).status == 0)
        #expect(try opslake("ship", "unpack", "--lake", r, seed).status == 0)
        let made = try runProcess(py, [repositoryRoot + "/Tests/Interop/hostile_bundles.py", good, cases])
        try #require(made.status == 0, "\(made.stderr)")
        let expected = [
            "dotdot": "unsafe path", "absolute": "unsafe path", "symlink": "symbolic link", "hardlink": "hard link",
            "device": "device or FIFO", "duplicate": "twice", "checksum": "does not match its checksum in manifest-sha256.txt",
            "truncated": "truncated", "missing": "which the bundle does not hold", "unlisted": "which manifest-sha256.txt does not list",
            "bomb": "zstd bomb", "reserved": "pg_catalog is a reserved schema", "ledger": "opslake is a reserved schema",
            "domain": "of the domain acme, which this lake does not know; pass --domain acme",
        ]
        #expect(Set(made.stdout.split(separator: "\n").map(String.init)) == Set(expected.keys))
        let before = try snapshot(r)
        for (name, phrase) in expected.sorted(by: { $0.key < $1.key }) {
            let result = try opslake("ship", "unpack", "--lake", r, "\(cases)/\(name).tar")
            #expect(result.status == 65, "\(name): exit \(result.status): \(result.stderr)")
            #expect(result.stderr.contains(phrase), "\(name): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(name): \(result.stderr)")
            #expect(try snapshot(r) == before, "\(name) changed the lake")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/opslake-escaped.csv.zst"))
        // inspect reads every header to the end: a truncated bundle, or one without a file
        // its manifest lists, is refused in one line rather than listed as if whole.
        for (name, phrase) in [("truncated", "truncated"), ("missing", "the bundle is incomplete")] {
            let result = try opslake("ship", "inspect", "\(cases)/\(name).tar")
            #expect(result.status == 65, "inspect \(name): exit \(result.status): \(result.stdout)")
            #expect(result.stderr.contains(phrase) && result.stderr.split(separator: "\n").count == 1, "inspect \(name): \(result.stderr)")
        }
        #expect(try opslake("ship", "inspect", good).status == 0)
        // A refused bundle leaves no lake behind where there was none: not in a new
        // folder, not in an empty folder that was there.
        let fresh = dir.path + "/fresh", empty = dir.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        for target in [fresh, empty] {
            #expect(try opslake("ship", "unpack", "--lake", target, "\(cases)/checksum.tar").status == 65)
        }
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
        // A domain the user names is accepted; a reserved schema never is.
        #expect(try opslake("ship", "unpack", "--lake", r, "--domain", "acme", "\(cases)/domain.tar").status == 0)
        #expect(try opslake("ship", "unpack", "--lake", r, "--domain", "pg_catalog", "\(cases)/reserved.tar").status == 65)
        // The good bundle still goes in.
        #expect(try opslake("ship", "unpack", "--lake", r, good).status == 0)
    }

    @Test("a shipped week survives run and generate byte for byte; run without the lake's settings refuses; --replace replaces")
    func shippedDataIsKept() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = dir.path + "/a", b = dir.path + "/b", bundle = dir.path + "/week.tar"
        try makeLake(a).generate(from: "2025-03-03", to: "2025-03-09")
        #expect(try opslake("ship", "pack", "--lake", a, "--from", "2025-03-03", "--to", "2025-03-09",
                            "--datasets", "petshop.orders,petshop.order_items", "-o", bundle).status == 0)
        #expect(try opslake("ship", "unpack", "--lake", b, bundle).status == 0)
        let shipped = try contents(b)
        #expect(shipped.count == 14)
        let today = ["OPSLAKE_TODAY": "2025-03-12"]

        // Without opslake.toml the lake's opening date is unknown: run refuses rather than backfill from a default.
        let refused = try opslake(["run", "--lake", b], environment: today)
        #expect(refused.status == 78 && refused.stderr.contains("opslake.toml is missing"), "\(refused.stderr)")
        #expect(try contents(b) == shipped)

        // With its settings (another seed than the source's), run fills the rest and keeps every shipped partition.
        #expect(try opslake("init", "--lake", b, "--opened", "2025-03-01", "--seed", "9", "--scale", "0.2").status == 0)
        let run = try opslake(["run", "--lake", b], environment: today)
        #expect(run.status == 0 && run.stdout.contains("kept 14 partitions that came from elsewhere"), "\(run.stdout) \(run.stderr)")
        let after = try contents(b)
        for (key, value) in shipped { #expect(after[key] == value, "\(key) was rewritten by run") }
        #expect(after.keys.contains("petshop.orders dt=2025-03-10") && after.keys.contains("petshop.customers dt=2025-03-05"))

        // generate over shipped days refuses, naming --replace; with it, the days are generated data.
        let generate = try opslake("generate", "--lake", b, "--from", "2025-03-08", "--to", "2025-03-10")
        #expect(generate.status == 65 && generate.stderr.contains("came from elsewhere") && generate.stderr.contains("--replace"),
                "\(generate.stderr)")
        #expect(generate.stderr.split(separator: "\n").count == 1)
        #expect(try contents(b) == after)
        #expect(try opslake("generate", "--lake", b, "--from", "2025-03-08", "--to", "2025-03-10", "--replace").status == 0)
        let replaced = try contents(b)
        #expect(replaced["petshop.orders dt=2025-03-08"] != shipped["petshop.orders dt=2025-03-08"])
        #expect(replaced["petshop.orders dt=2025-03-07"] == shipped["petshop.orders dt=2025-03-07"])
        #expect(try opslake("verify", "--lake", b).status == 0)
    }

    @Test("an unpack killed mid-extraction leaves the lake as it was; killed mid-rename, the next writer rolls it forward; killed at random moments, verify passes")
    func killedUnpack() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = dir.path + "/a", b = dir.path + "/b", bundle = dir.path + "/b.tar"
        try makeLake(a).generate(from: "2025-03-01", to: "2025-03-10", jobs: 2)
        #expect(try opslake("ship", "pack", "--lake", a, "-o", bundle).status == 0)
        let whole = try contents(a)
        func staging(_ lake: String) throws -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: lake + "/" + LakeLayout.stagingDirectory)) ?? []
        }
        func unpack(_ lake: String, killedAt fault: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try opslake(["ship", "unpack", "--lake", lake, bundle], environment: ["OPSLAKE_FAULT": fault])
            #expect(r.signaled && r.status == SIGKILL && r.stderr.contains("fault point \(fault) reached"),
                    "the unpack was not killed at \(fault): exit \(r.status), \(r.stderr)", sourceLocation: sourceLocation)
        }
        try makeLake(b)  // the same opening partitions as a: unpacking skips them
        let opened = try contents(b)

        // Killed while extracting: files staged, nothing committed. The next writer removes them.
        try unpack(b, killedAt: "after-unpack-file:5")
        #expect(try staging(b).count == 1)
        #expect(try contents(b) == opened)
        #expect(try opslake("repair", "--lake", b).status == 0)
        #expect(try staging(b).isEmpty)
        #expect(try contents(b) == opened)
        #expect(try opslake("verify", "--lake", b).status == 0)

        // Killed after the first file's rename, the group journalled: the next unpack first
        // rolls the whole group forward, then finds nothing left to do.
        let start = Date()
        try unpack(b, killedAt: "after-first-rename:1")
        let duration = Date().timeIntervalSince(start)
        #expect(try contents(b) == opened)
        let again = try opslake("ship", "unpack", "--lake", b, bundle)
        #expect(again.status == 0 && again.stdout.contains("0 partitions installed, 0 replaced, \(whole.count) unchanged"), "\(again.stdout)")
        #expect(try staging(b).isEmpty)
        #expect(try contents(b) == whole)
        #expect(try opslake("verify", "--lake", b).status == 0)

        // At random moments (spread over about one unpack): whatever was committed is
        // whole; repair (a writer) finishes or clears the rest.
        let c = dir.path + "/c"
        try makeLake(c)
        let landed = try killAtRandomMoments(attempts: 3, window: duration, seed: 3, run: { _ in
            try RunningOpslake(["ship", "unpack", "--lake", c, bundle])
        }, after: { (_: Int, _: Bool) throws in
            #expect(try opslake("repair", "--lake", c).status == 0)
            #expect(try staging(c).isEmpty)
            #expect(try opslake("verify", "--lake", c).status == 0)
        })
        #expect(landed >= 1, "no kill landed while an unpack ran")
        #expect(try opslake("ship", "unpack", "--lake", c, bundle).status == 0)
        #expect(try contents(c) == whole)
    }

    @Test("a partition with other bytes is refused unless --replace; a schema with another hash is refused, naming the dataset")
    func conflicts() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = dir.path + "/a", b = dir.path + "/b"
        try makeLake(a).generate(from: "2025-03-01", to: "2025-03-02", ["--datasets", "petshop.orders"])
        #expect(try opslake("ship", "pack", "--lake", a, "--datasets", "petshop.orders", "-o", dir.path + "/one.tar").status == 0)
        #expect(try opslake("ship", "unpack", "--lake", b, dir.path + "/one.tar").status == 0)
        #expect(try opslake("generate", "--lake", a, "--date", "2025-03-02", "--datasets", "petshop.orders", "--seed", "77").status == 0)
        #expect(try opslake("ship", "pack", "--lake", a, "--datasets", "petshop.orders", "-o", dir.path + "/two.tar").status == 0)
        let before = try snapshot(b)
        let refused = try opslake("ship", "unpack", "--lake", b, dir.path + "/two.tar")
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("petshop.orders dt=2025-03-02: the lake holds other bytes for this partition; pass --replace"), "\(refused.stderr)")
        #expect(try snapshot(b) == before)
        let replaced = try opslake("ship", "unpack", "--lake", b, dir.path + "/two.tar", "--replace")
        #expect(replaced.status == 0 && replaced.stdout.contains("0 partitions installed, 1 replaced, 1 unchanged"), "\(replaced.stdout)")
        #expect(try opslake("verify", "--lake", b).status == 0)
        #expect(try contents(b) == contents(a).filter { $0.key.hasPrefix("petshop.orders") })

        // A lake whose petshop.orders has another schema.
        let c = dir.path + "/c"
        do {
            let lake = try WritableLake(root: c, create: true)
            let other = try TableSchema(dataset: DatasetName("petshop.orders")!, json: Data("""
                {"fields": [{"name": "order_id", "type": "string"}]}
                """.utf8), file: "orders.json")
            try lake.register(other)
        }
        let cBefore = try snapshot(c)
        let mismatch = try opslake("ship", "unpack", "--lake", c, dir.path + "/one.tar")
        #expect(mismatch.status == 65)
        #expect(mismatch.stderr.contains("petshop.orders: the bundle's schema") && mismatch.stderr.contains("differs from this lake's"), "\(mismatch.stderr)")
        #expect(try snapshot(c) == cBefore)
    }
}
