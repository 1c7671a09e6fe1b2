import Testing
import Foundation
@testable import Billiards
import BilliardsVenue
import LakeCatalog
import LakeFormat
import TableSchema
import TestSupport
import GeneratorKit

/// The rows of every partition of `table` in `lake`, by day.
func dwdRows(_ lake: Lake, _ table: DWDTable) throws -> [LakeDate: [[Value]]] {
    let schema = try BilliardsDWD.tableSchemas().first { $0.dataset == table.dataset }!
    var out: [LakeDate: [[Value]]] = [:]
    for p in try lake.catalog.partitions(of: table.dataset) {
        out[p.key.dt] = try ODSWriter.rows(of: p.key, in: lake, schema: schema)
    }
    return out
}

/// Yuan text (`"87.60"`) in fen, as the test reads it (not through the DWD's parser).
func fen(_ text: String) -> Int64 {
    let negative = text.hasPrefix("-")
    let parts = text.drop { $0 == "-" }.split(separator: ".", omittingEmptySubsequences: false)
    let yuan = Int64(parts[0])!, frac = parts.count > 1 ? String(parts[1]).padding(toLength: 2, withPad: "0", startingAt: 0) : "00"
    let v = yuan * 100 + Int64(frac)!
    return negative ? -v : v
}

/// A lake with `days` of a small venue's ODS, replayed from the simulator's archive.
func odsLake(_ dir: TemporaryDirectory, venue: Venue, days: ClosedRange<LakeDate>) throws -> WritableLake {
    _ = try VenueArchive.write(venue: venue, to: dir.path + "/archive", from: days.lowerBound, through: days.upperBound)
    let lake = try WritableLake(root: dir.path + "/lake", create: true)
    _ = try ArchiveReplay.run(dir.path + "/archive", into: lake)
    return lake
}

@Suite("billiards DWD", .serialized)
struct DWDTests {
    @Test("every table's schema is valid, keyed, and names its lineage; one name per concept")
    func schemas() throws {
        let schemas = try BilliardsDWD.tableSchemas()
        #expect(schemas.count == DWDModel.tables.count + DWDModel.tables.filter(\.hasHistory).count + 2)
        #expect(schemas.suffix(7).map(\.dataset.table) == ["dim_table_scd2", "dim_goods_scd2", "dim_site_goods_scd2", "dim_assistant_scd2", "dim_member_scd2",
                                                           "dws_site_day_summary", "dws_member_day_profile"])
        var types: [String: String] = [:]
        for (table, schema) in zip(DWDModel.tables, schemas) {
            #expect(schema.dataset == table.dataset)
            #expect(!schema.primaryKey.isEmpty && schema.primaryKey.allSatisfy(table.columnNames.contains))
            #expect(Array(schema.fields.map(\.name).suffix(3)) == ["source_dataset", "source_dt", "source_key"])
        }
        for schema in schemas {
            #expect(!schema.primaryKey.isEmpty)
            for f in schema.fields {
                // A column name means one thing: the same type in every table.
                if let t = types[f.name] { #expect(t == f.type.rawValue, "\(schema.dataset).\(f.name)") } else { types[f.name] = f.type.rawValue }
            }
        }
    }

    /// The law the issue states: DWD row counts and money sums equal the simulator's truth.
    @Test("row counts and money sums of every table equal the simulator's truth; lines add up to their arrays")
    func matchesTruth() throws {
        let dir = TemporaryDirectory("dwd-truth")
        defer { dir.remove() }
        let venue = try smallVenue(stores: 3)
        let days = opened...opened.adding(days: 6)
        let lake = try odsLake(dir, venue: venue, days: days)
        let summary = try DWDBuild.run(lake: lake)
        #expect(summary.failures.isEmpty, "\(summary.failures.prefix(3))")
        #expect(summary.newFields.isEmpty, "\(summary.newFields)")
        let expected = try truth(venue, days: days)
        var checkedMoney = 0
        for table in DWDModel.tables {
            let actual = try dwdRows(lake, table)
            let names = table.columnNames
            for (key, records) in expected where key.dataset == BilliardsODS.dataset(table.source) {
                let rows = actual[key.dt] ?? []
                // The payloads as plain JSON objects, read by Foundation, not by the DWD.
                let objects = records.values.map { try! JSONSerialization.jsonObject(with: Data($0.payload)) as! [String: Any] }
                var units: [[String: Any]]
                switch table.rows {
                case .record: units = objects
                case .recordAndChildren(let field): units = objects.flatMap { [$0] + ($0[field] as! [[String: Any]]) }
                case .lines(let arrays): units = objects.flatMap { o in arrays.flatMap { o[$0.field] as! [[String: Any]] } }
                }
                if table.isTenantWide {  // every store receives them: once per key
                    var seen = Set<Int64>()
                    units = units.filter { seen.insert(($0["id"] as! NSNumber).int64Value).inserted }
                }
                #expect(rows.count == units.count, "\(table.name) \(key.dt): \(rows.count) rows for \(units.count) records")
                for column in table.columns {
                    guard case .money = column.kind, let index = names.firstIndex(of: column.name) else { continue }
                    let fields = column.field.trimmingCharacters(in: ["^"]).split(separator: "|").map(String.init)
                    let want = units.reduce(Int64(0)) { sum, u in sum + (fields.lazy.compactMap { u[$0] as? String }.first.map(fen) ?? 0) }
                    let got = rows.reduce(Int64(0)) { sum, r in if case .decimal(let d) = r[index] { sum + d.units } else { sum } }
                    #expect(got == want, "\(table.name).\(column.name) \(key.dt)")
                    checkedMoney += 1
                }
                // Every row names its ODS partition and key.
                for r in rows {
                    #expect(r[names.count - 3] == .string(key.dataset.description) && r[names.count - 2] == .date(key.dt))
                }
            }
        }
        #expect(checkedMoney > 200)
        try Self.summariesAddUp(lake)
        #expect(try lake.verify().ok)
    }

    /// The DWS's laws: each store-day's payments by method add up to its pay amount, its
    /// sessions, revenue, refunds and recharges are the DWD's, and the member profiles'
    /// visits and spend add up to the members' sessions and spend.
    static func summariesAddUp(_ lake: Lake) throws {
        let schemas = Dictionary(uniqueKeysWithValues: try BilliardsDWD.tableSchemas().map { ($0.dataset.table, $0) })
        func rows(_ table: String, _ dt: LakeDate) throws -> [[String: Value]] {
            let schema = schemas[table]!
            return try ODSWriter.rows(of: PartitionKey(schema.dataset, dt), in: lake, schema: schema).map { r in
                Dictionary(uniqueKeysWithValues: zip(schema.fields.map(\.name), r))
            }
        }
        func fen(_ v: Value?) -> Int64 { v?.units ?? 0 }
        let days = try lake.catalog.partitions(of: DatasetName(schema: "billiards", table: "dws_site_day_summary")).map(\.key.dt)
        #expect(days.count >= 7)
        for dt in days {
            let sites = try rows("dws_site_day_summary", dt), members = try rows("dws_member_day_profile", dt)
            let settlements = try rows("dwd_settlement", dt), recharges = try rows("dwd_recharge", dt), refunds = try rows("dwd_refund", dt)
            for s in sites {
                let site = s["site_id"]!
                let mine = settlements.filter { $0["site_id"] == site }
                #expect(s["sessions"]?.intValue == Int64(mine.count))
                #expect(fen(s["pay_amount"]) == mine.reduce(0) { $0 + fen($1["pay_amount"]) })
                #expect(fen(s["pay_amount"]) == ["cash", "bank_card", "wechat_pay", "alipay", "stored_value"].reduce(0) { $0 + fen(s["paid_\($1)_amount"]) },
                        "\(dt) \(site): payments by method add up to the pay amount")
                #expect(fen(s["table_fee_amount"]) - fen(s["discount_amount"]) + fen(s["assistant_fee_amount"]) + fen(s["goods_amount"]) == fen(s["pay_amount"]))
                #expect(fen(s["refund_amount"]) == refunds.filter { $0["site_id"] == site }.reduce(0) { $0 + fen($1["refund_amount"]) })
                #expect(fen(s["recharge_amount"]) == recharges.filter { $0["site_id"] == site }.reduce(0) { $0 + fen($1["recharge_amount"]) })
                #expect((s["tables"]?.intValue ?? 0) > 0)
            }
            #expect(members.reduce(0) { $0 + ($1["visits"]?.intValue ?? 0) } == sites.reduce(0) { $0 + ($1["member_sessions"]?.intValue ?? 0) })
            #expect(members.reduce(0) { $0 + fen($1["spend_amount"]) } == settlements.filter { $0["member_id"] != .null }.reduce(0) { $0 + fen($1["pay_amount"]) })
        }
    }

    @Test("a second run reads nothing; a changed ODS partition rebuilds exactly its DWD partitions; output is a function of the input")
    func incrementalAndDeterministic() throws {
        let dir = TemporaryDirectory("dwd-incremental")
        defer { dir.remove() }
        let venue = try smallVenue()
        let days = opened...opened.adding(days: 2)
        let lake = try odsLake(dir, venue: venue, days: days)
        let first = try DWDBuild.run(lake: lake)
        #expect(first.rebuilt == first.considered && first.unchanged == 0 && first.failures.isEmpty)
        let files = try lakeFiles(lake.root)

        let second = try DWDBuild.run(lake: lake)
        #expect(second.rebuilt == 0 && second.unchanged == first.considered && second.written == 0)
        #expect(try lakeFiles(lake.root) == files)

        // One settlement changes upstream (a later version): its ODS partition changes, and only
        // the DWD partitions read from it are rebuilt.
        let key = PartitionKey(BilliardsODS.dataset(.settlementRecords), opened.adding(days: 1))
        let schema = try BilliardsODS.schemasByEndpoint()[.settlementRecords]!
        let row = try ODSWriter.rows(of: key, in: lake, schema: schema)[0]
        guard case .int(let store) = row[0], case .string(let payload) = row[2] else { Issue.record("no row"); return }
        var object = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as! [String: Any]
        object["cashierName"] = "新收银员"
        object["updateTime"] = "2026-01-09 00:00:00"
        let changed = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let record = try ODSRecord(.settlementRecords, storeID: store, payload: [UInt8](changed), where: "test")
        try ODSWriter(lake: lake).land(ODSWindow(endpoint: .settlementRecords, storeID: store, start: VenueTime.opening(of: opened.adding(days: 2)),
                                                 end: VenueTime.opening(of: opened.adding(days: 3))), records: [record])
        let third = try DWDBuild.run(lake: lake)
        #expect(third.rebuilt == 1 && third.written == 3, "\(third)")  // dwd_settlement, and the day's two summaries
        let after = try lakeFiles(lake.root)
        let rewritten = Set(after.keys).symmetricDifference(files.keys).union(after.keys.filter { files[$0] != nil && files[$0] != after[$0] })
        #expect(rewritten.allSatisfy { $0.contains("settlement_records") || $0.contains("dwd_settlement/") || $0.contains("/dws_") }, "\(rewritten.sorted())")
        let settlement = DWDModel.tables.first { $0.name == "dwd_settlement" }!
        let names = settlement.columnNames
        #expect(try dwdRows(lake, settlement)[key.dt]!.contains { $0[names.firstIndex(of: "cashier_name")!] == .string("新收银员") })

        // Forgetting what was built rebuilds everything, to the same bytes.
        let fourth = try DWDBuild.run(lake: lake, rebuild: true)
        #expect(fourth.rebuilt == fourth.considered)
        #expect(try lakeFiles(lake.root) == after)
        #expect(try lake.verify().ok)
    }

    @Test("a tenant-wide record another store repeats is read but not kept: a damaged repeat fails its partition")
    func damagedTenantRepeat() throws {
        let dir = TemporaryDirectory("dwd-tenant")
        defer { dir.remove() }
        let lake = try odsLake(dir, venue: try smallVenue(), days: opened...opened)
        #expect(try DWDBuild.run(lake: lake).failures.isEmpty)
        let schema = try BilliardsODS.schemasByEndpoint()[.tenantGoodsMaster]!
        let ods = PartitionKey(BilliardsODS.dataset(.tenantGoodsMaster), opened)
        let goods = Set(try ODSWriter.rows(of: ods, in: lake, schema: schema).map { $0[1] })
        #expect(try dwdRows(lake, DWDModel.tables.first { $0.name == "dim_goods" }!)[opened]!.count == goods.count, "one row per good, not one per store")

        // The first record whose good an earlier record of the file already gave: a repeat.
        var planted = ""
        try rewrite(lake, ods, schema: schema) { rows in
            var seen = Set<Value>()
            for (i, row) in rows.enumerated() where !seen.insert(row[1]).inserted {
                guard case .string(let payload) = row[2], case .string(let key) = row[1] else { continue }
                var object = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as! [String: Any]
                object["salePrice"] = "12,50"
                rows[i][2] = .string(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                planted = key
                return
            }
        }
        #expect(!planted.isEmpty, "the two stores repeat the tenant's goods")
        let failures = try DWDBuild.run(lake: lake).failures
        #expect(failures.count == 1)
        #expect(failures.first.map { $0.contains("source key \(planted)") && $0.contains("salePrice") && $0.contains("\"12,50\"") } == true, "\(failures)")
    }

    @Test("a payload that breaks a rule fails its partition alone, naming dataset, dt, source key and field; a new field is named once")
    func badPayloads() throws {
        let dir = TemporaryDirectory("dwd-bad")
        defer { dir.remove() }
        let venue = try smallVenue()
        let days = opened...opened.adding(days: 1)
        let lake = try odsLake(dir, venue: venue, days: days)
        let store = venue.stores[0].id
        func land(_ endpoint: Endpoint, _ edit: (inout [String: Any]) -> Void) throws -> (key: String, dt: LakeDate) {
            let schema = try BilliardsODS.schemasByEndpoint()[endpoint]!
            let key = PartitionKey(BilliardsODS.dataset(endpoint), opened)
            let row = try ODSWriter.rows(of: key, in: lake, schema: schema).first { $0[0] == .int(store) }!
            guard case .string(let payload) = row[2], case .string(let sk) = row[1] else { fatalError() }
            var object = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as! [String: Any]
            edit(&object)
            let bytes = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            let r = try ODSRecord(endpoint, storeID: store, payload: [UInt8](bytes), where: "test")
            try ODSWriter(lake: lake).land(ODSWindow(endpoint: endpoint, storeID: store, start: VenueTime.opening(of: opened),
                                                     end: VenueTime.opening(of: opened.adding(days: 1))), records: [r])
            return (sk, opened)
        }
        let clean = try DWDBuild.run(lake: lake)
        #expect(clean.failures.isEmpty)
        let cleanFiles = try lakeFiles(lake.root).filter { $0.key.contains("dwd_payment/") }

        let bad = try land(.paymentTransactions) { o in
            o["payAmount"] = "12,50"
            o["createTime"] = "2026-01-02 07:59:59"  // a later version, the same business day
        }
        _ = try land(.settlementRecords) { o in
            o["newFieldFromUpstream"] = 1
            o["updateTime"] = "2026-01-09 00:00:00"
        }
        let summary = try DWDBuild.run(lake: lake)
        #expect(summary.failures.count == 1)
        let line = summary.failures.first ?? ""
        #expect(line.contains("billiards_ods.payment_transactions") && line.contains("2026-01-01") && line.contains("source key \(bad.key)")
                && line.contains("payAmount") && line.contains("\"12,50\"") && !line.contains("\n"), "\(line)")
        #expect(summary.newFields == ["settlement_records.newFieldFromUpstream"])
        #expect(summary.rebuilt == 1)  // the settlement partition; the payment one failed
        // The failed partition's DWD is as it was.
        #expect(try lakeFiles(lake.root).filter { $0.key.contains("dwd_payment/") } == cleanFiles)
        // It stays failed until the ODS is fixed.
        #expect(try DWDBuild.run(lake: lake).failures.count == 1)

        for (kind, text, problem) in [(DWDKind.time, "2026/01/01 10:00", "not a time"), (.money, "1.005", "not an amount"),
                                      (.code(DWDModel.settleStatus), "9", "unknown settle_status code 9"),
                                      (.flag, "2", "not 0 or 1"), (.id, "0", "not an id"), (.int, "\"7\"", "not a whole number"),
                                      (.ref, "0", "is 0 (none), but every row needs one"), (.int, "10000000000000", "out of range"),
                                      (.money, "99999999999999.00", "not an amount")] {
            let tape = JSONTape(Array((kind.columnType == "integer" || kind.columnType == "boolean" || text == "9" ? text : "\"\(text)\"").utf8))!
            let cells = CollectedCells()
            #expect(throws: DWDFieldError.self) { try DWDTransform.write(kind, tape, JSONTape.root, field: "f", optional: false, into: cells) }
            do { try DWDTransform.write(kind, tape, JSONTape.root, field: "f", optional: false, into: cells) } catch let error as DWDFieldError {
                #expect(error.problem.contains(problem), "\(error.problem)")
            }
            #expect(cells.pendingRow.isEmpty, "a value that cannot be read writes no cell")
        }
        // What each kind writes: money and times with their raw text, 0 as no reference,
        // codes by name, an escaped text unescaped.
        for (kind, json, cells) in [(DWDKind.money, "\"87.6\"", [Value.decimal(FixedDecimal(units: 8760, scale: 2)), .string("87.6")]),
                                    (.time, "\"2026-01-01 10:00:05\"", [.timestamp(VenueTime(date: LakeDate("2026-01-01")!, secondOfDay: 36_005).timestamp),
                                                                      .string("2026-01-01 10:00:05")]),
                                    (.ref, "0", [.null]), (.flag, "1", [.bool(true)]), (.id, "42", [.int(42)]),
                                    (.code(DWDModel.settleStatus), "\(DWDModel.settleStatus.values[0].code)", [.string(DWDModel.settleStatus.values[0].value)]),
                                    (.text, "\"台\\\"球\\u0041\"", [.string("台\"球A")])] {
            let written = CollectedCells()
            try DWDTransform.write(kind, JSONTape(Array(json.utf8))!, JSONTape.root, field: "f", optional: true, into: written)
            #expect(written.pendingRow == cells, "\(json)")
        }
        #expect(DWDTransform.money("87.60") == FixedDecimal(units: 8760, scale: 2))
        #expect(DWDTransform.money("-3.5") == FixedDecimal(units: -350, scale: 2))
        #expect(DWDTransform.money("12") == FixedDecimal(units: 1200, scale: 2))
        #expect(DWDTransform.money("-9999999999999.99") == FixedDecimal(units: -999_999_999_999_999, scale: 2))
        for text in ["", ".5", "1.", "1.234", "--1", "1e3", "1,0", "99999999999999", "99999999999999999999.00"] {
            #expect(DWDTransform.money(text) == nil, "\(text)")
        }
    }
}

/// Rewrites partition `key` of `lake` with `edit` applied to its rows, through the commit
/// protocol: a fault planted in the lake itself.
func rewrite(_ lake: WritableLake, _ key: PartitionKey, schema: TableSchema, _ edit: (inout [[Value]]) throws -> Void) throws {
    var rows = try ODSWriter.rows(of: key, in: lake, schema: schema)
    try edit(&rows)
    let staged = try lake.stagePartitions(schemas: [schema], dt: key.dt) { sinks in for r in rows { try sinks[0].append(r) } }
    _ = try lake.commit([staged])
}

/// Edits the payload of the first ODS row of `endpoint` on `dt` that `matches`.
func plant(_ lake: WritableLake, _ endpoint: Endpoint, _ dt: LakeDate, matching matches: ([String: Any]) -> Bool = { _ in true },
           _ edit: (inout [String: Any]) -> Void) throws -> String {
    let schema = try BilliardsODS.schemasByEndpoint()[endpoint]!
    var planted = ""
    try rewrite(lake, PartitionKey(BilliardsODS.dataset(endpoint), dt), schema: schema) { rows in
        for (i, row) in rows.enumerated() {
            guard case .string(let payload) = row[2], case .string(let key) = row[1] else { continue }
            var object = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as! [String: Any]
            guard matches(object) else { continue }
            edit(&object)
            rows[i][2] = .string(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            planted = key
            return
        }
    }
    precondition(!planted.isEmpty, "no record to plant the fault in")
    return planted
}

@Suite("billiards DWD quality checks", .serialized)
struct DWDQualityTests {
    static func clean(_ dir: TemporaryDirectory) throws -> (venue: Venue, path: String) {
        let venue = try smallVenue()
        let lake = try odsLake(dir, venue: venue, days: opened...opened.adding(days: 3))
        let s = try DWDBuild.run(lake: lake)
        #expect(s.failures.isEmpty && s.quality.count == 4 && s.quality.allSatisfy(\.passed), "\(s.quality)")
        #expect(s.quality.allSatisfy { $0.checked > 0 })
        return (venue, lake.root)
    }

    /// Copies the clean lake, plants one fault, builds, and returns the checks that failed.
    static func failing(_ dir: TemporaryDirectory, _ clean: String, _ name: String,
                        plant: (WritableLake) throws -> String) throws -> (failed: [QualityResult], key: String) {
        let copy = dir.path + "/" + name
        try FileManager.default.copyItem(atPath: clean, toPath: copy)
        let lake = try WritableLake(root: copy)
        let key = try plant(lake)
        let s = try DWDBuild.run(lake: lake)
        #expect(s.failures.isEmpty)
        let recorded = try lake.catalog.lastQuality()
        #expect(recorded?.results == s.quality)
        return (s.quality.filter { !$0.passed }, key)
    }

    @Test("each check catches its planted fault, and only it fails, naming the key")
    func plantedFaults() throws {
        let dir = TemporaryDirectory("dwd-quality")
        defer { dir.remove() }
        let (_, clean) = try Self.clean(dir)
        let day = opened.adding(days: 1)

        // A card log with a wrong amount.
        let card = try Self.failing(dir, clean, "card") { lake in
            try plant(lake, .memberBalanceChanges, day) { o in o["changeAmount"] = "-999.00" }
        }
        #expect(card.failed.map(\.check) == ["card_balance"])
        #expect(card.failed.first?.offenders.contains { $0.contains("change \(card.key)") } == true, "\(card.failed)")
        // `opslake status` turns non-zero on it and names the check.
        let carded = try lakeStatus(dir.path + "/card")
        #expect(carded.exit == 1 && carded.problems.contains { $0.hasPrefix("quality check card_balance failed for 1 of") }, "\(carded.problems)")

        // A settlement whose payments do not add up.
        let payment = try Self.failing(dir, clean, "payment") { lake in
            try plant(lake, .paymentTransactions, day, matching: { ($0["relateType"] as? Int) == 1 }) { o in
                o["payAmount"] = String(format: "%.2f", Double(o["payAmount"] as! String)! + 1)
            }
        }
        #expect(payment.failed.map(\.check) == ["settlement_consistency"])
        #expect(payment.failed.first?.offenders.first?.contains("payments add up to") == true, "\(payment.failed)")

        // An order naming a member that does not exist.
        let member = try Self.failing(dir, clean, "member") { lake in
            try plant(lake, .settlementRecords, day) { o in o["tenantMemberId"] = 9_999_999 }
        }
        #expect(member.failed.map(\.check) == ["referential_integrity"])
        #expect(member.failed.first?.offenders == ["dwd_settlement order_settle_id \(member.key): member_id 9999999 is not in the DWD"])

        // A dropped DWD row.
        let dropped = try Self.failing(dir, clean, "dropped") { lake in
            let table = DWDModel.tables.first { $0.name == "dwd_stock_movement" }!
            let schema = try BilliardsDWD.tableSchemas().first { $0.dataset == table.dataset }!
            try rewrite(lake, PartitionKey(table.dataset, day), schema: schema) { rows in rows.removeLast() }
            return "\(table.dataset) \(day)"
        }
        #expect(dropped.failed.map(\.check) == ["count_alignment"])
        #expect(dropped.failed.first?.offenders.first?.hasPrefix(dropped.key) == true, "\(dropped.failed)")
        #expect(dropped.failed.first?.failures == 1)
    }
}

@Suite("opslake billiards dwd and opslake quality", .serialized)
struct DWDCLITests {
    @Test("from the command line: build, rebuild nothing, show the checks; bad input gets one line and its exit code")
    func commandLine() throws {
        let dir = TemporaryDirectory("dwd-cli")
        defer { dir.remove() }
        let lake = dir.path + "/lake"
        #expect(try opslake("billiards", "dwd", "--lake", lake).status == 66)
        try smallArchive(dir.path + "/a")
        #expect(try opslake("billiards", "replay", "--archive", dir.path + "/a", "--lake", lake).status == 0)
        let none = try opslake("quality", "--lake", lake)
        #expect(none.status == 66 && none.stderr.contains("run `opslake billiards dwd") && none.stderr.split(separator: "\n").count == 1, "\(none.stderr)")

        let built = try opslake("billiards", "dwd", "--lake", lake)
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stdout.contains(" 0 unchanged, 0 failed;") && built.stdout.contains("ok   card_balance"), "\(built.stdout)")
        let again = try opslake("billiards", "dwd", "--lake", lake, "--json")
        let summary = try JSONDecoder().decode(DWDSummary.self, from: Data(again.stdout.utf8))
        #expect(summary.rebuilt == 0 && summary.written == 0 && summary.quality.count == 4)
        let quality = try opslake("quality", "--lake", lake)
        #expect(quality.status == 0 && quality.stdout.split(separator: "\n").count == 5, "\(quality.stdout)")
        let upToDate = try lakeStatus(lake)
        #expect(upToDate.dwd?["state"] as? String == "up to date" && upToDate.dwd?["outcome"] as? String == "succeeded"
                && !upToDate.problems.contains { $0.contains("billiards.dwd") || $0.hasPrefix("quality") }, "\(upToDate)")
        #expect(try opslake("quality", "--lake", lake, "--json").stdout.contains("\"check\":\"settlement_consistency\""))
        #expect(try opslake("verify", "--lake", lake).status == 0)
        #expect(try opslake("schema", "ddl", "billiards.dwd_settlement").stdout.contains("\"pay_amount\" numeric(18,2)"))

        // A broken payload: its partition fails with one line, exit 65; the checks still run.
        do {
            let writable = try WritableLake(root: lake)
            _ = try plant(writable, .paymentTransactions, opened) { o in o["payMethod"] = 42 }
        }
        // An ODS partition newer than the last build: the DWD is behind, and status says so.
        let behind = try lakeStatus(lake)
        #expect(behind.exit == 1 && behind.dwd?["state"] as? String == "behind the ODS"
                && behind.problems.contains { $0.hasPrefix("billiards.dwd is behind the ODS") }, "\(behind)")
        let bad = try opslake("billiards", "dwd", "--lake", lake)
        #expect(bad.status == 65)
        let lines = bad.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("billiards_ods.payment_transactions 2026-01-01 source key")
                && lines[0].contains("payMethod has the unknown pay_method code 42"), "\(bad.stderr)")
        let failed = try lakeStatus(lake)
        #expect(failed.exit == 1 && failed.dwd?["state"] as? String == "failed" && failed.dwd?["outcome"] as? String == "failed"
                && failed.problems.contains { $0.hasPrefix("billiards.dwd failed:") && $0.contains("payMethod") }, "\(failed)")
        #expect(try opslake("billiards", "dwd", "--lake", lake, "--from", "2026-13-01").status == 64)
        #expect(try opslake("billiards", "dwd", "--lake", lake, "--from", "2026-01-02", "--to", "2026-01-01").status == 64)
    }
}

@Suite("billiards DWD SCD2 histories", .serialized)
struct DWDSCD2Tests {
    /// Lands the archive's windows, and `extra` ones, in an order shuffled by `seed`,
    /// building the DWD halfway and at the end; returns the lake's SCD2 files with their SHA-256.
    static func landShuffled(_ archive: String, extra: [(ODSWindow, [ODSRecord])], into root: String, seed: UInt64) throws -> [String: String] {
        let lake = try WritableLake(root: root, create: true)
        // The dimensions' endpoints: the histories need nothing else.
        let endpoints: Set<Endpoint> = [.memberProfiles, .siteTablesMaster, .tenantGoodsMaster, .storeGoodsMaster, .assistantAccountsMaster,
                                        .stockGoodsCategoryTree]
        var windows = try ArchiveReplay.plan(archive, endpoints: endpoints).map { w in (w.window, try ArchiveReplay.read(w.window, w.entries, folder: archive)) } + extra
        var rng = SplitMix64(seed: seed)
        windows.shuffle(using: &rng)
        let writer = try ODSWriter(lake: lake, batchBytes: ODSWriter.groupCommitBytes)
        for (i, (window, records)) in windows.enumerated() {
            try writer.land(window, records: records)
            if i == windows.count / 2 {
                try writer.flush()
                #expect(try DWDBuild.run(lake: lake).failures.isEmpty)
            }
        }
        try writer.flush()
        let s = try DWDBuild.run(lake: lake)
        #expect(s.failures.isEmpty && s.quality.allSatisfy(\.passed), "\(s.quality)")
        return try lakeFiles(root).filter { $0.key.contains("_scd2/") }
    }

    @Test("members edited over a month: one current version each, no gaps or overlaps, the same whatever order the data arrived in")
    func histories() throws {
        let dir = TemporaryDirectory("dwd-scd2")
        defer { dir.remove() }
        let venue = try smallVenue(stores: 1)
        _ = try VenueArchive.write(venue: venue, to: dir.path + "/archive", from: opened, through: opened.adding(days: 29))
        // One member edits the profile three more times: on days 5, 12 and 20.
        let first = try VenueArchive.write(venue: venue, to: dir.path + "/day1", from: opened, through: opened)
        #expect(first.records > 0)
        let member = try ArchiveReplay.plan(dir.path + "/day1", endpoints: [.memberProfiles]).flatMap { w in
            try ArchiveReplay.read(w.window, w.entries, folder: dir.path + "/day1")
        }[0]
        var edits: [(ODSWindow, [ODSRecord])] = []
        for (n, day) in [5, 12, 20].enumerated() {
            var object = try JSONSerialization.jsonObject(with: Data(member.payload)) as! [String: Any]
            object["mobile"] = "1390000000\(n)"
            object["updateTime"] = "\(opened.adding(days: day)) 12:00:00"
            let record = try ODSRecord(.memberProfiles, storeID: member.storeID, payload: [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])), where: "edit")
            edits.append((ODSWindow(endpoint: .memberProfiles, storeID: member.storeID, start: VenueTime.opening(of: opened.adding(days: day)),
                                    end: VenueTime.opening(of: opened.adding(days: day + 1))), [record]))
        }
        let a = try Self.landShuffled(dir.path + "/archive", extra: edits, into: dir.path + "/a", seed: 1)
        let b = try Self.landShuffled(dir.path + "/archive", extra: edits, into: dir.path + "/b", seed: 2)
        #expect(!a.isEmpty && a == b)

        let lake = try Lake(root: dir.path + "/a")
        for table in DWDModel.tables where table.hasHistory {
            let schema = try BilliardsDWD.tableSchemas().first { $0.dataset == table.scd2Dataset }!
            let names = schema.fields.map(\.name)
            let (k, version, from, to, current) = (names.firstIndex(of: table.key[0])!, names.firstIndex(of: "version")!,
                                                   names.firstIndex(of: "valid_from")!, names.firstIndex(of: "valid_to")!, names.firstIndex(of: "is_current")!)
            var byKey: [Value: [[Value]]] = [:]
            var rows = 0
            for p in try lake.catalog.partitions(of: table.scd2Dataset) {
                for r in try ODSWriter.rows(of: p.key, in: lake, schema: schema) { byKey[r[k], default: []].append(r); rows += 1 }
            }
            // As many versions as the dimension has daily versions.
            #expect(rows == (try lake.catalog.partitions(of: table.dataset).reduce(0) { $0 + $1.rows }), "\(table.name)")
            for (key, list) in byKey {
                let sorted = list.sorted { ($0[version].intValue ?? 0) < ($1[version].intValue ?? 0) }
                #expect(sorted.map { $0[version].intValue! } == Array(1...Int64(sorted.count)), "\(table.name) \(key)")
                #expect(sorted.filter { $0[current] == .bool(true) }.count == 1 && sorted.last![current] == .bool(true) && sorted.last![to] == .null)
                for (x, y) in zip(sorted, sorted.dropFirst()) {
                    #expect(x[to] == y[from], "\(table.name) \(key): a gap or an overlap between versions \(x[version]) and \(y[version])")
                    #expect((x[from].seconds ?? 0) <= (y[from].seconds ?? 0))
                }
            }
            if table.name == "dim_member" {
                #expect((byKey[.int(Int64(member.sourceKey)!)]?.count ?? 0) >= 4, "the member edited three times has four versions or more")
            }
        }
    }
}

@Suite("docs/billiards-dwd.md")
struct DWDDocsTests {
    @Test("names every table, history, summary, enum value and quality check the code has")
    func complete() throws {
        let doc = try String(contentsOfFile: repositoryRoot + "/docs/billiards-dwd.md", encoding: .utf8)
        for schema in try BilliardsDWD.tableSchemas() { #expect(doc.contains("`\(schema.dataset.table)`"), "\(schema.dataset)") }
        for e in DWDModel.enums {
            let line = doc.split(separator: "\n").first { $0.hasPrefix("| `\(e.name)` |") } ?? ""
            #expect(line == "| `\(e.name)` | " + e.values.map { "\($0.code) \($0.value)" }.joined(separator: ", ") + " |", "\(e.name)")
        }
        for check in DWDQuality.checks { #expect(doc.contains("| `\(check)` |"), "\(check)") }
        for table in DWDModel.tables {
            let row = doc.split(separator: "\n").first { $0.hasPrefix("| `\(table.name)` |") } ?? ""
            #expect(row.contains("`\(table.source.dataset)`") && row.hasSuffix(table.key.map { "`\($0)`" }.joined(separator: ", ") + " |"), "\(table.name)")
        }
    }
}

/// The cells a DWD transform writes, as values.
final class CollectedCells: WholeRowSink {
    var pendingRow: [Value] = []
    var rows: [[Value]] = []
    func append(_ row: [Value]) { rows.append(row) }
}

/// `opslake status --json` of `lake`: its exit code, the DWD build's task and the problems.
func lakeStatus(_ lake: String) throws -> (exit: Int32, dwd: [String: Any]?, problems: [String]) {
    let r = try opslake("status", "--lake", lake, "--grace-hours", "0", "--json")
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    let tasks = json?["tasks"] as? [[String: Any]] ?? []
    return (r.status, tasks.first { $0["task"] as? String == "billiards.dwd" }, json?["problems"] as? [String] ?? [])
}
