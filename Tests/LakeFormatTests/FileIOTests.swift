import Testing
import Synchronization
import Foundation
@testable import LakeFormat
import SystemPackage
import TestSupport

/// The file calls behave as the commit protocol assumes, and their errors name the file and the problem.
@Suite struct FileIOTests {
    @Test("writeAtomically replaces a file whole and leaves no temporary beside it")
    func atomicReplace() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/settings.toml"
        try FileIO.writeAtomically(path, Array("first\n".utf8))
        try FileIO.writeAtomically(path, Array("second\n".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        #expect(FileIO.list(dir.path) == ["settings.toml"])
    }

    @Test("a rename that fails is reported with both names, and the temporary file is removed")
    func failedRename() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // A non-empty folder cannot be replaced by a file.
        let target = dir.path + "/occupied"
        try FileIO.makeDirectories(target + "/inside")
        let error = #expect(throws: FormatError.self) { try FileIO.writeAtomically(target, [1, 2, 3]) }
        #expect(error?.kind == .io)
        #expect(error?.message.hasPrefix("cannot rename \(target).") == true)
        #expect(error?.message.hasSuffix(" to \(target): Is a directory") == true)
        #expect(FileIO.list(dir.path) == ["occupied"])
    }

    @Test("syncAll syncs files and folders, and reports the first failure in list order after trying every one")
    func syncAll() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let files = (0..<20).map { dir.path + "/f\($0)" }
        for f in files { try FileIO.writeAtomically(f, Array("x".utf8)) }
        try FileIO.makeDirectories(dir.path + "/d")
        try FileIO.syncAll(files: files, directories: [dir.path, dir.path + "/d"])
        try FileIO.syncAll(files: [])
        let missing = [dir.path + "/gone1", dir.path + "/gone2"]
        #expect(throws: FormatError(.io, "cannot open \(missing[0]): No such file or directory")) {
            try FileIO.syncAll(files: files + missing, directories: [dir.path])
        }
        #expect(throws: FormatError(.io, "cannot open directory \(missing[1]): No such file or directory")) {
            try FileIO.syncAll(files: files, directories: [dir.path, missing[1]])
        }
    }

    @Test("a file created with its inode near another folder is named only at its path, exclusively, its folder made when missing")
    func createdNear() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let near = dir.path + "/table/dt=2026-11-21"
        try FileIO.makeDirectories(near)
        let path = dir.path + "/_staging/part.tmp"
        let fd = try FileIO.createExclusive(path, creatingFolder: dir.path + "/_staging", inodeNear: near)
        try FileIO.closeAfter(fd, path: path) { try Array("abc".utf8).withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) } }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "abc")
        #expect(FileIO.list(near).isEmpty)
        #expect(FileIO.list(dir.path + "/_staging") == ["part.tmp"])
        #expect(throws: FormatError(.io, "cannot create \(path): File exists")) {
            try FileIO.createExclusive(path, creatingFolder: dir.path + "/_staging", inodeNear: near)
        }

        // The unnamed-then-linked path itself, not the plain create it falls back to
        // (this test's folder is on a file system with O_TMPFILE: ext4 or tmpfs).
        let linked = dir.path + "/_staging/linked.tmp"
        let viaLink = try SystemCalls.createLinked(FilePath(linked), near: FilePath(near), permissions: [.ownerReadWrite, .groupRead, .otherRead])
        #expect(viaLink != nil)
        if let viaLink { try FileIO.close(viaLink, path: linked) }
        #expect(FileIO.exists(linked) && FileIO.list(near).isEmpty)
        // A missing folder to place the inode by is named.
        #expect(throws: FormatError(.io, "cannot create \(dir.path)/_staging/x.tmp: the folder \(dir.path)/nowhere is missing")) {
            try FileIO.createExclusive(dir.path + "/_staging/x.tmp", creatingFolder: dir.path + "/_staging", inodeNear: dir.path + "/nowhere")
        }

        // Eight threads that all find the folder missing: each makes sure of it and
        // creates its file, whichever made the folder.
        let staging = dir.path + "/other-staging"
        let failures = Mutex<[String]>([])
        WorkQueue.forEachWaiting(8, threads: 8) { i in
            let file = staging + "/part-\(i).tmp"
            do {
                try FileIO.close(try FileIO.createExclusive(file, creatingFolder: staging, inodeNear: near), path: file)
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(FileIO.list(staging).count == 8)
    }

    @Test("errors name the call, the path and the system's reason")
    func errors() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let missing = dir.path + "/nowhere/file"
        #expect(throws: FormatError(.io, "cannot open \(missing): No such file or directory")) { try FileSource(path: missing) }
        #expect(throws: FormatError(.io, "cannot create \(missing): No such file or directory")) { try FileIO.createExclusive(missing) }
        let existing = dir.path + "/file"
        try FileIO.writeAtomically(existing, [])
        #expect(throws: FormatError(.io, "cannot create \(existing): File exists")) { try FileIO.createExclusive(existing) }
        #expect(throws: FormatError(.io, "cannot create directory \(existing)/sub: Not a directory")) {
            try FileIO.makeDirectories(existing + "/sub")
        }
        try FileIO.remove(missing)  // nothing to remove is not an error
    }

    @Test("folders, sizes and listings")
    func folders() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try FileIO.makeDirectories(dir.path + "/a/b/c")
        try FileIO.makeDirectories(dir.path + "/a/b/c")  // already there
        #expect(FileIO.isDirectory(dir.path + "/a/b/c"))
        let fd = try FileIO.createExclusive(dir.path + "/a/z")
        try FileIO.closeAfter(fd, path: dir.path + "/a/z") {
            try [UInt8](repeating: 7, count: 1000).withUnsafeBytes { try FileIO.writeAll(fd, $0, path: dir.path + "/a/z") }
            try FileIO.sync(fd, path: dir.path + "/a/z")
        }
        #expect(FileIO.size(dir.path + "/a/z") == 1000)
        #expect(FileIO.size(dir.path + "/a/y") == nil)
        #expect(FileIO.exists(dir.path + "/a/z") && !FileIO.isDirectory(dir.path + "/a/z"))
        #expect(FileIO.list(dir.path + "/a") == ["b", "z"])
        #expect(FileIO.list(dir.path + "/none") == [])
        try FileIO.syncFile(dir.path + "/a/z")
        try FileIO.syncDirectory(dir.path + "/a")
        try FileIO.rename(dir.path + "/a/z", to: dir.path + "/a/b/z")
        #expect(FileIO.list(dir.path + "/a/b") == ["c", "z"])
        try FileIO.remove(dir.path + "/a/b/z")
        #expect(!FileIO.exists(dir.path + "/a/b/z"))
    }

    @Test("contents reads a whole file into one array; a longer file shows longer, a missing one is nil")
    func contents() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/f"
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try FileIO.writeAtomically(path, bytes)
        #expect(FileIO.contents(path, expected: bytes.count) == bytes)
        #expect(FileIO.contents(path, expected: 10)?.count == 11)  // asked for one more than expected
        #expect(FileIO.contents(path, expected: 200_000) == bytes)
        try FileIO.writeAtomically(path, [])
        #expect(FileIO.contents(path, expected: 0) == [])
        #expect(FileIO.contents(dir.path + "/missing", expected: 5) == nil)
        #expect(FileIO.contents(dir.path, expected: 5) == nil)  // a folder cannot be read
        // A damaged index's size: the file's own size bounds the room taken.
        try FileIO.writeAtomically(path, bytes)
        #expect(FileIO.contents(path, expected: 1 << 40) == bytes)
        #expect(bytes.count > FileIO.unsizedReadLimit)  // so the line below takes the sized read
        #expect(FileIO.contents(path, expected: FileIO.unsizedReadLimit)?.count == FileIO.unsizedReadLimit + 1)
        #expect(FileIO.contents(path, expected: FileIO.unsizedReadLimit - 1)?.count == FileIO.unsizedReadLimit)
        // A named pipe in a file's place reads as empty, without waiting for a writer.
        #expect(mkfifo(dir.path + "/pipe", 0o600) == 0)
        #expect(FileIO.contents(dir.path + "/pipe", expected: 5) == [])
    }

    @Test("contents reads relative to an open folder exactly as by the whole path")
    func contentsRelative() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try FileIO.makeDirectories(dir.path + "/a/b")
        let bytes = Array("{\"code\":0}".utf8)
        try FileIO.writeAtomically(dir.path + "/a/b/f.json", bytes)
        let folder = try FileIO.openFolder(dir.path + "/a")
        defer { try? folder.close() }
        #expect(FileIO.contents("b/f.json", relativeTo: folder, expected: bytes.count) == bytes)
        #expect(FileIO.contents("b/f.json", relativeTo: folder, expected: 3)?.count == 4)
        #expect(FileIO.contents("b/f.json", relativeTo: folder, expected: 99) == bytes)
        #expect(FileIO.contents("b/missing", relativeTo: folder, expected: 1) == nil)
        #expect(FileIO.contents(dir.path + "/a/b/f.json", relativeTo: folder, expected: bytes.count) == bytes)  // an absolute path
        #expect(throws: FormatError.self) { try FileIO.openFolder(dir.path + "/a/b/f.json") }
    }

    /// False when the temporary folder's file system keeps no access times (`noatime`).
    static let accessTimesKept: Bool = {
        var info = statvfs()
        guard statvfs(NSTemporaryDirectory(), &info) == 0 else { return false }
        return info.f_flag & 1024 == 0  // ST_NOATIME (declared by Glibc only under _GNU_SOURCE)
    }()

    @Test("contents leaves the file's access time as it was, where a plain read would move it", .enabled(if: accessTimesKept))
    func contentsKeepsAccessTime() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/f"
        try FileIO.writeAtomically(path, Array("payload".utf8))
        // An access time before the modification: under `relatime` (the usual mount
        // option) or `strictatime`, any read moves it.
        func setOldAccessTime() {
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_500_000_000, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        func accessTime() -> Int {
            var info = stat()
            #expect(stat(path, &info) == 0)
            return info.st_atim.tv_sec
        }
        setOldAccessTime()
        #expect(FileIO.contents(path, expected: 7) == Array("payload".utf8))
        #expect(accessTime() == 1_000_000_000)
        // The control: a plain read moves it on this file system, so the check above can fail.
        _ = try String(contentsOfFile: path, encoding: .utf8)
        #expect(accessTime() != 1_000_000_000)
    }

    @Test("FileSource skips within a regular file and reads the rest")
    func skip() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/bytes"
        try FileIO.writeAtomically(path, Array(0..<100))
        let source = try FileSource(path: path)
        #expect(try source.skip(90) == true)
        #expect(try source.skip(11) == false)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        #expect(Array(buffer.prefix(n)) == Array(90..<100))
    }

    @Test("SHA-256 of known inputs")
    func sha256() throws {
        #expect(try SHA256.hash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try SHA256.hash(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let h = try SHA256()
        for part in ["a", "b", "c"] { try Array(part.utf8).withUnsafeBytes { try h.update($0) } }
        #expect(try h.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
