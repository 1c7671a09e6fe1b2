public import LakeFormat
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
    public var rolledForward: [String] = []
    public var removedTemporary: [String] = []
    public var quarantined: [String] = []
    public var unresolved: [LakeFault] = []
}

extension Lake {
    /// Checks every catalogued file (present, size, SHA-256, decompresses to its
    /// recorded size and row count), journalled commits, and files the catalogue
    /// does not know. Reads only; safe while a writer runs.
    public func verify() throws -> VerifyReport {
        var report = VerifyReport()
        report.writerActive = lock == nil && LakeLock.isHeld(root: root)
        let pending = try catalog.pendingCommits()
        var pendingFiles: [String: WrittenFile] = [:]
        var pendingTemporary = Set<String>()
        for (_, m) in pending {
            report.faults.append(LakeFault(kind: .pendingCommit, path: "\(m.dataset.schema)/\(m.dataset.table)/dt=\(m.dt)",
                                           detail: "a commit was interrupted; repair rolls it forward", repairable: true))
            for f in m.written.files {
                pendingFiles[f.finalPath] = f
                pendingTemporary.insert(f.temporaryPath)
            }
        }
        var known = Set<String>()
        for p in try catalog.partitions() {
            report.partitions += 1
            for f in p.files {
                known.insert(f.path)
                report.files += 1
                report.bytes += f.bytes
                if let fault = check(f) {
                    // Mid-commit, a file may already hold the journalled new bytes.
                    if let next = pendingFiles[f.path], check(FileRecord(written: next)) == nil { continue }
                    report.faults.append(fault)
                }
            }
            if Set(p.files.map(\.format)) != Set(FileFormat.allCases) {
                report.faults.append(LakeFault(kind: .missingFile, path: LakeLayout.partitionDirectory(p.key),
                                               detail: "the catalogue lists only \(p.files.map(\.format.rawValue).joined(separator: ", "))",
                                               repairable: false))
            }
        }
        for path in lakeFiles() where !known.contains(path) && pendingFiles[path] == nil {
            if path.hasSuffix(LakeLayout.temporarySuffix) {
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

    /// Resolves what `verify` reports where it can: rolls journalled commits
    /// forward, removes temporary files, moves orphans to `_quarantine/`. Damaged or
    /// missing catalogued files are left and reported: regenerate those partitions.
    public func repair() throws -> RepairReport {
        precondition(lock != nil, "repair needs a lake opened for writing")
        var report = RepairReport()
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
                try FileIO.remove(root + "/" + fault.path)
                report.removedTemporary.append(fault.path)
            case .orphanFile:
                let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
                let target = "_quarantine/\(stamp)/\(fault.path)"
                try FileIO.makeDirectories(root + "/" + (target as NSString).deletingLastPathComponent)
                try FileIO.rename(root + "/" + fault.path, to: root + "/" + target)
                report.quarantined.append(fault.path)
            default:
                report.unresolved.append(fault)
            }
        }
        return report
    }

    /// Reads a file once: size, SHA-256 of the stored bytes, decompressed size and rows.
    func check(_ f: FileRecord) -> LakeFault? {
        let path = root + "/" + f.path
        guard let size = FileIO.size(path) else {
            return LakeFault(kind: .missingFile, path: f.path, detail: "catalogued but not on disk", repairable: false)
        }
        func damaged(_ detail: String) -> LakeFault { LakeFault(kind: .damagedFile, path: f.path, detail: detail, repairable: false) }
        guard size == f.bytes else { return damaged("\(size) bytes on disk, \(f.bytes) catalogued") }
        do {
            let hashing = try HashingSource(FileSource(path: path))
            let zstd = try ZstdReader(source: hashing, name: f.path, maxOutput: f.uncompressedBytes)
            let rows = try Self.countRows(zstd, format: f.format)
            // Drain whatever the decoder did not need, so the hash covers every byte.
            try hashing.forEachChunk { _ in }
            let sha = hashing.hash.finalize()
            guard sha == f.sha256 else { return damaged("SHA-256 \(sha.prefix(12))… differs from the catalogued \(f.sha256.prefix(12))…") }
            guard zstd.produced == f.uncompressedBytes else {
                return damaged("decompresses to \(zstd.produced) bytes, \(f.uncompressedBytes) catalogued")
            }
            guard rows == f.rows else { return damaged("holds \(rows) rows, \(f.rows) catalogued") }
            return nil
        } catch {
            return damaged("\(error)")
        }
    }

    /// Rows in a decompressed partition file: CSV records less the header, or NDJSON lines.
    public static func countRows(_ source: any ByteSource, format: FileFormat) throws -> Int {
        switch format {
        case .csv:
            return max(0, try CSVReader(source: source).countRecords() - 1)
        case .ndjson:
            var lines = 0
            try source.forEachChunk { chunk in
                for b in chunk where b == 0x0A { lines += 1 }
            }
            return lines
        }
    }

    /// Every file under the lake's dataset folders, relative to the root.
    func lakeFiles() -> [String] {
        var result: [String] = []
        func walk(_ relative: String) {
            for name in FileIO.list(root + "/" + relative) {
                let path = relative.isEmpty ? name : relative + "/" + name
                if FileIO.isDirectory(root + "/" + path) { walk(path) } else { result.append(path) }
            }
        }
        for name in FileIO.list(root) where !name.hasPrefix("_") && !name.hasPrefix(".") {
            if FileIO.isDirectory(root + "/" + name) { walk(name) }
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

