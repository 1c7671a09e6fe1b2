public import LakeFormat

/// Everything one store's business day added to the upstream: every new record and
/// every new version of a changed record whose `versionTime` falls in the day
/// (08:00 to 08:00), per endpoint. Tenant endpoints carry the tenant's records of
/// that day, the same for every store.
public struct VenueDay: Sendable, Hashable {
    public var siteId: Int64
    public var dt: LakeDate

    public var siteTables: [SiteTableRecord] = []
    public var tableFees: [TableFeeRecord] = []
    public var tableFeeAdjustments: [TableFeeAdjustRecord] = []
    public var assistants: [AssistantRecord] = []
    public var assistantServices: [AssistantServiceRecord] = []
    public var assistantCancellations: [AssistantCancellationRecord] = []
    public var goodsCategories: [GoodsCategoryRecord] = []
    public var tenantGoods: [TenantGoodsRecord] = []
    public var storeGoods: [StoreGoodsRecord] = []
    public var goodsSales: [GoodsSaleRecord] = []
    public var stockMovements: [StockMovementRecord] = []
    public var stockSummaries: [StockSummaryRecord] = []
    public var memberProfiles: [MemberProfileRecord] = []
    public var memberCards: [MemberCardRecord] = []
    public var balanceChanges: [MemberBalanceChangeRecord] = []
    public var recharges: [RechargeSettlementRecord] = []
    public var settlements: [SettlementRecord] = []
    public var tickets: [SettlementTicketRecord] = []
    public var payments: [PaymentRecord] = []
    public var refunds: [RefundRecord] = []
    public var packages: [GroupBuyPackageRecord] = []
    public var couponRedemptions: [CouponRedemptionRecord] = []
    public var groupBuyRedemptions: [GroupBuyRedemptionRecord] = []

    public init(siteId: Int64, dt: LakeDate) {
        self.siteId = siteId
        self.dt = dt
    }

    /// The records of one endpoint, in the order they were made.
    public func records(_ endpoint: Endpoint) -> [any VenueRecord] {
        switch endpoint {
        case .assistantAccountsMaster: assistants
        case .assistantServiceRecords: assistantServices
        case .assistantCancellationRecords: assistantCancellations
        case .goodsStockMovements: stockMovements
        case .goodsStockSummary: stockSummaries
        case .groupBuyPackages: packages
        case .groupBuyRedemptionRecords: groupBuyRedemptions
        case .memberProfiles: memberProfiles
        case .memberBalanceChanges: balanceChanges
        case .memberStoredValueCards: memberCards
        case .paymentTransactions: payments
        case .platformCouponRedemptionRecords: couponRedemptions
        case .rechargeSettlements: recharges
        case .refundTransactions: refunds
        case .settlementRecords: settlements
        case .settlementTicketDetails: tickets
        case .siteTablesMaster: siteTables
        case .stockGoodsCategoryTree: goodsCategories
        case .storeGoodsMaster: storeGoods
        case .storeGoodsSalesRecords: goodsSales
        case .tableFeeDiscountRecords: tableFeeAdjustments
        case .tableFeeTransactions: tableFees
        case .tenantGoodsMaster: tenantGoods
        }
    }

    /// How many records the day holds over all endpoints.
    public var count: Int { Endpoint.allCases.reduce(0) { $0 + records($1).count } }
}
