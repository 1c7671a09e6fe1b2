public import Configuration
public import GeneratorKit
public import LakeFormat

/// The pet shop as a plug-in: its settings section, its two scheduled tasks and the
/// partitions a new lake opens with.
extension PetShop: Domain {
    public static let name = "petshop"
    public static let summary = "an online pet-supplies shop in Taiwan: members, a weekly catalogue, promotions, sessions and orders"

    /// Where `opslake products import` keeps imported catalogues, inside the lake.
    public static let importsFolder = "_reference/petshop"

    public static var settings: [Setting] { PetShopConfig.own }

    public static let tasks = [
        ScheduledTask(name: "petshop.daily",
                      summary: "members, contact changes, promotion calendar, campaigns, behaviour and orders, up to yesterday",
                      datasets: Set([customers, customerChanges, promotionCalendar, campaigns, behaviorEvents, orders, orderItems]),
                      lagDays: 1),
        // Up to today, so that a Monday's catalogue exists before that day's orders are made.
        ScheduledTask(name: "petshop.weekly", summary: "the product catalogue (Mondays), up to today",
                      datasets: weeklyDatasets, lagDays: 0, openingCursor: { $0.monday }),
    ]

    public init(settings: Settings, lake: String) throws {
        self.init(config: try PetShopConfig(settings), imports: try ProductImport.load(folder: FileIO.path(lake, Self.importsFolder)))
    }

    public var opened: LakeDate { config.opened }

    /// The member base carried over at opening (the day before) and the first week's catalogue.
    public var openingPartitions: [PartitionKey] {
        [PartitionKey(Self.customers, config.opened.adding(days: -1)), PartitionKey(Self.products, config.opened.monday)]
    }
}
