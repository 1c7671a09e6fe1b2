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
    let members: Int

    init(config: PetShopConfig, catalogue: Catalogue, dt: LakeDate) {
        self.config = config
        self.dt = dt
        self.catalogue = catalogue
        campaigns = CampaignSet(config: config, month: dt)
        members = People(config: config).firstMember(on: dt) - 1
    }

    /// Writes the day into whichever sinks are given.
    func run(events: (any RowSink)?, orders: (any RowSink)?, items: (any RowSink)?) throws {
        let type = config.promotion(on: dt)
        let behaviour = config.behaviour[type]!
        var rng = SplitMix64(seed: config.seed, label: "petshop.day", day: dt.daysSinceEpoch)
        let orderCount = members == 0 ? 0 : Int((Double(rng.int(in: behaviour.ordersPerDay)) * config.scale).rounded())
        let browseCount = Int((Double(orderCount) * config.browseSessionsPerOrder).rounded())
        var sessionsLeft = orderCount + browseCount
        var purchasesLeft = orderCount
        var clock = DailyClock(count: sessionsLeft, hourlyWeights: config.hourlyWeights, rng: &rng)
        let categories = WeightedChoice(weights: behaviour.categories)
        let day = DayDigits(dt)
        let payments = DaySimulation.paymentChoice

        var eventNo = 0, sessionNo = 0, orderNo = 0
        var basket: [(product: Int, quantity: Int)] = []

        // Each row is built as its dataset's row type (Rows.swift) and written cell by cell.
        func emit(_ session: Identifier, _ customer: Identifier, _ type: StaticString, _ second: Int, _ product: Int,
                  _ quantity: Int?, _ orderID: Identifier?) throws {
            eventNo += 1
            guard let events else { return }
            try BehaviorEventRow(eventID: Identifier("E", day, eventNo, width: 8), sessionID: session, customerID: customer,
                                 eventType: type, eventTime: taipei(dt, second), productID: catalogue.products[product].id,
                                 quantity: quantity, orderID: orderID).write(to: events)
        }

        while let start = clock.next(&rng) {
            let purchasing = rng.below(sessionsLeft) < purchasesLeft
            sessionsLeft -= 1
            if purchasing { purchasesLeft -= 1 }
            sessionNo += 1
            let session = Identifier("S", day, sessionNo, width: 7)
            let customer = Identifier("C", 1 + rng.below(members), width: 8)
            var t = start
            func step() -> Int {
                t = min(86_399, t + 15 + rng.below(150))
                return t
            }
            if !purchasing {
                // Browsing: a few views, some put in the cart and left there.
                var views = 1
                while views < 12 && rng.chance(0.65) { views += 1 }
                for _ in 0..<views {
                    let p = catalogue.draw(category: categories.draw(&rng), &rng)
                    try emit(session, customer, "view", step(), p, nil, nil)
                    if rng.chance(config.cartRate) {
                        try emit(session, customer, "add_to_cart", step(), p, rng.int(in: behaviour.quantityPerLine), nil)
                    }
                }
                continue
            }
            // Buying: view and add each line, glance at a few others, then check out.
            basket.removeAll(keepingCapacity: true)
            let lines = rng.int(in: behaviour.itemsPerOrder)
            var tries = 0
            while basket.count < lines && tries < lines * 4 {
                tries += 1
                var p = catalogue.draw(category: categories.draw(&rng), &rng)
                if type == .thresholdDiscount {
                    // Reaching for the threshold: of two products of the category, the dearer.
                    let other = catalogue.draw(category: catalogue.products[p].category, &rng)
                    if catalogue.products[other].price > catalogue.products[p].price { p = other }
                }
                if basket.contains(where: { $0.product == p }) { continue }
                let q = rng.int(in: behaviour.quantityPerLine)
                try emit(session, customer, "view", step(), p, nil, nil)
                if rng.chance(0.3) {
                    try emit(session, customer, "view", step(), catalogue.draw(category: categories.draw(&rng), &rng), nil, nil)
                }
                try emit(session, customer, "add_to_cart", step(), p, q, nil)
                basket.append((p, q))
            }
            let checkoutTime = step()
            orderNo += 1
            let orderID = Identifier("O", day, orderNo, width: 7)
            var subtotal = 0, quantity = 0
            for line in basket {
                subtotal += line.quantity * catalogue.products[line.product].price
                quantity += line.quantity
            }
            let result = campaigns.checkout(type: type, subtotal: subtotal, quantity: quantity)
            let payment = DaySimulation.payments[payments.draw(&rng)]
            for line in basket {
                try emit(session, customer, "purchase", checkoutTime, line.product, line.quantity, orderID)
            }
            let orderedAt = taipei(dt, checkoutTime)
            if let orders {
                try OrderRow(orderID: orderID, customerID: customer, orderedAt: orderedAt, promotionType: type.rawValue,
                             itemCount: basket.count, quantityTotal: quantity, subtotal: subtotal,
                             campaignID: result.campaign?.id, discount: result.discount, shippingFee: result.shipping,
                             total: result.total, gift: result.campaign?.tier.gift, paymentMethod: payment).write(to: orders)
            }
            if let items {
                for (n, line) in basket.enumerated() {
                    let p = catalogue.products[line.product]
                    try OrderItemRow(orderID: orderID, lineNo: n + 1, productID: p.id, productName: p.name,
                                     category: Reference.shared.categories[p.category].name, quantity: line.quantity,
                                     unitPrice: p.price, lineTotal: line.quantity * p.price, orderedAt: orderedAt)
                        .write(to: items)
                }
            }
        }
    }

    /// Payment methods of Taiwanese online shops and their shares (an estimate).
    static let payments = ["credit_card", "line_pay", "jko_pay", "atm_transfer", "cash_on_delivery"]
    static let paymentChoice = WeightedChoice(weights: [0.42, 0.20, 0.08, 0.10, 0.20])
}
