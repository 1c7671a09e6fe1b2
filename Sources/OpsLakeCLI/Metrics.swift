import ArgumentParser
import Foundation
import LakeCatalog
import LakeFormat

extension OpsLake {
    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the lake's figures in Prometheus text format, for node_exporter's textfile collector.",
            discussion: """
                Runs per command and outcome, the last run's start, duration, rows, bytes and outcome, the last success, \
                every task's cursor, lag and failure, the lake's size, the quality checks and the count of problems \
                `opslake status` reports, PostgreSQL aside (docs/deployment.md lists every metric). The file is replaced whole (written \
                beside it, fsynced, renamed), so the collector never reads half of it, and is readable by all (0644). The systemd units run it after each \
                scheduled job (ExecStopPost=), whatever the job's outcome.

                Examples:
                  opslake metrics --lake /srv/lake --out /var/lib/prometheus/node-exporter/opslake.prom
                  opslake metrics --lake lake
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "The file to write (name it *.prom for the collector); - for stdout.") var out: String = "-"
        @Option(help: "Hours after its day is due before a task counts as behind (as in `opslake status`).") var graceHours: Int = 6

        func validate() throws {
            guard (0...168).contains(graceHours) else { throw ValidationError("--grace-hours must be 0 to 168") }
        }

        func run() throws {
            try guarded {
                guard try options.existingLake() != nil else { throw LakeMissingError(root: options.lake) }
                let status = try LakeStatus.read(lake: options.lake, config: configOptions.config, graceHours: graceHours)
                let text = PrometheusText.render(status, lake: options.lake, at: Int64(Date().timeIntervalSince1970))
                if out == "-" {
                    print(text, terminator: "")
                } else {
                    do { try FileIO.writeAtomically(out, Array(text.utf8), mode: 0o644) } catch {
                        throw InputError(.cannotCreate, "cannot write \(out): \(error); check the folder exists and is writable")
                    }
                }
            }
        }
    }
}

/// The Prometheus text exposition format (version 0.0.4) of a `LakeStatus`. Written by
/// hand: it is a dozen families of plain lines, and swift-prometheus would add a
/// registry, a dependency and build time for what `render` does in one pass.
enum PrometheusText {
    static func render(_ s: LakeStatus, lake: String, at now: Int64) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = ([("lake", lake)] + sample.labels).map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
                out += "\(name){\(labels)} \(sample.value)\n"
            }
        }
        func seconds(_ utc: String?) -> String? { catalogueSeconds(utc).map { "\($0)" } }

        family("opslake_lake_datasets", "gauge", "Datasets in the lake's catalogue.", [([], "\(s.size.datasets)")])
        family("opslake_lake_partitions", "gauge", "Partitions in the lake's catalogue.", [([], "\(s.size.partitions)")])
        family("opslake_lake_rows", "gauge", "Rows in the lake's partitions.", [([], "\(s.size.rows)")])
        family("opslake_lake_stored_bytes", "gauge", "Bytes of the lake's files as stored (compressed).", [([], "\(s.size.bytes)")])
        family("opslake_lake_raw_bytes", "gauge", "Bytes of the lake's files uncompressed.", [([], "\(s.size.uncompressedBytes)")])

        family("opslake_runs_total", "counter", "Runs recorded in the catalogue, by command and outcome.", s.commands.flatMap { c in
            [([("command", c.command), ("outcome", "succeeded")], "\(c.succeeded)"), ([("command", c.command), ("outcome", "failed")], "\(c.failed)")]
        })
        family("opslake_run_in_progress", "gauge", "1 while a run of each command is in progress, else 0.",
               s.commands.map { ([("command", $0.command)], $0.last.status == "running" && !$0.last.isInterrupted ? "1" : "0") })
        // The last finished run's figures: a run in progress has none yet.
        let finished = s.commands.compactMap { c in c.lastFinished.map { (c.command, $0) } }
        family("opslake_last_run_start_timestamp_seconds", "gauge", "When the last finished run of each command started (Unix time).",
               finished.compactMap { c, r in seconds(r.startedAt).map { ([("command", c)], $0) } })
        family("opslake_last_run_duration_seconds", "gauge", "How long the last finished run of each command took.",
               finished.compactMap { c, r in r.seconds.map { ([("command", c)], String(format: "%.3f", $0)) } })
        family("opslake_last_run_rows", "gauge", "Rows the last finished run of each command wrote.", finished.map { ([("command", $0.0)], "\($0.1.rows)") })
        family("opslake_last_run_bytes", "gauge", "Bytes the last finished run of each command received (the pull) or wrote.",
               finished.map { ([("command", $0.0)], "\($0.1.bytes)") })
        family("opslake_last_run_failed", "gauge", "1 when the last finished run of each command failed, or its last run was interrupted, else 0.",
               s.commands.map { c in ([("command", c.command)], c.last.isInterrupted || c.lastFinished?.status == "failed" ? "1" : "0") })
        family("opslake_last_success_timestamp_seconds", "gauge", "When the last successful run of each command ended (Unix time).",
               s.commands.compactMap { c in seconds(c.lastSuccess).map { ([("command", c.command)], $0) } })

        let tasks = s.tasks.filter { $0.state != "not set up" }
        family("opslake_task_cursor_timestamp_seconds", "gauge", "The start (00:00 UTC) of the last day each task has committed.",
               tasks.compactMap { t in t.cursor.flatMap(LakeDate.init).map { ([("domain", t.domain), ("task", t.task)], "\(Int64($0.daysSinceEpoch) * 86_400)") } })
        family("opslake_task_lag_seconds", "gauge", "How far each task's cursor is behind the day due, in seconds (whole days).",
               tasks.filter { $0.cursor != nil || $0.domain == "billiards" }.map { ([("domain", $0.domain), ("task", $0.task)], "\($0.behind * 86_400)") })
        family("opslake_task_never_run", "gauge", "1 for a task that is set up and has never completed a day, else 0.",
               tasks.map { ([("domain", $0.domain), ("task", $0.task)], $0.state == "never run" ? "1" : "0") })
        family("opslake_task_failed", "gauge", "1 when each task's last run failed, else 0.",
               tasks.map { ([("domain", $0.domain), ("task", $0.task)], $0.failed ? "1" : "0") })
        family("opslake_task_last_run_end_timestamp_seconds", "gauge", "When each task's last run ended (Unix time; absent while it runs).",
               tasks.compactMap { t in seconds(t.lastEnded).map { ([("domain", t.domain), ("task", t.task)], $0) } })
        family("opslake_task_last_success_timestamp_seconds", "gauge", "When each task's last successful run ended (Unix time).",
               tasks.compactMap { t in seconds(t.lastSuccess).map { ([("domain", t.domain), ("task", t.task)], $0) } })
        family("opslake_task_last_run_rows", "gauge", "Rows each task's last run wrote (the pull's: records received).",
               tasks.compactMap { t in t.rows.map { ([("domain", t.domain), ("task", t.task)], "\($0)") } })

        let checks = s.quality?.results ?? []
        family("opslake_quality_check_passed", "gauge", "1 when each quality check passed in the last checks, else 0.",
               checks.map { ([("check", $0.check)], $0.passed ? "1" : "0") })
        family("opslake_quality_check_failures", "gauge", "Keys each quality check found wrong in the last checks.",
               checks.map { ([("check", $0.check)], "\($0.failures)") })

        family("opslake_status_problems", "gauge", "Things `opslake status` reports to look at, PostgreSQL aside (0 when all is well).",
               [([], "\(s.problems.count)")])
        family("opslake_metrics_timestamp_seconds", "gauge", "When this file was written (Unix time).", [([], "\(now)")])
        return out
    }

    /// A label value: backslash, double quote and line feed escaped.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
