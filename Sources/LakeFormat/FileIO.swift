#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file system calls the lake's commit protocol needs, each wrapped once:
/// a failure becomes a `FormatError(.io)` naming the call and the path.
public enum FileIO {
    static func fail(_ call: String, _ path: String, _ code: Int32 = errno) -> FormatError {
        FormatError(.io, "\(call) \(path): \(String(cString: strerror(code)))")
    }

    /// Opens `path` for reading. The corresponding C function is `open`.
    public static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot open", path) }
        return fd
    }

    /// Creates `path`, failing if it exists (temporary files are never shared).
    public static func createExclusive(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("cannot create", path) }
        return fd
    }

    /// Writes all of `bytes`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("cannot write", path)
            }
            offset += n
        }
    }

    /// Flushes a file's data and metadata to stable storage. The corresponding C function is `fsync`.
    public static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw fail("cannot fsync", path) }
    }

    /// Makes a closed file's data durable (fsync through a fresh descriptor flushes the
    /// file, whichever descriptor wrote it).
    public static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fail("cannot fsync", path) }
    }

    /// Flushes a directory, making renames and creations in it durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot open directory", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fail("cannot fsync directory", path) }
    }

    /// Atomically replaces `to` with `from` (same file system). The corresponding C function is `rename`.
    public static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw fail("cannot rename \(from) to", to) }
    }

    public static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw fail("cannot remove", path) }
    }

    /// Creates the folder `path` if it is missing, without making its entry durable:
    /// for a caller that fsyncs the parent later, before anything depends on it.
    public static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw fail("cannot create directory", path) }
    }

    /// Creates `path` and its missing parents, fsyncing each parent it created into.
    public static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + component
            if mkdir(current, 0o755) == 0 {
                try syncDirectory(parent)
            } else if errno != EEXIST {
                throw fail("cannot create directory", current)
            }
        }
    }

    /// Replaces `path` with `bytes` whole or not at all: a temporary file, fsynced,
    /// renamed over the name, and the folder fsynced.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let temporary = path + ".\(getpid()).tmp"
        let fd = try createExclusive(temporary)
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, path: temporary) }
            try sync(fd, path: temporary)
            close(fd)
            try rename(temporary, to: path)
        } catch {
            close(fd)
            try? remove(temporary)
            throw error
        }
        let slash = path.lastIndex(of: "/")
        try syncDirectory(slash.map { String(path[..<$0]) } ?? ".")
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Size of a regular file, nil when it does not exist.
    public static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Names in a directory (without `.` and `..`), sorted; empty when it does not exist.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// A file read sequentially as a `ByteSource`.
public final class FileSource: ByteSource {
    let fd: Int32
    public let path: String

    public init(path: String) throws {
        self.path = path
        fd = try FileIO.openForReading(path)
    }

    deinit { close(fd) }

    /// Moves `count` bytes ahead without reading them; false (and nothing moved) when
    /// the file ends sooner, nil when it is not a regular file (a pipe): read instead.
    public func skip(_ count: Int64) throws -> Bool? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileIO.fail("cannot stat", path) }
        guard info.st_mode & S_IFMT == S_IFREG else { return nil }
        let here = lseek(fd, 0, SEEK_CUR)
        guard here >= 0 else { return nil }
        guard Int64(here) + count <= Int64(info.st_size) else { return false }
        guard lseek(fd, off_t(count), SEEK_CUR) >= 0 else { throw FileIO.fail("cannot seek in", path) }
        return true
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw FileIO.fail("cannot read", path) }
        }
    }
}
