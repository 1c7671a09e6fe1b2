import LakeFormat
import Foundation

/// Something `verify` found wrong, with the path and what `repair` will do about it.
public struct LakeFault: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A catalogued file is not there.
        case missingFile = "missing-file"
        /// A catalogued file's bytes differ from its SHA-256, size or row count.
        case damagedFile = "damaged-file"
        /// A commit was journalled but not finished (a crash mid-commit).
        case pendingCommit = "pending-commit"
        /// A temporary file left by an interrupted write.
        case temporaryFile = "temporary-file"
        /// A file under the lake that the catalogue does not list.
        case orphanFile = "orphan-file"
    }

    public var kind: Kind
    /// Relative to the lake root.
    public var path: String
    public var detail: String
    /// True when `opslake repair` resolves it on its own.
    public var repairable: Bool

    public var description: String { "\(kind.rawValue) \(path): \(detail)" }
}

/// What `verify` checked and found.
public struct VerifyReport: Hashable, Sendable, Codable {
    public var partitions = 0
    public var files = 0
    public var bytes: Int64 = 0
    public var faults: [LakeFault] = []
    /// True when another process held the lake's lock: temporary files may be a write in progress.
    public var writerActive = false
    public var ok: Bool { faults.isEmpty }
}

/// What `repair` did, and what it could not.
public struct RepairReport: Hashable, Sendable, Codable {
    /// Set when opening the lake moved it from an older format.
    public var migration: FormatMigration?
    public var rolledForward: [String] = []
    public var removedTemporary: [String] = []
    public var quarantined: [String] = []
    public var unresolved: [LakeFault] = []
}

/// How deeply `verify` reads each catalogued file.
public enum VerifyDepth: String, Sendable, Codable {
    /// Size, SHA-256, decompressed size and rows: every byte decompressed once.
    case full
    /// Size and SHA-256 of the stored bytes only, for large lakes: a bit flip or a
    /// truncation is caught, a file written wrong in the first place is not.
    case quick
}

extension Lake {
    /// Checks every catalogued file (present, size, SHA-256, and at `.full` depth
    /// its decompressed size and row count), journalled commits, and files the
    /// catalogue does not know. Files are read on `jobs` threads (default: every core), each file once
    /// (hashed, decompressed and counted in one pass). Reads only; safe while a
    /// writer runs.
    public func verify(depth: VerifyDepth = .full, jobs: Int? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        report.writerActive = !(self is WritableLake) && LakeLock.isHeld(root: root)
        let pending = try catalog.pendingCommits()
        var pendingFiles: [String: WrittenFile] = [:]
        var pendingTemporary = Set<String>()
        for (_, m) in pending {
            report.faults.append(LakeFault(kind: .pendingCommit, path: "\(m.dataset) dt=\(m.dt)",
                                           detail: "a commit was interrupted; repair rolls it forward", repairable: true))
            for f in m.written.files {
                pendingFiles[f.finalPath] = f
                pendingTemporary.insert(f.temporaryPath)
            }
        }
        var known = Set<String>()
        var files: [(record: FileRecord, journalled: FileRecord?)] = []
        var incomplete: [LakeFault] = []
        for p in try catalog.partitions() {
            report.partitions += 1
            for f in p.files {
                known.insert(f.path)
                report.files += 1
                report.bytes += f.bytes
                files.append((f, pendingFiles[f.path].map(FileRecord.init(written:))))
            }
            for format in FileFormat.allCases where !p.files.contains(where: { $0.format == format }) {
                incomplete.append(LakeFault(kind: .missingFile, path: LakeLayout.partitionDirectory(p.key, format),
                                            detail: "the catalogue lists no \(format.rawValue) file of this partition",
                                            repairable: false))
            }
        }
        let root = self.root, work = files
        let checked = WorkQueue.map(work.count, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, state: { FileChecker(root: root) }) { checker, i in
            let (record, journalled) = work[i]
            guard let fault = checker.check(record, depth: depth) else { return nil as LakeFault? }
            // Mid-commit, a file may already hold the journalled new bytes.
            if let journalled, checker.check(journalled, depth: depth) == nil { return nil }
            return fault
        }
        report.faults += checked.compactMap { $0 }
        report.faults += incomplete
        for path in lakeFiles() where !known.contains(path) && pendingFiles[path] == nil {
            if path.hasPrefix(LakeLayout.stagingDirectory + "/") {
                let detail = pendingTemporary.contains(path) ? "part of an interrupted commit; repair installs it"
                    : report.writerActive ? "a write in progress, or left by an interrupted one; repair removes it"
                    : "left by an interrupted write; repair removes it"
                if !pendingTemporary.contains(path) {
                    report.faults.append(LakeFault(kind: .temporaryFile, path: path, detail: detail, repairable: true))
                }
            } else {
                report.faults.append(LakeFault(kind: .orphanFile, path: path,
                                               detail: "not in the catalogue; repair moves it to _quarantine/", repairable: true))
            }
        }
        return report
    }

    /// Whether a file on disk is what the catalogue records: nil when it is.
    func check(_ f: FileRecord, depth: VerifyDepth = .full) -> LakeFault? {
        FileChecker(root: root).check(f, depth: depth)
    }

    /// Every file under the lake's dataset folders and in `_staging/`, relative to the root.
    func lakeFiles() -> [String] {
        var result: [String] = []
        func walk(_ relative: String) {
            for name in FileIO.list(absolute(relative)) {
                let path = relative.isEmpty ? name : FileIO.path(relative, name)
                if FileIO.isDirectory(absolute(path)) { walk(path) } else { result.append(path) }
            }
        }
        for name in FileIO.list(root) where (!name.hasPrefix("_") && !name.hasPrefix(".")) || name == LakeLayout.stagingDirectory {
            if FileIO.isDirectory(absolute(name)) { walk(name) }
        }
        return result
    }
}

extension FileRecord {
    init(written f: WrittenFile) {
        self.init(format: f.format, part: f.part, path: f.finalPath, bytes: f.bytes, uncompressedBytes: f.uncompressedBytes,
                  sha256: f.sha256, rows: f.rows)
    }
}

/// One thread's means of checking files: a read buffer, kept for every file the
/// thread checks.
final class FileChecker {
    let root: String
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

    init(root: String) { self.root = root }

    deinit { buffer.deallocate() }

    /// Reads the file once: size, SHA-256 of the stored bytes and, at `.full` depth,
    /// the decompressed size and rows, in the same pass.
    func check(_ f: FileRecord, depth: VerifyDepth) -> LakeFault? {
        let path = FileIO.path(root, f.path)
        guard let size = FileIO.size(path) else {
            return LakeFault(kind: .missingFile, path: f.path, detail: "catalogued but not on disk", repairable: false)
        }
        func damaged(_ detail: String) -> LakeFault { LakeFault(kind: .damagedFile, path: f.path, detail: detail, repairable: false) }
        guard size == f.bytes else { return damaged("\(size) bytes on disk, \(f.bytes) catalogued") }
        do {
            let hashing = try HashingSource(FileSource(path: path))
            var rows: Int?
            var produced: Int64?
            if depth == .full {
                let zstd = try ZstdReader(source: hashing, name: f.path, maxOutput: f.uncompressedBytes)
                var counter = RowCounter(format: f.format)
                try zstd.forEachChunk(using: buffer) { counter.consume($0) }
                rows = counter.rows
                produced = zstd.produced
            }
            // Whatever the decoder did not need (or all of it, when quick), so the hash covers every byte.
            try hashing.forEachChunk(using: buffer) { _ in }
            let sha = try hashing.hash.finalize()
            guard sha == f.sha256 else { return damaged("SHA-256 \(sha.prefix(12))… differs from the catalogued \(f.sha256.prefix(12))…") }
            if let produced, produced != f.uncompressedBytes {
                return damaged("decompresses to \(produced) bytes, \(f.uncompressedBytes) catalogued")
            }
            if let rows, rows != f.rows { return damaged("holds \(rows) rows, \(f.rows) catalogued") }
            return nil
        } catch {
            return damaged("\(error)")
        }
    }
}

extension WritableLake {
    /// Resolves what `verify` reports where it can: rolls journalled commits
    /// forward, removes temporary files, moves orphans to `_quarantine/`. Damaged or
    /// missing catalogued files are left and reported: regenerate those partitions.
    public func repair() throws -> RepairReport {
        var report = RepairReport(migration: migration)
        for (id, m) in try catalog.pendingCommits() {
            let where_ = "\(m.dataset) dt=\(m.dt)"
            if installable(m) {
                try rollForward(id, m, schema: nil)
                report.rolledForward.append(where_)
            } else {
                try catalog.discardPending(id)
                report.unresolved.append(LakeFault(kind: .pendingCommit, path: where_,
                                                   detail: "its files are gone; the commit was dropped, regenerate the partition",
                                                   repairable: false))
            }
        }
        let verified = try verify()
        for fault in verified.faults {
            switch fault.kind {
            case .temporaryFile:
                try FileIO.remove(absolute(fault.path))
                report.removedTemporary.append(fault.path)
            case .orphanFile:
                let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
                let target = "\(LakeLayout.quarantineDirectory)/\(stamp)/\(fault.path)"
                try FileIO.makeDirectories(absolute((target as NSString).deletingLastPathComponent))
                try FileIO.rename(absolute(fault.path), to: absolute(target))
                report.quarantined.append(fault.path)
            default:
                report.unresolved.append(fault)
            }
        }
        return report
    }
}
