import ArgumentParser
import GeneratorKit
import LakeCatalog
import LakeFormat
import PetShop
import TableSchema
import Foundation

extension OpsLake {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The scheduled job: bring every task from its cursor up to date, then stop. A second run the same day does nothing.",
            discussion: """
                Tasks: petshop.daily (members, contact changes, promotion calendar, campaigns, behaviour, orders) runs up \
                to yesterday in Asia/Taipei; petshop.weekly (the product catalogue, Mondays) runs up to today, so the \
                catalogue of a Monday exists before that day's orders are made. A machine that was off for a week \
                catches up in one run. Each task's cursor moves only after its days are committed. \
                $OPSLAKE_TODAY (YYYY-MM-DD) fixes "today", for tests and replays.

                Examples:
                  opslake run --lake /srv/lake
                  OPSLAKE_TODAY=2026-11-30 opslake run --task petshop.daily --json
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "Run only this task (petshop.daily or petshop.weekly); repeatable.") var task: [String] = []
        @Option(help: "Days generated in parallel.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(help: "Print the summary as one line of JSON on stdout.") var json = false

        static let tasks = ["petshop.daily", "petshop.weekly"]

        func validate() throws {
            for t in task where !Self.tasks.contains(t) {
                throw ValidationError("unknown task \(t); the tasks are \(Self.tasks.joined(separator: ", "))")
            }
            guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be 1...256") }
        }

        func run() throws {
            try guarded {
                let today = try taipeiToday()
                // Without the lake's own settings, "from the opening date" would mean the
                // default one: a lake made by `ship unpack` would be backfilled for months.
                let lakeFile = options.lake + "/" + PetShopContext.lakeFileName
                if FileIO.exists(options.lake + "/" + LakeLayout.catalogFile) && !FileIO.exists(lakeFile) {
                    throw InputError(.config, "\(lakeFile) is missing, so this lake's seed and opening date are unknown (a lake made by "
                                     + "ship unpack or ingest); write them with `opslake init --lake \(options.lake) --opened YYYY-MM-DD` before `run`")
                }
                let context = try PetShopContext(lake: options.lake, config: configOptions.config)
                let registry = try options.writingSchemas()
                let generation = try Generation(generator: context.generator, schemas: registry)
                let lake = try Lake(root: options.lake, access: .write, command: "run")
                for schema in generation.schemas.values { try lake.register(schema) }
                var total = GenerationSummary()
                var lines: [String] = []
                for name in task.isEmpty ? Self.tasks : Self.tasks.filter(task.contains) {
                    let weekly = name == "petshop.weekly"
                    let datasets = weekly ? PetShop.weeklyDatasets : Set(context.generator.datasets).subtracting(PetShop.weeklyDatasets)
                    let last = weekly ? today : today.adding(days: -1)
                    let cursor = try lake.catalog.cursor(name)
                    let first = cursor.map { $0.adding(days: 1) } ?? context.config.opened
                    guard first <= last else {
                        lines.append("\(name): up to date (cursor \(cursor?.description ?? "-"))")
                        continue
                    }
                    // The partitions in force on the first day come along only on a task's
                    // first run; later runs already wrote them.
                    let units = try generation.plan(datasets: datasets, from: first, to: last, shard: nil)
                        .filter { cursor == nil || $0.dt >= first }
                    let s = try recordRun(lake, command: "run", arguments: [name], window: first...last) { runID in
                        try generation.run(units, lake: lake, runID: runID, seed: context.seedLabel, jobs: jobs, elsewhere: .keep,
                                           progress: progressReporter(label: name))
                    }
                    try lake.catalog.setCursor(name, to: last)
                    total.partitions += s.partitions
                    total.rows += s.rows
                    total.bytes += s.bytes
                    total.rawBytes += s.rawBytes
                    total.seconds += s.seconds
                    lines.append("\(name): \(first)...\(last): " + summaryLine("generated", s)
                                 + (s.kept > 0 ? "; kept \(s.kept) partitions that came from elsewhere (ship unpack, ingest)" : ""))
                }
                if json { try printJSONLine(total) } else { lines.forEach { print($0) } }
            }
        }
    }
}
