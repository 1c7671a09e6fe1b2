import ArgumentParser
import LakeCatalog
import TableSchema

extension OpsLake {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a lake folder and its catalogue, and register the datasets of schemas/. Running it again is harmless."
        )

        @OptionGroup var options: LakeOptions

        func run() throws {
            try guarded {
                let registry = try SchemaRegistry(directory: SchemaRegistry.locate(explicit: options.schemas))
                let lake = try Lake(root: options.lake, access: .write, command: "init", create: true)
                for schema in registry.schemas.values.sorted(by: { $0.dataset < $1.dataset }) {
                    try lake.register(schema)
                }
                print("lake \(options.lake) ready: catalogue \(LakeLayout.catalogFile) v\(try lake.catalog.userVersion), "
                      + "\(registry.schemas.count) datasets registered, id \(try lake.catalog.lakeID)")
            }
        }
    }
}

import LakeFormat
