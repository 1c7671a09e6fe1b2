import Testing
import Foundation
import LakeFormat
import TableSchema
import TestSupport

/// The Python interpreter of the test command's virtual environment (`make test` sets
/// it); the cross-implementation test uses only its standard library.
let python = ProcessInfo.processInfo.environment["OPSLAKE_PYTHON"]

/// `node`, when it is on the PATH: an independent ECMAScript `Number.prototype.toString`.
let node: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    .map { "\($0)/node" }.first { FileManager.default.isExecutableFile(atPath: $0) }

func jcs(_ text: String) throws -> String {
    String(decoding: try CanonicalJSON.canonicalize(Array(text.utf8)), as: UTF8.self)
}

/// `json` read as the schema of `s.<its "name">` (`s.t` when it has none).
func schema(_ json: String) throws -> TableSchema {
    let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let table = object?["name"] as? String ?? "t"
    return try TableSchema(dataset: DatasetName("s.\(table)")!, json: Data(json.utf8), file: "schemas/s/\(table).json")
}

@Suite struct CanonicalJSONTests {
    // MARK: RFC 8785

    /// RFC 8785 Appendix B, every finite entry (NaN and Infinity are not JSON), checked
    /// against node's `String(Number)` as well.
    @Test("numbers are written as RFC 8785 Appendix B says", arguments: [
        (0x0000_0000_0000_0000, "0"), (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"), (0x8000_0000_0000_0001, "-5e-324"),
        (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"), (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"), (0xC340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"), (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"), (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"), (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"), (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"), (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"),
        (0xBECB_F647_612F_3696, "-0.0000033333333333333333"), (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
    ] as [(UInt64, String)])
    func rfcNumbers(bits: UInt64, expected: String) throws {
        let value = Double(bitPattern: bits)
        #expect(CanonicalJSON.numberText(value) == expected)
        // The text reads back as the same double (−0 becomes 0).
        let back = try CanonicalJSON.parse(Array(expected.utf8))
        guard case .number(let d) = back else { Issue.record("\(expected) did not parse as a number"); return }
        #expect(d == value)
        #expect(try jcs(expected) == expected)
    }

    @Test("each layout of ECMAScript's Number::toString, at its edges", arguments: [
        ("1", "1"), ("1.0", "1"), ("1e0", "1"), ("10E-1", "1"), ("100", "100"), ("-1.5", "-1.5"), ("0.5", "0.5"),
        ("-0", "0"), ("-0.0", "0"), ("0e5", "0"), ("1e20", "100000000000000000000"), ("1e21", "1e+21"),
        ("1.1e21", "1.1e+21"), ("12345678901234567890", "12345678901234567000"), ("123456.789", "123456.789"),
        ("0.000001", "0.000001"), ("0.000001234", "0.000001234"), ("1e-7", "1e-7"), ("1.5e-7", "1.5e-7"), ("5E-7", "5e-7"),
        ("1.23e-18", "1.23e-18"), ("1.5e-323", "1.5e-323"), ("0.1", "0.1"), ("2.5E+2", "250"), ("1E400000000000000000000", nil),
        ("333333333.33333329", "333333333.3333333"), ("1E30", "1e+30"), ("4.50", "4.5"), ("2e-3", "0.002"),
        ("0.000000000000000000000000001", "1e-27"), ("9007199254740993", "9007199254740992"),
    ] as [(String, String?)])
    func numberLayouts(text: String, expected: String?) throws {
        if let expected {
            #expect(try jcs(text) == expected)
        } else {
            #expect(throws: JSONParseError.self) { try jcs(text) }
        }
    }

    @Test("object keys are sorted by UTF-16 code units (RFC 8785 §3.2.3)")
    func rfcSorting() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{F6}\":\"Latin Small Letter O With Diaeresis\","
            + "\"\u{20AC}\":\"Euro Sign\",\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try jcs(input) == expected)
    }

    @Test("the main example of RFC 8785 §3.2.4 comes out byte for byte")
    func rfcExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        let bytes = try CanonicalJSON.canonicalize(Array(input.utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test("strings keep only the escapes RFC 8785 §3.2.2.2 prescribes")
    func stringEscapes() throws {
        var controls = ""
        for c in 0..<0x20 { controls += String(format: "\\u%04X", c) }
        let expectedControls = #"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
        #expect(try jcs("\"\(controls)\"") == "\"\(expectedControls)\"")
        #expect(try jcs(#"["\/", "\u007f", "\u00e9", "e\u0301", "\ud83d\udc36", "\u98fc", "\"\\"]"#)
                == "[\"/\",\"\u{7F}\",\"\u{E9}\",\"e\u{301}\",\"\u{1F436}\",\"\u{98FC}\",\"\\\"\\\\\"]")
        // Canonically equivalent keys are different keys, written as they came.
        #expect(try jcs(#"{"e\u0301": 1, "\u00e9": 2}"#) == "{\"e\u{301}\":1,\"\u{E9}\":2}")
    }

    // MARK: Refused input

    @Test("input that is not I-JSON is refused in one line naming the byte offset", arguments: [
        (#"{"a": 1, "a": 2}"#, 9, "duplicate key \"a\""),
        (#"{"a": {"b": 1, "b": 1}}"#, 15, "duplicate key \"b\""),
        (#"["\ud800"]"#, 2, "lone high surrogate"),
        (#"["\ud800\u0041"]"#, 2, "lone high surrogate"),
        (#"["\udc00"]"#, 2, "lone low surrogate"),
        (#"[NaN]"#, 1, "NaN and Infinity are not JSON numbers"),
        (#"[Infinity]"#, 1, "NaN and Infinity are not JSON numbers"),
        (#"[-Infinity]"#, 1, "-Infinity is not a JSON number"),
        (#"[nan]"#, 1, "a value was expected"),
        (#"[1, 2,]"#, 6, "trailing comma"),
        (#"{"a": 1,}"#, 8, "trailing comma"),
        (#"[01]"#, 1, "leading zero"),
        (#"[-01]"#, 1, "leading zero"),
        (#"[1.]"#, 3, "a digit was expected after '.'"),
        (#"[.5]"#, 1, "a value was expected"),
        (#"[1e]"#, 3, "a digit was expected in the exponent"),
        (#"[+1]"#, 1, "a value was expected"),
        (#"[1e400]"#, 1, "outside the range of a double"),
        (#"[-1e400]"#, 1, "outside the range of a double"),
        (#"[1e-400]"#, 1, "would become 0"),
        (#"{"a": 1} x"#, 9, "unexpected 'x' after the JSON value"),
        (#"{"a": 1}{}"#, 8, "after the JSON value"),
        (#"{"a" 1}"#, 5, "':' was expected"),
        (#"{a: 1}"#, 1, "an object key (a string) was expected"),
        (#"['a']"#, 1, "a value was expected"),
        (#"["a\x"]"#, 3, "unknown escape \\x"),
        (#"["\u12"]"#, 2, "four hex digits"),
        ("[\"a\u{1}\"]", 3, "raw control character 0x1"),
        ("[\"\u{FFFF}\"]", 2, "noncharacter"),
        (#"["\ufdd0"]"#, 2, "noncharacter"),
        (#"["abc"#, 1, "not closed"),
        (#"[1, 2"#, 5, "not closed"),
        (#"[tru]"#, 1, "a value was expected"),
        ("", 0, "no JSON value"),
        ("  \n", 3, "no JSON value"),
        ("// comment\n{}", 0, "a value was expected"),
    ] as [(String, Int, String)])
    func refused(text: String, offset: Int, reason: String) {
        let error = #expect(throws: JSONParseError.self) { try CanonicalJSON.parse(Array(text.utf8)) }
        #expect(error?.offset == offset, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description == "invalid JSON at byte \(offset): \(error?.reason ?? "")")
        #expect(error?.description.contains("\n") == false)
    }

    @Test("bytes that are not UTF-8 are refused", arguments: [
        [0x5B, 0x22, 0xFF, 0x22, 0x5D],              // never valid
        [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D],        // overlong '/'
        [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D],  // an encoded surrogate
        [0x5B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x5D],  // above U+10FFFF
        [0x5B, 0x22, 0xE2, 0x82, 0x22, 0x5D],        // cut short
        [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],              // a byte order mark
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try CanonicalJSON.parse(bytes) }
    }

    @Test("nesting deeper than the limit is refused, not a stack overflow")
    func deepNesting() throws {
        #expect(throws: JSONParseError.self) { try CanonicalJSON.parse(Array((String(repeating: "[", count: 100_000)).utf8)) }
        #expect(try jcs(String(repeating: "[", count: 200) + String(repeating: "]", count: 200)).count == 400)
    }

    @Test("a schema file that is not I-JSON is refused with the file and the byte offset")
    func schemaRefused() {
        let error = #expect(throws: SchemaError.self) {
            try schema(#"{"fields": [{"name": "a", "type": "integer", "name": "b"}]}"#)
        }
        #expect(error?.description == #"schemas/s/t.json: invalid JSON at byte 45: duplicate key "name""#)
    }

    // MARK: The schema hash

    static let base = #"""
        {
          "name": "t",
          "title": "Rates",
          "fields": [
            {"name": "id", "type": "integer", "constraints": {"required": true, "minimum": 1, "maximum": 100}},
            {"name": "rate", "type": "number", "opslake": {"scale": 2}, "constraints": {"minimum": 0.5, "enum": [0.5, 1, 2.25]}},
            {"name": "note", "description": "NT$/kg \u98fc\u6599", "constraints": {"maxLength": 10}}
          ],
          "primaryKey": ["id"],
          "x-extra": {"flag": true, "n": 1},
          "opslake": {"version": 1, "partition": "event"}
        }
        """#

    @Test("whitespace, key order, escapes and number spelling do not change the hash", arguments: [
        // Compact, keys reordered everywhere.
        #"{"opslake":{"partition":"event","version":1},"x-extra":{"n":1,"flag":true},"primaryKey":["id"],"#
            + #""fields":[{"constraints":{"maximum":100,"minimum":1,"required":true},"type":"integer","name":"id"},"#
            + #"{"constraints":{"enum":[0.5,1,2.25],"minimum":0.5},"opslake":{"scale":2},"type":"number","name":"rate"},"#
            + #"{"constraints":{"maxLength":10},"description":"NT$/kg 飼料","name":"note"}],"title":"Rates","name":"t"}"#,
        // Numbers spelt another way: 1 as 1.0, 1e0, 10E-1; 0.5 as 5e-1; 100 as 1e2.
        #"{"name": "t", "title": "Rates", "fields": [{"name": "id", "type": "integer", "constraints": {"required": true, "#
            + #""minimum": 1, "maximum": 100}}, {"name": "rate", "type": "number", "opslake": {"scale": 2}, "#
            + #""constraints": {"minimum": 5e-1, "enum": [0.50, 1e0, 225E-2]}}, {"name": "note", "#
            + #""description": "NT$\/kg \u98FC\u6599", "constraints": {"maxLength": 10}}], "primaryKey": ["id"], "#
            + #""x-extra": {"flag": true, "n": 10E-1}, "opslake": {"version": 1, "partition": "event"}}"#,
        // Tabs and CRLF between tokens, every character escaped where it can be.
        "{\r\n\t\"name\"\t:\t\"\\u0074\",\r\n\"title\":\"Rates\",\"fields\":[{\"name\":\"id\",\"type\":\"integer\",\"constraints\":"
            + "{\"required\":true,\"minimum\":1.0,\"maximum\":100.000}},{\"name\":\"rate\",\"type\":\"number\",\"opslake\":{\"scale\":2},"
            + "\"constraints\":{\"minimum\":0.5,\"enum\":[0.5,1,2.25]}},{\"name\":\"note\",\"description\":\"NT\\u0024\\/kg 飼料\","
            + "\"constraints\":{\"maxLength\":10}}],\"primaryKey\":[\"id\"],\"x-extra\":{\"flag\":true,\"n\":1},"
            + "\"opslake\":{\"version\":1,\"partition\":\"event\"}}\r\n",
    ])
    func sameMeaningSameHash(variant: String) throws {
        let a = try schema(Self.base)
        let b = try schema(variant)
        #expect(a.hash == b.hash)
        #expect(a.canonicalJSON == b.canonicalJSON)
        #expect(a.fields == b.fields)
    }

    @Test("any change of meaning changes the hash", arguments: [
        ("\"name\": \"note\"", "\"name\": \"notes\""),                                        // a field renamed
        ("\"type\": \"integer\"", "\"type\": \"number\""),                                      // a type changed
        ("\"maximum\": 100", "\"maximum\": 101"),                                              // a constraint changed
        ("\"minimum\": 0.5", "\"minimum\": 0.75"),
        ("\"maxLength\": 10", "\"maxLength\": 10, \"minLength\": 1"),                         // a constraint added
        ("\"title\": \"Rates\"", "\"title\": \"Rated\""),                                     // one character of a string
        ("NT$/kg", "NT$/kG"),
        ("NT$/kg", "NT$/kg "),
        ("\\u98fc", "e\\u0301"),                                                               // another normalisation
        ("\"flag\": true", "\"flag\": 1"),                                                     // true vs 1
        ("\"flag\": true", "\"flag\": \"true\""),
        ("\"n\": 1", "\"n\": null"),
        ("\"n\": 1", "\"n\": -1"),
        ("\"enum\": [0.5, 1, 2.25]", "\"enum\": [1, 0.5, 2.25]"),                             // array order counts
        ("\"primaryKey\": [\"id\"]", "\"primaryKey\": \"id\""),                               // the same to OpsLake, not to JSON
        ("\"opslake\": {\"version\": 1, ", "\"opslake\": {\"version\": 2, "),
    ])
    func otherMeaningOtherHash(from: String, to: String) throws {
        #expect(Self.base.contains(from))
        let a = try schema(Self.base)
        let b = try schema(Self.base.replacingOccurrences(of: from, with: to))
        #expect(a.hash != b.hash, "\(from) → \(to)")
    }

    @Test("canonicalJSON is the JCS text, and read back as a schema it gives the same schema and hash")
    func roundTrip() throws {
        var all = [try schema(Self.base)]
        all += try SchemaRegistry(directory: schemasDirectory).schemas.values.sorted { $0.dataset < $1.dataset }
        for s in all {
            #expect(try s.hash == SHA256.hash(Array(s.canonicalJSON.utf8)))
            #expect(try jcs(s.canonicalJSON) == s.canonicalJSON)
            let again = try TableSchema(dataset: s.dataset, json: Data(s.canonicalJSON.utf8), file: "catalogue")
            #expect(again == s, "\(s.dataset)")
            #expect(again.hash == s.hash && again.canonicalJSON == s.canonicalJSON)
        }
    }

    @Test("legacyHash is the format-1 hash: Foundation's sorted-keys serialisation, which escapes /")
    func legacyHash() throws {
        // Computed by the format-1 code for this document; JCS writes / unescaped, so the two differ.
        let document = #"{"name": "t", "fields": [{"name": "a", "description": "a/b"}]}"#
        let s = try schema(document)
        #expect(s.canonicalJSON == #"{"fields":[{"description":"a/b","name":"a"}],"name":"t"}"#)
        let format1 = #"{"fields":[{"description":"a\/b","name":"a"}],"name":"t"}"#
        let legacy = try TableSchema.legacyHash(json: Data(document.utf8), file: "test")
        #expect(try legacy == SHA256.hash(Array(format1.utf8)))
        #expect(s.hash != legacy)
        // order_items.json as lake format 1 recorded it.
        let orderItems = try Data(contentsOf: URL(fileURLWithPath: schemasDirectory + "/petshop/order_items.json"))
        #expect(try TableSchema.legacyHash(json: orderItems, file: "order_items.json") == "9979ad931438c44cb126ace2dcff11072de10ab205e91630cc42142803c8bf61")
    }

    // MARK: docs/schema-hash.md

    static let document = repositoryRoot + "/docs/schema-hash.md"

    /// The fenced blocks of `text` with the given info string, in order.
    static func blocks(_ info: String, in text: String) -> [String] {
        text.components(separatedBy: "```\(info)\n").dropFirst().map { $0.components(separatedBy: "\n```").first! }
    }

    @Test("docs/schema-hash.md: every test vector and every built-in schema's hash match the code")
    func schemaHashDocument() throws {
        let doc = try String(contentsOfFile: Self.document, encoding: .utf8)
        let section = try #require(doc.components(separatedBy: "\n## Test vectors\n").dropFirst().first?
            .components(separatedBy: "\n## ").first)
        let vectors = section.components(separatedBy: "\n### ").dropFirst()
        #expect(vectors.count >= 4)
        for vector in vectors {
            let title = vector.prefix { $0 != "\n" }
            let inputs = Self.blocks("json", in: vector)
            let canonical = Self.blocks("jcs", in: vector)
            #expect(inputs.count >= 2 && canonical.count == 1, "\(title)")
            let hash = vector.components(separatedBy: "SHA-256: `").dropFirst().first?.prefix(64)
            for input in inputs {
                #expect(try jcs(input) == canonical.first, "\(title)")
                _ = try schema(input)  // each vector is a schema OpsLake accepts
            }
            #expect(try hash.map(String.init) == canonical.first.map { try SHA256.hash(Array($0.utf8)) }, "\(title)")
            #expect(vector.contains("Canonical form (\(canonical.first?.utf8.count ?? 0) bytes)"), "\(title)")
        }

        let registry = try SchemaRegistry(directory: schemasDirectory)
        let table = registry.schemas.values.sorted { $0.dataset < $1.dataset }.map { "| `\($0.dataset)` | `\($0.hash)` |" }
        let listed = doc.split(separator: "\n").filter { $0.hasPrefix("| `") && $0.contains(".") }.map(String.init)
        #expect(listed == table, "docs/schema-hash.md must list:\n\(table.joined(separator: "\n"))")
    }

    @Test("the Python snippet in docs/table-schemas.md is the one in docs/schema-hash.md")
    func snippetsAgree() throws {
        let spec = Self.blocks("python", in: try String(contentsOfFile: Self.document, encoding: .utf8))
        let guide = Self.blocks("python", in: try String(contentsOfFile: repositoryRoot + "/docs/table-schemas.md", encoding: .utf8))
        #expect(spec.count == 1 && spec == guide)
    }
}

/// Other implementations of the same scheme, run when they are installed.
@Suite struct CanonicalJSONInteropTests {
    @Test("Python (the documented snippet) computes the same hash for every built-in schema and every test vector",
          .enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON (make test sets it); only its standard library is used"))
    func pythonAgrees() throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let doc = try String(contentsOfFile: CanonicalJSONTests.document, encoding: .utf8)
        let script = dir.path + "/jcs.py"
        try Data(try #require(CanonicalJSONTests.blocks("python", in: doc).first).utf8).write(to: URL(fileURLWithPath: script))

        var expected: [String: String] = [:]
        let registry = try SchemaRegistry(directory: schemasDirectory)
        for s in registry.schemas.values {
            expected["\(schemasDirectory)/\(s.dataset.schema)/\(s.dataset.table).json"] = s.hash
        }
        for (i, input) in CanonicalJSONTests.blocks("json", in: doc).enumerated() {
            let path = dir.path + "/vector-\(i).json"
            try Data(input.utf8).write(to: URL(fileURLWithPath: path))
            expected[path] = try schema(input).hash
        }
        let sample = dir.path + "/sample.json"
        try Data(CanonicalJSONTests.base.utf8).write(to: URL(fileURLWithPath: sample))
        expected[sample] = try schema(CanonicalJSONTests.base).hash

        let r = try runProcess(py, [script] + expected.keys.sorted())
        try #require(r.status == 0, "\(r.stderr)")
        var got: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            got[String(parts[1])] = String(parts[0])
        }
        #expect(got == expected)
    }

    @Test("node's Number.prototype.toString writes every one of 20,000 random doubles as numberText does",
          .enabled(if: node != nil, "needs node on the PATH"))
    func nodeNumbers() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var g = SplitMix64(seed: 8785)
        var values: [Double] = []
        while values.count < 20_000 {
            var bits = g.next()
            if values.count % 2 == 1 {  // half of them near 1, where the layouts change
                bits = (bits & 0x800F_FFFF_FFFF_FFFF) | (UInt64(990 + g.next() % 110) << 52)
            }
            let d = Double(bitPattern: bits)
            if d.isFinite { values.append(d) }
        }
        let input = dir.path + "/bits.txt"
        try Data(values.map { String($0.bitPattern, radix: 16) }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: input))
        let script = """
            const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\\n");
            const b = Buffer.alloc(8);
            console.log(lines.map(h => { b.writeBigUInt64BE(BigInt("0x" + h)); return String(b.readDoubleBE(0)); }).join("\\n"));
            """
        let r = try runProcess(try #require(node), ["-e", script, input])
        try #require(r.status == 0, "\(r.stderr)")
        let theirs = r.stdout.split(separator: "\n").map(String.init)
        try #require(theirs.count == values.count)
        var mismatches = 0
        for (d, t) in zip(values, theirs) where CanonicalJSON.numberText(d) != t {
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(String(d.bitPattern, radix: 16)): \(CanonicalJSON.numberText(d)), node \(t)") }
        }
        #expect(mismatches == 0)
    }
}
