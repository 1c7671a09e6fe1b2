import ArgumentParser
import LakeCatalog
import LakeFormat
import LakeShip
import TableSchema
import Foundation

extension OpsLake {
    struct Ship: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move partitions between lakes as one tar file that is also a BagIt bag.",
                discussion: "Examples:\n  opslake ship pack --from 2026-11-01 --to 2026-11-07 -o week.tar\n  opslake ship unpack week.tar --lake staging",
            subcommands: [Pack.self, Unpack.self, Inspect.self]
        )

        struct Pack: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pack the chosen partitions' files, as they are, with their manifests into a tar file (a BagIt bag).",
                discussion: "Examples:\n  opslake ship pack --from 2026-11-01 --to 2026-11-07 -o week.tar\n  opslake ship pack --datasets 'petshop.order*' --date 2026-11-20 -o day.tar"
            )
            @OptionGroup var options: LakeOptions
            @OptionGroup var selection: PartitionSelection
            @Option(name: [.customShort("o"), .customLong("output")], help: "The bundle to write, e.g. march.tar.") var output: String
            @Flag(help: "Print the summary as one line of JSON.") var json = false

            func run() throws {
                try guarded {
                    let lake = try Lake(root: options.lake)
                    let started = Date()
                    let datasets = try selection.chosen(in: lake)
                    // A bundle of nothing has no use: an empty selection is always an error here.
                    try selection.requireMatches(in: lake, datasets: datasets, flag: false)
                    let m = try Bundle.pack(lake: lake, datasets: datasets, window: selection.window,
                                            output: output, software: "opslake \(OpsLake.version)")
                    let seconds = Date().timeIntervalSince(started)
                    if json {
                        try printJSONLine(ShipJSON(partitions: m.partitions.count, rows: m.rows, bytes: m.bytes, seconds: seconds))
                    } else {
                        print("packed \(m.partitions.count) partitions (\(m.rows) rows, \(humanBytes(m.bytes))) of "
                              + "\(m.datasets.map(\.name).joined(separator: ", ")) into \(output) in " + String(format: "%.2f s", seconds))
                    }
                }
            }
        }

        struct Unpack: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Verify a bundle whole, then commit its partitions into the lake one by one.",
                discussion: """
                    Every checksum is verified before anything becomes visible. A partition the lake already holds with \
                    the same bytes is skipped, so unpacking twice changes nothing; one with other bytes refuses the \
                    bundle unless --replace. A dataset whose schema hash differs from the lake's refuses the bundle. \
                    An empty lake receives the bundle's schemas.

                    Examples:
                      opslake ship unpack week.tar --lake staging
                      opslake ship unpack week.tar --lake staging --replace
                    """
            )
            @OptionGroup var options: LakeOptions
            @Argument(help: "The bundle (a tar file).") var bundle: String
            @Flag(help: "Replace partitions the lake holds with other bytes.") var replace = false
            @Option(help: "Also accept datasets of this domain (schema), e.g. billiards; repeatable. Known without it: the lake's own and those of the schemas folder.")
            var domain: [String] = []
            @Flag(help: "Print the summary as one line of JSON.") var json = false

            func run() throws {
                try guarded {
                    guard FileIO.exists(bundle) else { throw InputError(.noInput, "no bundle at \(bundle)") }
                    let started = Date()
                    // The domains this binary defines (or the named schemas folder does).
                    let installed = Set(try options.writingSchemas().schemas.keys.map(\.schema))
                    let s = try Bundle.unpack(bundle, intoLakeAt: options.lake, replace: replace,
                                              domains: installed.union(domain), command: "ship unpack")
                    let seconds = Date().timeIntervalSince(started)
                    if json {
                        try printJSONLine(["installed": s.installed.count, "replaced": s.replaced.count, "unchanged": s.unchanged.count,
                                           "bytes": Int(s.bytes)])
                    } else {
                        print("unpacked \(bundle): \(s.installed.count) partitions installed, \(s.replaced.count) replaced, "
                              + "\(s.unchanged.count) unchanged (\(humanBytes(s.bytes))) in " + String(format: "%.2f s", seconds))
                    }
                }
            }
        }

        struct Inspect: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List what a bundle holds, without unpacking it.",
                discussion: "Examples:\n  opslake ship inspect week.tar\n  opslake ship inspect week.tar --json")
            @Argument(help: "The bundle (a tar file).") var bundle: String
            @Flag(help: "Print JSON for machines.") var json = false

            func run() throws {
                try guarded {
                    guard FileIO.exists(bundle) else { throw InputError(.noInput, "no bundle at \(bundle)") }
                    let m = try Bundle.inspect(bundle)
                    if json { try printJSON(m.partitions.map { ["dataset": $0.dataset, "dt": $0.dt, "rows": String($0.rows)] }); return }
                    print("bundle \(bundle): from lake \(m.lakeID), created \(m.created)")
                    var rows = [["dataset", "partitions", "from", "to", "rows", "stored", "schema"]]
                    for d in m.datasets {
                        let ps = m.partitions.filter { $0.dataset == d.name }
                        rows.append([d.name, "\(ps.count)", ps.map(\.dt).min() ?? "-", ps.map(\.dt).max() ?? "-",
                                     "\(ps.reduce(0) { $0 + $1.rows })",
                                     humanBytes(ps.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.bytes } }), String(d.schemaHash.prefix(12))])
                    }
                    printTable(rows)
                    print("\(m.partitions.count) partition\(m.partitions.count == 1 ? "" : "s"), \(m.rows) rows, \(humanBytes(m.bytes))")
                }
            }
        }
    }
}

struct ShipJSON: Encodable {
    var partitions: Int
    var rows: Int
    var bytes: Int64
    var seconds: Double
}
