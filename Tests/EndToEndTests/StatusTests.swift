import Testing
import Foundation
import LakeFormat
import TestSupport

/// `opslake status`, `runs` and `metrics` over a pet-shop lake whose tasks are made
/// to fall behind and to fail, then caught up; promtool (from Debian's prometheus
/// package, which `install-deps.sh --python` extracts into .tools/) reads the metrics.
@Suite("opslake status, runs and metrics")
struct StatusTests {
    static let promtool = repositoryRoot + "/.tools/promtool"

    /// `opslake status --grace-hours 0` on `lake` with "today" fixed.
    func status(_ lake: String, today: String, json: Bool = false) throws -> ProcessResult {
        try opslake(["status", "--lake", lake, "--grace-hours", "0"] + (json ? ["--json"] : []), environment: ["OPSLAKE_TODAY": today])
    }

    /// The metrics file for `lake` as of `today`, after promtool has checked it.
    func metrics(_ lake: String, today: String, into file: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try opslake(["metrics", "--lake", lake, "--grace-hours", "0", "--out", file], environment: ["OPSLAKE_TODAY": today])
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.isEmpty, "\(r.stderr)", sourceLocation: sourceLocation)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o644, sourceLocation: sourceLocation)
        // `make test` (OPSLAKE_PYTHON set) extracts promtool with the other interop tools: required there.
        if python != nil || requiredByCI || FileManager.default.isExecutableFile(atPath: Self.promtool) {
            let check = try runProcess("/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", Self.promtool, file])
            #expect(check.status == 0, "promtool check metrics: \(check.stdout) \(check.stderr)", sourceLocation: sourceLocation)
        }
        return try String(contentsOfFile: file, encoding: .utf8)
    }

    @Test("status is 0 when every task is up to date, 1 when one is left behind or its run dies, and 0 again after a catch-up run; runs and metrics follow")
    func statusFollowsTheTasks() throws {
        let dir = TemporaryDirectory("status")
        defer { dir.remove() }
        let lake = dir.path + "/lake", prom = dir.path + "/opslake.prom"
        let day = "2025-03-10", later = "2025-03-12"
        #expect(try opslake(["init", "--lake", lake, "--opened", "2025-03-01", "--scale", "0.1"], environment: ["OPSLAKE_TODAY": day]).status == 0)
        let fresh = try status(lake, today: day)
        #expect(fresh.status == 1 && fresh.stdout.contains("petshop.daily is never run"), "\(fresh.stdout)")
        #expect(try opslake(["run", "--lake", lake], environment: ["OPSLAKE_TODAY": day]).status == 0)

        let ok = try status(lake, today: day)
        #expect(ok.status == 0 && ok.stdout.hasSuffix("status: ok\n") && ok.stdout.contains("petshop 2 of 2 up to date"), "\(ok.stdout)")
        #expect(ok.stdout.contains("tasks: billiards_ods not set up; petshop 2 of 2 up to date\n"), "\(ok.stdout)")
        var text = try metrics(lake, today: day, into: prom)
        #expect(text.contains("opslake_status_problems{lake=\"\(lake)\"} 0\n"))
        #expect(text.contains("opslake_runs_total{lake=\"\(lake)\",command=\"run\",outcome=\"succeeded\"} 2\n"), "\(text)")

        // Two days on, nothing has run: both tasks are behind, and say so.
        let behind = try status(lake, today: later)
        #expect(behind.status == 1, "\(behind.stdout)")
        #expect(behind.stdout.contains("petshop.daily is 2 days behind (cursor 2025-03-09, due 2025-03-11)"), "\(behind.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(try status(lake, today: later, json: true).stdout.utf8)) as? [String: Any]
        let tasks = json?["tasks"] as? [[String: Any]] ?? []
        #expect(tasks.first { $0["task"] as? String == "petshop.daily" }?["behind"] as? Int == 2)
        #expect((json?["problems"] as? [String])?.count == 2)
        text = try metrics(lake, today: later, into: prom)
        #expect(text.contains("opslake_task_lag_seconds{lake=\"\(lake)\",domain=\"petshop\",task=\"petshop.daily\"} 172800\n"), "\(text)")
        #expect(text.contains("opslake_status_problems{lake=\"\(lake)\"} 2\n"))

        // The catch-up run dies mid-commit: its task shows the failure.
        let killed = try opslake(["run", "--lake", lake], environment: ["OPSLAKE_TODAY": later, "OPSLAKE_FAULT": "after-journal"])
        #expect(killed.signaled && killed.status == SIGKILL, "\(killed.stderr)")
        let failed = try status(lake, today: later)
        #expect(failed.status == 1 && failed.stdout.contains("petshop.daily failed: interrupted"), "\(failed.stdout)")
        let history = try opslake("runs", "--lake", lake)
        #expect(history.status == 0 && history.stdout.split(separator: "\n")[1].contains("interrupted"), "\(history.stdout)")
        // The task's own last run: when it started, how it ended.
        let killedJSON = try JSONSerialization.jsonObject(with: Data(try status(lake, today: later, json: true).stdout.utf8)) as? [String: Any]
        let daily = (killedJSON?["tasks"] as? [[String: Any]] ?? []).first { $0["task"] as? String == "petshop.daily" }
        #expect(daily?["outcome"] as? String == "interrupted" && daily?["lastStarted"] is String && daily?["lastEnded"] == nil
                && daily?["lastSuccess"] is String, "\(daily ?? [:])")
        // A monitor's "time since the last success" keeps its sample while the task fails.
        let whileFailing = try metrics(lake, today: later, into: prom)
        #expect(whileFailing.contains("opslake_task_last_success_timestamp_seconds{lake=\"\(lake)\",domain=\"petshop\",task=\"petshop.daily\"} ")
                && !whileFailing.contains("opslake_task_last_run_end_timestamp_seconds{lake=\"\(lake)\",domain=\"petshop\",task=\"petshop.daily\"} "),
                "\(whileFailing)")

        // Caught up: all well again, and the history has every run, newest first.
        #expect(try opslake(["run", "--lake", lake], environment: ["OPSLAKE_TODAY": later]).status == 0)
        let again = try status(lake, today: later)
        #expect(again.status == 0 && again.stdout.hasSuffix("status: ok\n"), "\(again.stdout)")
        text = try metrics(lake, today: later, into: prom)
        #expect(text.contains("opslake_status_problems{lake=\"\(lake)\"} 0\n"))
        #expect(text.contains("opslake_last_run_failed{lake=\"\(lake)\",command=\"run\"} 0\n"))
        for family in ["opslake_task_last_success_timestamp_seconds", "opslake_task_last_run_end_timestamp_seconds", "opslake_task_last_run_rows"] {
            #expect(text.contains("\(family){lake=\"\(lake)\",domain=\"petshop\",task=\"petshop.daily\"} "), "\(family): \(text)")
        }
        let runs = try JSONSerialization.jsonObject(with: Data(try opslake("runs", "--lake", lake, "--json").stdout.utf8)) as? [[String: Any]] ?? []
        let commands = runs.compactMap { ($0["run"] as? [String: Any])?["command"] as? String }
        let outcomes = runs.compactMap { ($0["run"] as? [String: Any])?["status"] as? String }
        #expect(commands.first == "run" && commands.last == "init" && outcomes.contains("failed"), "\(commands) \(outcomes)")
        #expect(runs.allSatisfy { $0["tasks"] is [Any] }, "\(runs)")
        // --last N: the N newest, the same as the head of the whole history.
        let lastTwo = try JSONSerialization.jsonObject(with: Data(try opslake("runs", "--lake", lake, "--json", "--last", "2").stdout.utf8)) as? [[String: Any]] ?? []
        #expect(lastTwo.count == 2 && lastTwo.compactMap { ($0["run"] as? [String: Any])?["id"] as? Int }
                == runs.prefix(2).compactMap { ($0["run"] as? [String: Any])?["id"] as? Int })
        let lastText = try opslake("runs", "--lake", lake, "--last", "1")
        #expect(lastText.status == 0 && lastText.stdout.split(separator: "\n").count == 2, "\(lastText.stdout)")
        let caughtUp = (try JSONSerialization.jsonObject(with: Data(try status(lake, today: later, json: true).stdout.utf8)) as? [String: Any])?["tasks"]
        let dailyNow = (caughtUp as? [[String: Any]] ?? []).first { $0["task"] as? String == "petshop.daily" }
        #expect(dailyNow?["outcome"] as? String == "succeeded" && (dailyNow?["rows"] as? Int ?? 0) > 0, "\(dailyNow ?? [:])")
    }

    @Test("a lake that does not exist, or a bad flag, is one line and a sysexits code")
    func badInput() throws {
        let dir = TemporaryDirectory("status-bad")
        defer { dir.remove() }
        let runs = try opslake("runs", "--lake", dir.path + "/none")
        #expect(runs.status == 66 && runs.stderr.split(separator: "\n").count == 1, "\(runs.stderr)")
        // A monitor pointed at a folder with no lake hears so (66), not "ok".
        for command in ["status", "metrics"] {
            let missing = try opslake(command, "--lake", dir.path + "/none")
            #expect(missing.status == 66 && missing.stderr.contains("no lake at") && missing.stderr.split(separator: "\n").count == 1,
                    "\(command): \(missing.status) \(missing.stderr)")
        }
        let grace = try opslake("status", "--lake", dir.path, "--grace-hours", "-1")
        #expect(grace.status == 64 && grace.stderr.split(separator: "\n").count == 1, "\(grace.stderr)")
        #expect(try opslake("init", "--lake", dir.path + "/lake", "--opened", "2025-03-01", "--scale", "0.1").status == 0)
        let out = try opslake("metrics", "--lake", dir.path + "/lake", "--out", dir.path + "/no/such/folder/m.prom")
        #expect(out.status == 73 && out.stderr.contains("cannot write"), "\(out.stderr)")
    }
}
