import LakeFormat
import SystemPackage
import Glibc  // getpid

/// The lake's single-writer lock: `flock` on `<lake>/_lock`.
///
/// The kernel drops the lock when its process dies, `kill -9` included, so a
/// crash never leaves a stale lock behind. The file names the holder, for the
/// message a second writer gets.
final class LakeLock {
    /// Closed only by `deinit`, which also runs when `init` throws after opening it.
    let fd: FileDescriptor

    init(root: String, command: String) throws {
        let path = FilePath(root).appending(LakeLayout.lockFile)
        do {
            fd = try FileDescriptor.open(path, .readWrite, options: [.create, .closeOnExec],
                                         permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw CatalogError("cannot open \(path): \(error)")
        }
        let locked: Bool
        do { locked = try fd.tryLockExclusive() } catch { throw CatalogError("cannot lock \(path): \(error)") }
        guard locked else {
            var buffer = [UInt8](repeating: 0, count: 255)
            let n = (try? buffer.withUnsafeMutableBytes { try fd.read(fromAbsoluteOffset: 0, into: $0) }) ?? 0
            throw LakeBusyError(root: root, holder: String(decoding: buffer.prefix(n), as: UTF8.self).trimmingSpaces)
        }
        let text = "pid \(getpid()): \(command)\n"
        _ = try? fd.resize(to: 0)
        _ = try? fd.writeAll(toAbsoluteOffset: 0, text.utf8)
        FaultPoint.hit(.afterLock, root)
    }

    deinit { try? fd.close() }  // closing releases the lock

    /// True when some process holds the lock now.
    static func isHeld(root: String) -> Bool { state(root: root) == .held }

    enum State { case held, free, unknown }

    /// Whether some process holds the lock now; unknown when the lock file cannot be
    /// opened for writing (a reader without write access to the lake).
    static func state(root: String) -> State {
        guard let fd = try? FileDescriptor.open(FilePath(root).appending(LakeLayout.lockFile), .readWrite, options: .closeOnExec) else {
            return FileIO.exists(FilePath(root).appending(LakeLayout.lockFile).string) ? .unknown : .free
        }
        defer { try? fd.close() }
        guard (try? fd.tryLockExclusive()) == true else { return .held }
        try? fd.unlock()
        return .free
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
