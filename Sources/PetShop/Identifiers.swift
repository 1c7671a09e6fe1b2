import LakeFormat

/// A business key: a prefix and fixed-width digits (`C00012345`, `P000123`,
/// `O202611210000123`), text in every spreadsheet and readable at a glance.
///
/// Formatted on the stack: the large datasets pass it to their sinks as bytes
/// (`write(to:)`), so the millions of event and session ids never become Strings.
struct Identifier {
    private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var count = 0

    /// `prefix` + `number` zero-padded to `width` digits.
    init(_ prefix: StaticString, _ number: Int, width: Int) {
        append(prefix)
        append(number, width: width)
    }

    /// `prefix` + the day as `yyyymmdd` + `number` in `width` digits.
    init(_ prefix: StaticString, _ day: DayDigits, _ number: Int, width: Int) {
        append(prefix)
        withUnsafeBytes(of: day.digits) { d in append(UnsafeRawBufferPointer(d)) }
        append(number, width: width)
    }

    private mutating func append(_ prefix: StaticString) {
        append(UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let at = count
        precondition(at + bytes.count <= 32, "an identifier is at most 32 bytes")
        withUnsafeMutableBytes(of: &storage) { s in
            for i in 0..<bytes.count { s[at + i] = bytes[i] }
        }
        count += bytes.count
    }

    private mutating func append(_ number: Int, width: Int) {
        let at = count
        precondition(number >= 0 && at + width <= 32, "an identifier is at most 32 bytes")
        withUnsafeMutableBytes(of: &storage) { s in
            var n = number
            for i in stride(from: at + width - 1, through: at, by: -1) {
                s[i] = UInt8(truncatingIfNeeded: 48 + n % 10)
                n /= 10
            }
        }
        count += width
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: storage) { s in
            try s.withMemoryRebound(to: UInt8.self) { try body(UnsafeBufferPointer(rebasing: $0[..<count])) }
        }
    }

    /// Writes the key as the sink's next cell.
    @inline(__always) func write(to sink: some RowSink) throws {
        try withBytes { try sink.cell(utf8: $0) }
    }

    var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    /// `prefix` + `number` zero-padded to `width` digits, as text.
    static func make(_ prefix: StaticString, _ number: Int, width: Int) -> String {
        Identifier(prefix, number, width: width).string
    }

    /// `prefix` + the day as `yyyymmdd` + `number` in `width` digits, as text.
    static func make(_ prefix: StaticString, _ day: DayDigits, _ number: Int, width: Int) -> String {
        Identifier(prefix, day, number, width: width).string
    }
}

/// Builds a short text from pieces in one stack buffer: one String allocation at
/// the end (none when it fits a small string) instead of one per `+`.
struct TextBuilder {
    var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    /// Anything past the 64 inline bytes (a long imported name, say).
    var overflow: [UInt8] = []

    mutating func append(_ s: String) {
        s.withUTF8Bytes { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// `n` (non-negative) in decimal, zero-padded to `width` digits.
    mutating func append(_ n: Int, width: Int = 1) {
        precondition(n >= 0)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var v = n, i = 24
            repeat {
                i -= 1
                d[i] = UInt8(48 + v % 10)
                v /= 10
            } while v > 0 || 24 - i < width
            append(bytes: UnsafeRawBufferPointer(rebasing: d[i...]))
        }
    }

    mutating func append(bytes u: UnsafeRawBufferPointer) {
        if overflow.isEmpty && count + u.count <= 64 {
            let at = count
            if let source = u.baseAddress {
                // Pieces are short (a road, a digit run, a character): copied inline, not by memmove.
                withUnsafeMutableBytes(of: &bytes) { ByteBuffer.copy(to: $0.baseAddress! + at, from: source, count: u.count) }
            }
            count += u.count
        } else {
            if overflow.isEmpty { overflow = withUnsafeBytes(of: bytes) { Array($0[0..<count]) } }
            overflow.append(contentsOf: u)
        }
    }

    /// Writes the text as the sink's next cell, without making a String of it.
    func write(to sink: some RowSink) throws {
        if !overflow.isEmpty { return try overflow.withUnsafeBufferPointer { try sink.cell(utf8: $0) } }
        try withUnsafeBytes(of: bytes) { b in
            try b.withMemoryRebound(to: UInt8.self) { try sink.cell(utf8: UnsafeBufferPointer(rebasing: $0[..<count])) }
        }
    }

    var string: String {
        if !overflow.isEmpty { return String(decoding: overflow, as: UTF8.self) }
        return withUnsafeBytes(of: bytes) { String(decoding: $0[0..<count], as: UTF8.self) }
    }
}

/// Text that writes itself as one cell without becoming a `String` (ids, names and
/// addresses built on the stack), so a row can hold it and write it later.
protocol CellText {
    func write(to sink: some RowSink) throws
}

extension Identifier: CellText {}
extension TextBuilder: CellText {}

extension Optional: CellText where Wrapped: CellText {
    /// The text, or a null cell.
    @inline(__always) func write(to sink: some RowSink) throws {
        if let self { try self.write(to: sink) } else { try sink.nullCell() }
    }
}

/// A day as the eight ASCII digits `yyyymmdd`, formatted once per partition.
struct DayDigits {
    let digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
    init(_ dt: LakeDate) {
        let (y, m, d) = dt.components
        func c(_ v: Int) -> UInt8 { UInt8(48 + v) }
        digits = (c(y / 1000 % 10), c(y / 100 % 10), c(y / 10 % 10), c(y % 10), c(m / 10), c(m % 10), c(d / 10), c(d % 10))
    }
}

extension LakeDate {
    /// The Monday on or before this day.
    var monday: LakeDate { adding(days: -(isoWeekday - 1)) }
    /// The first day of this day's month.
    var firstOfMonth: LakeDate { adding(days: -(components.day - 1)) }
    /// The last day of this day's month.
    var lastOfMonth: LakeDate {
        let (y, m, _) = components
        return LakeDate(year: m == 12 ? y + 1 : y, month: m == 12 ? 1 : m + 1, day: 1).adding(days: -1)
    }
}

/// Taipei time (UTC+8, no daylight saving since 1979): every timestamp the shop writes.
let taipeiOffset: Int16 = 480

func taipei(_ dt: LakeDate, _ secondOfDay: Int) -> Timestamp {
    Timestamp(date: dt, secondOfDay: secondOfDay, offsetMinutes: taipeiOffset)
}
