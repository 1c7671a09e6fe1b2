/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast, well-known generator whose
/// output is the same on every machine. Every partition draws from its own stream,
/// seeded from (seed, stream label, day), so partitions are independent of each other
/// and of the order they are generated in.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The stream for `label` (a dataset or a purpose) on day `day` under `seed`.
    public init(seed: UInt64, label: String, day: Int32 = 0) {
        state = SplitMix64.mix(seed ^ SplitMix64.mix(SplitMix64.fnv1a(label) ^ SplitMix64.mix(UInt64(bitPattern: Int64(day)) &+ 0x9E37_79B9)))
    }

    /// FNV-1a over the UTF-8 bytes of `text`: a stable hash of a label or an id.
    public static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n` (Lemire's multiply-shift; the bias is below 2^-32 for the
    /// sizes used here, and it keeps every platform's output identical).
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: n).multipliedFullWidth(by: next())).high)
    }

    /// Uniform in `range`, both ends included.
    @inline(__always)
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1), 53 bits.
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool { unit() < p }
}

/// Draws an index with given weights in constant time (Walker's alias method,
/// Vose's construction). Built once per table; drawing costs one random number
/// and one table read.
public struct WeightedChoice: Sendable {
    /// Column `i`'s threshold (32-bit fixed point, 0...2^32: 33 bits) in the low bits and
    /// its alias above them: one word, so a draw reads one cache line, not two.
    let entries: [UInt64]
    public var count: Int { entries.count }
    static let thresholdBits: UInt64 = 33

    public init(weights: [Double]) {
        let n = weights.count
        precondition(n < 1 << 31, "at most 2^31 - 1 weights")
        precondition(n > 0 && weights.allSatisfy { $0 >= 0 && $0.isFinite }, "weights must be non-negative")
        let total = weights.reduce(0, +)
        precondition(total > 0, "weights must not all be zero")
        var scaled = weights.map { $0 * Double(n) / total }
        var small: [Int] = [], large: [Int] = []
        for (i, p) in scaled.enumerated() { if p < 1 { small.append(i) } else { large.append(i) } }
        var prob = [Double](repeating: 1, count: n)
        var alias = [Int32](repeating: 0, count: n)
        for i in 0..<n { alias[i] = Int32(i) }
        while let s = small.popLast(), let l = large.last {
            prob[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // Thresholds in 32-bit fixed point, so a draw is integer arithmetic only and
        // identical on every machine.
        entries = (0..<n).map { i in
            UInt64(min(1, max(0, prob[i])) * 4_294_967_296.0) | UInt64(alias[i]) << Self.thresholdBits
        }
    }

    @inline(__always)
    public func draw(_ rng: inout SplitMix64) -> Int {
        let r = rng.next()
        let column = Int(truncatingIfNeeded: UInt64(truncatingIfNeeded: entries.count).multipliedFullWidth(by: r).high)
        let entry = entries[column]
        return (r & 0xFFFF_FFFF) < entry & (1 << Self.thresholdBits - 1) ? column : Int(truncatingIfNeeded: entry >> Self.thresholdBits)
    }
}
