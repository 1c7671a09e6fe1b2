/// A growable byte buffer for the encoders' hot path.
///
/// Encoding a row appends a few dozen small pieces; `[UInt8]` pays a uniqueness
/// check and bounds checks on each of them. This buffer owns one allocation, grows
/// geometrically and is drained (not reallocated) between chunks, so steady-state
/// encoding allocates nothing.
public final class ByteBuffer {
    // Exclusivity is checked by hand here: the buffer is never shared between
    // threads or accessed re-entrantly, and the runtime checks cost more than
    // the appends they guard.
    @exclusivity(unchecked) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) var capacity: Int
    /// Number of bytes written and not yet drained.
    @exclusivity(unchecked) public private(set) var count: Int = 0

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var end: UnsafeMutablePointer<UInt8> { base + count }

    func grow(toFit extra: Int) {
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Makes room for `extra` bytes and returns where they go; call `commit(_:)` after writing.
    public func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count + extra > capacity { grow(toFit: extra) }
        return base + count
    }

    public func commit(_ written: Int) { count += written }

    public func append(_ byte: UInt8) {
        if count == capacity { grow(toFit: 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always) public func append(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n > 0 else { return }
        Self.copy(to: UnsafeMutableRawPointer(reserve(n)), from: bytes.baseAddress!, count: n)
        count += n
    }

    /// Copies `n` bytes. Most pieces are short (ids, keys, numbers): up to 32 bytes,
    /// two overlapping word or double-word copies beat a call to memmove.
    @inlinable @inline(__always) public static func copy(to p: UnsafeMutableRawPointer, from src: UnsafeRawPointer, count n: Int) {
        typealias Pair = (UInt64, UInt64)
        if n >= 8 && n <= 16 {
            p.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (p + n - 8).storeBytes(of: (src + n - 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
        } else if n > 16 && n <= 32 {
            // Both loads before either store: the two copies overlap.
            let head = src.loadUnaligned(as: Pair.self), tail = (src + n - 16).loadUnaligned(as: Pair.self)
            p.storeBytes(of: head, as: Pair.self)
            (p + n - 16).storeBytes(of: tail, as: Pair.self)
        } else if n < 8 {
            for i in 0..<n { p.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self) }
        } else {
            p.copyMemory(from: src, byteCount: n)
        }
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends the UTF-8 bytes of `string` without bridging or copying it.
    public func append(utf8 string: String) {
        string.withUTF8Bytes { append(UnsafeRawBufferPointer($0)) }
    }

    /// The bytes written so far.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Forgets the contents, keeping the allocation.
    public func removeAll() { count = 0 }

    /// Empties the buffer and gives its storage back, keeping a minimal one: for a
    /// buffer whose owner lives on after its last use (a finished partition's writer
    /// waits for its commit), so that the next buffer reuses the memory, whose pages
    /// are already mapped, instead of faulting in new ones.
    public func release() {
        base.deallocate()
        capacity = 64
        base = .allocate(capacity: capacity)
        count = 0
    }

    /// A copy of the contents, for tests and small outputs.
    public var array: [UInt8] { Array(bytes) }
}

extension ByteBuffer {
    /// Appends the decimal digits of `value`.
    public func append(decimal value: Int64) {
        let p = reserve(20)
        var magnitude = value.magnitude
        var tmp = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                   UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { t in
            // Two digits a step (the venue's ids have sixteen).
            while magnitude >= 100 {
                let (q, r) = magnitude.quotientAndRemainder(dividingBy: 100)
                t[18 - n] = Self.digitPairs[Int(r) * 2]
                t[19 - n] = Self.digitPairs[Int(r) * 2 + 1]
                magnitude = q
                n += 2
            }
            repeat {
                t[19 - n] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
                magnitude /= 10
                n += 1
            } while magnitude != 0
            var i = 0
            if value < 0 { p[0] = UInt8(ascii: "-"); i = 1 }
            for k in 0..<n { p[i + k] = t[20 - n + k] }
            count += i + n
        }
    }

    /// "00", "01", … "99", each pair's two ASCII digits.
    static let digitPairs: [UInt8] = {
        var out: [UInt8] = []
        for n in 0..<100 {
            out.append(UInt8(48 + n / 10))
            out.append(UInt8(48 + n % 10))
        }
        return out
    }()

    /// Appends `value` as exactly `width` digits, zero-padded (`value` must fit).
    public func append(digits value: Int, width: Int) {
        let p = reserve(width)
        var v = UInt(bitPattern: value)
        var i = width - 1
        while i >= 0 {
            let (q, r) = v.quotientAndRemainder(dividingBy: 10)
            p[i] = UInt8(truncatingIfNeeded: r) &+ 48
            v = q
            i -= 1
        }
        count += width
    }
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes. A native string lends its own
    /// storage, with no copy and no reference-count traffic (`withUTF8` needs a
    /// `var`, which costs a retain and release per call on the hot paths); any other
    /// string is copied once.
    @inlinable @inline(__always)
    public func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let r = try utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return try copy.withUTF8(body)
    }
}
