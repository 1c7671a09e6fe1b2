import Testing
import Foundation
import Configuration
import LakeFormat
import PetShop
import TestSupport

@Suite("configuration")
struct ConfigurationTests {
    @Test("TOML: tables, dotted keys, arrays over lines, inline tables, comments")
    func parses() throws {
        let entries = try TOML.parse("""
            # top
            seed = 7   # trailing comment
            scale = 1_000.5
            [petshop]
            opened = 2026-01-05
            weekdays = [
              "a", 'b', # comment inside
            ]
            [petshop.multi_buy]
            campaigns = [ { threshold_quantity = 3, discount_rate = 0.05 }, {gift = "潔牙骨\\u0021", free_shipping = true} ]
            """)
        let byKey = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
        #expect(byKey["seed"] == .integer(7))
        #expect(byKey["scale"] == .float(1000.5))
        #expect(byKey["petshop.opened"] == .date(LakeDate(year: 2026, month: 1, day: 5)))
        #expect(byKey["petshop.weekdays"] == .array([.string("a"), .string("b")]))
        #expect(byKey["petshop.multi_buy.campaigns"] == .array([
            .table([TOMLPair("threshold_quantity", .integer(3)), TOMLPair("discount_rate", .float(0.05))]),
            .table([TOMLPair("gift", .string("潔牙骨!")), TOMLPair("free_shipping", .boolean(true))]),
        ]))
        // What config show prints parses back to the same value.
        for (_, value) in byKey { #expect(try TOML.parseValue(value.description) == value) }
    }

    @Test("TOML errors name the line", arguments: [
        ("a = 1\nb = \n", 2, "expected a value"),
        ("a = 1\na = 2\n", 2, "set twice"),
        ("[[t]]\n", 1, "arrays of tables"),
        ("x = \"open\n", 1, "unterminated"),
        ("x = hello\n", 1, "strings need quotes"),
        ("x = 2026-01-01T10:00:00\n", 1, "date-times"),
        ("x = [1, 2\n", 2, "expected , or ]"),
    ])
    func errors(text: String, line: Int, fragment: String) {
        #expect {
            _ = try TOML.parse(text)
        } throws: { error in
            guard let e = error as? TOMLError else { return false }
            return e.line == line && e.message.contains(fragment)
        }
    }

    @Test("precedence: defaults < files in order < environment < flags, each source recorded")
    func precedence() throws {
        let temporary = TemporaryDirectory("opslake-config")
        defer { temporary.remove() }
        let dir = temporary.path
        try "seed = 2\n[petshop]\nshipping_fee = 60\ncart_rate = 0.1\n".write(toFile: dir + "/a.toml", atomically: true, encoding: .utf8)
        try "[petshop]\ncart_rate = 0.2\nbrowse_sessions_per_order = 10\n".write(toFile: dir + "/b.toml", atomically: true, encoding: .utf8)
        var s = Settings(PetShopConfig.settings)
        try s.apply(file: dir + "/a.toml")
        try s.apply(file: dir + "/b.toml")
        try s.apply(environment: ["OPSLAKE_PETSHOP_BROWSE_SESSIONS_PER_ORDER": "12", "OPSLAKE_SEED": "3", "OPSLAKE_UNRELATED": "x"])
        try s.apply(flag: "--seed", "seed", .integer(4))
        let c = try PetShopConfig(s)
        #expect(c.seed == 4 && s.source("seed") == .flag("--seed"))
        #expect(c.shippingFee == 60 && s.source("petshop.shipping_fee") == .file(dir + "/a.toml"))
        #expect(c.cartRate == 0.2 && s.source("petshop.cart_rate") == .file(dir + "/b.toml"))
        #expect(c.browseSessionsPerOrder == 12 && s.source("petshop.browse_sessions_per_order") == .environment("OPSLAKE_PETSHOP_BROWSE_SESSIONS_PER_ORDER"))
        #expect(c.openingMembers == 5000 && s.source("petshop.opening_members") == .defaults)
    }

    @Test("values out of range are refused, naming the key and its source", arguments: [
        ("petshop.opening_members", TOMLValue.integer(-1), "0...10000000"),
        ("petshop.new_members_per_day", .array([.integer(60), .integer(20)]), "min ≤ max"),
        ("petshop.weekly_price_change", .float(1.5), "0.0...1.0"),
        ("petshop.threshold_discount.items_per_order", .array([.integer(0), .integer(3)]), "start at 1"),
        ("petshop.weekdays", .array([.string("multi_buy")]), "7 strings"),
        ("petshop.multi_buy.campaigns", .array([.table([TOMLPair("discount_rate", .float(0.1))])]), "exactly one of threshold_amount"),
        ("petshop.free_shipping_gift.categories", .table([TOMLPair("feed", .float(1))]), "lacks canned"),
    ])
    func outOfRange(key: String, value: TOMLValue, fragment: String) throws {
        var s = Settings(PetShopConfig.settings)
        try s.apply(flag: "--test", key, value)
        #expect {
            _ = try PetShopConfig(s)
        } throws: { error in
            let text = "\(error)"
            return text.contains(key) && text.contains(fragment) && text.contains("flag --test")
        }
    }

    @Test("a value of the wrong type is refused when it is set")
    func wrongType() {
        var s = Settings(PetShopConfig.settings)
        #expect(throws: ConfigurationError.self) { try s.apply(environment: ["OPSLAKE_PETSHOP_OPENED": "soon"]) }
        #expect(throws: ConfigurationError.self) { try s.apply(flag: "--x", "petshop.cart_rate", .string("high")) }
    }
}
