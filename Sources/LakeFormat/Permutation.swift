extension Array {
    /// Puts `self[order[k]]` at `k` for every `k`, moving elements along the
    /// permutation's cycles rather than copying them: a copy of a value with strings
    /// or arrays in it touches each of their reference counts, and the index of a
    /// month's archive, or a partition's rows, has 100,000 such values. `order` must be
    /// a permutation of the indices (checked).
    public mutating func permute(to order: [Int]) {
        precondition(order.count == count)
        var placed = [Bool](repeating: false, count: order.count)
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for start in order.indices where !placed[start] {
                let first = (base + start).move()
                var k = start
                while true {
                    placed[k] = true
                    let from = order[k]
                    if from == start {
                        (base + k).initialize(to: first)
                        break
                    }
                    // Each slot is moved from once: a repeated or stray index stops here.
                    precondition(order.indices.contains(from) && !placed[from], "not a permutation")
                    (base + k).moveInitialize(from: base + from, count: 1)
                    k = from
                }
            }
        }
    }
}
