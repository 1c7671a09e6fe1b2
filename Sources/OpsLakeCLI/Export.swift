import ArgumentParser
import LakeCatalog
import LakeExport
import LakeFormat
import Foundation

extension OpsLake {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write chosen partitions as plain CSV (or NDJSON) for tools that cannot read zstd, with a datapackage.json.",
            discussion: """
                One file per dataset (partitions in date order, one header) or per partition; a dt column comes \
                first. --excel adds a UTF-8 byte-order mark and splits files at Excel's 1,048,576 rows; \
                --safe-formulas prefixes text cells that begin with = + - @ tab or CR with ' (numbers are untouched). \
                Files are written under temporary names and appear only when the whole export succeeded; existing \
                files of the same names are replaced.

                Examples:
                  opslake export --from 2026-11-01 --to 2026-11-30 --out export --excel --safe-formulas
                  opslake export --datasets petshop.orders --per-partition --out orders --replace
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var selection: PartitionSelection
        @Option(help: "The folder to write into (created if missing).") var out: String
        @Flag(help: "One file per partition instead of one per dataset.") var perPartition = false
        @Flag(help: "For Excel: a UTF-8 byte-order mark, and files split at 1,048,576 rows.") var excel = false
        @Flag(help: "Prefix text cells that a spreadsheet would evaluate (= + - @ tab CR) with '.") var safeFormulas = false
        @Option(help: "csv or ndjson.") var format: String = "csv"
        @Option(help: "Data rows per file before the next one starts (default: no limit; with --excel 1,048,575).") var rowsPerFile: Int?
        @Flag(help: "Succeed when the selection matches no partition (default: exit 66, naming what the lake holds).") var allowEmpty = false
        @Flag(help: "Replace the earlier export in --out (a folder with its datapackage.json); without it, a folder that is not empty is refused.")
        var replace = false
        @Flag(help: "Print the files written as JSON.") var json = false

        func validate() throws {
            guard ExportOptions.Format(rawValue: format) != nil else { throw ValidationError("--format must be csv or ndjson") }
            if excel && format != "csv" { throw ValidationError("--excel applies to CSV only; drop it or use --format csv") }
            if let n = rowsPerFile, n < 1 { throw ValidationError("--rows-per-file must be 1 or more") }
            if excel, let n = rowsPerFile, n > ExportOptions.excelDataRows {
                throw ValidationError("--rows-per-file \(n) is more than Excel's \(ExportOptions.excelDataRows) data rows")
            }
        }

        func run() throws {
            try guarded {
                let lake = try Lake(root: options.lake)
                var o = ExportOptions()
                o.format = ExportOptions.Format(rawValue: format)!
                o.perPartition = perPartition
                o.excel = excel
                o.safeFormulas = safeFormulas
                o.rowsPerFile = rowsPerFile
                o.replace = replace
                let started = Date()
                let datasets = try selection.chosen(in: lake)
                try selection.requireMatches(in: lake, datasets: datasets, allowEmpty: allowEmpty)
                let files = try Exporter(lake: lake).export(datasets: datasets, window: selection.window, to: out, options: o)
                if json { try printJSON(files); return }
                for f in files { print("\(f.path)\t\(f.rows) rows\t\(humanBytes(f.bytes))") }
                let rows = files.reduce(0) { $0 + $1.rows }, bytes = files.reduce(Int64(0)) { $0 + $1.bytes }
                print("exported \(files.count) files, \(rows) rows, \(humanBytes(bytes)) to \(out) in "
                      + String(format: "%.2f s", Date().timeIntervalSince(started)) + "; described in \(out)/datapackage.json")
            }
        }
    }
}
