public import BilliardsVenue
import LakeFormat
import Foundation
import Synchronization

/// Writes an archive (docs/billiards-ods.md, "The archive") as requests are answered:
/// each body goes to its own file at once; its index line waits until its window is
/// whole (`add`), so `finish` indexes only windows a replay can land. Used by the
/// simulator's archive and the live pull's `--save-archive`, from several threads.
public final class ArchiveWriter: Sendable {
    public let folder: String
    let state = Mutex<(entries: [ArchiveEntry], folders: Set<String>, names: Set<String>, files: Int, bytes: Int64)>(([], [], [], 0, 0))

    /// Creates `folder` (or uses an existing one, whose other files stay); one that
    /// already holds an index is refused (73).
    public init(folder: String) throws {
        self.folder = folder
        guard !FileIO.exists(FileIO.path(folder, Archive.indexFile)) else {
            throw ODSError(.cannotCreate, "\(folder) already holds an archive (\(Archive.indexFile)); choose a new folder")
        }
        do { try FileIO.makeDirectories(folder) } catch {
            throw ODSError(.cannotCreate, "cannot create \(folder): \(error)")
        }
    }

    /// Writes one response body as `<store>/<dataset>/<name>.json` (`<name>-2.json`
    /// for a second answer to the same request, a retry) and returns its entry (not
    /// yet indexed).
    public func save(_ body: [UInt8], endpoint: Endpoint, store: Int64, window: Range<VenueTime>, query: [String: String],
                     page: Int?, status: Int, name: String) throws -> ArchiveEntry {
        let directory = "\(store)/\(endpoint.dataset)"
        let (file, isNew) = state.withLock { state in
            var file = "\(directory)/\(name).json"
            var n = 1
            while !state.names.insert(file).inserted {
                n += 1
                file = "\(directory)/\(name)-\(n).json"
            }
            return (file, state.folders.insert(directory).inserted)
        }
        do {
            if isNew { try FileIO.makeDirectories(FileIO.path(folder, directory)) }
            try Data(body).write(to: URL(fileURLWithPath: FileIO.path(folder, file)))
        } catch {
            throw ODSError(.cannotCreate, "cannot write \(FileIO.path(folder, file)): \(error)")
        }
        state.withLock {
            $0.files += 1
            $0.bytes += Int64(body.count)
        }
        return ArchiveEntry(endpoint: endpoint, store: store, window: window, query: query, page: page, status: status,
                            file: file, bytes: Int64(body.count), sha256: try SHA256.hash(body))
    }

    /// Indexes the entries of a window that is whole.
    public func add(_ entries: [ArchiveEntry]) { state.withLock { $0.entries += entries } }

    /// Files and bytes written so far.
    public var written: (files: Int, bytes: Int64) { state.withLock { ($0.files, $0.bytes) } }

    /// Writes `index.ndjson` (atomically): the archive is complete.
    public func finish() throws {
        let entries = state.withLock { $0.entries }
        try FileIO.writeAtomically(FileIO.path(folder, Archive.indexFile), try Archive.indexText(entries))
    }
}
