import ArgumentParser
import Configuration
import GeneratorKit
import LakeCatalog
import LakeFormat
import PetShop
import TableSchema
import Foundation

extension OpsLake {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a lake: its catalogue, its opslake.toml (seed and opening date), the opening member base and the first catalogue. Running it again is harmless.",
            discussion: """
                The lake's opslake.toml fixes what its history is a function of: the seed and the day the shop's \
                history starts (default: yesterday minus history_days-1 in Asia/Taipei, so `opslake run` then \
                generates the last 90 days). An existing opslake.toml is kept as it is.

                Examples:
                  opslake init
                  opslake init --lake /srv/lake --opened 2026-01-01 --seed 7
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "First day of the shop's history, YYYY-MM-DD (written into opslake.toml).") var opened: String?
        @Option(help: "Seed of the random streams (written into opslake.toml).") var seed: Int64?
        @Option(help: "Volume factor for the whole lake, opening members included (written into opslake.toml).") var scale: Double?

        func validate() throws {
            if let opened, LakeDate(opened) == nil { throw ValidationError("--opened \(opened) is not a date; write YYYY-MM-DD") }
            if let seed, seed < 0 { throw ValidationError("--seed must be 0 or more") }
            if let scale, !(scale > 0) { throw ValidationError("--scale must be above 0") }
        }

        func run() throws {
            try guarded {
                let registry = try options.writingSchemas()
                let lakeFile = options.lake + "/" + PetShopContext.lakeFileName
                var flags: [(flag: String, key: String, value: TOMLValue)] = []
                if let seed { flags.append(("--seed", "seed", .integer(seed))) }
                if let opened { flags.append(("--opened", "petshop.opened", .date(LakeDate(opened)!))) }
                if let scale { flags.append(("--scale", "scale", .float(scale))) }
                // Check the configuration before anything is created.
                var settings = try PetShopContext.settings(lake: options.lake, config: configOptions.config, flags: flags)
                let existing = FileIO.exists(lakeFile)
                if !existing && settings.source("petshop.opened") == .defaults {
                    let days = try PetShopConfig(settings).historyDays
                    try settings.apply(flag: "--opened", "petshop.opened", .date(try taipeiToday().adding(days: -days)))
                }
                let config = try PetShopConfig(settings)
                if existing && (opened != nil || seed != nil || scale != nil) {
                    throw InputError(.usage, "\(lakeFile) exists; edit it to change the seed or opening date of this lake (then regenerate), or init a new lake")
                }
                let lake = try Lake(root: options.lake, access: .write, command: "init", create: true)
                if !existing {
                    let text = """
                        # This lake's identity: every partition is a function of these settings, the
                        # seed and the day. Written by `opslake init`; other settings may be added here
                        # (see `opslake config show`).
                        seed = \(config.seed)\(scale == nil ? "" : "\nscale = \(config.scale)")

                        [petshop]
                        opened = \(config.opened)

                        """
                    try FileIO.writeAtomically(lakeFile, Array(text.utf8))
                }
                for schema in registry.schemas.values.sorted(by: { $0.dataset < $1.dataset }) {
                    try lake.register(schema)
                }
                let context = try PetShopContext(lake: options.lake, config: configOptions.config)
                let generation = try Generation(generator: context.generator, schemas: registry)
                // The opening member base and the first week's catalogue, unless present.
                var units: [GenerationUnit] = []
                let base = PartitionKey(PetShop.customers, context.config.opened.adding(days: -1))
                let firstMonday = LakeDate(daysSinceEpoch: context.config.opened.daysSinceEpoch - Int32(context.config.opened.isoWeekday - 1))
                let catalogue = PartitionKey(PetShop.products, firstMonday)
                for key in [base, catalogue] where try lake.catalog.partition(key) == nil {
                    units.append(GenerationUnit(dt: key.dt, datasets: [key.dataset]))
                }
                var line = ""
                if !units.isEmpty {
                    let s = try recordRun(lake, command: "init", arguments: [], window: base.dt...max(base.dt, firstMonday)) { runID in
                        try generation.run(units, lake: lake, runID: runID, seed: context.seedLabel, jobs: 2)
                    }
                    line = "; " + summaryLine("generated", s)
                }
                if try lake.catalog.cursor("petshop.weekly") == nil { try lake.catalog.setCursor("petshop.weekly", to: firstMonday) }
                print("lake \(options.lake) ready: catalogue \(LakeLayout.catalogFile) v\(try lake.catalog.userVersion), "
                      + "\(registry.schemas.count) datasets registered, id \(try lake.catalog.lakeID), "
                      + "seed \(context.config.seed), history from \(context.config.opened)" + line)
            }
        }
    }
}
