import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TestSupport

/// A small ext4 file system in an image file, mounted only for the commands one `run`
/// gives it, in a mount namespace of their own: nothing stays mounted when they end,
/// even when the test is killed. Needs root (mount) and a loop device.
struct SmallDisk {
    let folder: String
    var image: String { folder + "/disk.img" }
    var mountPoint: String { folder + "/mnt" }

    /// Root, loop devices and the tools the disk needs: CI must have them (the tests
    /// fail there without them); elsewhere the tests that need one are skipped.
    static let available: Bool = geteuid() == 0
        && FileManager.default.fileExists(atPath: "/dev/loop-control")
        && ["/usr/sbin/mkfs.ext4", "/usr/sbin/resize2fs", "/usr/sbin/e2fsck", "/usr/bin/unshare", "/usr/bin/mount"]
            .allSatisfy(FileManager.default.isExecutableFile(atPath:))

    init(in folder: String, kibibytes: Int) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try Self.tool("/usr/bin/truncate", ["-s", "\(kibibytes)K", image])
        // Block size and inodes set here, not by the host's mke2fs.conf (which gives a
        // disk this small a few hundred inodes): one inode per 4 KiB, kept when it grows.
        try Self.tool("/usr/sbin/mkfs.ext4", ["-q", "-F", "-b", "1024", "-i", "4096", image])
    }

    /// Runs bash `script` with the disk mounted at `$DISK` and the built binary as `$OPSLAKE`.
    func run(_ script: String, environment: [String: String] = [:]) throws -> ProcessResult {
        try runProcess("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/bash", "-c",
                                             "set -u; mount -o loop \"$IMAGE\" \"$DISK\" || exit 99\n" + script],
                       environment: environment.merging(["IMAGE": image, "DISK": mountPoint, "OPSLAKE": opslakeBinary]) { $1 })
    }

    /// Makes the file system `kibibytes` large, as an operator frees or adds space.
    func grow(to kibibytes: Int) throws {
        try Self.tool("/usr/bin/truncate", ["-s", "\(kibibytes)K", image])
        let check = try runProcess("/usr/sbin/e2fsck", ["-f", "-y", image])
        #expect(check.status == 0, "e2fsck: \(check.stdout) \(check.stderr)")
        try Self.tool("/usr/sbin/resize2fs", ["-f", image])
    }

    static func tool(_ path: String, _ arguments: [String]) throws {
        let r = try runProcess(path, arguments)
        guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(path) \(arguments): \(r.stderr)"]) }
    }
}

/// The SHA-256 of every data file under `folder` of the lake at `root`, by path.
func dataFiles(_ root: String, under folder: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for case let path as String in FileManager.default.enumerator(atPath: root + "/" + folder)! where path.hasSuffix(".zst") {
        out[path] = try SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + folder + "/" + path))))
    }
    return out
}

/// Writers on a disk that fills up mid-way: each stops with one line naming the full
/// disk and the fix and exit 74, commits nothing half-written, leaves nothing in
/// `_staging` but a journalled commit's files, and records the partitions and rows it
/// did commit; once there is room, running it again gives the lake a run on an ample
/// disk gives.
@Suite("full disk", .serialized, .enabled(if: SmallDisk.available || requiredByCI))
struct FullDiskTests {
    /// What a writer that met the full disk left: its exit and stderr, what `verify` said
    /// of the lake on the full disk, what `_staging` held, and a copy of the lake.
    struct Failure {
        var status: Int32
        var stderr: String
        var verifyStatus: Int32
        var verifyOutput: String
        var staging: [String]
        var lake: Lake
    }

    /// Runs `command` (bash, the lake at `$DISK/lake`), which must fail; then `verify`s
    /// the lake where it is and copies it out for the checks.
    func failing(_ disk: SmallDisk, _ command: String, environment: [String: String] = [:]) throws -> Failure {
        let copy = disk.folder + "/failed-\(UUID().uuidString.prefix(6))"
        let r = try disk.run("""
            \(command) 2>"$DISK/../stderr"; echo $? >"$DISK/../status"
            "$OPSLAKE" verify --lake "$DISK/lake" >"$DISK/../verify.out" 2>&1; echo $? >"$DISK/../verify.status"
            ls -A "$DISK/lake/_staging" >"$DISK/../staging" 2>/dev/null
            cp -a "$DISK/lake" "\(copy)"
            """, environment: environment)
        #expect(r.status == 0, "the script itself: \(r.stderr)")
        func read(_ name: String) throws -> String { try String(contentsOfFile: disk.folder + "/" + name, encoding: .utf8) }
        let status = Int32(try read("status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let verifyStatus = Int32(try read("verify.status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        return Failure(status: status, stderr: try read("stderr"), verifyStatus: verifyStatus, verifyOutput: try read("verify.out"),
                       staging: try read("staging").split(separator: "\n").map(String.init),
                       lake: try Lake(root: copy))
    }

    /// The checks every writer on a full disk must pass; returns the failed run.
    @discardableResult
    func expectCleanFailure(_ f: Failure, command: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> RunRecord {
        #expect(f.status == 74, "exit \(f.status): \(f.stderr)", sourceLocation: sourceLocation)
        func full(_ text: String) -> Bool { text.contains("No space left on device") || text.contains("database or disk is full") }
        let lines = f.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("opslake: ") && full(String(lines[0])) && lines[0].hasSuffix("; the disk is full: free space and run the command again"),
                "one line naming the full disk and the fix: \(f.stderr)", sourceLocation: sourceLocation)
        // Nothing half-written: the lake verifies, or (the disk filled while the catalogue
        // applied a journalled commit) holds that commit for the next writer to finish.
        let faults = f.verifyOutput.split(separator: "\n").filter { !$0.hasPrefix("verified ") && !$0.hasPrefix("opslake: error: the lake has") }
        #expect(f.verifyStatus == 0 || (!faults.isEmpty && faults.allSatisfy { $0.hasPrefix("pending-commit ") }),
                "verify on the full disk: \(f.verifyOutput)", sourceLocation: sourceLocation)
        #expect(f.staging.allSatisfy { $0.hasSuffix(".tmp") } && (f.staging.isEmpty || f.verifyStatus != 0),
                "left in _staging with no commit journalled: \(f.staging)", sourceLocation: sourceLocation)
        let run = try #require(try f.lake.catalog.runs().first { $0.command == command }, sourceLocation: sourceLocation)
        if run.status == "failed" {
            #expect(run.error.map(full) == true, "\(run)", sourceLocation: sourceLocation)
            // The run's figures are what it committed, as the catalogue holds it.
            let committed = try f.lake.catalog.partitions().filter { $0.runID == run.id }
            #expect(run.partitions == committed.count, "run says \(run.partitions) partitions, \(committed.count) committed",
                    sourceLocation: sourceLocation)
            #expect(run.rows == Int64(committed.reduce(0) { $0 + $1.rows }), "run says \(run.rows) rows", sourceLocation: sourceLocation)
        } else {
            // The catalogue could not take even the run's end: the run reads as interrupted.
            #expect(run.isInterrupted, "\(run)", sourceLocation: sourceLocation)
        }
        return run
    }

    @Test("generate: stops at the full disk with the days before committed; with room again, the lake of an ample disk")
    func generate() throws {
        let dir = TemporaryDirectory("opslake-full-disk")
        defer { dir.remove() }
        // Room for a few days (about 1.3 MB each), not for the month.
        let disk = try SmallDisk(in: dir.path, kibibytes: 16 * 1024)
        let setup = try disk.run(#""$OPSLAKE" init --lake "$DISK/lake" --opened 2025-01-01 --seed 1"#)
        #expect(setup.status == 0, "\(setup.stderr)")
        // One job: days commit two at a time, at most four written and not yet committed,
        // so the first commit lands before the disk fills, however the threads are timed.
        let command = #""$OPSLAKE" generate --lake "$DISK/lake" --from 2025-01-01 --to 2025-01-31 --jobs 1"#
        let failure = try failing(disk, command)
        let run = try expectCleanFailure(failure, command: "generate")
        #expect(run.partitions > 0, "some days fit before the disk filled")

        try disk.grow(to: 96 * 1024)
        let again = try disk.run(command + "\n" + #"cp -a "$DISK/lake" "$DISK/../grown""#)
        #expect(again.status == 0, "\(again.stderr)")
        let ample = dir.path + "/ample"
        #expect(try opslake("init", "--lake", ample, "--opened", "2025-01-01", "--seed", "1").status == 0)
        #expect(try opslake("generate", "--lake", ample, "--from", "2025-01-01", "--to", "2025-01-31").status == 0)
        let (grown, expected) = (try dataFiles(dir.path + "/grown", under: "petshop"), try dataFiles(ample, under: "petshop"))
        #expect(!grown.isEmpty && grown == expected)
        #expect(try opslake("verify", "--lake", dir.path + "/grown").status == 0)
    }

    @Test("billiards replay and DWD: stop at the full disk, counting only what landed; with room, the ODS and DWD of an ample disk")
    func billiards() throws {
        let dir = TemporaryDirectory("opslake-full-disk")
        defer { dir.remove() }
        let archive = dir.path + "/archive"
        #expect(try opslake("billiards", "archive", "--out", archive, "--from", "2026-01-01", "--to", "2026-01-05", "--stores", "5").status == 0)
        let ample = dir.path + "/ample"
        #expect(try opslake("billiards", "replay", "--archive", archive, "--lake", ample).status == 0)
        #expect(try opslake("billiards", "dwd", "--lake", ample).status == 0)

        // The replay, a commit per window, so windows land before the disk fills.
        let disk = try SmallDisk(in: dir.path + "/ods-disk", kibibytes: 2 * 1024)
        let replay = "\"$OPSLAKE\" billiards replay --archive \"\(archive)\" --lake \"$DISK/lake\""
        let failure = try failing(disk, replay, environment: ["OPSLAKE_ODS_BATCH_BYTES": "1"])
        let run = try expectCleanFailure(failure, command: "billiards replay")
        #expect(run.partitions > 0 || run.isInterrupted, "some windows fit before the disk filled")
        try disk.grow(to: 16 * 1024)
        let replayed = try disk.run(replay + "\n" + #"cp -a "$DISK/lake" "$DISK/../grown""#)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let (ods, expectedODS) = (try dataFiles(disk.folder + "/grown", under: "billiards_ods"), try dataFiles(ample, under: "billiards_ods"))
        #expect(!ods.isEmpty && ods == expectedODS)

        // The DWD of a whole ODS, on a disk with 1 MiB left (a ballast file takes the rest;
        // removing it is the operator freeing space).
        let dwdDisk = try SmallDisk(in: dir.path + "/dwd-disk", kibibytes: 16 * 1024)
        let filled = try dwdDisk.run("""
            "$OPSLAKE" billiards replay --archive "\(archive)" --lake "$DISK/lake" >/dev/null || exit 1
            free=$(df -k --output=avail "$DISK" | tail -n 1)
            fallocate -l $(( (free - 1024) * 1024 )) "$DISK/ballast" || exit 2
            """)
        #expect(filled.status == 0, "\(filled.stderr)")
        let build = "\"$OPSLAKE\" billiards dwd --lake \"$DISK/lake\""
        try expectCleanFailure(try failing(dwdDisk, build), command: "billiards dwd")
        let built = try dwdDisk.run(#"rm "$DISK/ballast""# + "\n" + build + "\n" + #"cp -a "$DISK/lake" "$DISK/../grown""#)
        #expect(built.status == 0, "\(built.stderr)")
        let (dwd, expectedDWD) = (try dataFiles(dwdDisk.folder + "/grown", under: "billiards"), try dataFiles(ample, under: "billiards"))
        #expect(!dwd.isEmpty && dwd == expectedDWD)
    }
}
