import ArgumentParser
import Configuration
import GeneratorKit
import LakeCatalog
import LakeFormat
import TableSchema
import Foundation

extension OpsLake {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate partitions of every domain (\(Domains.all.map { $0.name }.joined(separator: ", "))) for a day or a date range (history backfill), replacing what the lake held for them.",
            discussion: """
                Each partition is a pure function of (configuration, seed, dataset, day): generating it again gives \
                byte-identical files, in any order, with any --jobs or --shard. A range also brings the weekly catalogue \
                and the monthly campaigns in force on its first day. Every row is validated against its schema before \
                it is written; a partition is committed whole or not at all.

                Examples:
                  opslake generate --date 2026-11-20
                  opslake generate --from 2026-01-01 --to 2026-12-31 --shard 2/3 --jobs 2
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "One day, YYYY-MM-DD.") var date: String?
        @Option(help: "First day of a range, YYYY-MM-DD.") var from: String?
        @Option(help: "Last day of a range, YYYY-MM-DD (inclusive).") var to: String?
        @Option(help: "Datasets to generate: names or globs, comma-separated (default: every dataset of every domain).") var datasets: [String] = []
        @Option(help: "Days generated in parallel.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "Take share K of N of the days (K/N), so N machines can split a backfill.") var shard: String?
        @Option(help: "Seed of the random streams (overrides the configuration's seed).") var seed: Int64?
        @Option(help: "Multiply every volume by this factor, for load tests. Member numbers depend on it: use one scale for a whole lake (`init --scale`).") var scale: Double?
        @Option(help: "zstd level, 1-19.") var level: Int = ZstdCompressor.defaultLevel
        @Flag(help: "Replace partitions that came from elsewhere (ship unpack, ingest); without it, such a partition in the range stops the run before anything is written.")
        var replace = false
        @Flag(help: "Generate and validate, write nothing; print what would be written.") var dryRun = false
        @Flag(help: "Print the summary as one line of JSON on stdout.") var json = false

        func validate() throws {
            guard (date == nil) != (from == nil && to == nil) else {
                throw ValidationError("give --date D, or --from D1 --to D2")
            }
            if date == nil && (from == nil || to == nil) { throw ValidationError("give both --from and --to") }
            for (flag, text) in [("--date", date), ("--from", from), ("--to", to)] {
                if let text, LakeDate(text) == nil { throw ValidationError("\(flag) \(text) is not a date; write YYYY-MM-DD") }
            }
            if let f = from.flatMap(LakeDate.init), let t = to.flatMap(LakeDate.init), t < f {
                throw ValidationError("--from \(from!) is after --to \(to!); the range is inverted")
            }
            guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be 1...256") }
            if let shard, Shard(shard) == nil { throw ValidationError("--shard \(shard) must be K/N with 1 ≤ K ≤ N, e.g. 2/3") }
            guard (1...19).contains(level) else { throw ValidationError("--level must be 1...19") }
            if let seed, seed < 0 { throw ValidationError("--seed must be 0 or more") }
            if let scale, !(scale > 0) { throw ValidationError("--scale must be above 0") }
        }

        var flags: [(flag: String, key: String, value: TOMLValue)] {
            var out: [(flag: String, key: String, value: TOMLValue)] = []
            if let seed { out.append(("--seed", "seed", .integer(seed))) }
            if let scale { out.append(("--scale", "scale", .float(scale))) }
            return out
        }

        func run() throws {
            try guarded {
                let first = LakeDate(date ?? from!)!, last = LakeDate(date ?? to!)!
                let context = try DomainContext(lake: options.lake, config: configOptions.config, flags: flags)
                let generation = try Generation(generator: DomainSet(context.domains), schemas: try options.writingSchemas())
                let chosen = try selectDatasets(datasets, from: context.datasets)
                let units = try generation.plan(datasets: chosen, from: first, to: last, shard: shard.flatMap(Shard.init))
                if dryRun {
                    let summary = try generation.run(units, lake: nil, runID: nil, seed: context.seedLabel, jobs: jobs,
                                                     progress: progressReporter(label: "validating"))
                    if json { try printJSONLine(summary) } else {
                        print(summaryLine("dry run: would write", summary) + "; nothing was written")
                    }
                    return
                }
                guard FileIO.exists(FileIO.path(options.lake, LakeLayout.catalogFile)) else { throw LakeMissingError(root: options.lake) }
                let lake = try WritableLake(root: options.lake, command: "generate \(first)...\(last)")
                for schema in generation.schemas.values { try lake.register(schema) }
                let summary = try lake.recordingRun(command: "generate", arguments: CommandLine.arguments.dropFirst().map { $0 },
                                                    window: first...last) { runID in
                    try generation.run(units, lake: lake, runID: runID, seed: context.seedLabel, jobs: jobs, level: level,
                                       elsewhere: replace ? .replace : .refuse, progress: progressReporter(label: "generating"))
                }
                if json { try printJSONLine(summary) } else { print(summaryLine("generated", summary)) }
            }
        }
    }
}
