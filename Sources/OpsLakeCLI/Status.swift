import ArgumentParser
import Foundation
import LakeCatalog
import LakeFormat
import PostgresSync

extension OpsLake {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One screen of whether the lake's jobs ran: tasks behind or failing, the last runs, size, quality, loading.",
            discussion: """
                Every task of `opslake tasks` that is behind or failed; the last run of each command with its outcome; the \
                lake's size; the last quality checks; and, when a PostgreSQL connection is configured (--dsn, --dsn-file, \
                $OPSLAKE_DSN, $OPSLAKE_DSN_FILE), the partitions not loaded yet. Exits 0 when all is well and 1 when a task \
                failed or is behind, the last quality checks failed or PostgreSQL cannot be reached, so a monitor can call \
                it; a folder that holds no lake is 66. A task counts as behind only --grace-hours after its day was due, so the hours between midnight (the \
                pull: a business day's 08:00) and the timer that catches up raise nothing. Partitions not loaded yet are \
                shown, not counted as a problem: the load job's next run takes them.

                Examples:
                  opslake status --lake /srv/lake
                  opslake status --lake /srv/lake --dsn-file /etc/opslake/dsn --json
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Hours after its day is due before a task counts as behind.") var graceHours: Int = 6
        @Flag(help: "Print the whole status as one JSON object.") var json = false

        func validate() throws {
            guard (0...168).contains(graceHours) else { throw ValidationError("--grace-hours must be 0 to 168") }
        }

        func run() throws {
            try guarded {
                // A monitor pointed at the wrong folder must hear so, not "ok".
                guard let lake = try options.existingLake() else { throw LakeMissingError(root: options.lake) }
                var status = try LakeStatus.read(lake: options.lake, config: configOptions.config, graceHours: graceHours)
                if connection.isConfigured {
                    var pg = LakeStatus.PostgresState()
                    do {
                        let job = LoadJob(lake: lake, schemas: try options.readingSchemas(of: lake), conninfo: try connection.conninfo())
                        for p in try connecting({ try job.plan(datasets: Set(try lake.catalog.datasets().map(\.name)), window: nil) }) {
                            switch p.state {
                            case .new: pg.missing += 1
                            case .changed: pg.changed += 1
                            case .unchanged: pg.loaded += 1
                            }
                        }
                    } catch let e as InputError {
                        pg.error = e.message
                        status.problems.append("PostgreSQL: \(e.message)")
                    }
                    status.postgres = pg
                }
                if json {
                    try printJSON(status)
                } else {
                    report(status)
                }
                if !status.problems.isEmpty { throw ExitCode(1) }
            }
        }

        func report(_ s: LakeStatus) {
            print("lake \(s.lake): \(s.size.datasets) datasets, \(s.size.partitions) partitions, \(s.size.rows) rows, "
                  + "\(humanBytes(s.size.bytes)) stored (\(humanBytes(s.size.uncompressedBytes)) raw)")
            var byDomain: [String: (tasks: Int, ok: Int)] = [:]
            for t in s.tasks {
                byDomain[t.domain, default: (0, 0)].tasks += t.state == "not set up" ? 0 : 1
                byDomain[t.domain]!.ok += t.needsAttention || t.state == "not set up" ? 0 : 1
            }
            print("tasks: " + byDomain.keys.sorted().map { d in
                byDomain[d]!.tasks == 0 ? "\(d) not set up" : "\(d) \(byDomain[d]!.ok) of \(byDomain[d]!.tasks) up to date"
            }.joined(separator: "; "))
            let attention = s.tasks.filter(\.needsAttention)
            if !attention.isEmpty {
                var table = [["task", "cursor", "due", "last run started", "ended", "outcome", "rows", "state"]]
                for t in attention {
                    table.append([t.task, t.cursor ?? "-", t.due, t.lastStarted ?? "-", t.lastEnded ?? "-", t.outcome ?? "-",
                                  t.rows.map(String.init) ?? "-", t.state + (t.error.map { ": " + $0 } ?? "")])
                }
                printTable(table)
            }
            if !s.commands.isEmpty {
                print("last runs:")
                var table = [["command", "run", "outcome", "started", "seconds", "rows", "runs ok/failed"]]
                for c in s.commands {
                    let outcome = c.last.isInterrupted ? "interrupted" : c.last.status
                    table.append([c.command, "\(c.last.id)", outcome + (c.last.error.map { ": " + $0 } ?? ""), c.last.startedAt,
                                  c.last.seconds.map { String(format: "%.1f", $0) } ?? "-", "\(c.last.rows)", "\(c.succeeded)/\(c.failed)"])
                }
                printTable(table)
            }
            if let q = s.quality {
                let failed = q.results.filter { !$0.passed }
                print("quality (run \(q.run), \(q.checkedAt)): \(q.results.count - failed.count) of \(q.results.count) checks passed"
                      + failed.map { "; \($0.check) failed for \($0.failures) of \($0.checked)" }.joined())
            }
            if let pg = s.postgres {
                if let e = pg.error {
                    print("PostgreSQL: cannot tell what is loaded: \(e)")
                } else {
                    print("PostgreSQL: \(pg.loaded) partitions loaded, \(pg.missing + pg.changed) not yet (\(pg.missing) new, \(pg.changed) changed)")
                }
            }
            print(s.problems.isEmpty ? "status: ok" : "status: \(s.problems.count) to look at:\n" + s.problems.map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The lake's run history, newest first: each run's command, outcome, window, figures and tasks.",
            discussion: """
                Every command that writes the lake records a run in its catalogue (`generate`, `run`, `billiards pull`, \
                `billiards dwd`, `ingest`, `ship unpack`, …). A run still marked running whose process is gone shows as \
                interrupted. With --json each run carries its tasks (the pull's per endpoint and store: requests, retries, \
                pages, records, bytes, windows, cursor, error).

                Examples:
                  opslake runs --lake /srv/lake
                  opslake runs --lake /srv/lake --last 5 --json
                """
        )

        @OptionGroup var options: LakeOptions
        @Option(help: "How many runs to show.") var last: Int = 20
        @Flag(help: "Print a JSON array of runs, each with its tasks.") var json = false

        func validate() throws {
            guard last >= 1 else { throw ValidationError("--last must be 1 or more") }
        }

        struct Entry: Encodable {
            var run: RunRecord
            var tasks: [Task]
        }

        /// A task of a run (`RunTask`), as JSON.
        struct Task: Encodable {
            var task: String
            var requests: Int, retries: Int, pages: Int, records: Int, windows: Int
            var bytes: Int64
            var cursor: String?
            var seconds: Double
            var error: String?
            init(_ t: RunTask) {
                (task, requests, retries, pages, records, windows, bytes) = (t.task, t.requests, t.retries, t.pages, t.records, t.windows, t.bytes)
                (cursor, seconds, error) = (t.cursor?.description, t.seconds, t.error)
            }
        }

        func run() throws {
            try guarded {
                let lake = try Lake(root: options.lake)
                let runs = try lake.catalog.runs(limit: last)
                if json {
                    try printJSON(try runs.map { Entry(run: $0, tasks: try lake.catalog.runTasks($0.id).map(Task.init)) })
                    return
                }
                var table = [["run", "command", "outcome", "started", "seconds", "window", "partitions", "rows", "arguments / error"]]
                for r in runs {
                    let tasks = try lake.catalog.runTasks(r.id)
                    let failed = tasks.filter { $0.error != nil }.count
                    let outcome = (r.isInterrupted ? "interrupted" : r.status) + (tasks.isEmpty ? "" : " (\(tasks.count - failed) of \(tasks.count) tasks)")
                    let window = r.windowFrom.map { from in from + (r.windowTo.map { $0 == from ? "" : "..." + $0 } ?? "") } ?? "-"
                    table.append(["\(r.id)", r.command, outcome, r.startedAt, r.seconds.map { String(format: "%.1f", $0) } ?? "-", window,
                                  "\(r.partitions)", "\(r.rows)", r.error ?? r.arguments])
                }
                printTable(table)
            }
        }
    }
}

extension ConnectionOptions {
    /// True when a connection is named (a flag, or $OPSLAKE_DSN / $OPSLAKE_DSN_FILE).
    var isConfigured: Bool {
        let env = ProcessInfo.processInfo.environment
        return dsn != nil || dsnFile != nil || !(env["OPSLAKE_DSN"] ?? "").isEmpty || !(env["OPSLAKE_DSN_FILE"] ?? "").isEmpty
    }
}
