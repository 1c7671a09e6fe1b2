public import LakeFormat

/// A configuration value as TOML writes it.
public enum TOMLValue: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case date(LakeDate)
    case array([TOMLValue])
    /// An inline table, keys in the order written.
    case table([TOMLPair])

    /// TOML syntax for the value, as `config show` prints it.
    public var description: String {
        switch self {
        case .string(let s): return TOMLValue.quote(s)
        case .integer(let i): return String(i)
        case .float(let d):
            let text = String(d)
            return text.contains(".") || text.contains("e") || text.contains("n") ? text : text + ".0"
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .table(let pairs): return "{ " + pairs.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + " }"
        }
    }

    /// The kind's name in messages ("an integer", "an array").
    public var kind: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "true or false"
        case .date: "a date"
        case .array: "an array"
        case .table: "a table"
        }
    }

    public var number: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .float(let d): d
        default: nil
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

public struct TOMLPair: Hashable, Sendable {
    public var key: String
    public var value: TOMLValue
    public init(_ key: String, _ value: TOMLValue) {
        self.key = key
        self.value = value
    }
}

/// A TOML document that could not be read, with the line at fault.
public struct TOMLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Reads the part of TOML 1.0 a configuration file needs: comments, `[table]`
/// headers, bare and dotted keys, strings, integers, floats, booleans, local dates,
/// arrays and inline tables. Arrays of tables and date-times are refused with a
/// clear message rather than misread.
///
/// Written by hand: the listed TOML package (TOMLKit) wraps a C++ library whose
/// build would cost more than this file, and its errors do not carry our wording.
public enum TOML {
    /// Parses `text` into dotted keys (`petshop.multi_buy.orders_per_day`) and their
    /// values, each with the line it was set on.
    public static func parse(_ text: String) throws(TOMLError) -> [(key: String, value: TOMLValue, line: Int)] {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.document()
    }

    /// Parses a single value, as an environment variable holds one.
    public static func parseValue(_ text: String) throws(TOMLError) -> TOMLValue {
        var parser = Parser(bytes: Array(text.utf8))
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.atEnd else { throw parser.error("unexpected text after the value") }
        return value
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0
        var line = 1

        var atEnd: Bool { i >= bytes.count }
        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        func error(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

        mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x09 { i += 1 }
        }

        /// Skips spaces, comments and newlines (inside arrays).
        mutating func skipBlank() {
            while let c = peek {
                if c == 0x20 || c == 0x09 || c == 0x0D { i += 1 }
                else if c == 0x0A { i += 1; line += 1 }
                else if c == UInt8(ascii: "#") { while let d = peek, d != 0x0A { i += 1 } }
                else { break }
            }
        }

        mutating func endOfLine() throws(TOMLError) {
            skipSpace()
            if peek == UInt8(ascii: "#") { while let d = peek, d != 0x0A { i += 1 } }
            if peek == 0x0D { i += 1 }
            guard atEnd || peek == 0x0A else { throw error("expected the end of the line") }
            if !atEnd { i += 1; line += 1 }
        }

        mutating func document() throws(TOMLError) -> [(key: String, value: TOMLValue, line: Int)] {
            var out: [(key: String, value: TOMLValue, line: Int)] = []
            var seen = Set<String>()
            var prefix = ""
            while true {
                skipBlank()
                guard let c = peek else { return out }
                if c == UInt8(ascii: "[") {
                    i += 1
                    if peek == UInt8(ascii: "[") { throw error("arrays of tables ([[...]]) are not supported; use an array of inline tables") }
                    skipSpace()
                    let name = try key()
                    skipSpace()
                    guard peek == UInt8(ascii: "]") else { throw error("expected ] to close the table header") }
                    i += 1
                    prefix = name + "."
                    try endOfLine()
                } else {
                    let k = prefix + (try key())
                    skipSpace()
                    guard peek == UInt8(ascii: "=") else { throw error("expected = after the key \(k)") }
                    i += 1
                    skipSpace()
                    let at = line
                    let v = try value()
                    guard seen.insert(k).inserted else { throw TOMLError(line: at, message: "\(k) is set twice") }
                    out.append((k, v, at))
                    try endOfLine()
                }
            }
        }

        /// A bare or dotted key: `a`, `a.b_c`.
        mutating func key() throws(TOMLError) -> String {
            var parts: [String] = []
            while true {
                skipSpace()
                let start = i
                while let c = peek, Parser.isBareKey(c) { i += 1 }
                guard i > start else {
                    if peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "'") { throw error("quoted keys are not supported; keys are letters, digits, _ and -") }
                    throw error("expected a key")
                }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
                skipSpace()
                if peek == UInt8(ascii: ".") { i += 1 } else { break }
            }
            return parts.joined(separator: ".")
        }

        static func isBareKey(_ c: UInt8) -> Bool {
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
        }

        mutating func value() throws(TOMLError) -> TOMLValue {
            guard let c = peek else { throw error("expected a value") }
            switch c {
            case UInt8(ascii: "\""): return .string(try basicString())
            case UInt8(ascii: "'"): return .string(try literalString())
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "{"): return try inlineTable()
            default: return try scalar()
            }
        }

        mutating func basicString() throws(TOMLError) -> String {
            i += 1
            if peek == UInt8(ascii: "\""), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                throw error("multi-line strings are not supported")
            }
            var out: [UInt8] = []
            while true {
                guard let c = peek, c != 0x0A else { throw error("unterminated string") }
                i += 1
                if c == UInt8(ascii: "\"") { break }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard let e = peek else { throw error("unterminated string") }
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(e)
                case UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let n = e == UInt8(ascii: "u") ? 4 : 8
                    guard i + n <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + n], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(v) else { throw error("bad \\u escape") }
                    i += n
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("unknown escape \\\(Character(Unicode.Scalar(e)))")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
            return s
        }

        mutating func literalString() throws(TOMLError) -> String {
            i += 1
            let start = i
            while let c = peek, c != UInt8(ascii: "'") {
                if c == 0x0A { throw error("unterminated string") }
                i += 1
            }
            guard !atEnd else { throw error("unterminated string") }
            defer { i += 1 }
            guard let s = String(validating: bytes[start..<i], as: UTF8.self) else { throw error("a string is not valid UTF-8") }
            return s
        }

        mutating func array() throws(TOMLError) -> TOMLValue {
            i += 1
            var items: [TOMLValue] = []
            while true {
                skipBlank()
                if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                items.append(try value())
                skipBlank()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "]") else { throw error("expected , or ] in an array") }
            }
        }

        mutating func inlineTable() throws(TOMLError) -> TOMLValue {
            i += 1
            var pairs: [TOMLPair] = []
            skipSpace()
            if peek == UInt8(ascii: "}") { i += 1; return .table(pairs) }
            while true {
                skipSpace()
                let k = try key()
                skipSpace()
                guard peek == UInt8(ascii: "=") else { throw error("expected = after \(k) in an inline table") }
                i += 1
                skipSpace()
                let v = try value()
                guard !pairs.contains(where: { $0.key == k }) else { throw error("\(k) is set twice in an inline table") }
                pairs.append(TOMLPair(k, v))
                skipSpace()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "}") else { throw error("expected , or } in an inline table") }
                i += 1
                return .table(pairs)
            }
        }

        /// Numbers, booleans and dates: a run of characters up to a delimiter.
        mutating func scalar() throws(TOMLError) -> TOMLValue {
            let start = i
            while let c = peek, !(c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: ",")
                                  || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") || c == UInt8(ascii: "#")) { i += 1 }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if text == "true" { return .boolean(true) }
            if text == "false" { return .boolean(false) }
            if text.isEmpty { throw error("expected a value") }
            if let d = LakeDate(text) { return .date(d) }
            if text.count > 10, LakeDate(text.prefix(10)) != nil { throw error("date-times are not supported; write a date, YYYY-MM-DD") }
            let plain = text.filter { $0 != "_" }
            if let n = Int64(plain) { return .integer(n) }
            if plain.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let d = Double(plain), d.isFinite { return .float(d) }
            throw error("\(text) is not a value (strings need quotes)")
        }
    }
}
