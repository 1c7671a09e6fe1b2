public import LakeCatalog
public import LakeFormat
public import PostgresSync
import TableSchema
import Foundation
import Synchronization

/// The figures a report draws, read from the lake itself by streaming its partitions
/// (never from a generator's internals), so a report of ingested or shipped data is as
/// true as one of generated data. `opslake report --json` prints them; the tests check
/// them against DuckDB's reading of the same lake.
public struct ReportFigures: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    /// Every dataset of the lake: its partitions (dt) in the window, rows and sizes.
    public var datasets: [DatasetFigure]
    /// The pet shop's figures; nil when the lake holds none of its orders (or not asked for).
    public var petshop: PetShopFigures?
    /// The billiards venue's; nil when the lake holds none of its day summaries (or not asked for).
    public var billiards: BilliardsFigures?
    /// Per dataset, what PostgreSQL's ledger holds of it; nil when no connection was given.
    public var postgres: [LoadedFigure]?

    /// The parts of a report, each chosen with `--domain`.
    public enum Section: String, CaseIterable, Sendable, Codable {
        case petshop, billiards, lake
    }

    public struct LoadedFigure: Codable, Sendable, Equatable {
        public var dataset: String
        public var partitions: Int
        /// Loaded with the lake's content; loaded, but the lake's has changed since; never loaded.
        public var loaded: Int
        public var changed: Int
        public var missing: Int
        /// Rows the lake holds, and rows the ledger says are loaded of the partitions loaded
        /// with the lake's content (as `opslake load status` counts them).
        public var rows: Int64
        public var loadedRows: Int64
    }

    public struct DatasetFigure: Codable, Sendable, Equatable {
        public var dataset: String
        public var partitions: Int
        public var rows: Int64
        /// Bytes on disk (zstd) and before compression, CSV and NDJSON together.
        public var bytes: Int64
        public var rawBytes: Int64
        /// The days it has a partition for, in order.
        public var days: [String]
    }

    public struct PetShopFigures: Codable, Sendable, Equatable {
        /// One per day of the window with orders or a calendar entry, in order.
        public var days: [Day]
        /// Per promotion type: orders, order lines (`item_count`) and units (`quantity_total`).
        public var byPromotionType: [PromotionType]
        /// Orders by the hour of `ordered_at` (Taipei), 0 to 23.
        public var ordersByHour: [Int]
        /// Sessions (of `behavior_events`) with a view, an add to cart, a purchase.
        public var funnel: Funnel
        /// Order lines and units per (the order's promotion type, the line's category).
        public var categories: [CategoryMix]
        /// Per month: buyers whose first order in the window is in it, and the others.
        public var buyersByMonth: [MonthBuyers]
        /// Per month of first order (in the window): its buyers, and how many of them
        /// ordered in each month from it on (`active[0]` is the cohort itself).
        public var cohorts: [Cohort]
    }

    public struct CategoryMix: Codable, Sendable, Equatable {
        public var type: String
        public var category: String
        public var lines: Int
        public var units: Int64
    }

    public struct MonthBuyers: Codable, Sendable, Equatable {
        public var month: String
        public var new: Int
        public var returning: Int
    }

    public struct Cohort: Codable, Sendable, Equatable {
        public var month: String
        public var active: [Int]
    }

    public struct Day: Codable, Sendable, Equatable {
        public var dt: String
        public var orders: Int
        /// The sum of `orders.total`, TWD.
        public var revenue: Int64
        public var promotionType: String?
        public var promotionName: String?
        public var workingDay: Bool?
        public var holiday: String?
        public var festival: String?
    }

    public struct PromotionType: Codable, Sendable, Equatable {
        public var type: String
        public var orders: Int
        public var lines: Int64
        public var units: Int64
    }

    public struct Funnel: Codable, Sendable, Equatable {
        public var sessions = 0
        public var viewed = 0
        public var carted = 0
        public var purchased = 0
    }
}

extension ReportFigures {
    /// Reads the figures of `lake` for `window` (every day it holds when nil), a day's
    /// partitions at a time on `jobs` threads: the `sections` asked for (a domain asked
    /// for by name must be in the lake), and what `postgres`'s ledger holds when given.
    public static func read(_ lake: Lake, window: ClosedRange<LakeDate>?, jobs: Int,
                            sections: Set<Section> = Set(Section.allCases), named: Bool = false,
                            postgres: LoadJob? = nil) throws -> ReportFigures {
        let everything = try lake.catalog.partitions()
        let partitions = everything.filter { window?.contains($0.key.dt) ?? true }
        let allDays = partitions.map(\.key.dt)
        guard let first = allDays.min(), let last = allDays.max() else {
            throw ReportError("the lake holds no partitions\(window.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? ""); generate or ingest some first")
        }
        var datasets: [String: DatasetFigure] = [:]
        for p in partitions.sorted(by: { $0.dt < $1.dt }) {
            let name = p.dataset.description
            var d = datasets[name] ?? DatasetFigure(dataset: name, partitions: 0, rows: 0, bytes: 0, rawBytes: 0, days: [])
            d.partitions += 1
            d.rows += Int64(p.rows)
            d.bytes += p.bytes
            d.rawBytes += p.uncompressedBytes
            d.days.append(p.dt)
            datasets[name] = d
        }
        let schemas = Dictionary(try lake.catalog.registeredSchemas().map { ($0.dataset.description, $0) }, uniquingKeysWith: { a, _ in a })
        let byDataset = Dictionary(grouping: partitions, by: { $0.dataset.description })
        let range = window.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? ""
        var petshop: PetShopFigures?
        if sections.contains(.petshop) {
            let reader = try PetShopReader(lake: lake, schemas: schemas, partitions: byDataset)
            if reader == nil && named { throw ReportError("the lake holds no petshop.orders\(range); generate the pet shop's days first, or leave out --domain petshop") }
            petshop = try reader?.read(jobs: jobs)
        }
        var billiards: BilliardsFigures?
        if sections.contains(.billiards) {
            let reader = BilliardsReader(lake: lake, schemas: schemas, partitions: byDataset, allPartitions: everything)
            if reader == nil && named { throw ReportError("the lake holds no \(BilliardsReader.summaryName)\(range); run `opslake billiards dwd` first, or leave out --domain billiards") }
            billiards = try reader?.read(jobs: jobs)
        }
        var loaded: [LoadedFigure]?
        if let postgres {
            var byName: [String: LoadedFigure] = [:]
            for p in try postgres.plan(datasets: Set(partitions.map(\.dataset)), window: window) {
                let name = p.record.dataset.description
                var f = byName[name] ?? LoadedFigure(dataset: name, partitions: 0, loaded: 0, changed: 0, missing: 0, rows: 0, loadedRows: 0)
                f.partitions += 1
                f.rows += Int64(p.record.rows)
                switch p.state {
                case .unchanged: f.loaded += 1; f.loadedRows += Int64(p.loadedRows ?? 0)
                case .changed: f.changed += 1
                case .new: f.missing += 1
                }
                byName[name] = f
            }
            loaded = byName.values.sorted { $0.dataset < $1.dataset }
        }
        return ReportFigures(from: first.description, to: last.description,
                             datasets: datasets.values.sorted { $0.dataset < $1.dataset }, petshop: petshop,
                             billiards: billiards, postgres: loaded)
    }
}

/// What stops a report: one line naming the problem and the fix.
public struct ReportError: Error, CustomStringConvertible {
    public let description: String
    /// The lake holds data the report cannot read (65), rather than none of it (66).
    public let isBadData: Bool
    init(_ description: String, badData: Bool = false) {
        self.description = description
        isBadData = badData
    }
}

/// The pet shop's figures, a day at a time: orders (count, revenue, type, lines, units,
/// hour), the calendar's day, and the day's sessions through the funnel.
struct PetShopReader: Sendable {
    let lake: Lake
    let orders: TableSchema
    let calendar: TableSchema?
    let orderItems: TableSchema?
    let days: [LakeDate]
    let has: Set<String>

    init?(lake: Lake, schemas: [String: TableSchema], partitions: [String: [PartitionRecord]]) throws {
        guard let orders = schemas["petshop.orders"], let orderDays = partitions["petshop.orders"], !orderDays.isEmpty else { return nil }
        self.lake = lake
        self.orders = orders
        calendar = schemas["petshop.promotion_calendar"]
        orderItems = schemas["petshop.order_items"]
        let keys = ["petshop.orders", "petshop.order_items", "petshop.behavior_events", "petshop.promotion_calendar"].flatMap { name in
            (partitions[name] ?? []).map { "\(name)@\($0.dt)" }
        }
        has = Set(keys)
        days = Set((partitions["petshop.orders"] ?? []).map(\.key.dt) + (partitions["petshop.promotion_calendar"] ?? []).map(\.key.dt)).sorted()
    }

    struct DayFigures: Sendable {
        var day: ReportFigures.Day
        var types: [String: ReportFigures.PromotionType] = [:]
        var hours = [Int](repeating: 0, count: 24)
        var funnel = ReportFigures.Funnel()
        /// The customer of each order, in file order.
        var buyers: [String] = []
        /// (promotion type, category) → lines, units.
        var categories: [Pair: (lines: Int, units: Int64)] = [:]
    }

    struct Pair: Hashable, Sendable {
        var type: String
        var category: String
    }

    func read(jobs: Int) throws -> ReportFigures.PetShopFigures {
        let results = WorkQueue.map(days.count, jobs: jobs, state: {}) { _, i in Result { try self.day(days[i]) } }
        var out = ReportFigures.PetShopFigures(days: [], byPromotionType: [], ordersByHour: [Int](repeating: 0, count: 24), funnel: .init(),
                                               categories: [], buyersByMonth: [], cohorts: [])
        var types: [String: ReportFigures.PromotionType] = [:]
        var categories: [Pair: (lines: Int, units: Int64)] = [:]
        // Every calendar month of the window (one with no orders too), each buyer's first
        // month, and the distinct buyers of each (cohort, month) and month: days come in
        // order, so the first month a buyer is seen in is their first.
        func monthNumber(_ day: LakeDate) -> Int { let (y, m, _) = day.components; return y * 12 + m - 1 }
        let base = days.first.map(monthNumber) ?? 0
        let span = days.last.map { monthNumber($0) - base + 1 } ?? 0
        let months = (0..<span).map { String(format: "%04d-%02d", (base + $0) / 12, (base + $0) % 12 + 1) }
        var first: [String: Int] = [:]
        var active: [[Set<String>]] = (0..<span).map { Array(repeating: [], count: span - $0) }
        var monthBuyers = [Set<String>](repeating: [], count: span)
        for (i, r) in results.enumerated() {
            let d = try r.get()
            out.days.append(d.day)
            let m = monthNumber(days[i]) - base
            for c in d.buyers {
                let cohort = first[c] ?? m
                if first[c] == nil { first[c] = m }
                active[cohort][m - cohort].insert(c)
                monthBuyers[m].insert(c)
            }
            for (k, v) in d.categories {
                let sum = categories[k] ?? (0, 0)
                categories[k] = (sum.lines + v.lines, sum.units + v.units)
            }
            for (k, t) in d.types {
                var sum = types[k] ?? ReportFigures.PromotionType(type: k, orders: 0, lines: 0, units: 0)
                sum.orders += t.orders
                sum.lines += t.lines
                sum.units += t.units
                types[k] = sum
            }
            for h in 0..<24 { out.ordersByHour[h] += d.hours[h] }
            out.funnel.sessions += d.funnel.sessions
            out.funnel.viewed += d.funnel.viewed
            out.funnel.carted += d.funnel.carted
            out.funnel.purchased += d.funnel.purchased
        }
        out.byPromotionType = types.values.sorted { $0.type < $1.type }
        out.categories = categories.map { ReportFigures.CategoryMix(type: $0.key.type, category: $0.key.category, lines: $0.value.lines, units: $0.value.units) }
            .sorted { ($0.type, $0.category) < ($1.type, $1.category) }
        out.buyersByMonth = months.indices.map { m in
            let new = monthBuyers[m].count { first[$0] == m }
            return ReportFigures.MonthBuyers(month: months[m], new: new, returning: monthBuyers[m].count - new)
        }
        out.cohorts = months.indices.map { ReportFigures.Cohort(month: months[$0], active: active[$0].map(\.count)) }
        return out
    }

    /// The node of column `name` among a row's `nodes`, if the schema has it.
    static func column(_ schema: TableSchema, _ name: String) -> Int? { schema.fields.firstIndex { $0.name == name } }

    func day(_ dt: LakeDate) throws -> DayFigures {
        var f = DayFigures(day: ReportFigures.Day(dt: dt.description, orders: 0, revenue: 0))
        if let calendar, has.contains("petshop.promotion_calendar@\(dt)") {
            let type = Self.column(calendar, "promotion_type"), typeName = Self.column(calendar, "promotion_name")
            let working = Self.column(calendar, "is_working_day")
            let holiday = Self.column(calendar, "holiday"), festival = Self.column(calendar, "festival")
            try lake.forEachRow(of: PartitionKey(DatasetName("petshop.promotion_calendar")!, dt), schema: calendar) { tape, nodes in
                f.day.promotionType = type.flatMap { tape.string(nodes[$0]) }
                f.day.promotionName = typeName.flatMap { tape.string(nodes[$0]) }
                f.day.workingDay = working.flatMap { tape.kind(nodes[$0]) == .true ? true : tape.kind(nodes[$0]) == .false ? false : nil }
                f.day.holiday = holiday.flatMap { tape.string(nodes[$0]) }
                f.day.festival = festival.flatMap { tape.string(nodes[$0]) }
            }
        }
        if has.contains("petshop.orders@\(dt)") {
            guard let total = Self.column(orders, "total"), let at = Self.column(orders, "ordered_at") else {
                throw ReportError("petshop.orders has no total or ordered_at column; its schema is not the pet shop's", badData: true)
            }
            let type = Self.column(orders, "promotion_type"), items = Self.column(orders, "item_count"), units = Self.column(orders, "quantity_total")
            let customer = Self.column(orders, "customer_id"), id = Self.column(orders, "order_id")
            var typeOf: [String: String] = [:]
            try lake.forEachRow(of: PartitionKey(DatasetName("petshop.orders")!, dt), schema: orders) { tape, nodes in
                f.day.orders += 1
                if let c = customer.flatMap({ tape.string(nodes[$0]) }) { f.buyers.append(c) }
                let name = type.flatMap { tape.string(nodes[$0]) } ?? "(none)"
                if let o = id.flatMap({ tape.string(nodes[$0]) }) { typeOf[o] = name }
                f.day.revenue += tape.int64(nodes[total]) ?? 0
                if let hour = tape.withStringBytes(nodes[at], { b in b.count >= 13 ? (Int(b[11]) - 48) * 10 + Int(b[12]) - 48 : -1 }),
                   (0..<24).contains(hour) {
                    f.hours[hour] += 1
                }
                var t = f.types[name] ?? ReportFigures.PromotionType(type: name, orders: 0, lines: 0, units: 0)
                t.orders += 1
                t.lines += items.flatMap { tape.int64(nodes[$0]) } ?? 0
                t.units += units.flatMap { tape.int64(nodes[$0]) } ?? 0
                f.types[name] = t
            }
            // Each line's category under its order's promotion type (the order is in the same day).
            if let lineSchema = orderItems, has.contains("petshop.order_items@\(dt)"),
               let order = Self.column(lineSchema, "order_id"), let category = Self.column(lineSchema, "category") {
                let quantity = Self.column(lineSchema, "quantity")
                try lake.forEachRow(of: PartitionKey(DatasetName("petshop.order_items")!, dt), schema: lineSchema) { tape, nodes in
                    guard let o = tape.string(nodes[order]) else { return }
                    let key = Pair(type: typeOf[o] ?? "(no order)", category: tape.string(nodes[category]) ?? "(none)")
                    let sum = f.categories[key] ?? (0, 0)
                    f.categories[key] = (sum.lines + 1, sum.units + (quantity.flatMap { tape.int64(nodes[$0]) } ?? 0))
                }
            }
        }
        if has.contains("petshop.behavior_events@\(dt)") { f.funnel = try funnel(dt) }
        return f
    }

    /// The day's sessions through the funnel, from `behavior_events`' CSV: two columns
    /// of every row, read without making a row (the NDJSON path took four times as long
    /// for a year). A session's events are all in its day's partition.
    func funnel(_ dt: LakeDate) throws -> ReportFigures.Funnel {
        let key = PartitionKey(DatasetName("petshop.behavior_events")!, dt)
        guard let record = try lake.catalog.partition(key) else { return .init() }
        // Sessions by number (S and digits, as the pet shop names them); any other id by its text.
        var numbered: [UInt64: UInt8] = [:]
        var named: [String: UInt8] = [:]
        for file in record.files.filter({ $0.format == .csv }).sorted(by: { $0.part < $1.part }) {
            let reader = CSVReader(source: try ZstdReader(source: try FileSource(path: lake.absolute(file.path)), name: file.path))
            var columns: [String] = []
            _ = try reader.nextFields { _, bytes, _ in columns.append(String(decoding: bytes, as: UTF8.self)) }
            guard let sessionColumn = columns.firstIndex(of: "session_id"), let kindColumn = columns.firstIndex(of: "event_type") else {
                throw ReportError("\(file.path) has no session_id or event_type column; its schema is not the pet shop's events'", badData: true)
            }
            var number: UInt64? = nil, name: String? = nil, bit: UInt8 = 0
            while try reader.nextFields({ i, b, quoted in
                if i == sessionColumn {
                    // An empty unquoted field is NULL: no session, as DuckDB's count(DISTINCT) has it.
                    number = Self.sessionNumber(b)
                    name = number == nil && (quoted || !b.isEmpty) ? String(decoding: b, as: UTF8.self) : nil
                } else if i == kindColumn {
                    bit = b.elementsEqual("view".utf8) ? 1 : b.elementsEqual("add_to_cart".utf8) ? 2 : b.elementsEqual("purchase".utf8) ? 4 : 0
                }
            }) {
                if let number { numbered[number, default: 0] |= bit } else if let name { named[name, default: 0] |= bit }
                (number, name, bit) = (nil, nil, 0)
            }
        }
        var f = ReportFigures.Funnel()
        for v in Array(numbered.values) + Array(named.values) {
            f.sessions += 1
            if v & 1 != 0 { f.viewed += 1 }
            if v & 2 != 0 { f.carted += 1 }
            if v & 4 != 0 { f.purchased += 1 }
        }
        return f
    }

    /// `S` and 1 to 18 digits as a number, its digits after a leading 1 (so "S01" and
    /// "S1" stay apart); nil for anything else.
    static func sessionNumber(_ b: [UInt8]) -> UInt64? {
        guard b.count >= 2, b.count <= 19, b[0] == UInt8(ascii: "S") else { return nil }
        var n: UInt64 = 1  // a leading 1 keeps the digits' count: "S01" is not "S1"
        for c in b.dropFirst() {
            guard c >= 48 && c <= 57 else { return nil }
            n = n * 10 + UInt64(c - 48)
        }
        return n
    }
}
