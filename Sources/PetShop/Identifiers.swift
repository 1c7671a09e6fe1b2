import LakeFormat

/// Business keys: a prefix and fixed-width digits (`C00012345`, `P000123`,
/// `O202611210000123`), text in every spreadsheet and readable at a glance.
enum Identifier {
    /// `prefix` + `number` zero-padded to `width` digits.
    static func make(_ prefix: StaticString, _ number: Int, width: Int) -> String {
        let p = prefix.utf8Start, pn = prefix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: pn + width) { out in
            for i in 0..<pn { out[i] = p[i] }
            var n = number
            for i in stride(from: pn + width - 1, through: pn, by: -1) {
                out[i] = UInt8(truncatingIfNeeded: 48 + n % 10)
                n /= 10
            }
            return pn + width
        }
    }

    /// `prefix` + the day as `yyyymmdd` + `number` in `width` digits.
    static func make(_ prefix: StaticString, _ day: DayDigits, _ number: Int, width: Int) -> String {
        let p = prefix.utf8Start, pn = prefix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: pn + 8 + width) { out in
            for i in 0..<pn { out[i] = p[i] }
            withUnsafeBytes(of: day.digits) { d in for i in 0..<8 { out[pn + i] = d[i] } }
            var n = number
            for i in stride(from: pn + 8 + width - 1, through: pn + 8, by: -1) {
                out[i] = UInt8(truncatingIfNeeded: 48 + n % 10)
                n /= 10
            }
            return pn + 8 + width
        }
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
        var s = s
        s.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
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
            withUnsafeMutableBytes(of: &bytes) { b in
                UnsafeMutableRawBufferPointer(rebasing: b[at..<(at + u.count)]).copyMemory(from: u)
            }
            count += u.count
        } else {
            if overflow.isEmpty { overflow = withUnsafeBytes(of: bytes) { Array($0[0..<count]) } }
            overflow.append(contentsOf: u)
        }
    }

    var string: String {
        if !overflow.isEmpty { return String(decoding: overflow, as: UTF8.self) }
        return withUnsafeBytes(of: bytes) { String(decoding: $0[0..<count], as: UTF8.self) }
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
