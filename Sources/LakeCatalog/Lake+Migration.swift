import LakeFormat
import TableSchema
import Foundation
import Logging

let lakeLog = Logger(label: "opslake.lake")

extension WritableLake {
    /// Moves a format-1 lake to format 2, under the lock, before anything else writes.
    ///
    /// Format 1 kept both formats of a partition in one `dt=` folder and hashed schemas
    /// over one JSON library's output. The move, in steps that can each be interrupted
    /// and simply run again by the next writer:
    ///
    /// 1. journalled format-1 commits are rolled forward, so their files are in place;
    /// 2. each catalogued file is renamed into its table folder (a file already there is
    ///    left: an interrupted run moved it), and the folders are synced;
    /// 3. what is left in the old `dt=` folders (temporary files, files the catalogue
    ///    does not list) goes to `_quarantine/`, and the emptied folders are removed;
    /// 4. one transaction rewrites the catalogue's paths, recomputes every registered
    ///    schema's hash in the canonical form (and the partitions' hashes with it), and
    ///    sets the catalogue's `user_version` to 2.
    ///
    /// From step 2 until step 4 commits, the catalogue's `user_version` is
    /// `Catalog.movingFromFormat1`: a reader asks for a writer, a release that knows only
    /// format 1 refuses the lake as newer, and the next writer starts again at step 1. File contents never change, so
    /// their SHA-256 and PostgreSQL's load ledger stay valid: a load after the move
    /// reloads nothing.
    func migrateFromFormat1() throws -> FormatMigration {
        for (id, m) in try catalog.pendingCommits() where installable(m) {
            try rollForward(id, m, schema: nil)
        }
        for name in FileIO.list(root) where name.hasPrefix(".staging-") {
            try? FileManager.default.removeItem(atPath: absolute(name))
        }
        // From here files move: a release that knows only format 1 must not open the lake.
        try catalog.setUserVersion(Catalog.movingFromFormat1)

        // 2. Every catalogued file into its table folder.
        var moves: [(from: String, to: String)] = []
        for partition in try catalog.partitions() {
            for file in partition.files {
                guard let parsed = LakeLayout.Format1.parse(file.path) else { continue }  // already a format-2 path
                moves.append((file.path, LakeLayout.filePath(parsed.key, part: parsed.part, format: parsed.format)))
            }
        }
        // Every destination folder is synced, also for a file an interrupted run moved:
        // that run may not have synced it before it was killed.
        var touched = Set<String>()
        for move in moves {
            let to = absolute(move.to)
            let folder = (move.to as NSString).deletingLastPathComponent
            if FileIO.exists(absolute(move.from)) {
                if touched.insert(folder).inserted { try FileIO.makeDirectories(absolute(folder)) }
                try FileIO.rename(absolute(move.from), to: to)
                touched.insert((move.from as NSString).deletingLastPathComponent)
                FaultPoint.hit(.afterMigrationMove, move.to)
            } else if FileIO.exists(to) {
                touched.insert(folder)
            }
        }
        for folder in touched.sorted() where FileIO.exists(absolute(folder)) { try FileIO.syncDirectory(absolute(folder)) }

        // 3. The old dt= folders: anything left in them is quarantined, then they go.
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        for schema in FileIO.list(root) where !schema.hasPrefix("_") && !schema.hasPrefix(".") && FileIO.isDirectory(absolute(schema)) {
            for table in FileIO.list(absolute(schema)) where FileIO.isDirectory(absolute("\(schema)/\(table)")) {
                let dataset = "\(schema)/\(table)"
                for folder in FileIO.list(absolute(dataset)) where folder.hasPrefix("dt=") {
                    let old = "\(dataset)/\(folder)"
                    let quarantine = "\(LakeLayout.quarantineDirectory)/\(stamp)/\(old)"
                    let leftovers = FileIO.list(absolute(old))
                    for name in leftovers {
                        try FileIO.makeDirectories(absolute(quarantine))
                        try FileIO.rename(absolute("\(old)/\(name)"), to: absolute("\(quarantine)/\(name)"))
                    }
                    // The quarantined names are durable before their old folder goes.
                    if !leftovers.isEmpty { try FileIO.syncDirectory(absolute(quarantine)) }
                    try FileManager.default.removeItem(atPath: absolute(old))
                }
                try FileIO.syncDirectory(absolute(dataset))
            }
        }
        FaultPoint.hit(.beforeMigrationCommit, "\(moves.count) files")

        // 4. The catalogue, in one transaction.
        var schemas: [(dataset: DatasetName, from: String, to: String, json: String)] = []
        for d in try catalog.datasets() {
            guard let (hash, json) = try catalog.registeredSchema(d.name),
                  let schema = try? TableSchema(dataset: d.name, json: Data(json.utf8), file: "\(catalog.path): dataset \(d.name)")
            else { continue }  // an unusable registration stays as it is (see `registeredSchemas`)
            schemas.append((d.name, hash, schema.hash, schema.canonicalJSON))
        }
        try catalog.finishFormat1Migration(moves: moves, schemas: schemas)
        let done = FormatMigration(from: 1, to: LakeLayout.format, files: moves.count, datasets: schemas.count)
        lakeLog.notice("lake moved to a new format", metadata: [
            "lake": "\(root)", "from": "\(done.from)", "to": "\(done.to)", "files": "\(done.files)",
        ])
        return done
    }
}

/// What opening a lake in an older format did to it.
public struct FormatMigration: Hashable, Sendable, Codable, CustomStringConvertible {
    public var from: Int
    public var to: Int
    /// Files moved into their table folders.
    public var files: Int
    /// Registered schemas whose hash was recomputed.
    public var datasets: Int
    public var description: String {
        "moved the lake from format \(from) to format \(to): \(files) files into their table folders, \(datasets) schema hashes recomputed"
    }
}

extension Catalog {
    /// Step 4 of `WritableLake.migrateFromFormat1`: the new paths and schema hashes,
    /// and `user_version` 2, in one transaction.
    func finishFormat1Migration(moves: [(from: String, to: String)],
                                schemas: [(dataset: DatasetName, from: String, to: String, json: String)]) throws {
        try locked {
            try db.transaction {
                for move in moves {
                    try db.query("UPDATE files SET path = ? WHERE path = ?", [.text(move.to), .text(move.from)])
                }
                for s in schemas {
                    try db.query("UPDATE datasets SET schema_hash = ?, schema_json = ? WHERE name = ?",
                                 [.text(s.to), .text(s.json), .text(s.dataset.description)])
                    try db.query("UPDATE partitions SET schema_hash = ? WHERE dataset = ? AND schema_hash = ?",
                                 [.text(s.to), .text(s.dataset.description), .text(s.from)])
                }
                try db.execute("PRAGMA user_version = \(LakeLayout.format)")
            }
        }
    }
}
