#if canImport(Glibc)
import Glibc
#endif

/// Encodes each row into CSV and NDJSON at once and keeps the column statistics,
/// for `PartitionWriter`'s hot path.
///
/// `CSVEncoder` and `NDJSONEncoder` define the two dialects; this type produces
/// the same bytes (the tests hold it to that) but looks at each value once: one
/// switch, one scan of a string's UTF-8 for both dialects' special bytes, one
/// formatting of a number or timestamp copied into both outputs, and statistics
/// compared on raw bytes and integers rather than on `Value`s.
struct PartitionEncoder {
    /// Each column's JSON key prefix (`{"a":` or `,"b":`), laid end to end in one
    /// array: reading `keys[i]` of a nested array would retain it on every value.
    let keys: [UInt8]
    let keyStarts: [Int]
    var stats: [FastStats]

    init(columns: [Column]) {
        let prefixes = NDJSONEncoder(columns: columns).keyPrefixes
        keys = prefixes.flatMap { $0 }
        keyStarts = prefixes.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        stats = columns.map { FastStats(column: $0.name) }
    }

    mutating func encode(_ row: [Value], csv: ByteBuffer, json: ByteBuffer) {
        keys.withUnsafeBytes { keys in keyStarts.withUnsafeBufferPointer { starts in
            encode(row, csv: csv, json: json, keys: keys, starts: starts)
        } }
    }

    @inline(__always)
    mutating func encode(_ row: [Value], csv: ByteBuffer, json: ByteBuffer, keys: UnsafeRawBufferPointer,
                         starts: UnsafeBufferPointer<Int>) {
        for i in 0..<row.count {
            if i > 0 { csv.append(UInt8(ascii: ",")) }
            json.append(UnsafeRawBufferPointer(rebasing: keys[starts[i]..<starts[i + 1]]))
            switch row[i] {
            case .null:
                json.append(utf8: "null")
                stats[i].nullCount += 1
            case .int(let v):
                let start = csv.count
                csv.append(decimal: v)
                json.append(UnsafeRawBufferPointer(start: csv.base + start, count: csv.count - start))
                stats[i].add(int: v)
            case .string(let s):
                s.withUTF8Bytes { u in
                    appendString(u, csv: csv, json: json)
                    stats[i].add(bytes: u)
                }
            case .timestamp(let t):
                appendQuotedInJSON(csv: csv, json: json) { $0.append(timestamp: t) }
                stats[i].add(int: t.secondsSinceEpoch) { .timestamp(t) }
            case .date(let d):
                appendQuotedInJSON(csv: csv, json: json) { $0.append(date: d) }
                stats[i].add(int: Int64(d.daysSinceEpoch)) { .date(d) }
            case .bool, .decimal, .double:
                // Rare in the lake's datasets: the general encoders, no fused path.
                CSVEncoder.append(row[i], into: csv)
                NDJSONEncoder.append(row[i], into: json)
                stats[i].add(other: row[i])
            }
        }
        csv.append(UInt8(ascii: "\n"))
        json.append(UInt8(ascii: "}"))
        json.append(UInt8(ascii: "\n"))
    }

    /// Formats a value once into the JSON output, inside quotes, and copies the same text to the CSV.
    @inline(__always) func appendQuotedInJSON(csv: ByteBuffer, json: ByteBuffer, _ format: (ByteBuffer) -> Void) {
        json.append(UInt8(ascii: "\""))
        let start = json.count
        format(json)
        csv.append(UnsafeRawBufferPointer(start: json.base + start, count: json.count - start))
        json.append(UInt8(ascii: "\""))
    }

    func appendString(_ u: UnsafeBufferPointer<UInt8>, csv: ByteBuffer, json: ByteBuffer) {
        // One scan for both dialects: CSV quotes on , " CR LF; JSON escapes " \ and controls.
        var special = false
        for b in u where b < 0x20 || b == 0x22 || b == 0x2C || b == 0x5C {
            special = true
            break
        }
        let raw = UnsafeRawBufferPointer(u)
        if !special && !u.isEmpty {
            csv.append(raw)
            json.append(UInt8(ascii: "\""))
            json.append(raw)
            json.append(UInt8(ascii: "\""))
        } else {
            let s = String(decoding: u, as: UTF8.self)
            CSVEncoder.appendText(s, into: csv)
            NDJSONEncoder.appendString(s, into: json)
        }
    }
}

/// Column statistics kept on integers and raw bytes; `ColumnStatsAccumulator` for the rest.
struct FastStats {
    var nullCount = 0
    var minInt = Int64.max, maxInt = Int64.min
    var minValue: Value = .null, maxValue: Value = .null
    var hasBytes = false
    var minBytes: [UInt8] = [], maxBytes: [UInt8] = []
    var other: ColumnStatsAccumulator

    init(column: String) { other = ColumnStatsAccumulator(column: column) }

    @inline(__always) mutating func add(int v: Int64) {
        if v < minInt { minInt = v }
        if v > maxInt { maxInt = v }
    }

    /// An ordered value with an integer key (timestamps, dates): keep the value at the
    /// extremes, made only when it is one.
    @inline(__always) mutating func add(int v: Int64, value: () -> Value) {
        if v < minInt { minInt = v; minValue = value() }
        if v > maxInt { maxInt = v; maxValue = value() }
    }

    /// Keeps the extremes in buffers that are overwritten in place: an ascending key
    /// (an id) is a new maximum on every row, and must not cost an allocation each time.
    @inline(__always) mutating func add(bytes u: UnsafeBufferPointer<UInt8>) {
        if !hasBytes {
            hasBytes = true
            minBytes.append(contentsOf: u)
            maxBytes.append(contentsOf: u)
        } else if Self.compare(u, minBytes) < 0 {
            minBytes.removeAll(keepingCapacity: true)
            minBytes.append(contentsOf: u)
        } else if Self.compare(u, maxBytes) > 0 {
            maxBytes.removeAll(keepingCapacity: true)
            maxBytes.append(contentsOf: u)
        }
    }

    mutating func add(other v: Value) { other.add(v) }

    /// Byte order of `a` against `b` (negative, 0, positive), eight bytes at a time
    /// as big-endian words: most strings here are short keys sharing a long prefix.
    @inline(__always) static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Int {
        b.withUnsafeBufferPointer { b in
            let n = min(a.count, b.count)
            var i = 0
            if n > 0 {
                let pa = UnsafeRawPointer(a.baseAddress!), pb = UnsafeRawPointer(b.baseAddress!)
                while i + 8 <= n {
                    let x = UInt64(bigEndian: pa.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let y = UInt64(bigEndian: pb.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    if x != y { return x < y ? -1 : 1 }
                    i += 8
                }
                while i < n {
                    if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
                    i += 1
                }
            }
            return a.count - b.count
        }
    }

    func stats(_ type: ColumnType) -> ColumnStats {
        var s = other.stats
        s.nullCount += nullCount
        switch type {
        case .integer where minInt <= maxInt:
            s.min = String(minInt)
            s.max = String(maxInt)
        case .string where hasBytes:
            s.min = String(decoding: minBytes, as: UTF8.self)
            s.max = String(decoding: maxBytes, as: UTF8.self)
        case .date, .datetime:
            if !minValue.isNull {
                s.min = minValue.text
                s.max = maxValue.text
            }
        default: break
        }
        return s
    }
}
