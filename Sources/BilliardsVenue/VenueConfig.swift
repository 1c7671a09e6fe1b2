public import LakeFormat

/// The settings of a simulated tenant: how many stores, from when, how busy. Every
/// record is a function of these settings, the seed, the store and the day.
public struct VenueConfig: Sendable, Hashable {
    /// The tenant's id at the upstream.
    public var tenantId: Int64 = 2_790_683_160_709_957
    /// The brand every store carries: `乐享台球(徐汇店)`.
    public var brand = "乐享台球"
    /// Stores (sites) of the tenant, 1 to 99.
    public var storeCount = 3
    /// The first business day of every store; nothing happens before it.
    public var opened = LakeDate(year: 2026, month: 1, day: 1)
    /// Multiplies table sessions, new members and walk-in recharges (load tests).
    public var scale = 1.0
    /// Table sessions per table on a Monday-Thursday; Friday, Saturday and Sunday
    /// multiply it by `weekendFactors`.
    public var sessionsPerTable = 3.4
    public var weekendFactors = (friday: 1.2, saturday: 1.5, sunday: 1.35)
    /// Members a store brings from its previous system on its opening day.
    public var openingMembers: ClosedRange<Int> = 150...400
    /// Members joining a store on a weekday (weekends half as many again).
    public var newMembersPerDay: ClosedRange<Int> = 1...6
    /// The share of sessions that a member opens.
    public var memberShare = 0.38
    /// The share of settlements refunded in part or whole, and of those, the share
    /// refunded on a later day.
    public var refundRate = 0.02
    public var lateRefundShare = 0.45
    /// Recharge bonuses: the largest rule whose threshold a recharge reaches applies.
    public var rechargeRules: [RechargeRule] = [
        RechargeRule(threshold: 300, bonus: 20), RechargeRule(threshold: 500, bonus: 50),
        RechargeRule(threshold: 1000, bonus: 150), RechargeRule(threshold: 2000, bonus: 400),
        RechargeRule(threshold: 5000, bonus: 1200),
    ]

    public init() {}

    /// The bonus for a recharge of `amount`, and the rule that gives it.
    public func bonus(for amount: Money) -> (bonus: Money, rule: RechargeRule?) {
        guard let rule = rechargeRules.filter({ Money(yuan: $0.threshold) <= amount }).max(by: { $0.threshold < $1.threshold })
        else { return (.zero, nil) }
        return (Money(yuan: rule.bonus), rule)
    }

    public static func == (a: VenueConfig, b: VenueConfig) -> Bool {
        a.tenantId == b.tenantId && a.brand == b.brand && a.storeCount == b.storeCount && a.opened == b.opened
            && a.scale == b.scale && a.sessionsPerTable == b.sessionsPerTable && a.weekendFactors == b.weekendFactors
            && a.openingMembers == b.openingMembers && a.newMembersPerDay == b.newMembersPerDay
            && a.memberShare == b.memberShare && a.refundRate == b.refundRate && a.lateRefundShare == b.lateRefundShare
            && a.rechargeRules == b.rechargeRules
    }

    public func hash(into h: inout Hasher) {
        h.combine(tenantId)
        h.combine(storeCount)
        h.combine(opened)
    }
}

/// 充`threshold`送`bonus`, both in whole yuan.
public struct RechargeRule: Sendable, Hashable {
    public var threshold: Int
    public var bonus: Int

    public init(threshold: Int, bonus: Int) {
        self.threshold = threshold
        self.bonus = bonus
    }

    /// `"充500送50"`.
    public var name: String { "充\(threshold)送\(bonus)" }
}

/// A setting that cannot be simulated, with what was wrong.
public struct VenueConfigError: Error, CustomStringConvertible {
    public var description: String
}

extension VenueConfig {
    /// Checks the settings; the simulation assumes they hold.
    public func validate() throws {
        func fail(_ s: String) -> VenueConfigError { VenueConfigError(description: "billiards venue: \(s)") }
        guard (1...99).contains(storeCount) else { throw fail("store count \(storeCount) is outside 1...99") }
        guard opened >= LakeDate(year: 2000, month: 1, day: 1), opened < LakeDate(year: 2200, month: 1, day: 1) else {
            throw fail("opening day \(opened) is outside 2000-2199")
        }
        guard scale > 0, scale <= 20, sessionsPerTable > 0, sessionsPerTable <= 12 else {
            throw fail("scale must be in (0, 20] and sessions per table in (0, 12]")
        }
        guard openingMembers.lowerBound >= 0, openingMembers.upperBound <= 100_000, newMembersPerDay.lowerBound >= 0,
              newMembersPerDay.upperBound <= 1_000 else { throw fail("member counts are out of range") }
        guard (0...1).contains(memberShare), (0...0.5).contains(refundRate), (0...1).contains(lateRefundShare) else {
            throw fail("shares must be between 0 and 1 (refund rate at most 0.5)")
        }
        guard rechargeRules.allSatisfy({ $0.threshold > 0 && $0.bonus >= 0 }) else { throw fail("recharge rules need positive thresholds") }
    }
}
