public import GeneratorKit
public import LakeFormat

// The pet shop's rows, one type per dataset: its fields are the schema's columns
// (`Schemas/petshop/<table>.json`) in the schema's order, `columns` names them, and
// `write(to:)` writes them in that order. Generation checks `columns` against the
// schema before it writes anything; a test checks each type's fields against its
// `columns` and the cells `write(to:)` writes.
//
// Every row goes to the sink cell by cell: no `[Value]` is made for it. The large
// datasets' rows (events, orders, order lines, members) also hold their ids and texts
// as stack-formatted `Identifier`s and `TextBuilder`s, so no `String` is made for them
// either.

extension PetShop {
    public var rowTypes: [DatasetName: any DatasetRow.Type] {
        [Self.customers: CustomerRow.self, Self.customerChanges: CustomerChangeRow.self, Self.products: ProductRow.self,
         Self.promotionCalendar: PromotionCalendarRow.self, Self.campaigns: CampaignRow.self,
         Self.behaviorEvents: BehaviorEventRow.self, Self.orders: OrderRow.self, Self.orderItems: OrderItemRow.self]
    }
}

/// `petshop.customers`: a member who joined that day.
struct CustomerRow: DatasetRow {
    static let columns = ["customer_id", "name", "gender", "birthday", "mobile", "email", "city", "district",
                          "postal_code", "address", "registered_at", "dogs", "cats", "dog_size", "acquisition_channel"]
    var customerID: Identifier
    var name: TextBuilder
    var gender: StaticString
    var birthday: LakeDate
    var mobile: TextBuilder
    var email: TextBuilder
    var city: String
    var district: String
    var postalCode: String
    var address: TextBuilder
    var registeredAt: Timestamp
    var dogs: Int
    var cats: Int
    var dogSize: StaticString?
    var acquisitionChannel: StaticString

    @inline(__always) func write(to sink: some RowSink) throws {
        try customerID.write(to: sink)
        try name.write(to: sink)
        try sink.cell(static: gender)
        try sink.cell(birthday)
        try mobile.write(to: sink)
        try email.write(to: sink)
        try sink.cell(city)
        try sink.cell(district)
        try sink.cell(postalCode)
        try address.write(to: sink)
        try sink.cell(registeredAt)
        try sink.cell(dogs)
        try sink.cell(cats)
        if let dogSize { try sink.cell(static: dogSize) } else { try sink.nullCell() }
        try sink.cell(static: acquisitionChannel)
        try sink.endRow()
    }
}

/// `petshop.customer_changes`: a member's new mobile, e-mail or address; the
/// columns of the other kinds are null.
struct CustomerChangeRow: DatasetRow {
    static let columns = ["change_id", "customer_id", "changed_at", "change_type", "mobile", "email", "city", "district",
                          "postal_code", "address"]
    var changeID: Identifier
    var customerID: Identifier
    var changedAt: Timestamp
    var changeType: StaticString
    var mobile: TextBuilder?
    var email: TextBuilder?
    var city: String?
    var district: String?
    var postalCode: String?
    var address: TextBuilder?

    @inline(__always) func write(to sink: some RowSink) throws {
        try changeID.write(to: sink)
        try customerID.write(to: sink)
        try sink.cell(changedAt)
        try sink.cell(static: changeType)
        try mobile.write(to: sink)
        try email.write(to: sink)
        try sink.cell(city)
        try sink.cell(district)
        try sink.cell(postalCode)
        try address.write(to: sink)
        try sink.endRow()
    }
}

/// `petshop.products`: a product of the week's catalogue.
struct ProductRow: DatasetRow {
    static let columns = ["product_id", "name", "brand", "category", "pet_type", "pack", "price", "list_price", "essential",
                          "updated_at"]
    var productID: String
    var name: String
    var brand: String
    var category: String
    var petType: String
    var pack: String
    var price: Int
    var listPrice: Int
    var essential: Bool
    var updatedAt: Timestamp

    func write(to sink: some RowSink) throws {
        try sink.cell(productID)
        try sink.cell(name)
        try sink.cell(brand)
        try sink.cell(category)
        try sink.cell(petType)
        try sink.cell(pack)
        try sink.cell(price)
        try sink.cell(listPrice)
        try sink.cell(essential)
        try sink.cell(updatedAt)
        try sink.endRow()
    }
}

/// `petshop.promotion_calendar`: the day's weekday, its promotion and its place in
/// Taiwan's calendar.
struct PromotionCalendarRow: DatasetRow {
    static let columns = ["weekday", "weekday_name", "promotion_type", "promotion_name", "is_working_day", "holiday", "festival"]
    var weekday: Int
    var weekdayName: String
    var promotionType: String
    var promotionName: String
    var isWorkingDay: Bool
    var holiday: String?
    var festival: String?

    func write(to sink: some RowSink) throws {
        try sink.cell(weekday)
        try sink.cell(weekdayName)
        try sink.cell(promotionType)
        try sink.cell(promotionName)
        try sink.cell(isWorkingDay)
        try sink.cell(holiday)
        try sink.cell(festival)
        try sink.endRow()
    }
}

/// `petshop.campaigns`: one campaign of the month's set.
struct CampaignRow: DatasetRow {
    static let columns = ["campaign_id", "name", "promotion_type", "threshold_amount", "threshold_quantity", "discount_rate",
                          "discount_amount", "free_shipping", "gift", "valid_from", "valid_to"]
    var campaignID: String
    var name: String
    var promotionType: String
    var thresholdAmount: Int?
    var thresholdQuantity: Int?
    var discountRate: FixedDecimal?
    var discountAmount: Int?
    var freeShipping: Bool
    var gift: String?
    var validFrom: LakeDate
    var validTo: LakeDate

    func write(to sink: some RowSink) throws {
        try sink.cell(campaignID)
        try sink.cell(name)
        try sink.cell(promotionType)
        try sink.cell(thresholdAmount)
        try sink.cell(thresholdQuantity)
        try sink.cell(discountRate)
        try sink.cell(discountAmount)
        try sink.cell(freeShipping)
        try sink.cell(gift)
        try sink.cell(validFrom)
        try sink.cell(validTo)
        try sink.endRow()
    }
}

/// `petshop.behavior_events`: a view, add to cart or purchase in a session.
struct BehaviorEventRow: DatasetRow {
    static let columns = ["event_id", "session_id", "customer_id", "event_type", "event_time", "product_id", "quantity",
                          "order_id", "device", "traffic_source"]
    var eventID: Identifier
    var sessionID: Identifier
    var customerID: Identifier
    var eventType: StaticString
    var eventTime: Timestamp
    var productID: String
    var quantity: Int?
    var orderID: Identifier?
    var device: StaticString
    var trafficSource: StaticString

    @inline(__always) func write(to sink: some RowSink) throws {
        try eventID.write(to: sink)
        try sessionID.write(to: sink)
        try customerID.write(to: sink)
        try sink.cell(static: eventType)
        try sink.cell(eventTime)
        try sink.cell(productID)
        try sink.cell(quantity)
        try orderID.write(to: sink)
        try sink.cell(static: device)
        try sink.cell(static: trafficSource)
        try sink.endRow()
    }
}

/// `petshop.orders`: a checkout, with the campaign applied to it.
struct OrderRow: DatasetRow {
    static let columns = ["order_id", "customer_id", "ordered_at", "promotion_type", "item_count", "quantity_total",
                          "subtotal", "campaign_id", "discount", "shipping_fee", "total", "gift", "payment_method"]
    var orderID: Identifier
    var customerID: Identifier
    var orderedAt: Timestamp
    var promotionType: String
    var itemCount: Int
    var quantityTotal: Int
    var subtotal: Int
    var campaignID: String?
    var discount: Int
    var shippingFee: Int
    var total: Int
    var gift: String?
    var paymentMethod: String

    @inline(__always) func write(to sink: some RowSink) throws {
        try orderID.write(to: sink)
        try customerID.write(to: sink)
        try sink.cell(orderedAt)
        try sink.cell(promotionType)
        try sink.cell(itemCount)
        try sink.cell(quantityTotal)
        try sink.cell(subtotal)
        try sink.cell(campaignID)
        try sink.cell(discount)
        try sink.cell(shippingFee)
        try sink.cell(total)
        try sink.cell(gift)
        try sink.cell(paymentMethod)
        try sink.endRow()
    }
}

/// `petshop.order_items`: one line of an order.
struct OrderItemRow: DatasetRow {
    static let columns = ["order_id", "line_no", "product_id", "product_name", "category", "quantity", "unit_price",
                          "line_total", "ordered_at"]
    var orderID: Identifier
    var lineNo: Int
    var productID: String
    var productName: String
    var category: String
    var quantity: Int
    var unitPrice: Int
    var lineTotal: Int
    var orderedAt: Timestamp

    @inline(__always) func write(to sink: some RowSink) throws {
        try orderID.write(to: sink)
        try sink.cell(lineNo)
        try sink.cell(productID)
        try sink.cell(productName)
        try sink.cell(category)
        try sink.cell(quantity)
        try sink.cell(unitPrice)
        try sink.cell(lineTotal)
        try sink.cell(orderedAt)
        try sink.endRow()
    }
}
