/// An amount in CNY, kept as whole fen (分, 1/100 yuan) so sums are exact. It is sent
/// the way the upstream sends money: a string with two decimals, `"128.00"`,
/// `"-58.50"`.
public struct Money: Hashable, Comparable, Sendable, Codable, AdditiveArithmetic, CustomStringConvertible {
    public var fen: Int64

    public init(fen: Int64) { self.fen = fen }
    public init(yuan: Int) { fen = Int64(yuan) * 100 }

    public static let zero = Money(fen: 0)
    public static func + (a: Money, b: Money) -> Money { Money(fen: a.fen + b.fen) }
    public static func - (a: Money, b: Money) -> Money { Money(fen: a.fen - b.fen) }
    public static prefix func - (a: Money) -> Money { Money(fen: -a.fen) }
    public static func * (a: Money, n: Int) -> Money { Money(fen: a.fen * Int64(n)) }
    public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }

    /// `"128.00"`, `"-0.50"`.
    public var description: String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + String(magnitude / 100) + (cents < 10 ? ".0" : ".") + String(cents)
    }

    /// Parses `"128"`, `"128.5"`, `"128.00"`, `"-58.50"`; nil for anything else.
    public init?(_ text: String) {
        var s = Substring(text)
        let negative = s.first == "-"
        if negative { s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII),
              let whole = Int64(parts[0]) else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard (1...2).contains(f.count), f.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(f) else { return nil }
            cents = f.count == 1 ? v * 10 : v
        }
        fen = (whole * 100 + cents) * (negative ? -1 : 1)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let m = Money(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an amount: \(text)")
        }
        self = m
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// `self × numerator / denominator`, rounded half up to the fen (for rates and discounts).
    func scaled(_ numerator: Int64, _ denominator: Int64) -> Money {
        Money(fen: (fen * numerator * 2 + denominator) / (2 * denominator))
    }
}
