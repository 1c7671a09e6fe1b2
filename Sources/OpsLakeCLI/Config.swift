import ArgumentParser
import Configuration
import PetShop
import LakeFormat
import LakeCatalog
import Foundation

extension OpsLake {
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the effective configuration.",
                discussion: "Examples:\n  opslake config show --lake lake",
            subcommands: [Show.self]
        )

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print every setting's effective value and where it came from: default < the lake's opslake.toml < --config/$OPSLAKE_CONFIG < OPSLAKE_* < flags.",
                discussion: "The output is valid TOML; each line's comment names the value's source and what the setting means." + "\n\nExamples:\n  opslake config show\n  OPSLAKE_SEED=7 opslake config show --json"
            )

            @OptionGroup var options: LakeOptions
            @OptionGroup var configOptions: ConfigOptions
            @Flag(help: "Print as JSON: an array of {name, value, source, environment, help}.") var json = false

            struct Entry: Encodable {
                var name: String
                var value: String
                var source: String
                var environment: String
                var help: String
            }

            func run() throws {
                try guarded {
                    let settings = try DomainContext(lake: options.lake, config: configOptions.config).settings  // checked by each domain
                    let entries = settings.known.map {
                        Entry(name: $0.name, value: $0.shown(settings.value($0.name)), source: settings.source($0.name).description,
                              environment: $0.environmentName, help: $0.help)
                    }
                    if json { try printJSON(entries); return }
                    var table = ""
                    for e in entries {
                        let parts = e.name.split(separator: ".")
                        let section = parts.dropLast().joined(separator: ".")
                        if section != table {
                            print("\n[\(section)]")
                            table = section
                        }
                        print("# \(e.help)")
                        print("\(parts.last!) = \(e.value)  # \(e.source)")
                    }
                }
            }
        }
    }

    struct Products: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the pet shop's product catalogue.",
                discussion: "Examples:\n  opslake products import my-products.csv --from 2026-12-07",
            subcommands: [Import.self]
        )

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Replace the template catalogue from a Monday on with your own products (CSV with a header, or NDJSON).",
                discussion: """
                    Fields: name, brand, category (飼料 罐頭 尿布墊 貓砂 零食 潔牙骨 保健食品 凍乾 玩具 用品, or feed, canned, ...), \
                    pet_type (dog/cat or 狗/貓), price (whole TWD); optional product_id (P + 6 digits; keep it to keep a \
                    product's identity across imports), pack, list_price. Every bad line is reported by number and \
                    field and nothing is imported. Weekly price moves apply on top of the imported prices. Partitions \
                    already generated from that Monday on keep the old catalogue until generated again.

                    Examples:
                      opslake products import my-products.csv --from 2026-12-07
                    """
            )

            @OptionGroup var options: LakeOptions
            @Argument(help: "The product file: .csv, .ndjson or .jsonl.") var file: String
            @Option(help: "The Monday the catalogue takes effect, YYYY-MM-DD (default: the coming Monday).") var from: String?

            func validate() throws {
                if let from {
                    guard let d = LakeDate(from) else { throw ValidationError("--from \(from) is not a date; write YYYY-MM-DD") }
                    guard d.isoWeekday == 1 else { throw ValidationError("--from \(from) is not a Monday; catalogues take effect on Mondays") }
                }
            }

            func run() throws {
                try guarded {
                    let today = try taipeiToday()
                    let monday = from.flatMap(LakeDate.init) ?? today.adding(days: (8 - today.isoWeekday) % 7 == 0 ? 7 : (8 - today.isoWeekday) % 7)
                    guard FileIO.exists(file) else { throw InputError(.noInput, "cannot read \(file): no such file") }
                    let isCSV = file.hasSuffix(".csv")
                    guard isCSV || file.hasSuffix(".ndjson") || file.hasSuffix(".jsonl") else {
                        throw InputError(.usage, "cannot tell the format of \(file); name it .csv, .ndjson or .jsonl")
                    }
                    let products: [ImportedProduct]
                    do {
                        products = try ProductImport.read(try FileSource(path: file), file: file, isCSV: isCSV)
                    } catch let failure as ProductImport.Failure {
                        for p in failure.problems.prefix(100) { printError("opslake: \(file) \(p)") }
                        if failure.problems.count > 100 { printError("opslake: ... and \(failure.problems.count - 100) more") }
                        let lines = Set(failure.problems.map(\.line)).count
                        throw InputError(.dataError, "\(file): \(lines) bad \(lines == 1 ? "line" : "lines"); nothing was imported, fix them and import again")
                    }
                    let lake = try WritableLake(root: options.lake, command: "products import")
                    let folder = FileIO.path(options.lake, PetShop.importsFolder)
                    try FileIO.makeDirectories(folder)
                    try FileIO.writeAtomically(folder + "/products-\(monday).ndjson", ProductImport.encode(products))
                    let stale = try lake.catalog.datasets().filter { $0.name.schema == "petshop" }.compactMap { d -> String? in
                        guard let last = d.lastDt, let l = LakeDate(last), l >= monday else { return nil }
                        return d.name.description
                    }
                    print("imported \(products.count) products from \(file); the catalogue from \(monday) on is yours"
                          + (stale.isEmpty ? "" : "; partitions of \(stale.joined(separator: ", ")) from \(monday) on were made with the previous catalogue: run `opslake generate --from \(monday) --to <last day>` to remake them"))
                }
            }
        }
    }
}
