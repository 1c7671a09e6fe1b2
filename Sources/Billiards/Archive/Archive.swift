public import BilliardsVenue
import LakeFormat
import TableSchema
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
        guard let size = FileIO.size(path), let bytes = FileIO.contents(path, expected: Int(clamping: size)) else {
            throw ODSError(.noInput, "cannot read \(path)")
        }
        // Lines are found in one pass, then read on every core (an archive of a month of
        // 50 stores has 130,000 lines); the first bad line, by number, is the one reported.
        var lines: [(number: Int, range: Range<Int>)] = []
        var start = 0, number = 1
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            while start < b.count, let hit = memchr(base + start, 0x0A, b.count - start) {
                let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if i > start { lines.append((number, start..<i)) }
                start = i + 1
                number += 1
            }
        }
        if bytes.count > start { lines.append((number, start..<bytes.count)) }
        // A chunk of lines per call, each entry made in its place in the array: no
        // copy of an entry (a dozen strings and a dictionary) on the way out.
        let found = lines, chunk = 1024, count = lines.count
        var failure: LineError?
        let entries = [ArchiveEntry](unsafeUninitializedCapacity: count) { buffer, initialized in
            let slots = Slots(base: buffer.baseAddress)
            let outcomes = WorkQueue.map((count + chunk - 1) / chunk, jobs: ProcessInfo.processInfo.activeProcessorCount,
                                         state: {}) { _, c -> (made: Int, error: LineError?) in
                let first = c * chunk
                var made = 0
                var shared = ArchiveEntry.SharedStrings()
                for line in found[first..<min(count, first + chunk)] {
                    do throws(ODSError) {
                        let entry = try ArchiveEntry(line: Array(bytes[line.range]), sharing: &shared)
                        try entry.check(sharing: &shared)
                        (slots.base! + first + made).initialize(to: entry)
                        made += 1
                    } catch {
                        return (made, LineError(number: line.number, message: error.message))
                    }
                }
                return (made, nil)
            }
            // The first chunk with a bad line has the first bad line.
            if let bad = outcomes.lazy.compactMap(\.error).first {
                for (c, outcome) in outcomes.enumerated() { (slots.base! + c * chunk).deinitialize(count: outcome.made) }
                failure = bad
                initialized = 0
            } else {
                initialized = count
            }
        }
        if let failure { throw ODSError(.dataError, "\(path) line \(failure.number): \(failure.message)") }
        return entries
    }

    /// Where the elements of an array being made are put, shared by the threads that
    /// make them (each its own slots).
    struct Slots<Element>: @unchecked Sendable { let base: UnsafeMutablePointer<Element>? }

    /// The first bad line of a chunk of the index.
    struct LineError: Error { var number: Int; var message: String }
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

    /// The values that repeat from line to line of an index (endpoint names and paths,
    /// window times, store ids), each made once and shared by the entries that hold it:
    /// an index of a month of 50 stores has 130,000 lines and 32 distinct times, and a
    /// String of more than 15 bytes made per line is an allocation per line, kept as
    /// long as the replay's plan (236 MB of the plan's memory when each was its own).
    /// Also the last window and endpoint read, by their shared strings, so a line whose
    /// window is the line before's is not parsed again.
    struct SharedStrings {
        /// Per kind of value, the distinct values seen.
        var kinds: [[String]] = Array(repeating: [], count: 4)
        static let endpoint = 0, path = 1, time = 2, store = 3
        /// Per field of a line, the index in its kind of the value it held last, tried
        /// first: a line's four times are of one kind, and the last time seen is
        /// seldom the next one's.
        var last = [Int](repeating: 0, count: Field.count)
        enum Field { static let endpoint = 0, path = 1, windowStart = 2, windowEnd = 3, count = 4 }
        /// Beyond this many distinct values of a kind, new ones are made but not kept.
        static let keep = 64
        /// The window of the last `window(_:_:)`, and the strings it was read from.
        var lastWindow: (start: String, end: String, window: Range<VenueTime>?)?
        var lastEndpoint: (name: String, endpoint: Endpoint?)?

        /// The string at `node`, shared with an equal one seen before; nil when `node` is
        /// not a string. `field` names the slot of `last` to try first (nil: a query value).
        mutating func string(_ tape: JSONTape, _ node: Int, kind: Int, field: Int? = nil) -> String? {
            tape.withStringBytes(node) { bytes -> String in
                if bytes.count <= 15 { return String(decoding: bytes, as: UTF8.self) }  // held inline: nothing to share
                func same(_ s: String) -> Bool {
                    var s = s
                    return s.withUTF8 { u in u.count == bytes.count && memcmp(u.baseAddress!, bytes.baseAddress!, u.count) == 0 }
                }
                let seen = kinds[kind]
                if let field, last[field] < seen.count, same(seen[last[field]]) { return seen[last[field]] }
                if let i = seen.firstIndex(where: same) {
                    if let field { last[field] = i }
                    return seen[i]
                }
                let made = String(decoding: bytes, as: UTF8.self)
                if seen.count < Self.keep {
                    if let field { last[field] = seen.count }
                    kinds[kind].append(made)
                }
                return made
            }
        }

        /// `ArchiveEntry.window` of these strings: parsed once for a run of lines that share them.
        mutating func window(_ start: String, _ end: String) -> Range<VenueTime>? {
            if let w = lastWindow, w.start == start, w.end == end { return w.window }
            let parsed = ArchiveEntry.window(start, end)
            lastWindow = (start, end, parsed)
            return parsed
        }

        /// `ArchiveEntry.knownEndpoint` of `name`, looked up once for a run of lines that share it.
        mutating func endpoint(_ name: String) -> Endpoint? {
            if let e = lastEndpoint, e.name == name { return e.endpoint }
            let known = ArchiveEntry.endpoints[name]
            lastEndpoint = (name, known)
            return known
        }
    }

    /// Reads one line of `index.ndjson` (read through a tape: an archive of a month of
    /// 50 stores has a million lines).
    init(line: [UInt8]) throws(ODSError) {
        var shared = SharedStrings()
        try self.init(line: line, sharing: &shared)
    }

    /// `init(line:)`, its repeating values shared through `shared`. The fields are asked
    /// for in the order the index writes them (sorted keys), so each is found at the
    /// member after the one before (`JSONTape.member(_:_:hint:)`).
    init(line: [UInt8], sharing shared: inout SharedStrings) throws(ODSError) {
        guard let tape = JSONTape(line), tape.kind(JSONTape.root) == .object else {
            throw ODSError(.dataError, "not an index entry (not a JSON object)")
        }
        var hint = JSONTape.root
        func field(_ name: StaticString) throws(ODSError) -> Int {
            guard let node = tape.member(JSONTape.root, name, hint: &hint) else { throw ODSError(.dataError, "not an index entry (no \(name))") }
            return node
        }
        func text(_ name: StaticString, shared kind: Int? = nil, field slot: Int? = nil) throws(ODSError) -> String {
            let node = try field(name)
            guard let s = kind.map({ shared.string(tape, node, kind: $0, field: slot) }) ?? tape.string(node) else {
                throw ODSError(.dataError, "not an index entry (\(name) is not a string)")
            }
            return s
        }
        func whole(_ name: StaticString) throws(ODSError) -> Int64 {
            guard let i = tape.int64(try field(name)) else { throw ODSError(.dataError, "not an index entry (\(name) is not a whole number)") }
            return i
        }
        bytes = try whole("bytes")
        endpoint = try text("endpoint", shared: SharedStrings.endpoint, field: SharedStrings.Field.endpoint)
        file = try text("file")
        if let p = tape.member(JSONTape.root, "page", hint: &hint), tape.kind(p) != .null {
            guard let n = tape.int64(p), let page = Int(exactly: n) else { throw ODSError(.dataError, "not an index entry (page is not a whole number)") }
            self.page = page
        } else {
            page = nil
        }
        path = try text("path", shared: SharedStrings.path, field: SharedStrings.Field.path)
        let q = try field("query")
        guard tape.kind(q) == .object else { throw ODSError(.dataError, "not an index entry (query is not an object)") }
        let members = tape.members(q)
        var query = [String: String](minimumCapacity: members.count)
        for m in members {
            let key = tape.string(m.key)!
            // The times and the store repeat; a ticket's id does not.
            let kind = key.utf8.suffix(4).elementsEqual("Time".utf8) ? SharedStrings.time : key == "siteId" ? SharedStrings.store : nil
            guard let value = kind.map({ shared.string(tape, m.value, kind: $0) }) ?? tape.string(m.value) else {
                throw ODSError(.dataError, "not an index entry (a query value is not a string)")
            }
            query[key] = value
        }
        self.query = query
        sha256 = try text("sha256")
        guard let s = Int(exactly: try whole("status")) else { throw ODSError(.dataError, "not an index entry (status is out of range)") }
        status = s
        store = try whole("store")
        windowEnd = try text("windowEnd", shared: SharedStrings.time, field: SharedStrings.Field.windowEnd)
        windowStart = try text("windowStart", shared: SharedStrings.time, field: SharedStrings.Field.windowStart)
    }

    /// The endpoint named, if it is one of the 23.
    public var knownEndpoint: Endpoint? { Self.endpoints[endpoint] }

    /// The 23 by name: a look-up per index line, not a comparison with each name.
    static let endpoints = Dictionary(uniqueKeysWithValues: Endpoint.allCases.map { ($0.rawValue, $0) })

    /// The window, parsed.
    public var window: Range<VenueTime>? { Self.window(windowStart, windowEnd) }

    static func window(_ start: String, _ end: String) -> Range<VenueTime>? {
        guard let s = VenueTime(start), let e = VenueTime(end), s < e else { return nil }
        return s..<e
    }

    /// True for a relative path with no `.` or `..` component (one pass over the bytes:
    /// it runs for every line of the index).
    static func isInside(_ file: String) -> Bool {
        var file = file
        return file.withUTF8 { u in
            guard let first = u.first, first != UInt8(ascii: "/") else { return false }
            var start = 0
            for i in 0...u.count where i == u.count || u[i] == UInt8(ascii: "/") {
                let dots = u[start..<i].allSatisfy { $0 == UInt8(ascii: ".") }
                if dots && (i - start == 1 || i - start == 2) { return false }
                start = i + 1
            }
            return true
        }
    }

    /// Checks the entry's fields agree (its endpoint, path, window, file and page),
    /// reading its window and endpoint through `shared`.
    func check(sharing shared: inout SharedStrings) throws(ODSError) {
        guard let e = shared.endpoint(endpoint) else { throw ODSError(.dataError, "unknown endpoint \(endpoint)") }
        guard e.path == path else { throw ODSError(.dataError, "\(endpoint) is served at \(e.path), not \(path)") }
        guard shared.window(windowStart, windowEnd) != nil else { throw ODSError(.dataError, "window \(windowStart)..<\(windowEnd) is not two times, the first earlier") }
        guard Self.isInside(file) else {
            throw ODSError(.dataError, "file \(file) must be a path inside the archive folder")
        }
        guard (e.listPath == nil) == (page == nil), (page ?? 1) >= 1 else {
            throw ODSError(.dataError, e.listPath == nil ? "a ticket request has no page" : "a list request needs a page from 1")
        }
    }
}
