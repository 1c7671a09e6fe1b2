// Members: profiles, stored-value cards, every change of a card's balance, and the
// recharges (充值) that add to it, with their bonuses.

/// `member_profiles` (`/MemberProfile/GetTenantMemberList`): a member; a new version
/// when the phone or birthday changes or the level goes up.
public struct MemberProfileRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.memberProfiles
    public var id: Int64
    public var tenantId: Int64
    /// The store the member joined at.
    public var siteId: Int64
    public var memberNo: String
    public var memberName: String
    public var mobile: String
    /// 1 male, 2 female.
    public var gender: Int
    /// `"1990-05-17"`, or `""` when not given.
    public var birthday: String
    /// 1 普通会员, 2 银卡会员, 3 金卡会员, 4 钻石会员.
    public var levelId: Int
    public var levelName: String
    /// The share of the table fee a member pays, in percent (95 = 95折).
    public var tableDiscountPercent: Int
    public var memberStatus: Int
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `member_stored_value_cards` (`/MemberProfile/GetTenantMemberCardList`): a member's
/// stored-value card; a new version at every change of its balance.
/// `balance = totalRecharge + totalGift - totalConsume + totalRefund`.
public struct MemberCardRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.memberStoredValueCards
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var tenantMemberId: Int64
    public var memberName: String
    public var mobile: String
    public var cardNo: String
    public var cardTypeName: String
    public var balance: Money
    public var totalRecharge: Money
    public var totalGift: Money
    public var totalConsume: Money
    public var totalRefund: Money
    public var cardStatus: Int
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `member_balance_changes` (`/MemberProfile/GetMemberCardBalanceChange`): one change
/// of a card's balance; `balanceAfter = balanceBefore + changeAmount`, and each
/// change starts from the balance the one before it left.
public struct MemberBalanceChangeRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.memberBalanceChanges
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var tenantMemberCardId: Int64
    public var tenantMemberId: Int64
    public var cardNo: String
    /// 1 充值, 2 充值赠送, 3 消费, 4 退款.
    public var changeType: Int
    public var changeTypeName: String
    public var balanceBefore: Money
    public var changeAmount: Money
    public var balanceAfter: Money
    /// The recharge, settlement or refund that made the change.
    public var relateId: Int64
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}

/// `recharge_settlements` (`/Site/GetRechargeSettleList`): a recharge of a card: the
/// amount paid and the bonus the store's rules give for it (充500送50).
public struct RechargeSettlementRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.rechargeSettlements
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var tenantMemberId: Int64
    public var memberName: String
    public var tenantMemberCardId: Int64
    public var cardNo: String
    public var rechargeAmount: Money
    public var giftAmount: Money
    public var payMethod: Int
    public var payMethodName: String
    /// The rule that gave the bonus, e.g. `"充500送50"`, or `""`.
    public var ruleName: String
    public var isFirstRecharge: Int
    public var operatorName: String
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}
