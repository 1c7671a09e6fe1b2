// Assistants (助教): their accounts, the hours they served at a table, and bookings
// cancelled (废除) before they were served.

/// `assistant_accounts_master` (`/PersonnelManagement/SearchAssistantInfo`): an
/// assistant, their level and hourly price; a new version on promotion or leaving.
public struct AssistantRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.assistantAccountsMaster
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var assistantNo: String
    public var nickName: String
    public var realName: String
    /// 1 male, 2 female.
    public var gender: Int
    public var mobile: String
    /// 1 初级, 2 中级, 3 高级, 4 星级.
    public var levelId: Int
    public var levelName: String
    public var hourlyPrice: Money
    /// 1 在职 (serving), 2 离职 (left).
    public var status: Int
    public var statusName: String
    public var entryTime: VenueTime
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `assistant_service_records` (`/AssistantPerformance/GetOrderAssistantDetails`):
/// whole hours an assistant served at a table, billed on the session's settlement.
public struct AssistantServiceRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.assistantServiceRecords
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var assistantId: Int64
    public var assistantNo: String
    public var nickName: String
    public var levelName: String
    public var siteTableId: Int64
    public var tableName: String
    public var tenantMemberId: Int64
    public var startTime: VenueTime
    public var endTime: VenueTime
    public var serviceMinutes: Int
    /// Yuan per hour.
    public var unitPrice: Money
    public var amount: Money
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}

/// `assistant_cancellation_records` (`/AssistantPerformance/GetAbolitionAssistant`):
/// a booking of an assistant cancelled (废除) before service; nothing is billed.
public struct AssistantCancellationRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.assistantCancellationRecords
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var assistantId: Int64
    public var assistantNo: String
    public var nickName: String
    public var siteTableId: Int64
    public var tableName: String
    public var orderTradeNo: String
    public var bookTime: VenueTime
    public var plannedMinutes: Int
    public var plannedAmount: Money
    public var abolishReason: String
    public var operatorName: String
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}
