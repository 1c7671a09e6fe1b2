import Testing
import Foundation
import Glibc
@testable import LakeFormat
import SystemPackage
import TestSupport

/// A file written by `DirectAppender` holds exactly the bytes appended, in order, in
/// direct mode or through the cache, whatever the sizes of the pieces.
@Suite struct DirectAppenderTests {
    /// Appends `pieces` to a new file at `path` (after `before`, written first
    /// through the cache), and returns the appender's mode before `finish`.
    func write(_ pieces: [[UInt8]], to path: String, before: [UInt8] = []) throws -> Bool {
        let fd = try FileIO.createExclusive(path)
        return try FileIO.closeAfter(fd, path: path) {
            if !before.isEmpty { try before.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) } }
            let appender = DirectAppender(fd, path: path)
            for piece in pieces { try piece.withUnsafeBytes { try appender.append($0) } }
            let direct = appender.direct
            try appender.finish()
            // Left in buffered mode whatever happened before.
            #expect(fcntl(fd.rawValue, F_GETFL) & (DirectAppender.directFlag ?? 0) == 0)
            return direct
        }
    }

    /// Pieces of random sizes, some on the block and buffer edges, with every byte's value
    /// telling its place.
    func pieces(seed: UInt64, total: Int) -> [[UInt8]] {
        var random = SplitMix(seed)
        let edges = [0, 1, DirectAppender.alignment - 1, DirectAppender.alignment, DirectAppender.alignment + 1,
                     DirectAppender.capacity - 1, DirectAppender.capacity, DirectAppender.capacity + 1]
        var out: [[UInt8]] = []
        var at = 0
        while at < total {
            let size = min(total - at, random.next() % 3 == 0 ? edges[random.next() % edges.count] : random.next() % 300_000)
            out.append((at..<at + size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) })
            at += size
        }
        return out
    }

    static let sizes: [Int] = [0, 1, 4095, 4096, 4097, 1 << 20, (1 << 20) + 1, (3 << 20) + 12_345]

    @Test("the file holds every byte appended, for files on and off the block and buffer edges", arguments: sizes)
    func roundTrip(total: Int) throws {
        let seed = UInt64(total)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/file"
        let parts = pieces(seed: seed, total: total)
        _ = try write(parts, to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(parts.joined()))
    }

    /// True when the temporary folder is on ext4 or XFS, which take direct writes of
    /// whole aligned blocks and refuse unaligned ones (tmpfs before Linux 6.6 refuses
    /// direct mode, later ones take any transfer; btrfs may go through the cache).
    static let blockFileSystem: Bool = {
        // The type of the mount that holds the folder: the longest mount point that is a
        // prefix of its path (Glibc's `statfs` is not visible to Swift).
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return false }
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 2 else { continue }
            let point = fields[1]
            let inside = folder == point || folder.hasPrefix(point == "/" ? "/" : point + "/")
            if inside && point.count >= (best?.point.count ?? 0) { best = (point, fields[2]) }
        }
        return best.map { $0.type == "ext4" || $0.type == "xfs" } ?? false
    }()

    @Test("a file system that takes direct mode gets whole blocks written directly", .enabled(if: blockFileSystem))
    func directWhereTaken() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/file"
        let bytes = (0..<(2 * DirectAppender.capacity + 100)).map { UInt8(truncatingIfNeeded: $0 / 7) }
        let direct = try write([bytes], to: path)
        #expect(direct)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
    }

    @Test("a direct write the kernel refuses (here: at an unaligned offset) goes on through the cache, losing nothing",
          .enabled(if: blockFileSystem))
    func refusedDirectWrite() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/file"
        let bytes = (0..<(DirectAppender.capacity + 5000)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        // One byte written first: every direct transfer after it starts off a block.
        let direct = try write([bytes], to: path, before: [42])
        #expect(!direct)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([42] + bytes))
    }

    @Test("a failed write names the file and the cause")
    func failedWrite() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/file"
        try FileIO.writeAtomically(path, [])
        // Open, but for reading only: every write fails, and no other test's descriptor
        // can be hit.
        let fd = try FileIO.openForReading(path)
        defer { try? fd.close() }
        let appender = DirectAppender(fd, path: path)
        #expect(throws: FormatError(.io, "cannot write \(path): Bad file descriptor")) {
            try [UInt8](repeating: 1, count: DirectAppender.capacity + 10).withUnsafeBytes { try appender.append($0) }
        }
    }
}

/// A small deterministic generator for the test's sizes.
private struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
    }
}
