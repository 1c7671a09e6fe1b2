import LakeFormat
import GeneratorKit

/// One day of the shop: sessions of members browsing the week's catalogue, some
/// ending in a checkout. Writes behaviour events, orders and order lines together,
/// so every order line has its purchase event.
///
/// All random draws happen whichever datasets are asked for, so a dataset's
/// partition is the same whether or not the others are written with it.
struct DaySimulation {
    let config: PetShopConfig
    let dt: LakeDate
    let catalogue: Catalogue
    let campaigns: CampaignSet
    /// The members registered before the day, with their lives and the day's weights.
    let members: MemberDraw
    /// The calendar's factor on the day's orders (`Seasons`): 1 on ordinary days.
    let demand: Double

    init(config: PetShopConfig, catalogue: Catalogue, lives: [MemberLife], dt: LakeDate, demand: Double = 1) {
        self.config = config
        self.dt = dt
        self.demand = demand
        self.catalogue = catalogue
        campaigns = CampaignSet(config: config, month: dt)
        members = MemberDraw(lives: lives, dt: dt, festival: CampaignSet.isFestival(dt),
                             offer: config.promotion(on: dt) == .thresholdDiscount)
    }

    /// Writes the day into whichever sinks are given.
    func run(events: (any RowSink)?, orders: (any RowSink)?, items: (any RowSink)?) throws {
        var day = Day(self, events: events, orders: orders, items: items)
        try day.run()
    }

    /// A session's device and traffic source, drawn with the session's outcome known, so
    /// conversion differs by them: the shares among buying and among browsing sessions
    /// (estimates; docs/petshop.md, "Sessions and the funnel"). LINE messages and e-mail
    /// bring few visits that buy often; social posts bring many that seldom do; the app
    /// converts better than the mobile web.
    static let devices: [StaticString] = ["mobile_app", "mobile_web", "desktop"]
    static let buyingDevice = WeightedChoice(weights: [0.55, 0.25, 0.20])
    static let browsingDevice = WeightedChoice(weights: [0.40, 0.42, 0.18])
    static let sources: [StaticString] = ["direct", "organic_search", "paid_search", "social", "line", "email"]
    static let buyingSource = WeightedChoice(weights: [0.30, 0.20, 0.14, 0.10, 0.18, 0.08])
    static let browsingSource = WeightedChoice(weights: [0.22, 0.25, 0.15, 0.25, 0.09, 0.04])

    /// Payment methods of Taiwanese online shops and their shares (an estimate).
    static let payments = ["credit_card", "line_pay", "jko_pay", "atm_transfer", "cash_on_delivery"]
    static let paymentChoice = WeightedChoice(weights: [0.42, 0.20, 0.08, 0.10, 0.20])
}

extension DaySimulation {
    /// A day under way: its one random stream, the sessions and purchases still to
    /// come, and the running numbers of its events, sessions and orders.
    ///
    /// Every draw comes from `rng`, and the sequence of draws is the output: each
    /// step below draws in a fixed order, spelled out with a local per draw, and
    /// reordering two draws changes every row after them.
    struct Day {
        let sim: DaySimulation
        let events: (any RowSink)?
        let orders: (any RowSink)?
        let items: (any RowSink)?
        let type: PromotionType
        let behaviour: PromotionBehaviour
        let categories: WeightedChoice
        let digits: DayDigits
        var rng: SplitMix64
        var clock: DailyClock
        var sessionsLeft: Int
        var purchasesLeft: Int
        var eventNo = 0, sessionNo = 0, orderNo = 0
        /// The lines of the order being filled: catalogue index and quantity.
        var basket: [(product: Int, quantity: Int)] = []

        /// A member's session: its id, the member and their life, and the time of its
        /// latest event (seconds into the day).
        struct Visit {
            let session: Identifier
            let customer: Identifier
            let member: Int
            let life: MemberLife
            let device: StaticString
            let source: StaticString
            var time: Int
        }

        /// The day's first draws: how many orders (the promotion type's draw, times the
        /// scale and the calendar's demand), and when each session starts. Browsing
        /// sessions are a fixed multiple of the orders.
        init(_ sim: DaySimulation, events: (any RowSink)?, orders: (any RowSink)?, items: (any RowSink)?) {
            self.sim = sim
            self.events = events
            self.orders = orders
            self.items = items
            type = sim.config.promotion(on: sim.dt)
            behaviour = sim.config.behaviour[type]!
            categories = WeightedChoice(weights: behaviour.categories)
            digits = DayDigits(sim.dt)
            rng = SplitMix64(seed: sim.config.seed, label: "petshop.day", day: sim.dt.daysSinceEpoch)
            let orderCount = sim.members.isEmpty ? 0 : Int((Double(rng.int(in: behaviour.ordersPerDay)) * sim.config.scale * sim.demand).rounded())
            let browseCount = Int((Double(orderCount) * sim.config.browseSessionsPerOrder).rounded())
            sessionsLeft = orderCount + browseCount
            purchasesLeft = orderCount
            clock = DailyClock(count: sessionsLeft, hourlyWeights: sim.config.hourlyWeights, rng: &rng)
        }

        /// Every session of the day, in the order they start.
        mutating func run() throws {
            while let start = clock.next(&rng) { try session(startingAt: start) }
        }

        /// One session: whether it buys (each session with the chance of the purchases
        /// left among the sessions left, so exactly the day's order count buy), its
        /// member (drawn by the members' weights of the day: `MemberLife`), then its
        /// events and, when it buys, its order.
        mutating func session(startingAt start: Int) throws {
            let purchasing = rng.below(sessionsLeft) < purchasesLeft
            sessionsLeft -= 1
            if purchasing { purchasesLeft -= 1 }
            sessionNo += 1
            let session = Identifier("S", digits, sessionNo, width: 7)
            let member = sim.members.draw(&rng)
            let customer = Identifier("C", member, width: 8)
            let device = DaySimulation.devices[(purchasing ? DaySimulation.buyingDevice : DaySimulation.browsingDevice).draw(&rng)]
            let source = DaySimulation.sources[(purchasing ? DaySimulation.buyingSource : DaySimulation.browsingSource).draw(&rng)]
            var visit = Visit(session: session, customer: customer, member: member, life: sim.members.lives[member - 1],
                              device: device, source: source, time: start)
            if purchasing {
                try fillBasket(&visit)
                try checkOut(&visit)
            } else {
                try browse(&visit)
            }
        }

        /// A session that buys nothing: a few views, some put in the cart and left there.
        mutating func browse(_ visit: inout Visit) throws {
            var views = 1
            while views < 12 && rng.chance(0.65) { views += 1 }
            for _ in 0..<views {
                let product = drawProduct(for: visit)
                let viewed = step(&visit)
                try emit(visit, "view", at: viewed, product: product)
                if rng.chance(sim.config.cartRate) {
                    let added = step(&visit)
                    let quantity = rng.int(in: behaviour.quantityPerLine)
                    try emit(visit, "add_to_cart", at: added, product: product, quantity: quantity)
                }
            }
        }

        /// A buying session's lines: each product viewed and added to the cart, with
        /// now and then a glance at another. First what runs out on the day (one
        /// pack of the member's usual food, one bag of their usual litter: `refills`),
        /// then products drawn; one already in the basket is drawn again, up to four
        /// tries per line.
        mutating func fillBasket(_ visit: inout Visit) throws {
            basket.removeAll(keepingCapacity: true)
            let lines = rng.int(in: behaviour.itemsPerOrder)
            var runningOut = refills(for: visit)[...]
            var tries = 0
            while basket.count < lines && tries < lines * 4 {
                tries += 1
                let refill = runningOut.popFirst()
                let product = refill ?? drawLine(for: visit)
                if basket.contains(where: { $0.product == product }) { continue }
                let quantity = refill != nil ? 1 : rng.int(in: behaviour.quantityPerLine)
                let viewed = step(&visit)
                try emit(visit, "view", at: viewed, product: product)
                if rng.chance(0.3) {
                    let glanced = step(&visit)
                    let other = drawProduct(for: visit)
                    try emit(visit, "view", at: glanced, product: other)
                }
                let added = step(&visit)
                try emit(visit, "add_to_cart", at: added, product: product, quantity: quantity)
                basket.append((product, quantity))
            }
        }

        /// The checkout of the basket: the order's totals, the best campaign of the
        /// day's type, the payment method, then a purchase event per line, the order
        /// and its lines.
        mutating func checkOut(_ visit: inout Visit) throws {
            let checkoutTime = step(&visit)
            orderNo += 1
            let orderID = Identifier("O", digits, orderNo, width: 7)
            var subtotal = 0, quantity = 0
            for line in basket {
                subtotal += line.quantity * sim.catalogue.products[line.product].price
                quantity += line.quantity
            }
            let result = sim.campaigns.checkout(type: type, on: sim.dt, subtotal: subtotal, quantity: quantity)
            let payment = DaySimulation.payments[DaySimulation.paymentChoice.draw(&rng)]
            for line in basket {
                try emit(visit, "purchase", at: checkoutTime, product: line.product, quantity: line.quantity, order: orderID)
            }
            let orderedAt = taipei(sim.dt, checkoutTime)
            if let orders {
                try OrderRow(orderID: orderID, customerID: visit.customer, orderedAt: orderedAt, promotionType: type.rawValue,
                             itemCount: basket.count, quantityTotal: quantity, subtotal: subtotal,
                             campaignID: result.campaign?.id, discount: result.discount, shippingFee: result.shipping,
                             total: result.total, gift: result.campaign?.tier.gift, paymentMethod: payment).write(to: orders)
            }
            if let items { try writeLines(of: orderID, orderedAt: orderedAt, into: items) }
        }

        /// The basket's lines as order lines, numbered from 1.
        func writeLines(of orderID: Identifier, orderedAt: Timestamp, into items: any RowSink) throws {
            for (n, line) in basket.enumerated() {
                let p = sim.catalogue.products[line.product]
                try OrderItemRow(orderID: orderID, lineNo: n + 1, productID: p.id, productName: p.name,
                                 category: Reference.shared.categories[p.category].name, quantity: line.quantity,
                                 unitPrice: p.price, lineTotal: line.quantity * p.price, orderedAt: orderedAt)
                    .write(to: items)
            }
        }

        /// A product of a category drawn by the day's category weights, for one of the
        /// member's pets: the category first (drawn again, up to twice, when the week's
        /// catalogue has nothing of it for that pet, as cat litter for a dog), then the
        /// product within it.
        mutating func drawProduct(for visit: Visit) -> Int {
            for _ in 0..<3 {
                let category = categories.draw(&rng)
                let pet = visit.life.pet(&rng)
                if let product = sim.catalogue.draw(category: category, pet: pet, &rng) { return product }
            }
            return sim.catalogue.draw(category: categories.draw(&rng), &rng)
        }

        /// What the member buys again on the day because it runs out (`MemberLife.due`):
        /// their usual food, their usual litter, as the catalogue of the week has them.
        func refills(for visit: Visit) -> [Int] {
            let due = visit.life.due(on: sim.dt)
            var out: [Int] = []
            if due.food, let food = usual(Self.feed, for: visit.life.fedPet, visit) { out.append(food) }
            if due.litter, let litter = usual(Self.litter, for: "cat", visit) { out.append(litter) }
            return out
        }

        /// The member's usual product of a category for one of their pets
        /// (`Catalogue.usual`): for the food of the pets their cycle follows and for
        /// litter, of the pack size they buy.
        func usual(_ category: Int, for pet: String, _ visit: Visit) -> Int? {
            let life = visit.life
            let size = category == Self.litter ? MemberLife.litterBags[life.litterBag]
                : pet == life.fedPet ? MemberLife.packs[life.pack] : nil
            let packs = size.map { $0 * 0.999..<$0 * 1.001 }
            return sim.catalogue.usual(category: category, pet: pet, member: visit.member, seed: sim.config.seed, packs: packs)
        }

        /// A product to buy: as `drawProduct`, but what the member buys when it runs out
        /// (food for the pets their cycle follows, litter) is, drawn on another day,
        /// canned food for that pet instead: the household still has a pack at home.
        /// Dry food is, four times in five, the member's usual one (`usual`: the same
        /// every time, as long as the catalogue sells it), and otherwise, on a
        /// threshold-discount day, the dearer of two products of the category, reaching
        /// for the threshold.
        mutating func drawLine(for visit: Visit) -> Int {
            var product = drawProduct(for: visit)
            var item = sim.catalogue.products[product]
            if item.category == Self.feed && item.pet == visit.life.fedPet || item.category == Self.litter {
                let due = visit.life.due(on: sim.dt)
                if !(item.category == Self.feed ? due.food : due.litter),
                   let canned = sim.catalogue.draw(category: Self.canned, pet: item.pet, &rng) {
                    product = canned
                    item = sim.catalogue.products[canned]
                }
            }
            if item.category == Self.feed, rng.chance(0.8), let usual = usual(Self.feed, for: item.pet, visit) {
                return usual
            }
            guard type == .thresholdDiscount else { return product }
            let pet = sim.catalogue.products[product].pet
            let other = sim.catalogue.draw(category: sim.catalogue.products[product].category, pet: pet, &rng) ?? product
            return sim.catalogue.products[other].price > sim.catalogue.products[product].price ? other : product
        }

        static let feed = Reference.categoryKeys.firstIndex(of: "feed")!
        static let litter = Reference.categoryKeys.firstIndex(of: "cat_litter")!
        static let canned = Reference.categoryKeys.firstIndex(of: "canned")!

        /// The time of the session's next event: 15 to 164 seconds after its latest,
        /// and never past the end of the day.
        mutating func step(_ visit: inout Visit) -> Int {
            visit.time = min(86_399, visit.time + 15 + rng.below(150))
            return visit.time
        }

        /// A behaviour event, numbered in the day whether or not events are written.
        /// Each row is built as its dataset's row type (Rows.swift) and written cell by cell.
        mutating func emit(_ visit: Visit, _ eventType: StaticString, at second: Int, product: Int, quantity: Int? = nil,
                           order: Identifier? = nil) throws {
            eventNo += 1
            guard let events else { return }
            try BehaviorEventRow(eventID: Identifier("E", digits, eventNo, width: 8), sessionID: visit.session,
                                 customerID: visit.customer, eventType: eventType, eventTime: taipei(sim.dt, second),
                                 productID: sim.catalogue.products[product].id, quantity: quantity, orderID: order,
                                 device: visit.device, trafficSource: visit.source)
                .write(to: events)
        }
    }
}
