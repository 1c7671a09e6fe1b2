public import LakeCatalog
public import LakeFormat
import BilliardsVenue
import TableSchema
import Foundation

/// The quality checks of the DWD (docs/billiards-dwd.md, "Quality checks"), run over
/// the whole layer after every build and recorded with the run. Each names the first
/// offending keys and how many there are. A test plants one fault for each and expects
/// that check, and only it, to fail.
public enum DWDQuality {
    /// Offending keys kept per check.
    static let shown = 5

    public static let checks = ["card_balance", "settlement_consistency", "count_alignment", "referential_integrity"]

    /// Runs every check over `lake`'s DWD.
    public static func run(_ lake: Lake) throws -> [QualityResult] {
        let data = try Columns(lake)
        return [try cardBalance(data), try settlementConsistency(data), try countAlignment(lake), try referentialIntegrity(data)]
    }

    /// Every change of a card's balance starts where the one before it (by time, then
    /// id) left it and moves it by exactly its amount, and each card's latest version
    /// shows the balance its last change at or before that version left.
    static func cardBalance(_ data: Columns) throws -> QualityResult {
        var bad = Failures()
        let changes = try data.rows("dwd_member_balance_change", ["member_card_id", "changed_at", "balance_change_id", "balance_before", "change_amount", "balance_after"])
        var byCard: [Int64: [[Value]]] = [:]
        for r in changes { byCard[r[0].intValue!, default: []].append(r) }
        var lastAfter: [Int64: [(time: Int64, after: Int64)]] = [:]
        for (card, list) in byCard {
            let sorted = list.sorted { ($0[1].seconds!, $0[2].intValue!) < ($1[1].seconds!, $1[2].intValue!) }
            var previous: Int64?
            for r in sorted {
                let (before, change, after) = (r[3].units!, r[4].units!, r[5].units!)
                if before &+ change != after {
                    bad.add("card \(card) change \(r[2].intValue!): \(yuan(before)) + \(yuan(change)) is not \(yuan(after))")
                } else if let previous, previous != before {
                    bad.add("card \(card) change \(r[2].intValue!): starts at \(yuan(before)), the change before left \(yuan(previous))")
                }
                previous = after
            }
            lastAfter[card] = sorted.map { ($0[1].seconds!, $0[5].units!) }
        }
        var latest: [Int64: (time: Int64, balance: Int64)] = [:]
        for r in try data.rows("dim_member_card", ["member_card_id", "updated_at", "balance"]) {
            let card = r[0].intValue!, t = r[1].seconds!
            if let seen = latest[card], seen.time >= t { continue }
            latest[card] = (t, r[2].units!)
        }
        for (card, version) in latest {
            guard let last = lastAfter[card]?.last(where: { $0.time <= version.time }) else { continue }
            if last.after != version.balance {
                bad.add("card \(card): balance \(yuan(version.balance)), its last change left \(yuan(last.after))")
            }
        }
        return bad.result("card_balance", checked: changes.count + latest.count,
                          "each balance change = before + amount and starts where the previous left off; each card's balance = its last change's")
    }

    /// Each settlement's parts add up: consume = table + assistant + goods fees, pay =
    /// consume - adjustments - member discount - coupons, pay = its payments, refund =
    /// its refunds; and its fees equal its table-use, assistant and goods lines. Checked
    /// for the settlements of the days whose payments the lake holds.
    static func settlementConsistency(_ data: Columns) throws -> QualityResult {
        var bad = Failures()
        func sums(_ table: String, _ key: String, _ amount: String, where filter: (String, Value)? = nil) throws -> [Int64: Int64] {
            var out: [Int64: Int64] = [:]
            let names = [key, amount] + (filter.map { [$0.0] } ?? [])
            for r in try data.rows(table, names) {
                if let filter, r[2] != filter.1 { continue }
                guard let k = r[0].intValue else { continue }
                out[k, default: 0] &+= r[1].units ?? 0
            }
            return out
        }
        let payments = try sums("dwd_payment", "relate_id", "pay_amount", where: ("payment_for", .string("settlement")))
        let refunds = try sums("dwd_refund", "order_settle_id", "refund_amount")
        let tableFees = try sums("dwd_table_use", "order_settle_id", "fee_amount")
        let assistantFees = try sums("dwd_assistant_service", "order_settle_id", "fee_amount")
        let goods = try sums("dwd_goods_sale", "order_settle_id", "sale_amount")
        // A settlement made before the lake's first day of payments (it is here because a
        // refund made a new version of it later) cannot be checked against them.
        let paymentDays = Set(try data.lake.catalog.partitions(of: DatasetName(schema: BilliardsDWD.name, table: "dwd_payment")).map(\.key.dt))
        let settlements = try data.rows("dwd_settlement", [
            "order_settle_id", "table_fee_amount", "assistant_fee_amount", "goods_amount", "consume_amount", "adjust_amount",
            "member_discount_amount", "coupon_deduct_amount", "pay_amount", "refund_amount", "source_dt",
        ]).filter { if case .date(let dt) = $0[10] { paymentDays.contains(dt) } else { false } }
        for r in settlements {
            let id = r[0].intValue!
            let v = r[1..<10].map { $0.units! }
            let (table, assistant, goodsAmount, consume, adjust, member, coupon, pay, refund) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8])
            if table &+ assistant &+ goodsAmount != consume {
                bad.add("settlement \(id): consume \(yuan(consume)) is not table \(yuan(table)) + assistant \(yuan(assistant)) + goods \(yuan(goodsAmount))")
            } else if consume &- adjust &- member &- coupon != pay {
                bad.add("settlement \(id): pay \(yuan(pay)) is not consume \(yuan(consume)) - discounts \(yuan(adjust + member + coupon))")
            } else if payments[id, default: 0] != pay {
                bad.add("settlement \(id): pay \(yuan(pay)), its payments add up to \(yuan(payments[id, default: 0]))")
            } else if refunds[id, default: 0] != refund {
                bad.add("settlement \(id): refund \(yuan(refund)), its refunds add up to \(yuan(refunds[id, default: 0]))")
            } else if tableFees[id, default: 0] != table || assistantFees[id, default: 0] != assistant || goods[id, default: 0] != goodsAmount {
                bad.add("settlement \(id): its table-use, assistant and goods lines add up to \(yuan(tableFees[id, default: 0])), "
                        + "\(yuan(assistantFees[id, default: 0])), \(yuan(goods[id, default: 0]))")
            }
        }
        return bad.result("settlement_consistency", checked: settlements.count,
                          "consume = its fees; pay = consume - discounts = its payments; refund = its refunds; fees = their lines")
    }

    /// Every DWD partition read one row per record has as many rows as its ODS partition
    /// (as it has distinct keys, for a tenant-wide table).
    static func countAlignment(_ lake: Lake) throws -> QualityResult {
        var bad = Failures()
        var ods: [PartitionKey: Int] = [:]
        var dwd: [PartitionKey: Int] = [:]
        for p in try lake.catalog.partitions() {
            if p.dataset.schema == BilliardsODS.name { ods[p.key] = p.rows }
            if p.dataset.schema == BilliardsDWD.name { dwd[p.key] = p.rows }
        }
        var checked = 0
        let odsSchemas = try BilliardsODS.schemasByEndpoint()
        for table in DWDModel.tables {
            guard case .record = table.rows else { continue }
            for (key, rows) in ods where key.dataset == BilliardsODS.dataset(table.source) {
                checked += 1
                var count = rows
                if table.isTenantWide {  // every store receives the same records: one row per key
                    count = Set(try lake.rows(of: key, schema: odsSchemas[table.source]!, columns: ["source_key"]).map { $0[0] }).count
                }
                let out = dwd[PartitionKey(table.dataset, key.dt)]
                if out != count {
                    bad.add("\(table.dataset) \(key.dt): \(out.map(String.init) ?? "no partition"), \(key.dataset) has \(count) rows")
                }
            }
        }
        return bad.result("count_alignment", checked: checked, "ODS rows = DWD rows for every table with one row per record, per day")
    }

    /// Every member, card, table, assistant, good and package a fact names exists, in a
    /// version created no later than the fact.
    static func referentialIntegrity(_ data: Columns) throws -> QualityResult {
        var bad = Failures()
        func firstSeen(_ table: String, _ key: String) throws -> [Int64: Int64] {
            var out: [Int64: Int64] = [:]
            for r in try data.rows(table, [key, "created_at"]) {
                guard let k = r[0].intValue, let t = r[1].seconds else { continue }
                out[k] = min(out[k] ?? t, t)
            }
            return out
        }
        var categories = Set<Int64>()
        for r in try data.rows("dim_goods_category", ["category_id"]) { if let c = r[0].intValue { categories.insert(c) } }
        let dimensions: [String: [Int64: Int64]] = [
            "member_id": try firstSeen("dim_member", "member_id"),
            "member_card_id": try firstSeen("dim_member_card", "member_card_id"),
            "table_id": try firstSeen("dim_table", "table_id"),
            "assistant_id": try firstSeen("dim_assistant", "assistant_id"),
            "goods_id": try firstSeen("dim_goods", "goods_id"),
            "site_goods_id": try firstSeen("dim_site_goods", "site_goods_id"),
            "package_id": try firstSeen("dim_group_buy_package", "package_id"),
        ]
        var checked = 0
        for table in DWDModel.tables where !table.isDimension {
            let time = table.columns.first { $0.kind.columnType == "datetime" }!.name
            let refs = table.columns.map(\.name).filter { dimensions[$0] != nil && !table.key.contains($0) }
            guard !refs.isEmpty else { continue }
            for r in try data.rows(table.name, [table.key[0], time] + refs) {
                let at = r[1].seconds ?? .max
                for (i, ref) in refs.enumerated() {
                    guard let id = r[2 + i].intValue else { continue }  // null: none named
                    checked += 1
                    guard let created = dimensions[ref]![id] else {
                        bad.add("\(table.name) \(table.key[0]) \(r[0].intValue ?? 0): \(ref) \(id) is not in the DWD")
                        continue
                    }
                    if created > at { bad.add("\(table.name) \(table.key[0]) \(r[0].intValue ?? 0): \(ref) \(id) was created after it") }
                }
            }
        }
        for r in try data.rows("dim_goods", ["goods_id", "category_id", "primary_category_id"]) {
            for c in [r[1], r[2]] {
                checked += 1
                if let c = c.intValue, !categories.contains(c) { bad.add("dim_goods goods_id \(r[0].intValue ?? 0): category \(c) is not in the DWD") }
            }
        }
        return bad.result("referential_integrity", checked: checked,
                          "every member, card, table, assistant, good and package a fact names exists, created no later than the fact")
    }

    /// A check's offences: all are counted, and the first few in sorted order are named,
    /// so two runs over the same lake name the same keys.
    struct Failures {
        var lines: [String] = []
        mutating func add(_ line: String) { lines.append(line) }
        func result(_ check: String, checked: Int, _ detail: String) -> QualityResult {
            QualityResult(check: check, passed: lines.isEmpty, checked: checked, failures: lines.count,
                          offenders: Array(lines.sorted().prefix(DWDQuality.shown)), detail: detail)
        }
    }

    static func yuan(_ fen: Int64) -> String {
        let cents = fen.magnitude % 100
        return "\(fen < 0 ? "-" : "")\(fen.magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Selected columns of every partition of a DWD table.
    struct Columns {
        let lake: Lake
        let schemas: [String: TableSchema]

        init(_ lake: Lake) throws {
            self.lake = lake
            schemas = Dictionary(uniqueKeysWithValues: try BilliardsDWD.tableSchemas().map { ($0.dataset.table, $0) })
        }

        func rows(_ table: String, _ names: [String]) throws -> [[Value]] {
            let schema = schemas[table]!
            // The partitions are read on every core, then joined in catalogue order.
            let partitions = try lake.catalog.partitions(of: schema.dataset)
            let lake = self.lake
            let read = WorkQueue.map(partitions.count, jobs: ProcessInfo.processInfo.activeProcessorCount, state: {}) { _, i in
                Result { try lake.rows(of: partitions[i].key, schema: schema, columns: names) }
            }
            var out: [[Value]] = []
            for r in read { out += try r.get() }
            return out
        }
    }
}

extension Value {
    var intValue: Int64? { if case .int(let i) = self { i } else { nil } }
    /// A decimal's units (fen, for money).
    var units: Int64? { if case .decimal(let d) = self { d.units } else { nil } }
    var seconds: Int64? { if case .timestamp(let t) = self { t.secondsSinceEpoch } else { nil } }
}
