/// A compiled form of the patterns schemas mostly use — literals, `\d`, ASCII
/// classes `[a-z0-9._-]` and `[^...]`, each with `{n}`, `{n,m}`, `{n,}`, `+`, `*` or
/// `?` — matched over UTF-8 bytes, anchored at both ends: by position tables when
/// the length is fixed, by a shift-and automaton when every atom repeats `{n}` or
/// `{n,}` times, otherwise with backtracking.
/// Anything else (`|`, groups, `.`) returns nil and is left to POSIX regexec, which
/// costs about twenty times as much per value.
final class SimplePattern: Sendable {
    struct Atom {
        var set: [Bool]  // 256 entries: which bytes match
        var min: Int
        var max: Int
    }

    /// Repeat counts per atom, and each atom's 256-entry byte table laid end to end
    /// (atom `a`'s entry for byte `b` is `table[a << 8 | b]`): one flat array, so the
    /// match loop reads no nested array and copies nothing.
    let mins: [Int]
    let maxs: [Int]
    let table: [Bool]
    /// When every atom repeats a fixed number of times (`P[0-9]{6}`), the pattern
    /// matches exactly one length and each position one table: no backtracking.
    let fixedTables: [Int]?
    /// For a fixed pattern: at each position, how many positions from there on match
    /// exactly the digits 0-9, so runs of eight are checked in one word (`[0-9]{16}`).
    let digitRunAhead: [Int]
    /// For a pattern whose atoms each repeat exactly `n` times or `n` or more times
    /// (`[a-z0-9._]+@[a-z0-9.-]+\\.[a-z]{2,}`), in at most 63 positions: the shift-and
    /// automaton, run one byte at a time with no backtracking. `accept[b]` has bit `j + 1`
    /// set when position `j` takes byte `b`; bit 0 is the start.
    let shiftAnd: ShiftAnd?

    struct ShiftAnd {
        let accept: [UInt64]
        /// The positions that may take another byte of their own atom (`+`, `{n,}`).
        let loops: UInt64
        let final: UInt64
    }

    init?(_ pattern: String) {
        var p = Array(pattern.utf8)
        if p.first == UInt8(ascii: "^") { p.removeFirst() }
        if p.last == UInt8(ascii: "$"), p.count < 2 || p[p.count - 2] != UInt8(ascii: "\\") { p.removeLast() }
        var atoms: [Atom] = []
        var i = 0
        while i < p.count {
            var set = [Bool](repeating: false, count: 256)
            let c = p[i]
            switch c {
            case UInt8(ascii: "\\"):
                guard i + 1 < p.count else { return nil }
                let e = p[i + 1]
                if e == UInt8(ascii: "d") {
                    for d in UInt8(ascii: "0")...UInt8(ascii: "9") { set[Int(d)] = true }
                } else if e < 0x80 && !SimplePattern.isAlnum(e) {
                    set[Int(e)] = true
                } else { return nil }
                i += 2
            case UInt8(ascii: "["):
                i += 1
                var negate = false
                if i < p.count && p[i] == UInt8(ascii: "^") { negate = true; i += 1 }
                var first = true
                while i < p.count && (p[i] != UInt8(ascii: "]") || first) {
                    first = false
                    var lo = p[i]
                    if lo == UInt8(ascii: "\\") {
                        guard i + 1 < p.count else { return nil }
                        if p[i + 1] == UInt8(ascii: "d") {
                            for d in UInt8(ascii: "0")...UInt8(ascii: "9") { set[Int(d)] = true }
                            i += 2
                            continue
                        }
                        return nil  // POSIX brackets treat \ literally; leave such classes to regexec
                    }
                    if lo >= 0x80 || lo == UInt8(ascii: "[") { return nil }
                    if i + 2 < p.count && p[i + 1] == UInt8(ascii: "-") && p[i + 2] != UInt8(ascii: "]") {
                        let hi = p[i + 2]
                        guard hi < 0x80, lo <= hi else { return nil }
                        for b in lo...hi { set[Int(b)] = true }
                        i += 3
                    } else {
                        set[Int(lo)] = true
                        lo = 0
                        i += 1
                    }
                }
                guard i < p.count else { return nil }
                i += 1
                if negate {
                    // A negated class matches any other byte, non-ASCII bytes included.
                    set = set.map { !$0 }
                }
            default:
                if c >= 0x80 || "().|*+?{}^$".utf8.contains(c) { return nil }
                set[Int(c)] = true
                i += 1
            }
            var min = 1, max = 1
            if i < p.count {
                switch p[i] {
                case UInt8(ascii: "+"): max = Int.max; i += 1
                case UInt8(ascii: "*"): min = 0; max = Int.max; i += 1
                case UInt8(ascii: "?"): min = 0; i += 1
                case UInt8(ascii: "{"):
                    guard let close = p[i...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                    let body = String(decoding: p[(i + 1)..<close], as: UTF8.self)
                    let parts = body.split(separator: ",", omittingEmptySubsequences: false)
                    guard let lo = Int(parts[0]) else { return nil }
                    min = lo
                    if parts.count == 1 { max = lo } else if parts.count == 2 {
                        if parts[1].isEmpty { max = Int.max } else { guard let hi = Int(parts[1]), hi >= lo else { return nil }; max = hi }
                    } else { return nil }
                    i = close + 1
                default: break
                }
            }
            atoms.append(Atom(set: set, min: min, max: max))
        }
        mins = atoms.map(\.min)
        maxs = atoms.map(\.max)
        table = atoms.flatMap(\.set)
        // Lengths summed with a cap, so that huge repeat counts cannot overflow.
        func length(upTo cap: Int) -> Int { atoms.reduce(0) { Swift.min($0 + Swift.min($1.min, cap), cap) } }
        if atoms.allSatisfy({ $0.min == $0.max }), length(upTo: 4097) <= 4096 {
            let fixed = atoms.enumerated().flatMap { a, atom in [Int](repeating: a << 8, count: atom.min) }
            fixedTables = fixed
            let digits = (0..<256).map { (48...57).contains($0) }
            var ahead = [Int](repeating: 0, count: fixed.count + 1)
            for i in stride(from: fixed.count - 1, through: 0, by: -1) {
                let isDigits = (0..<256).allSatisfy { atoms[fixed[i] >> 8].set[$0] == digits[$0] }
                ahead[i] = isDigits ? ahead[i + 1] + 1 : 0
            }
            digitRunAhead = ahead
        } else {
            fixedTables = nil
            digitRunAhead = []
        }
        if fixedTables == nil, length(upTo: 64) <= 63, atoms.allSatisfy({ $0.min >= 1 && ($0.max == $0.min || $0.max == Int.max) }) {
            var accept = [UInt64](repeating: 0, count: 256)
            var loops: UInt64 = 0
            var bit = 1
            for atom in atoms {
                for _ in 0..<atom.min {
                    for b in 0..<256 where atom.set[b] { accept[b] |= 1 << UInt64(bit) }
                    bit += 1
                }
                if atom.max == Int.max { loops |= 1 << UInt64(bit - 1) }
            }
            shiftAnd = ShiftAnd(accept: accept, loops: loops, final: 1 << UInt64(bit - 1))
        } else {
            shiftAnd = nil
        }
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// Whether all eight bytes of `w` are ASCII digits: every high nibble is 3, and
    /// adding 6 to each byte carries into the high nibble only for 0x3A-0x3F. No byte
    /// can carry into the next (0x3F + 6 < 0x100), so the bytes are tested independently.
    @inline(__always) static func eightDigits(_ w: UInt64) -> Bool {
        let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0, threes: UInt64 = 0x3030_3030_3030_3030
        return w & highNibbles == threes && (w &+ 0x0606_0606_0606_0606) & highNibbles == threes
    }

    /// Whether some atom accepts `byte` (a pattern that admits no 0 byte needs no NUL check).
    func admits(_ byte: UInt8) -> Bool {
        stride(from: Int(byte), to: table.count, by: 256).contains { table[$0] }
    }

    func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        table.withUnsafeBufferPointer { table in
            if let fixed = fixedTables {
                guard fixed.count == bytes.count else { return false }
                return fixed.withUnsafeBufferPointer { fixed in
                    digitRunAhead.withUnsafeBufferPointer { ahead in
                        var i = 0
                        while i < bytes.count {
                            if ahead[i] >= 8 {
                                guard Self.eightDigits(UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)) else { return false }
                                i += 8
                            } else {
                                guard table[fixed[i] | Int(bytes[i])] else { return false }
                                i += 1
                            }
                        }
                        return true
                    }
                }
            }
            if let automaton = shiftAnd {
                return automaton.accept.withUnsafeBufferPointer { accept in
                    // Bit j + 1: the bytes so far match the pattern up to position j.
                    var state: UInt64 = 1
                    for b in bytes {
                        state = ((state << 1) | (state & automaton.loops)) & accept[Int(b)]
                        if state == 0 { return false }
                    }
                    return state & automaton.final != 0
                }
            }
            return mins.withUnsafeBufferPointer { mins in
                maxs.withUnsafeBufferPointer { maxs in match(table, mins, maxs, 0, bytes, 0) }
            }
        }
    }

    private func match(_ table: UnsafeBufferPointer<Bool>, _ mins: UnsafeBufferPointer<Int>, _ maxs: UnsafeBufferPointer<Int>,
                       _ a: Int, _ s: UnsafeBufferPointer<UInt8>, _ pos: Int) -> Bool {
        if a == mins.count { return pos == s.count }
        let row = a << 8, min = mins[a], max = maxs[a]
        var n = 0
        while n < max && pos + n < s.count && table[row | Int(s[pos + n])] { n += 1 }
        if n < min { return false }
        if a + 1 == mins.count { return pos + n == s.count }
        // The next atom must match at least once: try only the splits where it can
        // start (`@` and `\.` in an e-mail pattern), not every one.
        let next = (a + 1) << 8, nextNeedsByte = mins[a + 1] > 0
        while n >= min {
            if !nextNeedsByte || (pos + n < s.count && table[next | Int(s[pos + n])]) {
                if match(table, mins, maxs, a + 1, s, pos + n) { return true }
            }
            n -= 1
        }
        return false
    }
}
