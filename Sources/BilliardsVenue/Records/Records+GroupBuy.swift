// Group-buy: packages sold on 美团 and 抖音 that cover table time, the coupons
// verified at the counter (核销) and the table time each one paid for.

/// `group_buy_packages` (`/PackageCoupon/QueryPackageCouponList`): a package a store
/// sells on a platform, e.g. two hours at a 中式黑八 table; a new version when its
/// price changes.
public struct GroupBuyPackageRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.groupBuyPackages
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var packageName: String
    /// 1 美团, 2 抖音.
    public var platform: Int
    public var platformName: String
    public var tableTypeId: Int
    public var tableTypeName: String
    public var durationMinutes: Int
    /// What the customer pays the platform.
    public var salePrice: Money
    /// The table time's list price.
    public var originalPrice: Money
    public var validFrom: VenueDate
    public var validTo: VenueDate
    public var status: Int
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `platform_coupon_redemption_records` (`/Promotion/GetOfflineCouponConsumePageList`):
/// a platform coupon verified (核销) at the counter for a settlement.
public struct CouponRedemptionRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.platformCouponRedemptionRecords
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var couponCode: String
    public var platform: Int
    public var platformName: String
    public var packageId: Int64
    public var packageName: String
    public var salePrice: Money
    /// The table fee the coupon paid for.
    public var deductAmount: Money
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var siteTableId: Int64
    public var tenantMemberId: Int64
    public var consumeTime: VenueTime
    /// 1 已核销.
    public var status: Int
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}

/// `group_buy_redemption_records` (`/Site/GetSiteTableUseDetails`): the table time a
/// verified coupon covered.
public struct GroupBuyRedemptionRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.groupBuyRedemptionRecords
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var couponConsumeId: Int64
    public var couponCode: String
    public var packageId: Int64
    public var packageName: String
    public var siteTableId: Int64
    public var tableName: String
    public var tableTypeName: String
    public var startUseTime: VenueTime
    public var endUseTime: VenueTime
    public var coveredSeconds: Int
    public var deductAmount: Money
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}
