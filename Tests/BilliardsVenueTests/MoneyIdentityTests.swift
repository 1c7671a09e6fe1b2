import Testing
import BilliardsVenue
import LakeFormat

/// The money identities, over every day of three weeks, three stores and several seeds.
@Suite("money identities")
struct MoneyIdentityTests {
    @Test("a settlement is its parts, its lines, its payments and its ticket")
    func settlements() {
        var checked = 0
        for (seed, _, stores) in Fixture.histories {
            for days in stores { checked += Self.checkSettlements(days, seed: seed) }
        }
        #expect(checked > 2_000)
    }

    /// Checks one store's settlements; returns how many.
    static func checkSettlements(_ days: [VenueDay], seed: UInt64) -> Int {
        var checked = 0
        for day in days {
            let fees = day.tableFees.grouped { $0.orderSettleId }
            let services = day.assistantServices.grouped { $0.orderSettleId }
            let sales = day.goodsSales.grouped { $0.orderSettleId }
            let adjustments = day.tableFeeAdjustments.grouped { $0.orderSettleId }
            let coupons = day.couponRedemptions.grouped { $0.orderSettleId }
            let groupBuy = day.groupBuyRedemptions.grouped { $0.orderSettleId }
            let payments = day.payments.filter { $0.relateType == 1 }.grouped { $0.relateId }
            let tickets = day.tickets.grouped { $0.orderSettleId }
            for s in day.settlements where s.settleStatus == 1 {
                let where_ = "seed \(seed) \(day.dt) settlement \(s.id)"
                #expect(s.consumeMoney == s.tableChargeMoney + s.assistantMoney + s.goodsMoney, "\(where_)")
                #expect(s.payAmount == s.consumeMoney - s.adjustMoney - s.memberDiscountMoney - s.couponDeductMoney, "\(where_)")
                #expect(s.payAmount >= .zero && s.adjustMoney >= .zero && s.memberDiscountMoney >= .zero, "\(where_)")
                #expect(s.adjustMoney + s.memberDiscountMoney + s.couponDeductMoney <= s.tableChargeMoney, "\(where_)")
                #expect(s.tableChargeMoney == Self.sum(fees[s.id], \.ledgerAmount), "\(where_)")
                #expect(s.tableChargeMoney > .zero, "\(where_)")
                #expect(s.assistantMoney == Self.sum(services[s.id], \.amount), "\(where_)")
                #expect(s.goodsMoney == Self.sum(sales[s.id], \.amount), "\(where_)")
                #expect(s.adjustMoney == Self.sum(adjustments[s.id], \.adjustAmount), "\(where_)")
                #expect(s.couponDeductMoney == Self.sum(coupons[s.id], \.deductAmount), "\(where_)")
                #expect(s.couponDeductMoney == Self.sum(groupBuy[s.id], \.deductAmount), "\(where_)")
                #expect(s.payAmount == Self.sum(payments[s.id], \.payAmount), "\(where_)")
                for line in sales[s.id] ?? [] { #expect(line.amount == line.unitPrice * line.quantity) }
                for line in services[s.id] ?? [] {
                    #expect(line.amount == line.unitPrice * (line.serviceMinutes / 60) && line.serviceMinutes % 60 == 0)
                }
                for a in adjustments[s.id] ?? [] { #expect(a.afterAmount == a.beforeAmount - a.adjustAmount && a.afterAmount >= .zero) }
                let ticket = tickets[s.id]?.first
                #expect(ticket?.payAmount == s.payAmount && ticket?.consumeMoney == s.consumeMoney, "\(where_)")
                #expect(ticket.map { Self.sum($0.payItems, \.amount) } == s.payAmount, "\(where_)")
                #expect(ticket.map { Self.sum($0.discountItems, \.amount) } == s.consumeMoney - s.payAmount, "\(where_)")
                checked += 1
            }
        }
        return checked
    }

    @Test("a table fee is its billed seconds at the rates of its bands")
    func tableFees() {
        for (_, _, stores) in Fixture.histories {
            for days in stores { Self.checkTableFees(days) }
        }
    }

    static func checkTableFees(_ days: [VenueDay]) {
        let tables = Dictionary(days.flatMap(\.siteTables).map { ($0.id, $0) }) { _, later in later }
        for fee in days.flatMap(\.tableFees) {
            let table = tables[fee.siteTableId]!
            #expect(fee.billedSeconds >= fee.realUseSeconds && fee.billedSeconds - fee.realUseSeconds < table.billingUnitMinutes * 60)
            #expect(fee.billedSeconds % (table.billingUnitMinutes * 60) == 0)
            #expect(fee.realUseSeconds == fee.endUseTime.seconds(since: fee.startUseTime))
            // Between the cheapest and the dearest band's rate for the billed time.
            let rates = [table.dayPrice, table.eveningPrice, table.nightPrice].map(\.fen)
            let low = (rates.min()! * Int64(fee.billedSeconds)) / 3600, high = (rates.max()! * Int64(fee.billedSeconds) + 3599) / 3600
            #expect((low...high).contains(fee.ledgerAmount.fen), "\(fee.id)")
        }
    }

    @Test("refunds never exceed the payment they refund, and the settlement shows them")
    func refunds() {
        var refunds = 0
        for (seed, _, stores) in Fixture.histories {
            for days in stores { refunds += Self.checkRefunds(days, seed: seed) }
        }
        #expect(refunds > 20)
    }

    static func checkRefunds(_ days: [VenueDay], seed: UInt64) -> Int {
        var refunds = 0
        let payments = Dictionary(uniqueKeysWithValues: days.flatMap(\.payments).map { ($0.id, $0) })
        let byPayment = days.flatMap(\.refunds).grouped { $0.payLogId }
        for (payLog, list) in byPayment {
            let payment = payments[payLog]!
            #expect(Self.sum(list, \.refundAmount) <= payment.payAmount, "seed \(seed) payment \(payLog)")
            #expect(list.allSatisfy { $0.refundAmount > .zero && $0.orderSettleId == payment.relateId })
            refunds += list.count
        }
        let versions = days.flatMap(\.settlements).grouped { $0.id }
        let bySettlement = days.flatMap(\.refunds).grouped { $0.orderSettleId }
        for (id, list) in bySettlement {
            let latest = versions[id]!.max { $0.updateTime < $1.updateTime }!
            #expect(latest.refundAmount == Self.sum(list, \.refundAmount))
            #expect(latest.refundAmount <= latest.payAmount)
            #expect(latest.settleStatus == (latest.refundAmount == latest.payAmount ? 3 : 2))
        }
        return refunds
    }

    @Test("a card's balance moves exactly by its logged changes, chained across days, never below zero")
    func cards() {
        var chains = 0
        for (seed, _, stores) in Fixture.histories {
            for days in stores { chains += Self.checkCards(days, seed: seed) }
        }
        #expect(chains > 500)
    }

    /// Checks one store's cards; returns how many.
    static func checkCards(_ days: [VenueDay], seed: UInt64) -> Int {
        var chains = 0
        let logs = days.flatMap(\.balanceChanges).sorted { ($0.createTime, $0.id) < ($1.createTime, $1.id) }
        var balance: [Int64: Money] = [:]
        for log in logs {
            #expect(log.balanceAfter == log.balanceBefore + log.changeAmount, "seed \(seed) log \(log.id)")
            #expect(log.balanceBefore == balance[log.tenantMemberCardId] ?? .zero, "seed \(seed) log \(log.id)")
            #expect(log.balanceAfter >= .zero)
            #expect((log.changeType == 3) == (log.changeAmount < .zero))
            balance[log.tenantMemberCardId] = log.balanceAfter
        }
        chains += balance.count
        // Each card version shows the balance its logs reached by then, and its totals add up.
        let byCard = logs.grouped { $0.tenantMemberCardId }
        for card in days.flatMap(\.memberCards) {
            let reached = byCard[card.id]?.last { $0.createTime <= card.updateTime }?.balanceAfter ?? .zero
            #expect(card.balance == reached, "seed \(seed) card \(card.id) at \(card.updateTime)")
            #expect(card.balance == card.totalRecharge + card.totalGift - card.totalConsume + card.totalRefund)
        }
        // Stored-value payments and refunds are logged on the card.
        let logged = Set(logs.map(\.relateId))
        for p in days.flatMap(\.payments) where p.payMethod == PayMethod.storedValue.rawValue {
            #expect(logged.contains(p.relateId) && p.tenantMemberCardId != 0)
        }
        for r in days.flatMap(\.refunds) where r.payMethod == PayMethod.storedValue.rawValue { #expect(logged.contains(r.id)) }
        return chains
    }

    @Test("recharges get the bonus of the store's rules, logged and paid")
    func recharges() throws {
        let config = try Fixture.venue(seed: 1).config
        #expect(config.bonus(for: Money(yuan: 500)).bonus == Money(yuan: 50))
        #expect(config.bonus(for: Money(yuan: 500)).rule?.name == "充500送50")
        #expect(config.bonus(for: Money(yuan: 200)).bonus == .zero)
        var withBonus = 0
        for (_, _, stores) in Fixture.histories {
            for days in stores { withBonus += Self.checkRecharges(days, config: config) }
        }
        #expect(withBonus > 50)
    }

    /// Checks one store's recharges; returns how many got a bonus.
    static func checkRecharges(_ days: [VenueDay], config: VenueConfig) -> Int {
        var withBonus = 0
        let logs = days.flatMap(\.balanceChanges).grouped { $0.relateId }
        let payments = days.flatMap(\.payments).filter { $0.relateType == 2 }.grouped { $0.relateId }
        for r in days.flatMap(\.recharges) {
            let (bonus, rule) = config.bonus(for: r.rechargeAmount)
            #expect(r.giftAmount == bonus && r.ruleName == (rule?.name ?? ""))
            #expect(logs[r.id]?.filter { $0.changeType == 1 }.map(\.changeAmount) == [r.rechargeAmount])
            #expect(Self.sum(logs[r.id]?.filter { $0.changeType == 2 }, \.changeAmount) == r.giftAmount)
            #expect(payments[r.id]?.map(\.payAmount) == [r.rechargeAmount])
            if bonus > .zero { withBonus += 1 }
        }
        return withBonus
    }

    @Test("stock on hand moves exactly by its movements and never goes below zero")
    func stock() {
        for (seed, _, stores) in Fixture.histories {
            for days in stores { Self.checkStock(days, seed: seed) }
        }
    }

    static func checkStock(_ days: [VenueDay], seed: UInt64) {
        var closing: [Int64: Int] = [:]
        var onHand: [Int64: Int] = [:]
        for day in days {
            let moves = day.stockMovements.grouped { $0.siteGoodsId }
            for summary in day.stockSummaries {
                let list = moves[summary.siteGoodsId] ?? []
                #expect(summary.openingQty == closing[summary.siteGoodsId] ?? 0, "seed \(seed) \(day.dt) \(summary.goodsName)")
                #expect(summary.closingQty == summary.openingQty + summary.inQty - summary.saleQty - summary.lossQty)
                #expect(summary.closingQty - summary.openingQty == list.reduce(0) { $0 + $1.changeQty })
                #expect(summary.saleQty == -list.filter { $0.movementType == 2 }.reduce(0) { $0 + $1.changeQty })
                #expect(summary.closingQty >= 0)
                closing[summary.siteGoodsId] = summary.closingQty
            }
            for m in day.stockMovements {
                #expect(m.stockBefore == onHand[m.siteGoodsId] ?? 0 && m.stockAfter == m.stockBefore + m.changeQty && m.stockAfter >= 0)
                onHand[m.siteGoodsId] = m.stockAfter
            }
            for g in day.storeGoods { #expect(g.stockQty == closing[g.id]) }
            // Every sale line has its movement.
            let sold = Set(day.stockMovements.filter { $0.movementType == 2 }.map(\.relateId))
            #expect(day.goodsSales.allSatisfy { sold.contains($0.id) })
        }
    }

    static func sum<T>(_ items: [T]?, _ amount: KeyPath<T, Money>) -> Money {
        (items ?? []).reduce(Money.zero) { $0 + $1[keyPath: amount] }
    }

    /// Harsher settings than the defaults: many refunds and members, a busy day,
    /// hardly any, long histories before the days checked.
    static let stressed: [(name: String, seed: UInt64, change: @Sendable (inout VenueConfig) -> Void)] = [
        ("refunds", 11, { $0.refundRate = 0.4; $0.lateRefundShare = 0.7 }),
        ("members", 12, { $0.memberShare = 1; $0.openingMembers = 5...20; $0.newMembersPerDay = 20...40 }),
        ("busy", 13, { $0.scale = 2.5 }),
        ("quiet", 14, { $0.scale = 0.05; $0.openingMembers = 0...0 }),
        ("saturday", 15, { $0.opened = LakeDate(year: 2027, month: 2, day: 6) }),
    ]

    @Test("the identities hold under harsher settings", arguments: 0..<5)
    func stressed(_ which: Int) throws {
        let (name, seed, change) = Self.stressed[which]
        var config = VenueConfig()
        config.storeCount = 2
        change(&config)
        let venue = try Venue(config: config, seed: seed)
        for store in venue.stores {
            let days = (0..<14).map { venue.day(store, dt: config.opened.adding(days: $0)) }
            _ = Self.checkSettlements(days, seed: seed)
            Self.checkTableFees(days)
            _ = Self.checkRefunds(days, seed: seed)
            _ = Self.checkCards(days, seed: seed)
            _ = Self.checkRecharges(days, config: config)
            Self.checkStock(days, seed: seed)
            #expect(days.allSatisfy { day in Endpoint.allCases.allSatisfy { e in day.records(e).allSatisfy { $0.businessDate == day.dt } } }, "\(name)")
        }
    }
}
