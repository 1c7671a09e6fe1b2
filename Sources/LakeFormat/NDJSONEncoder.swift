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
        string.withUTF8Bytes { appendString(utf8: $0, into: out) }
    }

    static let hex = Array("0123456789abcdef".utf8)

    /// `u` as a JSON string: quoted, with `"` `\` and controls escaped, written straight
    /// into room for the worst case (every byte a control, `\u00XX`).
    static func appendString(utf8 u: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        let p = out.reserve(6 * u.count + 2)
        p[0] = 0x22
        var w = 1
        var k = 0
        let n = u.count
        // A word at a time while eight bytes remain: stored whole, then `w` moves past
        // the bytes before the first one to escape (room: w + 8 <= 6k + 9 <= 6n + 2).
        if let src = u.baseAddress {
            while k &+ 8 <= n {
                let word = WordScan.load(src + k)
                let m = WordScan.equal(word, 0x22) | WordScan.equal(word, 0x5C) | WordScan.below(word, 0x20)
                WordScan.store(word, p + w)
                if m == 0 {
                    k &+= 8
                    w &+= 8
                    continue
                }
                let i = WordScan.first(m)
                k &+= i
                w &+= i
                w = escape(src[k], at: p, w)
                k &+= 1
            }
        }
        while k < n {
            let b = u[k]
            k += 1
            if b >= 0x20 && b != 0x22 && b != 0x5C {
                p[w] = b
                w += 1
                continue
            }
            w = escape(b, at: p, w)
        }
        p[w] = 0x22
        out.commit(w + 1)
    }

    /// Writes byte `b` escaped at `p + w`; returns the position after it.
    @inline(__always) static func escape(_ b: UInt8, at p: UnsafeMutablePointer<UInt8>, _ w: Int) -> Int {
        var w = w
        p[w] = 0x5C
        switch b {
        case 0x22, 0x5C: p[w + 1] = b; w += 2
        case 0x0A: p[w + 1] = UInt8(ascii: "n"); w += 2
        case 0x0D: p[w + 1] = UInt8(ascii: "r"); w += 2
        case 0x09: p[w + 1] = UInt8(ascii: "t"); w += 2
        case 0x08: p[w + 1] = UInt8(ascii: "b"); w += 2
        case 0x0C: p[w + 1] = UInt8(ascii: "f"); w += 2
        default:
            p[w + 1] = UInt8(ascii: "u")
            p[w + 2] = UInt8(ascii: "0")
            p[w + 3] = UInt8(ascii: "0")
            p[w + 4] = hex[Int(b >> 4)]
            p[w + 5] = hex[Int(b & 0xF)]
            w += 6
        }
        return w
    }
}
