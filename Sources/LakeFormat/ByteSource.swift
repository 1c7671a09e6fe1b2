import Glibc
/// A pull-based stream of bytes: files, zstd frames, memory.
///
/// `read(into:)` fills some prefix of the buffer and returns its length;
/// 0 means the stream has ended.
public protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Bytes held in memory, handed out in chunks of at most `chunkSize` (tests use 1
/// to exercise every buffer boundary).
public final class MemorySource: ByteSource {
    let bytes: [UInt8]
    let chunkSize: Int
    var offset = 0

    public init(_ bytes: [UInt8], chunkSize: Int = .max) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, chunkSize, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

extension ByteSource {
    /// Reads the whole stream; for tests and small inputs only.
    public func readAll() throws -> [UInt8] {
        var result: [UInt8] = []
        try forEachChunk(size: 1 << 16) { result.append(contentsOf: $0) }
        return result
    }

    /// Passes the stream to `body` chunk by chunk without holding more than one chunk.
    public func forEachChunk(size: Int = 1 << 17, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
        defer { chunk.deallocate() }
        try forEachChunk(using: chunk, body)
    }

    /// The same, reading into `buffer`: a caller streaming many files reuses one.
    public func forEachChunk(using buffer: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            let n = try read(into: buffer)
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}

/// Byte-at-a-time access to a `ByteSource` through a refilled buffer, for the decoders.
final class BufferedBytes {
    let source: any ByteSource
    let buffer: UnsafeMutableRawBufferPointer
    // Exclusivity is checked by hand, as in ByteBuffer: a reader is never shared between
    // threads or used re-entrantly, and the runtime's checks cost more than the reads.
    @exclusivity(unchecked) var position = 0
    @exclusivity(unchecked) var limit = 0
    @exclusivity(unchecked) var atEnd = false

    init(_ source: any ByteSource, capacity: Int = 1 << 16) {
        self.source = source
        buffer = .allocate(byteCount: capacity, alignment: 1)
    }

    deinit { buffer.deallocate() }

    /// The next byte, or nil at the end of the stream.
    @inline(__always) func next() throws -> UInt8? {
        if position == limit {
            guard try refill() else { return nil }
        }
        let b = buffer[position]
        position += 1
        return b
    }

    /// Appends the bytes up to the next quote, backslash or control byte to `out`, a
    /// buffer's worth at a time, and returns that byte without consuming it (nil at
    /// the end of the stream): the plain run of a JSON string, copied in bulk rather
    /// than byte by byte.
    @inline(__always) func appendPlainRun(into out: inout [UInt8]) throws -> UInt8? {
        while true {
            if position == limit {
                guard try refill() else { return nil }
            }
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let start = position, end = limit
            var i = start
            while i < end {
                let b = base[i]
                if b == 0x22 || b == 0x5C || b < 0x20 { break }
                i += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
            position = i
            if i < end { return base[i] }
        }
    }

    /// The bytes up to the next newline (which is consumed, not returned), copied a
    /// buffer's worth at a time; nil at the end of the stream. A last line without a
    /// newline is returned as it is.
    func line(into out: inout [UInt8]) throws -> Bool {
        out.removeAll(keepingCapacity: true)
        var any = false
        while true {
            if position == limit {
                guard try refill() else { return any }
            }
            any = true
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let start = position, end = limit
            let found = memchr(base + start, 0x0A, end - start).map { $0.assumingMemoryBound(to: UInt8.self) - base }
            let stop = found ?? end
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: stop - start))
            position = stop
            if found != nil {
                position += 1
                return true
            }
        }
    }

    /// The next byte without consuming it.
    @inline(__always) func peek() throws -> UInt8? {
        if position == limit {
            guard try refill() else { return nil }
        }
        return buffer[position]
    }

    func refill() throws -> Bool {
        if atEnd { return false }
        position = 0
        limit = try source.read(into: buffer)
        if limit == 0 { atEnd = true }
        return limit > 0
    }
}

/// Passes bytes through while hashing them (SHA-256 of everything read).
public final class HashingSource: ByteSource {
    let source: any ByteSource
    public let hash: SHA256
    public init(_ source: any ByteSource) throws {
        self.source = source
        hash = try SHA256()
    }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try source.read(into: buffer)
        try hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        return n
    }
}
