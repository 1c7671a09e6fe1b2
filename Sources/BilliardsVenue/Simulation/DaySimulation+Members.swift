import GeneratorKit
import LakeFormat

extension DaySimulation {
    /// Plans the day's sign-ups, walk-in recharges and profile edits.
    mutating func planMembers() {
        let weekend = dt.isoWeekday >= 6
        let joining = scaled(rng.int(in: config.newMembersPerDay) * (weekend ? 3 : 2) / 2)
        for _ in 0..<joining { schedule(at(11 * 3600 + rng.below(13 * 3600)), .signup) }
        let members = state.members.count
        guard members > 0 else { return }
        for _ in 0..<draws(Double(members) * 0.004 * (weekend ? 1.3 : 1) * config.scale) {
            schedule(at(11 * 3600 + rng.below(12 * 3600)), .recharge(member: rng.below(members)))
        }
        for _ in 0..<draws(Double(members) * 0.0015) {
            schedule(at(10 * 3600 + rng.below(13 * 3600)), .edit(member: rng.below(members)))
        }
    }

    /// A count with mean `expected`: its whole part, plus one with the chance of the rest.
    mutating func draws(_ expected: Double) -> Int {
        let whole = Int(expected)
        return whole + (rng.chance(expected - Double(whole)) ? 1 : 0)
    }

    /// A new member; most recharge a card at once.
    mutating func signup(at time: VenueTime) {
        let m = addMember(at: time)
        if rng.chance(0.75) { insert(time.adding(seconds: 60 + rng.below(180)), .recharge(member: m)) }
    }

    mutating func addMember(at time: VenueTime) -> Int {
        let female = rng.chance(0.32)
        let n = state.members.count + 1
        var birthday = ""
        if rng.chance(0.55) {
            let age = 18 + rng.below(38)
            birthday = VenueDate(dt.adding(days: -(age * 365 + age / 4) - rng.below(365))).description
        }
        state.members.append(MemberProfileRecord(
            id: nextID(.member), tenantId: config.tenantId, siteId: store.id, memberNo: Catalogue.pad(store.index, 2) + Catalogue.pad(n, 6),
            memberName: Names.person(female: female, &rng), mobile: Names.mobile(&rng), gender: female ? 2 : 1, birthday: birthday,
            levelId: 1, levelName: Catalogue.memberLevels[0].name, tableDiscountPercent: Catalogue.memberLevels[0].percent,
            memberStatus: 1, createTime: time, updateTime: time))
        state.cardOf.append(-1)
        dirtyMembers.append(n - 1)
        return n - 1
    }

    mutating func openCard(member m: Int, at time: VenueTime) -> Int {
        let member = state.members[m]
        let c = state.cards.count
        state.cards.append(MemberCardRecord(
            id: nextID(.card), tenantId: config.tenantId, siteId: store.id, tenantMemberId: member.id, memberName: member.memberName,
            mobile: member.mobile, cardNo: "V" + Catalogue.pad(store.index, 2) + Catalogue.pad(c + 1, 7), cardTypeName: "储值卡",
            balance: .zero, totalRecharge: .zero, totalGift: .zero, totalConsume: .zero, totalRefund: .zero, cardStatus: 1,
            createTime: time, updateTime: time))
        state.cardOf[m] = Int32(c)
        return c
    }

    static let changeNames = [1: "充值", 2: "充值赠送", 3: "消费", 4: "退款", 5: "期初导入"]

    /// Logs one change of a card's balance.
    mutating func logChange(card c: Int, before: Money, change: Money, type: Int, relate: Int64, at time: VenueTime) {
        let card = state.cards[c]
        out.balanceChanges.append(MemberBalanceChangeRecord(
            id: nextID(.balanceLog), tenantId: config.tenantId, siteId: store.id, tenantMemberCardId: card.id,
            tenantMemberId: card.tenantMemberId, cardNo: card.cardNo, changeType: type, changeTypeName: Self.changeNames[type]!,
            balanceBefore: before, changeAmount: change, balanceAfter: before + change, relateId: relate, createTime: time))
    }

    /// Changes a card's balance by `amount` (type 1 recharge, 2 bonus, 3 spending,
    /// 4 refund) and logs it.
    mutating func changeCard(_ c: Int, by amount: Money, type: Int, relate: Int64, at time: VenueTime) {
        var card = state.cards[c]
        let before = card.balance
        card.balance += amount
        precondition(card.balance >= .zero, "a card's balance below zero")
        switch type {
        case 1: card.totalRecharge += amount
        case 2: card.totalGift += amount
        case 3: card.totalConsume -= amount
        default: card.totalRefund += amount
        }
        card.updateTime = time
        state.cards[c] = card
        logChange(card: c, before: before, change: amount, type: type, relate: relate, at: time)
        if !dirtyCards.contains(c) { dirtyCards.append(c) }
    }

    /// A recharge of `yuan` with the bonus of the store's rules; the first opens the card.
    mutating func recharge(member m: Int, yuan: Int, at time: VenueTime) {
        let first = state.cardOf[m] < 0
        let c = first ? openCard(member: m, at: time) : Int(state.cardOf[m])
        let amount = Money(yuan: yuan)
        let (bonus, rule) = config.bonus(for: amount)
        let id = nextID(.recharge)
        let method = PayMethod(rawValue: Self.rechargeMethodChoice.draw(&rng) + 1)!
        let card = state.cards[c]
        let member = state.members[m]
        let payment = PaymentRecord(
            id: nextID(.payment), tenantId: config.tenantId, siteId: store.id, relateType: 2, relateTypeName: "会员充值", relateId: id,
            orderTradeNo: "CZ" + Self.tradeNo(time, store: store.index, n: seqs[Int(VenueID.Kind.recharge.rawValue - 10)]),
            payMethod: method.rawValue, payMethodName: method.name, payAmount: amount, tenantMemberId: member.id,
            tenantMemberCardId: card.id, payTime: time, createTime: time)
        out.payments.append(payment)
        out.recharges.append(RechargeSettlementRecord(
            id: id, tenantId: config.tenantId, siteId: store.id, tenantMemberId: member.id, memberName: member.memberName,
            tenantMemberCardId: card.id, cardNo: card.cardNo, rechargeAmount: amount, giftAmount: bonus, payMethod: method.rawValue,
            payMethodName: method.name, ruleName: rule?.name ?? "", isFirstRecharge: first ? 1 : 0,
            operatorName: store.cashiers[rng.below(store.cashiers.count)], createTime: time))
        changeCard(c, by: amount, type: 1, relate: id, at: time)
        if bonus > .zero { changeCard(c, by: bonus, type: 2, relate: id, at: time) }
        if !dirtyCards.contains(c) { dirtyCards.append(c) }
        upgrade(member: m, at: time)
    }

    static let rechargeMethodChoice = WeightedChoice(weights: [8, 7, 55, 30])

    /// Raises a member's level to what their card's recharged total reaches.
    mutating func upgrade(member m: Int, at time: VenueTime) {
        let c = Int(state.cardOf[m])
        guard c >= 0 else { return }
        let total = state.cards[c].totalRecharge
        let level = Catalogue.memberLevels.lastIndex { Money(yuan: $0.threshold) <= total } ?? 0
        guard level + 1 > state.members[m].levelId else { return }
        state.members[m].levelId = level + 1
        state.members[m].levelName = Catalogue.memberLevels[level].name
        state.members[m].tableDiscountPercent = Catalogue.memberLevels[level].percent
        state.members[m].updateTime = time
        if !dirtyMembers.contains(m) { dirtyMembers.append(m) }
    }

    /// A member changes their phone number or gives their birthday.
    mutating func edit(member m: Int, at time: VenueTime) {
        if state.members[m].birthday.isEmpty && rng.chance(0.3) {
            let age = 18 + rng.below(38)
            state.members[m].birthday = VenueDate(dt.adding(days: -(age * 365 + age / 4) - rng.below(365))).description
        } else {
            state.members[m].mobile = Names.mobile(&rng)
            let c = Int(state.cardOf[m])
            if c >= 0 {
                state.cards[c].mobile = state.members[m].mobile
                state.cards[c].updateTime = time
                if !dirtyCards.contains(c) { dirtyCards.append(c) }
            }
        }
        state.members[m].updateTime = time
        if !dirtyMembers.contains(m) { dirtyMembers.append(m) }
    }

    /// One new version of each profile and card the last event changed.
    mutating func flush() {
        for m in dirtyMembers { out.memberProfiles.append(state.members[m]) }
        for c in dirtyCards { out.memberCards.append(state.cards[c]) }
        dirtyMembers.removeAll(keepingCapacity: true)
        dirtyCards.removeAll(keepingCapacity: true)
    }
}
