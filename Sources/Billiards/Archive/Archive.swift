public import BilliardsVenue
import LakeFormat
import Foundation

/// An offline archive of upstream responses (docs/billiards-ods.md, "The archive"): a
/// folder with one file per request, the response body exactly as received, and
/// `index.ndjson`, one `ArchiveEntry` per request in the order they were made.
public enum Archive {
    public static let indexFile = "index.ndjson"

    /// The index lines of `entries`: JSON objects with sorted keys, one per line.
    public static func indexText(_ entries: [ArchiveEntry]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out: [UInt8] = []
        for e in entries {
            out += try encoder.encode(e)
            out.append(0x0A)
        }
        return out
    }

    /// Reads the index of the archive at `folder`: missing → 66, a bad line → 65.
    public static func readIndex(_ folder: String) throws -> [ArchiveEntry] {
        let path = folder + "/" + indexFile
        guard FileIO.exists(path) else {
            throw ODSError(.noInput, "no archive at \(folder) (no \(indexFile)); write one with `opslake billiards archive --out \(folder)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ODSError(.noInput, "cannot read \(path)")
        }
        let decoder = JSONDecoder()
        var entries: [ArchiveEntry] = []
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do {
                let entry = try decoder.decode(ArchiveEntry.self, from: Data(line))
                try entry.check()
                entries.append(entry)
            } catch let e as ODSError {
                throw ODSError(.dataError, "\(path) line \(i + 1): \(e.message)")
            } catch {
                throw ODSError(.dataError, "\(path) line \(i + 1) is not an index entry (\(error))")
            }
        }
        return entries
    }
}

/// One request of an archive, as a line of `index.ndjson`.
public struct ArchiveEntry: Codable, Sendable, Hashable {
    /// The endpoint's dataset name (`settlement_records`).
    public var endpoint: String
    /// The API path requested.
    public var path: String
    /// The store (siteId) asked for.
    public var store: Int64
    /// The window the request belongs to, `YYYY-MM-DD HH:MM:SS` Asia/Shanghai, end
    /// exclusive; for a ticket, the window of the settlement list that named it.
    public var windowStart: String
    public var windowEnd: String
    /// The query parameters as sent.
    public var query: [String: String]
    /// The page (1-based) of a list endpoint; absent for a ticket.
    public var page: Int?
    /// The HTTP status of the response.
    public var status: Int
    /// The response body's file, relative to the archive folder.
    public var file: String
    /// The body's size in bytes and its SHA-256 (lowercase hex).
    public var bytes: Int64
    public var sha256: String

    public init(endpoint: Endpoint, store: Int64, window: Range<VenueTime>, query: [String: String], page: Int?,
                status: Int, file: String, bytes: Int64, sha256: String) {
        self.endpoint = endpoint.dataset
        path = endpoint.path
        self.store = store
        windowStart = window.lowerBound.description
        windowEnd = window.upperBound.description
        self.query = query
        self.page = page
        self.status = status
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
    }

    /// The endpoint named, if it is one of the 23.
    public var knownEndpoint: Endpoint? { Endpoint(rawValue: endpoint) }

    /// The window, parsed.
    public var window: Range<VenueTime>? {
        guard let s = VenueTime(windowStart), let e = VenueTime(windowEnd), s < e else { return nil }
        return s..<e
    }

    func check() throws {
        guard let e = knownEndpoint else { throw ODSError(.dataError, "unknown endpoint \(endpoint)") }
        guard e.path == path else { throw ODSError(.dataError, "\(endpoint) is served at \(e.path), not \(path)") }
        guard window != nil else { throw ODSError(.dataError, "window \(windowStart)..<\(windowEnd) is not two times, the first earlier") }
        guard !file.isEmpty, !file.hasPrefix("/"), !file.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw ODSError(.dataError, "file \(file) must be a path inside the archive folder")
        }
        guard (e.listPath == nil) == (page == nil), (page ?? 1) >= 1 else {
            throw ODSError(.dataError, e.listPath == nil ? "a ticket request has no page" : "a list request needs a page from 1")
        }
    }
}
