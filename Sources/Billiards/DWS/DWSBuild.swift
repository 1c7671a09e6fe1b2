public import LakeCatalog
public import LakeFormat
import BilliardsVenue
import Foundation
import TableSchema

/// The DWS layer's daily summaries (`billiards.dws_*`), built from the DWD only
/// (docs/billiards-dwd.md, "DWS"): per store and business day, and per member and day
/// active. A day's summaries are rebuilt when a DWD partition of that day they read
/// changed, or the tables' history did (the catalogue's `derivations`, as for the DWD);
/// output is a function of those inputs.
enum DWSBuild {
    typealias Field = (name: String, type: String, description: String, required: Bool, scale: Int?, values: [String]?)

    static let rulesVersion = "dws-rules-1"
    static let siteDay = DatasetName(schema: BilliardsDWD.name, table: "dws_site_day_summary")
    static let memberDay = DatasetName(schema: BilliardsDWD.name, table: "dws_member_day_profile")
    /// The DWD tables a day's summaries read, that day's partition of each.
    static let dayInputs = ["dwd_settlement", "dwd_table_use", "dwd_payment", "dwd_refund", "dwd_recharge", "dwd_member_balance_change", "dim_member"]

    static func money(_ name: String, _ d: String) -> Field { (name, "number", d, true, 2, nil) }
    static func count(_ name: String, _ d: String) -> Field { (name, "integer", d, true, nil, nil) }
    static let tableTypes = DWDModel.tableType.values.map(\.value)
    static let payMethods = DWDModel.payMethod.values.map(\.value)

    static let siteFields: [Field] = [count("site_id", "The store.")]
        + [count("sessions", "Table sessions settled."), count("member_sessions", "Of them, by members.")]
        + tableTypes.map { ("hours_\($0)", "number", "Hours played at \($0) tables (dwd_table_use, by the table's type in force).", true, 2, nil) }
        + [count("tables", "Tables in service that day (dim_table_scd2)."),
           ("utilisation", "number", "Hours played / (tables × 24).", true, 4, nil),
           money("table_fee_amount", "Table fees of the day's settlements."), money("assistant_fee_amount", "Assistant fees."),
           money("goods_amount", "Goods."), money("discount_amount", "Adjustments, member discounts and coupons."),
           money("pay_amount", "Paid for the day's settlements."), money("refund_amount", "Refunds made that day.")]
        + payMethods.map { money("paid_\($0)_amount", "Paid for settlements by \($0).") }
        + [count("new_members", "Members who joined that day."), count("recharges", "Stored-value recharges."),
           money("recharge_amount", "Recharged."), money("recharge_gift_amount", "Gifts added by recharge rules.")]

    static let memberFields: [Field] = [
        count("member_id", "The member."), count("site_id", "The store of the member's last activity that day."),
        count("visits", "Table sessions settled."), ("hours", "number", "Hours played.", true, 2, nil),
        money("spend_amount", "Paid for their settlements."), money("stored_value_spend_amount", "Of it, from stored value."),
        money("recharge_amount", "Recharged."), money("gift_amount", "Gifts added."),
        ("balance_amount", "number", "The balance of the cards whose balance changed that day, after the day's last change; null when none did.", false, 2, nil),
    ]

    static func schemas() throws -> [TableSchema] {
        let site = DWDTable.document(name: siteDay.table, title: "Store day summary",
                                     description: "DWS: one row per store and business day: sessions, hours by table type, utilisation, revenue by source, payments by method, new members and recharges, from the DWD only.",
                                     fields: siteFields, key: ["site_id"], event: true)
        let member = DWDTable.document(name: memberDay.table, title: "Member day profile",
                                       description: "DWS: one row per member and business day they were active (a settlement, a recharge or a balance change): visits, hours, spend, recharges and balance, from the DWD only.",
                                       fields: memberFields, key: ["member_id"], event: true)
        return [try TableSchema(dataset: siteDay, json: Data(site), file: "(built in) \(siteDay).json"),
                try TableSchema(dataset: memberDay, json: Data(member), file: "(built in) \(memberDay).json")]
    }

    /// Builds the summaries of every day whose inputs changed.
    static func run(lake: WritableLake, runID: Int64?) throws -> (written: Int, rows: Int) {
        let all = Dictionary(uniqueKeysWithValues: try BilliardsDWD.tableSchemas().map { ($0.dataset.table, $0) })
        let outputs = [all[siteDay.table]!, all[memberDay.table]!]
        let partitions = try lake.catalog.partitions().filter { $0.dataset.schema == BilliardsDWD.name }
        var byKey: [PartitionKey: PartitionRecord] = [:]
        for p in partitions { byKey[p.key] = p }
        let tablesHistory = partitions.filter { $0.dataset.table == "dim_table_scd2" }.sorted { $0.dt < $1.dt }
        let builder = (try? SHA256.hash(Array(([rulesVersion] + outputs.map(\.hash)
            + tablesHistory.map { "\($0.dt):\($0.files.map(\.sha256).sorted().joined(separator: ","))" }).joined(separator: " ").utf8))) ?? rulesVersion
        let days = Set(partitions.filter { ["dwd_settlement", "dwd_table_use", "dwd_payment", "dwd_refund", "dwd_recharge", "dwd_member_balance_change"].contains($0.dataset.table) }.map(\.key.dt))
        let recorded = try lake.catalog.derivations(schema: BilliardsDWD.name)
        let tables = try TableHistory(lake, all["dim_table_scd2"]!)
        var staged: [StagedPartitions] = []
        var derivations: [PartitionKey: String] = [:]
        var rows = 0
        do {
            for dt in days.sorted() {
                let inputs = dayInputs.map { t in
                    "\(t):" + (byKey[PartitionKey(DatasetName(schema: BilliardsDWD.name, table: t), dt)]?.files.map(\.sha256).sorted().joined(separator: ",") ?? "-")
                }.joined(separator: " ") + " builder \(builder)"
                let keys = outputs.map { PartitionKey($0.dataset, dt) }
                if keys.allSatisfy({ recorded[$0] == inputs && byKey[$0] != nil }) { continue }
                let day = try Day(lake, dt: dt, schemas: all)
                let (site, member) = summaries(day, tables: tables)
                staged.append(try lake.stagePartitions(schemas: outputs, dt: dt) { sinks in
                    for r in site { try sinks[0].append(r) }
                    for r in member { try sinks[1].append(r) }
                })
                rows += site.count + member.count
                for k in keys { derivations[k] = inputs }
            }
        } catch {
            for s in staged { s.discard() }
            throw error
        }
        if !staged.isEmpty {
            _ = try lake.commit(staged, runID: runID)
            try lake.setDerivations(derivations)
        }
        return (staged.count * 2, rows)
    }

    /// One day's DWD rows, by table, with columns found by name.
    struct Day {
        var tables: [String: (names: [String: Int], rows: [[Value]])] = [:]
        let dt: LakeDate

        init(_ lake: Lake, dt: LakeDate, schemas: [String: TableSchema]) throws {
            self.dt = dt
            for t in DWSBuild.dayInputs {
                let schema = schemas[t]!
                let names = Dictionary(uniqueKeysWithValues: schema.fields.enumerated().map { ($1.name, $0) })
                tables[t] = (names, try lake.rows(of: PartitionKey(schema.dataset, dt), schema: schema))
            }
        }

        /// The rows of `table`, each as the values of `columns`.
        func rows(_ table: String, _ columns: [String]) -> [[Value]] {
            let t = tables[table]!
            let idx = columns.map { t.names[$0]! }
            return t.rows.map { r in idx.map { r[$0] } }
        }
    }

    /// Each table's versions (from dim_table_scd2): its type and whether it is in
    /// service, valid from…to.
    struct TableHistory {
        var versions: [Int64: [(from: Int64, to: Int64, site: Int64, type: String, enabled: Bool)]] = [:]

        init(_ lake: Lake, _ schema: TableSchema) throws {
            let n = Dictionary(uniqueKeysWithValues: schema.fields.enumerated().map { ($1.name, $0) })
            for p in try lake.catalog.partitions(of: schema.dataset) {
                for r in try lake.rows(of: p.key, schema: schema) {
                    guard let id = r[n["table_id"]!].intValue, let site = r[n["site_id"]!].intValue, case .string(let type) = r[n["table_type"]!] else { continue }
                    versions[id, default: []].append((r[n["valid_from"]!].seconds ?? .min, r[n["valid_to"]!].seconds ?? .max, site, type,
                                                      r[n["is_enabled"]!] == .bool(true)))
                }
            }
        }

        /// The version of `table` in force at `t` (its first when `t` is before it).
        func at(_ table: Int64, _ t: Int64) -> (site: Int64, type: String, enabled: Bool)? {
            guard let list = versions[table] else { return nil }
            let v = list.first { $0.from <= t && t < $0.to } ?? list.min { $0.from < $1.from }!
            return (v.site, v.type, v.enabled)
        }
    }

    static func summaries(_ day: Day, tables: TableHistory) -> (site: [[Value]], member: [[Value]]) {
        struct Site {
            var sessions = 0, memberSessions = 0, newMembers = 0, recharges = 0
            var seconds: [String: Int64] = [:]
            var fees: [Int64] = Array(repeating: 0, count: 6)  // table, assistant, goods, discount, pay, refund
            var paid: [String: Int64] = [:]
            var recharge: Int64 = 0, gift: Int64 = 0
        }
        struct Member {
            var site: Int64 = 0, lastAt: Int64 = .min
            var visits = 0, seconds: Int64 = 0, spend: Int64 = 0, storedValue: Int64 = 0, recharge: Int64 = 0, gift: Int64 = 0
            var cards: [Int64: (at: Int64, id: Int64, balance: Int64)] = [:]
            mutating func seen(_ site: Int64, at t: Int64) { if t >= lastAt { lastAt = t; self.site = site } }
        }
        var sites: [Int64: Site] = [:]
        var members: [Int64: Member] = [:]
        let opening = VenueTime.opening(of: day.dt).secondsSinceEpoch, closing = opening + 86_400

        for r in day.rows("dwd_settlement", ["site_id", "member_id", "settled_at", "table_fee_amount", "assistant_fee_amount", "goods_amount",
                                             "adjust_amount", "member_discount_amount", "coupon_deduct_amount", "pay_amount"]) {
            let site = r[0].intValue!, at = r[2].seconds ?? 0
            sites[site, default: Site()].sessions += 1
            let u = r[3...].map { $0.units ?? 0 }
            sites[site]!.fees[0] += u[0]; sites[site]!.fees[1] += u[1]; sites[site]!.fees[2] += u[2]
            sites[site]!.fees[3] += u[3] + u[4] + u[5]; sites[site]!.fees[4] += u[6]
            if let m = r[1].intValue {
                sites[site]!.memberSessions += 1
                members[m, default: Member()].visits += 1
                members[m]!.spend += u[6]
                members[m]!.seen(site, at: at)
            }
        }
        for r in day.rows("dwd_table_use", ["site_id", "table_id", "member_id", "started_at", "real_seconds"]) {
            let site = r[0].intValue!, seconds = r[4].intValue ?? 0
            let type = r[1].intValue.flatMap { tables.at($0, r[3].seconds ?? 0)?.type } ?? "unknown"
            sites[site, default: Site()].seconds[type, default: 0] += seconds
            if let m = r[2].intValue {
                members[m, default: Member()].seconds += seconds
                members[m]!.seen(site, at: r[3].seconds ?? 0)
            }
        }
        for r in day.rows("dwd_payment", ["site_id", "payment_for", "pay_method", "pay_amount", "member_id"]) {
            guard r[1] == .string("settlement"), case .string(let method) = r[2] else { continue }
            let site = r[0].intValue!, amount = r[3].units ?? 0
            sites[site, default: Site()].paid[method, default: 0] += amount
            if method == "stored_value", let m = r[4].intValue { members[m, default: Member()].storedValue += amount }
        }
        for r in day.rows("dwd_refund", ["site_id", "refund_amount"]) { sites[r[0].intValue!, default: Site()].fees[5] += r[1].units ?? 0 }
        for r in day.rows("dwd_recharge", ["site_id", "member_id", "recharge_amount", "gift_amount", "recharged_at"]) {
            let site = r[0].intValue!, m = r[1].intValue!
            sites[site, default: Site()].recharges += 1
            sites[site]!.recharge += r[2].units ?? 0
            sites[site]!.gift += r[3].units ?? 0
            members[m, default: Member()].recharge += r[2].units ?? 0
            members[m]!.gift += r[3].units ?? 0
            members[m]!.seen(site, at: r[4].seconds ?? 0)
        }
        for r in day.rows("dwd_member_balance_change", ["site_id", "member_id", "member_card_id", "changed_at", "balance_change_id", "balance_after"]) {
            let m = r[1].intValue!, card = r[2].intValue!, at = r[3].seconds ?? 0, id = r[4].intValue ?? 0
            members[m, default: Member()].seen(r[0].intValue!, at: at)
            if let seen = members[m]!.cards[card], (seen.at, seen.id) > (at, id) { continue }
            members[m]!.cards[card] = (at, id, r[5].units ?? 0)
        }
        for r in day.rows("dim_member", ["site_id", "created_at"]) {
            if let t = r[1].seconds, opening <= t, t < closing { sites[r[0].intValue!, default: Site()].newMembers += 1 }
        }
        // Tables in service: each table's version in force at some moment of the day.
        var inService: [Int64: Int] = [:]
        for (id, list) in tables.versions where list.contains(where: { $0.from < closing && opening < $0.to && $0.enabled }) {
            inService[tables.at(id, max(opening, list.map(\.from).min()!))!.site, default: 0] += 1
        }

        func hours(_ seconds: Int64) -> Value { .decimal(FixedDecimal(units: (seconds &* 100 &+ 1800) / 3600, scale: 2)) }
        func fen(_ v: Int64) -> Value { .decimal(FixedDecimal(units: v, scale: 2)) }
        var siteRows: [[Value]] = []
        for (id, s) in sites.sorted(by: { $0.key < $1.key }) {
            let played = s.seconds.values.reduce(0, +)
            let n = inService[id] ?? 0
            let utilisation = n == 0 ? 0 : Int64((Double(played) * 10_000 / Double(n * 86_400)).rounded())
            var row: [Value] = [.int(id), .int(Int64(s.sessions)), .int(Int64(s.memberSessions))]
            row += tableTypes.map { hours(s.seconds[$0] ?? 0) }
            row += [.int(Int64(n)), .decimal(FixedDecimal(units: utilisation, scale: 4))]
            row += s.fees.map(fen)
            row += payMethods.map { fen(s.paid[$0] ?? 0) }
            row += [.int(Int64(s.newMembers)), .int(Int64(s.recharges)), fen(s.recharge), fen(s.gift)]
            siteRows.append(row)
        }
        var memberRows: [[Value]] = []
        for (id, m) in members.sorted(by: { $0.key < $1.key }) {
            let balance: Value = m.cards.isEmpty ? .null : fen(m.cards.values.reduce(0) { $0 + $1.balance })
            memberRows.append([.int(id), .int(m.site), .int(Int64(m.visits)), hours(m.seconds), fen(m.spend), fen(m.storedValue),
                               fen(m.recharge), fen(m.gift), balance])
        }
        return (siteRows, memberRows)
    }
}
