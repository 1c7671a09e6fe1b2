import ArgumentParser
import Foundation
import LakeCatalog
import LakeFormat
import LakeReport
import PostgresSync

extension OpsLake {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one self-contained HTML file of charts of the lake: the pet shop's days, weekdays, baskets, funnel and hours; the billiards venue's table use, revenue, payments, stored value and quality checks; the lake's partitions, sizes and what PostgreSQL holds.",
            discussion: """
                The figures are read from the lake's partitions (so a lake of ingested or shipped data reports as truly \
                as a generated one), a day at a time on every core. The file holds inline SVG and CSS only: no script, \
                nothing fetched; CJK labels use the system's Noto Sans CJK (fonts-noto-cjk, which scripts/install-service.sh installs). \
                Each chart has a title, axis labels with units and its figures as a table. --json prints the figures \
                instead of a summary line. --domain picks the parts (default: every domain the lake holds, and the \
                lake); with a connection (--dsn, --dsn-file, $OPSLAKE_DSN or $OPSLAKE_DSN_FILE) the lake part also \
                shows what PostgreSQL's ledger holds. Read-only on the lake; the file is replaced whole (docs/report.md).

                Examples:
                  opslake report --lake lake --out report.html
                  opslake report --lake lake --out 2026-11.html --from 2026-11-01 --to 2026-11-30
                  opslake report --lake lake --out venue.html --domain billiards --dsn-file /etc/opslake/dsn
                """
        )

        @OptionGroup var options: LakeOptions
        @Option(help: "The HTML file to write; replaced whole.") var out: String
        @Option(help: "The first business day, YYYY-MM-DD (default: the lake's first).") var from: String?
        @Option(help: "The last business day, YYYY-MM-DD (default: the lake's last).") var to: String?
        @Option(help: "Days read at once (default: the number of cores).") var jobs = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "The parts to report, comma-separated: petshop, billiards, lake (default: all the lake holds).")
        var domain: [String] = []
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print the report's figures as JSON.") var json = false

        func validate() throws {
            for (name, value) in [("--from", from), ("--to", to)] {
                if let value, LakeDate(value) == nil { throw ValidationError("\(name) \(value) is not a date YYYY-MM-DD") }
            }
            if let from, let to, LakeDate(from)! > LakeDate(to)! { throw ValidationError("--from \(from) is after --to \(to)") }
            if jobs < 1 { throw ValidationError("--jobs must be 1 or more") }
            for name in chosenNames where ReportFigures.Section(rawValue: name) == nil {
                throw ValidationError("--domain \(name) is not one of \(ReportFigures.Section.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        var chosenNames: [String] { domain.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }

        func run() throws {
            try guarded {
                let lake = try Lake(root: options.lake)
                let started = Date()
                let window: ClosedRange<LakeDate>? = from == nil && to == nil ? nil
                    : (from.flatMap(LakeDate.init) ?? LakeDate(daysSinceEpoch: .min))...(to.flatMap(LakeDate.init) ?? LakeDate(daysSinceEpoch: .max))
                let named = Set(chosenNames.compactMap(ReportFigures.Section.init))
                let sections = named.isEmpty ? Set(ReportFigures.Section.allCases) : named
                // Only the lake part shows the ledger: without it, no connection is made.
                let postgres = connection.isGiven && sections.contains(.lake)
                    ? LoadJob(lake: lake, schemas: try options.readingSchemas(of: lake), conninfo: try connection.conninfo()) : nil
                let figures = try connecting {
                    try ReportFigures.read(lake, window: window, jobs: jobs, sections: sections, named: !named.isEmpty, postgres: postgres)
                }
                let html = ReportPage.render(figures, lake: options.lake, generatedAt: Timestamp.utcNow, sections: sections)
                try FileIO.writeAtomically(out, Array(html.utf8))
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(figures), as: UTF8.self))
                } else {
                    print("wrote \(out): \(figures.from)...\(figures.to), \(figures.datasets.count) datasets, \(html.utf8.count) bytes in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
                }
            }
        }
    }
}
