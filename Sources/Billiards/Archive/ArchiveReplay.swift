public import BilliardsVenue
public import LakeCatalog
public import LakeFormat
import Foundation
import SystemPackage

/// Lands an archive in the ODS: the offline pull. Every file is looked for before
/// anything lands (missing → 66) and checked against the index (a size or SHA-256
/// that differs → 65) before its window is landed; each window (endpoint, store,
/// `[start, end)`) is landed whole by `ODSWriter` or not at all, in time order, so
/// the cursors never pass what is committed. Windows are committed in groups (`ODSWriter.groupCommitBytes`).
public enum ArchiveReplay {
    public struct Summary: Sendable, Hashable {
        public var windows = 0
        public var files = 0
        public var records = 0
        /// Partitions committed, and their rows.
        public var written = 0
        public var rows = 0
        public var unchanged = 0
        /// The first and last business day of the windows replayed.
        public var first: LakeDate?
        public var last: LakeDate?
    }

    /// The windows of the archive at `folder`, restricted to `stores` and `endpoints`
    /// when given, in the order they are landed: by window, then endpoint, then store.
    public static func plan(_ folder: String, stores: Set<Int64>? = nil, endpoints: Set<Endpoint>? = nil)
        throws -> [(window: ODSWindow, entries: [ArchiveEntry])]
    {
        let layout = try Layout(folder, stores: stores, endpoints: endpoints)
        return layout.windows.map { ($0.window, Array(layout.entries[$0.range])) }
    }

    /// The plan as the replay uses it: the entries in landing order, and each window's
    /// range of them, so no entry is copied per window.
    struct Layout: Sendable {
        var entries: [ArchiveEntry] = []
        var windows: [(window: ODSWindow, range: Range<Int>)] = []

        init(_ folder: String, stores: Set<Int64>?, endpoints: Set<Endpoint>?) throws {
            entries = try Archive.readIndex(folder)
            if stores != nil || endpoints != nil {
                entries.removeAll { e in !((stores?.contains(e.store) ?? true) && (endpoints?.contains(e.knownEndpoint!) ?? true)) }
            }
            // Each entry's window and endpoint rank, on every core, a chunk of entries per call.
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let chunk = 4096
            let chunks = (entries.count + chunk - 1) / chunk
            let rank = Dictionary(uniqueKeysWithValues: Endpoint.allCases.enumerated().map { ($1, $0) })
            let keys: [(window: ODSWindow, rank: Int)]
            do {
                // Read through a second reference that ends with this scope, so the
                // entries are moved into order below, not copied.
                let chosen = entries
                // By index: an entry passed by value is copied, a dozen reference counts.
                keys = WorkQueue.map(chunks, jobs: cores, state: {}) { _, c in
                    // A line's window and endpoint are mostly the line before's: read again
                    // only when their (shared) strings change.
                    var shared = ArchiveEntry.SharedStrings()
                    var last: (name: String, endpoint: Endpoint, rank: Int)?
                    return ((c * chunk)..<min(chosen.count, (c + 1) * chunk)).map { i -> (window: ODSWindow, rank: Int) in
                        let w = shared.window(chosen[i].windowStart, chosen[i].windowEnd)!
                        if last?.name != chosen[i].endpoint {
                            let e = chosen[i].knownEndpoint!
                            last = (chosen[i].endpoint, e, rank[e]!)
                        }
                        return (ODSWindow(endpoint: last!.endpoint, storeID: chosen[i].store, start: w.lowerBound, end: w.upperBound), last!.rank)
                    }
                }.flatMap { $0 }
                try Self.checkFilesExist(chosen, folder: folder, cores: cores, chunk: chunk)
            }
            // By window start and end, then endpoint, then store; a window's entries in index order.
            let sorted = keys.indices.sorted { i, j in
                let (x, y) = (keys[i], keys[j])
                if x.window.start != y.window.start { return x.window.start < y.window.start }
                if x.window.end != y.window.end { return x.window.end < y.window.end }
                if x.rank != y.rank { return x.rank < y.rank }
                if x.window.storeID != y.window.storeID { return x.window.storeID < y.window.storeID }
                return i < j
            }
            entries.permute(to: sorted)  // moved, not copied
            var start = 0
            for (n, i) in sorted.enumerated() where n + 1 == sorted.count || keys[sorted[n + 1]].window != keys[i].window {
                windows.append((keys[i].window, start..<(n + 1)))
                start = n + 1
            }
        }

        /// Looks for every file in one listing of each folder the index names (a stat
        /// of each of 130,000 files took a quarter of a second on 2 cores): a missing
        /// file stops the replay before anything is landed, the first in the index the
        /// one named. A file's size and SHA-256 are checked when it is read, before its
        /// window lands.
        static func checkFilesExist(_ entries: [ArchiveEntry], folder: String, cores: Int, chunk: Int) throws {
            @Sendable func split(_ file: String) -> (folder: Substring, name: Substring) {
                guard let slash = file.utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", file[...]) }
                return (file[..<slash], file[file.utf8.index(after: slash)...])
            }
            // Folders and names as substrings of the entries' paths, and the listings'
            // names as substrings too: looked up per entry with no string made.
            let chunks = (entries.count + chunk - 1) / chunk
            let folders = Array(WorkQueue.map(chunks, jobs: cores, state: {}) { _, c in
                Set(((c * chunk)..<min(entries.count, (c + 1) * chunk)).map { split(entries[$0].file).folder })
            }.reduce(into: Set<Substring>()) { $0.formUnion($1) })
            let listed = WorkQueue.map(folders.count, jobs: cores, state: {}) { _, i in
                Set(FileIO.names(folders[i].isEmpty ? folder : folder + "/" + folders[i]).map { $0[...] })
            }
            let names = Dictionary(uniqueKeysWithValues: zip(folders, listed))
            let missing = WorkQueue.map(chunks, jobs: cores, state: {}) { _, c in
                var last: (folder: Substring, names: Set<Substring>?)?  // mostly the entry before's folder
                return ((c * chunk)..<min(entries.count, (c + 1) * chunk)).first { i in
                    let (dir, name) = split(entries[i].file)
                    if last?.folder != dir { last = (dir, names[dir]) }
                    return !(last!.names?.contains(name) ?? false)
                }
            }.lazy.compactMap { $0 }.first
            if let i = missing {
                let e = entries[i]
                throw ODSError(.noInput, "\(folder)/\(e.file) is missing (\(e.endpoint) store \(e.store) \(pageName(e))); the archive is incomplete")
            }
        }
    }

    /// Replays the archive at `folder` into `lake`, as one catalogue run (command
    /// `billiards replay`, with `arguments`), which records the error if one stops it.
    public static func run(_ folder: String, into lake: WritableLake, stores: Set<Int64>? = nil, endpoints: Set<Endpoint>? = nil,
                           arguments: [String] = []) throws -> Summary {
        let layout = try Layout(folder, stores: stores, endpoints: endpoints)
        let days = layout.windows.map(\.window.start.businessDate) + layout.windows.map(\.window.lastWholeDay)
        let started = Date()
        let runID = try lake.beginRun(command: "billiards replay", arguments: arguments,
                                      window: days.min().flatMap { first in days.max().map { first...max(first, $0) } })
        do {
            let summary = try land(layout, folder: folder, into: lake, runID: runID)
            try lake.finishRun(runID, partitions: summary.written, rows: Int64(summary.rows), bytes: 0,
                               seconds: Date().timeIntervalSince(started), error: nil)
            return summary
        } catch {
            try? lake.finishFailedRun(runID, seconds: Date().timeIntervalSince(started), error: String(describing: error), bytes: 0)
            throw error
        }
    }

    /// Lands the layout's windows, read `chunk` windows at a time (see below).
    static func land(_ layout: Layout, folder: String, into lake: WritableLake, runID: Int64, chunk: Int = 256) throws -> Summary {
        let windows = layout.windows
        let writer = try ODSWriter(lake: lake, runID: runID, batchBytes: ODSWriter.groupCommitBytes)
        var summary = Summary()
        // Windows are read a chunk at a time: their files fetched on kept threads (`WaitingThreads`)
        // (`fetch`), up to `fetchesAhead` chunks ahead, then checked and parsed on every
        // core, `parsesAhead` chunks at once, while the chunk before is landed, one window
        // at a time in order. The first window that cannot be read stops the replay after
        // the windows before it are landed.
        let starts = Array(stride(from: 0, to: windows.count, by: chunk))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        @Sendable func entries(_ start: Int) -> Range<Int> {
            windows[start].range.lowerBound..<windows[min(windows.count, start + chunk) - 1].range.upperBound
        }
        // Files are opened relative to the archive's folder, open for the whole replay:
        // only the file's own part of each path is walked.
        let directory = try FileIO.openFolder(folder)
        defer { try? directory.close() }
        @Sendable func fetchChunk(_ start: Int) -> Fetched {
            Fetched(first: entries(start).lowerBound, bodies: fetch(layout.entries[entries(start)], in: directory))
        }
        @Sendable func readChunk(_ start: Int, _ fetched: Fetched) -> [Result<[ODSRecord], any Error>] {
            let part = windows[start..<min(windows.count, start + chunk)]
            return WorkQueue.map(part.count, jobs: cores, state: {}) { _, i in
                let range = part[start + i].range
                return Result {
                    try Self.read(part[start + i].window, layout.entries[range], folder: folder) { fetched.bodies[$0 - fetched.first] }
                }
            }
        }
        // The fetches and parses started and not yet taken, in chunk order. A chunk's
        // fetch starts `fetchesAhead` chunks before its parse; `parsesAhead` parses run
        // at once, so while one chunk's last windows are parsed on one core, the next
        // chunk's keep the other busy.
        var fetches: [ReadAhead<Fetched>] = []
        var parses: [ReadAhead<[Result<[ODSRecord], any Error>]>] = []
        var fetched = 0, parsed = 0
        func startFetch() {
            guard fetched < starts.count else { return }
            let job = ReadAhead<Fetched>()
            job.start { [start = starts[fetched]] in fetchChunk(start) }
            fetches.append(job)
            fetched += 1
        }
        func startParse() {
            guard parsed < starts.count else { return }
            let bodies = fetches.removeFirst().wait()
            let job = ReadAhead<[Result<[ODSRecord], any Error>]>()
            job.start { [start = starts[parsed]] in readChunk(start, bodies) }
            parses.append(job)
            parsed += 1
            startFetch()
        }
        for _ in 0..<Self.fetchesAhead + Self.parsesAhead { startFetch() }
        for _ in 0..<Self.parsesAhead { startParse() }
        for chunkStart in starts {
            let read = parses.removeFirst().wait()
            startParse()
            for (k, records) in read.enumerated() {
                let (window, range) = windows[chunkStart + k]
                let landing: ODSLanding
                do {
                    let next = chunkStart + k + 1
                    let endsGroup = next == windows.count || windows[next].window.start != window.start
                    landing = try writer.land(window, records: try records.get(), endsGroup: endsGroup)
                } catch {
                    // The windows before this one are whole: they are committed, with their cursors.
                    for job in parses { _ = job.waitIfStarted() }
                    for job in fetches { _ = job.waitIfStarted() }
                    try writer.flush()
                    throw error
                }
                summary.windows += 1
                summary.files += range.count
                summary.records += landing.records
                let day = window.start.businessDate
                summary.first = min(summary.first ?? day, day)
                summary.last = max(summary.last ?? window.lastWholeDay, window.lastWholeDay)
            }
        }
        try writer.flush()
        summary.written = writer.landed.written
        summary.rows = writer.landed.rows
        summary.unchanged = writer.landed.unchanged
        return summary
    }

    /// The bytes of the files of `entries`, each read as `read` checks it (nil when it
    /// cannot be read), in order. Read on kept threads (`WaitingThreads`), more than there are
    /// cores: an archive that is not in the page cache (one shipped in, or written long
    /// enough ago) is 130,000 small reads from the disk for a month of 50 stores, and
    /// a core that waits on one parses nothing.
    static func fetch(_ entries: ArraySlice<ArchiveEntry>, in directory: FileDescriptor) -> [[UInt8]?] {
        let first = entries.startIndex
        return [[UInt8]?](unsafeUninitializedCapacity: entries.count) { buffer, count in
            buffer.initialize(repeating: nil)
            count = entries.count
            // Each slot written by the one thread that took its index.
            let slots = Archive.Slots(base: buffer.baseAddress)
            WorkQueue.forEachWaiting(entries.count, threads: fetchThreads) { i in
                slots.base![i] = FileIO.contents(entries[first + i].file, relativeTo: directory,
                                                 expected: Int(clamping: entries[first + i].bytes))
            }
        }
    }

    /// The bytes of an entry's `file` (of `bytes` bytes, as the index says) in the
    /// archive at `folder`, as `read` checks them; nil when it cannot be read. Given the
    /// entry's fields, not the entry: a copy of an entry retains each of its strings.
    static func body(file: String, bytes: Int64, in folder: String) -> [UInt8]? {
        FileIO.contents(folder + "/" + file, expected: Int(clamping: bytes))
    }

    /// Threads reading one chunk's files at once: enough to keep a disk's queue busy.
    /// The chunks being parsed are fetched already; the next `fetchesAhead +
    /// parsesAhead` are fetched together, so up to 40 threads read.
    static let fetchThreads = 8

    /// Chunks parsed at once (at least 1): with one, a core waited while the other
    /// parsed a chunk's last windows, 12% of the time before the first commit (`perf
    /// sched`, 50-store replay).
    static let parsesAhead = 2

    /// Chunks fetched ahead of the ones being parsed (at least 1): with one, the parse
    /// often waited for the last reads of the next chunk (50-store replay, cached
    /// archive: 4.52-4.83 s with one, 4.00-4.16 s with three).
    static let fetchesAhead = 3

    /// The bytes of a chunk's files, by index in the replay's entries from `first`.
    struct Fetched: Sendable {
        var first: Int
        var bodies: [[UInt8]?]
    }

    /// The records of one window, every file checked and every page present, each
    /// (store, key) once (`ODSRecord.latest`).
    public static func read(_ window: ODSWindow, _ entries: [ArchiveEntry], folder: String) throws -> [ODSRecord] {
        try read(window, entries[...], folder: folder) { body(file: entries[$0].file, bytes: entries[$0].bytes, in: folder) }
    }

    /// `read` of a window's slice of the replay's entries (their indices are the
    /// array's), each file's bytes as `contents` gives them for the entry's index (nil:
    /// it could not be read).
    static func read(_ window: ODSWindow, _ entries: ArraySlice<ArchiveEntry>, folder: String,
                     contents: (Int) -> [UInt8]?) throws -> [ODSRecord] {
        let endpoint = window.endpoint
        var records: [ODSRecord] = []
        // The entry is read in place, not copied (a copy retains each of its strings),
        // and its path is built only for an error.
        func body(_ i: Int) throws -> [UInt8] {
            func path() -> String { folder + "/" + entries[i].file }
            guard let bytes = contents(i) else {
                throw ODSError(.noInput, "\(path()) is missing (\(window) \(pageName(entries[i]))); the archive is incomplete")
            }
            let expected = entries[i].bytes
            guard Int64(bytes.count) == expected else {
                let size = Int64(bytes.count) > expected ? "more than \(expected) bytes" : "\(bytes.count) bytes"
                throw ODSError(.dataError, "\(path()) is \(size) where \(Archive.indexFile) says \(expected); the archive is damaged")
            }
            guard try SHA256.hash(bytes) == entries[i].sha256 else {
                throw ODSError(.dataError, "\(path()) does not match its SHA-256 in \(Archive.indexFile); the archive is damaged")
            }
            return bytes
        }
        func page(_ i: Int, _ name: @autoclosure @escaping @Sendable () -> String) throws -> ResponsePage {
            try ResponsePage(try body(i), endpoint: endpoint, storeID: window.storeID, where: "\(window) \(name())")
        }
        if endpoint.listPath == nil {
            // Each ticket's last successful response (a request retried after a failure
            // appears twice), by its index in `entries` (entries are not copied).
            var answered: [String: Int] = [:]
            var failed: [String: Int] = [:]
            var order: [String] = []
            for i in entries.indices {
                let id = entries[i].query["orderSettleId"] ?? entries[i].file
                if answered[id] == nil && failed[id] == nil { order.append(id) }
                if entries[i].status == 200 { answered[id] = i } else { failed[id] = i }
            }
            for id in order {
                guard let i = answered[id] else {
                    let f = entries[failed[id]!]
                    throw ODSError(.noInput, "\(window) \(pageName(f)) answered HTTP \(f.status); the window did not complete")
                }
                let more = try page(i, pageName(entries[i])).records()
                if records.isEmpty { records = more } else { records += more }
            }
            return ODSRecord.latest(records)
        }
        // The last successful response of each page, by its index in `entries`.
        var pages: [Int: Int] = [:]
        var failed: [Int: Int] = [:]
        for i in entries.indices {
            if entries[i].status == 200 { pages[entries[i].page!] = i } else { failed[entries[i].page!] = entries[i].status }
        }
        if let (page, status) = failed.filter({ pages[$0.key] == nil }).min(by: { $0.key < $1.key }) {
            throw ODSError(.noInput, "\(window) page \(page) answered HTTP \(status); the window did not complete")
        }
        guard let first = pages[1] else { throw ODSError(.noInput, "\(window): the archive lacks page 1; the window did not complete") }
        let firstPage = try page(first, "page 1")
        guard let total = firstPage.total, let size = firstPage.pageSize, size > 0 else {
            throw ODSError(.dataError, "\(window) page 1: the response has no page size")
        }
        let count = VenueResponses.pageCount(total: total, pageSize: size)
        for p in 1...count where pages[p] == nil {
            throw ODSError(.noInput, "\(window): the archive lacks page \(p) of \(count); the window did not complete")
        }
        for p in pages.keys.sorted() {
            let response = p == 1 ? firstPage : try page(pages[p]!, "page \(p)")
            guard response.page == p else {
                throw ODSError(.dataError, "\(window) page \(p): the response says it is page \(response.page.map(String.init) ?? "?")")
            }
            let more = try response.records()
            if records.isEmpty { records = more } else { records += more }
        }
        return ODSRecord.latest(records)
    }

    static func pageName(_ e: ArchiveEntry) -> String {
        if let p = e.page { return "page \(p)" }
        return "ticket \(e.query["orderSettleId"] ?? e.file)"
    }
}

/// One piece of work run on another thread (one of `WaitingThreads`' kept ones) while
/// the caller does something else: `start` it, then `wait` for its result.
final class ReadAhead<T>: @unchecked Sendable {  // unchecked: `value` is written before `done` signals and read after
    private var value: T?
    private var started = false
    private let done = DispatchSemaphore(value: 0)

    func start(_ work: @escaping @Sendable () -> T) {
        started = true
        WaitingThreads.shared.run { [self] in
            value = work()
            done.signal()
        }
    }

    func wait() -> T {
        done.wait()
        started = false
        defer { value = nil }
        return value!
    }

    /// Waits for work started and not yet waited for, so nothing runs on after a failure.
    func waitIfStarted() -> T? { started ? wait() : nil }
}
