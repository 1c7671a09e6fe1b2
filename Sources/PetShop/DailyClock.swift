import GeneratorKit

/// Yields `count` times of day (seconds, ascending) spread by the hourly weights:
/// each minute gets its share by systematic sampling, so the curve holds exactly
/// without buffering the day, and times come out in order.
struct DailyClock {
    let cumulative: [Double]  // expected events before each minute, 1441 entries
    let phase: Double
    var minute = 0
    var pending: [Int] = []
    var index = 0

    init(count: Int, hourlyWeights: [Double], rng: inout SplitMix64) {
        let total = hourlyWeights.reduce(0, +)
        var c = [Double](repeating: 0, count: 1441)
        var acc = 0.0
        for m in 0..<1440 {
            acc += hourlyWeights[m / 60] / total / 60
            c[m + 1] = acc * Double(count)
        }
        c[1440] = Double(count)  // exact total despite rounding
        cumulative = c
        phase = rng.unit()
    }

    mutating func next(_ rng: inout SplitMix64) -> Int? {
        while index == pending.count {
            guard minute < 1440 else { return nil }
            let n = Int((cumulative[minute + 1] + phase).rounded(.down)) - Int((cumulative[minute] + phase).rounded(.down))
            pending.removeAll(keepingCapacity: true)
            for _ in 0..<max(0, n) { pending.append(minute * 60 + rng.below(60)) }
            pending.sort()
            index = 0
            minute += 1
        }
        defer { index += 1 }
        return pending[index]
    }
}
