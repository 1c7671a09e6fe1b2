/// Writes rows as CSV in the lake's dialect.
///
/// RFC 4180 with `\n` line ends and UTF-8 passed through untouched. A field is
/// quoted only when it holds a comma, a quote, CR or LF, and quotes are doubled.
/// NULL is an empty field; an empty string is `""`, so the two stay distinct
/// for PostgreSQL's `COPY … CSV` (which reads them the same way).
public struct CSVEncoder: Sendable {
    public let columns: [Column]

    public init(columns: [Column]) { self.columns = columns }

    /// Appends the header line.
    public func encodeHeader(into out: ByteBuffer) {
        for (i, column) in columns.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendText(column.name, into: out)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends one row; `row` has one value per column, in column order.
    public func encode(_ row: [Value], into out: ByteBuffer) {
        var first = true
        for value in row {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            Self.append(value, into: out)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends one value as a CSV field.
    public static func append(_ value: Value, into out: ByteBuffer) {
        switch value {
        case .null: break
        case .bool(let b): out.append(utf8: b ? "true" : "false")
        case .int(let i): out.append(decimal: i)
        case .decimal(let d): out.append(decimal: d)
        case .double(let d): out.append(double: d)
        case .string(let s): appendText(s, into: out)
        case .date(let d): out.append(date: d)
        case .timestamp(let t): out.append(timestamp: t)
        }
    }

    static func appendText(_ string: String, into out: ByteBuffer) {
        string.withUTF8Bytes { utf8 in
            if utf8.isEmpty {
                out.append(UInt8(ascii: "\""))
                out.append(UInt8(ascii: "\""))
                return
            }
            var needsQuotes = false
            for byte in utf8 where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
                needsQuotes = true
                break
            }
            guard needsQuotes else {
                out.append(UnsafeRawBufferPointer(utf8))
                return
            }
            // Quoted: each quote doubled, the runs between quotes copied whole.
            out.append(UInt8(ascii: "\""))
            var run = 0
            for i in utf8.indices where utf8[i] == 0x22 {
                out.append(UnsafeRawBufferPointer(start: utf8.baseAddress! + run, count: i + 1 - run))
                out.append(0x22)
                run = i + 1
            }
            if utf8.count > run { out.append(UnsafeRawBufferPointer(start: utf8.baseAddress! + run, count: utf8.count - run)) }
            out.append(UInt8(ascii: "\""))
        }
    }
}
