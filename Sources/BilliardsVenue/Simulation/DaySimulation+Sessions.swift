import GeneratorKit
import LakeFormat

extension DaySimulation {
    /// Arrivals per opening hour, 10:00 to 01:59, Monday-Thursday and at weekends:
    /// a slow afternoon and a peak from 19:00 to 23:00; weekends busy from noon.
    static let weekdayHours: [Double] = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 6, 9, 11, 11, 9, 7, 4, 2]
    static let weekendHours: [Double] = [2, 3, 4.5, 6, 7, 7.5, 7, 6.5, 7.5, 10, 12, 12, 10, 8, 5, 3]
    static let hourChoices = [
        WeightedChoice(weights: weekdayHours),
        WeightedChoice(weights: Array(weekdayHours[0..<8] + weekendHours[8...])),  // Friday
        WeightedChoice(weights: weekendHours),
    ]
    static let typeChoice = WeightedChoice(weights: Catalogue.tableTypes.map(\.demand))
    static let goodsChoice = WeightedChoice(weights: Catalogue.goods.map(\.popularity))
    static let linesChoice = WeightedChoice(weights: [30, 30, 22, 12, 6])

    /// Plans the day's table sessions in order of arrival: a table of the type the
    /// party wants (or a 中式 table, or they leave), how long they play, an assistant,
    /// a move to another table, a group-buy coupon, goods ordered to the table; then
    /// schedules each goods order and the settlement.
    mutating func planSessions() {
        let tables = store.tables
        // Tables in maintenance are out from before opening (09:00-09:40) for whole days.
        var byType = Array(repeating: [Int](), count: Catalogue.tableTypes.count)
        for (i, t) in tables.enumerated() where current(store.tableVersions[i], at: at(10 * 3600))?.isEnabled == 1 {
            byType[t.type].append(i)
        }
        let hours = Self.hourChoices[dt.isoWeekday == 5 ? 1 : dt.isoWeekday >= 6 ? 2 : 0]
        let expected = Double(tables.count) * config.sessionsPerTable * dayFactor * config.scale * (0.9 + 0.2 * rng.unit())
        var arrivals = (0..<Int(expected.rounded())).map { _ in (10 + hours.draw(&rng)) * 3600 + rng.below(3600) }
        arrivals.sort()
        let lastEnd = VenueTime(date: dt, secondOfDay: 31 * 3600)  // 07:00 the next morning
        // Packages are relisted before opening (08:40-09:10), so what is on sale at 10:00
        // is on sale all day.
        let onSale = store.packages.indices.filter { current(store.packages[$0], at: at(10 * 3600))?.status == 1 }
        var freeAt = Array(repeating: window.lowerBound, count: tables.count)
        var assistantFree = Array(repeating: window.lowerBound, count: store.assistants.count)

        for second in arrivals {
            let start = at(second)
            var type = Self.typeChoice.draw(&rng)
            var free = byType[type].filter { freeAt[$0] <= start }
            if free.isEmpty && type != 0 && rng.chance(0.5) {
                type = 0
                free = byType[0].filter { freeAt[$0] <= start }
            }
            guard !free.isEmpty else { continue }  // no table: the party leaves
            let table = free[rng.below(free.count)]
            let room = Catalogue.tableTypes[type].isRoom
            var minutes = 40 + (0..<4).reduce(0) { acc, _ in acc + rng.below(46) } + (room ? 40 : 0)
            if second >= 23 * 3600 { minutes = minutes * 4 / 5 }
            var end = min(lastEnd, start.adding(seconds: minutes * 60 + rng.below(60)))
            let n = sessions.count + 1
            let tradeNo = Self.tradeNo(start, store: store.index, n: n)
            var session = Session(settleID: VenueID.make(.settle, store: store.index, day: dt.daysSinceEpoch, seq: n),
                                  tradeNo: tradeNo, member: nil, segments: [], settleTime: end)
            if !state.members.isEmpty && rng.chance(config.memberShare) { session.member = rng.below(state.members.count) }

            // An assistant booked by the hour, now and then cancelled (废除).
            let chance = (room ? 0.35 : 0.07) * (second >= 18 * 3600 ? 1.4 : 1)
            if end.seconds(since: start) >= 3600 && rng.chance(chance) {
                let book = start.adding(seconds: 60 + rng.below(600))
                let ready = store.assistants.indices.filter {
                    assistantFree[$0] <= book && current(store.assistants[$0], at: book)?.status == 1
                }
                if !ready.isEmpty {
                    let a = ready[rng.below(ready.count)]
                    var hours = 1 + rng.below(min(3, end.seconds(since: start) / 3600))
                    let assistant = current(store.assistants[a], at: book)!
                    if rng.chance(0.12) {
                        let cancelled = book.adding(seconds: 300 + rng.below(900))
                        assistantFree[a] = cancelled
                        out.assistantCancellations.append(AssistantCancellationRecord(
                            id: nextID(.assistantCancel), tenantId: config.tenantId, siteId: store.id, assistantId: assistant.id,
                            assistantNo: assistant.assistantNo, nickName: assistant.nickName, siteTableId: tables[table].id,
                            tableName: tables[table].name, orderTradeNo: tradeNo, bookTime: book, plannedMinutes: hours * 60,
                            plannedAmount: assistant.hourlyPrice * hours, abolishReason: Self.abolishReasons[rng.below(Self.abolishReasons.count)],
                            operatorName: store.cashiers[rng.below(store.cashiers.count)], createTime: cancelled))
                    } else {
                        // The party plays at least as long as the assistant serves.
                        while book.adding(seconds: hours * 3600) > lastEnd { hours -= 1 }
                        if hours > 0 {
                            end = max(end, book.adding(seconds: hours * 3600 + rng.below(900)))
                            end = min(end, lastEnd)
                            session.services.append((a, book, hours))
                            assistantFree[a] = book.adding(seconds: hours * 3600)
                        }
                    }
                }
            }

            // Moving to another table (换台): the second table is held from arrival on.
            let length = end.seconds(since: start)
            session.segments = [Segment(table: table, start: start, end: end)]
            freeAt[table] = end.adding(seconds: 300)
            if length >= 3600 && rng.chance(0.05) {
                let others = byType.joined().filter { $0 != table && freeAt[$0] <= start }
                if !others.isEmpty {
                    let same = others.filter { tables[$0].type == type }
                    let to = !same.isEmpty && rng.chance(0.5) ? same[rng.below(same.count)] : others[rng.below(others.count)]
                    let move = start.adding(seconds: 1200 + rng.below(length - 2400))
                    session.segments = [Segment(table: table, start: start, end: move), Segment(table: to, start: move, end: end)]
                    freeAt[table] = move.adding(seconds: 300)
                    freeAt[to] = end.adding(seconds: 300)
                }
            }

            // A platform coupon for the first table's type.
            let typeID = Catalogue.tableTypes[type].id
            let offers = onSale.filter { store.packages[$0][0].tableTypeId == typeID }
            if !offers.isEmpty && rng.chance(0.14) { session.package = offers[rng.below(offers.count)] }

            // Goods ordered to the table.
            for _ in 0..<Self.linesChoice.draw(&rng) {
                let g = Self.goodsChoice.draw(&rng)
                let beer = Catalogue.goods[g].category == 1
                let quantity = beer ? 1 + rng.below(6) : (rng.chance(0.75) ? 1 : 2)
                let time = start.adding(seconds: 120 + rng.below(max(1, length - 420)))
                session.lines.append((time, g, quantity))
            }
            session.settleTime = end.adding(seconds: 30 + rng.below(270))
            let s = sessions.count
            sessions.append(session)
            for (l, line) in session.lines.enumerated() { schedule(line.time, .order(session: s, line: l)) }
            schedule(session.settleTime, .settle(session: s))
        }
    }

    static let abolishReasons = ["顾客取消", "助教临时有事", "重复下单", "顾客更换助教", "下错台号"]

    /// `yyyyMMddHHmmss` of the opening, the store and the session's number.
    static func tradeNo(_ time: VenueTime, store: Int, n: Int) -> String {
        var digits = time.description.utf8.filter { $0 >= 48 && $0 <= 57 }
        digits.append(contentsOf: Catalogue.pad(store, 2).utf8)
        digits.append(contentsOf: Catalogue.pad(n, 4).utf8)
        return String(decoding: digits, as: UTF8.self)
    }

    /// The fee of `seconds` of play from `start` at the rate card: each second at the
    /// rate of its band (night 00-08, day 08-18, evening 18-24), rounded once to the fen.
    static func fee(from start: VenueTime, seconds: Int, rates: StoreProfile.Rates) -> Money {
        var left = seconds
        var second = start.local.secondOfDay
        var total: Int64 = 0  // fen × seconds / hour
        while left > 0 {
            let (rate, bandEnd): (Money, Int) = second < 8 * 3600 ? (rates.night, 8 * 3600)
                : second < 18 * 3600 ? (rates.day, 18 * 3600) : (rates.evening, 24 * 3600)
            let take = min(left, bandEnd - second)
            total += rate.fen * Int64(take)
            left -= take
            second = bandEnd % 86_400
        }
        return Money(fen: (total + 1800) / 3600)
    }

    /// The rate of the band `time` falls in.
    static func rate(at time: VenueTime, _ rates: StoreProfile.Rates) -> Money {
        let second = time.local.secondOfDay
        return second < 8 * 3600 ? rates.night : second < 18 * 3600 ? rates.day : rates.evening
    }

    /// Real seconds rounded up to the minute, or to whole billing units.
    func billed(_ seconds: Int) -> Int {
        let unit = store.unitMinutes * 60
        return (seconds + unit - 1) / unit * unit
    }
}
