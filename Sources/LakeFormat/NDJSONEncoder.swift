/// Writes rows as newline-delimited JSON: one object per line, keys in column order.
///
/// NULL is JSON `null` and an empty string `""`. Strings are escaped per RFC 8259:
/// quote, backslash and every control character below U+0020; everything else,
/// Traditional Chinese and emoji included, passes through as UTF-8.
public struct NDJSONEncoder: Sendable {
    public let columns: [Column]
    /// `{"name":` for the first column and `,"name":` for the rest, precomputed.
    let keyPrefixes: [[UInt8]]

    public init(columns: [Column]) {
        self.columns = columns
        keyPrefixes = columns.enumerated().map { i, column in
            let out = ByteBuffer(capacity: 64)
            out.append(i == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            Self.appendString(column.name, into: out)
            out.append(UInt8(ascii: ":"))
            return out.array
        }
    }

    /// Appends one row as a JSON object and a line feed.
    public func encode(_ row: [Value], into out: ByteBuffer) {
        if row.isEmpty { out.append(UInt8(ascii: "{")) }
        for (i, value) in row.enumerated() {
            keyPrefixes[i].withUnsafeBytes { out.append($0) }
            Self.append(value, into: out)
        }
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends one value as JSON.
    public static func append(_ value: Value, into out: ByteBuffer) {
        switch value {
        case .null: out.append(utf8: "null")
        case .bool(let b): out.append(utf8: b ? "true" : "false")
        case .int(let i): out.append(decimal: i)
        case .decimal(let d): out.append(decimal: d)
        case .double(let d): out.append(double: d)
        case .string(let s): appendString(s, into: out)
        case .date(let d):
            out.append(UInt8(ascii: "\""))
            out.append(date: d)
            out.append(UInt8(ascii: "\""))
        case .timestamp(let t):
            out.append(UInt8(ascii: "\""))
            out.append(timestamp: t)
            out.append(UInt8(ascii: "\""))
        }
    }

    static func appendString(_ string: String, into out: ByteBuffer) {
        string.withUTF8Bytes { utf8 in
            out.append(UInt8(ascii: "\""))
            // Runs of bytes that need no escape are copied whole: a JSON payload held as
            // a string has a quote every few bytes, and its runs are what take the time.
            var run = 0
            for i in utf8.indices {
                let byte = utf8[i]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if i > run { out.append(UnsafeRawBufferPointer(start: utf8.baseAddress! + run, count: i - run)) }
                appendEscaped(byte, into: out)
                run = i + 1
            }
            if utf8.count > run { out.append(UnsafeRawBufferPointer(start: utf8.baseAddress! + run, count: utf8.count - run)) }
            out.append(UInt8(ascii: "\""))
        }
    }

    static let hex = Array("0123456789abcdef".utf8)

    static func appendEscaped(_ byte: UInt8, into out: ByteBuffer) {
        switch byte {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
        case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
        case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
        case ..<0x20:
            out.append(utf8: "\\u00")
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        default: out.append(byte)
        }
    }
}
