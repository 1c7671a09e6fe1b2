/// The 23 endpoints of the venue-management SaaS (docs/billiards.md, BILLIARDS.md):
/// the ODS dataset each lands in, the API path and where the list of records sits
/// in the response.
public enum Endpoint: String, CaseIterable, Sendable, Hashable {
    case assistantAccountsMaster = "assistant_accounts_master"
    case assistantServiceRecords = "assistant_service_records"
    case assistantCancellationRecords = "assistant_cancellation_records"
    case goodsStockMovements = "goods_stock_movements"
    case goodsStockSummary = "goods_stock_summary"
    case groupBuyPackages = "group_buy_packages"
    case groupBuyRedemptionRecords = "group_buy_redemption_records"
    case memberProfiles = "member_profiles"
    case memberBalanceChanges = "member_balance_changes"
    case memberStoredValueCards = "member_stored_value_cards"
    case paymentTransactions = "payment_transactions"
    case platformCouponRedemptionRecords = "platform_coupon_redemption_records"
    case rechargeSettlements = "recharge_settlements"
    case refundTransactions = "refund_transactions"
    case settlementRecords = "settlement_records"
    case settlementTicketDetails = "settlement_ticket_details"
    case siteTablesMaster = "site_tables_master"
    case stockGoodsCategoryTree = "stock_goods_category_tree"
    case storeGoodsMaster = "store_goods_master"
    case storeGoodsSalesRecords = "store_goods_sales_records"
    case tableFeeDiscountRecords = "table_fee_discount_records"
    case tableFeeTransactions = "table_fee_transactions"
    case tenantGoodsMaster = "tenant_goods_master"

    /// The endpoint served at `path`.
    public init?(path: String) {
        guard let found = Endpoint.allCases.first(where: { $0.path == path }) else { return nil }
        self = found
    }

    /// The ODS dataset name (`billiards_ods.<dataset>`).
    public var dataset: String { rawValue }

    /// The API path.
    public var path: String {
        switch self {
        case .assistantAccountsMaster: "/PersonnelManagement/SearchAssistantInfo"
        case .assistantServiceRecords: "/AssistantPerformance/GetOrderAssistantDetails"
        case .assistantCancellationRecords: "/AssistantPerformance/GetAbolitionAssistant"
        case .goodsStockMovements: "/GoodsStockManage/QueryGoodsOutboundReceipt"
        case .goodsStockSummary: "/TenantGoods/GetGoodsStockReport"
        case .groupBuyPackages: "/PackageCoupon/QueryPackageCouponList"
        case .groupBuyRedemptionRecords: "/Site/GetSiteTableUseDetails"
        case .memberProfiles: "/MemberProfile/GetTenantMemberList"
        case .memberBalanceChanges: "/MemberProfile/GetMemberCardBalanceChange"
        case .memberStoredValueCards: "/MemberProfile/GetTenantMemberCardList"
        case .paymentTransactions: "/PayLog/GetPayLogListPage"
        case .platformCouponRedemptionRecords: "/Promotion/GetOfflineCouponConsumePageList"
        case .rechargeSettlements: "/Site/GetRechargeSettleList"
        case .refundTransactions: "/Order/GetRefundPayLogList"
        case .settlementRecords: "/Site/GetAllOrderSettleList"
        case .settlementTicketDetails: "/Order/GetOrderSettleTicketNew"
        case .siteTablesMaster: "/Table/GetSiteTables"
        case .stockGoodsCategoryTree: "/TenantGoodsCategory/QueryPrimarySecondaryCategory"
        case .storeGoodsMaster: "/TenantGoods/GetGoodsInventoryList"
        case .storeGoodsSalesRecords: "/TenantGoods/GetGoodsSalesList"
        case .tableFeeDiscountRecords: "/Site/GetTaiFeeAdjustList"
        case .tableFeeTransactions: "/Site/GetSiteTableOrderDetails"
        case .tenantGoodsMaster: "/TenantGoods/QueryTenantGoods"
        }
    }

    /// Where the list of records sits in the response (`data.settleList`, or `data`
    /// when `data` is the list itself); nil when the whole response is the record
    /// (`settlement_ticket_details`).
    public var listPath: String? {
        switch self {
        case .assistantAccountsMaster: "data.assistantInfos"
        case .assistantServiceRecords: "data.orderAssistantDetails"
        case .assistantCancellationRecords: "data.abolitionAssistants"
        case .goodsStockMovements: "data.queryDeliveryRecordsList"
        case .goodsStockSummary: "data"
        case .groupBuyPackages: "data.packageCouponList"
        case .groupBuyRedemptionRecords: "data.siteTableUseDetailsList"
        case .memberProfiles: "data.tenantMemberInfos"
        case .memberBalanceChanges: "data.tenantMemberCardLogs"
        case .memberStoredValueCards: "data.tenantMemberCards"
        case .paymentTransactions: "data"
        case .platformCouponRedemptionRecords: "data"
        case .rechargeSettlements: "data.settleList"
        case .refundTransactions: "data"
        case .settlementRecords: "data.settleList"
        case .settlementTicketDetails: nil
        case .siteTablesMaster: "data.siteTables"
        case .stockGoodsCategoryTree: "data.goodsCategoryList"
        case .storeGoodsMaster: "data.orderGoodsList"
        case .storeGoodsSalesRecords: "data.orderGoodsLedgers"
        case .tableFeeDiscountRecords: "data.taiFeeAdjustInfos"
        case .tableFeeTransactions: "data.siteTableUseDetailsList"
        case .tenantGoodsMaster: "data.tenantGoodsList"
        }
    }

    /// Whose records an endpoint holds: one store's, or the whole tenant's (the same
    /// records whichever store is asked).
    public enum Scope: Sendable { case store, tenant }

    public var scope: Scope {
        switch self {
        case .tenantGoodsMaster, .stockGoodsCategoryTree: .tenant
        default: .store
        }
    }

    /// How an endpoint's records come and go.
    public enum Kind: Sendable {
        /// Master data and accounts: each record may get later versions (update time).
        case changing
        /// Events: each record is made once (create time) and never changes.
        case event
        /// Settlements: made once, then a new version when a refund is made.
        case settlement
        /// One record per good and business day, made when the day closes.
        case dailyReport
    }

    public var kind: Kind {
        switch self {
        case .assistantAccountsMaster, .groupBuyPackages, .memberProfiles, .memberStoredValueCards, .siteTablesMaster,
             .stockGoodsCategoryTree, .storeGoodsMaster, .tenantGoodsMaster:
            .changing
        case .settlementRecords: .settlement
        case .goodsStockSummary: .dailyReport
        default: .event
        }
    }

    /// The record type whose stored properties are the payload's fields.
    public var recordType: any VenueRecord.Type {
        switch self {
        case .assistantAccountsMaster: AssistantRecord.self
        case .assistantServiceRecords: AssistantServiceRecord.self
        case .assistantCancellationRecords: AssistantCancellationRecord.self
        case .goodsStockMovements: StockMovementRecord.self
        case .goodsStockSummary: StockSummaryRecord.self
        case .groupBuyPackages: GroupBuyPackageRecord.self
        case .groupBuyRedemptionRecords: GroupBuyRedemptionRecord.self
        case .memberProfiles: MemberProfileRecord.self
        case .memberBalanceChanges: MemberBalanceChangeRecord.self
        case .memberStoredValueCards: MemberCardRecord.self
        case .paymentTransactions: PaymentRecord.self
        case .platformCouponRedemptionRecords: CouponRedemptionRecord.self
        case .rechargeSettlements: RechargeSettlementRecord.self
        case .refundTransactions: RefundRecord.self
        case .settlementRecords: SettlementRecord.self
        case .settlementTicketDetails: SettlementTicketRecord.self
        case .siteTablesMaster: SiteTableRecord.self
        case .stockGoodsCategoryTree: GoodsCategoryRecord.self
        case .storeGoodsMaster: StoreGoodsRecord.self
        case .storeGoodsSalesRecords: GoodsSaleRecord.self
        case .tableFeeDiscountRecords: TableFeeAdjustRecord.self
        case .tableFeeTransactions: TableFeeRecord.self
        case .tenantGoodsMaster: TenantGoodsRecord.self
        }
    }
}
