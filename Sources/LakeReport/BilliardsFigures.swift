public import LakeCatalog
public import LakeFormat
import Billiards
import BilliardsVenue
import TableSchema

/// The billiards venue's figures, read from its DWS day summaries, its table-use lines
/// and its tables' history in the lake, and from the catalogue's last quality checks.
/// Money is in fen (hundredths of a yuan), summed exactly.
public struct BilliardsFigures: Codable, Sendable, Equatable {
    /// Per business day with a store summary, summed over the stores.
    public var days: [Day]
    /// The payment methods, in the order of each day's `paidCents`.
    public var payMethods: [String]
    /// Table types (the rows of the utilisation heatmap), with the tables of each and,
    /// per clock hour 0–23 (UTC+8), the seconds played at them over the window.
    public var tableTypes: [TableType]
    /// Business days with table-use lines in the window: the heatmap's denominator.
    public var useDays: Int
    /// The last run's quality checks; nil when none ran.
    public var quality: Quality?

    public struct Day: Codable, Sendable, Equatable {
        public var dt: String
        public var stores: Int
        public var sessions: Int
        public var tableFeeCents: Int64
        public var assistantFeeCents: Int64
        public var goodsCents: Int64
        public var discountCents: Int64
        public var payCents: Int64
        public var refundCents: Int64
        /// Per method of `payMethods`.
        public var paidCents: [Int64]
        public var newMembers: Int
        public var recharges: Int
        public var rechargeCents: Int64
        public var giftCents: Int64
    }

    public struct TableType: Codable, Sendable, Equatable {
        public var type: String
        /// Its upstream name (中式黑八), when the model names it.
        public var label: String?
        /// Tables whose current version is of this type.
        public var tables: Int
        public var secondsByHour: [Int64]
    }

    public struct Quality: Codable, Sendable, Equatable {
        public var runID: Int64
        public var checkedAt: String
        public var checks: [QualityResult]
    }
}

/// What a report says about a payment method: its upstream name, when known.
extension BilliardsFigures {
    public static func label(payMethod: String) -> String? { DWDModel.payMethod.values.first { $0.value == payMethod }?.label }
}

/// Reads `BilliardsFigures` a day at a time.
struct BilliardsReader: Sendable {
    let lake: Lake
    let summary: TableSchema
    let tableUse: TableSchema?
    let tables: TableSchema?
    let summaryDays: [LakeDate]
    let useDays: [LakeDate]
    let tableDays: [LakeDate]
    let payMethods: [String]

    static let summaryName = DatasetName("billiards.dws_site_day_summary")!
    static let tableUseName = DatasetName("billiards.dwd_table_use")!
    static let tablesName = DatasetName("billiards.dim_table_scd2")!

    /// Nil when the lake holds no store summaries in the window.
    init?(lake: Lake, schemas: [String: TableSchema], partitions: [String: [PartitionRecord]], allPartitions: [PartitionRecord]) {
        guard let summary = schemas[Self.summaryName.description], let days = partitions[Self.summaryName.description], !days.isEmpty else { return nil }
        self.lake = lake
        self.summary = summary
        tableUse = schemas[Self.tableUseName.description]
        tables = schemas[Self.tablesName.description]
        summaryDays = days.map(\.key.dt).sorted()
        useDays = (partitions[Self.tableUseName.description] ?? []).filter { $0.rows > 0 }.map(\.key.dt).sorted()
        // The tables' history whatever the window: a table's type is its current version's.
        tableDays = allPartitions.filter { $0.dataset == Self.tablesName }.map(\.key.dt).sorted()
        payMethods = summary.fields.compactMap { f -> String? in
            guard f.name.hasPrefix("paid_"), f.name.hasSuffix("_amount") else { return nil }
            return String(f.name.dropFirst(5).dropLast(7))
        }
    }

    func read(jobs: Int) throws -> BilliardsFigures {
        let days = try WorkQueue.map(summaryDays.count, jobs: jobs, state: {}) { _, i in Result { try self.day(summaryDays[i]) } }.map { try $0.get() }
        let types = try tableTypes()
        var played: [String: [Int64]] = [:]
        let perDay = WorkQueue.map(useDays.count, jobs: jobs, state: {}) { _, i in Result { try self.played(useDays[i], types: types.byTable) } }
        for r in perDay {
            for (type, hours) in try r.get() {
                var sum = played[type] ?? [Int64](repeating: 0, count: 24)
                for h in 0..<24 { sum[h] += hours[h] }
                played[type] = sum
            }
        }
        let known = DWDModel.tableType.values.map(\.value)
        let order = known.filter { types.count[$0] != nil || played[$0] != nil }
            + Set(types.count.keys).union(played.keys).subtracting(known).sorted()
        return BilliardsFigures(
            days: days, payMethods: payMethods,
            tableTypes: order.map { t in
                .init(type: t, label: DWDModel.tableType.values.first { $0.value == t }?.label, tables: types.count[t] ?? 0,
                      secondsByHour: played[t] ?? [Int64](repeating: 0, count: 24))
            },
            useDays: useDays.count,
            quality: try lake.catalog.lastQuality().map { .init(runID: $0.runID, checkedAt: $0.checkedAt, checks: $0.results) })
    }

    /// One day's store summaries, summed.
    func day(_ dt: LakeDate) throws -> BilliardsFigures.Day {
        var d = BilliardsFigures.Day(dt: dt.description, stores: 0, sessions: 0, tableFeeCents: 0, assistantFeeCents: 0, goodsCents: 0,
                                     discountCents: 0, payCents: 0, refundCents: 0, paidCents: payMethods.map { _ in 0 }, newMembers: 0,
                                     recharges: 0, rechargeCents: 0, giftCents: 0)
        func column(_ name: String) throws -> Int {
            guard let i = summary.fields.firstIndex(where: { $0.name == name }) else {
                throw ReportError("\(Self.summaryName) has no \(name) column; its schema is not the venue's (rebuild it with `opslake billiards dwd --rebuild`)", badData: true)
            }
            return i
        }
        let sessions = try column("sessions"), tableFee = try column("table_fee_amount"), assistantFee = try column("assistant_fee_amount")
        let goods = try column("goods_amount"), discount = try column("discount_amount"), pay = try column("pay_amount")
        let refund = try column("refund_amount"), newMembers = try column("new_members"), recharges = try column("recharges")
        let recharge = try column("recharge_amount"), gift = try column("recharge_gift_amount")
        let paid = try payMethods.map { try column("paid_\($0)_amount") }
        var bad: String?
        try lake.forEachRow(of: PartitionKey(Self.summaryName, dt), schema: summary) { tape, nodes in
            func cents(_ i: Int) -> Int64 {
                guard let c = Self.cents(tape, nodes[i]) else { bad = bad ?? summary.fields[i].name; return 0 }
                return c
            }
            func count(_ i: Int) -> Int {
                guard let n = tape.int64(nodes[i]) else { bad = bad ?? summary.fields[i].name; return 0 }
                return Int(n)
            }
            d.stores += 1
            d.sessions += count(sessions)
            d.tableFeeCents += cents(tableFee)
            d.assistantFeeCents += cents(assistantFee)
            d.goodsCents += cents(goods)
            d.discountCents += cents(discount)
            d.payCents += cents(pay)
            d.refundCents += cents(refund)
            for (k, i) in paid.enumerated() { d.paidCents[k] += cents(i) }
            d.newMembers += count(newMembers)
            d.recharges += count(recharges)
            d.rechargeCents += cents(recharge)
            d.giftCents += cents(gift)
        }
        if let bad { throw ReportError("\(Self.summaryName) \(dt): \(bad) is not a number; run `opslake verify`", badData: true) }
        return d
    }

    /// Each table's current type, and the tables of each type.
    func tableTypes() throws -> (byTable: [Int64: String], count: [String: Int]) {
        guard let schema = tables, let id = schema.fields.firstIndex(where: { $0.name == "table_id" }),
              let type = schema.fields.firstIndex(where: { $0.name == "table_type" }),
              let current = schema.fields.firstIndex(where: { $0.name == "is_current" }) else { return ([:], [:]) }
        var byTable: [Int64: String] = [:]
        for dt in tableDays {
            try lake.forEachRow(of: PartitionKey(Self.tablesName, dt), schema: schema) { tape, nodes in
                guard tape.kind(nodes[current]) == .true, let t = tape.int64(nodes[id]), let name = tape.string(nodes[type]) else { return }
                byTable[t] = name
            }
        }
        var count: [String: Int] = [:]
        for t in byTable.values { count[t, default: 0] += 1 }
        return (byTable, count)
    }

    /// Seconds played per table type and clock hour on one business day: each session's
    /// [start, end) split at the hours it spans.
    func played(_ dt: LakeDate, types: [Int64: String]) throws -> [String: [Int64]] {
        guard let schema = tableUse, let table = schema.fields.firstIndex(where: { $0.name == "table_id" }),
              let start = schema.fields.firstIndex(where: { $0.name == "started_at_raw" }),
              let end = schema.fields.firstIndex(where: { $0.name == "ended_at_raw" }) else { return [:] }
        var out: [String: [Int64]] = [:]
        try lake.forEachRow(of: PartitionKey(Self.tableUseName, dt), schema: schema) { tape, nodes in
            let local = { (i: Int) -> Int64? in
                tape.withStringBytes(nodes[i]) { VenueTime(utf8: $0).map { $0.secondsSinceEpoch + VenueTime.offsetSeconds } } ?? nil
            }
            guard let id = tape.int64(nodes[table]), var t = local(start), let e = local(end) else { return }
            let type = types[id] ?? "(unknown)"
            while t < e {
                let next = min(e, (t / 3600 + 1) * 3600)
                out[type, default: [Int64](repeating: 0, count: 24)][Int(t / 3600 % 24)] += next - t  // in place, no copy per row
                t = next
            }
        }
        return out
    }

    /// A JSON number with at most 2 decimals as hundredths; nil for anything else.
    static func cents(_ tape: JSONTape, _ node: Int) -> Int64? {
        guard let text = tape.numberText(node), case .decimal(let d)? = RowDecoder.parse(text, as: .decimal), d.scale <= 2 else { return nil }
        let (v, overflow) = d.units.multipliedReportingOverflow(by: FixedDecimal.pow10(2 - d.scale))
        return overflow ? nil : v
    }
}
