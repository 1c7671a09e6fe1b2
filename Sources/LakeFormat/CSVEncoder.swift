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
        string.withUTF8Bytes { appendText(utf8: $0, into: out) }
    }

    /// `u` as a field: as it is, unless it holds `,` `"` CR or LF or is empty; then
    /// quoted, each quote doubled, written straight into room for the worst case (a
    /// JSON payload held in a column has a quote every few bytes).
    static func appendText(utf8 u: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        guard u.isEmpty || needsQuotes(u) else {
            out.append(UnsafeRawBufferPointer(u))
            return
        }
        let p = out.reserve(2 * u.count + 2)
        p[0] = 0x22
        var w = 1
        var k = 0
        let n = u.count
        // A word at a time while eight bytes remain: stored whole, then `w` moves past
        // the first quote, doubled (room: w + 8 <= 2k + 9 <= 2n + 2).
        if let src = u.baseAddress {
            while k &+ 8 <= n {
                let word = WordScan.load(src + k)
                let m = WordScan.equal(word, 0x22)
                WordScan.store(word, p + w)
                if m == 0 {
                    k &+= 8
                    w &+= 8
                    continue
                }
                let i = WordScan.first(m) &+ 1
                k &+= i
                w &+= i
                p[w] = 0x22
                w &+= 1
            }
        }
        while k < n {
            let b = u[k]
            k += 1
            p[w] = b
            w += 1
            if b == 0x22 {
                p[w] = 0x22
                w += 1
            }
        }
        p[w] = 0x22
        out.commit(w + 1)
    }

    /// True when `u` holds `,` `"` CR or LF.
    static func needsQuotes(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = 0
        let n = u.count
        if let src = u.baseAddress {
            while k &+ 8 <= n {
                let word = WordScan.load(src + k)
                let m = WordScan.equal(word, 0x2C) | WordScan.equal(word, 0x22) | WordScan.equal(word, 0x0A) | WordScan.equal(word, 0x0D)
                if m != 0 { return true }
                k &+= 8
            }
        }
        while k < n {
            let b = u[k]
            if b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { return true }
            k += 1
        }
        return false
    }
}
