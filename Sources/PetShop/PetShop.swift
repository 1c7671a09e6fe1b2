public import LakeFormat
public import GeneratorKit
import Foundation
import Synchronization

/// The pet-supplies shop (PETSHOP in the docs): members, a weekly catalogue, a
/// weekday promotion calendar with monthly campaigns, and each day's sessions,
/// orders and order lines.
public struct PetShop: DomainGenerator {
    public let config: PetShopConfig
    public let imports: [ImportedCatalogue]
    let catalogues = CatalogueCache()
    let members = MemberCache()
    let seasons: Seasons

    public init(config: PetShopConfig, imports: [ImportedCatalogue] = []) {
        self.config = config
        seasons = Seasons(config: config)
        self.imports = imports.sorted { $0.from < $1.from }
    }

    /// The catalogue in force on `dt`, built once per week however many days ask for it.
    func catalogue(on dt: LakeDate) -> Catalogue {
        catalogues.catalogue(for: dt.monday) { Catalogue(config: config, imports: imports, week: dt) }
    }

    public var domain: String { Self.name }

    public static let customers = DatasetName(schema: "petshop", table: "customers")
    public static let customerChanges = DatasetName(schema: "petshop", table: "customer_changes")
    public static let products = DatasetName(schema: "petshop", table: "products")
    public static let promotionCalendar = DatasetName(schema: "petshop", table: "promotion_calendar")
    public static let campaigns = DatasetName(schema: "petshop", table: "campaigns")
    public static let behaviorEvents = DatasetName(schema: "petshop", table: "behavior_events")
    public static let orders = DatasetName(schema: "petshop", table: "orders")
    public static let orderItems = DatasetName(schema: "petshop", table: "order_items")

    public var datasets: [DatasetName] {
        [Self.customers, Self.customerChanges, Self.products, Self.promotionCalendar, Self.campaigns,
         Self.behaviorEvents, Self.orders, Self.orderItems]
    }

    /// The weekly catalogue; everything else of the shop is daily (campaigns monthly).
    public static let weeklyDatasets: Set<DatasetName> = [products]

    /// The first day a dataset has a partition.
    func start(of dataset: DatasetName) -> LakeDate {
        switch dataset {
        case Self.customers: config.opened.adding(days: -1)
        case Self.products: config.opened.monday
        case Self.campaigns: config.opened.firstOfMonth
        default: config.opened
        }
    }

    /// Whether `dataset` has a partition on `dt`.
    public func hasPartition(_ dataset: DatasetName, on dt: LakeDate) -> Bool {
        guard dt >= start(of: dataset) else { return false }
        switch dataset {
        case Self.products: return dt.isoWeekday == 1
        case Self.campaigns: return dt.components.day == 1 || dt == start(of: dataset)
        default: return true
        }
    }

    public func partitions(of datasets: Set<DatasetName>, from: LakeDate, to: LakeDate) throws -> [PartitionKey] {
        let earliest = config.opened.adding(days: -1)
        guard to >= earliest else {
            throw PetShopError("the range ends on \(to), before the shop's history starts (petshop.opened = \(config.opened)); choose dates from \(earliest) on")
        }
        let from = max(from, earliest)
        var keys: [PartitionKey] = []
        for dataset in self.datasets where datasets.contains(dataset) {
            // The slowly changing partitions in force on the first day come along.
            if dataset == Self.products, from.monday >= start(of: dataset), from.isoWeekday != 1 {
                keys.append(PartitionKey(dataset, from.monday))
            }
            if dataset == Self.campaigns, from.firstOfMonth >= start(of: dataset), !hasPartition(dataset, on: from) {
                keys.append(PartitionKey(dataset, from.firstOfMonth))
            }
            var dt = from
            while dt <= to {
                if hasPartition(dataset, on: dt) { keys.append(PartitionKey(dataset, dt)) }
                dt = dt.adding(days: 1)
            }
        }
        return keys
    }

    public func generate(dt: LakeDate, datasets: [DatasetName], into sinks: [any RowSink]) throws {
        func sink(_ name: DatasetName) -> (any RowSink)? { datasets.firstIndex(of: name).map { sinks[$0] } }
        let people = People(config: config)
        if let s = sink(Self.customers) { try people.writeCustomers(on: dt, into: s) }
        if let s = sink(Self.customerChanges) { try people.writeChanges(on: dt, into: s) }
        if let s = sink(Self.products) { try writeProducts(on: dt, into: s) }
        if let s = sink(Self.promotionCalendar) { try writeCalendar(on: dt, into: s) }
        if let s = sink(Self.campaigns) { try CampaignSet(config: config, month: dt).write(into: s) }
        let events = sink(Self.behaviorEvents), orders = sink(Self.orders), items = sink(Self.orderItems)
        if events != nil || orders != nil || items != nil {
            try DaySimulation(config: config, catalogue: catalogue(on: dt), lives: members.lives(before: dt, config: config), dt: dt,
                              demand: seasons.demand(on: dt))
                .run(events: events, orders: orders, items: items)
        }
    }

    func writeProducts(on dt: LakeDate, into sink: any RowSink) throws {
        let catalogue = catalogue(on: dt)
        let updated = taipei(dt, 4 * 3600)
        for p in catalogue.products {
            let category = Reference.shared.categories[p.category]
            try ProductRow(productID: p.id, name: p.name, brand: p.brand, category: category.name, petType: p.pet,
                           pack: p.pack, price: p.price, listPrice: p.listPrice, essential: category.essential,
                           updatedAt: updated).write(to: sink)
        }
    }

    func writeCalendar(on dt: LakeDate, into sink: any RowSink) throws {
        let type = config.promotion(on: dt)
        let day = TaiwanCalendar.shared.day(dt)
        try PromotionCalendarRow(weekday: dt.isoWeekday, weekdayName: Self.weekdayNames[dt.isoWeekday - 1],
                                 promotionType: type.rawValue, promotionName: type.chineseName,
                                 isWorkingDay: day.isWorkingDay, holiday: day.holiday, festival: day.festival).write(to: sink)
    }

    static let weekdayNames = ["週一", "週二", "週三", "週四", "週五", "週六", "週日"]
}

/// The last few weeks' catalogues, shared by the threads generating days: a
/// catalogue is a pure function of (configuration, week), and building one costs
/// as much as generating a small day.
final class CatalogueCache: Sendable {
    let weeks = Mutex<[(monday: LakeDate, catalogue: Catalogue)]>([])

    func catalogue(for monday: LakeDate, build: () -> Catalogue) -> Catalogue {
        if let hit = weeks.withLock({ $0.first { $0.monday == monday }?.catalogue }) { return hit }
        let built = build()
        weeks.withLock { weeks in
            if !weeks.contains(where: { $0.monday == monday }) {
                weeks.append((monday, built))
                if weeks.count > 8 { weeks.removeFirst() }
            }
        }
        return built
    }
}

/// A request the pet shop cannot serve (a range before it opened, say).
public struct PetShopError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
