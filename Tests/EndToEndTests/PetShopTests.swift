import Testing
import Foundation
import LakeFormat
import LakeCatalog
import TestSupport

/// The pet-shop generator end to end, through the `opslake` binary.
@Suite("pet shop", .serialized)
struct PetShopTests {
    /// SHA-256 of every committed file, by path.
    static func fileHashes(_ lake: String) throws -> [String: String] {
        let catalog = try Catalog(path: lake + "/_catalog.sqlite")
        var out: [String: String] = [:]
        for d in try catalog.datasets() {
            for p in try catalog.partitions(of: d.name) {
                for f in p.files { out[f.path] = f.sha256 }
            }
        }
        return out
    }

    static func run(_ arguments: [String], today: String? = nil, env: [String: String] = [:]) throws -> ProcessResult {
        var environment = env
        if let today { environment["OPSLAKE_TODAY"] = today }
        return try runProcess(opslakeBinary, arguments, environment: environment)
    }

    @Test("the same days give byte-identical files whatever the order, --jobs or --shard")
    func determinism() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let days = ["--from", "2026-03-01", "--to", "2026-03-12"]
        for name in ["a", "b", "c"] { _ = try TestLake("\(dir.path)/\(name)", opened: "2026-02-20", seed: "11") }
        #expect(try Self.run(["generate", "--lake", "\(dir.path)/a", "--jobs", "1"] + days).status == 0)
        // Shards in reverse order, two jobs each.
        for k in [3, 2, 1] {
            let r = try Self.run(["generate", "--lake", "\(dir.path)/b", "--jobs", "2", "--shard", "\(k)/3"] + days)
            #expect(r.status == 0, "\(r.stderr)")
        }
        // Day by day, last day first, one dataset group at a time.
        for day in (1...12).reversed() {
            let d = String(format: "2026-03-%02d", day)
            #expect(try Self.run(["generate", "--lake", "\(dir.path)/c", "--date", d, "--datasets", "petshop.orders,petshop.behavior_events"]).status == 0)
            #expect(try Self.run(["generate", "--lake", "\(dir.path)/c", "--date", d, "--datasets", "petshop.customer*,petshop.order_items,petshop.promotion_calendar"]).status == 0)
        }
        #expect(try Self.run(["generate", "--lake", "\(dir.path)/c", "--from", "2026-03-01", "--to", "2026-03-12", "--datasets", "petshop.products,petshop.campaigns"]).status == 0)
        let a = try Self.fileHashes("\(dir.path)/a"), b = try Self.fileHashes("\(dir.path)/b"), c = try Self.fileHashes("\(dir.path)/c")
        #expect(a.count > 12 * 6 * 2)
        #expect(a == b)
        #expect(a == c)
        // Another seed gives other data.
        #expect(try Self.run(["generate", "--lake", "\(dir.path)/c", "--date", "2026-03-05", "--seed", "12"]).status == 0)
        let c2 = try Self.fileHashes("\(dir.path)/c")
        #expect(c2["petshop/orders/csv/dt=2026-03-05/part-00000.csv.zst"] != a["petshop/orders/csv/dt=2026-03-05/part-00000.csv.zst"])
        #expect(a["petshop/orders/csv/dt=2026-03-05/part-00000.csv.zst"] != nil)
        #expect(try Self.run(["verify", "--lake", "\(dir.path)/c"]).status == 0)
    }

    @Test("opslake run catches up from its cursor to yesterday, and a second run the same day does nothing")
    func runCatchUp() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        // init with no --opened: history_days (here 5) before the injected today.
        let initResult = try Self.run(["init", "--lake", lake], today: "2026-06-10", env: ["OPSLAKE_PETSHOP_HISTORY_DAYS": "5"])
        #expect(initResult.status == 0, "\(initResult.stderr)")
        #expect(try String(contentsOfFile: lake + "/opslake.toml", encoding: .utf8).contains("opened = 2026-06-05"))
        let first = try Self.run(["run", "--lake", lake, "--jobs", "2"], today: "2026-06-10")
        #expect(first.status == 0, "\(first.stderr)")
        var catalog = try Catalog(path: lake + "/_catalog.sqlite")
        #expect(try catalog.cursor("petshop.daily")?.description == "2026-06-09")
        #expect(try catalog.cursor("petshop.weekly")?.description == "2026-06-10")
        #expect(try catalog.partitions(of: DatasetName("petshop.orders")!).map(\.dt) == ["2026-06-05", "2026-06-06", "2026-06-07", "2026-06-08", "2026-06-09"])
        #expect(try catalog.partitions(of: DatasetName("petshop.products")!).map(\.dt) == ["2026-06-01", "2026-06-08"])
        let before = try Self.fileHashes(lake)
        let committed = try catalog.partitions(of: DatasetName("petshop.orders")!).map(\.committedAt)

        let again = try Self.run(["run", "--lake", lake], today: "2026-06-10")
        #expect(again.status == 0)
        #expect(again.stdout.contains("petshop.daily: up to date"))
        #expect(again.stdout.contains("petshop.weekly: up to date"))
        #expect(try catalog.partitions(of: DatasetName("petshop.orders")!).map(\.committedAt) == committed)

        // The machine was off for a week: one run catches up, including the new Monday's catalogue.
        let week = try Self.run(["run", "--lake", lake], today: "2026-06-17")
        #expect(week.status == 0, "\(week.stderr)")
        catalog = try Catalog(path: lake + "/_catalog.sqlite")
        #expect(try catalog.cursor("petshop.daily")?.description == "2026-06-16")
        #expect(try catalog.partitions(of: DatasetName("petshop.orders")!).count == 12)
        #expect(try catalog.partitions(of: DatasetName("petshop.products")!).map(\.dt).last == "2026-06-15")
        let after = try Self.fileHashes(lake)
        for (path, hash) in before { #expect(after[path] == hash, "\(path) changed") }
        // Caught up in steps or at once: the same files as generating the range in one go.
        let other = dir.path + "/other"
        try TestLake(other, opened: "2026-06-05").generate(from: "2026-06-05", to: "2026-06-16")
        let once = try Self.fileHashes(other)
        for (path, hash) in after where !path.contains("products/dt=2026-06-15") { #expect(once[path] == hash, "\(path) differs") }
    }

    @Test("bad input: a clear one-line error, a sysexits code, nothing written")
    func badInput() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2026-01-01").path
        let before = try Self.fileHashes(lake)
        func expectError(_ args: [String], _ status: Int32, _ fragment: String, env: [String: String] = [:]) throws {
            let r = try Self.run(args, env: env)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(fragment), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            #expect(try Self.fileHashes(lake) == before)
        }
        try expectError(["generate", "--lake", lake, "--from", "2026-02-10", "--to", "2026-02-01"], 64, "inverted")
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--datasets", "petshop.refunds"], 64, "unknown dataset petshop.refunds")
        try expectError(["generate", "--lake", lake, "--date", "2026-02-30"], 64, "not a date")
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--shard", "4/3"], 64, "--shard")
        try expectError(["generate", "--lake", lake, "--date", "2025-06-01"], 64, "before the shop's history starts")
        let bad = dir.path + "/bad.toml"
        try "[petshop]\nopening_members = = 5\n".write(toFile: bad, atomically: true, encoding: .utf8)
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--config", bad], 78, "line 2")
        try "[petshop]\nnew_members_per_day = [-5, 10]\n".write(toFile: bad, atomically: true, encoding: .utf8)
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--config", bad], 78, "petshop.new_members_per_day")
        try "[petshop.multi_buy]\ncategories = { feed = 0.5, canned = 0.5, pee_pads = 0.5, cat_litter = 0, snacks = 0, dental_chews = 0, supplements = 0, freeze_dried = 0, toys = 0, supplies = 0 }\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--config", bad], 78, "sums to 1.5, not 1")
        try "[petshop]\nopening_member = 5\n".write(toFile: bad, atomically: true, encoding: .utf8)
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--config", bad], 78, "unknown setting petshop.opening_member")
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01"], 78, "OPSLAKE_PETSHOP_SHIPPING_FEE",
                        env: ["OPSLAKE_PETSHOP_SHIPPING_FEE": "-80"])
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--config", dir.path + "/missing.toml"], 78, "cannot read")
        // Schemas whose orders swap two text columns: validation would pass them; the row check stops the run first.
        let swapped = dir.path + "/schemas"
        try FileManager.default.copyItem(atPath: schemasDirectory, toPath: swapped)
        let orders = swapped + "/petshop/orders.json"
        try (try String(contentsOfFile: orders, encoding: .utf8))
            .replacingOccurrences(of: "{\"name\": \"campaign_id\"", with: "{\"name\": \"@\"")
            .replacingOccurrences(of: "{\"name\": \"gift\"", with: "{\"name\": \"campaign_id\"")
            .replacingOccurrences(of: "{\"name\": \"@\"", with: "{\"name\": \"gift\"")
            .write(toFile: orders, atomically: true, encoding: .utf8)
        try expectError(["generate", "--lake", lake, "--date", "2026-02-01", "--schemas", swapped], 65,
                        "petshop.orders: column 8 is written as `campaign_id` but the schema has `gift` there")
        // A dry run validates and counts, and writes nothing.
        let dry = try Self.run(["generate", "--lake", lake, "--date", "2026-02-02", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("nothing was written"))
        #expect(try Self.fileHashes(lake) == before)
    }

    @Test("config show: each value with its source, defaults < lake file < --config < environment < flags")
    func configShow() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2026-01-01", seed: "5").path
        let extra = dir.path + "/extra.toml"
        try "[petshop]\nshipping_fee = 60\ncart_rate = 0.4\n".write(toFile: extra, atomically: true, encoding: .utf8)
        let r = try Self.run(["config", "show", "--lake", lake, "--config", extra], env: ["OPSLAKE_PETSHOP_CART_RATE": "0.35"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("seed = 5  # file \(lake)/opslake.toml"))
        #expect(lines.contains("opened = 2026-01-01  # file \(lake)/opslake.toml"))
        #expect(lines.contains("shipping_fee = 60  # file \(extra)"))
        #expect(lines.contains("cart_rate = 0.35  # environment OPSLAKE_PETSHOP_CART_RATE"))
        #expect(lines.contains("opening_members = 5000  # default"))

        // A secret is shown masked, in text and JSON, and in an error about it.
        let secret = "tok-7f3a9c-not-for-logs"
        let shown = try Self.run(["config", "show", "--lake", lake], env: ["OPSLAKE_BILLIARDS_TOKEN": secret])
        #expect(shown.stdout.contains("token = \"********\"  # environment OPSLAKE_BILLIARDS_TOKEN") && !shown.stdout.contains(secret))
        let json = try Self.run(["config", "show", "--lake", lake, "--json"], env: ["OPSLAKE_BILLIARDS_TOKEN": secret])
        #expect(json.status == 0 && !json.stdout.contains(secret))
        let pull = try Self.run(["billiards", "pull", "--lake", lake, "--api-url", "http://127.0.0.1:9"],
                                env: ["OPSLAKE_BILLIARDS_TOKEN": secret, "OPSLAKE_BILLIARDS_TIMEOUT_SECONDS": "-1"])
        #expect(pull.status == 78 && pull.stderr.contains("billiards.timeout_seconds"), "\(pull.stderr)")
        #expect(!pull.stdout.contains(secret) && !pull.stderr.contains(secret))
        // A secret written without quotes in a file: the parse error names the line and key, not the value.
        let unquoted = dir.path + "/secret.toml"
        try "[billiards]\ntoken = \(secret)\n".write(toFile: unquoted, atomically: true, encoding: .utf8)
        let bad = try Self.run(["config", "show", "--lake", lake, "--config", unquoted])
        #expect(bad.status == 78 && bad.stderr.contains("line 2") && bad.stderr.contains("token"), "\(bad.stderr)")
        #expect(!bad.stderr.contains(secret), "\(bad.stderr)")
    }

    @Test("products import: bad lines reported by number and field, nothing imported; a good file replaces the catalogue from its Monday")
    func productsImport() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2026-01-01").path
        let bad = dir.path + "/bad.csv"
        try "name,brand,category,pet_type,price\n法國皇家 成犬飼料 3kg,法國皇家,飼料,dog,1290\n,健綠,潔牙骨,dog,350\n貓砂,凱優,貓砂,cat,-5\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try Self.run(["products", "import", "--lake", lake, bad, "--from", "2026-02-02"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("line 3: name: is missing or empty"))
        #expect(r.stderr.contains("line 4: price: -5"))
        #expect(r.stderr.contains("nothing was imported"))
        #expect(!FileManager.default.fileExists(atPath: lake + "/_reference/petshop/products-2026-02-02.ndjson"))

        let good = dir.path + "/good.ndjson"
        try """
            {"product_id": "P700001", "name": "法國皇家 成犬飼料 3kg", "brand": "法國皇家", "category": "飼料", "pet_type": "狗", "price": 1290}
            {"name": "健綠 潔牙骨 340g", "brand": "健綠", "category": "dental_chews", "pet_type": "dog", "price": 420, "list_price": 480}
            {"name": "凱優 豆腐砂 7L", "brand": "凱優", "category": "貓砂", "pet_type": "cat", "price": 199, "pack": "7L"}

            """.write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try Self.run(["products", "import", "--lake", lake, good, "--from", "2026-02-02"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try Self.run(["generate", "--lake", lake, "--from", "2026-01-26", "--to", "2026-02-03", "--datasets", "petshop.products,petshop.order_items"]).status == 0)
        let catalog = try Catalog(path: lake + "/_catalog.sqlite")
        let weeks = try catalog.partitions(of: DatasetName("petshop.products")!)
        #expect(weeks.first { $0.dt == "2026-01-26" }!.rows > 500)
        #expect(weeks.first { $0.dt == "2026-02-02" }!.rows == 3)
        let items = try catalog.partitions(of: DatasetName("petshop.order_items")!).first { $0.dt == "2026-02-03" }!
        let text = try String(decoding: Self.readAll(ZstdReader(source: FileSource(path: lake + "/" + items.files.first { $0.format == .csv }!.path), name: "items")), as: UTF8.self)
        let ids = Set(text.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[2] })
        #expect(ids.isSubset(of: ["P700001", "P900002", "P900003"]), "\(ids)")
    }

    static func readAll(_ source: any ByteSource) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}

/// Real readers over real volumes: DuckDB reads the whole pet-shop lake with Hive
/// partitioning and checks counts, every order's invariants and the weekday patterns.
@Suite("pet shop data, read by DuckDB", .serialized,
       .enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON with duckdb (make test sets it)"))
struct PetShopDataTests {
    func check(_ lake: String, _ mode: String) throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let r = try runProcess(py, [repositoryRoot + "/Tests/Interop/check_petshop.py", lake, mode])
        #expect(r.status == 0, "\(mode):\n\(r.stdout)\n\(r.stderr)")
    }

    @Test("a year of data: DuckDB's counts equal the catalogue's, every order obeys checkout, every key resolves, members have lives")
    func year() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2025-01-01", seed: "3", scale: "0.5")
            .generate(from: "2025-01-01", to: "2025-12-31", jobs: 2).path
        try check(lake, "counts")
        try check(lake, "invariants")
        try check(lake, "patterns")
        try check(lake, "life")
        try check(lake, "seasons")
    }

    @Test("promotion_calendar's working days and days off from 2017 to 2030 equal a second source's (the Python holidays package), or the difference is explained")
    func calendar() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2017-01-01", seed: "1")
            .generate(from: "2017-01-01", to: "2030-12-31", jobs: 2, ["--datasets", "petshop.promotion_calendar"]).path
        try check(lake, "calendar")
    }

    @Test("the weekday patterns hold on 90 days of other seeds", arguments: [7, 2026])
    func patterns(seed: Int) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lake = try TestLake(dir.path + "/lake", opened: "2026-05-01", seed: String(seed)).path
        let r = try PetShopTests.run(["run", "--lake", lake, "--jobs", "2"], today: "2026-07-30")
        #expect(r.status == 0, "\(r.stderr)")
        try check(lake, "counts")
        try check(lake, "patterns")
    }
}
