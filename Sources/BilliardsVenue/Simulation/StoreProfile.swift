import GeneratorKit
import LakeFormat

/// What a store is, drawn once from the seed: its name and place, its tables and
/// their rates, its assistants, its group-buy packages and its staff, with every
/// change to them over ten years from the opening day (master data changes rarely
/// and does not depend on what happened at the tables, so it is drawn up front).
struct StoreProfile: Sendable {
    struct Table: Sendable {
        let id: Int64
        let name: String
        let area: String
        let type: Int  // index into Catalogue.tableTypes
    }

    /// A rate card of one table type from `from` on, fen per hour by band.
    struct Rates: Sendable {
        let from: VenueTime
        let day: Money
        let evening: Money
        let night: Money
    }

    let index: Int  // 1-based: the store digits of its ids
    let id: Int64
    let name: String
    let city: String
    let address: String
    let seed: UInt64
    /// 1 billed by the minute, 2 by whole units of `unitMinutes`.
    let billingMode: Int
    let unitMinutes: Int
    let tables: [Table]
    /// Per table type, the rate cards, oldest first.
    let rates: [[Rates]]
    /// Per table, its master versions: rate changes and maintenance (`isEnabled` 0).
    let tableVersions: [[SiteTableRecord]]
    /// Per assistant, their versions (hired first).
    let assistants: [[AssistantRecord]]
    /// Per package, its versions.
    let packages: [[GroupBuyPackageRecord]]
    let manager: String
    let cashiers: [String]
    /// The versions above by the business day they were made on, in the order a day emits them.
    let changes: [Int32: MasterChanges]

    struct MasterChanges: Sendable {
        var tables: [SiteTableRecord] = []
        var assistants: [AssistantRecord] = []
        var packages: [GroupBuyPackageRecord] = []
    }

    init(config: VenueConfig, seed venueSeed: UInt64, index: Int) {
        self.index = index
        let seed = SplitMix64.mix(venueSeed ^ SplitMix64.mix(UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        self.seed = seed
        var rng = SplitMix64(seed: seed, label: "billiards.store")
        let opened = config.opened
        let day = opened.daysSinceEpoch
        let end = opened.adding(days: Tenant.horizonDays)
        id = VenueID.make(.site, store: index, day: day, seq: 1)
        let place = Places.districts[(index - 1) % Places.districts.count]
        let lap = (index - 1) / Places.districts.count
        let short = place.district.hasSuffix("新区") || place.district.hasSuffix("街道") ? String(place.district.dropLast(2)) : String(place.district.dropLast())
        name = "\(config.brand)(\(short)\(lap == 0 ? "" : Catalogue.ordinals[lap])店)"
        city = place.city
        address = "\(place.city)\(place.district)\(Places.roads[rng.below(Places.roads.count)])\(1 + rng.below(300))号\(1 + rng.below(4))楼"
        billingMode = rng.chance(0.6) ? 1 : 2
        unitMinutes = billingMode == 1 ? 1 : (rng.chance(0.5) ? 15 : 30)
        let tier = 85 + rng.below(46)  // this store's prices, percent of the list

        // Rates: the list scaled to the store, to whole yuan; changed every 6-14 months.
        var rates: [[Rates]] = []
        for type in Catalogue.tableTypes {
            func yuan(_ list: Int) -> Money { Money(yuan: (list * tier + 50) / 100) }
            var card = Rates(from: VenueTime.opening(of: opened), day: yuan(type.rates.day), evening: yuan(type.rates.evening),
                             night: yuan(type.rates.night))
            var cards = [card]
            var change = opened.adding(days: 180 + rng.below(240))
            while change < end {
                let up = Money(yuan: rng.chance(0.8) ? 2 + rng.below(4) : -2)
                card = Rates(from: VenueTime(date: change, secondOfDay: 8 * 3600 + 600 + rng.below(1800)), day: card.day + up,
                             evening: card.evening + up, night: card.night + up)
                cards.append(card)
                change = change.adding(days: 180 + rng.below(240))
            }
            rates.append(cards)
        }
        self.rates = rates

        // Tables: numbered within their area, created on the opening morning.
        var tables: [Table] = []
        var tableVersions: [[SiteTableRecord]] = []
        let created = VenueTime(date: opened, secondOfDay: 8 * 3600 + 900)
        for (t, type) in Catalogue.tableTypes.enumerated() {
            for n in 1...rng.int(in: type.count) {
                let table = Table(id: VenueID.make(.table, store: index, day: day, seq: tables.count + 1),
                                  name: type.isRoom ? "VIP\(n)号包厢" : "\(type.area)\(n)号台", area: type.area, type: t)
                // Each rate card is a version; so is each day the table goes into
                // maintenance (停用) for 1-3 days, every 2-8 months, and each day it is back.
                let offset = tables.count
                var changes: [(time: VenueTime, card: Rates?, enabled: Int?)] = rates[t].enumerated().map { v, card in
                    ((v == 0 ? created : card.from).adding(seconds: offset), card, nil)
                }
                var off = opened.adding(days: 60 + rng.below(180))
                while off < end {
                    let back = off.adding(days: 1 + rng.below(3))
                    changes.append((VenueTime(date: off, secondOfDay: 9 * 3600 + rng.below(1200)), nil, 0))
                    changes.append((VenueTime(date: back, secondOfDay: 9 * 3600 + 1200 + rng.below(1200)), nil, 1))
                    off = back.adding(days: 60 + rng.below(180))
                }
                changes.sort { $0.time < $1.time }
                var version = SiteTableRecord(
                    id: table.id, tenantId: config.tenantId, siteId: id, tableName: table.name, tableAreaName: table.area,
                    tableNo: n, tableTypeId: type.id, tableTypeName: type.name, dayPrice: .zero, eveningPrice: .zero,
                    nightPrice: .zero, billingMode: billingMode, billingUnitMinutes: unitMinutes, isEnabled: 1,
                    createTime: created, updateTime: created)
                var versions: [SiteTableRecord] = []
                for change in changes {
                    if let card = change.card {
                        (version.dayPrice, version.eveningPrice, version.nightPrice) = (card.day, card.evening, card.night)
                    }
                    if let enabled = change.enabled { version.isEnabled = enabled }
                    version.updateTime = change.time
                    versions.append(version)
                }
                tables.append(table)
                tableVersions.append(versions)
            }
        }
        self.tables = tables
        self.tableVersions = tableVersions

        manager = Names.person(female: rng.chance(0.3), &rng)
        cashiers = (0..<3).map { _ in Names.person(female: rng.chance(0.7), &rng) }

        // Assistants: a first team at opening, one more every 1-4 months; promoted
        // every 3-10 months; each leaves after 2 months to 2 years.
        var assistants: [[AssistantRecord]] = []
        var hire = opened
        var nicknames = Names.assistantNicknames
        var first = true
        while hire < end {
            for _ in 0..<(first ? rng.int(in: 4...8) : 1) {
                let n = assistants.count + 1
                let female = rng.chance(0.85)
                let nick = nicknames.isEmpty ? Names.assistantNicknames[n % Names.assistantNicknames.count] + String(n)
                    : nicknames.remove(at: rng.below(nicknames.count))
                var level = rng.below(first ? 3 : 2)
                let entry = first ? VenueTime(date: opened, secondOfDay: 8 * 3600 + 1800 + n * 13)
                    : VenueTime(date: hire, secondOfDay: 9 * 3600 + rng.below(3600))
                var record = AssistantRecord(
                    id: VenueID.make(.assistant, store: index, day: entry.businessDate.daysSinceEpoch, seq: n),
                    tenantId: config.tenantId, siteId: id, assistantNo: "ZJ" + Catalogue.pad(n, 3), nickName: nick,
                    realName: Names.person(female: female, &rng), gender: female ? 2 : 1, mobile: Names.mobile(&rng),
                    levelId: level + 1, levelName: Catalogue.assistantLevels[level].name,
                    hourlyPrice: Money(yuan: Catalogue.assistantLevels[level].price), status: 1, statusName: "在职",
                    entryTime: entry, createTime: entry, updateTime: entry)
                var versions = [record]
                let leaves = entry.businessDate.adding(days: 60 + rng.below(660))
                var promote = entry.businessDate.adding(days: 90 + rng.below(210))
                while promote < min(leaves, end), level < Catalogue.assistantLevels.count - 1 {
                    level += 1
                    record.levelId = level + 1
                    record.levelName = Catalogue.assistantLevels[level].name
                    record.hourlyPrice = Money(yuan: Catalogue.assistantLevels[level].price)
                    record.updateTime = VenueTime(date: promote, secondOfDay: 9 * 3600 + rng.below(3600))
                    versions.append(record)
                    promote = promote.adding(days: 90 + rng.below(210))
                }
                if leaves < end {
                    record.status = 2
                    record.statusName = "离职"
                    record.updateTime = VenueTime(date: leaves, secondOfDay: 21 * 3600 + rng.below(7200))
                    versions.append(record)
                }
                assistants.append(versions)
            }
            first = false
            hire = hire.adding(days: 30 + rng.below(90))
        }
        self.assistants = assistants

        // Packages: listed at opening for a year, relisted every 3-7 months at a new price.
        var packages: [[GroupBuyPackageRecord]] = []
        for (p, spec) in Catalogue.packages.enumerated() where rng.chance(0.85) {
            let type = Catalogue.tableTypes.first { $0.id == spec.type }!
            let listed = VenueTime(date: opened, secondOfDay: 8 * 3600 + 2400 + p * 11)
            var record = GroupBuyPackageRecord(
                id: VenueID.make(.package, store: index, day: day, seq: p + 1), tenantId: config.tenantId, siteId: id,
                packageName: "\(Catalogue.platformName(spec.platform))·\(spec.name)", platform: spec.platform,
                platformName: Catalogue.platformName(spec.platform), tableTypeId: type.id, tableTypeName: type.name,
                durationMinutes: spec.minutes, salePrice: Money(yuan: (spec.sale * tier + 50) / 100),
                originalPrice: Money(yuan: (spec.list * tier + 50) / 100), validFrom: VenueDate(opened),
                validTo: VenueDate(opened.adding(days: 365)), status: 1, createTime: listed, updateTime: listed)
            var versions = [record]
            var relist = opened.adding(days: 90 + rng.below(120))
            while relist < end {
                record.salePrice = max(Money(yuan: 9), record.salePrice + Money(yuan: rng.int(in: -5...8)))
                record.validFrom = VenueDate(relist)
                record.validTo = VenueDate(relist.adding(days: 365))
                record.updateTime = VenueTime(date: relist, secondOfDay: 8 * 3600 + 2400 + rng.below(1800))
                versions.append(record)
                relist = relist.adding(days: 90 + rng.below(120))
            }
            packages.append(versions)
        }
        self.packages = packages

        var changes: [Int32: MasterChanges] = [:]
        for v in tableVersions.joined() { changes[v.businessDate.daysSinceEpoch, default: MasterChanges()].tables.append(v) }
        for v in assistants.joined() { changes[v.businessDate.daysSinceEpoch, default: MasterChanges()].assistants.append(v) }
        for v in packages.joined() { changes[v.businessDate.daysSinceEpoch, default: MasterChanges()].packages.append(v) }
        self.changes = changes
    }

    /// The rate card of table type `type` in force at `time`.
    func rates(type: Int, at time: VenueTime) -> Rates {
        var found = rates[type][0]
        for card in rates[type] {
            if card.from <= time { found = card } else { break }
        }
        return found
    }
}

extension Catalogue {
    static let ordinals = ["", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
