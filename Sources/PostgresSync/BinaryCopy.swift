public import LakeFormat

/// Streams a partition's CSV file (as the lake writes it) to PostgreSQL's binary
/// `COPY` format, record by record, as a `ByteSource` the COPY reads from.
///
/// Why by hand: no listed package speaks COPY BINARY, and it is what makes the
/// single-connection load fast. Parsing CSV and text timestamps is most of what the
/// server does in a CSV COPY; in binary it reads each value as it is stored (a
/// timestamp is eight bytes), so the same rows take about a quarter less server time,
/// and the client does that parsing on the other core. Every value is checked on
/// the way: a field that is not of its column's type, a record with the wrong
/// number of fields or a header that is not the schema's columns fails the
/// partition with the record's number; text stays as it was, and the server still
/// checks that it is valid UTF-8.
///
/// Format (PostgreSQL docs, "COPY … Binary Format"): a 19-byte header; per row a
/// 16-bit field count, then per field a 32-bit length (−1 for NULL) and the value's
/// `send` form, big-endian; a 16-bit −1 trailer.
public final class BinaryCopyEncoder: ByteSource {
    let columns: [Column]
    let source: any ByteSource
    let name: String
    /// Input window: bytes `start..<end` are read and not yet consumed.
    var input: UnsafeMutableRawBufferPointer
    var start = 0
    var end = 0
    var sourceEnded = false
    let output = ByteBuffer(capacity: 1 << 19)
    var outputRead = 0
    var finished = false
    var sawHeader = false
    /// Unescaped bytes of the current quoted field.
    let scratch = ByteBuffer(capacity: 1 << 12)
    /// Data records encoded so far (the header is not one).
    public private(set) var rows = 0
    /// The longest record accepted, so a hostile file cannot grow the window without end.
    static let maxRecordBytes = 64 << 20

    /// The partition's date, sent first in every row when given (the table's `dt`
    /// column): four bytes, where a column default would parse text for every row.
    let partitionDate: LakeDate?

    /// - Parameters:
    ///   - columns: the schema's columns, in the file's order (its header is checked against them).
    ///   - source: the decompressed CSV.
    ///   - name: what to call the file in errors.
    ///   - partitionDate: when given, every row starts with this date (list `dt` first in the COPY).
    public init(columns: [Column], source: any ByteSource, name: String, partitionDate: LakeDate? = nil) {
        self.columns = columns
        self.source = source
        self.name = name
        self.partitionDate = partitionDate
        input = .allocate(byteCount: 1 << 20, alignment: 16)
        output.append(Self.signature)
    }

    deinit { input.deallocate() }

    /// "PGCOPY\n\xFF\r\n\0", flags 0, header extension length 0.
    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00] + [UInt8](repeating: 0, count: 8)

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        // Hand out what is encoded; encode more only once it is all gone, so the
        // output holds at most one buffer and one record.
        if outputRead == output.count {
            output.removeAll()
            outputRead = 0
            if !finished { try encodeRecords(until: buffer.count) }
        }
        let n = min(buffer.count, output.count - outputRead)
        guard n > 0 else { return 0 }
        buffer.baseAddress!.copyMemory(from: output.bytes.baseAddress! + outputRead, byteCount: n)
        outputRead += n
        return n
    }

    func fail(_ message: String) -> FormatError {
        FormatError(.csv, "\(name) record \(rows + (sawHeader ? 2 : 1)): \(message)")
    }

    /// Encodes whole records until the output holds `target` bytes or the input ends.
    func encodeRecords(until target: Int) throws {
        while output.count < target {
            if try !encodeRecord() {
                guard sawHeader else { throw FormatError(.csv, "\(name) is empty: no header") }
                output.append([0xFF, 0xFF])
                finished = true
                return
            }
        }
    }

    /// Moves the unconsumed bytes to the front and reads more; false at the end of input.
    func refill() throws -> Bool {
        if sourceEnded { return false }
        if start > 0 {
            let pending = end - start
            if pending > 0 { input.baseAddress!.copyMemory(from: input.baseAddress! + start, byteCount: pending) }
            start = 0
            end = pending
        }
        if end == input.count {
            guard input.count < Self.maxRecordBytes else { throw fail("a record longer than \(Self.maxRecordBytes >> 20) MiB; is this really CSV?") }
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: end)
            input.deallocate()
            input = larger
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[end...]))
        if n == 0 { sourceEnded = true }
        end += n
        return n > 0
    }

    /// Finds the end of the record at `start`: the index of its line feed (or of the
    /// end of input) outside quotes. Returns nil when no record is left.
    func recordEnd() throws -> Int? {
        var i = start
        var quoted = false
        while true {
            while i < end {
                let b = input[i]
                if b == 0x22 { quoted.toggle() } else if b == 0x0A && !quoted { return i }
                i += 1
            }
            let consumed = i - start
            guard try refill() else {
                if quoted { throw fail("an unterminated quoted field") }
                return end > start ? end : nil
            }
            i = start + consumed
        }
    }

    /// Encodes the next record; false at the end of input.
    func encodeRecord() throws -> Bool {
        guard let stop = try recordEnd() else { return false }
        // The record is input[start..<stop] (a CR before the LF ends it too).
        let lineEnd = stop > start && input[stop - 1] == 0x0D ? stop - 1 : stop
        let base = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var p = start
        if !sawHeader {
            var names: [String] = []
            while true {
                let (text, isNull, next) = try nextField(base, p, lineEnd)
                names.append(isNull ? "" : String(decoding: text, as: UTF8.self))
                guard let next else { break }
                p = next
            }
            guard names == columns.map(\.name) else {
                throw FormatError(.csv, "\(name): the header is \(names.joined(separator: ",")) but the schema has \(columns.map(\.name).joined(separator: ","))")
            }
            sawHeader = true
        } else {
            if let partitionDate {
                appendBigEndian(UInt16(columns.count + 1))
                appendLength(4)
                appendBigEndian(UInt32(bitPattern: partitionDate.daysSinceEpoch - Self.postgresEpochDays))
            } else {
                appendBigEndian(UInt16(columns.count))
            }
            var field = 0
            while true {
                guard field < columns.count else { throw fail("more than \(columns.count) fields") }
                let (text, isNull, next) = try nextField(base, p, lineEnd)
                try encode(text, isNull: isNull, as: columns[field])
                field += 1
                guard let next else { break }
                p = next
            }
            guard field == columns.count else { throw fail("\(field) fields where the schema has \(columns.count)") }
            rows += 1
        }
        start = min(stop + 1, end)
        return true
    }

    /// The field starting at `p`: its bytes (unescaped), whether it is NULL (empty and
    /// unquoted), and where the next field starts (nil when this one ends the record;
    /// `lineEnd` itself for an empty last field after a comma).
    func nextField(_ base: UnsafeMutablePointer<UInt8>, _ p: Int, _ lineEnd: Int) throws -> (UnsafeRawBufferPointer, Bool, Int?) {
        if p < lineEnd && base[p] == 0x22 {
            scratch.removeAll()
            var i = p + 1
            var runStart = i
            while true {
                guard i < lineEnd else { throw fail("an unterminated quoted field") }
                if base[i] == 0x22 {
                    scratch.append(UnsafeRawBufferPointer(start: base + runStart, count: i - runStart))
                    if i + 1 < lineEnd && base[i + 1] == 0x22 {
                        scratch.append(0x22)
                        i += 2
                        runStart = i
                        continue
                    }
                    i += 1
                    break
                }
                i += 1
            }
            if i == lineEnd { return (scratch.bytes, false, nil) }
            guard base[i] == 0x2C else { throw fail("an unexpected character after a closing quote") }
            return (scratch.bytes, false, i + 1)
        }
        var i = p
        while i < lineEnd && base[i] != 0x2C {
            if base[i] == 0x22 { throw fail("a quote inside an unquoted field") }
            i += 1
        }
        let text = UnsafeRawBufferPointer(start: base + p, count: i - p)
        return (text, text.isEmpty, i < lineEnd ? i + 1 : nil)
    }

    /// Appends one field in its binary form.
    func encode(_ text: UnsafeRawBufferPointer, isNull: Bool, as column: Column) throws {
        if isNull {
            output.append([0xFF, 0xFF, 0xFF, 0xFF])
            return
        }
        func bad() -> FormatError {
            fail("'\(String(decoding: text.prefix(80), as: UTF8.self))' is not a valid \(column.type.rawValue) for column \(column.name)")
        }
        switch column.type {
        case .string:
            appendLength(text.count)
            output.append(text)
        case .integer:
            guard let v = Self.integer(text) else { throw bad() }
            appendLength(8)
            appendBigEndian(UInt64(bitPattern: v))
        case .number:
            guard let d = Double(String(decoding: text, as: UTF8.self)), d.isFinite else { throw bad() }
            appendLength(8)
            appendBigEndian(d.bitPattern)
        case .boolean:
            let t = text.elementsEqual("true".utf8), f = text.elementsEqual("false".utf8)
            guard t || f else { throw bad() }
            appendLength(1)
            output.append(t ? 1 : 0)
        case .date:
            guard let d = LakeDate(utf8: text) else { throw bad() }
            appendLength(4)
            appendBigEndian(UInt32(bitPattern: d.daysSinceEpoch - Self.postgresEpochDays))
        case .datetime:
            guard let t = Timestamp(utf8: text) else { throw bad() }
            appendLength(8)
            appendBigEndian(UInt64(bitPattern: (t.secondsSinceEpoch - Int64(Self.postgresEpochDays) * 86_400) * 1_000_000))
        case .decimal:
            guard let d = RowDecoder.parse(String(decoding: text, as: UTF8.self), as: .decimal), case .decimal(let value) = d else { throw bad() }
            appendNumeric(value)
        }
    }

    /// Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
    static let postgresEpochDays: Int32 = 10_957

    /// An optionally signed run of ASCII digits that fits an Int64.
    static func integer(_ text: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if text.first == UInt8(ascii: "-") { negative = true; i = 1 }
        guard i < text.count, text.count - i <= 19 else { return nil }
        var magnitude: UInt64 = 0
        while i < text.count {
            let d = text[i] &- 48
            guard d < 10 else { return nil }
            magnitude = magnitude * 10 + UInt64(d)
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    func appendLength(_ n: Int) { appendBigEndian(UInt32(truncatingIfNeeded: n)) }

    func appendBigEndian<T: FixedWidthInteger>(_ v: T) {
        let p = output.reserve(MemoryLayout<T>.size)
        UnsafeMutableRawPointer(p).storeBytes(of: v.bigEndian, as: T.self)
        output.commit(MemoryLayout<T>.size)
    }

    /// `numeric`'s binary form: digit count, weight, sign, display scale, then base-10000
    /// digits, most significant first (the integer part grouped from the point leftwards,
    /// the fraction rightwards).
    func appendNumeric(_ d: FixedDecimal) {
        let digits = Array(String(d.units.magnitude).utf8).map { Int($0 - 48) }
        let scale = Int(d.scale)
        // Pad so there is at least one integer digit and the fraction fills whole groups.
        let integerCount = max(0, digits.count - scale)
        let integerDigits = [Int](repeating: 0, count: (4 - integerCount % 4) % 4) + digits.prefix(integerCount)
        var fraction = [Int](repeating: 0, count: max(0, scale - digits.count)) + digits.suffix(min(scale, digits.count))
        fraction += [Int](repeating: 0, count: (4 - fraction.count % 4) % 4)
        func groups(_ ds: [Int]) -> [Int] { stride(from: 0, to: ds.count, by: 4).map { ds[$0] * 1000 + ds[$0 + 1] * 100 + ds[$0 + 2] * 10 + ds[$0 + 3] } }
        var all = groups(integerDigits) + groups(fraction)
        var weight = integerDigits.count / 4 - 1
        while let first = all.first, first == 0 { all.removeFirst(); weight -= 1 }
        while let last = all.last, last == 0 { all.removeLast() }
        if all.isEmpty { weight = 0 }
        appendLength(8 + 2 * all.count)
        appendBigEndian(UInt16(all.count))
        appendBigEndian(UInt16(bitPattern: Int16(weight)))
        appendBigEndian(UInt16(d.units < 0 && !all.isEmpty ? 0x4000 : 0))
        appendBigEndian(UInt16(scale))
        for g in all { appendBigEndian(UInt16(g)) }
    }
}
