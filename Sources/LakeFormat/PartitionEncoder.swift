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
///
/// A non-copyable struct over raw memory: the per-cell path reads keys and updates
/// statistics with no reference counting, uniqueness check or exclusivity check.
struct PartitionEncoder: ~Copyable {
    /// Each column's JSON key prefix (`{"a":` or `,"b":`), laid end to end: column
    /// `i`'s is `keys[keyStarts[i]..<keyStarts[i + 1]]`.
    let keys: UnsafeMutableRawBufferPointer
    let keyStarts: UnsafeMutableBufferPointer<Int>
    let stats: UnsafeMutableBufferPointer<FastStats>
    /// The last date a timestamp was on, and its `YYYY-MM-DD` as eight and two bytes.
    let lastDate: UnsafeMutablePointer<(date: LakeDate, head: UInt64, tail: UInt16)>

    init(columns: [Column]) {
        let prefixes = NDJSONEncoder(columns: columns).keyPrefixes
        let flat = prefixes.flatMap { $0 }
        keys = .allocate(byteCount: max(flat.count, 1), alignment: 1)
        keys.copyBytes(from: flat)
        keyStarts = .allocate(capacity: columns.count + 1)
        _ = keyStarts.initialize(from: prefixes.reduce(into: [0]) { $0.append($0.last! + $1.count) })
        stats = .allocate(capacity: columns.count)
        _ = stats.initialize(from: columns.map { FastStats(column: $0.name) })
        lastDate = .allocate(capacity: 1)
        lastDate.initialize(to: (LakeDate(daysSinceEpoch: .min), 0, 0))
    }

    deinit {
        keys.deallocate()
        keyStarts.deallocate()
        stats.deinitialize().deallocate()
        lastDate.deallocate()
    }

    /// Encodes a whole row: each value's cell, then the row's end.
    func encode(_ row: [Value], csv: ByteBuffer, json: ByteBuffer) {
        for i in 0..<row.count {
            begin(i, csv: csv, json: json)
            switch row[i] {
            case .null: null(i, json: json)
            case .int(let v): int(v, i, csv: csv, json: json)
            case .string(let s): s.withUTF8Bytes { string($0, i, csv: csv, json: json) }
            case .timestamp(let t): timestamp(t, i, csv: csv, json: json)
            case .date(let d): date(d, i, csv: csv, json: json)
            case .bool(let b): bool(b, i, csv: csv, json: json)
            case .decimal(let d): decimal(d, i, csv: csv, json: json)
            case .double:
                // No dataset of the lake has one: the general encoders, no fused path.
                CSVEncoder.append(row[i], into: csv)
                NDJSONEncoder.append(row[i], into: json)
                stats[i].add(other: row[i])
            }
        }
        end(csv: csv, json: json)
    }

    /// Starts column `i`'s cell: the CSV separator and the JSON key.
    @inline(__always) func begin(_ i: Int, csv: ByteBuffer, json: ByteBuffer) {
        if i > 0 { csv.append(UInt8(ascii: ",")) }
        let start = keyStarts[i]
        json.append(UnsafeRawBufferPointer(rebasing: keys[start..<keyStarts[i + 1]]))
    }

    /// Ends the row in both outputs.
    @inline(__always) func end(csv: ByteBuffer, json: ByteBuffer) {
        csv.append(UInt8(ascii: "\n"))
        json.append(UInt8(ascii: "}"))
        json.append(UInt8(ascii: "\n"))
    }

    @inline(__always) func null(_ i: Int, json: ByteBuffer) {
        json.append(utf8: "null")
        stats[i].nullCount += 1
    }

    @inline(__always) func int(_ v: Int64, _ i: Int, csv: ByteBuffer, json: ByteBuffer) {
        let start = csv.count
        csv.append(decimal: v)
        json.append(UnsafeRawBufferPointer(start: csv.base + start, count: csv.count - start))
        stats[i].add(int: v)
    }

    @inline(__always) func string(_ u: UnsafeBufferPointer<UInt8>, _ i: Int, csv: ByteBuffer, json: ByteBuffer) {
        appendString(u, csv: csv, json: json)
        stats[i].add(bytes: u)
    }

    @inline(__always) func timestamp(_ t: Timestamp, _ i: Int, csv: ByteBuffer, json: ByteBuffer) {
        appendQuotedInJSON(csv: csv, json: json) { out in
            // A partition's timestamps mostly fall on one day: its text is kept, not
            // recomputed from the day number for every row.
            let (date, second) = t.local
            if date != lastDate.pointee.date {
                let b = ByteBuffer(capacity: 16)
                b.append(date: date)
                guard b.count == 10 else { out.append(timestamp: t); return }
                lastDate.pointee = (date, b.bytes.loadUnaligned(as: UInt64.self), b.bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
            }
            let p = UnsafeMutableRawPointer(out.reserve(10))
            p.storeBytes(of: lastDate.pointee.head, as: UInt64.self)
            p.storeBytes(of: lastDate.pointee.tail, toByteOffset: 8, as: UInt16.self)
            out.commit(10)
            out.append(time: second, offsetMinutes: t.offsetMinutes)
        }
        stats[i].add(int: t.secondsSinceEpoch) { .timestamp(t) }
    }

    @inline(__always) func date(_ d: LakeDate, _ i: Int, csv: ByteBuffer, json: ByteBuffer) {
        appendQuotedInJSON(csv: csv, json: json) { $0.append(date: d) }
        stats[i].add(int: Int64(d.daysSinceEpoch)) { .date(d) }
    }

    // Booleans and decimals are the same text, unquoted, in both dialects. They are
    // rare (small datasets), so their statistics take the general path.

    @inline(__always) func bool(_ b: Bool, _ i: Int, csv: ByteBuffer, json: ByteBuffer) {
        appendUnquoted(csv: csv, json: json) { $0.append(utf8: b ? "true" : "false") }
        stats[i].add(other: .bool(b))
    }

    @inline(__always) func decimal(_ d: FixedDecimal, _ i: Int, csv: ByteBuffer, json: ByteBuffer) {
        appendUnquoted(csv: csv, json: json) { $0.append(decimal: d) }
        stats[i].add(other: .decimal(d))
    }

    /// Formats a value once into the CSV output and copies the same text to the JSON.
    @inline(__always) func appendUnquoted(csv: ByteBuffer, json: ByteBuffer, _ format: (ByteBuffer) -> Void) {
        let start = csv.count
        format(csv)
        json.append(UnsafeRawBufferPointer(start: csv.base + start, count: csv.count - start))
    }

    /// Formats a value once into the JSON output, inside quotes, and copies the same text to the CSV.
    @inline(__always) func appendQuotedInJSON(csv: ByteBuffer, json: ByteBuffer, _ format: (ByteBuffer) -> Void) {
        json.append(UInt8(ascii: "\""))
        let start = json.count
        format(json)
        csv.append(UnsafeRawBufferPointer(start: json.base + start, count: json.count - start))
        json.append(UInt8(ascii: "\""))
    }

    @inline(__always) func appendString(_ u: UnsafeBufferPointer<UInt8>, csv: ByteBuffer, json: ByteBuffer) {
        let n = u.count
        if n > 0 && !Self.needsEscaping(u) {
            let raw = UnsafeRawBufferPointer(u)
            csv.append(raw)
            let p = json.reserve(n + 2)
            p[0] = UInt8(ascii: "\"")
            ByteBuffer.copy(to: UnsafeMutableRawPointer(p + 1), from: raw.baseAddress!, count: n)
            p[n + 1] = UInt8(ascii: "\"")
            json.commit(n + 2)
        } else {
            CSVEncoder.appendText(utf8: u, into: csv)
            NDJSONEncoder.appendString(utf8: u, into: json)
        }
    }

    /// Whether either dialect must treat `u` specially: CSV quotes on , " CR LF; JSON
    /// escapes " \ and controls. One scan for both, eight bytes at a time.
    @inline(__always) static func needsEscaping(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        guard n >= 8 else {
            for b in u where b < 0x20 || b == 0x22 || b == 0x2C || b == 0x5C { return true }
            return false
        }
        let p = UnsafeRawPointer(u.baseAddress!)
        var i = 0
        while i + 8 <= n {
            if special(p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i += 8
        }
        // The last eight bytes, overlapping what was checked: the answer is a plain "any".
        return i < n && special(p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
    }

    /// Whether a byte of `w` is below 0x20 or is `"`, `,` or `\`. The classic exact
    /// tests: some byte is zero in `x` when `(x - 0x01…) & ~x & 0x80…` is not, and some
    /// byte is below 0x20 when `(w - 0x20…) & ~w & 0x80…` is not.
    @inline(__always) static func special(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let below = (w &- 0x20 &* ones) & ~w & highs
        return below | hasZero(w ^ (0x22 &* ones)) | hasZero(w ^ (0x2C &* ones)) | hasZero(w ^ (0x5C &* ones)) != 0
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
        } else if Self.compare(u, maxBytes) > 0 {
            // The maximum first: a key column grows with every row.
            Self.replace(&maxBytes, with: u)
        } else if Self.compare(u, minBytes) < 0 {
            Self.replace(&minBytes, with: u)
        }
    }

    /// Overwrites `bytes` with `u`: in place when the length is the same (a key).
    @inline(__always) static func replace(_ bytes: inout [UInt8], with u: UnsafeBufferPointer<UInt8>) {
        if bytes.count == u.count && !u.isEmpty {
            bytes.withUnsafeMutableBufferPointer { b in
                UnsafeMutableRawPointer(b.baseAddress!).copyMemory(from: u.baseAddress!, byteCount: u.count)
            }
        } else {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: u)
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
