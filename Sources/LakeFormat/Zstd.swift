internal import CZstd
import Synchronization

/// Turns a zstd return code into a `FormatError`: the one place `ZSTD_isError` is checked.
@inline(__always) func checkZstd(_ code: Int, _ doing: @autoclosure () -> String) throws -> Int {
    if ZSTD_isError(code) != 0 {
        throw FormatError(.zstd, "\(doing()): \(String(cString: ZSTD_getErrorName(code)))")
    }
    return code
}

/// A streaming zstd compressor writing frames to a sink.
///
/// Memory stays bounded by zstd's window whatever the input size. With
/// `workers > 0` libzstd compresses on its own threads while the caller keeps
/// encoding; the output is identical for every worker count ≥ 1.
public final class ZstdCompressor {
    /// The lake's default level. On the pet-shop year (4.1 GB of CSV and NDJSON)
    /// level 1 wrote 370 MB against level 3's 382 MB, with less CPU: row-shaped text
    /// gains nothing from level 3's deeper search.
    public static let defaultLevel = 1
    let context: OpaquePointer
    let output: UnsafeMutableRawBufferPointer
    let sink: (UnsafeRawBufferPointer) throws -> Void

    /// - Parameters:
    ///   - level: compression level, 1…19 (3 is zstd's default).
    ///   - workers: extra compression threads (0 compresses on the calling thread).
    ///   - sink: receives compressed bytes, in order.
    public init(level: Int = ZstdCompressor.defaultLevel, workers: Int = 0, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let cctx = ZstdContextPool.compression.take() else { throw FormatError(.zstd, "out of memory creating a compression context") }
        context = cctx
        output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        self.sink = sink
        _ = try checkZstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level)), "setting level \(level)")
        _ = try checkZstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1), "enabling checksums")
        if workers > 0 {
            _ = try checkZstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, Int32(workers)), "starting \(workers) workers")
        }
    }

    deinit {
        ZstdContextPool.compression.give(context)
        output.deallocate()
    }

    /// Compresses `bytes`, passing any finished output to the sink.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size {
            try step(&input, ZSTD_e_continue)
        }
    }

    /// Ends the frame and flushes everything to the sink.
    public func finish() throws {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end) != 0 {}
    }

    @discardableResult
    func step(_ input: inout ZSTD_inBuffer, _ mode: ZSTD_EndDirective) throws -> Int {
        var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let remaining = try checkZstd(ZSTD_compressStream2(context, &out, &input, mode), "compressing")
        if out.pos > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[0..<out.pos])) }
        return remaining
    }
}

/// zstd contexts kept for reuse. A partition's file is often small, and a fresh
/// context allocates and faults in its tables (hundreds of KiB; a decompression
/// window of up to a few MiB) on first use; a reset context keeps them. Reset also
/// clears every parameter, so a reused context works exactly as a new one: the
/// output does not depend on reuse.
final class ZstdContextPool: Sendable {
    // unchecked: a raw zstd context pointer; each is owned by one holder at a time, in
    // the list (under the mutex) or taken from it.
    struct Contexts: @unchecked Sendable { var free: [OpaquePointer] = [] }
    let contexts = Mutex(Contexts())
    let make: @Sendable () -> OpaquePointer?
    let reset: @Sendable (OpaquePointer) -> Void
    let release: @Sendable (OpaquePointer) -> Void
    /// Contexts kept beyond this are freed (enough for a few writers per core).
    static let keep = 32

    init(make: @escaping @Sendable () -> OpaquePointer?, reset: @escaping @Sendable (OpaquePointer) -> Void,
         release: @escaping @Sendable (OpaquePointer) -> Void) {
        self.make = make
        self.reset = reset
        self.release = release
    }

    static let compression = ZstdContextPool(make: { ZSTD_createCCtx() },
                                              reset: { _ = ZSTD_CCtx_reset($0, ZSTD_reset_session_and_parameters) },
                                              release: { _ = ZSTD_freeCCtx($0) })
    static let decompression = ZstdContextPool(make: { ZSTD_createDCtx() },
                                                reset: { _ = ZSTD_DCtx_reset($0, ZSTD_reset_session_and_parameters) },
                                                release: { _ = ZSTD_freeDCtx($0) })

    func take() -> OpaquePointer? {
        contexts.withLock { $0.free.popLast() } ?? make()
    }

    func give(_ context: OpaquePointer) {
        reset(context)
        let kept = contexts.withLock { c in
            guard c.free.count < Self.keep else { return false }
            c.free.append(context)
            return true
        }
        if !kept { release(context) }
    }
}

/// A `ByteSource` that decompresses a zstd stream read from another source.
///
/// Safe on hostile input: the window is capped (`windowLogMax`), so memory stays
/// bounded, and `maxOutput` stops a small file that would expand without end.
/// A stream that ends inside a frame is reported as truncated.
public final class ZstdReader: ByteSource {
    let context: OpaquePointer
    let source: any ByteSource
    let input: UnsafeMutableRawBufferPointer
    var inBuffer: ZSTD_inBuffer
    var lastReturn = 0
    var sourceEnded = false
    var sawInput = false
    /// Decompressed bytes produced so far.
    public private(set) var produced: Int64 = 0
    let maxOutput: Int64
    let name: String

    /// - Parameters:
    ///   - name: what to call the stream in errors (usually its path).
    ///   - maxOutput: the most decompressed bytes accepted before failing.
    ///   - windowLogMax: the largest window accepted, as a power of two (27 = 128 MiB).
    public init(source: any ByteSource, name: String, maxOutput: Int64 = 1 << 40, windowLogMax: Int = 27) throws {
        guard let dctx = ZstdContextPool.decompression.take() else { throw FormatError(.zstd, "out of memory creating a decompression context") }
        context = dctx
        self.source = source
        self.name = name
        self.maxOutput = maxOutput
        input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
        inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: 0, pos: 0)
        _ = try checkZstd(ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, Int32(windowLogMax)), "limiting the window")
    }

    deinit {
        ZstdContextPool.decompression.give(context)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            if inBuffer.pos == inBuffer.size && !sourceEnded {
                let n = try source.read(into: input)
                inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: n, pos: 0)
                if n == 0 { sourceEnded = true } else { sawInput = true }
            }
            if inBuffer.pos == inBuffer.size && sourceEnded {
                guard sawInput else { throw FormatError(.zstd, "\(name) is empty, not a zstd stream") }
                guard lastReturn == 0 else { throw FormatError(.zstd, "\(name) is truncated: the stream ends inside a frame") }
                return 0
            }
            var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            lastReturn = try checkZstd(ZSTD_decompressStream(context, &out, &inBuffer), "\(name) is not a valid zstd stream")
            if out.pos > 0 {
                produced += Int64(out.pos)
                if produced > maxOutput {
                    throw FormatError(.zstd, "\(name) decompresses to more than \(maxOutput) bytes; refusing it as a possible zstd bomb")
                }
                return out.pos
            }
        }
    }
}
