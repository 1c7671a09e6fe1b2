#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Named points where the tests stop `opslake` at exactly one step of its work.
///
/// `OPSLAKE_FAULT=<point>[:<n>][:pause]` arms one point; it is read once, and only
/// then do the points do anything (unset, a check is one cached Bool).
///
/// - At the `n`-th time any thread reaches the point (default 1), the process writes
///   `opslake: fault point <point>:<n> reached (<detail>)` to stderr and sends itself
///   SIGKILL, exactly as a power cut or `kill -9` would stop it.
/// - With `:pause` it writes the same line, ending `; paused`, and the thread that
///   reached the point waits until a line arrives on stdin or stdin closes, then goes
///   on. Other threads carry on meanwhile. A test holds the process at that step
///   (the lake's lock held, a COPY open) for as long as it needs, with no sleeps.
///
/// A value that names no point, or a malformed one, stops the process with exit 70
/// at the first point it reaches: a typo never lets a crash test pass untested.
/// docs/lake-format.md ("Fault points") lists the points.
public enum FaultPoint: String, CaseIterable, Sendable {
    // The commit protocol (LakeCatalog, `Lake.commit`), for every writer.
    /// A partition's files are durable under temporary names; nothing is journalled.
    case afterTemporaryFiles = "after-temporary-files"
    /// The commit's manifest is journalled; no file is renamed yet.
    case afterJournal = "after-journal"
    /// The first file of a commit is renamed over its final name.
    case afterFirstRename = "after-first-rename"
    /// Every file is renamed and the folders synced; the catalogue still holds the old rows.
    case afterRenames = "after-renames"
    /// The catalogue transaction has committed; old parts are not yet removed.
    case afterApply = "after-apply"

    /// The lake's lock has just been taken and names its holder (LakeCatalog, `LakeLock`).
    case afterLock = "after-lock"

    // Loading (PostgresSync).
    /// One COPY data message (at most 8 KiB) has gone to libpq: a COPY is open mid-way.
    case afterCopyData = "after-copy-data"
    /// A partition's rows and its ledger row are in its transaction; COMMIT is not yet sent.
    case beforeLoadCommit = "before-load-commit"
    /// A partition's transaction has committed (loaded or found unchanged).
    case afterLoadCommit = "after-load-commit"

    // Moving a format-1 lake to format 2 (LakeCatalog, `WritableLake.migrateFromFormat1`).
    /// One file has moved into its table folder; the catalogue still names its old path.
    case afterMigrationMove = "after-migration-move"
    /// Every file has moved and the old folders are gone; the catalogue is still format 1.
    case beforeMigrationCommit = "before-migration-commit"

    // Pulling (Billiards, `BilliardsPull`).
    /// One answer of the API has been read and parsed; its window may have pages to
    /// come, and the windows before it may or may not be committed yet.
    case afterResponse = "after-response"

    // Unpacking (LakeShip).
    /// One payload file has been extracted into the staging folder; nothing is checked
    /// or committed yet.
    case afterUnpackFile = "after-unpack-file"

    /// The environment variable that arms a point.
    public static let variable = "OPSLAKE_FAULT"

    /// True when `OPSLAKE_FAULT` is set: the one check an unarmed process makes.
    public static let isArmed: Bool = getenv(variable).map { $0.pointee != 0 } ?? false

    /// Marks that the running thread has reached `point`; `detail` (evaluated only when
    /// the armed point fires) says where, for the line on stderr.
    @inlinable
    public static func hit(_ point: FaultPoint, _ detail: @autoclosure () -> String = "") {
        if _slowPath(isArmed) { reached(point, detail) }
    }

    @usableFromInline
    static func reached(_ point: FaultPoint, _ detail: () -> String) {
        let armed: Armed
        switch Self.armed {
        case .success(let a): armed = a
        case .failure(let message):
            report("opslake: \(variable): \(message.message)\n")
            exit(70)
        }
        guard armed.point == point, occurrences.add(1, ordering: .relaxed).newValue == armed.occurrence else { return }
        let context = detail()
        let line = "opslake: fault point \(point.rawValue):\(armed.occurrence) reached" + (context.isEmpty ? "" : " (\(context))")
        guard armed.pause else {
            report(line + "\n")
            kill(getpid(), SIGKILL)
            return
        }
        report(line + "; paused\n")
        // Until a line arrives or stdin closes (or reading fails): either lets the process go on.
        var byte: UInt8 = 0
        while true {
            let n = read(0, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || byte == UInt8(ascii: "\n") { break }
        }
    }

    /// The armed point, parsed once.
    struct Armed: Sendable {
        var point: FaultPoint
        var occurrence: Int
        var pause: Bool
    }

    static let armed: Result<Armed, ParseFailure> = parse(getenv(variable).map { String(cString: $0) } ?? "")

    struct ParseFailure: Error {
        var message: String
    }

    /// `<point>[:<n>][:pause]`.
    static func parse(_ value: String) -> Result<Armed, ParseFailure> {
        var parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let point = FaultPoint(rawValue: parts.removeFirst()) else {
            return .failure(ParseFailure(message: "\(value) names no fault point; the points are "
                                         + allCases.map(\.rawValue).joined(separator: ", ")))
        }
        var armed = Armed(point: point, occurrence: 1, pause: false)
        if let n = parts.first.flatMap(Int.init) {
            guard n >= 1 else { return .failure(ParseFailure(message: "\(value): the occurrence counts from 1")) }
            armed.occurrence = n
            parts.removeFirst()
        }
        if parts.first == "pause" {
            armed.pause = true
            parts.removeFirst()
        }
        guard parts.isEmpty else { return .failure(ParseFailure(message: "\(value) is not <point>[:<n>][:pause]")) }
        return .success(armed)
    }

    /// How often the armed point has been reached, by every thread together.
    static let occurrences = Atomic<Int>(0)

    static func report(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
