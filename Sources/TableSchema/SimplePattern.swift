/// A compiled form of the patterns schemas mostly use — literals, `\d`, ASCII
/// classes `[a-z0-9._-]` and `[^...]`, each with `{n}`, `{n,m}`, `{n,}`, `+`, `*` or
/// `?` — matched over UTF-8 bytes, anchored at both ends, with backtracking.
/// Anything else (`|`, groups, `.`) returns nil and is left to POSIX regexec, which
/// costs about twenty times as much per value.
struct SimplePattern {
    struct Atom {
        var set: [Bool]  // 256 entries: which bytes match
        var min: Int
        var max: Int
    }

    let atoms: [Atom]

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
        self.atoms = atoms
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        atoms.withUnsafeBufferPointer { match($0, 0, bytes, 0) }
    }

    private func match(_ atoms: UnsafeBufferPointer<Atom>, _ a: Int, _ s: UnsafeBufferPointer<UInt8>, _ pos: Int) -> Bool {
        if a == atoms.count { return pos == s.count }
        let atom = atoms[a]
        var n = 0
        while n < atom.max && pos + n < s.count && atom.set[Int(s[pos + n])] { n += 1 }
        if n < atom.min { return false }
        if a + 1 == atoms.count { return pos + n == s.count }
        while n >= atom.min {
            if match(atoms, a + 1, s, pos + n) { return true }
            n -= 1
        }
        return false
    }
}
