public import SystemPackage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The file system calls the lake's commit protocol needs, each wrapped once:
/// a failure becomes a `FormatError(.io)` naming the call and the path.
///
/// Descriptors are swift-system's `FileDescriptor`; whoever opens one closes it
/// exactly once (`closeAfter`, or an owner's `deinit`).
public enum FileIO {
    static func fail(_ call: String, _ path: String, _ error: any Error) -> FormatError {
        FormatError(.io, "\(call) \(path): \(error)")
    }

    /// Runs one system call; its `Errno` becomes a `FormatError(.io)` naming `call` and `path`.
    @inline(__always)
    static func attempt<R>(_ call: String, _ path: String, _ body: () throws -> R) throws(FormatError) -> R {
        do { return try body() } catch { throw fail(call, path, error) }
    }

    /// `relative` inside the folder `base` (a typed join: no doubled or missing `/`).
    public static func path(_ base: String, _ relative: String) -> String { FilePath(base).appending(relative).string }

    /// Opens the folder at `path`, for reading files relative to it (`contents`).
    public static func openFolder(_ path: String) throws -> FileDescriptor {
        try attempt("cannot open folder", path) { try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec]) }
    }

    /// Opens `path` for reading.
    public static func openForReading(_ path: String) throws -> FileDescriptor {
        try attempt("cannot open", path) { try FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec) }
    }

    /// The bytes of the file at `path` (relative to the open folder `directory`, when
    /// given), read straight into one array sized for `expected` bytes; nil when it
    /// cannot be opened or read (a folder cannot be read). A file longer than
    /// `expected` gives `expected + 1` bytes, so it shows as longer; a shorter one, all
    /// it holds. For the many small files of an archive (130,000 in a month of 50
    /// stores), two calls besides `close`: `openat` relative to the archive's open
    /// folder (only the file's own part of the path is walked), and one `read` of
    /// `expected + 1` bytes, whose short count is the end of the file (a read of a
    /// regular file on Linux stops short only there), so neither an `fstat` nor a read
    /// that confirms the end is needed. Where a file system may stop a read short
    /// elsewhere, a file longer than `expected` can read as `expected` bytes, which the
    /// caller's SHA-256 still vouches for. Only when `expected` is large is the file's
    /// size asked first, so the room taken is at most the file's. A named pipe or a
    /// device in the file's place is read as what it gives (a pipe: nothing, without
    /// waiting for a writer), for the caller's size and hash checks to refuse.
    ///
    /// The file's access time is left as it is where the system allows (`O_NOATIME`,
    /// for the file's owner): a replay reads each archive file once, and the first read
    /// of a file written since its last access would otherwise dirty its inode (2.5% of
    /// a replay's CPU right after the pull that wrote the archive).
    public static func contents(_ path: String, relativeTo directory: FileDescriptor? = nil, expected: Int) -> [UInt8]? {
        let folder = directory?.rawValue ?? AT_FDCWD
        func opened(_ flags: CInt) -> CInt {
            var raw: CInt
            repeat { raw = path.withCString { openat(folder, $0, flags) } } while raw < 0 && errno == EINTR
            return raw
        }
        var raw = opened(O_RDONLY | O_CLOEXEC | O_NONBLOCK | noAccessTime)
        if raw < 0 && errno == EPERM { raw = opened(O_RDONLY | O_CLOEXEC | O_NONBLOCK) }  // another user's file
        guard raw >= 0 else { return nil }
        defer { _ = Glibc.close(raw) }
        let expected = max(expected, 0)
        let wanted: Int
        if expected < unsizedReadLimit {
            wanted = expected + 1
        } else {
            var info = stat()
            guard fstat(raw, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
            let size = Int(clamping: info.st_size)
            wanted = size > expected ? expected + 1 : size
        }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: wanted) { buffer, count in
            count = 0
            while count < wanted {
                let asked = wanted - count
                let n = Glibc.read(raw, buffer.baseAddress! + count, asked)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else {
                    failed = true
                    return
                }
                if n == 0 { return }  // shorter than it was: the caller sees the count
                count += n
                if count == expected && n < asked { return }  // a short read: the end
            }
        }
        return failed ? nil : bytes
    }

    /// Files expected to be smaller than this are read without asking their size first
    /// (`contents`): room for `expected + 1` bytes is taken whatever the file holds, so
    /// a damaged index that overstates sizes costs at most this much room per file read
    /// ahead. 64 KiB: 129,292 of the 129,392 responses of a month of 50 stores.
    static let unsizedReadLimit = 1 << 16

    /// `O_NOATIME`, which Glibc declares only under `_GNU_SOURCE` (not defined for
    /// Swift's Glibc module); the same value on every Linux architecture Swift runs on.
    static let noAccessTime: CInt = 0o1000000

    /// Creates `path`, failing if it exists (temporary files are never shared).
    public static func createExclusive(_ path: String) throws -> FileDescriptor {
        try attempt("cannot create", path) {
            try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                                    permissions: [.ownerReadWrite, .groupRead, .otherRead])
        }
    }

    /// `createExclusive`, making `folder` (the file's folder) durably first if it is missing.
    public static func createExclusive(_ path: String, creatingFolder folder: String) throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                                           permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch .noSuchFileOrDirectory {
            try makeDirectories(folder)
            return try createExclusive(path)
        } catch {
            throw fail("cannot create", path, error)
        }
    }

    /// `createExclusive(_:creatingFolder:)`, the file's inode allocated as for a file
    /// in the folder `near` (which must exist), though the file is only ever named at
    /// `path`. A staged partition file is written in `_staging/` and renamed into its
    /// `dt=` folder: made in `_staging/`, every file of a lake would take its inode from
    /// one group, and on ext4 without a journal each new inode is searched for past
    /// every inode freed there in the last minutes, which after a deleted lake cost
    /// 3–6 s of a 9 s year. Placed as in the `dt=` folder, they spread as the folders
    /// do. Where the system cannot (`SystemCalls.createLinked`), a plain create.
    public static func createExclusive(_ path: String, creatingFolder folder: String, inodeNear near: String) throws -> FileDescriptor {
        let permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
        for first in [true, false] {
            do {
                guard let fd = try SystemCalls.createLinked(FilePath(path), near: FilePath(near), permissions: permissions) else { break }
                return fd
            } catch .noSuchFileOrDirectory where first {
                // The folder to place the inode by is the caller's to make: name it if missing.
                guard exists(near) else { throw FormatError(.io, "cannot create \(path): the folder \(near) is missing") }
                // `folder` missing (or made by another thread meanwhile): make sure of it, then once more.
                try makeDirectories(folder)
            } catch {
                throw fail("cannot create", path, error)
            }
        }
        return try createExclusive(path, creatingFolder: folder)
    }

    /// Runs `body`, then closes `fd` exactly once whether `body` threw or not. A failed
    /// close is reported (naming `path`) unless `body` had already failed.
    public static func closeAfter<R>(_ fd: FileDescriptor, path: String, _ body: () throws -> R) throws -> R {
        let result: R
        do { result = try body() } catch {
            try? fd.close()
            throw error
        }
        try close(fd, path: path)
        return result
    }

    /// Closes `fd`; whatever the outcome, the descriptor is gone and must not be closed again.
    public static func close(_ fd: FileDescriptor, path: String) throws {
        try attempt("cannot close", path) { try fd.close() }
    }

    /// Writes all of `bytes`, retrying short writes and EINTR.
    public static func writeAll(_ fd: FileDescriptor, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            offset += try attempt("cannot write", path) {
                try fd.write(UnsafeRawBufferPointer(rebasing: bytes[offset...]), retryOnInterrupt: true)
            }
        }
    }

    /// Flushes a file's data and metadata to stable storage. The corresponding C function is `fsync`.
    public static func sync(_ fd: FileDescriptor, path: String) throws {
        try attempt("cannot fsync", path) { try fd.sync() }
    }

    /// Makes a closed file's data durable (fsync through a fresh descriptor flushes the
    /// file, whichever descriptor wrote it).
    public static func syncFile(_ path: String) throws {
        let fd = try openForReading(path)
        try closeAfter(fd, path: path) { try sync(fd, path: path) }
    }

    /// Flushes a directory, making renames and creations in it durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = try attempt("cannot open directory", path) {
            try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec])
        }
        try closeAfter(fd, path: path) {
            try attempt("cannot fsync directory", path) { try fd.sync() }
        }
    }

    /// Makes `files` and `directories` durable (`syncFile`, `syncDirectory`), several at
    /// once: each fsync waits on the disk, and the disk completes concurrent flushes
    /// together, so a commit's dozens of syncs take a few flushes' time instead of one
    /// flush each. Throws the first failure in list order (files first), after every
    /// sync has returned.
    public static func syncAll(files: [String], directories: [String] = []) throws {
        let count = files.count + directories.count
        let failures = Mutex<[Int: any Error]>([:])
        WorkQueue.forEachWaiting(count, threads: 8) { i in
            do {
                if i < files.count { try syncFile(files[i]) } else { try syncDirectory(directories[i - files.count]) }
            } catch {
                failures.withLock { $0[i] = error }
            }
        }
        if let first = failures.withLock({ $0.min(by: { $0.key < $1.key }) }) { throw first.value }
    }

    /// Atomically replaces `to` with `from` (same file system). The corresponding C function is `rename`.
    public static func rename(_ from: String, to: String) throws {
        try attempt("cannot rename \(from) to", to) { try SystemCalls.rename(FilePath(from), to: FilePath(to)) }
    }

    /// Removes the file `path`; nothing to do when it does not exist.
    public static func remove(_ path: String) throws {
        do { try SystemCalls.unlink(FilePath(path)) } catch .noSuchFileOrDirectory {} catch { throw fail("cannot remove", path, error) }
    }

    /// Creates the folder `path` if it is missing, without making its entry durable:
    /// for a caller that fsyncs the parent later, before anything depends on it.
    public static func makeDirectory(_ path: String) throws {
        _ = try makeDirectory(FilePath(path), named: path)
    }

    /// Creates the folder `path` if it is missing, without making its own entry durable
    /// (as `makeDirectory`); missing parents are created by `makeDirectories`, durably.
    /// One system call when only the folder itself is new, as a day's folder is.
    public static func makeDirectory(_ path: String, creatingParentsIn parent: String) throws {
        do {
            try SystemCalls.makeDirectory(FilePath(path), permissions: [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute])
        } catch .fileExists {
        } catch .noSuchFileOrDirectory {
            try makeDirectories(parent)
            try makeDirectory(path)
        } catch {
            throw fail("cannot create directory", path, error)
        }
    }

    /// Removes the folder `path` if it is empty; a folder that holds anything (or is
    /// not there) is left as it is.
    public static func removeIfEmpty(_ path: String) {
        try? SystemCalls.removeDirectory(FilePath(path))
    }

    /// Creates `path` and its missing parents, fsyncing each parent it created into.
    public static func makeDirectories(_ path: String) throws {
        let target = FilePath(path)
        var current = FilePath(root: target.root)
        for component in target.components {
            let parent = current.isEmpty ? "." : current
            current.append(component)
            if try makeDirectory(current, named: current.string) { try syncDirectory(parent.string) }
        }
    }

    /// True when it created the folder, false when something was already there.
    static func makeDirectory(_ path: FilePath, named name: String) throws -> Bool {
        do {
            try SystemCalls.makeDirectory(path, permissions: [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute])
            return true
        } catch .fileExists {
            return false
        } catch {
            throw fail("cannot create directory", name, error)
        }
    }

    /// Replaces `path` with `bytes` whole or not at all: a temporary file, fsynced,
    /// renamed over the name, and the folder fsynced.
    /// With `mode`, the file gets exactly those permissions, whatever the umask.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: UInt32? = nil) throws {
        let temporary = path + ".\(SystemCalls.processID).tmp"
        let fd = try createExclusive(temporary)
        do {
            try closeAfter(fd, path: temporary) {
                if let mode, fchmod(fd.rawValue, mode_t(mode)) != 0 { throw fail("fchmod", temporary, Errno(rawValue: errno)) }
                try bytes.withUnsafeBytes { try writeAll(fd, $0, path: temporary) }
                try sync(fd, path: temporary)
            }
            try rename(temporary, to: path)
        } catch {
            try? remove(temporary)
            throw error
        }
        let folder = FilePath(path).removingLastComponent()
        try syncDirectory(folder.isEmpty ? "." : folder.string)
    }

    public static func exists(_ path: String) -> Bool { (try? Stat(FilePath(path))) != nil }

    public static func isDirectory(_ path: String) -> Bool { (try? Stat(FilePath(path)))?.type == .directory }

    /// Size of a regular file, nil when it does not exist.
    public static func size(_ path: String) -> Int64? { (try? Stat(FilePath(path)))?.size }

    /// Names in a directory (without `.` and `..`), unordered; empty when it does not exist.
    public static func names(_ path: String) -> Set<String> {
        Set((try? SystemCalls.names(in: FilePath(path))) ?? [])
    }

    /// Names in a directory (without `.` and `..`), sorted; empty when it does not exist.
    public static func list(_ path: String) -> [String] {
        ((try? SystemCalls.names(in: FilePath(path))) ?? []).sorted()
    }
}

/// A file read sequentially as a `ByteSource`; the descriptor is closed when it goes away.
public final class FileSource: ByteSource {
    let fd: FileDescriptor
    public let path: String

    public init(path: String) throws {
        self.path = path
        fd = try FileIO.openForReading(path)
    }

    deinit { try? fd.close() }

    /// Moves `count` bytes ahead without reading them; false (and nothing moved) when
    /// the file ends sooner, nil when it is not a regular file (a pipe): read instead.
    public func skip(_ count: Int64) throws -> Bool? {
        let info = try FileIO.attempt("cannot stat", path) { try Stat(fd) }
        guard info.type == .regular else { return nil }
        guard let here = try? fd.seek(offset: 0, from: .current) else { return nil }
        guard here + count <= info.size else { return false }
        _ = try FileIO.attempt("cannot seek in", path) { try fd.seek(offset: count, from: .current) }
        return true
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try FileIO.attempt("cannot read", path) { try fd.read(into: buffer, retryOnInterrupt: true) }
    }
}
