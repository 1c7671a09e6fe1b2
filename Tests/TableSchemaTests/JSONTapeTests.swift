import Testing
import TableSchema
import GeneratorKit

/// The tape's value at `i`, built as `CanonicalJSON` builds it, to compare the two.
func value(_ tape: JSONTape, _ i: Int) -> JSONValue {
    switch tape.kind(i) {
    case .object: return .object(tape.members(i).map { JSONMember(tape.string($0.key)!, value(tape, $0.value)) })
    case .array: return .array(tape.elements(i).map { value(tape, $0) })
    case .string: return .string(tape.string(i)!)
    case .number: return .number(tape.double(i)!)
    case .true: return .bool(true)
    case .false: return .bool(false)
    case .null: return .null
    }
}

@Suite struct JSONTapeTests {
    static let corpus = [
        #"{"code":0,"message":"ok","data":{"total":2,"page":1,"pageSize":200,"settleList":[{"id":2501204660000001,"payAmount":"87.60","cashierName":"黄静怡","memberName":"","createTime":"2026-01-13 12:10:32","x":null,"y":true,"z":false,"n":-0.5}]}}"#,
        #"{ "a" : [ 1 , 2.50 , -0 , 1E2 , 1e-7 , 12345678901234567890 ] , "b\u0041" : "\ud83c\udfb1 \"q\" \\ \/ \b\f\n\r\t 、，" , "c" : { "d" : [ { } , [ ] ] } }"#,
        #"["\u00e9", "é", "a\u0000b", 0, -1, 3.25e+2, "🎱 台球"]"#,
        "  [\n\t{\"k\":\"v\"}\r\n]  ",
        #""just a string""#, "17", "null", "true",
    ]

    @Test("the tape and CanonicalJSON give the same value for valid documents")
    func sameValues() throws {
        for text in Self.corpus {
            let bytes = Array(text.utf8)
            let tape = try #require(JSONTape(bytes), "\(text)")
            #expect(CanonicalJSON.serialize(value(tape, JSONTape.root)) == CanonicalJSON.serialize(try CanonicalJSON.parse(bytes)), "\(text)")
        }
    }

    @Test("the tape refuses what CanonicalJSON refuses", arguments: [
        #"{"a": 1, "a": 2}"#, #"{"a": {"b": 1, "b": 1}}"#, #"{"\u0061": 1, "a": 2}"#, #"["\ud800"]"#, #"["\ud800\u0041"]"#,
        #"["\udc00"]"#, "[NaN]", "[-Infinity]", "[1, 2,]", #"{"a": 1,}"#, "[01]", "[-01]", "[1.]", "[.5]", "[1e]", "[+1]",
        "[1e400]", "[-1e400]", "[1e-400]", #"{"a": 1} x"#, "{}{}", #"{"a" 1}"#, "{a: 1}", "['a']", #"["a\x"]"#, #"["\u12"]"#,
        "[\"a\u{1}\"]", "[\"\u{FFFF}\"]", #"["\ufdd0"]"#, #"["\uffff"]"#, #"["abc"#, "[1, 2", "[tru]", "", "  \n", "// c\n{}",
        String(repeating: "[", count: 257) + String(repeating: "]", count: 257),
    ])
    func refusals(text: String) {
        #expect(JSONTape(Array(text.utf8)) == nil, "\(text)")
        #expect(throws: JSONParseError.self) { try CanonicalJSON.parse(Array(text.utf8)) }
    }

    @Test("a duplicate key is refused in an object of many keys, even among keys that look alike")
    func duplicatesAmongManyKeys() {
        // Two keys with the same length and the same first and last eight bytes, among 13.
        let keys = ["aaaaaaaa1bbbbbbbb", "aaaaaaaa2bbbbbbbb"] + (1...11).map { "k\($0)" }
        let unique = "{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
        #expect(JSONTape(Array(unique.utf8)) != nil)
        for dup in ["aaaaaaaa1bbbbbbbb", "aaaaaaaa2bbbbbbbb", "k7"] {
            let text = "{" + (keys + [dup]).map { "\"\($0)\":1" }.joined(separator: ",") + "}"
            #expect(JSONTape(Array(text.utf8)) == nil, "\(dup)")
            #expect(throws: JSONParseError.self) { try CanonicalJSON.parse(Array(text.utf8)) }
        }
        // Objects around each size of the key table (a power of two at least twice the
        // keys), a duplicate of each key at the front, in the middle and at the end.
        // Keys with distinct signatures, and look-alikes that all share one (the same
        // length and first and last eight bytes), so a probe passes keys of its signature.
        let distinct = { (n: Int) in (0..<n).map { "key\($0 * 7919 % 1000)_\($0)" } }
        let lookAlike = { (n: Int) in (0..<n).map { "aaaaaaaa" + String(1000 + $0) + "bbbbbbbb" } }
        for (n, make) in [12, 13, 16, 17, 32, 33, 64, 65, 300].map({ ($0, distinct) }) + [12, 13, 40].map({ ($0, lookAlike) }) {
            let keys = make(n)
            #expect(JSONTape(Array(("{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + "}").utf8)) != nil, "\(n)")
            for k in keys.indices {
                for at in [0, n / 2, n] {
                    var withDuplicate = keys
                    withDuplicate.insert(keys[k], at: at)
                    let text = "{" + withDuplicate.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
                    #expect(JSONTape(Array(text.utf8)) == nil, "\(n) keys, \(keys[k]) again at \(at)")
                }
            }
        }
    }

    @Test("bytes that are not UTF-8 are refused", arguments: [
        [0x5B, 0x22, 0xFF, 0x22, 0x5D], [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D], [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D],
        [0x5B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x5D], [0x5B, 0x22, 0xE2, 0x82, 0x22, 0x5D], [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],
        [0x5B, 0x22, 0xEF, 0xB7, 0x90, 0x22, 0x5D], [0x5B, 0x22, 0xF0, 0x9F, 0xBF, 0xBF, 0x22, 0x5D],
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(JSONTape(bytes) == nil)
        #expect(throws: JSONParseError.self) { try CanonicalJSON.parse(bytes) }
    }

    /// The law: for any bytes, the tape accepts exactly when CanonicalJSON does, and then
    /// both read the same value. Checked over 30,000 mutations of the corpus (bytes
    /// replaced, inserted, deleted or duplicated, from a set that hits every rule).
    @Test("on mutated documents the tape and CanonicalJSON agree on every verdict and value")
    func mutations() {
        var random = SplitMix64(seed: 0x0D5)
        let interesting: [UInt8] = Array(#"{}[]",:\"-+.eE0159aunlt/"#.utf8) + [0x20, 0x0A, 0x01, 0x7F, 0x80, 0xBF, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xFF]
        var accepted = 0, disagreements: [String] = []
        for round in 0..<30_000 {
            var bytes = Array(Self.corpus[round % Self.corpus.count].utf8)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0...bytes.count, using: &random)
                let b = interesting.randomElement(using: &random)!
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where at < bytes.count: bytes[at] = b
                case 1: bytes.insert(b, at: at)
                case 2 where at < bytes.count: bytes.remove(at: at)
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 4)], at: at)
                }
            }
            let tape = JSONTape(bytes)
            let parsed = try? CanonicalJSON.parse(bytes)
            if let tape, let parsed {
                accepted += 1
                if CanonicalJSON.serialize(value(tape, JSONTape.root)) != CanonicalJSON.serialize(parsed) {
                    disagreements.append("value of \(bytes)")
                }
            } else if (tape == nil) != (parsed == nil) {
                disagreements.append("\(tape == nil ? "tape refused" : "tape accepted") \(String(decoding: bytes, as: UTF8.self)) \(bytes)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        #expect(accepted > 1_000)  // the mutations reach both sides of every rule
    }

    @Test("members, elements and ranges give each value's exact bytes; whole numbers keep every digit")
    func navigation() throws {
        let text = #"{"list":[ {"id":9007199254740993,"v":"x"} ,{"id":"k"}, 7.0, -12, 1.5, 2e3 ],"total":2}"#
        let tape = try #require(JSONTape(Array(text.utf8)))
        let list = try #require(tape.member(JSONTape.root, "list"))
        let items = tape.elements(list)
        #expect(items.map { String(decoding: tape.bytes[tape.range($0)], as: UTF8.self) }
                == [#"{"id":9007199254740993,"v":"x"}"#, #"{"id":"k"}"#, "7.0", "-12", "1.5", "2e3"])
        #expect(tape.member(items[0], "id").flatMap(tape.int64) == 9_007_199_254_740_993)
        #expect(tape.member(items[0], named: "v").flatMap(tape.string) == "x")
        #expect(tape.member(items[0], "absent") == nil && tape.member(list, "id") == nil)
        #expect(items[2...].map(tape.int64) == [7, -12, nil, 2000])
        #expect(tape.member(JSONTape.root, "total").flatMap(tape.int64) == 2)
        let big = try #require(JSONTape(Array("99999999999999999999".utf8)))
        #expect(big.int64(JSONTape.root) == nil)
    }
    /// The scan reads runs of plain text eight bytes at a time: a quote, backslash,
    /// control byte or multi-byte character is found at every offset within a word,
    /// in strings long enough to take that path, and unescaped to the same bytes.
    @Test("long strings: every special byte at every offset of an 8-byte word gives CanonicalJSON's verdict and value")
    func wordAtATime() throws {
        let specials: [[UInt8]] = [Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8),
                                   Array(#"\ud83c\udfb1"#.utf8), Array("é".utf8), Array("台".utf8), [0x7F], [0x01], [0x1F],
                                   [0x22], [0xFF], [0xC2]]
        var checked = 0
        for special in specials {
            for offset in 0..<20 {
                for tail in [0, 1, 7, 8, 9, 17] {
                    let bytes = Array("[\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: offset) + special
                        + Array(repeating: UInt8(ascii: "z"), count: tail) + Array("\"]".utf8)
                    let tape = JSONTape(bytes)
                    let parsed = try? CanonicalJSON.parse(bytes)
                    #expect((tape == nil) == (parsed == nil), "\(bytes)")
                    guard let tape, let parsed, case .array(let items) = parsed, case .string(let s) = items[0] else { continue }
                    let element = tape.elements(JSONTape.root)[0]
                    #expect(tape.stringBytes(element) == Array(s.utf8), "\(bytes)")
                    checked += 1
                }
            }
        }
        #expect(checked > 500)
    }

    /// A payload is one long string with escapes every few bytes: unescaped a word at a
    /// time between them, it must give CanonicalJSON's bytes whatever the gaps.
    @Test("long strings with many escapes at random gaps unescape to CanonicalJSON's bytes")
    func manyEscapes() throws {
        let pieces: [[UInt8]] = [Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\/"#.utf8), Array(#"\t"#.utf8),
                                 Array(#"\u53f0"#.utf8), Array(#"\ud83c\udfb1"#.utf8), Array("台".utf8), Array("x".utf8)]
        var g = SplitMix64(seed: 7)
        for _ in 0..<300 {
            var body: [UInt8] = []
            for _ in 0..<Int(g.next() % 12) {
                body += Array(repeating: UInt8(ascii: "a") + UInt8(g.next() % 26), count: Int(g.next() % 20))
                body += pieces[Int(g.next() % UInt64(pieces.count))]
            }
            let bytes = Array("[\"".utf8) + body + Array("\"]".utf8)
            let tape = try #require(JSONTape(bytes), "\(bytes)")
            guard case .array(let items) = try CanonicalJSON.parse(bytes), case .string(let s) = items[0] else {
                Issue.record("not a string: \(bytes)")
                continue
            }
            #expect(tape.stringBytes(tape.elements(JSONTape.root)[0]) == Array(s.utf8), "\(bytes)")
        }
    }

    @Test("a member found from any hint is the member found from the start")
    func hintedMembers() throws {
        let text = #"{"a":1,"bb":{"a":2},"ccc":[3],"d\u0065":4,"e":null,"f":"x"}"#
        let tape = try #require(JSONTape(Array(text.utf8)))
        let keys = ["a", "bb", "ccc", "de", "e", "f", "absent", ""]
        // Every hint a lookup can leave: the object's index, each member's key, the end.
        var hints = [JSONTape.root]
        for key in keys.prefix(6) {
            var h = JSONTape.root
            _ = Array(key.utf8).withUnsafeBufferPointer { tape.member(JSONTape.root, named: $0, hint: &h) }
            hints.append(h)
        }
        #expect(Set(hints).count == 7)
        for key in keys {
            for hint in hints {
                var h = hint
                let found = Array(key.utf8).withUnsafeBufferPointer { tape.member(JSONTape.root, named: $0, hint: &h) }
                #expect(found == tape.member(JSONTape.root, named: key), "\(key) from \(hint)")
            }
        }
        // In document order, each lookup from the last one's hint.
        var h = JSONTape.root
        let inOrder = keys.prefix(6).map { k in Array(k.utf8).withUnsafeBufferPointer { tape.member(JSONTape.root, named: $0, hint: &h) } }
        #expect(inOrder == keys.prefix(6).map { tape.member(JSONTape.root, named: $0) })
        #expect(inOrder.allSatisfy { $0 != nil })
    }

    @Test("values(keys:) takes exactly the keys in order, escaped or not, and names each value's node; anything else is refused")
    func valuesOfKeys() throws {
        let text = #"{"id":7,"n\u0061me":"x","tags":[1,2],"at":null}"#
        let tape = try #require(JSONTape(Array(text.utf8)))
        let keys = ["id", "name", "tags", "at"].map { Array($0.utf8) }
        var values: [Int] = [99]
        #expect(tape.values(JSONTape.root, keys: keys, into: &values))
        #expect(values == tape.members(JSONTape.root).map(\.value))
        #expect(tape.int64(values[0]) == 7 && tape.string(values[1]) == "x" && tape.kind(values[3]) == .null)
        for wrong in [Array(keys.prefix(3)), keys + [Array("more".utf8)], [keys[1], keys[0], keys[2], keys[3]],
                      [keys[0], Array("nam".utf8), keys[2], keys[3]], []] {
            #expect(!tape.values(JSONTape.root, keys: wrong, into: &values), "\(wrong.map { String(decoding: $0, as: UTF8.self) })")
        }
        let list = try #require(tape.member(JSONTape.root, "tags"))
        #expect(!tape.values(list, keys: [], into: &values) && values.isEmpty)
        let empty = try #require(JSONTape(Array("{}".utf8)))
        #expect(empty.values(JSONTape.root, keys: [], into: &values) && values.isEmpty)
    }
}
