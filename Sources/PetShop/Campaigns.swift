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
struct CampaignSet: Sendable {
    let campaigns: [Campaign]
    let shippingFee: Int

    init(config: PetShopConfig, month dt: LakeDate) {
        let first = dt.firstOfMonth, last = dt.lastOfMonth
        let (y, m, _) = first.components
        var list: [Campaign] = []
        for type in PromotionType.allCases {
            for tier in config.behaviour[type]!.campaigns {
                list.append(Campaign(id: Identifier.make("CP", (y * 100 + m) * 100 + list.count + 1, width: 8),
                                     name: "\(m)月\(type.chineseName) \(CampaignSet.describe(tier))",
                                     type: type, tier: tier, validFrom: first, validTo: last))
            }
        }
        campaigns = list
        shippingFee = config.shippingFee
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

    /// Applies the campaign of `type` the order qualifies for that saves the customer
    /// most (discount plus shipping saved); ties go to one with a gift, then to the
    /// lower id. Rate discounts are rounded half up to a whole TWD.
    func checkout(type: PromotionType, subtotal: Int, quantity: Int) -> Checkout {
        var best: (campaign: Campaign, discount: Int, saving: Int)?
        for c in campaigns where c.type == type {
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
