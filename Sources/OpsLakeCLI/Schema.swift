import ArgumentParser
import LakeFormat
import TableSchema

extension OpsLake {
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect the table schemas.",
                discussion: "Examples:\n  opslake schema list\n  opslake schema ddl petshop.orders --for-load",
            subcommands: [DDL.self, List.self]
        )

        struct DDL: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the PostgreSQL DDL of a dataset (schema.table).",
                discussion: "Examples:\n  opslake schema ddl petshop.orders\n  opslake schema ddl petshop.orders --for-load | psql")
            @OptionGroup var options: LakeOptions
            @Argument(help: "The dataset, e.g. petshop.order_items.") var dataset: String
            @Flag(help: "The table as `opslake load` creates it: dt defaults to the opslake.dt setting, which the loader sets per partition.")
            var forLoad = false

            func run() throws {
                try guarded {
                    guard let name = DatasetName(dataset) else {
                        throw InputError(.usage, "'\(dataset)' is not a dataset name; write schema.table in lowercase, e.g. petshop.orders")
                    }
                    let registry = try options.readingSchemas(of: try options.existingLake())
                    print(try namedSchema(name, in: registry).postgresDDL(dtFromSetting: forLoad), terminator: "")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the datasets: the built-in schemas, each as the lake registered it when it has.",
                discussion: "With --schemas, the datasets of that folder, checking every file.\n\nExamples:\n  opslake schema list\n  opslake schema list --schemas my-schemas")
            @OptionGroup var options: LakeOptions

            func run() throws {
                try guarded {
                    let registry = try options.readingSchemas(of: try options.existingLake())
                    for s in registry.schemas.values.sorted(by: { $0.dataset < $1.dataset }) {
                        print("\(s.dataset)\t\(s.fields.count) fields\t\(s.partition.rawValue)\tv\(s.version)\t\(s.hash.prefix(12))")
                    }
                }
            }
        }
    }
}
