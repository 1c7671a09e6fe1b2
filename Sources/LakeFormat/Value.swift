#if canImport(Glibc)
import Glibc
#endif

/// One cell of a lake row.
///
/// The case carries the type, so the encoders need no schema to format a value and
/// the validator can check a value against its field with one comparison.
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// An exact decimal such as a rate (`0.85`); money stays in whole TWD as `.int`.
    case decimal(FixedDecimal)
    case double(Double)
    case string(String)
    case date(LakeDate)
    case timestamp(Timestamp)

    public var isNull: Bool { if case .null = self { true } else { false } }
}

/// The column types a lake file can hold; each maps to one PostgreSQL type.
public enum ColumnType: String, Hashable, Sendable, CaseIterable {
    case string, integer, decimal, number, boolean, date, datetime
}

/// A named, typed column: what encoders need to write a header and JSON keys.
public struct Column: Hashable, Sendable {
    public var name: String
    public var type: ColumnType
    public init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// A decimal number held exactly as `units × 10^-scale` (`0.85` is 85 with scale 2).
public struct FixedDecimal: Hashable, Sendable, Comparable {
    public var units: Int64
    public var scale: Int8

    public init(units: Int64, scale: Int8) {
        precondition((0...18).contains(scale), "decimal scale must be 0...18")
        self.units = units
        self.scale = scale
    }

    public static func < (a: FixedDecimal, b: FixedDecimal) -> Bool {
        let s = max(a.scale, b.scale)
        let (x, ox) = a.units.multipliedReportingOverflow(by: pow10(s - a.scale))
        let (y, oy) = b.units.multipliedReportingOverflow(by: pow10(s - b.scale))
        if !ox && !oy { return x < y }
        return Double(a.units) / Double(pow10(a.scale)) < Double(b.units) / Double(pow10(b.scale))
    }

    public static func pow10(_ n: Int8) -> Int64 {
        var r: Int64 = 1
        for _ in 0..<Int(n) { r &*= 10 }
        return r
    }
}

/// A calendar date as days since 1970-01-01 (proleptic Gregorian).
public struct LakeDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    public init(year: Int, month: Int, day: Int) {
        daysSinceEpoch = Int32(Civil.days(year: year, month: month, day: day))
    }

    /// Parses `YYYY-MM-DD`; nil when it is not a real date.
    public init?(_ text: Substring) {
        guard let d = Array(text.utf8).withUnsafeBytes({ LakeDate(utf8: $0) }) else { return nil }
        self = d
    }

    public init?(_ text: String) { self.init(Substring(text)) }

    /// Parses `YYYY-MM-DD` from UTF-8 bytes, allocating nothing (the loader reads a
    /// date per row this way); nil when it is not a real date.
    public init?(utf8 u: UnsafeRawBufferPointer) {
        guard u.count == 10, let d = Self.prefix(u) else { return nil }
        self = d
    }

    /// The date in the first ten bytes of `u`, which may go on (a timestamp).
    static func prefix(_ u: UnsafeRawBufferPointer) -> LakeDate? {
        guard u.count >= 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = Civil.number(u, 0, 4), let m = Civil.number(u, 5, 2), let d = Civil.number(u, 8, 2),
              Civil.isValid(year: y, month: m, day: d) else { return nil }
        return LakeDate(year: y, month: m, day: d)
    }

    public var components: (year: Int, month: Int, day: Int) { Civil.date(days: Int(daysSinceEpoch)) }

    /// Monday is 1 … Sunday is 7 (ISO 8601).
    public var isoWeekday: Int { Int((Int64(daysSinceEpoch) % 7 + 7 + 3) % 7) + 1 }

    public func adding(days: Int) -> LakeDate { LakeDate(daysSinceEpoch: daysSinceEpoch + Int32(days)) }

    public static func < (a: LakeDate, b: LakeDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    public var description: String {
        let b = ByteBuffer(capacity: 16)
        b.append(date: self)
        return String(decoding: b.bytes, as: UTF8.self)
    }
}

/// An instant with the UTC offset it is shown in, at whole-second precision
/// (`2026-11-21T19:05:00+08:00`).
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var secondsSinceEpoch: Int64
    public var offsetMinutes: Int16

    public init(secondsSinceEpoch: Int64, offsetMinutes: Int16) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.offsetMinutes = offsetMinutes
    }

    /// The local wall-clock time `date` + `secondOfDay` in the zone `offsetMinutes` east of UTC.
    public init(date: LakeDate, secondOfDay: Int, offsetMinutes: Int16) {
        secondsSinceEpoch = Int64(date.daysSinceEpoch) * 86_400 + Int64(secondOfDay) - Int64(offsetMinutes) * 60
        self.offsetMinutes = offsetMinutes
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM` (a space may stand for `T`).
    public init?(_ text: Substring) {
        guard let t = Array(text.utf8).withUnsafeBytes({ Timestamp(utf8: $0) }) else { return nil }
        self = t
    }

    /// The same from UTF-8 bytes, allocating nothing.
    public init?(utf8 u: UnsafeRawBufferPointer) {
        guard u.count >= 20, let date = LakeDate.prefix(u),
              u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " "),
              u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let h = Civil.number(u, 11, 2), let mi = Civil.number(u, 14, 2), let s = Civil.number(u, 17, 2),
              h < 24, mi < 60, s < 60 else { return nil }
        var offset = 0
        if u.count == 20, u[19] == UInt8(ascii: "Z") {
            offset = 0
        } else if u.count == 25, u[19] == UInt8(ascii: "+") || u[19] == UInt8(ascii: "-"), u[22] == UInt8(ascii: ":"),
                  let oh = Civil.number(u, 20, 2), let om = Civil.number(u, 23, 2), oh < 24, om < 60 {
            offset = (oh * 60 + om) * (u[19] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        self.init(date: date, secondOfDay: h * 3600 + mi * 60 + s, offsetMinutes: Int16(offset))
    }

    public init?(_ text: String) { self.init(Substring(text)) }

    /// Local date and second of day in this timestamp's own offset.
    public var local: (date: LakeDate, secondOfDay: Int) {
        let t = secondsSinceEpoch + Int64(offsetMinutes) * 60
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        return (LakeDate(daysSinceEpoch: Int32(days)), Int(t - days * 86_400))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }

    public var description: String {
        let b = ByteBuffer(capacity: 32)
        b.append(timestamp: self)
        return String(decoding: b.bytes, as: UTF8.self)
    }
}

extension Timestamp {
    /// ISO 8601 in UTC with `Z` (`2026-11-23T04:05:06Z`): the lake's own stamps
    /// (catalogue rows, bundles, exports), as opposed to the data's Taipei times.
    public var utcText: String {
        String(Timestamp(secondsSinceEpoch: secondsSinceEpoch, offsetMinutes: 0).description.dropLast(6)) + "Z"
    }

    /// The current time as `utcText`.
    public static var utcNow: String { Timestamp(secondsSinceEpoch: Int64(time(nil)), offsetMinutes: 0).utcText }
}

/// Gregorian calendar arithmetic (Howard Hinnant's `days_from_civil` and `civil_from_days`).
enum Civil {
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return day <= (month == 2 && leap ? 29 : monthLengths[month - 1])
    }

    static func number(_ u: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> Int? {
        var n = 0
        for i in start..<(start + length) {
            let d = u[i] &- 48
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }
}

extension ByteBuffer {
    /// Appends `YYYY-MM-DD`.
    public func append(date: LakeDate) {
        let c = date.components
        guard (0...9999).contains(c.year) else {
            append(digits: c.year, width: 4)
            append(UInt8(ascii: "-"))
            append(digits: c.month, width: 2)
            append(UInt8(ascii: "-"))
            append(digits: c.day, width: 2)
            return
        }
        let p = reserve(10)
        Self.put(p, c.year / 100)
        Self.put(p + 2, c.year % 100)
        p[4] = UInt8(ascii: "-")
        Self.put(p + 5, c.month)
        p[7] = UInt8(ascii: "-")
        Self.put(p + 8, c.day)
        commit(10)
    }

    /// Appends ISO 8601 with the offset: `YYYY-MM-DDTHH:MM:SS+HH:MM`.
    public func append(timestamp: Timestamp) {
        let (date, sec) = timestamp.local
        append(date: date)
        append(time: sec, offsetMinutes: timestamp.offsetMinutes)
    }

    /// Appends `THH:MM:SS±HH:MM`, a timestamp's text after its date.
    public func append(time sec: Int, offsetMinutes: Int16) {
        // The time and offset in one write: this runs for every event of a partition.
        let p = reserve(15)
        p[0] = UInt8(ascii: "T")
        Self.put(p + 1, sec / 3600)
        p[3] = UInt8(ascii: ":")
        Self.put(p + 4, sec / 60 % 60)
        p[6] = UInt8(ascii: ":")
        Self.put(p + 7, sec % 60)
        let off = Int(offsetMinutes)
        p[9] = off < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
        Self.put(p + 10, abs(off) / 60 % 100)
        p[12] = UInt8(ascii: ":")
        Self.put(p + 13, abs(off) % 60)
        commit(15)
    }

    /// Writes `v` (0...99) as two digits.
    @inline(__always) static func put(_ p: UnsafeMutablePointer<UInt8>, _ v: Int) {
        p[0] = UInt8(truncatingIfNeeded: 48 + v / 10)
        p[1] = UInt8(truncatingIfNeeded: 48 + v % 10)
    }

    /// Appends a decimal with exactly `scale` fractional digits (`-0.05`, `12.50`).
    public func append(decimal d: FixedDecimal) {
        guard d.scale > 0 else { append(decimal: d.units); return }
        let divisor = UInt64(FixedDecimal.pow10(d.scale))
        let magnitude = d.units.magnitude
        if d.units < 0 { append(UInt8(ascii: "-")) }
        let whole = magnitude / divisor
        if whole <= UInt64(Int64.max) { append(decimal: Int64(whole)) }
        append(UInt8(ascii: "."))
        append(digits: Int(magnitude % divisor), width: Int(d.scale))
    }

    /// Appends the shortest text that reads back as the same `Double`; non-finite values are an error upstream.
    public func append(double: Double) {
        append(utf8: double.description)
    }
}
