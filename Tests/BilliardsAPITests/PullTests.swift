import Testing
import Billiards
import BilliardsAPI
import BilliardsVenue
import GeneratorKit
import Foundation
import LakeCatalog
import LakeFormat
import TestSupport

// `opslake billiards pull`, the built binary, against `opslake billiards serve` on
// loopback: the ODS it lands is held to the simulator's truth, byte for byte to a
// fault-free pull under every fault, to a replay of its own archive, and its cursors
// are never ahead of what is committed, whatever stops it.
//
// Every pull asks for the same two business days (2026-03-02 and 03-03) of the first
// two stores of a tenant opened on 2026-03-01 (so a server simulates a few days, not
// months), in pages of 50, from a server whose clock is fixed after them.

/// The tenant every pull test serves (`--opened 2026-03-01`, seed 1, three stores).
let pullVenue: Venue = {
    var config = VenueConfig()
    config.opened = LakeDate(year: 2026, month: 3, day: 1)
    return try! Venue(config: config, seed: 1)
}()
let pullStores = Array(pullVenue.stores.prefix(2))
let pullDays = LakeDate(year: 2026, month: 3, day: 2)...LakeDate(year: 2026, month: 3, day: 3)
/// The end of the last window: the opening of the day after `pullDays`.
let pullUntil = VenueTime.opening(of: pullDays.upperBound.adding(days: 1))
let pullClock = APIClock.fixed(VenueTime("2026-03-05 12:00:00")!)
/// Short backoffs, so retries cost milliseconds (Retry-After still counts).
let pullEnvironment = ["OPSLAKE_BILLIARDS_BACKOFF_SECONDS": "0.05", "OPSLAKE_BILLIARDS_MAX_BACKOFF_SECONDS": "0.2"]

/// A server of `pullVenue` with `faults`, its clock at `now`.
func pullServer(_ faults: FaultPlan = FaultPlan(), now: APIClock = pullClock) async throws -> RunningServer {
    try await RunningServer(faults: faults, clock: now, extra: ["--opened", "2026-03-01"])
}

/// Runs `opslake billiards pull` of the test window into `lake` from `url` (the
/// server's, unless given), its summary as JSON unless `json` is false, with `extra`
/// flags after the defaults (a repeated flag: the last one counts).
func pull(_ lake: String, _ server: RunningServer?, url: String? = nil, stores: [Store] = pullStores, until: VenueTime = pullUntil,
          json: Bool = true, _ extra: [String] = [], environment: [String: String] = [:]) throws -> ProcessResult {
    var arguments = ["billiards", "pull", "--lake", lake, "--api-url", url ?? server!.base, "--from", pullDays.lowerBound.description,
                     "--until", until.description, "--stores", stores.map { String($0.id) }.joined(separator: ","),
                     "--page-size", "50", "--timeout", "10", "--retries", "8", "--jobs", "4"] + (json ? ["--json"] : [])
    if let server { arguments += ["--token-file", server.tokenPath] }
    return try opslake(arguments + extra, environment: pullEnvironment.merging(environment) { $1 })
}

/// The summary a `--json` pull prints as its one line on stdout.
func summary(_ r: ProcessResult) -> [String: Int] {
    let line = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
    let json = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    return json.compactMapValues { ($0 as? NSNumber)?.intValue }
}

/// Every file of the lake outside `_*` (the catalogue, the lock, staging), with its SHA-256.
func dataFiles(_ root: String) throws -> [String: String] {
    var out: [String: String] = [:]
    let e = FileManager.default.enumerator(atPath: root)!
    while let path = e.nextObject() as? String {
        guard !path.hasPrefix("_"), !FileIO.isDirectory(root + "/" + path) else { continue }
        out[path] = try SHA256.hash([UInt8](FileManager.default.contents(atPath: root + "/" + path)!))
    }
    return out
}

/// The ODS partitions of a lake, row by row.
func odsPartitions(_ lake: Lake) throws -> [PartitionKey: [[Value]]] {
    let schemas = try BilliardsODS.schemasByEndpoint()
    var out: [PartitionKey: [[Value]]] = [:]
    for p in try lake.catalog.partitions() where p.dataset.schema == BilliardsODS.name {
        out[p.key] = try ODSWriter.rows(of: p.key, in: lake, schema: schemas[Endpoint(rawValue: p.dataset.table)!]!)
    }
    return out
}

/// The business days of `days`, in order.
func each(_ days: ClosedRange<LakeDate>) -> [LakeDate] {
    var out: [LakeDate] = []
    var d = days.lowerBound
    while d <= days.upperBound {
        out.append(d)
        d = d.adding(days: 1)
    }
    return out
}

/// One record as the simulator made it: what the ODS must hold for its store and key.
struct TruthRecord {
    var endpoint: Endpoint
    var store: Int64
    var key: String
    var version: VenueTime
    var dt: LakeDate
    var payload: [UInt8]

    var id: String { "\(endpoint.dataset)|\(dt)|\(store)|\(key)" }

    /// The ODS row: store_id, source_key, payload, source_endpoint, version_time.
    var row: [Value] {
        [.int(store), .string(key), .string(String(decoding: payload, as: UTF8.self)), .string(endpoint.path), .timestamp(version.timestamp)]
    }
}

/// Every record version `stores` made on `days`, straight from the simulator: key and
/// version time as the simulator gives them, the payload as the API encodes it, the
/// partition day read from the payload; of each key, the latest version per partition
/// (a record whose partition day is its update time has one in each day it changed),
/// after the master data's latest versions from before the first day.
func truthRecords(stores: [Store] = pullStores, days: ClosedRange<LakeDate> = pullDays) throws -> [TruthRecord] {
    var latest: [String: TruthRecord] = [:]
    for store in stores {
        // A first pull asks the master data once for everything changed before its first
        // day: each such record's latest version then.
        let before = VenueTime.opening(of: BilliardsPull.defaultMasterSince)..<VenueTime.opening(of: days.lowerBound)
        for endpoint in Endpoint.allCases where endpoint.kind == .changing {
            for record in pullVenue.records(endpoint, store: store, updatedIn: before) {
                let payload = try VenueJSON.encode(record)
                let partition = try ODSRecord(endpoint, storeID: store.id, payload: payload, where: "truth").dt
                latest["\(endpoint.dataset)|\(partition)|\(store.id)|\(record.sourceKey)"] =
                    TruthRecord(endpoint: endpoint, store: store.id, key: record.sourceKey, version: record.versionTime, dt: partition, payload: payload)
            }
        }
        for dt in each(days) {
            let day = pullVenue.day(store, dt: dt)
            for endpoint in Endpoint.allCases {
                for record in day.records(endpoint) {
                    let payload = try VenueJSON.encode(record)
                    let partition = try ODSRecord(endpoint, storeID: store.id, payload: payload, where: "truth").dt
                    let id = "\(endpoint.dataset)|\(partition)|\(store.id)|\(record.sourceKey)"
                    if let seen = latest[id], seen.version > record.versionTime { continue }
                    latest[id] = TruthRecord(endpoint: endpoint, store: store.id, key: record.sourceKey, version: record.versionTime,
                                             dt: partition, payload: payload)
                }
            }
        }
    }
    return Array(latest.values)
}

/// The ODS the pull must leave: every partition's rows, ordered by (store_id, source_key).
func truthPartitions(_ records: [TruthRecord]) -> [PartitionKey: [[Value]]] {
    let grouped = Dictionary(grouping: records) { PartitionKey(BilliardsODS.dataset($0.endpoint), $0.dt) }
    return grouped.mapValues { rs in
        rs.sorted { a, b in a.store != b.store ? a.store < b.store : a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }.map(\.row)
    }
}

/// How `actual` differs from `expected`, partition by partition (the first few).
func differences(_ actual: [PartitionKey: [[Value]]], _ expected: [PartitionKey: [[Value]]]) -> [String] {
    var out: [String] = []
    for key in Set(actual.keys).union(expected.keys).sorted() where actual[key] != expected[key] {
        let a = actual[key] ?? [], e = expected[key] ?? []
        let first = zip(a, e).first { $0 != $1 }.map { "first differing row: \($0.0.prefix(2)) vs \($0.1.prefix(2))" } ?? ""
        out.append("\(key): \(a.count) rows, the truth has \(e.count) \(first)")
        if out.count == 10 { break }
    }
    return out
}

/// True when the lake holds `record` at its version or a later one.
func holds(_ lake: [PartitionKey: [[Value]]], _ record: TruthRecord) -> Bool {
    (lake[PartitionKey(BilliardsODS.dataset(record.endpoint), record.dt)] ?? []).contains { row in
        guard row[0] == .int(record.store), row[1] == .string(record.key), case .timestamp(let t) = row[4] else { return false }
        return t.secondsSinceEpoch >= record.version.secondsSinceEpoch
    }
}

/// The cursors of every task of the test window, by task name.
func pullCursors(_ lake: Lake, stores: [Store] = pullStores) throws -> [String: LakeDate?] {
    var out: [String: LakeDate?] = [:]
    for store in stores {
        for e in Endpoint.allCases {
            let name = BilliardsODS.cursorName(e, store: store.id)
            out[name] = try lake.catalog.cursor(name)
        }
    }
    return out
}

/// The cursors that are ahead of the data: a task whose cursor says day d is done while
/// some record its store made on a day up to d is not in the lake (at least at that
/// version). Empty when every cursor is behind or at what is committed.
func cursorsAheadOfData(_ lake: Lake, records: [TruthRecord]) throws -> [String] {
    let rows = try odsPartitions(lake)
    var ahead: Set<String> = []
    for r in records {
        let name = BilliardsODS.cursorName(r.endpoint, store: r.store)
        guard let cursor = try lake.catalog.cursor(name), r.version.businessDate <= cursor, !holds(rows, r) else { continue }
        ahead.insert("\(name) at \(cursor) lacks \(r.key) of \(r.version)")
    }
    return ahead.sorted()
}

/// The last run's task records (`run_tasks`), by task.
func runTasks(_ lake: Lake) throws -> [String: RunTask] {
    try lake.catalog.lastRunTasks(prefix: BilliardsODS.name + ".").mapValues(\.task)
}

/// A loopback port that nothing listens on (bound, then closed).
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// What a fault-free pull of the test window left, kept once for every test to compare with.
struct ReferencePull: Sendable {
    var status: Int32
    var stderr: String
    var summary: [String: Int]
    var files: [String: String]
    var partitions: [PartitionKey: [[Value]]]
    var cursors: [String: LakeDate?]
    var tasks: [String: RunTask]
    var verified: Bool
}

/// The fault-free pull, made on first use (its lake removed once it is read).
let referencePull = Task<ReferencePull, any Error> {
    let server = try await pullServer()
    defer { server.stop() }
    let dir = TemporaryDirectory("pull-reference")
    defer { dir.remove() }
    let r = try pull(dir.path + "/lake", server)
    let lake = try Lake(root: dir.path + "/lake")
    return ReferencePull(status: r.status, stderr: r.stderr, summary: summary(r), files: try dataFiles(lake.root),
                         partitions: try odsPartitions(lake), cursors: try pullCursors(lake), tasks: try runTasks(lake),
                         verified: try lake.verify().ok)
}

/// The faults tried one at a time, and all at once.
enum PullFault: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case fail503, throttle429, slow, dropped, malformed, all

    var testDescription: String { rawValue }

    var plan: FaultPlan {
        var f = FaultPlan(seed: 11)
        f.retryAfterSeconds = 1
        f.slowSeconds = 2.5
        switch self {
        case .fail503: f.fail = FaultRule(rate: 0.08)
        case .throttle429: f.throttle = FaultRule(rate: 0.04)
        case .slow: f.slow = FaultRule(rate: 0.03)
        case .dropped: f.drop = FaultRule(rate: 0.08)
        case .malformed: f.malformed = FaultRule(rate: 0.08)
        case .all:
            for rule in [\FaultPlan.fail, \.throttle, \.slow, \.drop, \.malformed] { f[keyPath: rule] = FaultRule(rate: 0.03) }
        }
        return f
    }

    /// A slow answer must outlast the request timeout to be a fault.
    var timeout: String { self == .slow || self == .all ? "1" : "10" }
}

/// Not serialized: each test has its own servers and lakes, and a pull mostly waits on
/// loopback, so running them side by side halves the time (about 95 s on two cores).
@Suite("opslake billiards pull")
struct PullTests {
    /// A fault-free pull lands exactly the simulator's truth: every (dataset, dt) of the
    /// window holds the latest version of each record made in it, payload byte for byte,
    /// ordered by (store_id, source_key); every cursor ends at the window's last day.
    /// The truth is computed from the simulator's records, not from an archive or replay.
    @Test func faultFreePullEqualsTheTruth() async throws {
        let reference = try await referencePull.value
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(reference.stderr.isEmpty)
        let expected = truthPartitions(try truthRecords())
        #expect(expected.count > 30 && expected.values.map(\.count).reduce(0, +) > 2_000)
        let diff = differences(reference.partitions, expected)
        #expect(diff.isEmpty, "\(diff.joined(separator: "\n"))")
        #expect(reference.cursors.count == 46 && reference.cursors.values.allSatisfy { $0 == pullDays.upperBound })
        #expect(reference.tasks.count == 46 && reference.tasks.values.allSatisfy { task in
            // Two days, and for master data first the window of everything before them.
            let endpoint = Endpoint(rawValue: String(task.task.dropFirst(14).prefix { $0 != "@" }))!
            return task.error == nil && task.retries == 0 && task.windows == (endpoint.kind == .changing ? 3 : 2)
        })
        #expect(reference.summary["failed"] == 0 && reference.summary["retries"] == 0)
        #expect(reference.files.count == 2 * reference.partitions.count)  // a CSV and an NDJSON file each
        #expect(reference.verified)
    }

    /// Under each fault (503, 429 with Retry-After, an answer slower than the timeout, a
    /// connection dropped mid-body, a body cut in half) and all of them at once, the pull
    /// retries its way to ODS files byte-identical to the fault-free pull's, and
    /// `run_tasks` records the retries.
    @Test(arguments: PullFault.allCases)
    func faultsChangeNothing(fault: PullFault) async throws {
        let reference = try await referencePull.value
        let server = try await pullServer(fault.plan)
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-\(fault.rawValue)")
        defer { dir.remove() }
        let r = try pull(dir.path + "/lake", server, ["--timeout", fault.timeout])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dataFiles(dir.path + "/lake") == reference.files)
        let lake = try Lake(root: dir.path + "/lake")
        let tasks = try runTasks(lake)
        #expect(tasks.count == 46 && tasks.values.allSatisfy { $0.error == nil })
        let retries = tasks.values.map(\.retries).reduce(0, +)
        #expect(retries > 0 && summary(r)["retries"] == retries, "\(r.stdout)")
        #expect(try pullCursors(lake) == reference.cursors)
    }

    /// A live pull saving every response (a 503 or a half body among them) to an archive,
    /// replayed into a fresh lake, gives the same files; both equal the fault-free pull's.
    /// Pulling the same window again commits nothing and changes no file.
    @Test func archiveReplaysToTheSameFilesAndASecondPullCommitsNothing() async throws {
        let reference = try await referencePull.value
        var faults = FaultPlan(seed: 3)
        faults.fail = FaultRule(rate: 0.05)
        faults.malformed = FaultRule(rate: 0.05)
        let server = try await pullServer(faults)
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-archive")
        defer { dir.remove() }
        let live = dir.path + "/live", archive = dir.path + "/archive", replayed = dir.path + "/replayed"
        let r = try pull(live, server, ["--save-archive", archive])
        #expect(r.status == 0, "\(r.stderr)")
        #expect((summary(r)["retries"] ?? 0) > 0)
        let files = try dataFiles(live)
        #expect(files == reference.files)

        let replay = try opslake("billiards", "replay", "--archive", archive, "--lake", replayed)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try dataFiles(replayed) == files)
        #expect(try pullCursors(try Lake(root: replayed)) == reference.cursors)
        // The DWD, its histories and the DWS built from the live pull and from the archive are
        // the same files, and every check passes: the pull starts a day after the venue
        // opened, and the members and tables of that first day came in the master data's
        // first window, so every fact's reference resolves.
        for lake in [live, replayed] {
            let built = try opslake("billiards", "dwd", "--lake", lake)
            #expect(built.status == 0 && built.stdout.contains(" 0 failed;"), "\(built.stdout) \(built.stderr)")
            #expect(built.stderr.isEmpty, "\(built.stderr)")
        }
        let derived = try dataFiles(live).filter { $0.key.hasPrefix("billiards/") }
        #expect(derived.keys.contains { $0.contains("dws_site_day_summary") } && derived.keys.contains { $0.contains("dim_member_scd2") })
        #expect(try dataFiles(replayed).filter { $0.key.hasPrefix("billiards/") } == derived)

        let cursors = try pullCursors(try Lake(root: live))
        // One window per task: the overlap before the cursor's next day, already landed.
        let again = try pull(live, server, json: false)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("pulled 46 of 46 tasks: 46 windows, ") && again.stdout.contains("; 0 partitions written, 0 rows, "),
                "\(again.stdout)")
        #expect(try dataFiles(live).filter { !$0.key.hasPrefix("billiards/") } == files)
        #expect(try pullCursors(try Lake(root: live)) == cursors)
    }

    /// Records the upstream shows late are fetched again by the next pull's overlap: at
    /// T (the opening of the day after the window) 30% of the records appear only 90 minutes
    /// after their version time, so those of the last 90 minutes before T are missing;
    /// a later pull (the server's clock at T + 90 min) with a 90-minute overlap brings
    /// exactly them, and the ODS equals the truth. Without the overlap, a pull that goes
    /// on past T never asks for them again.
    @Test func overlapBringsLateRecords() async throws {
        let reference = try await referencePull.value
        var late = FaultPlan(seed: 21)
        late.lateRate = 0.3
        late.lateMinutes = 90
        let t = pullUntil, t2 = pullUntil.adding(seconds: 90 * 60)
        let records = try truthRecords()
        // Late, and made in the 90 minutes before T: not served yet at T.
        let hidden = records.filter { late.isLate(sourceKey: $0.key) && $0.version > t.adding(seconds: -90 * 60) && $0.version < t }
        try #require(hidden.count > 5, "the window must end with late records for this test to mean anything")

        let dir = TemporaryDirectory("pull-late")
        defer { dir.remove() }
        let lake = dir.path + "/lake", noOverlap = dir.path + "/no-overlap"
        let atT = try await pullServer(late, now: .fixed(t))
        let first = try pull(lake, atT, until: t)
        atT.stop()
        #expect(first.status == 0, "\(first.stderr)")
        let before = try odsPartitions(try Lake(root: lake))
        #expect(hidden.allSatisfy { !holds(before, $0) })
        let hiddenIDs = Set(hidden.map(\.id))
        #expect(records.filter { !hiddenIDs.contains($0.id) }.allSatisfy { holds(before, $0) }, "everything else arrived on time")
        try FileManager.default.copyItem(atPath: lake, toPath: noOverlap)

        let later = try await pullServer(late, now: .fixed(t2))
        defer { later.stop() }
        // No overlap: the pull goes on from T to T + 90 min and never looks before T.
        let without = try pull(noOverlap, later, until: t2, ["--overlap-minutes", "0"])
        #expect(without.status == 0, "\(without.stderr)")
        let missed = try odsPartitions(try Lake(root: noOverlap))
        #expect(hidden.allSatisfy { !holds(missed, $0) })

        let with = try pull(lake, later, until: t, ["--overlap-minutes", "90"])
        #expect(with.status == 0, "\(with.stderr)")
        #expect((summary(with)["partitions"] ?? 0) > 0)
        let after = try odsPartitions(try Lake(root: lake))
        let diff = differences(after, truthPartitions(records))
        #expect(diff.isEmpty, "\(diff.joined(separator: "\n"))")
        #expect(try dataFiles(lake) == reference.files)
    }

    /// An API that cannot be reached (a closed port) stops the pull with 69 and one
    /// line on stderr, not one per task; nothing is committed and no cursor is set.
    @Test func unreachableAPIIs69() throws {
        let dir = TemporaryDirectory("pull-unreachable")
        defer { dir.remove() }
        try Data("t\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/token.txt"))
        let r = try pull(dir.path + "/lake", nil, url: "http://127.0.0.1:\(closedPort())", ["--token-file", dir.path + "/token.txt", "--retries", "2"])
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("opslake: error: ") && r.stderr.contains("cannot reach") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        let lake = try Lake(root: dir.path + "/lake")
        #expect(try lake.catalog.partitions().isEmpty)
        #expect(try pullCursors(lake).values.allSatisfy { $0 == nil })
        #expect(try runTasks(lake).values.allSatisfy { $0.error != nil && $0.windows == 0 })
        #expect(try lake.catalog.runs(limit: 1).first?.status == "failed")
    }

    /// A token the API refuses stops the pull with 77 and one line; nothing is committed.
    @Test func refusedTokenIs77() async throws {
        let server = try await pullServer()
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-token")
        defer { dir.remove() }
        try Data("not-the-token\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/token.txt"))
        let r = try pull(dir.path + "/lake", server, ["--token-file", dir.path + "/token.txt"])
        #expect(r.status == 77, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("opslake: error: ") && r.stderr.contains("refused the token") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(!r.stderr.contains("not-the-token") && !r.stdout.contains("not-the-token"))
        let lake = try Lake(root: dir.path + "/lake")
        #expect(try lake.catalog.partitions().isEmpty)
        #expect(try pullCursors(lake).values.allSatisfy { $0 == nil })
    }

    /// A token that expires mid-pull stops it with 77; the windows landed before are
    /// committed, no cursor is ahead of the data, and a rerun against a server whose
    /// token still works completes the window to the truth.
    @Test func tokenExpiringMidPullIs77AndARerunCompletes() async throws {
        let reference = try await referencePull.value
        var faults = FaultPlan()
        faults.tokenExpiresAfter = 150
        let expiring = try await pullServer(faults)
        let dir = TemporaryDirectory("pull-expiry")
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        let r = try pull(lake, expiring)
        expiring.stop()
        #expect(r.status == 77, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("token expired"), "\(r.stderr)")
        let records = try truthRecords()
        let stopped = try Lake(root: lake)
        #expect(try cursorsAheadOfData(stopped, records: records) == [])
        let cursors = try pullCursors(stopped)
        #expect(cursors.values.contains { $0 != nil } && cursors.values.contains { $0 != pullDays.upperBound },
                "the token expired mid-pull: some windows were committed, not all")
        #expect(try !stopped.catalog.partitions().isEmpty)

        let server = try await pullServer()
        defer { server.stop() }
        let rerun = try pull(lake, server)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try dataFiles(lake) == reference.files)
        #expect(try pullCursors(try Lake(root: lake)) == reference.cursors)
    }

    /// A task that fails on its own (a 503 with no retries left) stops at that window;
    /// every other task completes; the exit code is 75 with one line naming the task,
    /// and `run_tasks` holds the error on that task only. A rerun completes the window.
    @Test func oneFailingTaskLeavesTheOthersDone() async throws {
        var faults = FaultPlan()
        faults.fail = FaultRule(at: [30])
        let server = try await pullServer(faults)
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-one-task")
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        let stores = [pullStores[0]]
        let r = try pull(lake, server, stores: stores, ["--retries", "0", "--jobs", "1", "--timeout", "30"])
        #expect(r.status == 75, "\(r.stderr)")
        let tasks = try runTasks(try Lake(root: lake))
        #expect(tasks.count == 23)
        let failed = tasks.values.filter { $0.error != nil }
        try #require(failed.count == 1, "\(failed)")
        let task = failed[0]
        #expect(task.error!.contains("HTTP 503") && task.windows < 2)
        #expect(r.stderr == "opslake: error: \(task.task): \(task.error!)\n")
        let cursors = try pullCursors(try Lake(root: lake), stores: stores)
        for (name, cursor) in cursors {
            #expect(name == task.task ? cursor != pullDays.upperBound : cursor == pullDays.upperBound, "\(name) \(String(describing: cursor))")
        }
        let records = try truthRecords(stores: stores)
        #expect(try cursorsAheadOfData(try Lake(root: lake), records: records) == [])
        // `opslake status` names the failed task, its last run and its error, and exits 1.
        let failing = try taskStatus(lake, task.task)
        #expect(failing.exit == 1 && failing.state?["state"] as? String == "failed" && failing.state?["outcome"] as? String == "failed"
                && (failing.state?["error"] as? String)?.contains("HTTP 503") == true && failing.state?["lastStarted"] is String,
                "\(failing)")

        let rerun = try pull(lake, server, stores: stores)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let fixed = try taskStatus(lake, task.task)
        #expect(fixed.state?["outcome"] as? String == "succeeded" && fixed.state?["error"] == nil
                && fixed.state?["state"] as? String != "failed", "\(fixed)")
        let diff = differences(try odsPartitions(try Lake(root: lake)), truthPartitions(records))
        #expect(diff.isEmpty, "\(diff.joined(separator: "\n"))")
    }

    /// `opslake status --json` of `lake` as of the pull's end: its exit code and the entry of `task`.
    func taskStatus(_ lake: String, _ task: String) throws -> (exit: Int32, state: [String: Any]?) {
        let r = try opslake(["status", "--lake", lake, "--grace-hours", "0", "--json"], environment: ["OPSLAKE_NOW": pullUntil.description])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (r.status, (json?["tasks"] as? [[String: Any]] ?? []).first { $0["task"] as? String == task })
    }

    /// A list page whose total differs from page 1's (or a window that comes up short of
    /// its total) starts that window again: the ODS is still exactly the fault-free pull's,
    /// and the restarts cost requests.
    @Test func totalChangingMidPagingRestartsTheWindow() async throws {
        let reference = try await referencePull.value
        var faults = FaultPlan(seed: 3)
        faults.miscount = FaultRule(at: [2, 5, 17, 40, 41, 90])
        let server = try await pullServer(faults)
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-miscount")
        defer { dir.remove() }
        let r = try pull(dir.path + "/lake", server)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dataFiles(dir.path + "/lake") == reference.files)
        #expect(summary(r)["requests"]! > reference.summary["requests"]!, "\(r.stdout)")
        #expect(try pullCursors(try Lake(root: dir.path + "/lake")) == reference.cursors)
    }

    /// A total that changes on every try gives up after the bound with 75 and one line
    /// per task naming its window; nothing of those windows is committed, no cursor moves.
    @Test func totalChangingOnEveryTryIs75() async throws {
        var faults = FaultPlan(seed: 3)
        faults.miscount = FaultRule(rate: 1)
        let server = try await pullServer(faults)
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-miscount-always")
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        let r = try pull(lake, server, stores: [pullStores[0]], json: false, ["--tasks", "settlement_records,member_profiles"])
        #expect(r.status == 75, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("the total changed during paging on each of \(BilliardsPull.windowRestarts + 1) tries") },
                "\(r.stderr)")
        let opened = try Lake(root: lake)
        #expect(try opened.catalog.partitions().isEmpty)
        #expect(try pullCursors(opened, stores: [pullStores[0]]).values.allSatisfy { $0 == nil })
    }

    /// Killed at random moments mid-pull (after a random answer, with commits per window,
    /// per 64 KiB or per the default batch), three times in a row on the same lake: after
    /// every kill no cursor is ahead of the data, and the final run leaves exactly the
    /// fault-free pull's files and cursors. The seed is printed with any failure.
    @Test func killedAtRandomMomentsThenRerun() async throws {
        let reference = try await referencePull.value
        let server = try await pullServer()
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-kill-random")
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        let seed = UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        let records = try truthRecords()
        let requests = reference.summary["requests"]!
        for round in 1...3 {
            let n = Int.random(in: 1...requests, using: &random)
            let batch = ["1", "65536", ""].randomElement(using: &random)!
            var environment = ["OPSLAKE_FAULT": "after-response:\(n)"]
            if !batch.isEmpty { environment["OPSLAKE_ODS_BATCH_BYTES"] = batch }
            let killed = try pull(lake, server, environment: environment)
            let context = "seed \(seed), round \(round), answer \(n), batch \(batch.isEmpty ? "default" : batch)"
            // A rerun needs fewer answers than a first run: the kill may not come.
            #expect((killed.signaled && killed.status == SIGKILL) || killed.status == 0, "\(context): \(killed.status) \(killed.stderr)")
            #expect(try cursorsAheadOfData(try Lake(root: lake), records: records) == [], "\(context)")
        }
        let rerun = try pull(lake, server)
        #expect(rerun.status == 0, "seed \(seed): \(rerun.stderr)")
        #expect(try dataFiles(lake) == reference.files, "seed \(seed)")
        #expect(try pullCursors(try Lake(root: lake)) == reference.cursors, "seed \(seed)")
        let verify = try opslake("verify", "--lake", lake)
        #expect(verify.status == 0, "seed \(seed): \(verify.stdout) \(verify.stderr)")
    }

    /// With no API URL configured the pull is a configuration error (78): one line, no lake made.
    @Test func noAPIURLIs78() throws {
        let dir = TemporaryDirectory("pull-no-url")
        defer { dir.remove() }
        let r = try opslake(["billiards", "pull", "--lake", dir.path + "/lake", "--token-file", dir.path + "/token.txt",
                             "--until", pullUntil.description], environment: ["OPSLAKE_BILLIARDS_API_URL": ""])
        #expect(r.status == 78, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("opslake: error: ") && r.stderr.contains("billiards.api_url") && r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/lake"))
    }

    /// A dry run prints the plan and makes no request (its API is a closed port) and no lake.
    /// A master-data task with no cursor asks first for everything before its first day:
    /// one window, or with a window limit, windows of at most that many days that tile
    /// [master_since, first day) oldest first; an event task and a task with a cursor do not.
    @Test func masterDataBackfillWindows() {
        let until = VenueTime.opening(of: LakeDate(year: 2026, month: 3, day: 4))
        func plan(maxWindowDays: Int, cursor: LakeDate? = nil) -> [Endpoint: [ODSWindow]] {
            let plans = BilliardsPull.plan(cursors: { _ in cursor }, stores: [7], endpoints: [.memberProfiles, .paymentTransactions], until: until,
                                           from: LakeDate(year: 2026, month: 3, day: 2), historyDays: 7, overlapMinutes: 0,
                                           masterSince: LakeDate(year: 2025, month: 12, day: 1), maxWindowDays: maxWindowDays)
            return Dictionary(uniqueKeysWithValues: plans.map { ($0.task.endpoint, $0.windows) })
        }
        let first = VenueTime.opening(of: LakeDate(year: 2026, month: 3, day: 2))
        let one = plan(maxWindowDays: 0)
        #expect(one[.memberProfiles]!.map(\.start) == [VenueTime.opening(of: LakeDate(year: 2025, month: 12, day: 1)), first,
                                                      VenueTime.opening(of: LakeDate(year: 2026, month: 3, day: 3))])
        #expect(one[.paymentTransactions]!.count == 2 && one[.paymentTransactions]!.first!.start == first)
        let split = plan(maxWindowDays: 31)[.memberProfiles]!.filter { $0.end <= first }
        #expect(split.count == 3)  // 2025-12-01, 2026-01-01, 2026-02-01 up to 2026-03-02: 31 + 31 + 29 days
        #expect(split.allSatisfy { $0.end.seconds(since: $0.start) <= 31 * 86_400 })
        #expect(zip(split, split.dropFirst()).allSatisfy { $0.end == $1.start } && split.last!.end == first)
        #expect(plan(maxWindowDays: 31, cursor: LakeDate(year: 2026, month: 3, day: 1))[.memberProfiles]!.allSatisfy { $0.start >= first.adding(seconds: -86_400) })
    }

    @Test func dryRunRequestsNothing() throws {
        let dir = TemporaryDirectory("pull-dry")
        defer { dir.remove() }
        let r = try pull(dir.path + "/lake", nil, url: "http://127.0.0.1:\(closedPort())", json: false,
                         ["--token-file", dir.path + "/token.txt", "--dry-run"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("dry run: 46 tasks from http://127.0.0.1:") && r.stdout.contains("nothing is requested or written"))
        #expect(r.stdout.contains("billiards_ods.settlement_records@\(pullStores[0].id): cursor -, 2 windows 2026-03-02 08:00:00..<2026-03-04 08:00:00"))
        #expect(r.stderr.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/lake"))
    }

    /// Killed mid-pull at a step of a group commit (the journal written; the catalogue
    /// applied but the cursors not moved), the lake's cursors are never ahead of its
    /// data; pulled again, the ODS is exactly the fault-free pull's and the truth.
    @Test(arguments: zip(["after-journal", "after-apply"], [9, 5]))
    func killedMidPullThenRerun(point: String, n: Int) async throws {
        let reference = try await referencePull.value
        let server = try await pullServer()
        defer { server.stop() }
        let dir = TemporaryDirectory("pull-kill")
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        // A commit per window, so the kill falls between two of the pull's commits.
        let killed = try pull(lake, server, environment: ["OPSLAKE_FAULT": "\(point):\(n)", "OPSLAKE_ODS_BATCH_BYTES": "1"])
        #expect(killed.signaled && killed.status == SIGKILL, "\(point): \(killed.status) \(killed.stderr)")
        let records = try truthRecords()
        #expect(try cursorsAheadOfData(try Lake(root: lake), records: records) == [], "\(point)")

        let rerun = try pull(lake, server)
        #expect(rerun.status == 0, "\(point): \(rerun.stderr)")
        #expect(try dataFiles(lake) == reference.files, "\(point)")
        let diff = differences(try odsPartitions(try Lake(root: lake)), truthPartitions(records))
        #expect(diff.isEmpty, "\(point): \(diff.joined(separator: "\n"))")
        #expect(try pullCursors(try Lake(root: lake)) == reference.cursors)
        let verify = try opslake("verify", "--lake", lake)
        #expect(verify.status == 0, "\(point): \(verify.stdout) \(verify.stderr)")
    }
}

