public import TableSchema
import LakeFormat
import Foundation

/// The ODS table schemas (`Schemas/billiards_ods/`), compiled into the binary so an
/// installed opslake needs nothing beside it. `Package.swift` lists the same files; a
/// test checks both lists against the folder.
extension BilliardsODS {
    static let schemaDocuments: [(table: String, json: [UInt8])] = [
        ("assistant_accounts_master", PackageResources.assistant_accounts_master_json),
        ("assistant_cancellation_records", PackageResources.assistant_cancellation_records_json),
        ("assistant_service_records", PackageResources.assistant_service_records_json),
        ("goods_stock_movements", PackageResources.goods_stock_movements_json),
        ("goods_stock_summary", PackageResources.goods_stock_summary_json),
        ("group_buy_packages", PackageResources.group_buy_packages_json),
        ("group_buy_redemption_records", PackageResources.group_buy_redemption_records_json),
        ("member_balance_changes", PackageResources.member_balance_changes_json),
        ("member_profiles", PackageResources.member_profiles_json),
        ("member_stored_value_cards", PackageResources.member_stored_value_cards_json),
        ("payment_transactions", PackageResources.payment_transactions_json),
        ("platform_coupon_redemption_records", PackageResources.platform_coupon_redemption_records_json),
        ("recharge_settlements", PackageResources.recharge_settlements_json),
        ("refund_transactions", PackageResources.refund_transactions_json),
        ("settlement_records", PackageResources.settlement_records_json),
        ("settlement_ticket_details", PackageResources.settlement_ticket_details_json),
        ("site_tables_master", PackageResources.site_tables_master_json),
        ("stock_goods_category_tree", PackageResources.stock_goods_category_tree_json),
        ("store_goods_master", PackageResources.store_goods_master_json),
        ("store_goods_sales_records", PackageResources.store_goods_sales_records_json),
        ("table_fee_discount_records", PackageResources.table_fee_discount_records_json),
        ("table_fee_transactions", PackageResources.table_fee_transactions_json),
        ("tenant_goods_master", PackageResources.tenant_goods_master_json),
    ]

    public static func tableSchemas() throws -> [TableSchema] {
        try schemaDocuments.map { table, json in
            try TableSchema(dataset: DatasetName(schema: name, table: table), json: Data(json),
                            file: "(built in) \(name)/\(table).json")
        }
    }

    public static let dimensionSQL: [(name: String, sql: String)] = []
}
