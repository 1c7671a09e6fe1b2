// Settlement (结账): the bill of a table session, its printed ticket, the payments
// that paid it (and the recharges) and the refunds, some days later.

/// `settlement_records` (`/Site/GetAllOrderSettleList`): the bill of one table
/// session. `consumeMoney = tableChargeMoney + assistantMoney + goodsMoney` and
/// `payAmount = consumeMoney - adjustMoney - memberDiscountMoney - couponDeductMoney`,
/// which its payments add up to. A new version when a refund is made.
public struct SettlementRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.settlementRecords
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var orderTradeNo: String
    /// The table the session ended at.
    public var siteTableId: Int64
    public var tableName: String
    public var tenantMemberId: Int64
    public var memberName: String
    public var memberMobile: String
    public var openTime: VenueTime
    public var settleTime: VenueTime
    public var tableChargeMoney: Money
    public var assistantMoney: Money
    public var goodsMoney: Money
    public var consumeMoney: Money
    public var adjustMoney: Money
    public var memberDiscountMoney: Money
    public var couponDeductMoney: Money
    public var payAmount: Money
    public var refundAmount: Money
    /// 1 已结账, 2 部分退款, 3 全额退款.
    public var settleStatus: Int
    public var settleStatusName: String
    public var cashierName: String
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `settlement_ticket_details` (`/Order/GetOrderSettleTicketNew`): the ticket printed
/// at settlement, served as a whole response per settlement, its lines nested.
public struct SettlementTicketRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.settlementTicketDetails
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var tenantId: Int64
    public var siteId: Int64
    public var siteName: String
    public var tableName: String
    public var memberName: String
    public var cashierName: String
    public var openTime: VenueTime
    public var settleTime: VenueTime
    public var tableItems: [TableItem]
    public var assistantItems: [AssistantItem]
    public var goodsItems: [GoodsItem]
    public var discountItems: [DiscountItem]
    public var payItems: [PayItem]
    public var consumeMoney: Money
    public var discountMoney: Money
    public var payAmount: Money
    public var createTime: VenueTime

    public var sourceKey: String { String(orderSettleId) }
    public var versionTime: VenueTime { createTime }

    public struct TableItem: Codable, Sendable, Hashable {
        public var tableName: String
        public var tableTypeName: String
        public var startTime: VenueTime
        public var endTime: VenueTime
        public var billedMinutes: Int
        public var unitPrice: Money
        public var amount: Money
    }

    public struct AssistantItem: Codable, Sendable, Hashable {
        public var nickName: String
        public var serviceMinutes: Int
        public var unitPrice: Money
        public var amount: Money
    }

    public struct GoodsItem: Codable, Sendable, Hashable {
        public var goodsName: String
        public var quantity: Int
        public var unitPrice: Money
        public var amount: Money
    }

    public struct DiscountItem: Codable, Sendable, Hashable {
        public var discountName: String
        public var amount: Money
    }

    public struct PayItem: Codable, Sendable, Hashable {
        public var payMethodName: String
        public var amount: Money
    }
}

/// `payment_transactions` (`/PayLog/GetPayLogListPage`): one payment of a settlement
/// (`relateType` 1) or of a recharge (`relateType` 2).
public struct PaymentRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.paymentTransactions
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    /// 1 台桌结账, 2 会员充值.
    public var relateType: Int
    public var relateTypeName: String
    public var relateId: Int64
    public var orderTradeNo: String
    public var payMethod: Int
    public var payMethodName: String
    public var payAmount: Money
    public var tenantMemberId: Int64
    public var tenantMemberCardId: Int64
    public var payTime: VenueTime
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}

/// `refund_transactions` (`/Order/GetRefundPayLogList`): money given back against one
/// payment of a settlement, the same day or days later; never more than that payment.
public struct RefundRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.refundTransactions
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var payLogId: Int64
    public var payMethod: Int
    public var payMethodName: String
    public var refundAmount: Money
    public var refundReason: String
    public var tenantMemberId: Int64
    public var tenantMemberCardId: Int64
    public var operatorName: String
    public var settleTime: VenueTime
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}
