public import LakeFormat
import GeneratorKit

/// One product as the catalogue of a week lists it.
struct Product: Sendable {
    let id: String
    let name: String
    let brand: String
    let category: Int  // index into Reference.categoryKeys
    let pet: String    // "dog" or "cat"
    let pack: String
    let listPrice: Int
    let price: Int
    /// Relative popularity within its category.
    let popularity: Double
}

/// A product a user imported (`opslake products import`), before weekly prices.
public struct ImportedProduct: Hashable, Sendable {
    public var id: String
    public var name: String
    public var brand: String
    public var category: Int
    public var pet: String
    public var pack: String
    public var price: Int
    public var listPrice: Int
}

/// An imported catalogue and the Monday it takes effect.
public struct ImportedCatalogue: Sendable {
    public var from: LakeDate
    public var products: [ImportedProduct]
    public init(from: LakeDate, products: [ImportedProduct]) {
        self.from = from
        self.products = products
    }
}

/// The catalogue in force in one week (Monday to Sunday), with the draws the
/// simulation makes from it: a product of a category, by popularity.
struct Catalogue: Sendable {
    let monday: LakeDate
    let products: [Product]
    let byCategory: [[Int]]           // product indexes per category
    let popularity: [WeightedChoice?] // per category; nil when the category is empty
    /// The same per category and pet (`Catalogue.pets`: dog, cat).
    let byCategoryPet: [[[Int]]]
    let popularityByPet: [[WeightedChoice?]]
    /// FNV-1a of each product's id, for `usual`.
    let idHashes: [UInt64]
    /// Each product's pack in kilograms or litres (`Catalogue.amount`), for `usual`.
    let amounts: [Double?]
    static let pets = ["dog", "cat"]

    /// The catalogue of the week of `dt`: the latest import in force, else the template.
    init(config: PetShopConfig, imports: [ImportedCatalogue], week dt: LakeDate) {
        monday = dt.monday
        let week = Int(monday.daysSinceEpoch - config.opened.monday.daysSinceEpoch) / 7
        let monday = self.monday
        let list: [Product]
        if let imported = imports.last(where: { $0.from <= monday }) {
            list = imported.products.enumerated().map { i, p in
                var rng = SplitMix64(seed: config.seed, label: "petshop.imported", day: Int32(i))
                let price = Catalogue.weeklyPrice(config: config, list: p.listPrice, current: p.price, product: p.id, week: week)
                return Product(id: p.id, name: p.name, brand: p.brand, category: p.category, pet: p.pet, pack: p.pack,
                               listPrice: price.list, price: price.sale, popularity: 0.02 + pow3(rng.unit()))
            }
        } else {
            list = Catalogue.template(config: config, week: week)
        }
        var groups = [[Int]](repeating: [], count: Reference.categoryKeys.count)
        for (i, p) in list.enumerated() { groups[p.category].append(i) }
        products = list
        byCategory = groups
        popularity = groups.map { g in g.isEmpty ? nil : WeightedChoice(weights: g.map { list[$0].popularity }) }
        idHashes = list.map { SplitMix64.fnv1a($0.id) }
        amounts = list.map { Catalogue.amount(of: $0.pack) }
        byCategoryPet = groups.map { g in Catalogue.pets.map { pet in g.filter { list[$0].pet == pet } } }
        popularityByPet = byCategoryPet.map { perPet in
            perPet.map { g in g.isEmpty ? nil : WeightedChoice(weights: g.map { list[$0].popularity }) }
        }
    }

    /// A product of category `category`, or of the nearest non-empty one.
    func draw(category: Int, _ rng: inout SplitMix64) -> Int {
        var c = category
        while popularity[c] == nil { c = (c + 1) % popularity.count }
        return byCategory[c][popularity[c]!.draw(&rng)]
    }

    /// The member's usual product of `category` for `pet`: of the week's products whose
    /// pack is in `packs` (kilograms or litres; all of them when none is), the one that
    /// scores highest on a hash of (seed, member, product id). A product added to the
    /// catalogue takes over only where it scores higher, and one retired hands over to
    /// the next, so a member keeps their brand for as long as it is sold.
    func usual(category: Int, pet: String, member: Int, seed: UInt64, packs: Range<Double>? = nil) -> Int? {
        let key = SplitMix64.mix(seed ^ 0x7573_7561_6C66_6F6F ^ UInt64(member))
        var best: (score: UInt64, product: Int)?, fitting: (score: UInt64, product: Int)?
        for i in byCategoryPet[category][pet == "cat" ? 1 : 0] {
            let score = SplitMix64.mix(key ^ idHashes[i])
            if best.map({ score > $0.score }) ?? true { best = (score, i) }
            if let packs, let amount = amounts[i], packs.contains(amount), fitting.map({ score > $0.score }) ?? true {
                fitting = (score, i)
            }
        }
        return (fitting ?? best)?.product
    }

    /// A pack's amount in kilograms or litres: `2kg` 2, `400g` 0.4, `7L` 7, `500ml` 0.5,
    /// `1.5 kg` and `1.5公斤` 1.5; nil for a pack that is counted (`單入`, `30片`) or empty.
    static func amount(of pack: String) -> Double? {
        let text = pack.trimmingCharacters(in: .whitespaces)
        let digits = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard let value = Double(digits), value > 0 else { return nil }
        switch text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased() {
        case "kg", "l", "公斤", "公升": return value
        case "g", "ml", "公克", "克", "毫升": return value / 1000
        default: return nil
        }
    }

    /// A product of category `category` for `pet`, by popularity; nil when the week's
    /// catalogue has none (cat litter for a dog).
    func draw(category: Int, pet: String, _ rng: inout SplitMix64) -> Int? {
        let p = pet == "cat" ? 1 : 0
        guard let choice = popularityByPet[category][p] else { return nil }
        return byCategoryPet[category][p][choice.draw(&rng)]
    }

    /// The template catalogue of week `week` (0 = the week the shop opened): the
    /// opening products plus those added weekly since, less those retired.
    static func template(config: PetShopConfig, week: Int) -> [Product] {
        let reference = Reference.shared
        let total = config.catalogueSize + config.newProductsPerWeek * max(0, week)
        var out: [Product] = []
        out.reserveCapacity(total)
        for k in 0..<total {
            var rng = SplitMix64(seed: config.seed, label: "petshop.product", day: Int32(k))
            let category = mix.draw(&rng)
            let c = reference.categories[category]
            let pets = c.naming.keys.sorted()
            let pet = pets.count == 1 ? pets[0] : (rng.chance(0.52) ? "cat" : "dog")
            let naming = c.naming[pet]!
            let brands = naming.brands.isEmpty ? c.naming.values.flatMap(\.brands) : naming.brands
            let brand = brands[rng.below(brands.count)]
            let kind = naming.kinds[rng.below(naming.kinds.count)]
            let packIndex = rng.below(naming.packs.count)
            let pack = naming.packs[packIndex]
            // Price rises with the pack's position in the list, inside the category's band.
            let position = (Double(packIndex) + rng.unit()) / Double(naming.packs.count)
            // Convex in the position (most packs sit low in the band); arithmetic only,
            // so every machine computes the same price (libm's pow may differ in the last bit).
            let base = Double(c.low) + Double(c.high - c.low) * position * position
            let introduced = k < config.catalogueSize ? 0 : (k - config.catalogueSize) / max(1, config.newProductsPerWeek) + 1
            let retired = rng.chance(0.25) ? introduced + 12 + rng.below(90) : Int.max
            let popularity = 0.02 + pow3(rng.unit())
            guard week >= introduced, week < retired else { continue }
            let id = Identifier.make("P", k + 1, width: 6)
            let name = productName(brand: brand, pet: pet, kind: kind, category: c, pack: pack)
            let price = weeklyPrice(config: config, list: nicePrice(base), current: nil, product: id, week: week)
            out.append(Product(id: id, name: name, brand: brand, category: category, pet: pet, pack: pack,
                               listPrice: price.list, price: price.sale, popularity: popularity))
        }
        return out
    }

    /// `法國皇家 幼犬飼料 2kg`, `貓後苑 貓用豆腐砂貓砂 7L`, `KONG 犬用啃咬玩具 單入`: the category
    /// word is added where the kind alone does not say what the product is.
    static func productName(brand: String, pet: String, kind: String, category: Reference.Category, pack: String) -> String {
        let addsCategory = ["feed", "canned", "pee_pads", "cat_litter", "snacks", "supplements"].contains(category.key)
            && !kind.contains(category.name) && !kind.hasSuffix("罐")
        let saysPet = kind.contains("貓") || kind.contains("犬")
        return "\(brand) \(saysPet ? "" : (pet == "cat" ? "貓用" : "犬用"))\(kind)\(addsCategory ? category.name : "") \(pack)"
    }

    /// The week's list and sale price: list prices rise 3 % every 26 weeks; in any
    /// week a share of products (`weekly_price_change`) is on sale at 5-25 % off.
    static func weeklyPrice(config: PetShopConfig, list: Int, current: Int?, product: String, week: Int) -> (list: Int, sale: Int) {
        var h: UInt64 = 0
        for b in product.utf8 { h = h &* 31 &+ UInt64(b) }
        var rng = SplitMix64(seed: config.seed ^ SplitMix64.mix(h), label: "petshop.price", day: Int32(week))
        let steps = max(0, week) / 26
        var rise = 1.0
        for _ in 0..<steps { rise *= 1.03 }
        let listNow = steps == 0 ? list : nicePrice(Double(list) * rise)
        let base = current.map { steps == 0 ? $0 : nicePrice(Double($0) * rise) } ?? listNow
        guard rng.chance(config.weeklyPriceChange) else { return (listNow, min(base, listNow)) }
        let off = [5, 10, 15, 20, 25][rng.below(5)]
        return (listNow, max(1, nicePrice(Double(min(base, listNow)) * Double(100 - off) / 100)))
    }

    /// Prices as shops write them: whole TWD, ending in 9 from 100 up (1,299), in 4 or 9 below.
    static func nicePrice(_ p: Double) -> Int {
        if p >= 100 { return max(99, Int((p / 10).rounded()) * 10 - 1) }
        return max(9, Int((p / 5).rounded()) * 5 - 1)
    }

    /// The template's category mix (share of products per category); an estimate of
    /// a general pet shop's range, not configuration of behaviour.
    static let mix = WeightedChoice(weights: [0.20, 0.14, 0.06, 0.08, 0.14, 0.06, 0.09, 0.07, 0.08, 0.08])
}

@inline(__always)
func pow3(_ x: Double) -> Double { x * x * x }
