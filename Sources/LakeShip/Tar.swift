public import LakeFormat
public import SystemPackage

// Written by hand: no package of the allowed set reads or writes tar, and a bundle
// needs only the plain ustar subset (regular files and folders, names split into
// prefix + name), streamed, with every header checked strictly on the way in.

/// A tar entry as read: its checked name and type, and its size.
public struct TarEntry: Sendable {
    public enum Kind: Sendable { case file, directory }
    public var name: String
    public var kind: Kind
    public var size: Int64
}

/// A bundle that cannot be read or trusted, in one line.
public struct BundleError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Writes a ustar archive to a file descriptor, one entry after another.
public final class TarWriter {
    /// Borrowed: whoever opened it closes it.
    let fd: FileDescriptor
    let path: String
    public private(set) var bytesWritten: Int64 = 0

    public init(fd: FileDescriptor, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Appends a regular file whose bytes come from `body`, which must write exactly `size` bytes.
    public func addFile(_ name: String, size: Int64, mtime: Int64, body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try write(try Self.header(name: name, size: size, mtime: mtime, type: UInt8(ascii: "0")))
        var written: Int64 = 0
        try body { chunk in
            written += Int64(chunk.count)
            guard written <= size else { throw BundleError("\(name) grew while it was being packed") }
            try self.write(chunk)
        }
        guard written == size else { throw BundleError("\(name) changed size while it was being packed (\(written) of \(size) bytes)") }
        try pad(size)
    }

    public func addFile(_ name: String, bytes: [UInt8], mtime: Int64) throws {
        try addFile(name, size: Int64(bytes.count), mtime: mtime) { emit in try bytes.withUnsafeBytes { try emit($0) } }
    }

    /// Ends the archive with its two zero blocks.
    public func finish() throws {
        try write([UInt8](repeating: 0, count: 1024))
    }

    func pad(_ size: Int64) throws {
        let rest = Int(size % 512)
        if rest != 0 { try write([UInt8](repeating: 0, count: 512 - rest)) }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try FileIO.writeAll(fd, bytes, path: path)
        bytesWritten += Int64(bytes.count)
    }

    /// A ustar header: the name split at a `/` into prefix (155) + name (100) when long.
    static func header(name: String, size: Int64, mtime: Int64, type: UInt8) throws -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        let utf8 = Array(name.utf8)
        var prefix: [UInt8] = [], base = utf8
        if utf8.count > 100 {
            // Not at 0: an absolute path would lose its leading '/'.
            guard let cut = utf8.indices.reversed().first(where: { utf8[$0] == UInt8(ascii: "/") && $0 > 0 && $0 <= 155 && utf8.count - $0 - 1 <= 100 }) else {
                throw BundleError("the path \(name) (\(utf8.count) bytes) is too long for a tar entry: ustar holds 100 bytes, "
                                  + "or up to 155 bytes before a '/' and 100 bytes after it")
            }
            prefix = Array(utf8[..<cut])
            base = Array(utf8[(cut + 1)...])
        }
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { h[offset + i] = b } }
        func octal(_ value: Int64, width: Int) -> [UInt8] {
            Array(String(value, radix: 8).leftPadded(to: width - 1).utf8) + [0]
        }
        guard size < 0o77777777777 else { throw BundleError("\(name) is too large for a ustar entry") }
        put(base, at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(mtime, width: 12), at: 136)
        put([UInt8](repeating: 0x20, count: 8), at: 148)
        h[156] = type
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(prefix, at: 345)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(Array(String(sum, radix: 8).leftPadded(to: 6).utf8) + [0, 0x20], at: 148)
        return h
    }
}

/// Reads a tar archive entry by entry, refusing anything a bundle should not hold:
/// links, devices, FIFOs, extension headers, absolute or `..` paths, bad checksums,
/// and an archive that ends early. As a `ByteSource` it reads the current entry's data.
public final class TarReader: ByteSource {
    let input: any ByteSource
    var remaining: Int64 = 0
    var padding = 0
    var ended = false
    let name: String

    public init(source: any ByteSource, name: String) {
        input = source
        self.name = name
    }

    /// The next entry, or nil at the end of the archive. The previous entry's unread
    /// bytes are skipped.
    public func next() throws -> TarEntry? {
        try skipRest()
        guard !ended else { return nil }
        var block = [UInt8](repeating: 0, count: 512)
        guard try readFully(&block) else {
            throw BundleError("\(name) is truncated: the archive ends without its end-of-archive blocks")
        }
        if block.allSatisfy({ $0 == 0 }) {
            ended = true
            return nil
        }
        let entry = try Self.parse(block, archive: name)
        remaining = entry.kind == .file ? entry.size : 0
        padding = Int((512 - entry.size % 512) % 512)
        if entry.kind == .directory { padding = 0 }
        return entry
    }

    /// Reads the current entry's bytes into `buffer`; 0 at the entry's end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0 else { return 0 }
        let want = Int(min(Int64(buffer.count), remaining))
        let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        guard n > 0 else { throw BundleError("\(name) is truncated inside an entry") }
        remaining -= Int64(n)
        return n
    }

    func skipRest() throws {
        if remaining > 0, let file = input as? FileSource, let skipped = try file.skip(remaining) {
            // A file on disk: seek past the body instead of reading it (a pipe is read through).
            guard skipped else { throw BundleError("\(name) is truncated inside an entry") }
            remaining = 0
        }
        try forEachChunk(size: 1 << 16) { _ in }
        if padding > 0 {
            var pad = [UInt8](repeating: 0, count: padding)
            guard try readFully(&pad) else { throw BundleError("\(name) is truncated inside an entry's padding") }
            padding = 0
        }
    }

    func readFully(_ bytes: inout [UInt8]) throws -> Bool {
        var got = 0
        while got < bytes.count {
            let n = try bytes.withUnsafeMutableBytes { b in
                try input.read(into: UnsafeMutableRawBufferPointer(rebasing: b[got...]))
            }
            if n == 0 { return false }
            got += n
        }
        return true
    }

    static func parse(_ h: [UInt8], archive: String) throws -> TarEntry {
        func text(_ offset: Int, _ length: Int) -> [UInt8] {
            let field = h[offset..<(offset + length)]
            return Array(field.prefix { $0 != 0 })
        }
        func octal(_ offset: Int, _ length: Int) throws -> Int64 {
            let digits = text(offset, length).filter { $0 != 0x20 }
            guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x37).contains($0) }), digits.count <= 11 else {
                throw BundleError("\(archive) has a damaged tar header (a number field is not octal)")
            }
            return digits.reduce(Int64(0)) { $0 * 8 + Int64($1 - 0x30) }
        }
        var sumBlock = h
        for i in 148..<156 { sumBlock[i] = 0x20 }
        guard try octal(148, 8) == Int64(sumBlock.reduce(0) { $0 + Int($1) }) else {
            throw BundleError("\(archive) has a damaged tar header (checksum mismatch)")
        }
        // Only a POSIX ustar header has a name prefix there; an old GNU header (magic
        // "ustar  \0", as GNU tar --incremental writes) keeps access and change times there.
        let ustar = h[257..<263].elementsEqual("ustar\0".utf8)
        let prefix = ustar ? text(345, 155) : [], base = text(0, 100)
        let raw = prefix.isEmpty ? base : prefix + [UInt8(ascii: "/")] + base
        guard let name = String(validating: raw, as: UTF8.self) else { throw BundleError("\(archive) holds an entry whose name is not UTF-8") }
        let type = h[156]
        let kind: TarEntry.Kind
        switch type {
        case UInt8(ascii: "0"), 0: kind = .file
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "1"): throw BundleError("\(archive) holds a hard link (\(name)); bundles hold regular files only")
        case UInt8(ascii: "2"): throw BundleError("\(archive) holds a symbolic link (\(name)); bundles hold regular files only")
        case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"):
            throw BundleError("\(archive) holds a device or FIFO (\(name)); bundles hold regular files only")
        case UInt8(ascii: "x"), UInt8(ascii: "g"):
            throw BundleError("\(archive) holds a pax extended header (\(name)), which tar writes for long or non-ASCII "
                              + "names and extra attributes; bundles are plain ustar, and this reader does not apply pax headers")
        case UInt8(ascii: "L"), UInt8(ascii: "K"):
            throw BundleError("\(archive) holds a GNU long-name entry (\(name)), which GNU tar writes for names over "
                              + "100 bytes; bundles are plain ustar, and this reader does not apply GNU long names")
        default:
            throw BundleError("\(archive) holds a tar entry of type '\(String(UnicodeScalar(type)))' (\(name)); bundles hold regular files only")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let inner = parts.dropLast(name.hasSuffix("/") ? 1 : 0)
        if name.isEmpty || name.hasPrefix("/") || inner.contains("..") || inner.contains(".") || inner.contains("") || name.contains("\\") {
            throw BundleError("\(archive) holds an entry with an unsafe path (\(name)); refusing the bundle")
        }
        let size = try octal(124, 12)
        return TarEntry(name: kind == .directory && name.hasSuffix("/") ? String(name.dropLast()) : name, kind: kind, size: size)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
