public import Configuration
public import LakeFormat
import GeneratorKit

/// The three promotion types of the calendar, one per weekday.
public enum PromotionType: String, CaseIterable, Sendable {
    case thresholdDiscount = "threshold_discount"
    case multiBuy = "multi_buy"
    case freeShippingGift = "free_shipping_gift"

    public var chineseName: String {
        switch self {
        case .thresholdDiscount: "滿額折扣"
        case .multiBuy: "多件優惠"
        case .freeShippingGift: "免運滿額贈"
        }
    }
}

/// One campaign tier of a promotion type: what qualifies and what it gives.
public struct CampaignTier: Hashable, Sendable {
    public var thresholdAmount: Int?
    public var thresholdQuantity: Int?
    /// A rate in hundredths (10 = 10 % off).
    public var discountPercent: Int?
    public var discountAmount: Int?
    public var freeShipping: Bool
    public var gift: String?
}

/// How customers behave on the days of one promotion type.
public struct PromotionBehaviour: Sendable {
    public var ordersPerDay: ClosedRange<Int>
    public var itemsPerOrder: ClosedRange<Int>
    public var quantityPerLine: ClosedRange<Int>
    /// Purchase probability per category, in `Reference.categoryKeys` order.
    public var categories: [Double]
    public var campaigns: [CampaignTier]
}

/// The pet-shop simulation's configuration: every number the seed kept in
/// `constants.py`, with documented defaults (`opslake config show`).
public struct PetShopConfig: Sendable {
    public var seed: UInt64
    public var scale: Double
    public var opened: LakeDate
    public var historyDays: Int
    public var openingMembers: Int
    public var newMembersPerDay: ClosedRange<Int>
    public var contactChangesPer1000: Double
    public var catalogueSize: Int
    public var newProductsPerWeek: Int
    public var weeklyPriceChange: Double
    public var shippingFee: Int
    public var browseSessionsPerOrder: Double
    public var cartRate: Double
    public var hourlyWeights: [Double]
    /// Promotion type per ISO weekday, Monday first.
    public var weekdays: [PromotionType]
    public var behaviour: [PromotionType: PromotionBehaviour]

    public func promotion(on dt: LakeDate) -> PromotionType { weekdays[dt.isoWeekday - 1] }

    /// Every setting the pet shop reads, the shared `seed` and `scale` first, with its
    /// default and help line.
    public static let settings: [Setting] = LakeSettings.shared + own

    /// The `petshop.*` settings.
    static let own: [Setting] = {
        func range(_ a: Int64, _ b: Int64) -> TOMLValue { .array([.integer(a), .integer(b)]) }
        func categories(_ p: [Double]) -> TOMLValue {
            .table(zip(Reference.categoryKeys, p).map { TOMLPair($0, .float($1)) })
        }
        func tier(amount: Int64? = nil, quantity: Int64? = nil, rate: Double? = nil, off: Int64? = nil,
                  freeShipping: Bool = false, gift: String? = nil) -> TOMLValue {
            var pairs: [TOMLPair] = []
            if let amount { pairs.append(TOMLPair("threshold_amount", .integer(amount))) }
            if let quantity { pairs.append(TOMLPair("threshold_quantity", .integer(quantity))) }
            if let rate { pairs.append(TOMLPair("discount_rate", .float(rate))) }
            if let off { pairs.append(TOMLPair("discount_amount", .integer(off))) }
            if freeShipping { pairs.append(TOMLPair("free_shipping", .boolean(true))) }
            if let gift { pairs.append(TOMLPair("gift", .string(gift))) }
            return .table(pairs)
        }
        var s: [Setting] = [
            Setting("petshop.opened", .date(LakeDate(year: 2026, month: 1, day: 1)),
                    "First day of the shop's history; `opslake init` writes it into the lake's opslake.toml."),
            Setting("petshop.history_days", .integer(90), "Days of history `opslake init` gives a new lake (opened = yesterday - history_days + 1)."),
            Setting("petshop.opening_members", .integer(5000), "Members carried over when the shop opened (one partition, the day before opening)."),
            Setting("petshop.new_members_per_day", range(20, 60), "New members per day, [min, max]."),
            Setting("petshop.contact_changes_per_1000_members", .float(2), "Changes of mobile, e-mail or address per day per 1,000 members."),
            Setting("petshop.catalogue_size", .integer(600), "Products in the template catalogue at opening."),
            Setting("petshop.new_products_per_week", .integer(2), "Products added to the template catalogue each week."),
            Setting("petshop.weekly_price_change", .float(0.2), "Share of products whose price moves in a week."),
            Setting("petshop.shipping_fee", .integer(80), "Shipping fee in TWD, unless a campaign gives free shipping."),
            Setting("petshop.browse_sessions_per_order", .float(30), "Sessions without a purchase per order (about 3 % conversion)."),
            Setting("petshop.cart_rate", .float(0.3), "Share of products viewed in a browsing session that go into the cart."),
            Setting("petshop.hourly_weights",
                    .array([2.0, 1.2, 0.7, 0.5, 0.4, 0.5, 1.0, 2.0, 3.0, 3.5, 3.8, 4.2, 5.2, 4.8, 4.0, 3.8, 4.0, 4.5, 5.0, 6.0, 7.5, 8.5, 8.0, 5.0].map { .float($0) }),
                    "Relative share of sessions in each hour of the day, 0-23 (evening peak)."),
            Setting("petshop.weekdays", .array(["threshold_discount", "multi_buy", "multi_buy", "multi_buy", "threshold_discount",
                                                "free_shipping_gift", "free_shipping_gift"].map { .string($0) }),
                    "Promotion type of each weekday, Monday first."),
        ]
        let defaults: [(PromotionType, TOMLValue, TOMLValue, TOMLValue, [Double], [TOMLValue])] = [
            (.thresholdDiscount, range(300, 360), range(3, 6), range(1, 2),
             [0.12, 0.06, 0.03, 0.05, 0.08, 0.05, 0.22, 0.22, 0.08, 0.09],
             [tier(amount: 1500, off: 150), tier(amount: 3000, rate: 0.10), tier(amount: 5000, rate: 0.15)]),
            (.multiBuy, range(150, 200), range(1, 3), range(3, 6),
             [0.25, 0.22, 0.18, 0.15, 0.05, 0.04, 0.03, 0.02, 0.03, 0.03],
             [tier(quantity: 3, rate: 0.05), tier(quantity: 6, rate: 0.10), tier(quantity: 10, rate: 0.15)]),
            (.freeShippingGift, range(420, 500), range(1, 3), range(1, 1),
             [0.06, 0.06, 0.04, 0.04, 0.30, 0.22, 0.03, 0.03, 0.12, 0.10],
             [tier(amount: 499, freeShipping: true), tier(amount: 999, freeShipping: true, gift: "潔牙骨試吃包"),
              tier(amount: 1999, freeShipping: true, gift: "寵物涼感墊")]),
        ]
        for (type, orders, items, quantity, cats, tiers) in defaults {
            let p = "petshop.\(type.rawValue)."
            s.append(Setting(p + "orders_per_day", orders, "Orders per \(type.chineseName) day, [min, max]."))
            s.append(Setting(p + "items_per_order", items, "Lines per order, [min, max]."))
            s.append(Setting(p + "quantity_per_line", quantity, "Units per order line, [min, max]."))
            s.append(Setting(p + "categories", categories(cats), "Probability of each category for an order line; sums to 1."))
            s.append(Setting(p + "campaigns", .array(tiers),
                             "Campaign tiers: threshold_amount or threshold_quantity; discount_rate or discount_amount; free_shipping; gift."))
        }
        return s
    }()

    /// Reads and checks the pet-shop settings; the error names the key and where its value came from.
    public init(_ settings: Settings) throws(ConfigurationError) {
        guard case .integer(let seed) = settings.value("seed"), seed >= 0 else {
            throw settings.invalid("seed", "must be a whole number ≥ 0")
        }
        self.seed = UInt64(seed)
        scale = try settings.number("scale", in: 0.001...10_000)
        opened = try settings.date("petshop.opened")
        guard opened >= LakeDate(year: 2000, month: 1, day: 1), opened <= LakeDate(year: 2099, month: 12, day: 31) else {
            throw settings.invalid("petshop.opened", "must be a date from 2000 to 2099")
        }
        historyDays = try settings.integer("petshop.history_days", in: 1...36_500)
        openingMembers = try settings.integer("petshop.opening_members", in: 0...10_000_000)
        newMembersPerDay = try settings.range("petshop.new_members_per_day", limit: 1_000_000)
        contactChangesPer1000 = try settings.number("petshop.contact_changes_per_1000_members", in: 0...1000)
        catalogueSize = try settings.integer("petshop.catalogue_size", in: 10...200_000)
        newProductsPerWeek = try settings.integer("petshop.new_products_per_week", in: 0...10_000)
        weeklyPriceChange = try settings.number("petshop.weekly_price_change", in: 0...1)
        shippingFee = try settings.integer("petshop.shipping_fee", in: 0...100_000)
        browseSessionsPerOrder = try settings.number("petshop.browse_sessions_per_order", in: 0...1000)
        cartRate = try settings.number("petshop.cart_rate", in: 0...1)
        hourlyWeights = try settings.weights("petshop.hourly_weights", count: 24)
        weekdays = try settings.strings("petshop.weekdays", count: 7, allowed: Set(PromotionType.allCases.map(\.rawValue)))
            .map { PromotionType(rawValue: $0)! }
        var behaviour: [PromotionType: PromotionBehaviour] = [:]
        for type in PromotionType.allCases {
            let p = "petshop.\(type.rawValue)."
            let items = try settings.range(p + "items_per_order", limit: 99)
            guard items.lowerBound >= 1 else { throw settings.invalid(p + "items_per_order", "must start at 1 or more") }
            let quantity = try settings.range(p + "quantity_per_line", limit: 999)
            guard quantity.lowerBound >= 1 else { throw settings.invalid(p + "quantity_per_line", "must start at 1 or more") }
            behaviour[type] = PromotionBehaviour(
                ordersPerDay: try settings.range(p + "orders_per_day", limit: 10_000_000),
                itemsPerOrder: items, quantityPerLine: quantity,
                categories: try settings.probabilities(p + "categories", keys: Reference.categoryKeys),
                campaigns: try Self.tiers(settings, p + "campaigns"))
        }
        self.behaviour = behaviour
        // Identifiers have fixed widths; refuse volumes that would overflow them.
        let tenYearsOfMembers = Double(openingMembers) + Double(newMembersPerDay.upperBound) * 3_653
        guard tenYearsOfMembers * scale < 99_999_999 else {
            throw settings.invalid("scale", "would make more than 99,999,999 members in ten years (customer ids have 8 digits)")
        }
    }

    static func tiers(_ settings: Settings, _ name: String) throws(ConfigurationError) -> [CampaignTier] {
        guard case .array(let items) = settings.value(name), items.count <= 99 else {
            throw settings.invalid(name, "must be an array of at most 99 inline tables")
        }
        var tiers: [CampaignTier] = []
        for item in items {
            guard case .table(let pairs) = item else { throw settings.invalid(name, "must hold inline tables { ... }") }
            var t = CampaignTier(freeShipping: false)
            for pair in pairs {
                switch (pair.key, pair.value) {
                case ("threshold_amount", .integer(let v)) where v >= 0: t.thresholdAmount = Int(v)
                case ("threshold_quantity", .integer(let v)) where v >= 1: t.thresholdQuantity = Int(v)
                case ("discount_amount", .integer(let v)) where v >= 0: t.discountAmount = Int(v)
                case ("free_shipping", .boolean(let v)): t.freeShipping = v
                case ("gift", .string(let v)) where !v.isEmpty && v.count <= 100: t.gift = v
                case ("discount_rate", let v):
                    guard let r = v.number, r > 0, r < 1, abs(r * 100 - (r * 100).rounded()) < 1e-9 else {
                        throw settings.invalid(name, "has discount_rate \(v); write a rate in hundredths between 0 and 1, e.g. 0.15")
                    }
                    t.discountPercent = Int((r * 100).rounded())
                default:
                    throw settings.invalid(name, "has \(pair.key) = \(pair.value); keys are threshold_amount, threshold_quantity (≥ 1), discount_rate, discount_amount, free_shipping, gift")
                }
            }
            guard (t.thresholdAmount == nil) != (t.thresholdQuantity == nil) else {
                throw settings.invalid(name, "needs exactly one of threshold_amount and threshold_quantity in each tier")
            }
            guard !(t.discountPercent != nil && t.discountAmount != nil) else {
                throw settings.invalid(name, "gives both discount_rate and discount_amount in one tier; choose one")
            }
            guard t.discountPercent != nil || t.discountAmount != nil || t.freeShipping || t.gift != nil else {
                throw settings.invalid(name, "has a tier that gives nothing")
            }
            tiers.append(t)
        }
        return tiers
    }
}
