public import LakeFormat
public import LakeCatalog
import TableSchema
import Foundation

/// What a bundle holds, as its `opslake-manifest.json` tag file says: the datasets
/// with their schemas (so an empty lake can receive them) and every partition with its
/// files and column statistics, exactly as the source catalogue recorded them.
public struct BundleManifest: Codable, Sendable {
    public struct Dataset: Codable, Sendable {
        public var name: String
        public var schemaHash: String
        public var schemaJSON: String
    }

    public struct Partition: Codable, Sendable {
        public var dataset: String
        public var dt: String
        public var rows: Int
        public var schemaHash: String
        public var files: [FileRecord]
        public var stats: [ColumnStats]
    }

    public var format = "opslake-bundle"
    /// 2: schema hashes in the canonical form of lake format 2. Version 1 (lake format 1)
    /// hashed schemas over one JSON library's output; `unpack` reads both. The payload
    /// layout is the same in both (`BundleLayout`).
    public var version = Bundle.version
    public var lakeID: String
    public var created: String
    public var datasets: [Dataset]
    public var partitions: [Partition]

    public var rows: Int { partitions.reduce(0) { $0 + $1.rows } }
    public var bytes: Int64 { partitions.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.bytes } } }
}

/// What `unpack` did.
public struct UnpackSummary: Sendable {
    public var installed: [PartitionKey] = []
    public var replaced: [PartitionKey] = []
    public var unchanged: [PartitionKey] = []
    public var bytes: Int64 = 0
}

/// Bundles: chosen partitions packed into one tar file that is also a BagIt bag
/// (RFC 8493), so a receiver without OpsLake can still check it, and unpacked into
/// another lake through the commit protocol.
///
/// The bag's tag files come first in the tar (`bagit.txt`, `bag-info.txt`,
/// `opslake-manifest.json`, `manifest-sha256.txt`, `tagmanifest-sha256.txt`), then the
/// payload under `data/`, laid out as `BundleLayout` says. Packing and unpacking stream:
/// memory does not grow with the bundle.
public enum Bundle {
    /// The manifest version this build writes.
    public static let version = 2
    /// The manifest versions this build unpacks.
    static let readableVersions = 1...2

    static let tagFiles = ["bagit.txt", "bag-info.txt", "opslake-manifest.json", "manifest-sha256.txt", "tagmanifest-sha256.txt"]

    // MARK: pack

    /// Packs the partitions of `datasets` in `window` into `output` (a tar file, written
    /// under a temporary name and renamed when complete). Every file's SHA-256 is
    /// checked against the catalogue as it is copied.
    public static func pack(lake: Lake, datasets: Set<DatasetName>, window: ClosedRange<LakeDate>?, output: String,
                            software: String) throws -> BundleManifest {
        let catalog = lake.catalog
        var manifestDatasets: [BundleManifest.Dataset] = []
        var partitions: [BundleManifest.Partition] = []
        var lakePaths: [String: String] = [:]  // bundle path → lake path
        for name in datasets.sorted() {
            guard let (hash, json) = try catalog.registeredSchema(name) else { continue }
            let chosen = try catalog.partitions(of: name).filter { p in window.map { $0.contains(p.key.dt) } ?? true }
            if chosen.isEmpty { continue }
            manifestDatasets.append(.init(name: name.description, schemaHash: hash, schemaJSON: json))
            for p in chosen.sorted(by: { $0.dt < $1.dt }) {
                guard p.schemaHash == hash else {
                    throw BundleError("\(p.key) was written under an older version of its schema; regenerate it before packing")
                }
                let files = p.files.sorted { ($0.format.rawValue, $0.part) < ($1.format.rawValue, $1.part) }.map { f in
                    var inBundle = f
                    inBundle.path = BundleLayout.path(p.key, part: f.part, format: f.format)
                    return (lake: f.path, bundle: inBundle)
                }
                lakePaths.merge(files.map { ($0.bundle.path, $0.lake) }) { first, _ in first }
                partitions.append(.init(dataset: p.dataset.description, dt: p.dt, rows: p.rows, schemaHash: p.schemaHash,
                                        files: files.map(\.bundle), stats: try catalog.columnStats(p.key)))
            }
        }
        guard !partitions.isEmpty else { throw BundleError("no partitions match; nothing to pack") }
        let now = Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970), offsetMinutes: 0)
        let manifest = BundleManifest(lakeID: try catalog.lakeID, created: now.utcText, datasets: manifestDatasets, partitions: partitions)

        let bag = bagName(output)
        let files = partitions.flatMap(\.files)
        let payloadBytes = files.reduce(Int64(0)) { $0 + $1.bytes }
        var tags: [(String, [UInt8])] = []
        tags.append(("bagit.txt", Array("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".utf8)))
        var info = [
            "Bagging-Date: \(now.utcText.prefix(10))",
            "Bag-Software-Agent: \(software)",
            "Payload-Oxum: \(payloadBytes).\(files.count)",
            "OpsLake-Bundle-Version: \(manifest.version)",
            "OpsLake-Lake-Id: \(manifest.lakeID)",
            "OpsLake-Datasets: \(manifestDatasets.map(\.name).joined(separator: ", "))",
            "OpsLake-Date-Range: \(partitions.map(\.dt).min()!)/\(partitions.map(\.dt).max()!)",
            "OpsLake-Partitions: \(partitions.count)",
            "OpsLake-Rows: \(manifest.rows)",
            "OpsLake-Created: \(manifest.created)",
        ]
        info += manifestDatasets.map { "OpsLake-Schema-Hash: \($0.name) \($0.schemaHash)" }
        tags.append(("bag-info.txt", Array((info.joined(separator: "\n") + "\n").utf8)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        tags.append(("opslake-manifest.json", Array(try encoder.encode(manifest)) + [0x0A]))
        tags.append(("manifest-sha256.txt", Array(files.map { "\($0.sha256)  data/\($0.path)\n" }.joined().utf8)))
        tags.append(("tagmanifest-sha256.txt", Array(try tags.map { "\(try SHA256.hash($0.1))  \($0.0)\n" }.joined().utf8)))

        let temporary = output + ".\(getpid()).tmp"
        let fd = try FileIO.createExclusive(temporary)
        do {
            try FileIO.closeAfter(fd, path: temporary) {
                let tar = TarWriter(fd: fd, path: temporary)
                let mtime = now.secondsSinceEpoch
                for (name, bytes) in tags { try tar.addFile("\(bag)/\(name)", bytes: bytes, mtime: mtime) }
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                for file in files {
                    let source = try FileSource(path: lake.absolute(lakePaths[file.path] ?? file.path))
                    let hash = try SHA256()
                    try tar.addFile("\(bag)/data/\(file.path)", size: file.bytes, mtime: mtime) { emit in
                        try buffer.withUnsafeMutableBytes { buffer in
                            try source.forEachChunk(using: buffer) { chunk in
                                try hash.update(chunk)
                                try emit(chunk)
                            }
                        }
                    }
                    guard try hash.finalize() == file.sha256 else {
                        throw BundleError("\(file.path) does not match its catalogued SHA-256; run `opslake verify` and regenerate it")
                    }
                }
                try tar.finish()
                try FileIO.sync(fd, path: temporary)
            }
        } catch {
            try? FileIO.remove(temporary)
            throw error
        }
        try FileIO.rename(temporary, to: output)
        return manifest
    }

    /// The bag's folder name inside the tar: the file's name without `.tar`.
    static func bagName(_ output: String) -> String {
        var name = URL(fileURLWithPath: output).lastPathComponent
        if name.hasSuffix(".tar") { name = String(name.dropLast(4)) }
        let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
        return safe.isEmpty || safe.hasPrefix(".") ? "bundle" : safe
    }

    // MARK: inspect

    /// Reads a bundle's manifest (its first entries) without unpacking the payload.
    ///
    /// Every entry's header is read to the end of the archive (file bodies are skipped,
    /// not read), so a truncated bundle, or one that lacks a listed file or holds it at
    /// another size, is refused here as `unpack` would refuse it; the checksums are
    /// left to `unpack`.
    public static func inspect(_ path: String) throws -> BundleManifest {
        let reader = TarReader(source: try FileSource(path: path), name: path)
        var bag: String?
        var manifest: BundleManifest?
        var payload: [String: Int64] = [:]
        while let entry = try reader.next() {
            let (top, rest) = split(entry.name)
            if bag == nil { bag = top } else if bag != top { throw BundleError("\(path) holds more than one bag (\(bag!), \(top))") }
            if rest == "opslake-manifest.json" && entry.kind == .file {
                manifest = try decodeManifest(try readSmall(reader, entry, path: path), path: path)
            } else if rest.hasPrefix("data/") && entry.kind == .file {
                payload[String(rest.dropFirst(5))] = entry.size
            }
        }
        guard let manifest else { throw BundleError("\(path) holds no opslake-manifest.json; it is not an OpsLake bundle") }
        for file in manifest.partitions.flatMap(\.files) {
            guard let size = payload[file.path] else {
                throw BundleError("\(path) lacks data/\(file.path), which its manifest lists; the bundle is incomplete")
            }
            guard size == file.bytes else {
                throw BundleError("\(path) holds data/\(file.path) at \(size) bytes, its manifest says \(file.bytes); the bundle is damaged")
            }
        }
        return manifest
    }

    static func split(_ name: String) -> (top: String, rest: String) {
        guard let slash = name.firstIndex(of: "/") else { return (name, "") }
        return (String(name[..<slash]), String(name[name.index(after: slash)...]))
    }

    /// A tag file, read into memory (tag files are small; a huge one is refused).
    static func readSmall(_ reader: TarReader, _ entry: TarEntry, path: String) throws -> [UInt8] {
        guard entry.size <= 256 << 20 else { throw BundleError("\(path): the tag file \(entry.name) is \(entry.size) bytes; refusing it") }
        return try reader.readAll()
    }

    static func decodeManifest(_ bytes: [UInt8], path: String) throws -> BundleManifest {
        do {
            let m = try JSONDecoder().decode(BundleManifest.self, from: Data(bytes))
            guard m.format == "opslake-bundle", readableVersions.contains(m.version) else {
                throw BundleError("\(path) is a bundle of format \(m.format) version \(m.version); this opslake reads opslake-bundle "
                                  + "versions \(readableVersions.lowerBound) to \(readableVersions.upperBound); upgrade opslake")
            }
            return m
        } catch let e as BundleError {
            throw e
        } catch {
            throw BundleError("\(path): opslake-manifest.json is not a valid bundle manifest (\(error))")
        }
    }
}

/// Where a partition file sits in a bundle's payload, under `data/`:
/// `<schema>/<table>/dt=YYYY-MM-DD/part-NNNNN.<format>.zst`, both formats of a partition
/// together. It is lake format 1's layout, kept for bundles of every version, so a
/// release that knows only version 1 reads as far as the manifest and refuses a newer
/// bundle by its version rather than by a path it does not understand.
public enum BundleLayout {
    public static func path(_ key: PartitionKey, part: Int, format: FileFormat) -> String {
        LakeLayout.Format1.filePath(key, part: part, format: format)
    }

    public static func parse(_ path: String) -> (key: PartitionKey, part: Int, format: FileFormat)? {
        LakeLayout.Format1.parse(path)
    }
}
