import ArgumentParser
import GeneratorKit
import LakeCatalog
import LakeFormat
import Foundation

extension OpsLake {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The scheduled job: bring every task from its cursor up to date, then stop. A second run the same day does nothing.",
            discussion: """
                Tasks:
                \(Domains.all.flatMap { $0.tasks }.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))

                A machine that was off for a week catches up in one run. Each task's cursor moves only after its days \
                are committed. Partitions that came from elsewhere (ship unpack, ingest) are kept. \
                $OPSLAKE_TODAY (YYYY-MM-DD) fixes "today", for tests and replays.

                Examples:
                  opslake run --lake /srv/lake
                  OPSLAKE_TODAY=2026-11-30 opslake run --task petshop.daily --json
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "Run only this task (\(Domains.all.flatMap { $0.tasks }.map { $0.name }.joined(separator: ", "))); repeatable.")
        var task: [String] = []
        @Option(help: "Days generated in parallel.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(help: "Print the summary as one line of JSON on stdout.") var json = false

        func validate() throws {
            let names = Domains.all.flatMap { $0.tasks }.map { $0.name }
            for t in task where !names.contains(t) {
                throw ValidationError("unknown task \(t); the tasks are \(names.joined(separator: ", "))")
            }
            guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be 1...256") }
        }

        func run() throws {
            try guarded {
                let today = try taipeiToday()
                // Without the lake's own settings, "from the opening date" would mean the
                // default one: a lake made by `ship unpack` would be backfilled for months.
                let lakeFile = FileIO.path(options.lake, LakeSettings.fileName)
                if FileIO.exists(FileIO.path(options.lake, LakeLayout.catalogFile)) && !FileIO.exists(lakeFile) {
                    throw InputError(.config, "\(lakeFile) is missing, so this lake's seed and opening date are unknown (a lake made by "
                                     + "ship unpack or ingest); write them with `opslake init --lake \(options.lake) --opened YYYY-MM-DD` before `run`")
                }
                let context = try DomainContext(lake: options.lake, config: configOptions.config)
                let scheduler = try Scheduler(domains: context.domains, schemas: try options.writingSchemas(), seed: context.seedLabel)
                let lake = try WritableLake(root: options.lake, command: "run")
                for schema in scheduler.generation.schemas.values { try lake.register(schema) }
                let outcomes = try scheduler.catchUp(lake, today: today, only: Set(task), jobs: jobs,
                                                     progress: { progressReporter(label: $0) })
                var total = GenerationSummary()
                for o in outcomes { total.add(o.summary) }
                if json { try printJSONLine(total); return }
                for o in outcomes {
                    guard let window = o.window else {
                        print("\(o.task): up to date (cursor \(o.cursor?.description ?? "-"))")
                        continue
                    }
                    let s = o.summary
                    print("\(o.task): \(window.lowerBound)...\(window.upperBound): " + summaryLine("generated", s)
                          + (s.kept > 0 ? "; kept \(s.kept) partitions that came from elsewhere (ship unpack, ingest)" : ""))
                }
            }
        }
    }
}
