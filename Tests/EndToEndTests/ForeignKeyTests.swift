import Foundation
import Testing
import TestSupport

/// `opslake quality --foreign-keys`: the relationships the pet-shop schemas declare hold
/// on generated data, and a planted orphan is caught by its own check and no other.
@Suite("foreign keys checked over the lake")
struct ForeignKeyTests {
    static let checks = [
        "behavior_events.customer_id -> customers.customer_id", "behavior_events.product_id -> products.product_id",
        "behavior_events.order_id -> orders.order_id", "customer_changes.customer_id -> customers.customer_id",
        "order_items.order_id -> orders.order_id", "order_items.product_id -> products.product_id",
        "orders.customer_id -> customers.customer_id", "orders.campaign_id -> campaigns.campaign_id",
    ]

    /// The checks' verdicts: name → (passed, checked, failures, offenders).
    func results(_ lake: String, _ extra: [String] = []) throws -> (status: Int32, results: [String: (Bool, Int, Int, [String])]) {
        let r = try opslake(["quality", "--lake", lake, "--foreign-keys", "--json"] + extra)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        var out: [String: (Bool, Int, Int, [String])] = [:]
        for q in object["results"] as? [[String: Any]] ?? [] {
            out[q["check"] as! String] = (q["passed"] as! Bool, q["checked"] as! Int, q["failures"] as! Int, q["offenders"] as! [String])
        }
        return (r.status, out)
    }

    /// The CSV rows of a partition, header first, as the lake holds them.
    func csvLines(_ lake: String, _ table: String, _ dt: String) throws -> [String] {
        let folder = "\(lake)/petshop/\(table)/csv/dt=\(dt)"
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".csv.zst") })
        let r = try runProcess("/usr/bin/env", ["zstd", "-dcq", folder + "/" + file])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    @Test("generated data satisfies every declared key; orphans planted in orders and order lines fail those two checks only, named by key")
    func plantedOrphans() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2026-01-01", seed: "5", scale: "0.3")
            .generate(from: "2026-01-01", to: "2026-01-06", jobs: 2).path

        let clean = try results(lake)
        #expect(clean.status == 0)
        #expect(Set(clean.results.keys) == Set(Self.checks))
        for (name, r) in clean.results {
            #expect(r.0 && r.2 == 0, "\(name): \(r.3)")
            #expect(r.1 > 0, "\(name) checked nothing")
        }

        // orders of 2026-01-03: one names a customer who never existed, one a customer
        // who registers only on 2026-01-06.
        let later = try csvLines(lake, "customers", "2026-01-06")[1].split(separator: ",")[0]
        var orders = try csvLines(lake, "orders", "2026-01-03")
        #expect(orders[0].hasPrefix("order_id,customer_id,"))
        func setColumn(_ line: String, _ i: Int, _ value: some StringProtocol) -> String {
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[i] = String(value)
            return cells.joined(separator: ",")
        }
        let ghost = orders[1].split(separator: ",")[0], early = orders[2].split(separator: ",")[0]
        orders[1] = setColumn(orders[1], 1, "C99999999")
        orders[2] = setColumn(orders[2], 1, later)
        try (orders.joined(separator: "\n") + "\n").write(toFile: dir.path + "/orders.csv", atomically: true, encoding: .utf8)
        // order_items of 2026-01-02: one line names a product the catalogue does not hold.
        var lines = try csvLines(lake, "order_items", "2026-01-02")
        let column = try #require(lines[0].split(separator: ",").firstIndex(of: "product_id"))
        lines[1] = setColumn(lines[1], column, "P999999")
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path + "/items.csv", atomically: true, encoding: .utf8)
        for (table, dt, file) in [("orders", "2026-01-03", "orders.csv"), ("order_items", "2026-01-02", "items.csv")] {
            let r = try opslake("ingest", "--lake", lake, "petshop.\(table)", "--date", dt, dir.path + "/" + file)
            #expect(r.status == 0, "\(r.stderr)")
        }

        let planted = try results(lake)
        #expect(planted.status == 65)
        for (name, r) in planted.results {
            switch name {
            case "orders.customer_id -> customers.customer_id":
                #expect(!r.0 && r.2 == 2, "\(r)")
                #expect(r.3.contains { $0.contains("order_id=\(ghost)") && $0.contains("C99999999 not in customers") }, "\(r.3)")
                #expect(r.3.contains { $0.contains("order_id=\(early)") && $0.contains("not in customers until 2026-01-06") }, "\(r.3)")
            case "order_items.product_id -> products.product_id":
                #expect(!r.0 && r.2 == 1, "\(r)")
                #expect(r.3.first?.contains("order_items dt=2026-01-02") == true && r.3.first?.contains("P999999 not in the products snapshot of") == true, "\(r.3)")
            default:
                #expect(r.0, "\(name) failed: \(r.3)")
            }
        }
        // The text form names the failing check with its offenders, one line per key.
        let text = try opslake("quality", "--lake", lake, "--foreign-keys")
        #expect(text.status == 65)
        #expect(text.stdout.contains("FAIL orders.customer_id -> customers.customer_id") && text.stdout.contains("2 of "), "\(text.stdout)")
        // A window that leaves the planted days out passes.
        #expect(try results(lake, ["--from", "2026-01-04"]).status == 0)
        // Selection flags without --foreign-keys are a usage error.
        let usage = try opslake("quality", "--lake", lake, "--from", "2026-01-04")
        #expect(usage.status == 64 && usage.stderr.contains("add --foreign-keys"), "\(usage.stderr)")
    }
}
