/// The JSON Canonicalization Scheme (JCS, RFC 8785, https://www.rfc-editor.org/rfc/rfc8785)
/// and the strict I-JSON (RFC 7493) parser it needs. The schema hash is the SHA-256 of
/// a document's JCS form (docs/schema-hash.md), so the bytes this file writes must not
/// depend on the Swift toolchain or on Foundation.
///
/// Why by hand: Foundation's `JSONSerialization` gives no control over how numbers and
/// strings are written (it escapes `/`, and its number text is its own), it may change
/// with any toolchain, and on Linux it returns `true` and `1` as the same `NSNumber`, so
/// a parse through it cannot tell a boolean from a number. No package in the project's
/// reach implements JCS. The parser and the serializer below are small, and every rule
/// is checked against the RFC's own examples in `Tests/TableSchemaTests`.

/// A parsed JSON value. Numbers are IEEE 754 doubles, as I-JSON and JCS require.
/// Object members keep their document order; JCS sorts them when it writes them.
public indirect enum JSONValue: Sendable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
}

/// One member of a JSON object.
public struct JSONMember: Sendable {
    public var key: String
    public var value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// Input that is not I-JSON: the byte offset (from 0) where it went wrong, and why.
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }
    /// One line: `invalid JSON at byte 17: duplicate key "name"`.
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

public enum CanonicalJSON {
    /// Parses `bytes` as one I-JSON value (RFC 7493 over RFC 8259): valid UTF-8 without a
    /// byte order mark, no duplicate keys, no lone surrogates or noncharacters, numbers
    /// that are finite doubles (neither overflowing nor a non-zero that underflows to 0),
    /// nothing but whitespace after the value.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = Parser(bytes: Array(bytes))
        return try parser.document()
    }

    /// The JCS bytes of `value` (RFC 8785 §3.2): no whitespace, object members sorted by
    /// the UTF-16 code units of their keys, strings as in §3.2.2.2 and numbers as in §3.2.2.3.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    /// Parses `bytes` and returns their JCS form.
    public static func canonicalize(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> [UInt8] {
        serialize(try parse(bytes))
    }

    // MARK: Serializing

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let d): out += numberText(d).utf8
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            for (i, m) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(m.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8785 §3.2.2.2: `"` and `\` and the five controls with a short form are
    /// escaped as `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`; any other byte below 0x20 as
    /// `\u00xx` in lowercase hex; everything else, `/` and DEL included, as raw UTF-8.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A finite double as ECMAScript's `Number.prototype.toString` writes it (RFC 8785
    /// §3.2.2.3, ECMA-262 Number::toString): the shortest digits that read back as the
    /// same double, laid out by the decimal exponent. `-0` is `0`.
    ///
    /// The digits come from Swift's `Double.description`, which prints the shortest
    /// round-trip digits (closest to the exact value when several are as short); only
    /// their layout is Swift's own, and it is discarded here.
    public static func numberText(_ value: Double) -> String {
        precondition(value.isFinite, "JSON has no \(value)")
        if value == 0 { return "0" }
        // Swift writes forms such as 1.0, 0.001, 1e-07, 5e-324, 1.7976931348623157e+308.
        let text = value.magnitude.description.utf8
        var digits: [UInt8] = []
        var fractionDigits = 0
        var exponent = 0
        var pointSeen = false
        var index = text.startIndex
        while index != text.endIndex {
            let c = text[index]
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[text.index(after: index)...], as: UTF8.self))!
                break
            }
            if c == UInt8(ascii: ".") {
                pointSeen = true
            } else {
                digits.append(c)
                if pointSeen { fractionDigits += 1 }
            }
            index = text.index(after: index)
        }
        // The value is digits × 10^(exponent − fractionDigits); make the digits s of the
        // ES algorithm: no leading or trailing zeros, value = 0.s × 10^n.
        var scale = exponent - fractionDigits
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            scale += 1
        }
        let firstNonZero = digits.firstIndex { $0 != UInt8(ascii: "0") }!
        digits.removeFirst(firstNonZero)
        let k = digits.count
        let n = scale + k

        var out: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
        if k <= n && n <= 21 {
            out += digits
            out += repeatElement(UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            out += digits[..<n]
            out.append(UInt8(ascii: "."))
            out += digits[n...]
        } else if -6 < n && n <= 0 {
            out += "0.".utf8
            out += repeatElement(UInt8(ascii: "0"), count: -n)
            out += digits
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += digits[1...]
            }
            out += (n - 1 < 0 ? "e-" : "e+").utf8
            out += String((n - 1).magnitude).utf8
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: - Parsing

extension CanonicalJSON {
    struct Parser {
        let bytes: [UInt8]
        var at = 0
        /// Deeper nesting is refused, so a hostile file cannot exhaust the stack.
        static let maxDepth = 256

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
            JSONParseError(offset: offset ?? at, reason)
        }

        /// What stands at `offset`, for a message: `'x'`, `byte 0xc3` or `the end of the input`.
        func shown(_ offset: Int) -> String {
            guard offset < bytes.count else { return "the end of the input" }
            let b = bytes[offset]
            return (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        }

        mutating func document() throws(JSONParseError) -> JSONValue {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                throw fail("a UTF-8 byte order mark; I-JSON text must not start with one")
            }
            skipWhitespace()
            guard at < bytes.count else { throw fail("no JSON value, only whitespace or nothing") }
            let value = try self.value(depth: 0)
            skipWhitespace()
            guard at == bytes.count else { throw fail("unexpected \(shown(at)) after the JSON value") }
            return value
        }

        mutating func skipWhitespace() {
            while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard at < bytes.count else { throw fail("unexpected end of the input; a value was expected") }
            switch bytes[at] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "N"), UInt8(ascii: "I"):
                throw fail("unexpected \(shown(at)); NaN and Infinity are not JSON numbers")
            default: throw fail("unexpected \(shown(at)); a value was expected")
            }
        }

        mutating func literal(_ word: String) throws(JSONParseError) {
            let w = Array(word.utf8)
            guard bytes.count - at >= w.count, Array(bytes[at..<at + w.count]) == w else {
                throw fail("unexpected \(shown(at)); a value was expected")
            }
            at += w.count
        }

        mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels deep") }
            at += 1  // {
            var members: [JSONMember] = []
            var keys = Set<[UInt8]>()  // by bytes: Swift's String equality would merge canonically equivalent keys
            skipWhitespace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
                at += 1
                return .object([])
            }
            while true {
                skipWhitespace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else {
                    throw fail("unexpected \(shown(at)); an object key (a string) was expected")
                }
                let keyStart = at
                let key = try string()
                guard keys.insert(Array(key.utf8)).inserted else {
                    var shownKey: [UInt8] = []
                    CanonicalJSON.writeString(key, to: &shownKey)
                    throw fail("duplicate key \(String(decoding: shownKey, as: UTF8.self))", at: keyStart)
                }
                skipWhitespace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else {
                    throw fail("unexpected \(shown(at)); ':' was expected after an object key")
                }
                at += 1
                skipWhitespace()
                members.append(JSONMember(key, try value(depth: depth)))
                skipWhitespace()
                guard at < bytes.count else { throw fail("unexpected end of the input; the object is not closed") }
                if bytes[at] == UInt8(ascii: "}") {
                    at += 1
                    return .object(members)
                }
                guard bytes[at] == UInt8(ascii: ",") else { throw fail("unexpected \(shown(at)); ',' or '}' was expected") }
                at += 1
                skipWhitespace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "}") { throw fail("a trailing comma before '}'") }
            }
        }

        mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels deep") }
            at += 1  // [
            var items: [JSONValue] = []
            skipWhitespace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
                at += 1
                return .array([])
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                guard at < bytes.count else { throw fail("unexpected end of the input; the array is not closed") }
                if bytes[at] == UInt8(ascii: "]") {
                    at += 1
                    return .array(items)
                }
                guard bytes[at] == UInt8(ascii: ",") else { throw fail("unexpected \(shown(at)); ',' or ']' was expected") }
                at += 1
                skipWhitespace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "]") { throw fail("a trailing comma before ']'") }
            }
        }

        /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, read
        /// with correct rounding (Swift's `Double(_: String)` is strtod in the C locale).
        mutating func number() throws(JSONParseError) -> Double {
            let start = at
            func digit(_ i: Int) -> Bool { i < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) }
            if bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard digit(at) else {
                if at < bytes.count, bytes[at] == UInt8(ascii: "I") { throw fail("-Infinity is not a JSON number", at: start) }
                throw fail("unexpected \(shown(at)); a digit was expected after '-'")
            }
            var nonZero = false
            if bytes[at] == UInt8(ascii: "0") {
                at += 1
                if digit(at) { throw fail("a number with a leading zero; JSON does not allow them", at: start) }
            } else {
                while digit(at) { nonZero = true; at += 1 }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                at += 1
                guard digit(at) else { throw fail("unexpected \(shown(at)); a digit was expected after '.'") }
                while digit(at) {
                    if bytes[at] != UInt8(ascii: "0") { nonZero = true }
                    at += 1
                }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                at += 1
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                guard digit(at) else { throw fail("unexpected \(shown(at)); a digit was expected in the exponent") }
                while digit(at) { at += 1 }
            }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw fail("the number \(text) is outside the range of a double", at: start)
            }
            if value == 0 && nonZero {
                throw fail("the number \(text) is too small for a double and would become 0", at: start)
            }
            return value
        }

        mutating func string() throws(JSONParseError) -> String {
            let start = at
            at += 1  // "
            var out: [UInt8] = []
            while true {
                guard at < bytes.count else { throw fail("the string is not closed", at: start) }
                let b = bytes[at]
                switch b {
                case UInt8(ascii: "\""):
                    at += 1
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    try escape(into: &out)
                case 0..<0x20:
                    throw fail("a raw control character 0x\(String(b, radix: 16)) in a string; write it as \\u00\(b < 16 ? "0" : "")\(String(b, radix: 16))")
                case 0..<0x80:
                    out.append(b)
                    at += 1
                default:
                    let scalarStart = at
                    let scalar = try utf8Scalar()
                    try checkScalar(scalar, at: scalarStart)
                    out += bytes[scalarStart..<at]
                }
            }
        }

        /// One backslash escape, `at` on the backslash.
        mutating func escape(into out: inout [UInt8]) throws(JSONParseError) {
            let start = at
            at += 1
            guard at < bytes.count else { throw fail("the string is not closed") }
            let c = bytes[at]
            at += 1
            switch c {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var unit = try hex4(escapeAt: start)
                if (0xDC00...0xDFFF).contains(unit) {
                    throw fail("a lone low surrogate \\u\(String(unit, radix: 16)); I-JSON strings must be valid Unicode", at: start)
                }
                if (0xD800...0xDBFF).contains(unit) {
                    let next = at
                    guard bytes.count - at >= 2, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                        throw fail("a lone high surrogate \\u\(String(unit, radix: 16)); I-JSON strings must be valid Unicode", at: start)
                    }
                    at += 2
                    let low = try hex4(escapeAt: next)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw fail("a lone high surrogate \\u\(String(unit, radix: 16)); I-JSON strings must be valid Unicode", at: start)
                    }
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                let scalar = Unicode.Scalar(unit)!
                try checkScalar(scalar, at: start)
                out += String(Character(scalar)).utf8
            default:
                throw fail("an unknown escape \\\(Character(Unicode.Scalar(c))) in a string", at: start)
            }
        }

        /// The four hex digits of a `\u` escape, `at` on the first.
        mutating func hex4(escapeAt start: Int) throws(JSONParseError) -> UInt32 {
            guard bytes.count - at >= 4 else { throw fail("\\u needs four hex digits", at: start) }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[at]
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw fail("\\u needs four hex digits", at: start)
                }
                v = v << 4 | UInt32(d)
                at += 1
            }
            return v
        }

        /// One multi-byte UTF-8 sequence, `at` on its lead byte; refuses overlong forms,
        /// encoded surrogates and anything above U+10FFFF (Unicode 15, table 3-7).
        mutating func utf8Scalar() throws(JSONParseError) -> Unicode.Scalar {
            let start = at
            let lead = bytes[at]
            let count: Int
            var value: UInt32
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: count = 2; value = UInt32(lead & 0x1F)
            case 0xE0: count = 3; value = UInt32(lead & 0x0F); secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: count = 3; value = UInt32(lead & 0x0F)
            case 0xED: count = 3; value = UInt32(lead & 0x0F); secondRange = 0x80...0x9F
            case 0xF0: count = 4; value = UInt32(lead & 0x07); secondRange = 0x90...0xBF
            case 0xF1...0xF3: count = 4; value = UInt32(lead & 0x07)
            case 0xF4: count = 4; value = UInt32(lead & 0x07); secondRange = 0x80...0x8F
            default: throw fail("invalid UTF-8 (byte 0x\(String(lead, radix: 16)) cannot start a character)")
            }
            at += 1
            for i in 1..<count {
                guard at < bytes.count, (i == 1 ? secondRange : 0x80...0xBF).contains(bytes[at]) else {
                    throw fail("invalid UTF-8 (a broken \(count)-byte sequence)", at: start)
                }
                value = value << 6 | UInt32(bytes[at] & 0x3F)
                at += 1
            }
            return Unicode.Scalar(value)!
        }

        /// I-JSON (RFC 7493 §2.1) also refuses noncharacters: U+FDD0...U+FDEF and the
        /// last two code points of every plane.
        func checkScalar(_ s: Unicode.Scalar, at offset: Int) throws(JSONParseError) {
            let v = s.value
            if (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE {
                throw fail("U+\(String(v, radix: 16, uppercase: true)) is a Unicode noncharacter, which I-JSON does not allow", at: offset)
            }
        }
    }
}
