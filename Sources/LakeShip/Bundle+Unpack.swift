import LakeFormat
public import LakeCatalog
import TableSchema
import Foundation
import Synchronization
import SystemPackage

extension Bundle {
    /// Unpacks a bundle into `lake` (opened for writing).
    ///
    /// Nothing becomes visible until everything is checked: every entry is a regular
    /// file at a safe path inside one bag; the payload streams into a staging folder in
    /// the lake while it is hashed; then the BagIt manifests, the Payload-Oxum, the
    /// OpsLake manifest, each file's decompressed size (a zstd bomb stops at its
    /// declared size), the schemas and the partitions already in the lake are checked.
    /// Only then is each partition committed by the catalogue's commit protocol. A
    /// partition the lake holds with the same bytes is skipped; with other bytes the
    /// bundle is refused unless `replace`.
    /// Unpacks into the lake at `root`, creating it when it has no catalogue yet. A lake
    /// this call created is removed again when the bundle is refused (or anything else
    /// fails), so a refused bundle leaves no empty lake behind: the folder itself if this
    /// call made it, else the catalogue, lock and staging files it added.
    public static func unpack(_ path: String, intoLakeAt root: String, replace: Bool, domains: Set<String> = [],
                              command: String) throws -> UnpackSummary {
        let folderExisted = FileIO.exists(root)
        let catalogue = FileIO.path(root, LakeLayout.catalogFile)
        let lakeExisted = FileIO.exists(catalogue)
        // Opening takes the lock; if that fails (another writer), nothing here is ours to undo.
        var lake: WritableLake? = try WritableLake(root: root, command: command, create: true)
        // Ours only if it is still empty now that the lock is held: another process may
        // have created and filled it between the check above and the lock.
        let created = try (!lakeExisted && lake!.catalog.datasets().isEmpty)
        do {
            return try unpack(path, into: lake!, replace: replace, domains: domains, command: command)
        } catch {
            if created {
                // Partitions committed before the failure stay, with their catalogue, in a
                // folder that existed; a folder this call made goes whole.
                let committed = (try? lake!.catalog.partitions().isEmpty == false) ?? true
                // Under the lock still, so no other writer's staged files can be in it.
                if folderExisted && !committed { removeTree(FileIO.path(root, LakeLayout.stagingDirectory)) }
                lake = nil  // releases the lock
                if !folderExisted {
                    removeTree(root)
                } else if !committed {
                    for name in [LakeLayout.catalogFile, LakeLayout.catalogFile + "-wal", LakeLayout.catalogFile + "-shm",
                                 LakeLayout.catalogFile + "-journal", LakeLayout.lockFile] {
                        try? FileIO.remove(FileIO.path(root, name))
                    }
                }
            }
            throw error
        }
    }

    /// `domains`: the schemas (domains, such as `petshop`) whose datasets the lake accepts
    /// besides those it already holds; a bundle naming any other is refused.
    public static func unpack(_ path: String, into lake: WritableLake, replace: Bool, domains: Set<String> = [],
                              command: String) throws -> UnpackSummary {
        let staging = "\(LakeLayout.stagingDirectory)/unpack-\(getpid())-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_007)"
        let stagingPath = lake.absolute(staging)
        // Once journalled, the staged files are recovery's: the next writer installs
        // them and removes the folder.
        var journalled = false
        defer { if !journalled { removeTree(stagingPath) } }
        try FileIO.makeDirectories(stagingPath)

        // 1. Read every entry: tag files into memory, payload files into staging.
        let reader = TarReader(source: try FileSource(path: path), name: path)
        var bag: String?
        var tags: [String: [UInt8]] = [:]
        var payload: [String: (staged: String, bytes: Int64, sha256: String)] = [:]
        var seen = Set<String>()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while let entry = try reader.next() {
            guard seen.insert(entry.name).inserted else { throw BundleError("\(path) holds \(entry.name) twice; refusing the bundle") }
            let (top, rest) = split(entry.name)
            if bag == nil { bag = top } else if bag != top { throw BundleError("\(path) holds more than one bag (\(bag!) and \(top))") }
            if entry.kind == .directory { continue }
            if tagFiles.contains(rest) {
                tags[rest] = try readSmall(reader, entry, path: path)
            } else if rest.hasPrefix("data/") {
                let relative = String(rest.dropFirst(5))
                guard let parsed = BundleLayout.parse(relative), BundleLayout.path(parsed.key, part: parsed.part, format: parsed.format) == relative else {
                    throw BundleError("\(path) holds \(entry.name), which is not a lake partition file; refusing the bundle")
                }
                let staged = "\(staging)/\(payload.count)"
                let stagedPath = lake.absolute(staged)
                let hash = try SHA256()
                let fd = try FileIO.createExclusive(stagedPath)
                try FileIO.closeAfter(fd, path: stagedPath) {
                    try buffer.withUnsafeMutableBytes { buffer in
                        try reader.forEachChunk(using: buffer) { chunk in
                            try hash.update(chunk)
                            try FileIO.writeAll(fd, chunk, path: stagedPath)
                        }
                    }
                }
                payload[relative] = (staged, entry.size, try hash.finalize())
                FaultPoint.hit(.afterUnpackFile, relative)
            } else {
                throw BundleError("\(path) holds \(entry.name), which is neither a tag file nor payload; refusing the bundle")
            }
        }

        // 2. The bag: tag files present and as the tag manifest says, payload exactly as the manifest says.
        for name in tagFiles where tags[name] == nil { throw BundleError("\(path) has no \(name); it is not a complete OpsLake bundle") }
        let tagLines = try checksumLines(tags["tagmanifest-sha256.txt"]!, file: "tagmanifest-sha256.txt", path: path)
        for (file, sum) in tagLines {
            guard let bytes = tags[file] else { throw BundleError("\(path): tagmanifest-sha256.txt names \(file), which the bundle lacks") }
            guard try SHA256.hash(bytes) == sum else { throw BundleError("\(path): \(file) does not match its checksum in tagmanifest-sha256.txt") }
        }
        for name in tagFiles where name != "tagmanifest-sha256.txt" && tagLines[name] == nil {
            throw BundleError("\(path): tagmanifest-sha256.txt has no checksum for \(name)")
        }
        let manifestLines = try checksumLines(tags["manifest-sha256.txt"]!, file: "manifest-sha256.txt", path: path)
        for (file, sum) in manifestLines {
            guard file.hasPrefix("data/"), let got = payload[String(file.dropFirst(5))] else {
                throw BundleError("\(path): manifest-sha256.txt names \(file), which the bundle does not hold")
            }
            guard got.sha256 == sum else { throw BundleError("\(path): \(file) does not match its checksum in manifest-sha256.txt") }
        }
        if let extra = payload.keys.sorted().first(where: { manifestLines["data/" + $0] == nil }) {
            throw BundleError("\(path) holds data/\(extra), which manifest-sha256.txt does not list; refusing the bundle")
        }
        let info = String(decoding: tags["bag-info.txt"]!, as: UTF8.self)
        if let oxum = info.split(separator: "\n").first(where: { $0.hasPrefix("Payload-Oxum:") }) {
            let want = "\(payload.values.reduce(Int64(0)) { $0 + $1.bytes }).\(payload.count)"
            guard oxum.dropFirst("Payload-Oxum:".count).trimmingCharacters(in: .whitespaces) == want else {
                throw BundleError("\(path): bag-info.txt's Payload-Oxum does not match the payload (\(want))")
            }
        }

        // 3. The OpsLake manifest agrees with the bag, and each file decompresses to its declared size.
        let manifest = try decodeManifest(tags["opslake-manifest.json"]!, path: path)
        var listed = Set<String>()
        var toDecompress: [(staged: String, declared: Int64, name: String)] = []
        for p in manifest.partitions {
            guard let name = DatasetName(p.dataset), let dt = LakeDate(Substring(p.dt)) else {
                throw BundleError("\(path): the manifest names a partition \(p.dataset) dt=\(p.dt) that is not valid")
            }
            for f in p.files {
                guard f.path == BundleLayout.path(PartitionKey(name, dt), part: f.part, format: f.format),
                      let got = payload[f.path], got.sha256 == f.sha256, got.bytes == f.bytes, listed.insert(f.path).inserted else {
                    throw BundleError("\(path): the manifest's \(f.path) does not match the bag's payload")
                }
                toDecompress.append((lake.absolute(got.staged), f.uncompressedBytes, f.path))
            }
        }
        guard listed.count == payload.count else { throw BundleError("\(path) holds payload files its manifest does not list") }
        try checkDecompressed(toDecompress, bundle: path)

        // 4. Schemas and partitions against the receiving lake; nothing is written before this passes.
        var register: [TableSchema] = []
        var schemas: [DatasetName: TableSchema] = [:]
        var bundleHashes: [DatasetName: String] = [:]
        let known = domains.union(try lake.catalog.datasets().map(\.name.schema))
        for d in manifest.datasets {
            guard let name = DatasetName(d.name) else { throw BundleError("\(path): the manifest names a dataset \(d.name) that is not valid") }
            guard !name.isReserved else { throw BundleError("\(path) names the dataset \(name), but \(name.reservedReason); refusing the bundle") }
            guard known.contains(name.schema) else {
                throw BundleError("\(path) holds \(name), of the domain \(name.schema), which this lake does not know; "
                                  + "pass --domain \(name.schema) to accept it")
            }
            let file = "\(path):opslake-manifest.json"
            let schema = try TableSchema(dataset: name, json: Data(d.schemaJSON.utf8), file: file)
            // A version-1 bundle states its schemas' format-1 hashes.
            let stated = manifest.version == 1 ? try TableSchema.legacyHash(json: Data(d.schemaJSON.utf8), file: file) : schema.hash
            guard stated == d.schemaHash else {
                throw BundleError("\(path): the schema of \(d.name) does not match its hash")
            }
            bundleHashes[name] = d.schemaHash
            if let (have, _) = try lake.catalog.registeredSchema(name) {
                guard have == schema.hash else {
                    throw BundleError("\(d.name): the bundle's schema (\(schema.hash.prefix(12))) differs from this lake's (\(have.prefix(12))); refusing the bundle")
                }
            } else {
                register.append(schema)
            }
            schemas[name] = schema
        }
        var summary = UnpackSummary()
        var install: [(BundleManifest.Partition, PartitionKey, Bool)] = []
        for p in manifest.partitions {
            let key = PartitionKey(DatasetName(p.dataset)!, LakeDate(Substring(p.dt))!)
            guard schemas[key.dataset] != nil, p.schemaHash == bundleHashes[key.dataset] else {
                throw BundleError("\(key): its schema is not among the bundle's datasets")
            }
            if let existing = try lake.catalog.partition(key) {
                let same = Set(existing.files.map { "\($0.format)/\($0.part)/\($0.sha256)" }) == Set(p.files.map { "\($0.format)/\($0.part)/\($0.sha256)" })
                if same {
                    summary.unchanged.append(key)
                    continue
                }
                guard replace else {
                    throw BundleError("\(key): the lake holds other bytes for this partition; pass --replace to replace it with the bundle's")
                }
                install.append((p, key, true))
            } else {
                install.append((p, key, false))
            }
        }

        // 5. Commit by the catalogue's protocol, in groups of partitions (one journal
        //    transaction, one sync per folder, one apply transaction per group). The
        //    staged files are made durable first, all at once (syncfs).
        guard !install.isEmpty else { return summary }
        try syncFileSystem(of: stagingPath)
        for schema in register { try lake.register(schema) }
        let runID = try lake.beginRun(command: command, arguments: [path])
        do {
            for group in stride(from: 0, to: install.count, by: 256).map({ Array(install[$0..<min($0 + 256, install.count)]) }) {
                var batch: [(written: WrittenPartition, key: PartitionKey, schema: TableSchema)] = []
                for (p, key, _) in group {
                    for format in FileFormat.allCases { try FileIO.makeDirectories(lake.absolute(LakeLayout.partitionDirectory(key, format))) }
                    let files = p.files.map { f in
                        WrittenFile(format: f.format, part: f.part, temporaryPath: payload[f.path]!.staged,
                                    finalPath: LakeLayout.filePath(key, part: f.part, format: f.format),
                                    bytes: f.bytes, uncompressedBytes: f.uncompressedBytes, sha256: f.sha256, rows: f.rows)
                    }
                    batch.append((WrittenPartition(files: files, rows: p.rows, stats: p.stats), key, schemas[key.dataset]!))
                }
                try lake.commit(batch: batch, runID: runID, journalled: { journalled = true })
                journalled = false  // installed and applied: nothing of this batch is pending
                for (p, key, replacing) in group {
                    if replacing { summary.replaced.append(key) } else { summary.installed.append(key) }
                    summary.bytes += p.files.reduce(0) { $0 + $1.bytes }
                }
            }
            try lake.finishRun(runID, partitions: install.count, rows: Int64(install.reduce(0) { $0 + $1.0.rows }),
                                       bytes: summary.bytes, seconds: 0, error: nil)
        } catch {
            try? lake.finishFailedRun(runID, seconds: 0, error: "\(error)", bytes: summary.bytes)
            throw error
        }
        return summary
    }

    /// `checksum  path` lines of a BagIt manifest, by path.
    static func checksumLines(_ bytes: [UInt8], file: String, path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else {
                throw BundleError("\(path): \(file) has a malformed line: \(line.prefix(80))")
            }
            let name = parts[1].trimmingCharacters(in: .whitespaces)
            guard out.updateValue(String(parts[0]).lowercased(), forKey: name) == nil else {
                throw BundleError("\(path): \(file) lists \(name) twice")
            }
        }
        return out
    }

    /// Decompresses each staged file, stopping past its declared size: a zstd bomb (a
    /// small file that would expand without end) is refused before anyone reads it for
    /// real. Files are checked on every core at once; the first failure is reported.
    static func checkDecompressed(_ files: [(staged: String, declared: Int64, name: String)], bundle: String) throws {
        let failure = Mutex<(any Error)?>(nil)
        WorkQueue.forEach(files.count, jobs: ProcessInfo.processInfo.activeProcessorCount,
                          state: { [UInt8](repeating: 0, count: 1 << 20) }) { buffer, i in
            let f = files[i]
            do {
                let reader = try ZstdReader(source: FileSource(path: f.staged), name: f.name, maxOutput: f.declared)
                var total: Int64 = 0
                try buffer.withUnsafeMutableBytes { buffer in
                    try reader.forEachChunk(using: buffer) { total += Int64($0.count) }
                }
                guard total == f.declared else {
                    throw BundleError("\(bundle): \(f.name) decompresses to \(total) bytes, its manifest declares \(f.declared); refusing the bundle")
                }
                return .next
            } catch let e as FormatError {
                failure.withLock { $0 = $0 ?? BundleError("\(bundle): \(f.name) is not the zstd file its manifest declares (\(e)); refusing the bundle") }
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
            return .stop
        }
        if let e = failure.withLock({ $0 }) { throw e }
    }

    /// Flushes every file written under `path` to disk in one call, syncfs(2), rather
    /// than one fsync per staged file; where the C library has no syncfs, each file is
    /// fsynced.
    static func syncFileSystem(of path: String) throws {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec]) } catch {
            throw BundleError("cannot open \(path) to sync it: \(error)")
        }
        let synced = try FileIO.closeAfter(fd, path: path) {
            do { return try fd.syncFileSystem() } catch { throw BundleError("cannot sync the file system of \(path): \(error)") }
        }
        if !synced {
            for name in FileIO.list(path) { try FileIO.syncFile(FilePath(path).appending(name).string) }
        }
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
