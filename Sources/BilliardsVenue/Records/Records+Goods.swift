// Goods: the tenant's catalogue and category tree, each store's goods with their
// stock, the lines sold to tables, the stock movements and the daily stock report.

/// `stock_goods_category_tree` (`/TenantGoodsCategory/QueryPrimarySecondaryCategory`):
/// a primary category with its secondary categories.
public struct GoodsCategoryRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.stockGoodsCategoryTree
    public var id: Int64
    public var tenantId: Int64
    public var categoryName: String
    public var parentId: Int64
    public var sortNo: Int
    public var children: [GoodsCategoryChild]
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

public struct GoodsCategoryChild: Codable, Sendable, Hashable {
    public var id: Int64
    public var categoryName: String
    public var parentId: Int64
    public var sortNo: Int
}

/// `tenant_goods_master` (`/TenantGoods/QueryTenantGoods`): a good of the tenant's
/// catalogue, its category and prices; a new version when the price changes.
public struct TenantGoodsRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.tenantGoodsMaster
    public var id: Int64
    public var tenantId: Int64
    public var goodsName: String
    public var goodsBarcode: String
    public var primaryCategoryId: Int64
    public var primaryCategoryName: String
    public var categoryId: Int64
    public var categoryName: String
    public var unit: String
    public var salePrice: Money
    public var costPrice: Money
    /// 1 on sale.
    public var goodsStatus: Int
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `store_goods_master` (`/TenantGoods/GetGoodsInventoryList`): a good as one store
/// sells it, with its stock on hand as of `updateTime`; a new version at the last
/// stock movement of a day, and when the price changes.
public struct StoreGoodsRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.storeGoodsMaster
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var tenantGoodsId: Int64
    public var goodsName: String
    public var categoryName: String
    public var unit: String
    public var salePrice: Money
    public var stockQty: Int
    /// Restocked when the stock falls below this.
    public var warningQty: Int
    public var goodsStatus: Int
    public var createTime: VenueTime
    public var updateTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { updateTime }
}

/// `store_goods_sales_records` (`/TenantGoods/GetGoodsSalesList`): a line of goods
/// ordered to a table, billed on the session's settlement.
public struct GoodsSaleRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.storeGoodsSalesRecords
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var orderSettleId: Int64
    public var orderTradeNo: String
    public var siteGoodsId: Int64
    public var tenantGoodsId: Int64
    public var goodsName: String
    public var categoryName: String
    public var siteTableId: Int64
    public var tableName: String
    public var tenantMemberId: Int64
    public var quantity: Int
    public var unitPrice: Money
    public var amount: Money
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}

/// `goods_stock_movements` (`/GoodsStockManage/QueryGoodsOutboundReceipt`): one change
/// of a store good's stock: an opening or purchase receipt, a sale, a loss.
public struct StockMovementRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.goodsStockMovements
    public var id: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var siteGoodsId: Int64
    public var tenantGoodsId: Int64
    public var goodsName: String
    /// 1 采购入库, 2 销售出库, 3 报损出库, 4 期初入库.
    public var movementType: Int
    public var movementTypeName: String
    /// The signed change: positive in, negative out.
    public var changeQty: Int
    public var stockBefore: Int
    public var stockAfter: Int
    /// The sale line of a 销售出库, else 0.
    public var relateId: Int64
    public var remark: String
    public var operatorName: String
    public var createTime: VenueTime

    public var sourceKey: String { String(id) }
    public var versionTime: VenueTime { createTime }
}

/// `goods_stock_summary` (`/TenantGoods/GetGoodsStockReport`): one store good's stock
/// over one business day. Keyed by (siteGoodsId, reportDate); made at 07:30 the next
/// morning, when the day is closed.
public struct StockSummaryRecord: VenueRecord, Hashable {
    public static let endpoint = Endpoint.goodsStockSummary
    public var siteGoodsId: Int64
    public var tenantId: Int64
    public var siteId: Int64
    public var tenantGoodsId: Int64
    public var goodsName: String
    public var reportDate: VenueDate
    public var openingQty: Int
    public var inQty: Int
    public var saleQty: Int
    public var lossQty: Int
    public var closingQty: Int
    public var createTime: VenueTime

    public var sourceKey: String { "\(siteGoodsId)|\(reportDate)" }
    public var versionTime: VenueTime { createTime }
}
