import ArgumentParser
import Configuration
import GeneratorKit
import LakeCatalog
import LakeFormat
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
        @Option(help: "First day of every domain's history, YYYY-MM-DD (written into opslake.toml).") var opened: String?
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
                let lakeFile = FileIO.path(options.lake, LakeSettings.fileName)
                var flags: [(flag: String, key: String, value: TOMLValue)] = []
                if let seed { flags.append(("--seed", "seed", .integer(seed))) }
                for domain in Domains.all {
                    if let opened { flags.append(("--opened", "\(domain.name).opened", .date(LakeDate(opened)!))) }
                }
                if let scale { flags.append(("--scale", "scale", .float(scale))) }
                let existing = FileIO.exists(lakeFile)
                if existing && (opened != nil || seed != nil || scale != nil) {
                    throw InputError(.usage, "\(lakeFile) exists; edit it to change the seed or opening date of this lake (then regenerate), or init a new lake")
                }
                // Check the configuration before anything is created. A new lake's history
                // ends yesterday and spans each domain's history_days.
                var settings = try LakeSettings.resolve(lake: options.lake, config: configOptions.config, flags: flags, domains: Domains.withSchemas)
                if !existing {
                    for domain in Domains.all where settings.source("\(domain.name).opened") == .defaults {
                        let days = try settings.integer("\(domain.name).history_days", in: 1...36_500)
                        try settings.apply(flag: "--opened", "\(domain.name).opened", .date(try taipeiToday().adding(days: -days)))
                    }
                }
                let domains = try Domains.all.map { try $0.init(settings: settings, lake: options.lake) }
                let scheduler = try Scheduler(domains: domains, schemas: registry, seed: LakeSettings.seedLabel(settings))
                let lake = try WritableLake(root: options.lake, command: "init", create: true)
                if !existing {
                    try FileIO.writeAtomically(lakeFile, Array(LakeSettings.lakeFile(settings, domains: domains, withScale: scale != nil).utf8))
                }
                for schema in registry.schemas.values.sorted(by: { $0.dataset < $1.dataset }) {
                    try lake.register(schema)
                }
                let opening = try scheduler.open(lake)
                let history = domains.map { "from \($0.opened) (\(type(of: $0).name))" }.joined(separator: ", ")
                print("lake \(options.lake) ready: catalogue \(LakeLayout.catalogFile) v\(try lake.catalog.userVersion), "
                      + "\(registry.schemas.count) datasets registered, id \(try lake.catalog.lakeID), "
                      + "seed \(settings.value("seed")), history \(history)" + (opening.map { "; " + summaryLine("generated", $0) } ?? ""))
            }
        }
    }
}
