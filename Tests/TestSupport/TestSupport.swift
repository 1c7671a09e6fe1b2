public import Foundation
public import LakeFormat
public import GeneratorKit

/// A fresh folder under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String
    public init(_ label: String = "opslake-test") {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The repository's root, found from this file's place in it.
public let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The pet shop's schemas folder in the repository, which the binary compiles in.
public let schemasDirectory = repositoryRoot + "/Sources/PetShop/Schemas"

/// The `opslake` executable built beside the test bundle.
public let opslakeBinary: String = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("opslake").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return repositoryRoot + "/.build/debug/opslake"
}()

/// What a finished process printed and how it ended.
public struct ProcessResult: Sendable {
    public var status: Int32
    /// True when the process was killed by a signal (`status` is then the signal).
    public var signaled: Bool
    public var stdout: String
    public var stderr: String
}

/// Runs `executable` with `arguments` and extra environment, waiting for it.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       cwd: String? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes while the process runs, so a chatty child never blocks.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built `opslake` with `arguments`; it uses its built-in schemas.
@discardableResult
public func opslake(_ arguments: String..., environment: [String: String] = [:]) throws -> ProcessResult {
    try opslake(arguments, environment: environment)
}

/// Runs the built `opslake` with an argument list.
@discardableResult
public func opslake(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(opslakeBinary, arguments, environment: environment)
}

/// The built `opslake`, started without waiting: for tests that hold it at a fault
/// point (`OPSLAKE_FAULT=<point>:<n>:pause`, see `FaultPoint`) or kill it while it runs.
/// Its stdin is a pipe (a paused process goes on when a line arrives there), its
/// stdout is collected in the background, its stderr read by `waitForPause` and `finish`.
public final class RunningOpslake: @unchecked Sendable {
    public let process: Process
    let input = Pipe(), output = Pipe(), errors = Pipe()
    let outputDone = DispatchGroup()
    nonisolated(unsafe) var outData = Data()
    var errData = Data()

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: opslakeBinary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        outputDone.enter()
        DispatchQueue.global().async { [self] in
            outData = output.fileHandleForReading.readDataToEndOfFile()
            outputDone.leave()
        }
    }

    public var pid: Int32 { process.processIdentifier }

    /// Blocks until the process reports that it is paused at its armed fault point, and
    /// returns what it wrote to stderr so far. Throws when it ends without pausing.
    @discardableResult
    public func waitForPause() throws -> String {
        while true {
            let text = String(decoding: errData, as: UTF8.self)
            if text.contains("; paused\n") { return text }
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty {
                struct NotPaused: Error, CustomStringConvertible { var description: String }
                throw NotPaused(description: "opslake ended without pausing at its fault point: \(text)")
            }
            errData.append(chunk)
        }
    }

    /// Lets a process paused at a fault point go on (call it after `waitForPause`).
    public func resume() {
        try? input.fileHandleForWriting.write(contentsOf: Data("\n".utf8))
    }

    /// Sends SIGKILL, unless the process has ended and been waited for.
    public func kill() {
        if process.isRunning { _ = Foundation.kill(pid, SIGKILL) }
    }

    /// Waits for the process to end and returns how it ended and everything it printed.
    public func finish() -> ProcessResult {
        try? input.fileHandleForWriting.close()
        errData.append(errors.fileHandleForReading.readDataToEndOfFile())
        outputDone.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                             stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// SIGKILL at random moments of a command, for what no fault point names: each of
/// `attempts` runs starts `run(i)` and kills it after a random delay spread over
/// `window` seconds (roughly how long one whole run takes). A kill lands when the run
/// was still going (killed by the signal, not exited); `after(i, landed)` checks the
/// state each run left. Whenever a run finished before its kill, the window halves,
/// and if none landed, up to eight more runs are made with ever shorter delays: on a
/// fast machine or a slow one, kills land without any test depending on when.
/// Returns how many landed; callers require at least one.
public func killAtRandomMoments(attempts: Int, window: Double, seed: UInt64, run: (Int) throws -> RunningOpslake,
                                after: (Int, Bool) throws -> Void) throws -> Int {
    var g = SplitMix64(seed: seed)
    var window = window, landed = 0, i = 0
    while i < attempts || (landed == 0 && i < attempts + 8) {
        let fraction = i < attempts ? (Double(i) + Double(g.next() % 1000) / 1000) / Double(attempts) : Double(g.next() % 1000) / 1000
        let p = try run(i)
        usleep(useconds_t(window * fraction * 1_000_000))
        p.kill()
        let r = p.finish()
        let hit = r.signaled && r.status == SIGKILL
        if hit { landed += 1 } else { window /= 2 }
        try after(i, hit)
        i += 1
    }
    return landed
}

/// True when the test command says this run must have PostgreSQL and Python readers (CI).
public var requiredByCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

/// The generators' SplitMix64, for reproducible random tests.
public typealias SplitMix64 = GeneratorKit.SplitMix64

/// Random rows with every awkward thing a cell can hold: commas, quotes, CR, LF,
/// tabs, every control character, emoji, Traditional Chinese, empty strings, NULLs.
public enum RandomRows {
    public static let awkward: [String] = [
        "", ",", "\"", "\"\"", "a,b", "line\nbreak", "cr\rhere", "crlf\r\n", "\t tab", "  spaced  ", "反斜線\\", "/slash",
        "臺北市大安區忠孝東路四段 1 號", "陳怡君", "🐶🐱 emoji 🦴", "null", "NULL", "=1+2", "-120", "\u{1}\u{1f}\u{7f}", "é̃ combining",
        "\u{2028}sep", "'single'", "x\u{0}y".replacingOccurrences(of: "\u{0}", with: ""),
    ]

    public static func value(_ type: ColumnType, nullable: Bool, using g: inout SplitMix64) -> Value {
        if nullable && g.next() % 7 == 0 { return .null }
        switch type {
        case .string:
            switch g.next() % 4 {
            case 0: return .string(awkward[Int(g.next() % UInt64(awkward.count))])
            case 1:
                let scalars = (0..<Int(g.next() % 12)).map { _ in
                    Character(Unicode.Scalar(UInt32(1 + g.next() % 0x1F))!)  // control characters (NUL is refused by validation)
                }
                return .string(String(scalars) + "z")
            case 2:
                let pool = Array("甲乙丙丁犬貓飼料罐頭零食,\"\n\r\tabc XYZ0123😀")
                return .string(String((0..<Int(g.next() % 20)).map { _ in pool[Int(g.next() % UInt64(pool.count))] }))
            default: return .string("s\(g.next() % 1000)")
            }
        case .integer: return .int(Int64(bitPattern: g.next()) >> Int64(g.next() % 60))
        case .decimal: return .decimal(FixedDecimal(units: Int64(bitPattern: g.next()) >> 20, scale: Int8(g.next() % 5)))
        case .number:
            let d = Double(Int64(bitPattern: g.next()) >> 11) / Double(1 << UInt64(g.next() % 40))
            return .double(d)
        case .boolean: return .bool(g.next() % 2 == 0)
        case .date: return .date(LakeDate(daysSinceEpoch: Int32(g.next() % 60_000) - 10_000))
        case .datetime:
            return .timestamp(Timestamp(secondsSinceEpoch: Int64(g.next() % 4_000_000_000) - 500_000_000,
                                        offsetMinutes: Int16(Int(g.next() % 57) * 30 - 840) / 30 * 30))
        }
    }

    /// Columns of every type, some nullable, in a random order.
    public static func columns(using g: inout SplitMix64) -> [(Column, nullable: Bool)] {
        var result: [(Column, nullable: Bool)] = []
        for (i, type) in ColumnType.allCases.enumerated() {
            result.append((Column("c\(i)_\(type.rawValue)", type), g.next() % 2 == 0))
        }
        result.append((Column("extra_text", .string), true))
        return result.shuffled(using: &g)
    }
}

/// Random rows of every type (`RandomRows`), written as one partition under a folder
/// with its files left under their temporary names: what the format, counter and
/// COPY tests read back. `abort()` removes the files.
public struct RandomPartition {
    public let columns: [Column]
    public let rows: [[Value]]
    public let written: WrittenPartition
    let writer: PartitionWriter
    let directory: String

    /// Columns and rows drawn from `seed`; between `minRows` and `minRows + spread - 1` rows.
    public init(seed: UInt64, minRows: Int = 0, spread: Int, in directory: String,
                workers: Int = 0, rowsPerFile: Int = 1_000_000) throws {
        var g = SplitMix64(seed: seed)
        let spec = RandomRows.columns(using: &g)
        columns = spec.map(\.0)
        rows = (0..<(minRows + Int(g.next() % UInt64(spread)))).map { _ in
            spec.map { RandomRows.value($0.0.type, nullable: $0.nullable, using: &g) }
        }
        let key = PartitionKey(DatasetName("test.rows")!, LakeDate(year: 2026, month: 11, day: 21))
        writer = try PartitionWriter(lakeRoot: directory, key: key, columns: columns, workers: workers, rowsPerFile: rowsPerFile)
        for row in rows { try writer.append(row) }
        written = try writer.finish()
        self.directory = directory
    }

    /// The full path of each written file of `format`, in part order.
    public func paths(_ format: FileFormat) -> [String] {
        written.files.filter { $0.format == format }.sorted { $0.part < $1.part }.map { directory + "/" + $0.temporaryPath }
    }

    public func abort() { writer.abort() }
}
