public import SystemPackage
import Glibc

// The system calls swift-system 1.8 does not wrap, written by hand here and nowhere
// else. Each reports failure as swift-system does, by throwing the call's `Errno`;
// callers turn that into their own error naming the file.

extension FileDescriptor {
    /// Flushes the file's data and metadata to stable storage; for a directory, the
    /// names created or renamed in it. The corresponding C function is `fsync`.
    ///
    /// Hand-written: swift-system has no fsync (for files or directories).
    public func sync() throws(Errno) {
        guard fsync(rawValue) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Flushes every file of the file system this descriptor is on, in one call; false
    /// (nothing done) when the C library has no `syncfs`. The corresponding C function is `syncfs`.
    ///
    /// Hand-written: swift-system has no syncfs, and Glibc declares it only under
    /// `_GNU_SOURCE`, which Swift's Glibc module does not define, so it is looked up
    /// once at run time.
    public func syncFileSystem() throws(Errno) -> Bool {
        guard let syncfs = Self.syncfs else { return false }
        guard syncfs(rawValue) == 0 else { throw Errno(rawValue: errno) }
        return true
    }

    private static let syncfs: (@convention(c) (CInt) -> CInt)? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs")
        .map { unsafeBitCast($0, to: (@convention(c) (CInt) -> CInt).self) }

    /// Starts writing the file's dirty pages to the disk and returns without waiting
    /// for them, so that a later fsync finds them written and only waits for the
    /// flush; false (nothing done) when the C library has no `sync_file_range`. The
    /// corresponding C function is `sync_file_range` with `SYNC_FILE_RANGE_WRITE`.
    ///
    /// Hand-written: swift-system has no such call, and Glibc declares it only under
    /// `_GNU_SOURCE`, so it is looked up once at run time, as `syncfs` is.
    @discardableResult
    public func startWriteback() throws(Errno) -> Bool {
        guard let syncFileRange = Self.syncFileRange else { return false }
        guard syncFileRange(rawValue, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */) == 0 else { throw Errno(rawValue: errno) }
        return true
    }

    private static let syncFileRange: (@convention(c) (CInt, Int64, Int64, CUnsignedInt) -> CInt)? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range")
            .map { unsafeBitCast($0, to: (@convention(c) (CInt, Int64, Int64, CUnsignedInt) -> CInt).self) }

    /// Takes an exclusive `flock` lock on the file without waiting: false when another
    /// open file description holds it. The corresponding C function is `flock`.
    ///
    /// Hand-written: swift-system offers `flock` semantics only as Darwin's open options.
    public func tryLockExclusive() throws(Errno) -> Bool {
        while flock(rawValue, LOCK_EX | LOCK_NB) != 0 {
            switch errno {
            case EINTR: continue
            case EWOULDBLOCK: return false
            case let code: throw Errno(rawValue: code)
            }
        }
        return true
    }

    /// Releases a lock taken by `tryLockExclusive()`. The corresponding C function is `flock`.
    public func unlock() throws(Errno) {
        guard flock(rawValue, LOCK_UN) == 0 else { throw Errno(rawValue: errno) }
    }
}

/// Calls without a descriptor that swift-system 1.8 lacks: it has no `mkdir`, `rmdir`, `rename`,
/// `unlink`, directory listing or `getpid`. `FileIO` is their public face.
enum SystemCalls {
    /// The corresponding C function is `mkdir`.
    static func makeDirectory(_ path: FilePath, permissions: FilePermissions) throws(Errno) {
        guard path.withCString({ mkdir($0, permissions.rawValue) }) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Removes an empty folder; fails on one that holds anything. The corresponding C function is `rmdir`.
    static func removeDirectory(_ path: FilePath) throws(Errno) {
        guard path.withCString({ rmdir($0) }) == 0 else { throw Errno(rawValue: errno) }
    }

    /// The corresponding C function is `rename`.
    static func rename(_ from: FilePath, to: FilePath) throws(Errno) {
        guard from.withCString({ f in to.withCString { Glibc.rename(f, $0) } }) == 0 else { throw Errno(rawValue: errno) }
    }

    /// The corresponding C function is `unlink`.
    static func unlink(_ path: FilePath) throws(Errno) {
        guard path.withCString({ Glibc.unlink($0) }) == 0 else { throw Errno(rawValue: errno) }
    }

    /// The names in a directory, without `.` and `..`, in the order the file system
    /// gives them. The corresponding C functions are `opendir` and `readdir`.
    static func names(in directory: FilePath) throws(Errno) -> [String] {
        guard let dir = directory.withCString({ opendir($0) }) else { throw Errno(rawValue: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates a file at `path` whose inode the file system allocates as if the file
    /// were made in the folder `near`, without the file ever having a name there: an
    /// unnamed file opened in `near` (`open` with `O_TMPFILE`), then linked at `path`
    /// (`linkat` through `/proc/self/fd`), failing if `path` exists. Nil, with nothing
    /// created, where the file system or the kernel cannot (no `O_TMPFILE`, no `/proc`).
    ///
    /// Hand-written: swift-system has neither call's form, and Glibc declares
    /// `O_TMPFILE` only under `_GNU_SOURCE`, so its Linux value is spelled here.
    static func createLinked(_ path: FilePath, near folder: FilePath, permissions: FilePermissions) throws(Errno) -> FileDescriptor? {
        // The mode is reduced by the umask as for any create (kernels before 6.0 and
        // its stable backports skipped that on file systems without POSIX ACLs).
        let tmpfile: CInt = 0o20000000 | O_DIRECTORY
        var fd: CInt
        repeat {
            fd = folder.withCString { open($0, tmpfile | O_WRONLY | O_CLOEXEC, permissions.rawValue) }
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            switch errno {
            case EOPNOTSUPP, EISDIR, EINVAL: return nil
            default: throw Errno(rawValue: errno)
            }
        }
        var linked: CInt
        repeat {
            linked = path.withCString { linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, $0, AT_SYMLINK_FOLLOW) }
        } while linked != 0 && errno == EINTR
        guard linked == 0 else {
            let failure = errno
            Glibc.close(fd)
            if failure == ENOENT && access("/proc/self/fd", F_OK) != 0 { return nil }
            throw Errno(rawValue: failure)
        }
        return FileDescriptor(rawValue: fd)
    }

    /// The process's ID, for temporary names no other process uses. The corresponding C function is `getpid`.
    static var processID: CInt { getpid() }
}
