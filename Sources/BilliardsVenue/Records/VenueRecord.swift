public import LakeFormat

/// A record of one upstream endpoint, encoded as the upstream's JSON payload: the
/// stored property names are the payload's field names (camelCase), amounts are
/// strings with two decimals (`Money`), times are Asia/Shanghai strings (`VenueTime`).
///
/// A record that changes (a member's profile, a settlement after a refund) appears
/// once per version, each with the same `sourceKey` and a later `versionTime`.
public protocol VenueRecord: Codable, Sendable {
    /// The endpoint that serves it.
    static var endpoint: Endpoint { get }
    /// The source primary key: the record's id, or its composite key joined by `|`.
    var sourceKey: String { get }
    /// When this version came to be: the update time of a record that changes, the
    /// create time of an event.
    var versionTime: VenueTime { get }
}

extension VenueRecord {
    /// The business day of this version (see `VenueTime.businessDate`).
    public var businessDate: LakeDate { versionTime.businessDate }
}

/// Payment methods, as the upstream codes them.
public enum PayMethod: Int, Sendable, CaseIterable {
    case cash = 1, bankCard = 2, wechat = 3, alipay = 4, storedValue = 5

    public var name: String {
        switch self {
        case .cash: "现金"
        case .bankCard: "银行卡"
        case .wechat: "微信支付"
        case .alipay: "支付宝"
        case .storedValue: "会员储值"
        }
    }
}
