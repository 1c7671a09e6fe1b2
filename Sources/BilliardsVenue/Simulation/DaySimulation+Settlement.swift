import GeneratorKit
import LakeFormat

extension DaySimulation {
    /// Plays one event against the store's state; cards and profiles it changed get
    /// one new version each, at the event's time.
    mutating func process(_ event: Event) {
        let time = event.time
        switch event.action {
        case let .receipt(g, quantity, opening):
            move(g, quantity, type: opening ? 4 : 1, relate: 0, remark: opening ? "开业期初入库" : "采购入库", at: time)
        case let .loss(g, quantity, reason):
            let q = min(quantity, state.stock[g])
            if q > 0 { move(g, -q, type: 3, relate: 0, remark: reason, at: time) }
        case let .order(s, l):
            order(session: s, line: l, at: time)
        case let .settle(s):
            settle(session: s, at: time)
        case .signup:
            signup(at: time)
        case let .recharge(m):
            recharge(member: m, yuan: Catalogue.rechargeAmounts[Self.rechargeChoice.draw(&rng)], at: time)
        case let .edit(m):
            edit(member: m, at: time)
        case let .refund(pending):
            refund(pending)
        }
        flush()
    }

    static let movementNames = [1: "采购入库", 2: "销售出库", 3: "报损出库", 4: "期初入库"]

    /// Changes a good's stock and logs the movement.
    mutating func move(_ g: Int, _ change: Int, type: Int, relate: Int64, remark: String, at time: VenueTime) {
        let before = state.stock[g]
        let after = before + change
        precondition(after >= 0, "stock below zero")
        state.stock[g] = after
        switch type {
        case 2: saleQty[g] -= change
        case 3: lossQty[g] -= change
        default: inQty[g] += change
        }
        lastMove[g] = time
        let good = tenant.goods[g][0]
        out.stockMovements.append(StockMovementRecord(
            id: nextID(.stockMove), tenantId: config.tenantId, siteId: store.id, siteGoodsId: storeGoodsID(g),
            tenantGoodsId: good.id, goodsName: good.goodsName, movementType: type, movementTypeName: Self.movementNames[type]!,
            changeQty: change, stockBefore: before, stockAfter: after, relateId: relate, remark: remark,
            operatorName: type == 2 ? store.cashiers[0] : store.manager, createTime: time))
    }

    func storeGoodsID(_ g: Int) -> Int64 {
        VenueID.make(.storeGoods, store: store.index, day: config.opened.daysSinceEpoch, seq: g + 1)
    }

    /// Goods brought to a table, as many as the stock allows.
    mutating func order(session s: Int, line l: Int, at time: VenueTime) {
        let line = sessions[s].lines[l]
        let quantity = min(line.quantity, state.stock[line.good])
        guard quantity > 0 else { return }  // sold out
        let session = sessions[s]
        let table = store.tables[session.table(at: time)]
        let good = tenant.goods[line.good][0]
        let price = tenant.price(line.good, at: time)
        let id = nextID(.goodsSale)
        sessions[s].sold.append(GoodsSaleRecord(
            id: id, tenantId: config.tenantId, siteId: store.id, orderSettleId: session.settleID, orderTradeNo: session.tradeNo,
            siteGoodsId: storeGoodsID(line.good), tenantGoodsId: good.id, goodsName: good.goodsName, categoryName: good.categoryName,
            siteTableId: table.id, tableName: table.name, tenantMemberId: session.member.map { state.members[$0].id } ?? 0,
            quantity: quantity, unitPrice: price, amount: price * quantity, createTime: time))
        out.goodsSales.append(sessions[s].sold.last!)
        move(line.good, -quantity, type: 2, relate: id, remark: "台桌点单", at: time)
    }

    static let walletChoice = WeightedChoice(weights: [0, 0, 65, 35])  // WeChat, Alipay
    static let methodChoice = WeightedChoice(weights: [10, 6, 50, 24])  // cash, bank card, WeChat, Alipay
    static let rechargeChoice = WeightedChoice(weights: Catalogue.rechargeWeights)
    static let adjustments: [(type: Int, name: String, reason: String, weight: Double)] = [
        (4, "抹零", "收银抹零", 35), (1, "打折", "老顾客九折", 15), (1, "打折", "店庆活动八折", 10),
        (2, "减免", "设备故障减免", 12), (2, "减免", "等位补偿", 13), (3, "免单", "店长免单", 5),
    ]
    static let adjustChoice = WeightedChoice(weights: adjustments.map(\.weight))
    static let fullRefundReasons = ["顾客投诉全额退款", "误结账撤销", "设备故障无法继续"]
    static let partialRefundReasons = ["计时异常退差价", "商品未上退款", "服务投诉部分退款", "助教服务退差价"]

    /// Closes a session's bill: a table-fee line per table, the coupon, assistants,
    /// goods, an adjustment, the member's discount, then the payments; now and then a
    /// refund is promised for later.
    mutating func settle(session s: Int, at time: VenueTime) {
        let session = sessions[s]
        let tables = store.tables
        let member = session.member.map { state.members[$0] }
        let memberID = member?.id ?? 0
        let cashier = store.cashiers[rng.below(store.cashiers.count)]

        var tableFee = Money.zero
        var tableItems: [SettlementTicketRecord.TableItem] = []
        for segment in session.segments {
            let table = tables[segment.table]
            let type = Catalogue.tableTypes[table.type]
            let rates = store.rates(type: table.type, at: segment.start)
            let real = segment.end.seconds(since: segment.start)
            let billed = billed(real)
            let fee = Self.fee(from: segment.start, seconds: billed, rates: rates)
            let unit = Self.rate(at: segment.start, rates)
            tableFee += fee
            out.tableFees.append(TableFeeRecord(
                id: nextID(.tableUse), tenantId: config.tenantId, siteId: store.id, orderSettleId: session.settleID,
                orderTradeNo: session.tradeNo, siteTableId: table.id, tableName: table.name, tableAreaName: table.area,
                tableTypeName: type.name, tenantMemberId: memberID, startUseTime: segment.start, endUseTime: segment.end,
                realUseSeconds: real, billedSeconds: billed, ledgerUnitPrice: unit, ledgerAmount: fee,
                isChangeTable: session.segments.count > 1 ? 1 : 0, createTime: segment.end))
            tableItems.append(.init(tableName: table.name, tableTypeName: type.name, startTime: segment.start, endTime: segment.end,
                                    billedMinutes: billed / 60, unitPrice: unit, amount: fee))
        }

        var discountItems: [SettlementTicketRecord.DiscountItem] = []
        var couponDeduct = Money.zero
        if let p = session.package, let package = current(store.packages[p], at: session.start) {
            // The coupon pays for the package's minutes of billed play, across a move.
            let first = session.segments[0]
            let table = tables[first.table]
            var left = package.durationMinutes * 60
            var coveredEnd = first.start
            for segment in session.segments where left > 0 {
                let billed = billed(segment.end.seconds(since: segment.start))
                let take = min(left, billed)
                couponDeduct += Self.fee(from: segment.start, seconds: take,
                                         rates: store.rates(type: tables[segment.table].type, at: segment.start))
                coveredEnd = min(segment.end, segment.start.adding(seconds: take))
                left -= take
            }
            couponDeduct = min(couponDeduct, tableFee)
            let covered = package.durationMinutes * 60 - left
            let consumeID = nextID(.couponConsume)
            let code = couponCode(platform: package.platform)
            let verified = first.start.adding(seconds: 30 + rng.below(120))
            out.couponRedemptions.append(CouponRedemptionRecord(
                id: consumeID, tenantId: config.tenantId, siteId: store.id, couponCode: code, platform: package.platform,
                platformName: package.platformName, packageId: package.id, packageName: package.packageName,
                salePrice: package.salePrice, deductAmount: couponDeduct, orderSettleId: session.settleID,
                orderTradeNo: session.tradeNo, siteTableId: table.id, tenantMemberId: memberID, consumeTime: verified, status: 1,
                createTime: verified))
            out.groupBuyRedemptions.append(GroupBuyRedemptionRecord(
                id: nextID(.groupBuyUse), tenantId: config.tenantId, siteId: store.id, orderSettleId: session.settleID,
                orderTradeNo: session.tradeNo, couponConsumeId: consumeID, couponCode: code, packageId: package.id,
                packageName: package.packageName, siteTableId: table.id, tableName: table.name,
                tableTypeName: Catalogue.tableTypes[table.type].name, startUseTime: first.start,
                endUseTime: coveredEnd, coveredSeconds: covered, deductAmount: couponDeduct,
                createTime: time))
            discountItems.append(.init(discountName: package.packageName, amount: couponDeduct))
        }

        var assistantFee = Money.zero
        var assistantItems: [SettlementTicketRecord.AssistantItem] = []
        for service in session.services {
            let assistant = current(store.assistants[service.assistant], at: service.start)!
            let amount = assistant.hourlyPrice * service.hours
            let table = tables[session.table(at: service.start)]
            let end = service.start.adding(seconds: service.hours * 3600)
            assistantFee += amount
            out.assistantServices.append(AssistantServiceRecord(
                id: nextID(.assistantService), tenantId: config.tenantId, siteId: store.id, orderSettleId: session.settleID,
                orderTradeNo: session.tradeNo, assistantId: assistant.id, assistantNo: assistant.assistantNo,
                nickName: assistant.nickName, levelName: assistant.levelName, siteTableId: table.id, tableName: table.name,
                tenantMemberId: memberID, startTime: service.start, endTime: end, serviceMinutes: service.hours * 60,
                unitPrice: assistant.hourlyPrice, amount: amount, createTime: end))
            assistantItems.append(.init(nickName: assistant.nickName, serviceMinutes: service.hours * 60,
                                        unitPrice: assistant.hourlyPrice, amount: amount))
        }

        let goodsMoney = session.sold.reduce(Money.zero) { $0 + $1.amount }
        let last = tables[session.segments[session.segments.count - 1].table]

        // A table-fee adjustment on what the coupon left.
        let base = tableFee - couponDeduct
        var adjust = Money.zero
        if base > .zero && rng.chance(0.07) {
            let kind = Self.adjustments[Self.adjustChoice.draw(&rng)]
            switch kind.type {
            case 4: adjust = Money(fen: base.fen % 100 == 0 ? base.fen % 1000 : base.fen % 100)
            case 1: adjust = base - base.scaled(kind.reason.contains("八折") ? 80 : 90, 100)
            case 2: adjust = min(base, Money(yuan: rng.chance(0.5) ? 10 : 20))
            default: adjust = base
            }
            if adjust > .zero {
                out.tableFeeAdjustments.append(TableFeeAdjustRecord(
                    id: nextID(.adjust), tenantId: config.tenantId, siteId: store.id, orderSettleId: session.settleID,
                    orderTradeNo: session.tradeNo, siteTableId: last.id, tableName: last.name, adjustType: kind.type,
                    adjustTypeName: kind.name, adjustReason: kind.reason, beforeAmount: base, adjustAmount: adjust,
                    afterAmount: base - adjust, operatorName: kind.type == 3 ? store.manager : cashier, createTime: time))
                discountItems.append(.init(discountName: "台费\(kind.name)", amount: adjust))
            }
        }
        let afterAdjust = base - adjust
        let memberDiscount = afterAdjust - afterAdjust.scaled(Int64(member?.tableDiscountPercent ?? 100), 100)
        if memberDiscount > .zero { discountItems.append(.init(discountName: "\(member!.levelName)台费折扣", amount: memberDiscount)) }
        let consume = tableFee + assistantFee + goodsMoney
        let payable = consume - adjust - memberDiscount - couponDeduct

        var payments: [PaymentRecord] = []
        func pay(_ sim: inout DaySimulation, _ method: PayMethod, _ amount: Money, card: Int64 = 0) {
            let p = PaymentRecord(
                id: sim.nextID(.payment), tenantId: sim.config.tenantId, siteId: sim.store.id, relateType: 1, relateTypeName: "台桌结账",
                relateId: session.settleID, orderTradeNo: session.tradeNo, payMethod: method.rawValue, payMethodName: method.name,
                payAmount: amount, tenantMemberId: memberID, tenantMemberCardId: card, payTime: time, createTime: time)
            payments.append(p)
            sim.out.payments.append(p)
        }
        if payable > .zero {
            if let m = session.member, state.cardOf[m] >= 0, rng.chance(0.7) {
                let c = Int(state.cardOf[m])
                if state.cards[c].balance < payable && rng.chance(0.55) {
                    // Recharges at the counter to cover the bill.
                    let need = payable - state.cards[c].balance
                    let yuan = Catalogue.rechargeAmounts.first { Money(yuan: $0) >= need } ?? Int((need.fen + 9_999) / 10_000) * 100
                    recharge(member: m, yuan: yuan, at: time)
                }
                let use = min(state.cards[c].balance, payable)
                if use > .zero {
                    pay(&self, .storedValue, use, card: state.cards[c].id)
                    changeCard(c, by: -use, type: 3, relate: session.settleID, at: time)
                }
                if payable - use > .zero { pay(&self, PayMethod(rawValue: Self.walletChoice.draw(&rng) + 1)!, payable - use) }
            } else if payable >= Money(yuan: 40) && rng.chance(0.06) {
                // Split between two players (AA).
                let half = Money(fen: payable.fen / 2)
                pay(&self, .wechat, half)
                pay(&self, rng.chance(0.5) ? .wechat : .alipay, payable - half)
            } else {
                pay(&self, PayMethod(rawValue: Self.methodChoice.draw(&rng) + 1)!, payable)
            }
        }

        let record = SettlementRecord(
            id: session.settleID, tenantId: config.tenantId, siteId: store.id, orderTradeNo: session.tradeNo,
            siteTableId: last.id, tableName: last.name, tenantMemberId: memberID, memberName: member?.memberName ?? "",
            memberMobile: member?.mobile ?? "", openTime: session.start, settleTime: time, tableChargeMoney: tableFee,
            assistantMoney: assistantFee, goodsMoney: goodsMoney, consumeMoney: consume, adjustMoney: adjust,
            memberDiscountMoney: memberDiscount, couponDeductMoney: couponDeduct, payAmount: payable, refundAmount: .zero,
            settleStatus: 1, settleStatusName: "已结账", cashierName: cashier, createTime: time, updateTime: time)
        out.settlements.append(record)
        out.tickets.append(SettlementTicketRecord(
            orderSettleId: session.settleID, orderTradeNo: session.tradeNo, tenantId: config.tenantId, siteId: store.id,
            siteName: store.name, tableName: last.name, memberName: member?.memberName ?? "", cashierName: cashier,
            openTime: session.start, settleTime: time, tableItems: tableItems, assistantItems: assistantItems,
            goodsItems: session.sold.map { .init(goodsName: $0.goodsName, quantity: $0.quantity, unitPrice: $0.unitPrice, amount: $0.amount) },
            discountItems: discountItems, payItems: payments.map { .init(payMethodName: $0.payMethodName, amount: $0.payAmount) },
            consumeMoney: consume, discountMoney: consume - payable, payAmount: payable, createTime: time))

        // A refund: the same day, or days later.
        if let payment = payments.max(by: { $0.payAmount < $1.payAmount }), rng.chance(config.refundRate) {
            let full = rng.chance(0.4)
            let part = Money(yuan: max(1, Int(payment.payAmount.fen * Int64(10 + rng.below(51)) / 10_000)))  // 10-60 %
            let amount = full ? payment.payAmount : min(part, payment.payAmount)
            let reasons = full ? Self.fullRefundReasons : Self.partialRefundReasons
            let reason = reasons[rng.below(reasons.count)]
            let when = rng.chance(config.lateRefundShare)
                ? VenueTime(date: dt.adding(days: 1 + rng.below(6)), secondOfDay: 11 * 3600 + rng.below(11 * 3600))
                : time.adding(seconds: 600 + rng.below(3 * 3600))
            let pending = PendingRefund(time: when, settlement: record, payment: payment, amount: amount, reason: reason,
                                        operatorName: store.manager)
            if when < window.upperBound { insert(when, .refund(pending)) } else { state.pendingRefunds.append(pending) }
        }
    }

    /// Gives money back against one payment; the settlement gets a new version.
    mutating func refund(_ pending: PendingRefund) {
        var settlement = pending.settlement
        let payment = pending.payment
        let id = nextID(.refund)
        settlement.refundAmount += pending.amount
        let whole = settlement.refundAmount == settlement.payAmount
        settlement.settleStatus = whole ? 3 : 2
        settlement.settleStatusName = whole ? "全额退款" : "部分退款"
        settlement.updateTime = pending.time
        out.settlements.append(settlement)
        out.refunds.append(RefundRecord(
            id: id, tenantId: config.tenantId, siteId: store.id, orderSettleId: settlement.id, orderTradeNo: settlement.orderTradeNo,
            payLogId: payment.id, payMethod: payment.payMethod, payMethodName: payment.payMethodName, refundAmount: pending.amount,
            refundReason: pending.reason, tenantMemberId: payment.tenantMemberId, tenantMemberCardId: payment.tenantMemberCardId,
            operatorName: pending.operatorName, settleTime: settlement.settleTime, createTime: pending.time))
        if payment.payMethod == PayMethod.storedValue.rawValue,
           let c = state.cards.firstIndex(where: { $0.id == payment.tenantMemberCardId }) {
            changeCard(c, by: pending.amount, type: 4, relate: id, at: pending.time)
        }
    }

    /// A platform's coupon code: 12 digits on 美团, 15 on 抖音.
    mutating func couponCode(platform: Int) -> String {
        var digits: [UInt8] = [UInt8(49 + rng.below(9))]
        for _ in 1..<(platform == 1 ? 12 : 15) { digits.append(UInt8(48 + rng.below(10))) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The day's stock report per good, and a new version of every store good whose
    /// stock or price changed today.
    mutating func closeDay() {
        let closed = VenueTime(date: dt, secondOfDay: 31 * 3600 + 1800)  // 07:30 the next morning
        var repricedAt: [Int64: VenueTime] = [:]
        for v in out.tenantGoods { repricedAt[v.id] = v.updateTime }
        for g in Catalogue.goods.indices {
            let good = tenant.goods[g][0]
            out.stockSummaries.append(StockSummaryRecord(
                siteGoodsId: storeGoodsID(g), tenantId: config.tenantId, siteId: store.id, tenantGoodsId: good.id,
                goodsName: good.goodsName, reportDate: VenueDate(dt), openingQty: openingStock[g], inQty: inQty[g],
                saleQty: saleQty[g], lossQty: lossQty[g], closingQty: state.stock[g], createTime: closed))
            let repriced = repricedAt[good.id]
            guard let time = [lastMove[g], repriced].compactMap({ $0 }).max() else { continue }
            let category = tenant.secondaryIDs[Catalogue.goods[g].category]
            out.storeGoods.append(StoreGoodsRecord(
                id: storeGoodsID(g), tenantId: config.tenantId, siteId: store.id, tenantGoodsId: good.id, goodsName: good.goodsName,
                categoryName: category.name, unit: good.unit, salePrice: tenant.price(g, at: time), stockQty: state.stock[g],
                warningQty: Catalogue.goods[g].reorderPoint, goodsStatus: 1,
                createTime: VenueTime(date: config.opened, secondOfDay: 8 * 3600 + 2700), updateTime: time))
        }
    }
}
