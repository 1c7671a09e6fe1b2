import GeneratorKit
import LakeFormat

/// One campaign of a month's set: a tier of a promotion type with its id and name.
struct Campaign: Sendable {
    let id: String
    let name: String
    let type: PromotionType
    let tier: CampaignTier
    let validFrom: LakeDate
    let validTo: LakeDate
}

/// The campaigns in force in a month (a new set takes effect on the 1st), and the
/// checkout rule that applies the best of them to an order.
///
/// Each month shows the configured tiers in one of five looks, drawn from the month's
/// own stream: as configured, or with thresholds and amounts 10 % lower, 10 % or 20 %
/// higher (at a shop's round prices: thresholds to the hundred, 1,650 becoming 1,700, and a
/// 1,099 staying a 99). The months of
/// Taiwan's shopping festivals add a campaign of each promotion type for the festival's
/// run-up: 年貨節 in the three weeks before the Lunar New Year's days off, 618 from 1 to
/// 18 June, 雙11 from 1 to 11 November, 雙12 from 1 to 12 December.
struct CampaignSet: Sendable {
    let campaigns: [Campaign]
    let shippingFee: Int

    init(config: PetShopConfig, month dt: LakeDate) {
        let first = dt.firstOfMonth, last = dt.lastOfMonth
        let (y, m, _) = first.components
        var rng = SplitMix64(seed: config.seed, label: "petshop.campaigns", day: first.daysSinceEpoch)
        let look = [100, 90, 110, 120, 100][rng.below(5)]
        var list: [Campaign] = []
        func add(_ name: String, _ type: PromotionType, _ tier: CampaignTier, _ from: LakeDate, _ to: LakeDate) {
            list.append(Campaign(id: Identifier.make("CP", (y * 100 + m) * 100 + list.count + 1, width: 8),
                                 name: "\(name) \(CampaignSet.describe(tier))", type: type, tier: tier, validFrom: from, validTo: to))
        }
        for type in PromotionType.allCases {
            for tier in config.behaviour[type]!.campaigns {
                add("\(m)月\(type.chineseName)", type, Self.scaled(tier, percent: look), first, last)
            }
        }
        for festival in Self.festivals(y) {
            let from = max(first, festival.from), to = min(last, festival.to)
            guard from <= to else { continue }
            for (type, tier) in festival.tiers { add(festival.name, type, tier, from, to) }
        }
        campaigns = list
        shippingFee = config.shippingFee
    }

    /// `tier` with its threshold amount and discount amount at `percent` %, rounded as a
    /// shop prices: thresholds to the hundred (one ending in 99 keeps its 99), amounts
    /// to the ten. Rates and quantities stay.
    static func scaled(_ tier: CampaignTier, percent: Int) -> CampaignTier {
        guard percent != 100 else { return tier }
        var t = tier
        t.thresholdAmount = tier.thresholdAmount.map { a in
            let nines = a % 100 == 99
            let base = nines ? a + 1 : a
            let rounded = max(100, (base * percent + 5_000) / 10_000 * 100)
            return nines ? rounded - 1 : rounded
        }
        t.discountAmount = tier.discountAmount.map { max(10, ($0 * percent + 500) / 1_000 * 10) }
        return t
    }

    /// A shopping festival's campaigns and their days.
    struct Festival {
        let name: String
        let from: LakeDate
        let to: LakeDate
        let tiers: [(PromotionType, CampaignTier)]
    }

    /// Whether a shopping festival's campaigns run on `dt`.
    static func isFestival(_ dt: LakeDate) -> Bool {
        festivals(dt.components.year).contains { $0.from <= dt && dt <= $0.to }
    }

    /// The shopping festivals of `year` with their campaigns, one per promotion type.
    static func festivals(_ year: Int) -> [Festival] {
        func tiers(amount: Int, off: Int, quantity: Int, percent: Int, freeFrom: Int, gift: String) -> [(PromotionType, CampaignTier)] {
            [(.thresholdDiscount, CampaignTier(thresholdAmount: amount, thresholdQuantity: nil, discountPercent: nil, discountAmount: off,
                                               freeShipping: false, gift: nil)),
             (.multiBuy, CampaignTier(thresholdAmount: nil, thresholdQuantity: quantity, discountPercent: percent, discountAmount: nil,
                                      freeShipping: false, gift: nil)),
             (.freeShippingGift, CampaignTier(thresholdAmount: freeFrom, thresholdQuantity: nil, discountPercent: nil, discountAmount: nil,
                                              freeShipping: true, gift: gift))]
        }
        var list: [Festival] = []
        // 年貨節: the Lunar New Year of this year, and of the next when its run-up starts in December.
        for y in [year, year + 1] {
            let rest = TaiwanCalendar.shared.lunarNewYearRest(y)
            list.append(Festival(name: "年貨節", from: rest.lowerBound.adding(days: -21), to: rest.lowerBound.adding(days: -1),
                                 tiers: tiers(amount: 2000, off: 260, quantity: 4, percent: 12, freeFrom: 888, gift: "新春寵物紅包袋")))
        }
        list.append(Festival(name: "618年中慶", from: LakeDate(year: year, month: 6, day: 1), to: LakeDate(year: year, month: 6, day: 18),
                             tiers: tiers(amount: 1800, off: 200, quantity: 3, percent: 10, freeFrom: 618, gift: "寵物玩具球")))
        list.append(Festival(name: "雙11", from: LakeDate(year: year, month: 11, day: 1), to: LakeDate(year: year, month: 11, day: 11),
                             tiers: tiers(amount: 1111, off: 150, quantity: 2, percent: 11, freeFrom: 1111, gift: "寵物保暖墊")))
        list.append(Festival(name: "雙12", from: LakeDate(year: year, month: 12, day: 1), to: LakeDate(year: year, month: 12, day: 12),
                             tiers: tiers(amount: 1212, off: 120, quantity: 2, percent: 12, freeFrom: 1212, gift: "寵物聖誕帽")))
        return list.filter { $0.from.components.year == year || $0.to.components.year == year }
    }

    /// `滿1500折150`, `任選3件打95折`, `滿999免運送潔牙骨試吃包`.
    static func describe(_ t: CampaignTier) -> String {
        var s = t.thresholdAmount.map { "滿\($0)" } ?? "任選\(t.thresholdQuantity!)件"
        if let off = t.discountAmount { s += "折\(off)" }
        if let pct = t.discountPercent {
            let keep = 100 - pct
            s += keep % 10 == 0 ? "打\(keep / 10)折" : "打\(keep)折"
        }
        if t.freeShipping { s += "免運" }
        if let gift = t.gift { s += "送\(gift)" }
        return s
    }

    /// The outcome of checking out an order.
    struct Checkout {
        var campaign: Campaign?
        var discount: Int
        var shipping: Int
        var total: Int
    }

    /// Applies the campaign of `type` in force on `dt` the order qualifies for that
    /// saves the customer most (discount plus shipping saved); ties go to one with a
    /// gift, then to the lower id. Rate discounts are rounded half up to a whole TWD.
    func checkout(type: PromotionType, on dt: LakeDate, subtotal: Int, quantity: Int) -> Checkout {
        var best: (campaign: Campaign, discount: Int, saving: Int)?
        for c in campaigns where c.type == type && c.validFrom <= dt && dt <= c.validTo {
            let t = c.tier
            if let a = t.thresholdAmount, subtotal < a { continue }
            if let q = t.thresholdQuantity, quantity < q { continue }
            let discount = min(subtotal, t.discountAmount ?? t.discountPercent.map { (subtotal * $0 + 50) / 100 } ?? 0)
            let saving = discount + (t.freeShipping ? shippingFee : 0)
            if let b = best {
                if saving < b.saving { continue }
                if saving == b.saving && !(c.tier.gift != nil && b.campaign.tier.gift == nil) { continue }
            }
            best = (c, discount, saving)
        }
        let shipping = best?.campaign.tier.freeShipping == true ? 0 : shippingFee
        let discount = best?.discount ?? 0
        return Checkout(campaign: best?.campaign, discount: discount, shipping: shipping, total: subtotal - discount + shipping)
    }

    func write(into sink: any RowSink) throws {
        for c in campaigns {
            try CampaignRow(campaignID: c.id, name: c.name, promotionType: c.type.rawValue,
                            thresholdAmount: c.tier.thresholdAmount, thresholdQuantity: c.tier.thresholdQuantity,
                            discountRate: c.tier.discountPercent.map { FixedDecimal(units: Int64($0), scale: 2) },
                            discountAmount: c.tier.discountAmount, freeShipping: c.tier.freeShipping, gift: c.tier.gift,
                            validFrom: c.validFrom, validTo: c.validTo).write(to: sink)
        }
    }
}
