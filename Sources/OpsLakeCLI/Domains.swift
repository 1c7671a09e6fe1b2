import Billiards
import GeneratorKit
import LakeCatalog
import LakeFormat
import PetShop
import PostgresSync
import TableSchema

/// The domains this binary carries, each with its generator, table schemas and
/// dimensions compiled in.
enum Domains {
    /// The generated domains: `init`, `generate`, `run` and the settings cover these.
    static let all: [any Domain.Type] = [PetShop.self]
    /// The domains whose data is pulled from elsewhere by their own commands; their
    /// schemas are known like the others' (`schema`, `load`, `export`).
    static let pulled: [any DatasetDomain.Type] = [BilliardsODS.self, BilliardsDWD.self]
    /// Every domain whose schemas the binary carries.
    static var withSchemas: [any DatasetDomain.Type] { all.map { $0 as any DatasetDomain.Type } + pulled }

    static func builtInSchemas() throws -> [TableSchema] { try withSchemas.flatMap { try $0.tableSchemas() } }
}

extension LakeOptions {
    /// The schemas generators write under: the folder `--schemas` or `$OPSLAKE_SCHEMAS`
    /// names, else the built-in ones.
    func writingSchemas() throws -> SchemaRegistry {
        try SchemaRegistry.resolve(folder: schemas, builtIn: Domains.builtInSchemas)
    }

    /// The schemas for reading `lake`: its own registered versions (those its
    /// partitions were written under, which travel in bundles) over the built-in
    /// ones, unless a folder is named.
    func readingSchemas(of lake: Lake?) throws -> SchemaRegistry {
        try SchemaRegistry.resolve(folder: schemas, builtIn: Domains.builtInSchemas,
                                   registered: try lake?.catalog.registeredSchemas() ?? [])
    }

    /// The lake at `--lake` opened for reading, or nil when there is none yet.
    func existingLake() throws -> Lake? {
        FileIO.exists(FileIO.path(lake, LakeLayout.catalogFile)) ? try Lake(root: lake) : nil
    }

    /// The SCD2 dimensions the loader keeps: those of the named schemas folder, else the built-in ones.
    func dimensions() throws -> [Dimension] {
        if let folder = SchemaRegistry.explicitFolder(schemas) { return try Dimension.all(in: folder) }
        return try Domains.withSchemas.flatMap { domain in
            try domain.dimensionSQL.map { try Dimension(name: $0.name, sql: $0.sql, file: "(built in) \($0.name).sql") }
        }
    }
}
