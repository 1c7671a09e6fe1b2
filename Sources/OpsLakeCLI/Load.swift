import ArgumentParser
import LakeCatalog
import LakeFormat
import PostgresSync
import TableSchema
import Foundation

extension OpsLake {
    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sync lake partitions into PostgreSQL: each partition in one transaction, idempotent, safe to kill and rerun.",
            discussion: """
                Connection settings follow libpq: --dsn (a connection string or URI), else the first line of \
                --dsn-file or $OPSLAKE_DSN_FILE, else $OPSLAKE_DSN, else the PG* variables and ~/.pgpass alone, as \
                with psql. Prefer a file or .pgpass: a password on the command line is visible to other users.

                Examples:
                  opslake load --dsn-file /etc/opslake/dsn --jobs 2
                  opslake load --datasets 'petshop.order*' --from 2026-11-01 --dry-run
                  opslake load status --json
                """,
            subcommands: [Status.self]
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var selection: PartitionSelection
        @OptionGroup var load: LoadRunOptions
    }
}

/// `--json`, one type for `opslake load` and its subcommands, so the flag reaches the
/// subcommand whichever side of its name it is written.
struct JSONOutput: ParsableArguments {
    @Flag(help: "Print JSON for machines.") var json = false
}

/// How `opslake load` runs: connections, plan only, JSON.
struct LoadRunOptions: ParsableArguments {
    @Option(help: "Partitions loaded at once, each over its own connection.") var jobs: Int = 1
    @Flag(help: "Print the plan (new, changed, unchanged partitions); touch nothing.") var dryRun = false
    @Flag(help: "Succeed when the selection matches no partition (default: exit 66, naming what the lake holds).") var allowEmpty = false
    @OptionGroup var output: JSONOutput
    var json: Bool { output.json }

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1...64") }
    }
}

/// Where `opslake load` connects: flags, then files and variables, then libpq's own defaults.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "libpq connection string or URI (default: $OPSLAKE_DSN, or the PG* variables and .pgpass).")
    var dsn: String?
    @Option(help: "A file whose first line is the connection string (default: $OPSLAKE_DSN_FILE).")
    var dsnFile: String?

    /// True when a connection is named: --dsn, --dsn-file, $OPSLAKE_DSN or $OPSLAKE_DSN_FILE.
    var isGiven: Bool {
        let env = ProcessInfo.processInfo.environment
        return dsn != nil || dsnFile != nil || !(env["OPSLAKE_DSN"] ?? "").isEmpty || !(env["OPSLAKE_DSN_FILE"] ?? "").isEmpty
    }

    func conninfo() throws -> String {
        if let dsn { return dsn }
        let env = ProcessInfo.processInfo.environment
        if let path = dsnFile ?? env["OPSLAKE_DSN_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw InputError(.noInput, "cannot read the connection file \(path); create it (mode 0600) with one libpq connection string")
            }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return line.trimmingCharacters(in: .whitespaces)
        }
        return env["OPSLAKE_DSN"] ?? ""
    }
}

/// The datasets and days a load command covers.
struct PartitionSelection: ParsableArguments {
    @Option(help: "Datasets: names or globs such as petshop.*, comma-separated (default: every dataset in the lake).")
    var datasets: [String] = []
    @Option(help: "One day, YYYY-MM-DD.") var date: String?
    @Option(help: "First day, YYYY-MM-DD.") var from: String?
    @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String?

    func validate() throws {
        if date != nil && (from != nil || to != nil) { throw ValidationError("give --date D, or --from/--to, not both") }
        for (flag, text) in [("--date", date), ("--from", from), ("--to", to)] {
            if let text, LakeDate(text) == nil { throw ValidationError("\(flag) \(text) is not a date; write YYYY-MM-DD") }
        }
        if let f = from.flatMap(LakeDate.init), let t = to.flatMap(LakeDate.init), t < f {
            throw ValidationError("--from \(from!) is after --to \(to!); the range is inverted")
        }
    }

    var window: ClosedRange<LakeDate>? {
        if let d = date.flatMap(LakeDate.init) { return d...d }
        if from == nil && to == nil { return nil }
        return (from.flatMap(LakeDate.init) ?? LakeDate(daysSinceEpoch: .min))...(to.flatMap(LakeDate.init) ?? LakeDate(daysSinceEpoch: .max))
    }

    func chosen(in lake: Lake) throws -> Set<DatasetName> {
        let all = try lake.catalog.datasets().map(\.name)
        guard !all.isEmpty else { throw InputError(.noInput, "the lake at \(lake.root) holds no datasets yet; generate some first") }
        return try selectDatasets(datasets, from: all)
    }

    /// The one rule for a selection that matches no partition, in every command that
    /// takes one: an error (66) naming what the lake holds of those datasets, unless
    /// `allowEmpty` (the command's `--allow-empty`) says an empty result is expected.
    func requireMatches(in lake: Lake, datasets chosen: Set<DatasetName>, allowEmpty: Bool = false, flag: Bool = true) throws {
        let held = try lake.catalog.partitions().filter { chosen.contains($0.dataset) }
        let window = self.window
        guard !allowEmpty, !held.contains(where: { window?.contains($0.key.dt) ?? true }) else { return }
        let names = chosen.sorted().map(\.description)
        let range = window.map { w -> String in
            if w.lowerBound == w.upperBound { return " dated \(w.lowerBound)" }
            if w.lowerBound.daysSinceEpoch == .min { return " dated up to \(w.upperBound)" }
            if w.upperBound.daysSinceEpoch == .max { return " dated from \(w.lowerBound)" }
            return " dated \(w.lowerBound)...\(w.upperBound)"
        } ?? ""
        let byDataset = Dictionary(grouping: held, by: \.dataset)
        let holds = byDataset.keys.sorted().map { d in
            let dts = byDataset[d]!.map(\.key.dt)
            return "\(d) \(dts.min()!)...\(dts.max()!)"
        }
        throw InputError(.noInput, "no partitions of \(names.count == 1 ? names[0] : "\(names.count) datasets")\(range); "
                         + (holds.isEmpty ? "the lake holds none of them" : "the lake holds \(holds.joined(separator: ", "))")
                         + (flag ? "; choose another range, or pass --allow-empty" : "; choose another range"))
    }
}

extension OpsLake.Load {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per dataset, what the catalogue holds against what PostgreSQL's ledger says: missing, changed, loaded, rows.",
                discussion: "Examples:\n  opslake load status --dsn-file /etc/opslake/dsn\n  opslake load status --json"
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var selection: PartitionSelection
        @OptionGroup var output: JSONOutput
        var json: Bool { output.json }

        func run() throws {
            try guarded {
                let lake = try Lake(root: options.lake)
                let job = LoadJob(lake: lake, schemas: try options.readingSchemas(of: lake), conninfo: try connection.conninfo())
                let plan = try connecting { try job.plan(datasets: try selection.chosen(in: lake), window: selection.window) }
                var byDataset: [String: DatasetLoadStatus] = [:]
                for p in plan {
                    var s = byDataset[p.record.dataset.description] ?? DatasetLoadStatus(dataset: p.record.dataset.description)
                    s.partitions += 1
                    s.catalogueRows += Int64(p.record.rows)
                    switch p.state {
                    case .new: s.missing += 1
                    case .changed: s.changed += 1
                    case .unchanged:
                        s.loaded += 1
                        s.loadedRows += Int64(p.loadedRows ?? 0)
                    }
                    byDataset[s.dataset] = s
                }
                let list = byDataset.values.sorted { $0.dataset < $1.dataset }
                if json { try printJSON(list); return }
                printTable([["dataset", "partitions", "loaded", "changed", "missing", "catalogue rows", "loaded rows"]]
                           + list.map { [$0.dataset, "\($0.partitions)", "\($0.loaded)", "\($0.changed)", "\($0.missing)", "\($0.catalogueRows)", "\($0.loadedRows)"] })
            }
        }
    }
}

/// One dataset's line of `opslake load status`.
struct DatasetLoadStatus: Codable {
    var dataset: String
    var partitions = 0
    var loaded = 0
    var changed = 0
    var missing = 0
    var catalogueRows: Int64 = 0
    var loadedRows: Int64 = 0

    init(dataset: String) { self.dataset = dataset }

    enum CodingKeys: String, CodingKey {
        case dataset, partitions, loaded, changed, missing
        case catalogueRows = "catalogue_rows", loadedRows = "loaded_rows"
    }
}

/// `opslake load --json`: one line scripts can read.
struct LoadSummaryJSON: Encodable {
    var loaded: Int
    var unchanged: Int
    var failed: Int
    var rows: Int64
    var bytes: Int64
    var seconds: Double
    var run_id: Int64?
    var failures: [String]
    var dimensions: [String: Int]

    init(_ s: LoadSummary) {
        loaded = s.loaded
        unchanged = s.unchanged
        failed = s.failures.count
        rows = s.rowsLoaded
        bytes = s.bytesRead
        seconds = s.seconds
        run_id = s.runID
        failures = s.failures.map(\.description) + s.dimensionFailures
        dimensions = Dictionary(s.dimensionsRebuilt.map { ($0.name, $0.rows) }, uniquingKeysWith: { $1 })
    }
}

/// Turns a failure to reach PostgreSQL into one line with its fix and exit code.
func connecting<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as PostgresError {
        switch e.kind {
        case .authentication:
            throw InputError(.noPermission, "\(e.message); check the user and the password (in ~/.pgpass, PGPASSFILE or the connection file)")
        case .missingDatabase:
            throw InputError(.config, "\(e.message); create it (createdb) or fix dbname in the connection settings")
        case .privilege:
            throw InputError(.noPermission, "\(e.message); grant the loader's role CREATE and INSERT/DELETE on the target schema")
        case .unreachable:
            throw InputError(.unavailable, "\(e.message); check host and port (--dsn, PGHOST, PGPORT) and that the server is running")
        case .badSettings:
            throw InputError(.config, "\(e.message); fix the connection string (--dsn, the connection file or $OPSLAKE_DSN), e.g. \"host=db.example dbname=opslake user=loader\"")
        case .other:
            throw InputError(.tempFailure, e.description)
        }
    }
}

func exitStatus(_ cause: PartitionLoadError.Cause) -> ExitStatus {
    switch cause {
    case .corruptFile, .tableMismatch, .schemaMismatch: return .dataError
    case .postgres(.authentication), .postgres(.privilege): return .noPermission
    case .postgres(.missingDatabase), .postgres(.badSettings): return .config
    case .postgres: return .tempFailure
    case .io: return .ioError
    }
}


extension OpsLake.Load {
    /// Loads the chosen partitions and prints the summary.
    func run() throws {
        try guarded {
            let lake = try Lake(root: options.lake)
            let job = LoadJob(lake: lake, schemas: try options.readingSchemas(of: lake), conninfo: try connection.conninfo(),
                              dimensions: try options.dimensions())
            let datasets = try selection.chosen(in: lake)
            try selection.requireMatches(in: lake, datasets: datasets, allowEmpty: load.allowEmpty)
            let plan = try connecting { try job.plan(datasets: datasets, window: selection.window) }
            if load.dryRun {
                let rows = plan.map { ($0.record.key.description, $0.state.rawValue, $0.record.rows) }
                if load.json {
                    try printJSONLine(plan.map { ["partition": $0.record.key.description, "state": $0.state.rawValue, "rows": String($0.record.rows)] })
                } else {
                    for (key, state, n) in rows { print("\(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(key) (\(n) rows)") }
                    let count = { (s: PartitionState) in plan.filter { $0.state == s }.count }
                    print("plan: \(count(.new)) new, \(count(.changed)) changed, \(count(.unchanged)) unchanged; nothing was loaded")
                }
                return
            }
            // Unchanged partitions are passed too: each is checked again under its lock, so
            // a partition another loader is loading right now is never skipped on stale news.
            let todo = plan.sorted { ($0.state == .unchanged ? 1 : 0, $0.record.dt) < ($1.state == .unchanged ? 1 : 0, $1.record.dt) }
            let summary = try connecting {
                try job.run(todo.map(\.record), jobs: load.jobs, progress: progressReporter(label: "loading", unit: "partitions"))
            }
            // One line per distinct cause: a table that no longer matches its schema fails every
        // partition of its dataset alike, and says so once, with the count.
        let groups = Dictionary(grouping: summary.failures) { "\($0.partition.dataset)\u{0}\($0.message)" }
        for failure in summary.failures {
            let group = groups["\(failure.partition.dataset)\u{0}\(failure.message)"]!
            if group.count == 1 {
                printError("opslake: error: \(failure)")
            } else if group.first?.partition == failure.partition {
                let dts = group.map(\.partition.dt)
                printError("opslake: error: \(failure.partition.dataset), \(group.count) partitions dt=\(dts.min()!)...\(dts.max()!): \(failure.message)")
            }
        }
            for failure in summary.dimensionFailures { printError("opslake: error: \(failure)") }
            if load.json {
                try printJSONLine(LoadSummaryJSON(summary))
            } else {
                let rate = summary.seconds > 0 ? Double(summary.rowsLoaded) / summary.seconds : 0
                print("loaded \(summary.loaded) partitions (\(summary.rowsLoaded) rows, \(humanBytes(summary.bytesRead)) of CSV), "
                      + "\(summary.unchanged) unchanged, \(summary.failures.count) failed in "
                      + String(format: "%.2f s, %.0f rows/s", summary.seconds, rate))
                for d in summary.dimensionsRebuilt { print("rebuilt dimension \(d.name): \(d.rows) rows") }
            }
            if let first = summary.failures.first {
                printError("opslake: error: \(summary.failures.count) of \(plan.count) partitions failed; the others are loaded. Fix the cause and run the load again")
                throw ExitCode(exitStatus(first.cause).rawValue)
            }
            if !summary.dimensionFailures.isEmpty { throw ExitCode(ExitStatus.tempFailure.rawValue) }
        }
    }
}
