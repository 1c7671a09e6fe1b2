public import BilliardsVenue
public import GeneratorKit
public import LakeFormat
public import TableSchema
import Foundation

/// The billiards DWD and DWS layers (`billiards.*`): the ODS's payloads read by fixed
/// rules into typed, flat tables, one grain each, facts by business process and their
/// dimensions with SCD2 histories, and daily summaries built from them
/// (docs/billiards-dwd.md; the tables are `DWDModel.tables`, the summaries `DWSBuild`). Built from
/// the ODS by `opslake billiards dwd` (`DWDBuild`); `schema`, `load` and `export`
/// know its schemas like any domain's.
public enum BilliardsDWD: DatasetDomain {
    public static let name = "billiards"
    public static let summary = "the billiards venue's clean detail layer (DWD): facts by business process, and their dimensions"

    /// Each table's schema, made from its `DWDTable` (so the model is stated once).
    public static func tableSchemas() throws -> [TableSchema] { try schemas.get() }

    static let schemas: Result<[TableSchema], any Error> = Result {
        try DWDModel.tables.map { t in
            try TableSchema(dataset: t.dataset, json: Data(t.schemaJSON()), file: "(built in) \(name)/\(t.name).json")
        } + DWDModel.tables.filter(\.hasHistory).map { t in
            try TableSchema(dataset: t.scd2Dataset, json: Data(t.scd2SchemaJSON()), file: "(built in) \(name)/\(t.scd2Dataset.table).json")
        } + DWSBuild.schemas()
    }

    public static let dimensionSQL: [(name: String, sql: String)] = []
}
