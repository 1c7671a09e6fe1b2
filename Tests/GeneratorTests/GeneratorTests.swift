import Testing
import Foundation
import Configuration
import GeneratorKit
import LakeFormat
@testable import PetShop
@testable import TableSchema
import TestSupport

/// Collects rows in memory, encoded as CSV, for comparisons.
final class CollectingSink: WholeRowSink {
    let buffer = ByteBuffer()
    var pendingRow: [Value] = []
    let encoder: CSVEncoder
    let validator: RecordValidator
    var rows: [[Value]] = []
    init(_ schema: TableSchema) throws {
        encoder = CSVEncoder(columns: schema.columns)
        validator = try RecordValidator(schema: schema)
    }
    func append(_ row: [Value]) throws {
        try validator.validate(row)
        encoder.encode(row, into: buffer)
        rows.append(row)
    }
}

@Suite("generator kit and pet shop")
struct GeneratorTests {
    static let registry = try! SchemaRegistry(directory: schemasDirectory)
    static func config(_ changes: [(String, TOMLValue)] = []) throws -> PetShopConfig {
        var s = Settings(PetShopConfig.settings)
        try s.apply(flag: "--opened", "petshop.opened", .date(LakeDate(year: 2026, month: 1, day: 1)))
        for (k, v) in changes { try s.apply(flag: "--test", k, v) }
        return try PetShopConfig(s)
    }

    func day(_ shop: PetShop, _ dt: LakeDate, _ datasets: [DatasetName]) throws -> [CollectingSink] {
        let sinks = try datasets.map { try CollectingSink(Self.registry.schema(for: $0)) }
        try shop.generate(dt: dt, datasets: datasets, into: sinks)
        return sinks
    }

    @Test("the compiled-in schemas and dimensions are exactly the files of the schemas folder")
    func builtInSchemasMatchTheFolder() throws {
        let folder = try SchemaRegistry(directory: schemasDirectory).schemas
        let builtIn = try PetShop.tableSchemas()
        #expect(builtIn.map(\.dataset).sorted() == folder.keys.sorted())
        for schema in builtIn { #expect(schema.hash == folder[schema.dataset]?.hash, "\(schema.dataset)") }
        let dimensionFolder = schemasDirectory + "/petshop/dimensions"
        let files = try FileManager.default.contentsOfDirectory(atPath: dimensionFolder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(PetShop.dimensionSQL.map { "\($0.name.dropFirst("petshop.".count)).sql" }.sorted() == files)
        for d in PetShop.dimensionSQL {
            let text = try String(contentsOfFile: "\(dimensionFolder)/\(d.name.dropFirst("petshop.".count)).sql", encoding: .utf8)
            #expect(d.sql == text, "\(d.name)")
        }
    }

    @Test("a partition is the same whether generated alone or with the others, first or last")
    func partitionsAreIndependent() throws {
        let shop = PetShop(config: try Self.config())
        let dt = LakeDate(year: 2026, month: 2, day: 6)
        let all = try day(shop, dt, shop.datasets)
        _ = try day(shop, dt.adding(days: 3), shop.datasets)
        for (i, name) in shop.datasets.enumerated() {
            let alone = try day(shop, dt, [name])[0]
            #expect(alone.buffer.array == all[i].buffer.array, "\(name)")
        }
    }

    @Test("volumes follow the configuration and --scale")
    func volumes() throws {
        let dt = LakeDate(year: 2026, month: 3, day: 7)  // an ordinary Saturday (Taiwan's calendar moves none of its orders)
        let base = try day(PetShop(config: try Self.config()), dt, [PetShop.orders, PetShop.customers])
        #expect((420...500).contains(base[0].rows.count))
        #expect((20...60).contains(base[1].rows.count))
        let doubled = try day(PetShop(config: try Self.config([("scale", .float(2))])), dt, [PetShop.orders])
        #expect((840...1000).contains(doubled[0].rows.count))
        let fixed = try day(PetShop(config: try Self.config([("petshop.free_shipping_gift.orders_per_day", .array([.integer(17), .integer(17)]))])), dt, [PetShop.orders])
        #expect(fixed[0].rows.count == 17)
    }

    @Test("the opening member base is the day before opening; later members number on from it")
    func members() throws {
        let shop = PetShop(config: try Self.config())
        let base = try day(shop, LakeDate(year: 2025, month: 12, day: 31), [PetShop.customers])[0]
        #expect(base.rows.count == 5000)
        #expect(base.rows.first?[0] == .string("C00000001"))
        let next = try day(shop, LakeDate(year: 2026, month: 1, day: 1), [PetShop.customers])[0]
        #expect(next.rows.first?[0] == .string("C00005001"))
        // Mobile numbers, postal codes and cities look Taiwanese.
        for row in base.rows.prefix(200) {
            guard case .string(let mobile) = row[4], case .string(let city) = row[6] else { Issue.record("bad row"); continue }
            #expect(mobile.hasPrefix("09") && mobile.count == 12)
            #expect(city.hasSuffix("市") || city.hasSuffix("縣"))
        }
        let cities = Dictionary(grouping: base.rows, by: { $0[6] }).mapValues(\.count)
        #expect(cities[.string("新北市")]! > cities[.string("臺東縣")]! * 5)
        let surnames = Dictionary(grouping: base.rows, by: { row -> Character in
            if case .string(let n) = row[1] { return n.first! } else { return " " }
        }).mapValues(\.count)
        #expect(surnames.max { $0.value < $1.value }?.key == "陳")
    }

    @Test("every address is on a road of its own township, from Chunghwa Post's list; a named lane takes no further lane, a locality only its number")
    func roadsOfTheTownship() throws {
        var roads: [String: [String]] = [:]
        for line in taiwanRoadsByTownship.split(separator: "\n") {
            let p = line.split(separator: "\t")
            roads["\(p[0]) \(p[1])"] = p[2].split(separator: ",").map(String.init).sorted { $0.count > $1.count }  // longest first
        }
        #expect(roads.count == 368 && roads.values.allSatisfy { !$0.isEmpty })
        let base = try day(PetShop(config: try Self.config()), LakeDate(year: 2025, month: 12, day: 31), [PetShop.customers])[0]
        var towns = Set<String>(), used = Set<String>()
        for row in base.rows {
            guard case .string(let city) = row[6], case .string(let district) = row[7], case .string(let address) = row[9] else {
                Issue.record("bad row \(row)"); continue
            }
            let town = "\(city) \(district)"
            let road = roads[town]?.first { address.hasPrefix($0) }
            #expect(road != nil, "\(town): \(address)")
            // After the road: a named lane or alley takes no further lane; a locality only its number.
            if let road {
                let rest = address.dropFirst(road.count)
                let isStreet = ["路", "街", "大道", "段", "道"].contains(where: road.hasSuffix)
                if road.contains("巷") || road.contains("弄") {
                    #expect(!rest.contains("巷") && !rest.contains("弄"), "\(address)")
                } else if !isStreet {
                    #expect(!rest.contains("巷") && !rest.contains("弄") && !rest.contains("樓"), "\(address)")
                }
            }
            towns.insert(town)
            if let road { used.insert(town + road) }
        }
        // Drawn from the whole list, not a few common names: 5,000 members, about as many roads.
        #expect(towns.count > 250 && used.count > 4_000, "\(towns.count) townships, \(used.count) roads")
    }

    @Test("shards are disjoint and cover every day")
    func shards() {
        let days = (0..<400).map { LakeDate(year: 2026, month: 1, day: 1).adding(days: $0) }
        for n in 1...5 {
            let shards = (1...n).map { Shard("\($0)/\(n)")! }
            for d in days { #expect(shards.filter { $0.owns(d) }.count == 1) }
        }
        #expect(Shard("0/3") == nil && Shard("4/3") == nil && Shard("x") == nil)
    }

    @Test("weighted choice draws in proportion to the weights")
    func weighted() {
        let choice = WeightedChoice(weights: [1, 0, 3, 6])
        var rng = GeneratorKit.SplitMix64(seed: 9)
        var counts = [0, 0, 0, 0]
        for _ in 0..<100_000 { counts[choice.draw(&rng)] += 1 }
        #expect(counts[1] == 0)
        #expect(abs(Double(counts[0]) / 100_000 - 0.1) < 0.01)
        #expect(abs(Double(counts[3]) / 100_000 - 0.6) < 0.01)
    }
}

@Suite("simple patterns")
struct SimplePatternTests {
    /// Which matcher a pattern gets: the agreement test below covers each of them.
    @Test func matcherChosen() throws {
        let fixed = try #require(SimplePattern("C[0-9]{8}"))
        #expect(fixed.fixedTables != nil && fixed.shiftAnd == nil)
        for linear in ["[a-z0-9._]+@[a-z0-9.-]+\\.[a-z]{2,}", "a+b{2}[ab]+", "[^@]+@b"] {
            #expect(try #require(SimplePattern(linear)).shiftAnd != nil, "\(linear)")
        }
        for backtracking in ["[^@ ]+x?y*", "a{2,3}b{0,}"] {
            let p = try #require(SimplePattern(backtracking))
            #expect(p.shiftAnd == nil && p.fixedTables == nil, "\(backtracking)")
        }
        // The automaton has 63 positions; a longer pattern, or a repeat count past any
        // sum, goes to the backtracking matcher (and loads without overflowing).
        #expect(try #require(SimplePattern("a{62}b+")).shiftAnd != nil)
        #expect(try #require(SimplePattern("a{63}b+")).shiftAnd == nil)
        let huge = try #require(SimplePattern("a{9223372036854775807}b{9223372036854775807}c+"))
        #expect(huge.shiftAnd == nil && huge.fixedTables == nil)
        let text = Array("aabbc".utf8)
        #expect(text.withUnsafeBufferPointer { !huge.matches($0) })
        // At the limit, the automaton still agrees on the strings around its length.
        let limit = try #require(SimplePattern("a{62}b+"))
        for (n, b, expected) in [(62, 1, true), (61, 2, false), (62, 0, false), (63, 1, false), (62, 5, true)] {
            let s = Array(String(repeating: "a", count: n).utf8) + Array(String(repeating: "b", count: b).utf8)
            #expect(s.withUnsafeBufferPointer { limit.matches($0) } == expected, "\(n) a, \(b) b")
        }
    }

    /// The validator's fast matcher agrees with POSIX regexec on random strings.
    @Test("fast pattern matching agrees with regexec", arguments: [
        "C[0-9]{8}", "09[0-9]{2}-[0-9]{3}-[0-9]{3}", "[a-z0-9._]+@[a-z0-9.-]+\\.[a-z]{2,}", "CC[0-9]{13}", "[^@ ]+x?y*", "a{2,3}b{0,}",
        "E[0-9]{16}", "S[0-9]{15}", "[ab.]+@[a.-]+\\.[ab]{2,}", "a+b{2}[ab]+", "[^@]+@b",
    ])
    func agrees(pattern: String) throws {
        let fast = try TableSchema(dataset: DatasetName("t.fast")!, json: Data("""
            {"fields": [{"name": "v", "type": "string", "constraints": {"pattern": \(String(reflecting: pattern).replacingOccurrences(of: "\\\\", with: "\\\\"))}}]}
            """.utf8), file: "t.json")
        let validator = try RecordValidator(schema: fast)
        var regex = regex_t()
        #expect(regcomp(&regex, "^(" + pattern + ")$", REG_EXTENDED | REG_NOSUB) == 0)
        defer { regfree(&regex) }
        let alphabet = Array("aCc09-.@_xyz b1".unicodeScalars)
        var rng = GeneratorKit.SplitMix64(seed: 1)
        var samples = ["C12345678", "0912-345-678", "amy.chen@gmail.com", "CC2026112200001", "a@b.c", "aab", "aaab"]
        for _ in 0..<3000 {
            let n = Int(rng.next() % 20)
            samples.append(String(String.UnicodeScalarView((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })))
        }
        // Ids of the right length, mostly digits, with the bytes beside 0-9 (/ : ?) now
        // and then: the fast matcher checks runs of eight digits in one word.
        let near = Array("0123456789/:?".unicodeScalars)
        for _ in 0..<3000 {
            let tail = (0..<(15 + Int(rng.next() % 2))).map { _ in rng.next() % 4 == 0 ? near[Int(rng.next() % 13)] : near[Int(rng.next() % 10)] }
            samples.append((rng.next() % 2 == 0 ? "E" : "S") + String(String.UnicodeScalarView(tail)))
        }
        // Short strings over the bytes of the e-mail-like patterns, where a greedy run
        // must give back bytes to the atom after it (the shift-and automaton's case).
        let small = Array("ab.@-中".unicodeScalars)
        for _ in 0..<3000 {
            let n = Int(rng.next() % 11)
            samples.append(String(String.UnicodeScalarView((0..<n).map { _ in small[Int(rng.next() % UInt64(small.count))] })))
        }
        for s in samples {
            let expected = regexec(&regex, s, 0, nil, 0) == 0
            let got = (try? validator.validate([.string(s)])) != nil
            #expect(got == expected, "\(pattern) on \(s)")
        }
    }
}
