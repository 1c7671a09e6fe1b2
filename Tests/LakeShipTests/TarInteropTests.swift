import Testing
import Foundation
import LakeFormat
@testable import LakeShip
import TestSupport

/// Python's `tarfile` on the other side: it reads what the writer writes, and the reader
/// reads what it writes in the formats a bundle may come in, or refuses it in one line.
@Suite(.enabled(if: python != nil || requiredByCI, "needs OPSLAKE_PYTHON (make test sets it); only its standard library is used"))
struct TarInteropTests {
    static let script = repositoryRoot + "/Tests/Interop/tar_roundtrip.py"

    struct PythonMember: Decodable {
        var name: String
        var type: String
        var size: Int
        var mode: Int
        var mtime: Int64
        var sha256: String
        var read: Int
    }

    @Test("Python's tarfile reads what the writer writes: every name, size, mode, mtime and SHA-256, in order",
          arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func pythonReads(seed: UInt64) throws {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var random = RandomMembers(seed: seed)
        let members = random.members()
        let path = dir.path + "/swift.tar"
        try Archive.write(members, to: path)
        let r = try runProcess(py, [Self.script, "read", path])
        try #require(r.status == 0, "\(r.stderr)")
        let read = try JSONDecoder().decode([PythonMember].self, from: Data(r.stdout.utf8))
        #expect(read.map(\.name) == members.map(\.name))
        for (p, m) in zip(read, members) {
            #expect(p.type == "file" && p.size == m.bytes.count && p.read == m.bytes.count, "\(m)")
            #expect(try p.sha256 == SHA256.hash(m.bytes), "\(m)")
            #expect(p.mode == 0o644 && p.mtime == Archive.mtime, "\(m)")
        }
    }

    struct SpecEntry: Encodable {
        var name: String
        var kind: String
        var source: String?
        /// A whole number is written as a JSON integer: tarfile takes any float, even 1.0, for a pax mtime.
        var mtime: Double

        enum CodingKeys: String, CodingKey { case name, kind, source, mtime }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(kind, forKey: .kind)
            try c.encode(source, forKey: .source)
            if mtime == mtime.rounded() { try c.encode(Int64(mtime), forKey: .mtime) } else { try c.encode(mtime, forKey: .mtime) }
        }
    }

    /// Writes `entries` with Python's tarfile in `format`; the archive's path. `lastMtime`:
    /// the last entry's mtime instead of `Archive.mtime`.
    static func pythonWrites(_ format: String, _ entries: [(name: String, bytes: [UInt8]?)], in dir: TemporaryDirectory,
                             lastMtime: Double? = nil) throws -> String {
        let py = try #require(python, "OPSLAKE_PYTHON is not set")
        var spec: [SpecEntry] = []
        for (i, e) in entries.enumerated() {
            var source: String?
            if let bytes = e.bytes {
                source = dir.path + "/body-\(i)"
                try Data(bytes).write(to: URL(fileURLWithPath: source!))
            }
            let mtime = i == entries.count - 1 ? lastMtime ?? Double(Archive.mtime) : Double(Archive.mtime)
            spec.append(SpecEntry(name: e.name, kind: e.bytes == nil ? "dir" : "file", source: source, mtime: mtime))
        }
        try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: dir.path + "/spec.json"))
        let path = dir.path + "/python-\(format).tar"
        let r = try runProcess(py, [script, "write", format, dir.path + "/spec.json", path])
        try #require(r.status == 0, "\(r.stderr)")
        return path
    }

    @Test("the reader reads what Python's tarfile writes as ustar, GNU or pax: names, folders, sizes and bytes equal",
          arguments: ["ustar", "gnu", "pax"], [11, 12, 13] as [UInt64])
    func readsPython(format: String, seed: UInt64) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // What each format writes as a plain header: ustar splits long names into prefix +
        // name; GNU and pax write names over 100 bytes (pax: any non-ASCII name) as extensions.
        var random = RandomMembers(seed: seed, asciiOnly: format == "pax")
        let members = random.members(shapes: format == "ustar" ? RandomMembers.Shape.allCases : [.short, .full100])
        let folders = ["bag", "bag/data/" + random.component(bytes: 40)]
        let entries = folders.map { (name: $0, bytes: nil as [UInt8]?) } + members.map { (name: $0.name, bytes: Optional($0.bytes)) }
        let path = try Self.pythonWrites(format, entries, in: dir)

        let raw = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let magic = Array(raw[257..<265])
        #expect(magic == Array((format == "gnu" ? "ustar  \0" : "ustar\u{0}00").utf8), "\(format) header magic \(magic)")

        let read = try Archive.read(try FileSource(path: path), name: path)
        #expect(read.map(\.entry.name) == entries.map(\.name))
        for ((entry, bytes), expected) in zip(read, entries) {
            if let want = expected.bytes {
                #expect(entry.kind == .file && entry.size == Int64(want.count) && bytes == want, "\(expected.name)")
            } else {
                #expect(entry.kind == .directory && bytes.isEmpty, "\(expected.name)")
            }
        }
    }

    @Test("pax and GNU extension entries from Python (long names, non-ASCII names, fractional mtimes) are refused in one line, not misread",
          arguments: [
              Extension("pax", String(repeating: "n", count: 101), says: "pax extended header"),
              Extension("pax", "bag/data/" + String(repeating: "p", count: 150) + "/name.csv", says: "pax extended header"),
              Extension("pax", "bag/貓飼料.csv", says: "pax extended header"),
              // tarfile.add() takes the file system's fractional mtime, which pax records.
              Extension("pax", "bag/plain.csv", mtime: 1_763_683_200.5, says: "pax extended header"),
              Extension("gnu", String(repeating: "n", count: 101), says: "GNU long-name entry"),
              Extension("gnu", "bag/data/" + String(repeating: "p", count: 150) + "/name.csv", says: "GNU long-name entry"),
          ])
    func refusesExtensions(_ c: Extension) throws {
        let (format, name, says) = (c.format, c.name, c.says)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try Self.pythonWrites(format, [("bag/first.csv", [1, 2, 3]), (name, Array("body\n".utf8))], in: dir, lastMtime: c.mtime)
        // Python reads it back whole: the archive is good, only beyond what bundles hold.
        let py = try #require(python)
        let check = try runProcess(py, [Self.script, "read", path])
        #expect(check.status == 0 && check.stdout.contains(name), "\(check.stderr)")

        let result = Archive.readUntilError(try FileSource(path: path), name: path)
        let message = (result.error as? BundleError)?.description ?? "no error"
        #expect(result.entries == ["bag/first.csv"], "nothing after the extension entry is read")
        #expect(message.hasPrefix("\(path) holds a \(says)") && !message.contains("\n"), "\(message)")
    }

    struct Extension: Sendable, CustomStringConvertible {
        var format: String
        var name: String
        var mtime: Double?
        var says: String
        init(_ format: String, _ name: String, mtime: Double? = nil, says: String) {
            (self.format, self.name, self.mtime, self.says) = (format, name, mtime, says)
        }
        var description: String { "\(format) \(name.prefix(30))\(mtime.map { " mtime \($0)" } ?? "")" }
    }
}
