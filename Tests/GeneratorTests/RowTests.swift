import Testing
import GeneratorKit
import LakeFormat
import TableSchema
@testable import PetShop

/// The pet shop's row types (Sources/PetShop/Rows.swift) against its schemas: the
/// start-up check passes, and within each type the fields, `columns` and the cells
/// `write(to:)` writes agree, so the check on `columns` covers what is written.
@Suite("the pet shop's row types")
struct RowTests {
    @Test("every dataset's row type lists its schema's columns in order, so generation starts")
    func rowsMatchSchemas() throws {
        let schemas = SchemaRegistry(schemas: try PetShop.tableSchemas())
        let shop = PetShop(config: try GeneratorTests.config())
        _ = try Generation(generator: shop, schemas: schemas)
        #expect(Set(shop.rowTypes.keys) == Set(shop.datasets))
        for dataset in shop.datasets {
            let row = try #require(shop.rowTypes[dataset])
            #expect(row.columns == (try schemas.schema(for: dataset).fields.map(\.name)), "\(dataset)")
        }
    }

    @Test("each row type's fields are its columns, and write(to:) writes the fields in that order")
    func fieldsAreColumns() throws {
        #expect(Self.samples.count == PetShop(config: try GeneratorTests.config()).datasets.count)
        for sample in Self.samples {
            let type = type(of: sample)
            let fields = Mirror(reflecting: sample).children.map { (name: $0.label!, value: $0.value) }
            #expect(fields.map { Self.snakeCase($0.name) } == type.columns, "\(type)")
            let sink = RecordingSink()
            try sample.write(to: sink)
            #expect(sink.rows == [fields.map { Self.cell($0.value) }], "\(type)")
        }
    }

    /// One row of each type, with different values in columns of the same type.
    static var samples: [any DatasetRow] {
        func text(_ s: String) -> TextBuilder { var t = TextBuilder(); t.append(s); return t }
        let day = LakeDate(year: 2026, month: 3, day: 1), later = LakeDate(year: 2026, month: 3, day: 31)
        let time = Timestamp(date: day, secondOfDay: 3600, offsetMinutes: 480)
        return [
            CustomerRow(customerID: Identifier("C", 1, width: 8), name: text("王小明"), gender: "M", birthday: day,
                        mobile: text("0912-345-678"), email: text("ming@example.tw"), city: "臺北市", district: "大安區",
                        postalCode: "106", address: text("信義路1號"), registeredAt: time, dogs: 2, cats: 1, dogSize: "small",
                        acquisitionChannel: "line"),
            CustomerChangeRow(changeID: Identifier("CC", DayDigits(day), 1, width: 5), customerID: Identifier("C", 2, width: 8),
                              changedAt: time, changeType: "address", mobile: text("0912-000-111"), email: text("a@b.tw"),
                              city: "新北市", district: "板橋區", postalCode: "220", address: text("文化路2號")),
            ProductRow(productID: "P000001", name: "犬用飼料 2kg", brand: "某牌", category: "飼料", petType: "dog", pack: "2kg",
                       price: 899, listPrice: 999, essential: true, updatedAt: time),
            PromotionCalendarRow(weekday: 1, weekdayName: "週一", promotionType: "multi_buy", promotionName: "多件優惠",
                                 isWorkingDay: false, holiday: "補假", festival: "端午節"),
            CampaignRow(campaignID: "CP20260301", name: "3月滿額折扣", promotionType: "threshold_discount", thresholdAmount: 1500,
                        thresholdQuantity: 3, discountRate: FixedDecimal(units: 5, scale: 2), discountAmount: 150,
                        freeShipping: true, gift: "試吃包", validFrom: day, validTo: later),
            BehaviorEventRow(eventID: Identifier("E", 1, width: 8), sessionID: Identifier("S", 2, width: 7),
                             customerID: Identifier("C", 3, width: 8), eventType: "purchase", eventTime: time,
                             productID: "P000004", quantity: 5, orderID: Identifier("O", 6, width: 7), device: "mobile_app",
                             trafficSource: "line"),
            OrderRow(orderID: Identifier("O", 1, width: 7), customerID: Identifier("C", 2, width: 8), orderedAt: time,
                     promotionType: "multi_buy", itemCount: 3, quantityTotal: 4, subtotal: 5, campaignID: "CP1", discount: 6,
                     shippingFee: 7, total: 8, gift: "gift", paymentMethod: "line_pay"),
            OrderItemRow(orderID: Identifier("O", 1, width: 7), lineNo: 2, productID: "P000003", productName: "name",
                         category: "category", quantity: 4, unitPrice: 5, lineTotal: 6, orderedAt: time),
        ]
    }

    /// `customerID` → `customer_id`.
    static func snakeCase(_ name: String) -> String {
        var out = "", previousLower = false
        for c in name {
            if c.isUppercase && previousLower { out.append("_") }
            out += c.lowercased()
            previousLower = c.isLowercase
        }
        return out
    }

    /// The cell a field's value should be written as.
    static func cell(_ field: Any) -> Value {
        let mirror = Mirror(reflecting: field)
        if mirror.displayStyle == .optional { return mirror.children.first.map { cell($0.value) } ?? .null }
        switch field {
        case let v as Identifier: return .string(v.string)
        case let v as TextBuilder: return .string(v.string)
        case let v as String: return .string(v)
        case let v as StaticString: return .string(v.description)
        case let v as Int: return .int(Int64(v))
        case let v as Bool: return .bool(v)
        case let v as FixedDecimal: return .decimal(v)
        case let v as LakeDate: return .date(v)
        case let v as Timestamp: return .timestamp(v)
        default:
            Issue.record("no cell for a field of type \(type(of: field))")
            return .null
        }
    }
}

/// Keeps the rows written to it, unchecked.
final class RecordingSink: WholeRowSink {
    var pendingRow: [Value] = []
    var rows: [[Value]] = []
    func append(_ row: [Value]) throws { rows.append(row) }
}
