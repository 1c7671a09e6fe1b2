import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LakeFormat
@testable import LakeShip
import TestSupport

/// The Python interpreter of the test command's virtual environment; the tar tests use
/// only its standard library (`tarfile`, `hashlib`).
let python = ProcessInfo.processInfo.environment["OPSLAKE_PYTHON"]

/// A regular file to put in a tar: its name and bytes.
struct Member: Equatable, CustomStringConvertible {
    var name: String
    var bytes: [UInt8]
    var description: String { "\(name) (\(bytes.count) bytes)" }
}

enum Archive {
    static let mtime: Int64 = 1_763_683_200

    /// Writes `members` with `TarWriter` to a new file at `path`; returns the bytes it counted.
    @discardableResult
    static func write(_ members: [Member], to path: String) throws -> Int64 {
        let fd = try FileIO.createExclusive(path)
        defer { try? fd.close() }
        let tar = TarWriter(fd: fd, path: path)
        for m in members { try tar.addFile(m.name, bytes: m.bytes, mtime: mtime) }
        try tar.finish()
        return tar.bytesWritten
    }

    /// The archive's bytes, as the writer makes them.
    static func bytes(_ members: [Member]) throws -> [UInt8] {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try write(members, to: dir.path + "/a.tar")
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/a.tar")))
    }

    /// Every entry, with its bytes, as `TarReader` reads them.
    static func read(_ source: any ByteSource, name: String) throws -> [(entry: TarEntry, bytes: [UInt8])] {
        let reader = TarReader(source: source, name: name)
        var out: [(entry: TarEntry, bytes: [UInt8])] = []
        while let e = try reader.next() { out.append((e, try reader.readAll())) }
        return out
    }

    /// The entries read before the reader threw (with `readBodies`, those whose bytes were
    /// read to their end), and what it threw (nil if it did not).
    static func readUntilError(_ source: any ByteSource, name: String, readBodies: Bool = true) -> (entries: [String], error: (any Error)?) {
        let reader = TarReader(source: source, name: name)
        var names: [String] = []
        do {
            while let e = try reader.next() {
                if readBodies { _ = try reader.readAll() }
                names.append(e.name)
            }
            return (names, nil)
        } catch {
            return (names, error)
        }
    }

    /// Where each member's header starts, and the archive's size: a header each, bodies
    /// padded to 512 bytes, two zero blocks.
    static func layout(_ members: [Member]) -> (headers: [Int], size: Int) {
        var offset = 0, headers: [Int] = []
        for m in members {
            headers.append(offset)
            offset += 512 + (m.bytes.count + 511) / 512 * 512
        }
        return (headers, offset + 1024)
    }

    /// Recomputes a header's checksum after a test changed it on purpose.
    static func fixChecksum(_ archive: inout [UInt8], header offset: Int) {
        for i in 148..<156 { archive[offset + i] = 0x20 }
        let sum = archive[offset..<(offset + 512)].reduce(0) { $0 + Int($1) }
        let field = Array(String(sum, radix: 8).leftPadded(to: 6).utf8) + [0, 0x20]
        for (i, b) in field.enumerated() { archive[offset + 148 + i] = b }
    }
}

/// Random tar members drawn from a seed: names of every shape ustar holds (short, exactly
/// 100 bytes, split into a prefix of up to 155 bytes and a name of up to 100), some with
/// Traditional Chinese and emoji, and sizes at and around 512-byte block boundaries.
struct RandomMembers {
    enum Shape: CaseIterable { case short, full100, split, splitFull }

    static let ascii = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=+,~ ")
    static let wide: [Character] = ["貓", "狗", "飼", "料", "é", "🦴", "罐"]
    static let letters = Array("abcdefghijklmnopqrstuvwxyz")

    var g: SplitMix64
    let asciiOnly: Bool

    init(seed: UInt64, asciiOnly: Bool = false) {
        g = SplitMix64(seed: seed)
        self.asciiOnly = asciiOnly
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(g.next() % UInt64(items.count))] }

    /// One path component of exactly `bytes` UTF-8 bytes, starting with a letter (so never `.` or `..`).
    mutating func component(bytes: Int) -> String {
        var s = String(pick(Self.letters))
        var used = 1
        while used < bytes {
            var c = !asciiOnly && g.next() % 4 == 0 ? pick(Self.wide) : pick(Self.ascii)
            if used + c.utf8.count > bytes { c = pick(Self.letters) }
            s.append(c)
            used += c.utf8.count
        }
        return s
    }

    /// `count` components joined by `/`, exactly `bytes` bytes in all.
    mutating func path(bytes: Int, components count: Int) -> String {
        let count = max(1, min(count, (bytes + 1) / 2))
        let each = (bytes - (count - 1)) / count
        var parts = (0..<(count - 1)).map { _ in component(bytes: each) }
        parts.append(component(bytes: bytes - (count - 1) - each * (count - 1)))
        return parts.joined(separator: "/")
    }

    mutating func name(_ shape: Shape) -> String {
        let components = 1 + Int(g.next() % 3)
        switch shape {
        case .short: return path(bytes: 1 + Int(g.next() % 100), components: components)
        case .full100: return path(bytes: 100, components: components)
        case .split: return path(bytes: 51 + Int(g.next() % 105), components: components) + "/" + component(bytes: 50 + Int(g.next() % 51))
        case .splitFull: return path(bytes: 155, components: components) + "/" + component(bytes: 100)
        }
    }

    mutating func size() -> Int {
        pick([0, 0, 1, 511, 512, 513, 1023, 1024, 1025, 1536, Int(g.next() % 2048), 10_239, 10_240, 10_241, Int(g.next() % 70_000)])
    }

    /// Between 4 and 15 members with distinct names of `shapes`, each shape at least once.
    mutating func members(shapes: [Shape] = Shape.allCases) -> [Member] {
        var names = Set<String>()
        var out: [Member] = []
        let count = max(shapes.count, 4 + Int(g.next() % 12))
        while out.count < count {
            let shape = out.count < shapes.count ? shapes[out.count] : pick(shapes)
            let name = name(shape)
            guard names.insert(name).inserted else { continue }
            let n = size()
            out.append(Member(name: name, bytes: (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }))
        }
        out.shuffle(using: &g)
        return out
    }
}
