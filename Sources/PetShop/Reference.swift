import Foundation
import GeneratorKit

/// The Taiwan reference data shipped in the binary (see `Resources/`): surnames,
/// given names, divisions and townships, contact formats and the catalogue template,
/// with the weighted tables the generators draw from, built once per process.
struct Reference: Sendable {
    struct Division: Sendable {
        let name: String
        let townships: [(name: String, zip3: String)]
        let townshipChoice: WeightedChoice
    }

    struct Category: Sendable {
        let key: String
        let name: String
        let essential: Bool
        let low: Int, typical: Int, high: Int
        /// Brands, kinds and pack labels per pet type ("dog", "cat").
        let naming: [String: (brands: [String], kinds: [String], packs: [String])]
    }

    let surnames: [String]
    let surnameRomanizations: [String]
    let surnameChoice: WeightedChoice
    let givenNames: [[String]]            // [female, male] top-100 whole names
    let givenNameChoice: [WeightedChoice]
    let givenChars: [[String]]            // [female, male] characters
    let givenCharChoice: [WeightedChoice]
    let divisions: [Division]
    let divisionChoice: WeightedChoice
    let mobilePrefixes: [String]
    let emailDomains: [String]
    let emailDomainChoice: WeightedChoice
    let roads: [String]
    /// Which roads are a 路 (and may have sections), decided once rather than per address.
    let roadIsLu: [Bool]
    let roadChoice: WeightedChoice
    let categories: [Category]

    static let shared = Reference()

    private init() {
        func json(_ bytes: [UInt8]) -> [String: Any] {
            // The resources are part of the build; a decoding failure is a build defect.
            try! JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        }
        func list(_ o: [String: Any], _ key: String) -> [[String: Any]] { o[key] as! [[String: Any]] }
        func double(_ v: Any?) -> Double { (v as! NSNumber).doubleValue }

        let s = json(PackageResources.surnames_json)
        let surnameRows = list(s, "surnames")
        surnames = surnameRows.map { $0["surname"] as! String }
        surnameRomanizations = surnameRows.map { ($0["romanization"] as? String ?? "").lowercased().filter { $0.isLetter && $0.isASCII } }
        surnameChoice = WeightedChoice(weights: surnameRows.map { double($0["population"]) })

        let g = json(PackageResources.given_names_json)
        var names: [[String]] = [], nameChoice: [WeightedChoice] = [], chars: [[String]] = [], charChoice: [WeightedChoice] = []
        for sex in ["female", "male"] {
            let top = list(g, "top100_\(sex)")
            names.append(top.map { $0["name"] as! String })
            nameChoice.append(WeightedChoice(weights: top.map { double($0["population"]) }))
            let c = list(g, "\(sex)_chars")
            chars.append(c.map { $0["char"] as! String })
            charChoice.append(WeightedChoice(weights: c.map { double($0["weight"]) }))
        }
        givenNames = names
        givenNameChoice = nameChoice
        givenChars = chars
        givenCharChoice = charChoice

        let d = json(PackageResources.divisions_json)
        let divisionRows = list(d, "divisions")
        divisions = divisionRows.map { row in
            let towns = list(row, "townships")
            return Division(name: row["name"] as! String,
                            townships: towns.map { ($0["name"] as! String, $0["zip3"] as! String) },
                            townshipChoice: WeightedChoice(weights: towns.map { max(double($0["share"]), 1e-6) }))
        }
        divisionChoice = WeightedChoice(weights: divisionRows.map { double($0["population"]) })

        let c = json(PackageResources.contact_json)
        mobilePrefixes = c["mobile_prefixes"] as! [String]
        let domains = list(c, "email_domains")
        emailDomains = domains.map { $0["domain"] as! String }
        emailDomainChoice = WeightedChoice(weights: domains.map { double($0["share"]) })
        let roadRows = list(c, "roads")
        roads = roadRows.map { $0["name"] as! String }
        roadIsLu = roads.map { $0.hasSuffix("路") }
        roadChoice = WeightedChoice(weights: roadRows.map { double($0["weight"]) })

        let p = json(PackageResources.pet_catalogue_json)
        categories = list(p, "categories").map { row in
            let band = row["price_band"] as! [String: Any]
            let brands = list(row, "brands")
            var naming: [String: (brands: [String], kinds: [String], packs: [String])] = [:]
            for (pet, parts) in row["naming"] as! [String: [String: [String]]] {
                let forPet = brands.filter { ($0["pet_types"] as! [String]).contains(pet) }.map { $0["name"] as! String }
                naming[pet] = (forPet, parts["kinds"]!, parts["packs"]!)
            }
            return Category(key: row["key"] as! String, name: row["name"] as! String, essential: row["essential"] as! Bool,
                            low: Int(double(band["low"])), typical: Int(double(band["typical"])), high: Int(double(band["high"])),
                            naming: naming)
        }
    }

    /// Category keys in the catalogue's order, as configuration names them.
    static let categoryKeys = ["feed", "canned", "pee_pads", "cat_litter", "snacks", "dental_chews", "supplements",
                               "freeze_dried", "toys", "supplies"]
}
