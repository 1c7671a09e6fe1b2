public import TableSchema
import LakeFormat
import Foundation

/// The pet shop's table schemas and SCD2 dimensions (`Schemas/petshop/`), compiled
/// into the binary so an installed opslake needs nothing beside it. `Package.swift`
/// lists the same files; a test checks both lists against the folder.
extension PetShop {
    static let schemaDocuments: [(table: String, json: [UInt8])] = [
        ("behavior_events", PackageResources.behavior_events_json),
        ("campaigns", PackageResources.campaigns_json),
        ("customer_changes", PackageResources.customer_changes_json),
        ("customers", PackageResources.customers_json),
        ("order_items", PackageResources.order_items_json),
        ("orders", PackageResources.orders_json),
        ("products", PackageResources.products_json),
        ("promotion_calendar", PackageResources.promotion_calendar_json),
    ]

    public static func tableSchemas() throws -> [TableSchema] {
        try schemaDocuments.map { table, json in
            try TableSchema(dataset: DatasetName(schema: "petshop", table: table), json: Data(json),
                            file: "(built in) petshop/\(table).json")
        }
    }

    public static let dimensionSQL: [(name: String, sql: String)] = [
        ("petshop.dim_customer", String(decoding: PackageResources.dim_customer_sql, as: UTF8.self)),
        ("petshop.dim_product", String(decoding: PackageResources.dim_product_sql, as: UTF8.self)),
    ]
}
