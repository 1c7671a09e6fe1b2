/// A JSON scalar as read from a flat NDJSON object; numbers keep their text so
/// integers, decimals and doubles convert without loss.
public enum JSONScalar: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
}

/// Reads NDJSON lines holding flat objects (scalar values only), as the lake writes them.
///
/// Hand-written because Foundation's `JSONSerialization` returns `NSNumber` for
/// integers, decimals and booleans alike on Linux and builds a dictionary per row;
/// the lake needs exact scalars in key order.
public final class NDJSONReader {
    let input: BufferedBytes
    /// The line (1-based) of the last object returned.
    public private(set) var line = 0
    var scratch: [UInt8] = []

    public init(source: any ByteSource) { input = BufferedBytes(source) }

    /// The next object's members in file order, or nil at the end of input.
    public func next() throws -> [(key: String, value: JSONScalar)]? {
        while try input.peek() == 0x0A {  // tolerate blank lines
            _ = try input.next()
            line += 1
        }
        guard try input.peek() != nil else { return nil }
        line += 1
        var members: [(key: String, value: JSONScalar)] = []
        try skipSpace()
        try expect(UInt8(ascii: "{"))
        try skipSpace()
        if try input.peek() == UInt8(ascii: "}") {
            _ = try input.next()
        } else {
            while true {
                try skipSpace()
                try expect(UInt8(ascii: "\""))
                let key = try string()
                try skipSpace()
                try expect(UInt8(ascii: ":"))
                try skipSpace()
                members.append((key, try scalar()))
                try skipSpace()
                guard let c = try input.next() else { throw error("the object is not closed") }
                if c == UInt8(ascii: "}") { break }
                guard c == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
            }
        }
        try skipSpace()
        switch try input.next() {
        case nil, 0x0A?: return members
        case 0x0D?:
            guard try input.next() == 0x0A else { throw error("a bare carriage return") }
            return members
        default: throw error("text after the object; one object per line")
        }
    }

    func error(_ message: String) -> FormatError { FormatError(.json, "\(message) on line \(line)") }

    func skipSpace() throws {
        while let c = try input.peek(), c == 0x20 || c == 0x09 { _ = try input.next() }
    }

    func expect(_ byte: UInt8) throws {
        guard try input.next() == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'")
        }
    }

    func scalar() throws -> JSONScalar {
        guard let c = try input.peek() else { throw error("a value is missing") }
        switch c {
        case UInt8(ascii: "\""):
            _ = try input.next()
            return .string(try string())
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            scratch.removeAll(keepingCapacity: true)
            while let d = try input.peek(),
                  (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) || d == UInt8(ascii: "-") || d == UInt8(ascii: "+")
                    || d == UInt8(ascii: ".") || d == UInt8(ascii: "e") || d == UInt8(ascii: "E") {
                scratch.append(d)
                _ = try input.next()
            }
            let text = String(decoding: scratch, as: UTF8.self)
            guard Double(text) != nil else { throw error("'\(text)' is not a number") }
            return .number(text)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            throw error("nested objects and arrays are not part of the lake format")
        default:
            throw error("unexpected character")
        }
    }

    func literal(_ word: StaticString) throws {
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for b in bytes where try input.next() != b { throw error("invalid literal") }
    }

    /// The next line's bytes, undecoded (blank lines skipped); nil at the end. For a
    /// reader that parses lines itself (the billiards DWD reads ODS rows with JSONTape).
    public func nextLine(into line: inout [UInt8]) throws -> Bool {
        while try input.line(into: &line) {
            if !line.isEmpty { return true }
        }
        return false
    }

    /// Reads a string body after its opening quote.
    func string() throws -> String {
        // The scratch buffer is moved into a local for the loop (and back after), so the
        // bytes are appended without an access check on the class's property each time.
        var out = scratch
        scratch = []
        out.removeAll(keepingCapacity: true)
        defer { scratch = out }
        while true {
            guard try input.appendPlainRun(into: &out) != nil, let c = try input.next() else { throw error("unterminated string") }
            if out.count > 16 << 20 { throw error("a string longer than 16 MiB") }
            switch c {
            case 0x22:
                guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in a string") }
                return s
            case 0x5C:
                guard let e = try input.next() else { throw error("unterminated escape") }
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard try input.next() == 0x5C, try input.next() == UInt8(ascii: "u") else {
                            throw error("a lone surrogate in \\u escape")
                        }
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("a lone surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw error("an invalid escape")
                }
            default:  // below 0x20
                throw error("a raw control character in a string; escape it")
            }
        }
    }

    func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = try input.next() else { throw error("unterminated escape") }
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw error("an invalid \\u escape")
            }
            v = v << 4 | d
        }
        return v
    }
}
