import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LakeFormat
@testable import LakeShip
import TestSupport

/// The bundles' tar writer and reader against each other and against damaged archives.
@Suite struct TarTests {
    @Test("what the writer writes the reader reads back, through a file or in chunks of any size, bodies read or skipped",
          arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func roundTrip(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var random = RandomMembers(seed: seed)
        let members = random.members()
        let path = dir.path + "/a.tar"
        let written = try Archive.write(members, to: path)
        #expect(written == Int64(Archive.layout(members).size))
        #expect(FileIO.size(path) == written)

        let fromFile = try Archive.read(try FileSource(path: path), name: path)
        #expect(fromFile.map { Member(name: $0.entry.name, bytes: $0.bytes) } == members)
        #expect(fromFile.allSatisfy { $0.entry.kind == .file && $0.entry.size == Int64($0.bytes.count) })

        var g = SplitMix64(seed: seed)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let chunked = try Archive.read(MemorySource(bytes, chunkSize: 1 + Int(g.next() % 700)), name: path)
        #expect(chunked.map { Member(name: $0.entry.name, bytes: $0.bytes) } == members)

        // Some bodies skipped, some read in part: the next header is still found.
        for source in [try FileSource(path: path), MemorySource(bytes, chunkSize: 1 + Int(g.next() % 700))] as [any ByteSource] {
            let reader = TarReader(source: source, name: path)
            for m in members {
                let entry = try #require(try reader.next())
                #expect(entry.name == m.name && entry.size == Int64(m.bytes.count))
                switch g.next() % 3 {
                case 0: break
                case 1:
                    var head = [UInt8](repeating: 0, count: min(m.bytes.count, 1 + Int(g.next() % 600)))
                    let n = try head.withUnsafeMutableBytes { try reader.read(into: $0) }
                    #expect(Array(head[0..<n]) == Array(m.bytes[0..<n]))
                default: #expect(try reader.readAll() == m.bytes)
                }
            }
            #expect(try reader.next() == nil)
        }
    }

    @Test("names at ustar's limits are written (100 bytes; 155 + 100 split at a '/') and read back exactly")
    func longestNames() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let names = [
            String(repeating: "a", count: 100),
            String(repeating: "貓", count: 33) + "a",  // 100 bytes, 34 characters
            String(repeating: "p", count: 155) + "/" + String(repeating: "n", count: 100),
            "x/" + String(repeating: "p", count: 150) + "/" + String(repeating: "n", count: 100),  // the last '/' that fits
            String(repeating: "d/", count: 77) + "d/" + String(repeating: "n", count: 99),
        ]
        let members = names.map { Member(name: $0, bytes: Array($0.utf8)) }
        try Archive.write(members, to: dir.path + "/a.tar")
        let read = try Archive.read(try FileSource(path: dir.path + "/a.tar"), name: "a.tar")
        #expect(read.map { Member(name: $0.entry.name, bytes: $0.bytes) } == members)
    }

    @Test("a name ustar cannot hold is refused in one line naming the path and the limit, and nothing of it is written",
          arguments: [
              String(repeating: "a", count: 101),  // no '/' to split at
              String(repeating: "貓", count: 34),  // 102 bytes
              String(repeating: "p", count: 156) + "/" + String(repeating: "n", count: 100),  // prefix one byte over
              String(repeating: "p", count: 155) + "/" + String(repeating: "n", count: 101),  // name one byte over
              "a/" + String(repeating: "b", count: 60) + "/" + String(repeating: "c", count: 120),
              String(repeating: "d/", count: 150),
              "/" + String(repeating: "n", count: 100),  // only an absolute path's leading '/' to split at
          ])
    func tooLong(name: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/a.tar"
        let fd = try FileIO.createExclusive(path)
        defer { try? fd.close() }
        let tar = TarWriter(fd: fd, path: path)
        let good = Member(name: "good.csv", bytes: Array("kept\n".utf8))
        try tar.addFile(good.name, bytes: good.bytes, mtime: Archive.mtime)
        let before = tar.bytesWritten
        let error = #expect(throws: BundleError.self) {
            try tar.addFile(name, bytes: [1, 2, 3], mtime: Archive.mtime)
        }
        let message = error?.description ?? ""
        #expect(message.contains(name) && message.contains("100 bytes") && message.contains("155") && !message.contains("\n"), "\(message)")
        #expect(tar.bytesWritten == before)
        #expect(FileIO.size(path) == before)
        try tar.finish()
        #expect(try Archive.read(try FileSource(path: path), name: path).map { Member(name: $0.entry.name, bytes: $0.bytes) } == [good])
    }

    @Test("a file over ustar's 8 GiB is refused before anything of it is written")
    func tooLarge() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/a.tar"
        let fd = try FileIO.createExclusive(path)
        defer { try? fd.close() }
        let tar = TarWriter(fd: fd, path: path)
        let error = #expect(throws: BundleError.self) {
            try tar.addFile("huge.bin", size: 0o77777777777, mtime: Archive.mtime) { _ in Issue.record("the body was asked for") }
        }
        #expect(error?.description.contains("huge.bin") == true)
        #expect(tar.bytesWritten == 0 && FileIO.size(path) == 0)
    }

    static let damageMembers = [
        Member(name: "bag/bagit.txt", bytes: Array("BagIt-Version: 1.0\n".utf8)),
        Member(name: "bag/empty", bytes: []),
        Member(name: "bag/data/block", bytes: [UInt8](repeating: 7, count: 512)),
        Member(name: "bag/data/" + String(repeating: "p", count: 120) + "/long", bytes: [UInt8](repeating: 9, count: 700)),
        Member(name: "bag/last", bytes: [1]),
    ]

    @Test("an archive cut anywhere before its end-of-archive block is refused as truncated, read from memory or from a file")
    func truncated() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let whole = try Archive.bytes(Self.damageMembers)
        let layout = Archive.layout(Self.damageMembers)
        #expect(whole.count == layout.size)
        let end = layout.size - 512  // where the first zero block ends
        let boundaries: [Int] = layout.headers + [layout.size - 1024, end]
        var fileCuts = Set<Int>(stride(from: 0, to: end, by: 97))
        for b in boundaries { for d in [-1, 0, 1, 100] where b + d >= 0 && b + d < end { fileCuts.insert(b + d) } }
        // What a reader may hand out before the cut: the headers that are whole and, read,
        // the bodies that are; never part of a body as if it were all of it.
        let names = Self.damageMembers.map(\.name)
        func headers(before cut: Int) -> [String] { Array(names.prefix { layout.headers[names.firstIndex(of: $0)!] + 512 <= cut }) }
        func bodies(before cut: Int) -> [String] {
            Array(names.prefix { n in
                let i = names.firstIndex(of: n)!
                return layout.headers[i] + 512 + Self.damageMembers[i].bytes.count <= cut
            })
        }
        for cut in 0..<end {
            let memory = Archive.readUntilError(MemorySource(Array(whole[0..<cut]), chunkSize: 1 + cut % 300), name: "cut.tar")
            #expect(Self.refusedAsTruncated(memory.error, "cut.tar"), "cut at \(cut): \(String(describing: memory.error))")
            #expect(memory.entries == bodies(before: cut), "cut at \(cut)")
            if fileCuts.contains(cut) {
                let path = dir.path + "/cut-\(cut).tar"
                try Data(whole[0..<cut]).write(to: URL(fileURLWithPath: path))
                for readBodies in [false, true] {  // skipped bodies are seeked past; the file's end is still noticed
                    let file = Archive.readUntilError(try FileSource(path: path), name: path, readBodies: readBodies)
                    #expect(Self.refusedAsTruncated(file.error, path), "cut at \(cut): \(String(describing: file.error))")
                    #expect(file.entries == (readBodies ? bodies(before: cut) : headers(before: cut)), "cut at \(cut), bodies read: \(readBodies)")
                }
            }
        }
        // The first zero block ends the archive, as for GNU tar and Python's tarfile.
        let oneZeroBlock = Archive.readUntilError(MemorySource(Array(whole.dropLast(512))), name: "short.tar")
        #expect(oneZeroBlock.error == nil && oneZeroBlock.entries == Self.damageMembers.map(\.name))
    }

    static func refusedAsTruncated(_ error: (any Error)?, _ archive: String) -> Bool {
        guard let e = error as? BundleError else { return false }
        return e.description.hasPrefix("\(archive) is truncated") && !e.description.contains("\n")
    }

    @Test("a header with any field changed is refused for its checksum; the entries before it read normally, none after")
    func checksum() throws {
        let whole = try Archive.bytes(Self.damageMembers)
        let layout = Archive.layout(Self.damageMembers)
        // name, mode, uid, size, mtime, the checksum itself, type, magic, version, uname, prefix
        let fields = [0, 5, 99, 101, 110, 130, 135, 140, 148, 150, 153, 156, 257, 263, 265, 345, 400, 499, 511]
        for (index, header) in layout.headers.enumerated() {
            for field in fields {
                for delta in [1, 0x80] as [UInt8] {
                    var damaged = whole
                    damaged[header + field] &+= delta
                    let result = Archive.readUntilError(MemorySource(damaged), name: "damaged.tar")
                    let message = (result.error as? BundleError)?.description ?? "no error"
                    #expect(message.hasPrefix("damaged.tar has a damaged tar header"), "entry \(index), byte \(field) + \(delta): \(message)")
                    #expect(result.entries == Array(Self.damageMembers.prefix(index).map(\.name)), "entry \(index), byte \(field)")
                }
            }
        }
    }

    @Test("an old-GNU header's access and change times, where ustar keeps its name prefix, are not read as part of the name")
    func gnuTimesAreNotAPrefix() throws {
        // As GNU tar --incremental writes it: magic "ustar  \0", atime and ctime at 345 and 357.
        var header = try TarWriter.header(name: "bag/f.txt", size: 0, mtime: Archive.mtime, type: UInt8(ascii: "0"))
        for (i, b) in Array("ustar  \0".utf8).enumerated() { header[257 + i] = b }
        for (i, b) in Array("15303666256\u{0}15303666256\u{0}".utf8).enumerated() { header[345 + i] = b }
        var archive = header + [UInt8](repeating: 0, count: 1024)
        Archive.fixChecksum(&archive, header: 0)
        #expect(try Archive.read(MemorySource(archive), name: "gnu.tar").map(\.entry.name) == ["bag/f.txt"])

        // The same from GNU tar itself, where it is installed.
        let tar = "/usr/bin/tar"
        guard FileManager.default.isExecutableFile(atPath: tar), (try? runProcess(tar, ["--version"]))?.stdout.contains("GNU tar") == true else { return }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/f.txt"))
        let r = try runProcess(tar, ["--format=gnu", "--incremental", "-cf", "g.tar", "f.txt"], cwd: dir.path)
        try #require(r.status == 0, "\(r.stderr)")
        let read = try Archive.read(try FileSource(path: dir.path + "/g.tar"), name: "g.tar")
        #expect(read.map(\.entry.name) == ["f.txt"] && read.first?.bytes == Array("hello\n".utf8))
    }

    @Test("links, devices, FIFOs and pax or GNU extension entries are refused in one line naming the archive and the entry",
          arguments: [("1", "hard link"), ("2", "symbolic link"), ("3", "device or FIFO"), ("4", "device or FIFO"), ("6", "device or FIFO"),
                      ("7", "type '7'"), ("x", "pax extended header"), ("g", "pax extended header"), ("L", "GNU long-name entry"),
                      ("K", "GNU long-name entry"), ("S", "type 'S'")])
    func otherTypes(type: String, says: String) throws {
        let header = try TarWriter.header(name: "bag/odd", size: 0, mtime: Archive.mtime, type: UInt8(ascii: Unicode.Scalar(type)!))
        let good = try TarWriter.header(name: "bag/good", size: 0, mtime: Archive.mtime, type: UInt8(ascii: "0"))
        let result = Archive.readUntilError(MemorySource(good + header + [UInt8](repeating: 0, count: 1024)), name: "odd.tar")
        let message = (result.error as? BundleError)?.description ?? "no error"
        #expect(result.entries == ["bag/good"])
        #expect(message.hasPrefix("odd.tar holds a") && message.contains(says) && message.contains("(bag/odd)") && !message.contains("\n"), "\(message)")
    }
}
