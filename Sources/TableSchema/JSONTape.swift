#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON document checked in one pass and indexed as a flat list of its values (a
/// "tape", as simdjson calls it): each value's kind and byte range, and for an object
/// or array where its subtree ends. Nothing is decoded until asked for, so reading a
/// few fields of many records costs little more than reading their bytes; the ODS
/// reads every upstream response this way, and the DWD every payload.
///
/// The tape accepts exactly what `CanonicalJSON.parse` accepts (I-JSON: valid UTF-8,
/// no duplicate keys, no lone surrogates or noncharacters, finite numbers, nesting to
/// 256); `init` returns nil for anything else, and a caller that must say why parses
/// the bytes with `CanonicalJSON`, whose error names the byte and the reason. The
/// tests hold the two to the same verdict on every input they try.
///
/// Why by hand: Foundation's parsers build every value (and cannot keep a record's
/// exact bytes), and no package in reach scans without building.
public struct JSONTape: Sendable {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    @usableFromInline struct Node: Sendable {
        @usableFromInline var kind: Kind
        /// A string with a backslash escape in it.
        @usableFromInline var escaped: Bool
        @usableFromInline var start: Int32
        @usableFromInline var end: Int32
        /// The index of the node after this value's subtree.
        @usableFromInline var next: Int32

        init(kind: Kind, escaped: Bool, start: Int32, end: Int32, next: Int32) {
            (self.kind, self.escaped, self.start, self.end, self.next) = (kind, escaped, start, end, next)
        }
    }

    /// The document's bytes.
    public let bytes: [UInt8]
    @usableFromInline var nodes: [Node]

    /// The root value's index.
    public static let root = 0

    /// Scans `bytes`; nil when they are not I-JSON (see the type's doc).
    public init?(_ bytes: [UInt8]) {
        guard bytes.count < Int(Int32.max) else { return nil }
        var scanner = Scanner(count: bytes.count)
        let ok = bytes.withUnsafeBufferPointer { scanner.document($0) }
        guard ok else { return nil }
        self.bytes = bytes
        nodes = scanner.nodes
    }

    public func kind(_ i: Int) -> Kind { nodes[i].kind }

    /// The value's bytes in the document (a string's with its quotes).
    public func range(_ i: Int) -> Range<Int> { Int(nodes[i].start)..<Int(nodes[i].end) }

    /// The value of `key` in the object at `object` (nil when absent or not an object).
    public func member(_ object: Int, _ key: StaticString) -> Int? {
        guard nodes[object].kind == .object else { return nil }
        let end = Int(nodes[object].next)
        var i = object + 1
        while i < end {
            if keyEquals(i, key) { return i + 1 }
            i = Int(nodes[i + 1].next)
        }
        return nil
    }

    /// The value of `key` (a run-time name) in the object at `object`.
    public func member(_ object: Int, named key: String) -> Int? {
        guard nodes[object].kind == .object else { return nil }
        let end = Int(nodes[object].next)
        var i = object + 1
        var name = key
        return name.withUTF8 { k in
            while i < end {
                if keyEquals(i, k) { return i + 1 }
                i = Int(nodes[i + 1].next)
            }
            return nil
        }
    }

    /// The value of `key` in the object at `object`, searched from the key node `hint`
    /// on and then from the object's start: a reader that asks for fields in the order
    /// the document writes them compares one key each. `hint` becomes the member after
    /// the one found. Start with the object's index; after that, only a hint this
    /// method left for the same object (any other may point into a nested value).
    public func member(_ object: Int, named key: UnsafeBufferPointer<UInt8>, hint: inout Int) -> Int? {
        guard nodes[object].kind == .object else { return nil }
        let first = object + 1, end = Int(nodes[object].next)
        let from = hint > object && hint < end ? hint : first
        var i = from
        while i < end {
            if keyEquals(i, key) { hint = Int(nodes[i + 1].next); return i + 1 }
            i = Int(nodes[i + 1].next)
        }
        i = first
        while i < from {
            if keyEquals(i, key) { hint = Int(nodes[i + 1].next); return i + 1 }
            i = Int(nodes[i + 1].next)
        }
        return nil
    }

    /// `member(_:named:hint:)` of a name known at compile time.
    public func member(_ object: Int, _ key: StaticString, hint: inout Int) -> Int? {
        member(object, named: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount), hint: &hint)
    }

    /// The members of the object at `object`: each key's node and its value's.
    public func members(_ object: Int) -> [(key: Int, value: Int)] {
        guard nodes[object].kind == .object else { return [] }
        // Built with the result's labels: an unlabelled array returned as a labelled one
        // is cast element by element at run time (3.6% of a DWD build).
        var out: [(key: Int, value: Int)] = []
        let end = Int(nodes[object].next)
        var i = object + 1
        while i < end {
            out.append((key: i, value: i + 1))
            i = Int(nodes[i + 1].next)
        }
        return out
    }

    /// Whether the object's keys are exactly `keys`, in order; if so `values` holds their
    /// values' nodes (it is emptied first and keeps its storage, so a reader of many
    /// rows allocates nothing per row).
    public func values(_ object: Int, keys: [[UInt8]], into values: inout [Int]) -> Bool {
        values.removeAll(keepingCapacity: true)
        guard nodes[object].kind == .object else { return false }
        let end = Int(nodes[object].next)
        var i = object + 1
        for key in keys {
            guard i < end, key.withUnsafeBufferPointer({ keyEquals(i, $0) }) else { return false }
            values.append(i + 1)
            i = Int(nodes[i + 1].next)
        }
        return i == end
    }

    /// A hash of the object's keys, in order (FNV-1a over their bytes): objects with the
    /// same keys hash alike, so a caller can skip key lists it has seen, with no allocation.
    public func keysHash(_ object: Int, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        guard nodes[object].kind == .object else { return seed }
        var h = seed
        let end = Int(nodes[object].next)
        var i = object + 1
        bytes.withUnsafeBufferPointer { b in
            while i < end {
                for k in Int(nodes[i].start)..<Int(nodes[i].end) { h = (h ^ UInt64(b[k])) &* 0x0000_0100_0000_01B3 }
                h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3  // a separator no key byte of UTF-8 is
                i = Int(nodes[i + 1].next)
            }
        }
        return h
    }

    /// The elements of the array at `array`.
    public func elements(_ array: Int) -> [Int] {
        guard nodes[array].kind == .array else { return [] }
        var out: [Int] = []
        let end = Int(nodes[array].next)
        var i = array + 1
        while i < end {
            out.append(i)
            i = Int(nodes[i].next)
        }
        return out
    }

    /// The string at `i`, unescaped; nil when it is not a string.
    public func string(_ i: Int) -> String? {
        let n = nodes[i]
        guard n.kind == .string else { return nil }
        guard n.escaped else { return String(decoding: bytes[Int(n.start) + 1..<Int(n.end) - 1], as: UTF8.self) }
        return stringBytes(i).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `body` over the string at `i`'s UTF-8 bytes, unescaped, read in place when it has
    /// no escape (a time or key read per record allocates nothing); nil when `i` is
    /// not a string. Inlinable, so a caller's `body` is specialized into it: called
    /// through the generic entry point, reading a record's two times took 560
    /// instructions each.
    @inlinable
    public func withStringBytes<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        let n = nodes[i]
        guard n.kind == .string else { return nil }
        guard n.escaped else {
            return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[Int(n.start) + 1..<Int(n.end) - 1])) }
        }
        return try stringBytes(i)!.withUnsafeBytes(body)
    }

    /// The string at `i` as its UTF-8 bytes, unescaped (valid UTF-8: the scan checked
    /// it); nil when it is not a string.
    public func stringBytes(_ i: Int) -> [UInt8]? {
        let n = nodes[i]
        guard n.kind == .string else { return nil }
        let start = Int(n.start) + 1, end = Int(n.end) - 1
        guard n.escaped else { return Array(bytes[start..<end]) }
        // Through raw pointers: a payload read by the DWD is one long escaped string,
        // and a checked `append` per byte was a fifth of the build. Unescaping never
        // lengthens (`\uXXXX` is at most 3 bytes of UTF-8, a surrogate pair's 12 are 4).
        return bytes.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: end - start) { dst, count in
                var j = start, o = 0
                while j < end {
                    // Eight bytes at a time while none is a backslash (the runs between a
                    // payload's escaped quotes); `o + 8 <= j + 8 - start <= end - start`,
                    // so the store stays within the capacity.
                    while j + 8 <= end {
                        let w = UnsafeRawPointer(src.baseAddress! + j).loadUnaligned(as: UInt64.self)
                        let x = w ^ 0x5C5C_5C5C_5C5C_5C5C
                        guard (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 == 0 else { break }
                        UnsafeMutableRawPointer(dst.baseAddress! + o).storeBytes(of: w, as: UInt64.self)
                        j += 8
                        o += 8
                    }
                    guard j < end else { break }
                    let b = src[j]
                    guard b == UInt8(ascii: "\\") else {
                        dst[o] = b
                        o += 1
                        j += 1
                        continue
                    }
                    let c = src[j + 1]
                    j += 2
                    switch c {
                    case UInt8(ascii: "u"):
                        var unit = hex4(j)
                        j += 4
                        if (0xD800...0xDBFF).contains(unit) {
                            unit = 0x10000 + ((unit - 0xD800) << 10) + (hex4(j + 2) - 0xDC00)
                            j += 6
                        }
                        o += Self.utf8(unit, into: dst.baseAddress! + o)
                    case UInt8(ascii: "b"): dst[o] = 0x08; o += 1
                    case UInt8(ascii: "f"): dst[o] = 0x0C; o += 1
                    case UInt8(ascii: "n"): dst[o] = 0x0A; o += 1
                    case UInt8(ascii: "r"): dst[o] = 0x0D; o += 1
                    case UInt8(ascii: "t"): dst[o] = 0x09; o += 1
                    default: dst[o] = c; o += 1  // " \ /
                    }
                }
                count = o
            }
        }
    }

    /// Writes the scalar `v` as UTF-8 at `p`; the byte count.
    static func utf8(_ v: UInt32, into p: UnsafeMutablePointer<UInt8>) -> Int {
        switch v {
        case ..<0x80:
            p[0] = UInt8(v)
            return 1
        case ..<0x800:
            p[0] = UInt8(0xC0 | v >> 6); p[1] = UInt8(0x80 | v & 0x3F)
            return 2
        case ..<0x10000:
            p[0] = UInt8(0xE0 | v >> 12); p[1] = UInt8(0x80 | v >> 6 & 0x3F); p[2] = UInt8(0x80 | v & 0x3F)
            return 3
        default:
            p[0] = UInt8(0xF0 | v >> 18); p[1] = UInt8(0x80 | v >> 12 & 0x3F)
            p[2] = UInt8(0x80 | v >> 6 & 0x3F); p[3] = UInt8(0x80 | v & 0x3F)
            return 4
        }
    }

    /// True when the key node at `i` (an object member's key) is `name`.
    public func key(_ i: Int, is name: String) -> Bool {
        var name = name
        return name.withUTF8 { keyEquals(i, $0) }
    }

    /// Four hex digits the scan has checked.
    func hex4(_ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in at..<at + 4 {
            let c = bytes[k] | 0x20  // ASCII lower case
            v = v << 4 | UInt32(c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10)
        }
        return v
    }

    /// The number at `i` as its text (`12.50`); nil when it is not a number.
    public func numberText(_ i: Int) -> String? {
        guard nodes[i].kind == .number else { return nil }
        return String(decoding: bytes[range(i)], as: UTF8.self)
    }

    /// The number at `i` as a double (correctly rounded); nil when it is not a number.
    public func double(_ i: Int) -> Double? { numberText(i).flatMap(Double.init) }

    /// The number at `i` when it is a whole number an `Int64` holds exactly (`7`, `7.0`);
    /// read from its digits, so a 19-digit id keeps every digit.
    public func int64(_ i: Int) -> Int64? {
        let n = nodes[i]
        guard n.kind == .number else { return nil }
        var j = Int(n.start)
        let end = Int(n.end)
        if bytes[j..<end].contains(where: { $0 | 0x20 == UInt8(ascii: "e") }) {
            return double(i).flatMap { Int64(exactly: $0) }
        }
        let negative = bytes[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        var value: Int64 = 0
        while j < end, bytes[j] &- UInt8(ascii: "0") < 10 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(bytes[j] &- 48)) : m.addingReportingOverflow(Int64(bytes[j] &- 48))
            guard !o1, !o2 else { return nil }
            value = s
            j += 1
        }
        if j < end {  // a fraction: whole only when every digit after '.' is 0
            guard bytes[j] == UInt8(ascii: ".") else { return nil }
            j += 1
            while j < end {
                guard bytes[j] == UInt8(ascii: "0") else { return nil }
                j += 1
            }
        }
        return value
    }

    func keyEquals(_ i: Int, _ key: StaticString) -> Bool {
        keyEquals(i, UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
    }

    func keyEquals(_ i: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = nodes[i]
        if n.escaped { return string(i).map { Array($0.utf8).elementsEqual(key) } ?? false }
        guard Int(n.end - n.start) - 2 == key.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            key.isEmpty || memcmp(b.baseAddress! + Int(n.start) + 1, key.baseAddress!, key.count) == 0
        }
    }
}


extension JSONTape {
    /// One pass over the bytes; every check returns false at the first thing it cannot vouch for.
    struct Scanner {
        var nodes: [Node] = []
        /// Each open object's key signatures, for the duplicate check.
        var keys: [(signature: UInt64, escaped: Bool, start: Int32, end: Int32)] = []
        var at = 0
        var depth = 0

        init(count: Int) {
            nodes.reserveCapacity(count / 12 + 4)
            // Room for an ordinary record's keys: grown from empty, the list was
            // reallocated once per object (4% of a DWD build).
            keys.reserveCapacity(64)
        }

        mutating func document(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            skipSpace(b)
            guard at < b.count, value(b) else { return false }
            skipSpace(b)
            return at == b.count
        }

        @inline(__always)
        mutating func skipSpace(_ b: UnsafeBufferPointer<UInt8>) {
            while at < b.count {
                switch b[at] {
                case 0x20, 0x0A, 0x0D, 0x09: at += 1
                default: return
                }
            }
        }

        mutating func value(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            switch b[at] {
            case UInt8(ascii: "{"): return object(b)
            case UInt8(ascii: "["): return array(b)
            case UInt8(ascii: "\""):
                let start = at
                guard let escaped = string(b) else { return false }
                nodes.append(Node(kind: .string, escaped: escaped, start: Int32(start), end: Int32(at), next: Int32(nodes.count + 1)))
                return true
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number(b)
            case UInt8(ascii: "t"): return literal(b, "true", .true)
            case UInt8(ascii: "f"): return literal(b, "false", .false)
            case UInt8(ascii: "n"): return literal(b, "null", .null)
            default: return false
            }
        }

        mutating func literal(_ b: UnsafeBufferPointer<UInt8>, _ word: StaticString, _ kind: Kind) -> Bool {
            let n = word.utf8CodeUnitCount
            guard b.count - at >= n else { return false }
            for k in 0..<n where b[at + k] != word.utf8Start[k] { return false }
            nodes.append(Node(kind: kind, escaped: false, start: Int32(at), end: Int32(at + n), next: Int32(nodes.count + 1)))
            at += n
            return true
        }

        mutating func object(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            depth += 1
            guard depth <= CanonicalJSON.Parser.maxDepth else { return false }
            let me = nodes.count
            nodes.append(Node(kind: .object, escaped: false, start: Int32(at), end: 0, next: 0))
            at += 1
            let keyBase = keys.count
            skipSpace(b)
            guard at < b.count else { return false }
            if b[at] != UInt8(ascii: "}") {
                while true {
                    guard at < b.count, b[at] == UInt8(ascii: "\"") else { return false }
                    let start = at
                    guard let escaped = string(b) else { return false }
                    keys.append((escaped ? 0 : signature(b, start + 1, at - 1), escaped, Int32(start), Int32(at)))
                    nodes.append(Node(kind: .string, escaped: escaped, start: Int32(start), end: Int32(at), next: Int32(nodes.count + 1)))
                    skipSpace(b)
                    guard at < b.count, b[at] == UInt8(ascii: ":") else { return false }
                    at += 1
                    skipSpace(b)
                    guard at < b.count, value(b) else { return false }
                    skipSpace(b)
                    guard at < b.count else { return false }
                    if b[at] == UInt8(ascii: "}") { break }
                    guard b[at] == UInt8(ascii: ",") else { return false }
                    at += 1
                    skipSpace(b)
                }
            }
            at += 1
            guard noDuplicateKeys(b, from: keyBase) else { return false }
            keys.removeLast(keys.count - keyBase)  // keeps the storage
            nodes[me].end = Int32(at)
            nodes[me].next = Int32(nodes.count)
            depth -= 1
            return true
        }

        mutating func array(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            depth += 1
            guard depth <= CanonicalJSON.Parser.maxDepth else { return false }
            let me = nodes.count
            nodes.append(Node(kind: .array, escaped: false, start: Int32(at), end: 0, next: 0))
            at += 1
            skipSpace(b)
            guard at < b.count else { return false }
            if b[at] != UInt8(ascii: "]") {
                while true {
                    guard at < b.count, value(b) else { return false }
                    skipSpace(b)
                    guard at < b.count else { return false }
                    if b[at] == UInt8(ascii: "]") { break }
                    guard b[at] == UInt8(ascii: ",") else { return false }
                    at += 1
                    skipSpace(b)
                }
            }
            at += 1
            nodes[me].end = Int32(at)
            nodes[me].next = Int32(nodes.count)
            depth -= 1
            return true
        }

        /// A key's length and its first and last eight bytes: equal keys have equal
        /// signatures. Read a word at a time (a byte at a time, it was 2% of a replay's
        /// instructions): a short key's word is masked to its bytes.
        func signature(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
            let n = end - start
            var s = UInt64(n) &* 0x9E37_79B9_7F4A_7C15
            if n >= 8 {
                let first = UnsafeRawPointer(b.baseAddress! + start).loadUnaligned(as: UInt64.self)
                let last = UnsafeRawPointer(b.baseAddress! + end - 8).loadUnaligned(as: UInt64.self)
                s ^= first &+ (last &<< 29 | last &>> 35)
            } else if start + 8 <= b.count {
                let word = UnsafeRawPointer(b.baseAddress! + start).loadUnaligned(as: UInt64.self)
                s ^= UInt64(littleEndian: word) & ((1 &<< UInt64(8 * n)) &- 1)
            } else {  // near the end of the bytes: the same word, a byte at a time
                for k in start..<end { s ^= UInt64(b[k]) &<< UInt64(8 * (k - start)) }
            }
            return s
        }

        func noDuplicateKeys(_ b: UnsafeBufferPointer<UInt8>, from base: Int) -> Bool {
            let n = keys.count - base
            guard n > 1 else { return true }
            if keys[base...].contains(where: \.escaped) {
                // Rare: compare the keys as decoded, through a tape of each.
                var seen = Set<[UInt8]>()
                for k in keys[base...] {
                    let text = Array(b[Int(k.start)..<Int(k.end)])
                    guard let tape = JSONTape(text), let key = tape.string(JSONTape.root) else { return false }
                    guard seen.insert(Array(key.utf8)).inserted else { return false }
                }
                return true
            }
            func same(_ x: Int, _ y: Int) -> Bool {
                let (p, q) = (keys[x], keys[y])
                guard p.signature == q.signature, p.end - p.start == q.end - q.start else { return false }
                return memcmp(b.baseAddress! + Int(p.start), b.baseAddress! + Int(q.start), Int(p.end - p.start)) == 0
            }
            if n <= 12 {
                for x in base..<keys.count - 1 {
                    for y in x + 1..<keys.count where same(x, y) { return false }
                }
                return true
            }
            // More keys: each key's index goes into an open-addressing table at least twice
            // their number, by signature, so a key is compared in full only with the keys
            // it meets there that share its signature; no sort, and for objects of
            // ordinary size the table is on the stack.
            let size = 1 << (Int.bitWidth - (2 * n - 1).leadingZeroBitCount)
            return withUnsafeTemporaryAllocation(of: Int32.self, capacity: size) { table in
                table.initialize(repeating: -1)
                for x in base..<keys.count {
                    var slot = Int(truncatingIfNeeded: (keys[x].signature &* 0x9E37_79B9_7F4A_7C15) >> (64 - size.trailingZeroBitCount))
                    while table[slot] >= 0 {
                        if same(Int(table[slot]), x) { return false }
                        slot = (slot + 1) & (size - 1)
                    }
                    table[slot] = Int32(x)
                }
                return true
            }
        }

        /// A string, `at` on its opening quote; true when it holds an escape, nil when it
        /// is not I-JSON (a bad escape, a lone surrogate, a control, bad UTF-8, a noncharacter).
        mutating func string(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
            at += 1
            var escaped = false
            while at < b.count {
                // Eight bytes at a time while none is a quote, a backslash, a control
                // byte or a byte of a multi-byte character (the common run of text):
                // the scan of strings was the largest item of the DWD build.
                while at + 8 <= b.count {
                    let w = UInt64(littleEndian: UnsafeRawPointer(b.baseAddress! + at).loadUnaligned(as: UInt64.self))
                    let quote = w ^ 0x2222_2222_2222_2222, backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                    // The lowest byte whose high bit is set here is the first quote, backslash,
                    // control or non-ASCII byte (a borrow only ever flags bytes above a real one).
                    let special = ((quote &- ones) | (backslash &- ones) | (w &- 0x2020_2020_2020_2020) | w) & highs
                    guard special == 0 else {
                        at += special.trailingZeroBitCount >> 3
                        break
                    }
                    at += 8
                }
                guard at < b.count else { break }
                let c = b[at]
                if c >= 0x20 && c < 0x80 {
                    if c == UInt8(ascii: "\"") {
                        at += 1
                        return escaped
                    }
                    if c == UInt8(ascii: "\\") {
                        guard at + 1 < b.count else { return nil }
                        switch b[at + 1] {
                        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                            escaped = true
                            at += 2
                        case UInt8(ascii: "u"):
                            guard unicodeEscape(b) else { return nil }
                            escaped = true
                        default: return nil
                        }
                    } else {
                        at += 1
                    }
                    continue
                }
                guard c >= 0x80, utf8(b) else { return nil }
            }
            return nil
        }

        /// A `\u` escape (or a surrogate pair of them), `at` on the backslash: no lone
        /// surrogate, no noncharacter.
        mutating func unicodeEscape(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            func hex4(_ k: Int) -> UInt32? {
                guard k + 4 <= b.count else { return nil }
                var v: UInt32 = 0
                for j in k..<k + 4 {
                    let c = b[j]
                    let d: UInt8
                    switch c {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                    default: return nil
                    }
                    v = v << 4 | UInt32(d)
                }
                return v
            }
            guard var unit = hex4(at + 2) else { return false }
            at += 6
            if (0xDC00...0xDFFF).contains(unit) { return false }
            if (0xD800...0xDBFF).contains(unit) {
                guard at + 1 < b.count, b[at] == UInt8(ascii: "\\"), b[at + 1] == UInt8(ascii: "u"),
                      let low = hex4(at + 2), (0xDC00...0xDFFF).contains(low) else { return false }
                at += 6
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            }
            return !(0xFDD0...0xFDEF).contains(unit) && unit & 0xFFFE != 0xFFFE
        }

        /// One multi-byte UTF-8 character, as `CanonicalJSON.Parser.utf8Scalar` and
        /// `checkScalar` read it: no overlong forms, surrogates or noncharacters.
        @inline(__always)
        mutating func utf8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            let lead = b[at]
            func cont(_ k: Int, _ r: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { at + k < b.count && r.contains(b[at + k]) }
            switch lead {
            case 0xC2...0xDF:
                guard cont(1) else { return false }
                at += 2
            case 0xE0:
                guard cont(1, 0xA0...0xBF), cont(2) else { return false }
                at += 3
            case 0xE1...0xEC, 0xEE:
                guard cont(1), cont(2) else { return false }
                at += 3
            case 0xED:
                guard cont(1, 0x80...0x9F), cont(2) else { return false }
                at += 3
            case 0xEF:
                guard cont(1), cont(2) else { return false }
                let v = 0xF000 | UInt32(b[at + 1] & 0x3F) << 6 | UInt32(b[at + 2] & 0x3F)
                guard !(0xFDD0...0xFDEF).contains(v), v & 0xFFFE != 0xFFFE else { return false }
                at += 3
            case 0xF0...0xF4:
                let second: ClosedRange<UInt8> = lead == 0xF0 ? 0x90...0xBF : lead == 0xF4 ? 0x80...0x8F : 0x80...0xBF
                guard cont(1, second), cont(2), cont(3) else { return false }
                let v = UInt32(lead & 0x07) << 18 | UInt32(b[at + 1] & 0x3F) << 12 | UInt32(b[at + 2] & 0x3F) << 6 | UInt32(b[at + 3] & 0x3F)
                guard v & 0xFFFE != 0xFFFE else { return false }
                at += 4
            default: return false
            }
            return true
        }

        /// RFC 8259's number. One without an exponent and under 300 characters is always
        /// a finite double that does not underflow; any other is read as `CanonicalJSON`
        /// reads it, and refused where it refuses (out of range, or a non-zero that
        /// would become 0).
        mutating func number(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            let start = at
            @inline(__always) func digit() -> Bool { at < b.count && b[at] &- UInt8(ascii: "0") < 10 }
            if b[at] == UInt8(ascii: "-") { at += 1 }
            guard digit() else { return false }
            if b[at] == UInt8(ascii: "0") {
                at += 1
                if digit() { return false }
            } else {
                while digit() { at += 1 }
            }
            if at < b.count, b[at] == UInt8(ascii: ".") {
                at += 1
                guard digit() else { return false }
                while digit() { at += 1 }
            }
            var exponent = false
            if at < b.count, b[at] == UInt8(ascii: "e") || b[at] == UInt8(ascii: "E") {
                exponent = true
                at += 1
                if at < b.count, b[at] == UInt8(ascii: "+") || b[at] == UInt8(ascii: "-") { at += 1 }
                guard digit() else { return false }
                while digit() { at += 1 }
            }
            if exponent || at - start >= 300 {
                let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<at]), as: UTF8.self)
                guard let value = Double(text), value.isFinite else { return false }
                let mantissa = text.prefix { $0 != "e" && $0 != "E" }
                if value == 0 && mantissa.contains(where: { $0 >= "1" && $0 <= "9" }) { return false }
            }
            nodes.append(Node(kind: .number, escaped: false, start: Int32(start), end: Int32(at), next: Int32(nodes.count + 1)))
            return true
        }
    }
}
