import Testing
import Foundation
import LakeFormat
import LakeCatalog
import PostgresSync
import TableSchema
import TestSupport

private let postgres = ProcessInfo.processInfo.environment["OPSLAKE_TEST_POSTGRES"] == "1" || requiredByCI

/// A database of its own for one test, on the server the test command starts.
private final class TestDatabase: Sendable {
    let name: String
    var dsn: String { "dbname=\(name)" }

    init(_ label: String) throws {
        name = "opslake_\(label)_\(getpid())"
        let admin = try PostgresConnection()
        try admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
        try admin.execute("CREATE DATABASE \(quoteIdentifier(name))")
    }

    func connect() throws -> PostgresConnection { try PostgresConnection(conninfo: dsn) }

    func drop() {
        try? PostgresConnection().execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
    }
}

/// A small pet-shop lake: two weeks at a third of the default volume.
private func makeLake(_ dir: TemporaryDirectory, seed: String = "1") throws -> String {
    try TestLake(dir.path + "/lake", opened: "2025-03-01", seed: seed, scale: "0.3").generate(from: "2025-03-01", to: "2025-03-14", jobs: 2).path
}

/// `opslake report` with a connection shows, per dataset, what `load status` says, and
/// that is exactly the partitions of the days `loaded`.
private func expectReportAgrees(lake: String, _ db: TestDatabase, loaded: ClosedRange<String>, in dir: TemporaryDirectory,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try runProcess(opslakeBinary, ["report", "--lake", lake, "--out", dir.path + "/pg.html", "--domain", "lake", "--dsn", db.dsn, "--json"])
    #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
    let figures = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    let shown = try #require(figures["postgres"] as? [[String: Any]], sourceLocation: sourceLocation)
    let status = try runProcess(opslakeBinary, ["load", "status", "--lake", lake, "--dsn", db.dsn, "--json"])
    let said = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]], sourceLocation: sourceLocation)
    func line(_ d: [String: Any], _ keys: [String]) -> String { keys.map { "\(d[$0] ?? "-")" }.joined(separator: " ") }
    #expect(shown.map { line($0, ["dataset", "partitions", "loaded", "changed", "missing", "rows", "loadedRows"]) }
            == said.map { line($0, ["dataset", "partitions", "loaded", "changed", "missing", "catalogue_rows", "loaded_rows"]) },
            sourceLocation: sourceLocation)
    let catalogue = try Lake(root: lake).catalog.partitions()
    for d in shown {
        let name = d["dataset"] as? String ?? ""
        let days = catalogue.filter { $0.dataset.description == name }.map(\.dt)
        #expect(d["loaded"] as? Int == days.filter(loaded.contains).count && d["changed"] as? Int == 0, "\(name)", sourceLocation: sourceLocation)
    }
    let page = try String(contentsOfFile: dir.path + "/pg.html", encoding: .utf8)
    #expect(page.contains("<h3>PostgreSQL</h3>") && !page.contains("台球馆"), sourceLocation: sourceLocation)
    // The page with its PostgreSQL chart passes the same checks as any report: the lake's
    // figures, every chart titled with both axes labelled, the validator, Chromium offline.
    if let py = python {
        try r.stdout.write(toFile: dir.path + "/pg.json", atomically: true, encoding: .utf8)
        let check = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_report.py", lake, dir.path + "/pg.json", dir.path + "/pg.html", dir.path])
        #expect(check.status == 0 && check.stdout.contains("ok    charts drawn: 3 SVGs"), "\(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
    }
}

/// Every catalogued partition's rows are in PostgreSQL exactly once, and the ledger
/// holds each partition's content hash.
private func expectExact(lake: String, _ db: TestDatabase, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let catalog = try Lake(root: lake).catalog
    let pg = try db.connect()
    let ledger = try Ledger.rows(pg)
    // A dataset registered but never written (another domain's) has nothing to load.
    for dataset in try catalog.datasets() where try !catalog.partitions(of: dataset.name).isEmpty {
        let table = "\(quoteIdentifier(dataset.name.schema)).\(quoteIdentifier(dataset.name.table))"
        var counts: [String: Int] = [:]
        for r in try pg.query("SELECT dt::text, count(*) FROM \(table) GROUP BY dt") { counts[r[0]!] = Int(r[1]!)! }
        for p in try catalog.partitions(of: dataset.name) {
            #expect(counts[p.dt, default: 0] == p.rows, "\(p.key): \(counts[p.dt, default: 0]) rows in PostgreSQL, \(p.rows) in the catalogue",
                    sourceLocation: sourceLocation)
            #expect(try ledger[p.key]?.sha256 == Ledger.fingerprint(p), "\(p.key): ledger", sourceLocation: sourceLocation)
            counts[p.dt] = nil
        }
        #expect(counts.isEmpty, "\(dataset.name) has rows for days the catalogue does not hold: \(counts.keys.sorted())",
                sourceLocation: sourceLocation)
    }
}

/// Whatever state a killed load left: for every dataset of the lake, each day's rows
/// in its table are exactly what the ledger says (a partition is all there with its
/// ledger row, or not changed at all; no rows without a ledger row). Returns the ledger.
@discardableResult
private func expectLedgerAgrees(lake: String, _ db: TestDatabase, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [PartitionKey: (sha256: String, rows: Int)] {
    let pg = try db.connect()
    // One snapshot for the ledger and the tables: a killed load's last COMMIT may still
    // land while this reads.
    try pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    defer { try? pg.execute("COMMIT") }
    let ledger = try Ledger.rows(pg)
    for dataset in try Lake(root: lake).catalog.datasets().map(\.name) {
        let table = "\(quoteIdentifier(dataset.schema)).\(quoteIdentifier(dataset.table))"
        var counts: [String: Int] = [:]
        if try pg.query("SELECT to_regclass($1) IS NOT NULL", [table]) == [["t"]] {
            for r in try pg.query("SELECT dt::text, count(*) FROM \(table) GROUP BY dt") { counts[r[0]!] = Int(r[1]!)! }
        }
        for (key, held) in ledger where key.dataset == dataset {
            #expect(counts[key.dt.description, default: 0] == held.rows,
                    "\(key): the ledger says \(held.rows) rows, the table holds \(counts[key.dt.description, default: 0])", sourceLocation: sourceLocation)
            counts[key.dt.description] = nil
        }
        #expect(counts.isEmpty, "\(dataset) has rows the ledger does not record, for \(counts.keys.sorted())", sourceLocation: sourceLocation)
    }
    return ledger
}

/// The partition a fault point's line on stderr names: `… reached (petshop.orders dt=2025-03-01)`.
private func faultPartition(_ stderr: String) -> String? {
    guard let range = stderr.range(of: #"reached \([^)]*\)"#, options: .regularExpression) else { return nil }
    return String(stderr[range].dropFirst("reached (".count).dropLast())
}

private func load(_ lake: String, _ db: TestDatabase, _ extra: String..., environment: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", db.dsn] + extra, environment: environment)
}

@Suite(.enabled(if: postgres, "needs the PostgreSQL server that `make test` starts"))
struct LoadTests {
    @Test("the analyst's starter pack: each query of docs/analyst-queries.md gives the same answer in DuckDB over the lake and in PostgreSQL after load, and a lake that moved on is caught")
    func analystQueries() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set (make test sets it)")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try TestDatabase("analyst")
        defer { db.drop() }
        // Three months, so the cohorts have months to retain.
        let lake = try TestLake(dir.path + "/lake", opened: "2025-03-01", seed: "4", scale: "0.3")
            .generate(from: "2025-03-01", to: "2025-05-31", jobs: 2).path
        #expect(try load(lake, db).status == 0)
        // The relationships are in the columns' comments, where BI tools show them.
        let comment = try db.connect().query("SELECT col_description('petshop.orders'::regclass, attnum) FROM pg_attribute WHERE attrelid = 'petshop.orders'::regclass AND attname = 'customer_id'")
        #expect(comment.first?.first??.contains("References petshop.customers (customer_id)") == true, "\(comment)")
        let script = repositoryRoot + "/Tests/Interop/check_analyst_queries.py"
        let both = try runProcess(py, [script, lake, db.name])
        #expect(both.status == 0, "\(both.stdout)\(both.stderr)")
        #expect(both.stdout.split(separator: "\n").count >= 6 && both.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix("the same in PostgreSQL") },
                "\(both.stdout)")
        // A day of orders regenerated under another seed in the lake and not loaded: the engines now disagree.
        #expect(try opslake("generate", "--lake", lake, "--date", "2025-04-02", "--datasets", "petshop.orders", "--seed", "9").status == 0)
        let moved = try runProcess(py, [script, lake, db.name])
        #expect(moved.status == 1 && moved.stdout.contains("PostgreSQL and DuckDB differ"), "\(moved.stdout)\(moved.stderr)")
    }

    @Test("loading twice loads nothing the second time; a day regenerated with another seed replaces only that day")
    func idempotence() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try TestDatabase("idem")
        defer { db.drop() }
        let lake = try makeLake(dir)
        let partitions = try Lake(root: lake).catalog.partitions().count

        let dry = try load(lake, db, "--dry-run")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("plan: \(partitions) new, 0 changed, 0 unchanged"), "\(dry.stdout)")
        #expect(try db.connect().query("SELECT to_regnamespace('opslake') IS NULL") == [["t"]], "a dry run creates nothing")

        // `opslake status` with a connection says what is not loaded yet (not a problem: the
        // load job takes it); a server it cannot reach is one. (The lake's generated days
        // came from `generate`, not `run`, so its tasks are a problem of their own.)
        func postgresStatus(_ dsn: String) throws -> (problems: [String], postgres: [String: Any]) {
            let r = try runProcess(opslakeBinary, ["status", "--lake", lake, "--dsn", dsn, "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let problems = json?["problems"] as? [String] ?? []
            #expect(r.status == (problems.isEmpty ? 0 : 1))
            return (problems.filter { $0.hasPrefix("PostgreSQL") }, json?["postgres"] as? [String: Any] ?? [:])
        }
        let waiting = try postgresStatus(db.dsn)
        #expect(waiting.problems.isEmpty && waiting.postgres["missing"] as? Int == partitions && waiting.postgres["loaded"] as? Int == 0,
                "\(waiting)")
        let unreachable = try postgresStatus("host=127.0.0.1 port=1 connect_timeout=2")
        #expect(unreachable.problems.count == 1 && (unreachable.postgres["error"] as? String)?.contains("check host and port") == true,
                "\(unreachable)")

        let first = try load(lake, db, "--jobs", "2", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"loaded\":\(partitions)"), "\(first.stdout)")
        try expectExact(lake: lake, db)
        let loaded = try postgresStatus(db.dsn)
        #expect(loaded.problems.isEmpty && loaded.postgres["missing"] as? Int == 0 && loaded.postgres["loaded"] as? Int == partitions,
                "\(loaded)")

        let second = try load(lake, db, "--json")
        #expect(second.status == 0)
        #expect(second.stdout.contains("\"loaded\":0") && second.stdout.contains("\"unchanged\":\(partitions)"), "\(second.stdout)")
        try expectExact(lake: lake, db)

        // Another seed for one day: that day's partitions (and the weekly catalogue and
        // monthly campaigns it brings along, where their content changed) load again.
        let before = try Lake(root: lake).catalog.partitions()
        #expect(try opslake("generate", "--lake", lake, "--date", "2025-03-05", "--seed", "99").status == 0)
        let after = try Lake(root: lake).catalog.partitions()
        let changed = Set(try after.filter { p in try before.first { $0.key == p.key }.map { try Ledger.fingerprint($0) != Ledger.fingerprint(p) } ?? true }.map(\.key))
        #expect(changed.contains { $0.dt == LakeDate(year: 2025, month: 3, day: 5) })
        #expect(changed.allSatisfy { $0.dt == LakeDate(year: 2025, month: 3, day: 5) || $0.dataset.table == "products" || $0.dataset.table == "campaigns" })
        let third = try load(lake, db, "--json")
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("\"loaded\":\(changed.count),"), "\(third.stdout) for \(changed.sorted { $0.description < $1.description })")
        try expectExact(lake: lake, db)

        let status = try runProcess(opslakeBinary, ["load", "status", "--lake", lake, "--dsn", db.dsn, "--json"],
                                    )
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"missing\" : 0") && status.stdout.contains("\"changed\" : 0"), "\(status.stdout)")
    }

    @Test("the billiards ODS, DWD, SCD2 histories and DWS load like the rest: lake and PostgreSQL agree row for row, a second load loads nothing, the histories are the same whatever order the days were loaded in")
    func billiards() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        #expect(try opslake("billiards", "archive", "--out", dir.path + "/a", "--from", "2026-01-01", "--to", "2026-01-06", "--stores", "2").status == 0)
        #expect(try opslake("billiards", "replay", "--archive", dir.path + "/a", "--lake", lake).status == 0)
        let built = try opslake("billiards", "dwd", "--lake", lake)
        #expect(built.status == 0, "\(built.stderr)")
        let dbs = [try TestDatabase("billiards_a"), try TestDatabase("billiards_b")]
        defer { for db in dbs { db.drop() } }

        // A: all at once. B: the days in another order, a few at a time.
        let all = try load(lake, dbs[0], "--jobs", "2", "--json")
        #expect(all.status == 0, "\(all.stderr)")
        for (i, (from, to)) in [("2026-01-05", "2026-01-07"), ("2026-01-01", "2026-01-02"), ("2026-01-03", "2026-01-04")].enumerated() {
            let part = try load(lake, dbs[1], "--from", from, "--to", to)
            #expect(part.status == 0, "\(part.stderr)")
            if i == 0 { try expectReportAgrees(lake: lake, dbs[1], loaded: "2026-01-05"..."2026-01-07", in: dir) }
        }
        for db in dbs { try expectExact(lake: lake, db) }
        let again = try load(lake, dbs[0], "--json")
        #expect(again.stdout.contains("\"loaded\":0"), "\(again.stdout)")

        // Row for row: every table's rows, as text, are the same in both databases; money sums match the lake's.
        let a = try dbs[0].connect(), b = try dbs[1].connect()
        for table in ["dwd_settlement", "dwd_payment", "dim_member_scd2", "dim_table_scd2", "dws_site_day_summary", "dws_member_day_profile"] {
            let sql = "SELECT t::text FROM billiards.\(table) t ORDER BY 1"
            let rows = try a.query(sql), other = try b.query(sql)
            #expect(!rows.isEmpty && rows == other, "billiards.\(table)")
        }
        #expect(try a.query("SELECT count(*) FROM (SELECT member_id FROM billiards.dim_member_scd2 GROUP BY member_id HAVING count(*) FILTER (WHERE is_current) <> 1) x") == [["0"]])
        #expect(try a.query("""
            SELECT count(*) FROM billiards.dim_member_scd2 x JOIN billiards.dim_member_scd2 y
              ON x.member_id = y.member_id AND y.version = x.version + 1 WHERE x.valid_to IS DISTINCT FROM y.valid_from
            """) == [["0"]])
        // The join the docs show: every settlement with a member finds the member's version in force.
        #expect(try a.query("""
            SELECT count(*) FROM billiards.dwd_settlement s
            WHERE s.member_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM billiards.dim_member_scd2 m WHERE m.member_id = s.member_id
                AND s.settled_at >= m.valid_from AND (m.valid_to IS NULL OR s.settled_at < m.valid_to))
            """) == [["0"]])
        // The lake's quality checks travel with the data.
        #expect(try a.query("SELECT check_name, passed, checked > 0 FROM opslake.quality_results ORDER BY check_name")
                == [["card_balance", "t", "t"], ["count_alignment", "t", "t"], ["referential_integrity", "t", "t"], ["settlement_consistency", "t", "t"]])
        let status = try runProcess(opslakeBinary, ["load", "status", "--lake", lake, "--dsn", dbs[1].dsn, "--json"])
        #expect(status.stdout.contains("\"dataset\" : \"billiards.dws_site_day_summary\"") && !status.stdout.contains("\"missing\" : 1"), "\(status.stdout)")
    }

    @Test("a load killed mid-COPY, before and after a partition's commit and at random moments, and its backend terminated mid-COPY: the ledger always agrees, a rerun is exact")
    func crashes() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try TestDatabase("crash")
        defer { db.drop() }
        let lake = try makeLake(dir)
        let total = try Lake(root: lake).catalog.partitions().count
        /// A load killed at `fault`, which must have fired; returns the ledger it left.
        func killed(at fault: String, jobs: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) throws -> [PartitionKey: (sha256: String, rows: Int)] {
            let r = try load(lake, db, "--jobs", "\(jobs)", environment: ["OPSLAKE_FAULT": fault])
            #expect(r.signaled && r.status == SIGKILL && r.stderr.contains("fault point \(fault) reached"),
                    "the load was not killed at \(fault): exit \(r.status), \(r.stderr)", sourceLocation: sourceLocation)
            return try expectLedgerAgrees(lake: lake, db, sourceLocation: sourceLocation)
        }

        // In the first partition's COPY: nothing reaches the tables.
        #expect(try killed(at: "after-copy-data:1").isEmpty)
        // After the fifth partition's commit: exactly five partitions are in, each whole.
        #expect(try killed(at: "after-load-commit:5").count == 5)
        // The third partition's rows and ledger row sent, its COMMIT not: two more are in, not that one.
        let r = try load(lake, db, environment: ["OPSLAKE_FAULT": "before-load-commit:3"])
        #expect(r.signaled && r.stderr.contains("fault point before-load-commit:3 reached"), "\(r.stderr)")
        let ledger = try expectLedgerAgrees(lake: lake, db)
        #expect(ledger.count == 7)
        let uncommitted = try #require(faultPartition(r.stderr))
        #expect(!ledger.keys.contains { $0.description == uncommitted }, "\(uncommitted) is in the ledger")

        // A day regenerated since: its loaded partitions are replaced, not only inserted.
        // Killed mid-COPY with two loaders at once, deep into the load.
        #expect(try opslake("generate", "--lake", lake, "--date", "2025-03-01", "--seed", "77").status == 0)
        let some = try killed(at: "after-copy-data:40", jobs: 2)
        #expect(some.count < total)

        // Every day regenerated, then killed at random moments (whatever step they hit).
        #expect(try opslake("generate", "--lake", lake, "--from", "2025-03-01", "--to", "2025-03-14", "--seed", "5", "--jobs", "2").status == 0)
        let landed = try killAtRandomMoments(attempts: 3, window: 1.0, seed: 11, run: { _ in
            try RunningOpslake(["load", "--lake", lake, "--dsn", db.dsn, "--jobs", "2"])
        }, after: { _, _ in try expectLedgerAgrees(lake: lake, db) })
        #expect(landed >= 1, "no kill landed while a load ran")

        // The backend terminated while a COPY is open (the load held there): that partition
        // fails and rolls back, the loader reconnects for the rest.
        #expect(try opslake("generate", "--lake", lake, "--from", "2025-03-10", "--to", "2025-03-11", "--seed", "6").status == 0)
        let held = try RunningOpslake(["load", "--lake", lake, "--dsn", db.dsn], environment: ["OPSLAKE_FAULT": "after-copy-data:2:pause"])
        defer { held.kill() }
        try held.waitForPause()
        // Waits until each backend is gone; one left by a load killed above may go with it.
        let terminated = try db.connect().query("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 60000)) FROM pg_stat_activity
            WHERE datname = $1 AND application_name = 'opslake load'
            """, [db.name])
        #expect(Int(terminated[0][0] ?? "") ?? 0 >= 1, "the loader's backend, in its COPY, was not terminated")
        held.resume()
        let failed = held.finish()
        #expect(failed.status == 75 && !failed.signaled, "\(failed.status): \(failed.stderr)")
        #expect(failed.stderr.contains("1 of") && failed.stderr.contains("partitions failed"), "\(failed.stderr)")
        try expectLedgerAgrees(lake: lake, db)

        let rerun = try load(lake, db)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        try expectExact(lake: lake, db)
    }

    @Test("two loads of overlapping partitions at once both finish, with exact counts")
    func concurrent() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try TestDatabase("conc")
        defer { db.drop() }
        let lake = try makeLake(dir)
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = try? load(lake, db, "--jobs", "2", "--from", i == 0 ? "2025-02-28" : "2025-03-05", "--to", i == 0 ? "2025-03-10" : "2025-03-14")
            results.add(r)
        }
        for r in results.all {
            #expect(r?.status == 0, "\(r?.stderr ?? "did not run")")
        }
        let rest = try load(lake, db)
        #expect(rest.status == 0)
        try expectExact(lake: lake, db)
    }

    @Test("a load logs each partition and its summary at info, and never the connection's password, even at trace")
    func logsWithoutSecrets() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try TestDatabase("log")
        defer { db.drop() }
        let lake = try makeLake(dir)
        let r = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", "\(db.dsn) password=s3cret-pw", "--log-level", "trace"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("msg=\"partition loaded\"") && r.stderr.contains("msg=\"load finished\""))
        #expect(!(r.stdout + r.stderr).contains("s3cret-pw"))
    }

    @Test("bad connections, privileges, a changed table and a corrupt file: one line each, a sysexits code, the rest loads")
    func errors() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try TestDatabase("err")
        defer { db.drop() }
        let lake = try makeLake(dir)
        let env: [String: String] = [:]

        let unreachable = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", "host=127.0.0.1 port=1 password=s3cret-pw connect_timeout=2"], environment: env)
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.split(separator: "\n").count == 1, "\(unreachable.stderr)")
        #expect(!(unreachable.stdout + unreachable.stderr).contains("s3cret-pw"))

        // A connection string libpq cannot use is a configuration error, an unknown role an
        // authentication one: each says so, rather than "is the server running?".
        for (dsn, status, phrase) in [("not a dsn", Int32(78), "the connection string is malformed"),
                                      ("\(db.dsn) sslmode=bogus", 78, "invalid sslmode value"),
                                      ("\(db.dsn) port=abc", 78, "invalid integer value"),
                                      ("\(db.dsn) user=opslake_nobody", 77, "role \"opslake_nobody\" does not exist")] {
            let r = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", dsn], environment: env)
            #expect(r.status == status, "\(dsn): \(r.stderr)")
            #expect(r.stderr.contains(phrase) && r.stderr.split(separator: "\n").count == 1, "\(dsn): \(r.stderr)")
        }

        let missing = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", "dbname=opslake_no_such_db"], environment: env)
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("does not exist") && missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")

        let admin = try db.connect()
        // scripts/with-postgres.sh makes this one role log in with a password.
        try admin.execute("DROP ROLE IF EXISTS opslake_password_test; CREATE ROLE opslake_password_test LOGIN PASSWORD 'right-pw-4711'")
        defer { try? admin.execute("DROP ROLE IF EXISTS opslake_password_test") }
        let refused = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", "\(db.dsn) user=opslake_password_test password=wr0ng-pw-0815"], environment: env)
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("password authentication failed"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(!(refused.stdout + refused.stderr).contains("wr0ng-pw-0815"))
        let dsnFile = dir.path + "/dsn"
        try "\(db.dsn) user=opslake_password_test password=wr0ng-pw-0815\n".write(toFile: dsnFile, atomically: true, encoding: .utf8)
        let fromFile = try runProcess(opslakeBinary, ["load", "--lake", lake], environment: env.merging(["OPSLAKE_DSN_FILE": dsnFile]) { $1 })
        #expect(fromFile.status == 77, "the connection file is read: \(fromFile.stderr)")
        #expect(!(fromFile.stdout + fromFile.stderr).contains("wr0ng-pw-0815"))

        try admin.execute("DROP ROLE IF EXISTS opslake_weak; CREATE ROLE opslake_weak LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        defer { try? admin.execute("DROP ROLE IF EXISTS opslake_weak") }
        let weak = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", "\(db.dsn) user=opslake_weak"], environment: env)
        #expect(weak.status == 77, "\(weak.stderr)")
        #expect(weak.stderr.contains("permission denied"), "\(weak.stderr)")

        // A file corrupted on disk: its partition fails and rolls back; every other loads.
        let catalog = try Lake(root: lake).catalog
        let victim = try #require(try catalog.partitions(of: DatasetName("petshop.orders")!).first { $0.dt == "2025-03-03" })
        let csv = try #require(victim.files.first { $0.format == .csv })
        let path = lake + "/" + csv.path
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let corrupt = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", db.dsn], environment: env)
        #expect(corrupt.status == 65)
        #expect(corrupt.stderr.contains("petshop.orders dt=2025-03-03"), "\(corrupt.stderr)")
        let orders = try admin.query("SELECT count(*) FROM petshop.orders WHERE dt = '2025-03-03'")
        #expect(orders == [["0"]])
        #expect(try Ledger.rows(admin)[victim.key] == nil)
        let others = try admin.query("SELECT count(DISTINCT dt) FROM petshop.orders")
        #expect(others == [["13"]])

        // A table that no longer matches its schema: its partitions fail, named; the rest loaded.
        try admin.execute("ALTER TABLE petshop.order_items DROP COLUMN category")
        _ = try opslake("generate", "--lake", lake, "--date", "2025-03-04", "--seed", "42")
        let mismatch = try runProcess(opslakeBinary, ["load", "--lake", lake, "--dsn", db.dsn], environment: env)
        #expect(mismatch.status == 65)
        // Every partition of the table fails alike: one line with their count, not one line each.
        #expect(mismatch.stderr.contains("petshop.order_items, 14 partitions dt=2025-03-01...2025-03-14: table petshop.order_items "
                                         + "no longer matches the schema (category is missing)"), "\(mismatch.stderr)")
        #expect(mismatch.stderr.split(separator: "\n").count == 3, "\(mismatch.stderr)")
        let customers = try admin.query("SELECT count(*) FROM petshop.customers WHERE dt = '2025-03-04'")[0][0]
        let want = try #require(try Lake(root: lake).catalog.partition(PartitionKey(DatasetName("petshop.customers")!, LakeDate(year: 2025, month: 3, day: 4))))
        #expect(customers == String(want.rows))
    }
}

extension LoadTests {
    @Test("SCD2 dimensions: partitions loaded day by day in shuffled orders give the same dim_customer and dim_product, without gaps or overlaps")
    func dimensions() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try makeLake(dir)
        let days = (0..<14).map { LakeDate(year: 2025, month: 3, day: 1).adding(days: $0).description } + ["2025-02-28", "2025-02-24"]
        let sources = "petshop.customers,petshop.customer_changes,petshop.products"
        var dumps: [String] = []
        for (n, seed) in [UInt64(1), 2, 3].enumerated() {
            let db = try TestDatabase("dim\(n)")
            defer { db.drop() }
            if n == 0 {
                #expect(try load(lake, db, "--datasets", sources).status == 0)
            } else {
                var g = SplitMix64(seed: seed)
                var order = days
                order.shuffle(using: &g)
                // Each day twice in a row on the second database: a reload changes nothing.
                for day in order {
                    let r = try load(lake, db, "--datasets", sources, "--date", day)
                    #expect(r.status == 0, "\(r.stderr)")
                }
            }
            let pg = try db.connect()
            for (table, key) in [("dim_customer", "customer_id"), ("dim_product", "product_id")] {
                let gaps = try pg.query("""
                    SELECT count(*) FROM (SELECT valid_to, lead(valid_from) OVER (PARTITION BY \(key) ORDER BY version) AS next,
                      lead(version) OVER (PARTITION BY \(key) ORDER BY version) AS next_version, version FROM petshop.\(table)) v
                    WHERE next IS NOT NULL AND (next < valid_to OR next_version <> version + 1)
                    """)
                #expect(gaps == [["0"]], "\(table): overlapping or misnumbered versions")
                let current = try pg.query("SELECT count(*) FROM (SELECT \(key) FROM petshop.\(table) GROUP BY \(key) HAVING sum(is_current::int) > 1) x")
                #expect(current == [["0"]], "\(table): a key with more than one current version")
            }
            let customers = try pg.query("SELECT count(DISTINCT customer_id) FROM petshop.dim_customer")[0][0]
            let members = try pg.query("SELECT count(*) FROM petshop.customers")[0][0]
            #expect(customers == members, "every loaded member has versions")
            let contiguous = try pg.query("""
                SELECT count(*) FROM (SELECT valid_to, lead(valid_from) OVER (PARTITION BY customer_id ORDER BY version) AS next
                FROM petshop.dim_customer) v WHERE next IS NOT NULL AND next <> valid_to
                """)
            #expect(contiguous == [["0"]], "a member's versions leave a gap")
            dumps.append(try pg.query("""
                SELECT string_agg(d::text, E'\\n' ORDER BY d.customer_id, d.version) FROM petshop.dim_customer d
                UNION ALL SELECT string_agg(p::text, E'\\n' ORDER BY p.product_id, p.version) FROM petshop.dim_product p
                """).map { $0[0] ?? "" }.joined(separator: "\n"))
        }
        #expect(dumps[0].count > 1000)
        #expect(dumps[1] == dumps[0])
        #expect(dumps[2] == dumps[0])
    }
}

private final class LockedResults: @unchecked Sendable {
    let lock = NSLock()
    var all: [ProcessResult?] = []
    func add(_ r: ProcessResult?) { lock.withLock { all.append(r) } }
}

/// The binary copied alone into an empty folder and run from another one: every
/// command finds its schemas in itself or in the lake, none in a checkout.
@Suite(.enabled(if: postgres, "needs the PostgreSQL server that `make test` starts"))
struct InstalledBinaryTests {
    @Test("every command works from another folder with the binary alone; the lake's own schemas load what it holds")
    func binaryAlone() throws {
        let dir = TemporaryDirectory("opslake-installed")
        defer { dir.remove() }
        let db = try TestDatabase("alone")
        defer { db.drop() }
        let bin = dir.path + "/bin/opslake", work = dir.path + "/work"
        for d in [dir.path + "/bin", work] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: opslakeBinary, toPath: bin)
        @discardableResult
        func run(_ arguments: String..., status: Int32 = 0) throws -> ProcessResult {
            // An empty $OPSLAKE_SCHEMAS counts as unset.
            let r = try runProcess(bin, arguments, environment: ["OPSLAKE_SCHEMAS": ""], cwd: work)
            #expect(r.status == status, "opslake \(arguments.joined(separator: " ")): \(r.stderr)")
            return r
        }
        #expect(try run("schema", "list").stdout.contains("petshop.orders"))
        #expect(try run("schema", "ddl", "petshop.orders").stdout.contains("CREATE TABLE"))
        try run("init", "--lake", "lake", "--opened", "2025-03-01", "--scale", "0.2")
        try run("generate", "--lake", "lake", "--from", "2025-03-01", "--to", "2025-03-03")
        try run("verify", "--lake", "lake")
        try run("export", "--lake", "lake", "--datasets", "petshop.orders", "--out", "export")
        try run("ship", "pack", "--lake", "lake", "--output", "week.tar")
        try run("ship", "unpack", "week.tar", "--lake", "other")

        // A dataset no built-in schema defines, ingested with a schemas folder: the lake
        // registers its schema, and load and status use it with no folder named.
        let custom = dir.path + "/custom/extra"
        try FileManager.default.createDirectory(atPath: custom, withIntermediateDirectories: true)
        try Data(#"{"fields": [{"name": "id", "type": "integer", "constraints": {"required": true}}, {"name": "note", "type": "string"}], "primaryKey": ["id"]}"#.utf8)
            .write(to: URL(fileURLWithPath: custom + "/notes.json"))
        try Data("id,note\n1,one\n2,two\n".utf8).write(to: URL(fileURLWithPath: work + "/notes.csv"))
        try run("ingest", "--lake", "lake", "--schemas", dir.path + "/custom", "extra.notes", "--date", "2025-03-02", "notes.csv")
        #expect(try run("schema", "list", "--lake", "lake").stdout.contains("extra.notes"))
        try run("load", "--lake", "lake", "--dsn", db.dsn)
        #expect(try run("load", "status", "--lake", "lake", "--dsn", db.dsn, "--json").stdout.contains("extra.notes"))
        #expect(try db.connect().query("SELECT count(*) FROM extra.notes")[0][0] == "2")
        try run("load", "--lake", "other", "--dsn", db.dsn)
        try expectExact(lake: dir.path + "/work/lake", db)

        // A folder that is not there is named, and the message says how to do without it.
        let missing = try run("schema", "list", "--schemas", "/nowhere", status: 65)
        #expect(missing.stderr.contains("/nowhere") && missing.stderr.contains("built-in"))
    }
}

extension LoadTests {
    @Test("a lake the format-1 release made and loaded: after the move to format 2, a load finds every partition unchanged and the tables keep their rows")
    func format1LakeLoadsNothing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = try TestDatabase("format1")
        defer { db.drop() }
        // The database exactly as the format-1 release left it after its load.
        let restore = try runProcess("/bin/sh", ["-c", "zstd -dcq \"$1\" | psql -q -v ON_ERROR_STOP=1 -d \"$2\" >/dev/null",
                                                 "sh", fixtures + "/format1-postgres.sql.zst", db.name])
        try #require(restore.status == 0, "\(restore.stderr)")
        let pg = try db.connect()
        func counts() throws -> [String] {
            try pg.query("SELECT dataset, count(*), sum(rows) FROM opslake.load_ledger GROUP BY 1 ORDER BY 1").map { "\($0[0]!) \($0[1]!) \($0[2]!)" }
        }
        let ledger = try counts()
        #expect(ledger.count == 8)
        let lake = try format1Lake(in: dir)
        #expect(try opslake("repair", "--lake", lake).status == 0)
        let r = try load(lake, db)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("loaded 0 partitions (0 rows, 0 B of CSV), 22 unchanged, 0 failed"), "\(r.stdout)")
        #expect(try counts() == ledger)
        try expectExact(lake: lake, db)
        // promotion_calendar, behavior_events and customers have a version 2 since (columns
        // appended). A generate registers every dataset's current schema: the day
        // regenerated loads into the table the format-1 release made, which gains the
        // columns, and the partitions still written under version 1 (two days of the
        // calendar, three of events, the opening base and three days of members) are
        // refused until they are regenerated too.
        #expect(try opslake("generate", "--lake", lake, "--date", "2025-03-01", "--datasets", "petshop.promotion_calendar").status == 0)
        let partly = try load(lake, db)
        #expect(partly.status == 65, "\(partly.stderr)")
        #expect(partly.stdout.hasPrefix("loaded 1 partitions (1 rows,") && partly.stdout.contains("12 unchanged, 9 failed"), "\(partly.stdout)")
        #expect(partly.stderr.contains("petshop.promotion_calendar") && partly.stderr.contains("petshop.behavior_events")
                && partly.stderr.contains("petshop.customers") && partly.stderr.contains("another version of its schema"), "\(partly.stderr)")
        #expect(try opslake("generate", "--lake", lake, "--from", "2025-03-01", "--to", "2025-03-03",
                            "--datasets", "petshop.promotion_calendar,petshop.behavior_events").status == 0)
        let opening = try opslake("generate", "--lake", lake, "--from", "2025-02-28", "--to", "2025-03-03", "--datasets", "petshop.customers")
        #expect(opening.status == 0, "\(opening.stderr)")
        let again = try load(lake, db)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("loaded 9 partitions (") && again.stdout.contains("13 unchanged, 0 failed"), "\(again.stdout)")
        try expectExact(lake: lake, db)
        let sources = try pg.query("SELECT count(*) FROM petshop.behavior_events WHERE traffic_source IS NULL")
        #expect(sources == [["0"]])
        let holiday = try pg.query("SELECT count(*) FROM petshop.promotion_calendar WHERE is_working_day IS NOT NULL")
        #expect(holiday == [["3"]])
        let pets = try pg.query("SELECT count(*) FROM petshop.customers WHERE acquisition_channel IS NULL OR dogs + cats = 0")
        #expect(pets == [["0"]])
        // The SCD2 dimension is rebuilt from the customers the load replaced.
        let members = try pg.query("SELECT (SELECT count(DISTINCT customer_id) FROM petshop.dim_customer) = (SELECT count(*) FROM petshop.customers)")
        #expect(members == [["t"]])
    }
}
