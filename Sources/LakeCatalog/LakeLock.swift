import LakeFormat
#if canImport(Glibc)
import Glibc
#endif

/// The lake's single-writer lock: `flock` on `<lake>/_lock`.
///
/// The kernel drops the lock when its process dies, `kill -9` included, so a
/// crash never leaves a stale lock behind. The file names the holder, for the
/// message a second writer gets.
final class LakeLock {
    let fd: Int32

    init(root: String, command: String) throws {
        let path = root + "/" + LakeLayout.lockFile
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CatalogError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = pread(fd, &buffer, 255, 0)
            let holder = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).trimmingSpaces
            close(fd)
            throw LakeBusyError(root: root, holder: holder)
        }
        let text = "pid \(getpid()): \(command)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        FaultPoint.hit(.afterLock, root)
    }

    deinit { close(fd) }  // closing releases the lock

    /// True when some process holds the lock now.
    static func isHeld(root: String) -> Bool {
        let fd = open(root + "/" + LakeLayout.lockFile, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}

/// A second writer on a lake that is in use.
public struct LakeBusyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var root: String
    public var holder: String
    public var description: String {
        "the lake \(root) is in use by another opslake (\(holder.isEmpty ? "unknown process" : holder)); wait for it to finish, then run again"
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
