import GeneratorKit
import LakeFormat

/// One business day of one store: plans the day's table sessions, member sign-ups,
/// recharges, restocking and losses as timed events, then plays the events in time
/// order against the store's state (stock, cards), so every balance and stock level
/// moves in the order things happened.
///
/// Every draw comes from one stream seeded by (seed, store, day) and is taken in a
/// fixed order, so a day is a pure function of the state it opens with.
struct DaySimulation {
    let config: VenueConfig
    let tenant: Tenant
    let store: StoreProfile
    let dt: LakeDate
    let window: Range<VenueTime>
    var state: StoreState
    var out: VenueDay
    var rng: SplitMix64
    var seqs = [Int](repeating: 0, count: 40)

    struct Segment {
        var table: Int
        var start: VenueTime
        var end: VenueTime
    }

    struct Session {
        var settleID: Int64
        var tradeNo: String
        var member: Int?
        var segments: [Segment]
        var services: [(assistant: Int, start: VenueTime, hours: Int)] = []
        var package: Int?
        var lines: [(time: VenueTime, good: Int, quantity: Int)] = []
        var sold: [GoodsSaleRecord] = []
        var settleTime: VenueTime
        var start: VenueTime { segments[0].start }
        var end: VenueTime { segments[segments.count - 1].end }

        func table(at time: VenueTime) -> Int { (segments.last { $0.start <= time } ?? segments[0]).table }
    }

    enum Action {
        case receipt(good: Int, quantity: Int, opening: Bool)
        case loss(good: Int, quantity: Int, reason: String)
        case order(session: Int, line: Int)
        case settle(session: Int)
        case signup
        case recharge(member: Int)
        case edit(member: Int)
        /// Indirect: a pending refund carries whole records, and events are sorted.
        indirect case refund(PendingRefund)
    }

    struct Event {
        var time: VenueTime
        var seq: Int
        var action: Action
    }

    var sessions: [Session] = []
    var events: [Event] = []
    var dirtyMembers: [Int] = []
    var dirtyCards: [Int] = []
    var cursor = 0

    // The day's stock movements per good, for the stock report.
    var openingStock: [Int]
    var inQty: [Int]
    var saleQty: [Int]
    var lossQty: [Int]
    var lastMove: [VenueTime?]

    init(config: VenueConfig, tenant: Tenant, store: StoreProfile, state: StoreState) {
        self.config = config
        self.tenant = tenant
        self.store = store
        dt = state.dt
        window = VenueTime.window(of: state.dt)
        self.state = state
        out = VenueDay(siteId: store.id, dt: state.dt)
        rng = SplitMix64(seed: store.seed, label: "billiards.day", day: state.dt.daysSinceEpoch)
        openingStock = state.stock
        inQty = Array(repeating: 0, count: state.stock.count)
        saleQty = inQty
        lossQty = inQty
        lastMove = Array(repeating: nil, count: state.stock.count)
    }

    /// Plays the day; returns its records and the state the next day opens with.
    mutating func run() -> (VenueDay, StoreState) {
        emitMasterChanges()
        if dt == config.opened { openStore() }
        planStock()
        planSessions()
        planMembers()
        for refund in state.pendingRefunds where refund.time < window.upperBound {
            schedule(refund.time, .refund(refund))
        }
        state.pendingRefunds.removeAll { $0.time < window.upperBound }
        events.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
        cursor = 0
        while cursor < events.count {
            process(events[cursor])
            cursor += 1
        }
        closeDay()
        state.dt = dt.adding(days: 1)
        return (out, state)
    }

    mutating func nextID(_ kind: VenueID.Kind) -> Int64 {
        let k = Int(kind.rawValue - 10)
        seqs[k] += 1
        return VenueID.make(kind, store: store.index, day: dt.daysSinceEpoch, seq: seqs[k])
    }

    mutating func schedule(_ time: VenueTime, _ action: Action) {
        events.append(Event(time: time, seq: events.count, action: action))
    }

    /// Adds an event while the day is being played: after the current one, in time order.
    mutating func insert(_ time: VenueTime, _ action: Action) {
        var i = cursor + 1
        while i < events.count && events[i].time <= time { i += 1 }
        events.insert(Event(time: time, seq: events.count, action: action), at: i)
    }

    /// A local time of this business day: `second` seconds after midnight of `dt`.
    func at(_ second: Int) -> VenueTime { VenueTime(date: dt, secondOfDay: second) }

    var operatorName: String { store.cashiers[0] }

    // MARK: master data

    /// The versions of master data (tables, assistants, packages, the tenant's goods
    /// and categories) made today; they were drawn with the store.
    mutating func emitMasterChanges() {
        if let changes = store.changes[dt.daysSinceEpoch] {
            out.siteTables = changes.tables
            out.assistants = changes.assistants
            out.packages = changes.packages
        }
        if let changes = tenant.changes[dt.daysSinceEpoch] {
            out.tenantGoods = changes.goods
            out.goodsCategories = changes.categories
        }
    }

    /// The opening day: members brought over from the previous system, with the
    /// balances of their cards, and the opening stock.
    mutating func openStore() {
        let count = scaled(rng.int(in: config.openingMembers))
        for n in 0..<count {
            let time = at(8 * 3600 + 1800 + n * 3)
            let m = addMember(at: time)
            guard rng.chance(0.6) else { continue }
            // The imported balance, and the recharges and spending that left it.
            let balance = Money(yuan: 20 + rng.below(2001) * rng.below(2001) / 2000)
            let history = balance.scaled(Int64(150 + rng.below(300)), 100)
            let c = openCard(member: m, at: time)
            var card = state.cards[c]
            card.balance = balance
            card.totalRecharge = history
            card.totalConsume = history - balance
            state.cards[c] = card
            logChange(card: c, before: .zero, change: balance, type: 5, relate: 0, at: time)
            dirtyCards.append(c)
            upgrade(member: m, at: time)
        }
        flush()
        for g in Catalogue.goods.indices {
            schedule(at(9 * 3600 + g * 20), .receipt(good: g, quantity: Catalogue.goods[g].reorderPoint + Catalogue.goods[g].reorderQty, opening: true))
        }
    }

    /// Morning restocking of goods below their reorder point, and the odd loss.
    mutating func planStock() {
        for (g, good) in Catalogue.goods.enumerated() {
            if dt != config.opened && state.stock[g] < good.reorderPoint {
                schedule(at(9 * 3600 + 600 + g * 20), .receipt(good: g, quantity: good.reorderQty, opening: false))
            }
            if good.popularity >= 1 && rng.chance(0.015) {
                let reason = rng.chance(0.6) ? "破损报损" : "过期报损"
                schedule(at(10 * 3600 + rng.below(13 * 3600)), .loss(good: g, quantity: 1 + rng.below(2), reason: reason))
            }
        }
    }

    func scaled(_ n: Int) -> Int { Int((Double(n) * config.scale).rounded()) }

    /// Friday evenings and weekends are busier.
    var dayFactor: Double {
        switch dt.isoWeekday {
        case 5: config.weekendFactors.friday
        case 6: config.weekendFactors.saturday
        case 7: config.weekendFactors.sunday
        default: 1
        }
    }
}
