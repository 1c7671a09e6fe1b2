import CPrefetch
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
        /// Each township's road names (Chunghwa Post's list, `TaiwanRoads.swift`): its
        /// indexes in `Reference.roads`.
        let roads: [Range<Int>]
    }

    #if _endian(big)
    #error("RoadTable's slots put the header in byte 0 of a little-endian word")
    #endif
    /// Every name of the post's road list with its kind, in one 16-byte slot per road:
    /// a length-and-kind byte, then the name's UTF-8 when it fits the other 15 bytes
    /// (92% of names), else where it starts in `long`. An address then reads one cache
    /// line per road, not a String in a megabyte of arrays: that read was the customer
    /// generator's costliest cache miss.
    struct RoadTable: Sendable {
        /// Two words per road. Byte 0 of the first: the length (bits 0-3, when it fits),
        /// the kind (bits 4-5), bit 7 set for a long name; a long name's length is in
        /// bytes 1-2 of the first word and its offset in `long` is the second word.
        let slots: [UInt64]
        /// The long names' UTF-8, end to end.
        let long: [UInt8]

        init(names: [Slice<UnsafeBufferPointer<UInt8>>]) {
            var slots: [UInt64] = [], long: [UInt8] = []
            slots.reserveCapacity(2 * names.count)
            for name in names {
                let kind = UInt64(Road.kind(of: name).rawValue) << 4
                if name.count <= 15 {
                    var slot: (UInt64, UInt64) = (UInt64(name.count) | kind, 0)
                    withUnsafeMutableBytes(of: &slot) { $0.baseAddress!.advanced(by: 1).copyMemory(from: UnsafeRawPointer(name.base.baseAddress! + name.startIndex), byteCount: name.count) }
                    slots.append(slot.0)
                    slots.append(slot.1)
                } else {
                    slots.append(0x80 | kind | UInt64(name.count) << 8)
                    slots.append(UInt64(long.count))
                    long.append(contentsOf: name)
                }
            }
            self.slots = slots
            self.long = long
        }

        @inline(__always) func kind(_ road: Int) -> Road.Kind {
            Road.Kind(rawValue: UInt8(truncatingIfNeeded: (slots[2 * road] >> 4) & 3))!
        }

        /// Starts loading road `road`'s slot, for a caller that reads it a little later.
        @inline(__always) func prefetch(_ road: Int) {
            slots.withUnsafeBufferPointer { opslake_prefetch($0.baseAddress! + 2 * road) }
        }

        @inline(__always) func name(_ road: Int, into text: inout TextBuilder) {
            var slot = (slots[2 * road], slots[2 * road + 1])
            if slot.0 & 0x80 == 0 {
                let length = Int(truncatingIfNeeded: slot.0 & 0xF)
                withUnsafeBytes(of: &slot) { text.append(bytes: UnsafeRawBufferPointer(rebasing: $0[1..<(1 + length)])) }
            } else {
                let start = Int(truncatingIfNeeded: slot.1), length = Int(truncatingIfNeeded: (slot.0 >> 8) & 0xFFFF)
                long.withUnsafeBytes { text.append(bytes: UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
            }
        }
    }

    /// What an address on a road of the post's list takes.
    enum Road {
        enum Kind: UInt8, Sendable {
            /// A road or street (…路, …街, …大道, …段, …道): lanes, alleys, numbers, floors.
            case street
            /// A named lane or alley (…巷, …巷永和山莊, 居易一弄): a number and a floor, no further lane.
            case lane
            /// A locality (…村, …寮, …坑, a market): a number only.
            case locality
        }
        /// The kind of the road named `u` (UTF-8). Compared as bytes: 43,248 names are
        /// read at every start, and Foundation's `contains` and Character-wise
        /// `hasSuffix` took a quarter of a second for them. UTF-8 is self-synchronising,
        /// so a byte match is a match of whole characters.
        static func kind(of u: Slice<UnsafeBufferPointer<UInt8>>) -> Kind {
            laneMarks.contains { find($0, in: u) } ? .lane
                : streetEndings.contains { u.count >= $0.count && u[(u.endIndex - $0.count)...].elementsEqual($0) } ? .street
                : .locality
        }

        /// Whether `mark` occurs in `bytes`.
        static func find(_ mark: [UInt8], in bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
            guard let first = mark.first, bytes.count >= mark.count else { return false }
            for i in bytes.startIndex...(bytes.endIndex - mark.count) where bytes[i] == first && bytes[i..<(i + mark.count)].elementsEqual(mark) {
                return true
            }
            return false
        }

        static let laneMarks = ["巷", "弄"].map { Array($0.utf8) }
        static let streetEndings = ["路", "街", "大道", "段", "道"].map { Array($0.utf8) }
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
    let roads: RoadTable
    let mobilePrefixes: [String]
    let emailDomains: [String]
    let emailDomainChoice: WeightedChoice
    let categories: [Category]

    /// Built on first use. The resources are compiled in, so one that does not decode
    /// is a defect of the build, not of the input: it stops the process with the
    /// resource and the reason named.
    static let shared: Reference = {
        do {
            return try Reference()
        } catch {
            fatalError("\(error)")
        }
    }()

    private init() throws {
        let s = try Self.decode(SurnamesFile.self, PackageResources.surnames_json, "surnames.json")
        surnames = s.surnames.map(\.surname)
        surnameRomanizations = s.surnames.map { ($0.romanization ?? "").lowercased().filter { $0.isLetter && $0.isASCII } }
        surnameChoice = WeightedChoice(weights: s.surnames.map(\.population))

        let g = try Self.decode(GivenNamesFile.self, PackageResources.given_names_json, "given_names.json")
        // [female, male]
        givenNames = [g.top100Female, g.top100Male].map { $0.map(\.name) }
        givenNameChoice = [g.top100Female, g.top100Male].map { WeightedChoice(weights: $0.map(\.population)) }
        givenChars = [g.femaleChars, g.maleChars].map { $0.map(\.char) }
        givenCharChoice = [g.femaleChars, g.maleChars].map { WeightedChoice(weights: $0.map(\.weight)) }

        let d = try Self.decode(DivisionsFile.self, PackageResources.divisions_json, "divisions.json")
        var spans: [String: Range<Int>] = [:]
        // Cut on bytes, not Characters: the list is half a megabyte, read at every start.
        var list = taiwanRoadsByTownship
        roads = try list.withUTF8 { bytes in
            var names: [Slice<UnsafeBufferPointer<UInt8>>] = []
            for line in Self.fields(bytes[...], UInt8(ascii: "\n")) {
                let parts = Self.fields(line, UInt8(ascii: "\t"))
                guard parts.count == 3 else {
                    throw ResourceError(resource: "TaiwanRoads.swift", error: RoadsError(line: String(decoding: line, as: UTF8.self)))
                }
                let first = names.count
                for name in Self.fields(parts[2], UInt8(ascii: ",")) {
                    guard name.count <= 0xFFFF else {
                        throw ResourceError(resource: "TaiwanRoads.swift", error: RoadsError(line: "a road name past 64 KiB"))
                    }
                    names.append(name)
                }
                spans[String(decoding: parts[0], as: UTF8.self) + "\t" + String(decoding: parts[1], as: UTF8.self)] = first..<names.count
            }
            return RoadTable(names: names)
        }
        divisions = try d.divisions.map { row in
            Division(name: row.name,
                     townships: row.townships.map { ($0.name, $0.zip3) },
                     townshipChoice: WeightedChoice(weights: row.townships.map { max($0.share, 1e-6) }),
                     roads: try row.townships.map { town in
                         guard let span = spans["\(row.name)\t\(town.name)"], !span.isEmpty else {
                             throw ResourceError(resource: "TaiwanRoads.swift", error: RoadsError(line: "no roads for \(row.name) \(town.name)"))
                         }
                         return span
                     })
        }
        divisionChoice = WeightedChoice(weights: d.divisions.map(\.population))

        let c = try Self.decode(ContactFile.self, PackageResources.contact_json, "contact.json")
        mobilePrefixes = c.mobilePrefixes
        emailDomains = c.emailDomains.map(\.domain)
        emailDomainChoice = WeightedChoice(weights: c.emailDomains.map(\.share))

        let p = try Self.decode(CatalogueFile.self, PackageResources.pet_catalogue_json, "pet_catalogue.json")
        categories = p.categories.map { row in
            var naming: [String: (brands: [String], kinds: [String], packs: [String])] = [:]
            for (pet, parts) in row.naming {
                let forPet = row.brands.filter { $0.petTypes.contains(pet) }.map(\.name)
                naming[pet] = (forPet, parts.kinds, parts.packs)
            }
            return Category(key: row.key, name: row.name, essential: row.essential,
                            low: row.priceBand.low, typical: row.priceBand.typical, high: row.priceBand.high,
                            naming: naming)
        }
    }

    /// The non-empty runs of `bytes` between `separator`s. A plain loop: the standard
    /// library's generic `split` took 95 million instructions for the road list.
    static func fields(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ separator: UInt8) -> [Slice<UnsafeBufferPointer<UInt8>>] {
        var out: [Slice<UnsafeBufferPointer<UInt8>>] = []
        var start = bytes.startIndex
        for i in bytes.indices where bytes[i] == separator {
            if i > start { out.append(bytes[start..<i]) }
            start = i + 1
        }
        if start < bytes.endIndex { out.append(bytes[start...]) }
        return out
    }

    /// A line of the road list that is not division, township and roads.
    struct RoadsError: Error, CustomStringConvertible {
        var line: String
        var description: String { "a line that is not division<TAB>township<TAB>roads: \(line.prefix(60))" }
    }

    /// A resource that does not decode, with its name and where in it.
    struct ResourceError: Error, CustomStringConvertible {
        var resource: String
        var error: any Error
        var description: String { "PetShop resource \(resource) does not decode; the build is broken: \(error)" }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ resource: String) throws -> T {
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw ResourceError(resource: resource, error: error)
        }
    }

    // The resources' shapes: only the keys read above (the files also hold sources and
    // notes). Property names are the files' keys in camel case.

    private struct SurnamesFile: Decodable {
        struct Row: Decodable {
            var surname: String
            var population: Double
            var romanization: String?
        }
        var surnames: [Row]
    }

    private struct GivenNamesFile: Decodable {
        struct Name: Decodable {
            var name: String
            var population: Double
        }
        struct Char: Decodable {
            var char: String
            var weight: Double
        }
        var top100Female: [Name]
        var top100Male: [Name]
        var femaleChars: [Char]
        var maleChars: [Char]
    }

    private struct DivisionsFile: Decodable {
        struct Division: Decodable {
            var name: String
            var population: Double
            var townships: [Township]
        }
        struct Township: Decodable {
            var name: String
            var zip3: String
            var share: Double
        }
        var divisions: [Division]
    }

    private struct ContactFile: Decodable {
        struct Domain: Decodable {
            var domain: String
            var share: Double
        }
        var mobilePrefixes: [String]
        var emailDomains: [Domain]
    }

    private struct CatalogueFile: Decodable {
        struct Category: Decodable {
            var key: String
            var name: String
            var essential: Bool
            var priceBand: PriceBand
            var brands: [Brand]
            var naming: [String: Naming]
        }
        struct PriceBand: Decodable {
            var low: Int
            var typical: Int
            var high: Int
        }
        struct Brand: Decodable {
            var name: String
            var petTypes: [String]
        }
        struct Naming: Decodable {
            var kinds: [String]
            var packs: [String]
        }
        var categories: [Category]
    }

    /// Category keys in the catalogue's order, as configuration names them.
    static let categoryKeys = ["feed", "canned", "pee_pads", "cat_litter", "snacks", "dental_chews", "supplements",
                               "freeze_dried", "toys", "supplies"]
}
