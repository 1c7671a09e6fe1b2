import ArgumentParser
import LakeCatalog
import LakeFormat

extension OpsLake {
    struct Catalog: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the lake's datasets (and with --partitions, each partition) with rows, bytes and compression ratio.",
                discussion: "Examples:\n  opslake catalog --lake lake\n  opslake catalog --partitions --json"
        )

        @OptionGroup var options: LakeOptions
        @Flag(help: "List every partition too.") var partitions = false
        @Flag(help: "Print JSON for machines.") var json = false

        struct Output: Encodable {
            var lake: String
            var lakeID: String
            var catalogVersion: Int
            var datasets: [DatasetSummary]
            var partitions: [PartitionRecord]?
        }

        func run() throws {
            try guarded {
                let lake = try Lake(root: options.lake)
                let datasets = try lake.catalog.datasets()
                let parts = partitions || json ? try lake.catalog.partitions() : []
                if json {
                    try printJSON(Output(lake: options.lake, lakeID: try lake.catalog.lakeID,
                                         catalogVersion: try lake.catalog.userVersion, datasets: datasets, partitions: parts))
                    return
                }
                print("lake \(options.lake)  id \(try lake.catalog.lakeID)  catalogue v\(try lake.catalog.userVersion)")
                var table = [["dataset", "partitions", "rows", "stored", "raw", "ratio", "from", "to"]]
                for d in datasets {
                    table.append([d.name.description, "\(d.partitions)", "\(d.rows)", humanBytes(d.bytes), humanBytes(d.uncompressedBytes),
                                  d.bytes > 0 ? String(format: "%.1fx", d.compressionRatio) : "-", d.firstDt ?? "-", d.lastDt ?? "-"])
                }
                let total = datasets.reduce((0 as Int, 0 as Int64, 0 as Int64, 0 as Int64)) {
                    ($0.0 + $1.partitions, $0.1 + $1.rows, $0.2 + $1.bytes, $0.3 + $1.uncompressedBytes)
                }
                table.append(["total", "\(total.0)", "\(total.1)", humanBytes(total.2), humanBytes(total.3),
                              total.2 > 0 ? String(format: "%.1fx", Double(total.3) / Double(total.2)) : "-", "", ""])
                printTable(table)
                if partitions {
                    print("")
                    var rows = [["dataset", "dt", "rows", "stored", "raw", "files", "committed"]]
                    for p in parts {
                        rows.append([p.dataset.description, p.dt, "\(p.rows)", humanBytes(p.bytes), humanBytes(p.uncompressedBytes),
                                     "\(p.files.count)", p.committedAt])
                    }
                    printTable(rows)
                }
            }
        }
    }
}
