// Tables and their use: the table master, table-fee lines (one per table a session
// sat at) and table-fee adjustments (discounts and waivers with a reason).

/// `site_tables_master` (`/Table/GetSiteTables`): a table, its type and its hourly
/// rates by time band; a new version when a rate changes.
public struct SiteTableRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.siteTablesMaster
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var tableName: String
    public var tableAreaName: String
    public var tableNo: Int
    public var tableTypeId: Int
    public var tableTypeName: String
    /// Yuan per hour, 08:00-18:00.
    public var dayPrice: Money
    /// Yuan per hour, 18:00-24:00.
    public var eveningPrice: Money
    /// Yuan per hour, 00:00-08:00.
    public var nightPrice: Money
    /// 1 by the minute, 2 by whole billing units.
    public var billingMode: Int
    public var billingUnitMinutes: Int
    public var isEnabled: Int
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `table_fee_transactions` (`/Site/GetSiteTableOrderDetails`): the time a session
/// spent at one table and its fee. A session moved to another table (换台) has two.
public struct TableFeeRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.tableFeeTransactions
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var siteTableId: Int64
    public var tableName: String
    public var tableAreaName: String
    public var tableTypeName: String
    public var tenantMemberId: Int64
    public var startUseTime: VenueTime
    public var endUseTime: VenueTime
    public var realUseSeconds: Int
    /// Seconds billed: the real seconds rounded up to the minute or billing unit.
    public var billedSeconds: Int
    /// The hourly rate of the band the use started in.
    public var ledgerUnitPrice: Money
    /// The fee: each band's billed seconds at its rate, rounded to the fen per band.
    public var ledgerAmount: Money
    /// 1 when the session moved away from this table or onto it.
    public var isChangeTable: Int
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}

/// `table_fee_discount_records` (`/Site/GetTaiFeeAdjustList`): a discount or waiver
/// of a settlement's table fee, with its reason.
public struct TableFeeAdjustRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.tableFeeDiscountRecords
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var siteTableId: Int64
    public var tableName: String
    /// 1 打折 (percentage), 2 减免 (an amount), 3 免单 (waived), 4 抹零 (rounded down).
    public var adjustType: Int
    public var adjustTypeName: String
    public var adjustReason: String
    public var beforeAmount: Money
    public var adjustAmount: Money
    public var afterAmount: Money
    public var operatorName: String
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}
