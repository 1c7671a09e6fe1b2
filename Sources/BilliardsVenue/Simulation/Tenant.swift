import GeneratorKit
import LakeFormat

/// The tenant's catalogue: the category tree and its goods with every price change,
/// drawn once from the seed for ten years from the opening day.
struct Tenant: Sendable {
    let config: VenueConfig
    /// The primary categories, each with its secondary ones.
    let categories: [GoodsCategoryRecord]
    /// The secondary category ids, in `Catalogue.categories` order flattened.
    let secondaryIDs: [(id: Int64, name: String, primary: Int)]
    /// Each good's versions, oldest first.
    let goods: [[TenantGoodsRecord]]
    /// The versions of goods and categories by the business day they were made on.
    let changes: [Int32: (goods: [TenantGoodsRecord], categories: [GoodsCategoryRecord])]

    /// Changes are drawn this many days past the opening day; later days have none.
    static let horizonDays = 3650

    init(config: VenueConfig, seed: UInt64) {
        self.config = config
        let day = config.opened.daysSinceEpoch
        let created = VenueTime(date: config.opened, secondOfDay: 8 * 3600 + 300)
        var categories: [GoodsCategoryRecord] = []
        var secondary: [(Int64, String, Int)] = []
        var childNo = 0
        for (p, entry) in Catalogue.categories.enumerated() {
            let id = VenueID.make(.category, store: 0, day: day, seq: p + 1)
            var children: [GoodsCategoryChild] = []
            for (s, name) in entry.secondary.enumerated() {
                childNo += 1
                let child = VenueID.make(.category, store: 0, day: day, seq: 100 + childNo)
                children.append(GoodsCategoryChild(id: child, categoryName: name, parentId: id, sortNo: s + 1))
                secondary.append((child, name, p))
            }
            categories.append(GoodsCategoryRecord(id: id, tenantId: config.tenantId, categoryName: entry.primary, parentId: 0,
                                                  sortNo: p + 1, children: children, createTime: created, updateTime: created))
        }
        self.categories = categories
        secondaryIDs = secondary

        var rng = SplitMix64(seed: seed, label: "billiards.tenant.goods")
        let end = config.opened.adding(days: Self.horizonDays)
        goods = Catalogue.goods.enumerated().map { g, good in
            let category = secondary[good.category]
            let primary = categories[category.2]
            var barcode = "69"
            for _ in 0..<11 { barcode.append(Character(Unicode.Scalar(UInt8(48 + rng.below(10))))) }
            let time = created.adding(seconds: 60 + g * 7)
            var record = TenantGoodsRecord(
                id: VenueID.make(.tenantGoods, store: 0, day: day, seq: g + 1), tenantId: config.tenantId, goodsName: good.name,
                goodsBarcode: barcode, primaryCategoryId: primary.id, primaryCategoryName: primary.categoryName,
                categoryId: category.0, categoryName: category.1, unit: good.unit, salePrice: Money(fen: good.price),
                costPrice: Money(fen: good.cost), goodsStatus: 1, createTime: time, updateTime: time)
            var versions = [record]
            // Prices go up now and then: by 5-15 %, to a whole half-yuan (or yuan above 100).
            var changeDay = config.opened.adding(days: 90 + rng.below(300))
            while changeDay < end {
                let step: Int64 = record.salePrice.fen >= 10_000 ? 100 : 50
                let raised = record.salePrice.scaled(Int64(105 + rng.below(11)), 100).fen
                record.salePrice = Money(fen: max(record.salePrice.fen + step, (raised + step - 1) / step * step))
                record.costPrice = record.costPrice.scaled(Int64(103 + rng.below(8)), 100)
                record.updateTime = VenueTime(date: changeDay, secondOfDay: 8 * 3600 + 1200 + rng.below(1800))
                versions.append(record)
                changeDay = changeDay.adding(days: 120 + rng.below(300))
            }
            return versions
        }
        var changes: [Int32: (goods: [TenantGoodsRecord], categories: [GoodsCategoryRecord])] = [:]
        for v in goods.joined() { changes[v.businessDate.daysSinceEpoch, default: ([], [])].goods.append(v) }
        for v in categories { changes[v.businessDate.daysSinceEpoch, default: ([], [])].categories.append(v) }
        self.changes = changes
    }

    /// A good's price at `time`.
    func price(_ good: Int, at time: VenueTime) -> Money {
        current(goods[good], at: time)?.salePrice ?? goods[good][0].salePrice
    }
}

/// The last version made at or before `time`.
func current<R: VenueRecord>(_ versions: [R], at time: VenueTime) -> R? {
    var found = -1
    for i in versions.indices {
        if versions[i].versionTime <= time { found = i } else { break }
    }
    return found < 0 ? nil : versions[found]
}
