public import LakeFormat

/// An instant at whole seconds, shown in Asia/Shanghai (UTC+8, no daylight saving) the
/// way the upstream sends times: `"2026-11-21 19:30:05"`.
///
/// A venue's **business day** `dt` runs from 08:00 on `dt` to 08:00 the next morning,
/// so a table closed at 01:30 belongs to the evening before.
public struct VenueTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01 00:00 UTC.
    public var secondsSinceEpoch: Int64

    /// Asia/Shanghai is UTC+8 all year.
    public static let offsetSeconds: Int64 = 8 * 3600
    /// A business day starts at this local second of its date (08:00).
    public static let businessDayStart = 8 * 3600

    public init(secondsSinceEpoch: Int64) { self.secondsSinceEpoch = secondsSinceEpoch }

    /// The local wall-clock time `secondOfDay` seconds after midnight of `date` (it may
    /// pass 86 400: `date` + 1 day at 01:30 is `secondOfDay` 91 800).
    public init(date: LakeDate, secondOfDay: Int) {
        secondsSinceEpoch = Int64(date.daysSinceEpoch) * 86_400 + Int64(secondOfDay) - Self.offsetSeconds
    }

    /// The first second of business day `dt` (08:00 local).
    public static func opening(of dt: LakeDate) -> VenueTime { VenueTime(date: dt, secondOfDay: businessDayStart) }

    /// The seconds of business day `dt`: [08:00 on dt, 08:00 on dt + 1).
    public static func window(of dt: LakeDate) -> Range<VenueTime> { opening(of: dt)..<opening(of: dt.adding(days: 1)) }

    /// The local date and second of the day.
    public var local: (date: LakeDate, secondOfDay: Int) {
        let s = secondsSinceEpoch + Self.offsetSeconds
        let day = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        return (LakeDate(daysSinceEpoch: Int32(day)), Int(s - day * 86_400))
    }

    /// The business day this instant belongs to.
    public var businessDate: LakeDate {
        VenueTime(secondsSinceEpoch: secondsSinceEpoch - Int64(Self.businessDayStart)).local.date
    }

    /// The same instant as the lake's timestamp type, with offset +08:00.
    public var timestamp: Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch, offsetMinutes: 480) }

    public func adding(seconds: Int) -> VenueTime { VenueTime(secondsSinceEpoch: secondsSinceEpoch + Int64(seconds)) }
    public func seconds(since other: VenueTime) -> Int { Int(secondsSinceEpoch - other.secondsSinceEpoch) }

    public static func < (a: VenueTime, b: VenueTime) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }

    /// `"2026-11-21 19:30:05"`.
    public var description: String {
        let (date, second) = local
        var bytes = VenueDate.digits(date)
        bytes.reserveCapacity(19)
        bytes.append(UInt8(ascii: " "))
        VenueDate.append2(second / 3600, &bytes)
        bytes.append(UInt8(ascii: ":"))
        VenueDate.append2(second / 60 % 60, &bytes)
        bytes.append(UInt8(ascii: ":"))
        VenueDate.append2(second % 60, &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `"2026-11-21 19:30:05"` (local time); nil for anything else.
    public init?(_ text: String) {
        var text = text
        guard let t = text.withUTF8({ VenueTime(utf8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = t
    }

    /// Parses `2026-11-21 19:30:05` from UTF-8 bytes, allocating nothing (a replay reads
    /// two per record); nil for anything else.
    public init?(utf8 u: UnsafeRawBufferPointer) {
        func two(_ i: Int) -> Int? {
            let a = Int(u[i]) - 48, b = Int(u[i + 1]) - 48
            return (0...9).contains(a) && (0...9).contains(b) ? a * 10 + b : nil
        }
        guard u.count == 19, u[10] == UInt8(ascii: " "), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let date = LakeDate(utf8: UnsafeRawBufferPointer(rebasing: u[0..<10])),
              let h = two(11), let m = two(14), let s = two(17), h < 24, m < 60, s < 60 else { return nil }
        self.init(date: date, secondOfDay: h * 3600 + m * 60 + s)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let t = VenueTime(text) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a time: \(text)") }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A calendar date sent as `"2026-11-21"` (a report's date, a package's validity).
public struct VenueDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var date: LakeDate

    public init(_ date: LakeDate) { self.date = date }

    public static func < (a: VenueDate, b: VenueDate) -> Bool { a.date < b.date }
    public var description: String { String(decoding: Self.digits(date), as: UTF8.self) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let d = LakeDate(text) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a date: \(text)") }
        date = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    static func digits(_ date: LakeDate) -> [UInt8] {
        let (y, m, d) = date.components
        var bytes: [UInt8] = []
        bytes.reserveCapacity(19)
        append2(y / 100, &bytes)
        append2(y % 100, &bytes)
        bytes.append(UInt8(ascii: "-"))
        append2(m, &bytes)
        bytes.append(UInt8(ascii: "-"))
        append2(d, &bytes)
        return bytes
    }

    @inline(__always)
    static func append2(_ n: Int, _ bytes: inout [UInt8]) {
        bytes.append(UInt8(48 + n / 10))
        bytes.append(UInt8(48 + n % 10))
    }
}
