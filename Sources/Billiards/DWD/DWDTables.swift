import BilliardsVenue

/// The DWD model: every table of `billiards.*` and every enum, in one place
/// (docs/billiards-dwd.md renders them). One concept has one name everywhere:
/// `site_id`, `member_id`, `member_card_id`, `table_id`, `assistant_id`, `goods_id`
/// (the tenant's good), `site_goods_id` (a store's), `order_settle_id`,
/// `order_trade_no`, `payment_id`, `package_id`; times end in `_at`, money in
/// `_amount` or `_price`.
public enum DWDModel {
    // MARK: Enums

    public static let settleStatus = DWDEnum("settle_status", [
        (1, "settled", "已结账"), (2, "partially_refunded", "部分退款"), (3, "refunded", "全额退款"),
    ])
    public static let payMethod = DWDEnum("pay_method", [
        (1, "cash", "现金"), (2, "bank_card", "银行卡"), (3, "wechat_pay", "微信支付"), (4, "alipay", "支付宝"),
        (5, "stored_value", "会员储值"),
    ])
    public static let paymentFor = DWDEnum("payment_for", [(1, "settlement", "台桌结账"), (2, "recharge", "会员充值")])
    public static let balanceChange = DWDEnum("balance_change", [
        (1, "recharge", "充值"), (2, "recharge_gift", "充值赠送"), (3, "consume", "消费"), (4, "refund", "退款"),
        (5, "opening_import", "期初导入"),
    ])
    public static let tableAdjustment = DWDEnum("table_adjustment", [
        (1, "percent_off", "打折"), (2, "amount_off", "减免"), (3, "waived", "免单"), (4, "rounded_down", "抹零"),
    ])
    public static let stockMovement = DWDEnum("stock_movement", [
        (1, "purchase_in", "采购入库"), (2, "sale_out", "销售出库"), (3, "loss_out", "报损出库"), (4, "opening_in", "期初入库"),
    ])
    public static let couponPlatform = DWDEnum("coupon_platform", [(1, "meituan", "美团"), (2, "douyin", "抖音")])
    public static let tableType = DWDEnum("table_type", [
        (1, "chinese_eight_ball", "中式黑八"), (2, "american_nine_ball", "美式九球"), (3, "snooker", "斯诺克"), (4, "private_room", "包厢"),
    ])
    public static let billingMode = DWDEnum("billing_mode", [(1, "per_minute", "按分钟"), (2, "per_unit", "按计费单元")])
    public static let gender = DWDEnum("gender", [(0, "unknown", "未知"), (1, "male", "男"), (2, "female", "女")])
    public static let memberLevel = DWDEnum("member_level", [
        (1, "regular", "普通会员"), (2, "silver", "银卡会员"), (3, "gold", "金卡会员"), (4, "diamond", "钻石会员"),
    ])
    public static let assistantLevel = DWDEnum("assistant_level", [(1, "junior", "初级"), (2, "intermediate", "中级"), (3, "senior", "高级"), (4, "star", "星级")])
    /// Of members, cards, assistants, goods, packages and coupon redemptions.
    public static let activeStatus = DWDEnum("active_status", [(0, "inactive", "停用"), (1, "active", "正常")])

    public static let enums = [settleStatus, payMethod, paymentFor, balanceChange, tableAdjustment, stockMovement, couponPlatform,
                               tableType, billingMode, gender, memberLevel, assistantLevel, activeStatus]

    // MARK: Shared columns

    static func site(_ field: String = "siteId") -> DWDColumn { DWDColumn("site_id", field, .id, "The store.") }
    static let settle = DWDColumn("order_settle_id", "orderSettleId", .id, "The settlement (bill) it belongs to.")
    static let tradeNo = DWDColumn("order_trade_no", "orderTradeNo", .text, "The table session's trade number, printed on the ticket.")
    static let table = DWDColumn("table_id", "siteTableId", .ref, "The table (dim_table).")
    static let member = DWDColumn("member_id", "tenantMemberId", .ref, "The member (dim_member); null for a walk-in guest.", optional: true)
    static let card = DWDColumn("member_card_id", "tenantMemberCardId", .ref, "The stored-value card (dim_member_card); null when none.", optional: true)
    static let created = DWDColumn("created_at", "createTime", .time, "When the upstream recorded it.")
    static let updated = DWDColumn("updated_at", "updateTime", .time, "When this version was made upstream.")

    // MARK: Tables

    public static let tables: [DWDTable] = [
        // Settlement: the bill, its payments, refunds and printed ticket.
        DWDTable("dwd_settlement", "Settlements (bills)", from: .settlementRecords, key: ["order_settle_id"],
                 dropped: ["tenantId", "tableName", "memberName", "memberMobile", "settleStatusName"],
                 description: "One row per settlement of a table session, in its latest version (a refund makes a new one). consume_amount = table_fee_amount + assistant_fee_amount + goods_amount; pay_amount = consume_amount - adjust_amount - member_discount_amount - coupon_deduct_amount.",
                 columns: [
                    DWDColumn("order_settle_id", "id", .id, "The settlement."), site(), tradeNo, table, member,
                    DWDColumn("opened_at", "openTime", .time, "When the session opened its first table."),
                    DWDColumn("settled_at", "settleTime", .time, "When the bill was paid."),
                    DWDColumn("table_fee_amount", "tableChargeMoney", .money, "Table fees."),
                    DWDColumn("assistant_fee_amount", "assistantMoney", .money, "Assistant (助教) fees."),
                    DWDColumn("goods_amount", "goodsMoney", .money, "Goods ordered to the table."),
                    DWDColumn("consume_amount", "consumeMoney", .money, "Everything consumed, before discounts."),
                    DWDColumn("adjust_amount", "adjustMoney", .money, "Table-fee adjustments (dwd_table_fee_adjustment)."),
                    DWDColumn("member_discount_amount", "memberDiscountMoney", .money, "The member level's discount on the table fee."),
                    DWDColumn("coupon_deduct_amount", "couponDeductMoney", .money, "Paid by group-buy coupons (dwd_coupon_redemption)."),
                    DWDColumn("pay_amount", "payAmount", .money, "What the guest paid: the sum of the settlement's payments."),
                    DWDColumn("refund_amount", "refundAmount", .money, "Refunded so far: the sum of its refunds."),
                    DWDColumn("settle_status", "settleStatus", .code(settleStatus), "Settled, partially or wholly refunded."),
                    DWDColumn("cashier_name", "cashierName", .text, "Who took the payment."),
                    created, updated,
                 ]),
        DWDTable("dwd_payment", "Payments", from: .paymentTransactions, key: ["payment_id"],
                 dropped: ["tenantId", "relateTypeName", "payMethodName"],
                 description: "One row per payment: of a settlement (order_settle_id) or of a recharge (recharge_order_id).",
                 columns: [
                    DWDColumn("payment_id", "id", .id, "The payment."), site(),
                    DWDColumn("payment_for", "relateType", .code(paymentFor), "What it paid: a settlement or a recharge."),
                    DWDColumn("relate_id", "relateId", .id, "The settlement (order_settle_id) or recharge (recharge_order_id) it paid."),
                    DWDColumn("order_trade_no", "orderTradeNo", .text, "The trade number of what it paid."),
                    DWDColumn("pay_method", "payMethod", .code(payMethod), "How it was paid."),
                    DWDColumn("pay_amount", "payAmount", .money, "The amount."), member, card,
                    DWDColumn("paid_at", "payTime", .time, "When it was paid."), created,
                 ]),
        DWDTable("dwd_refund", "Refunds", from: .refundTransactions, key: ["refund_id"],
                 dropped: ["tenantId", "payMethodName"],
                 description: "One row per refund: money given back against one payment of a settlement, the same day or later.",
                 columns: [
                    DWDColumn("refund_id", "id", .id, "The refund."), site(), settle, tradeNo,
                    DWDColumn("payment_id", "payLogId", .id, "The payment refunded (dwd_payment)."),
                    DWDColumn("pay_method", "payMethod", .code(payMethod), "How the money goes back."),
                    DWDColumn("refund_amount", "refundAmount", .money, "The amount refunded."),
                    DWDColumn("refund_reason", "refundReason", .text, "Why."), member, card,
                    DWDColumn("operator_name", "operatorName", .text, "Who made it."),
                    DWDColumn("settled_at", "settleTime", .time, "When the settlement was paid."),
                    DWDColumn("refunded_at", "createTime", .time, "When the refund was made."),
                 ]),
        DWDTable("dwd_settlement_ticket", "Settlement tickets", from: .settlementTicketDetails, key: ["order_settle_id"],
                 dropped: ["tenantId", "siteName", "tableName", "memberName", "cashierName", "openTime", "settleTime"],
                 description: "One row per printed settlement ticket: its totals (its lines are dwd_settlement_ticket_line).",
                 columns: [
                    settle, site(), tradeNo,
                    DWDColumn("consume_amount", "consumeMoney", .money, "Everything consumed, before discounts."),
                    DWDColumn("discount_amount", "discountMoney", .money, "All discounts on the ticket."),
                    DWDColumn("pay_amount", "payAmount", .money, "What was paid."),
                    DWDColumn("printed_at", "createTime", .time, "When the ticket was printed."),
                 ]),
        DWDTable("dwd_settlement_ticket_line", "Settlement ticket lines", from: .settlementTicketDetails,
                 rows: .lines([("tableItems", "table"), ("assistantItems", "assistant"), ("goodsItems", "goods"),
                               ("discountItems", "discount"), ("payItems", "payment")]),
                 key: ["order_settle_id", "line_no"],
                 description: "One row per line of a printed ticket: a table's time, an assistant's service, a good, a discount or a payment, as the ticket shows it.",
                 columns: [
                    DWDColumn("order_settle_id", "^orderSettleId", .id, "The settlement."),
                    DWDColumn("site_id", "^siteId", .id, "The store."),
                    DWDColumn("item_name", "tableName|nickName|goodsName|discountName|payMethodName", .text, "What the line names: a table, an assistant, a good, a discount or a payment method."),
                    DWDColumn("table_type_name", "tableTypeName", .text, "A table line's table type, as printed.", optional: true),
                    DWDColumn("started_at", "startTime", .time, "A table line's start.", optional: true),
                    DWDColumn("ended_at", "endTime", .time, "A table line's end.", optional: true),
                    DWDColumn("minutes", "billedMinutes|serviceMinutes", .int, "Minutes billed (table) or served (assistant).", optional: true),
                    DWDColumn("quantity", "quantity", .int, "A goods line's quantity.", optional: true),
                    DWDColumn("unit_price", "unitPrice", .money, "Price per hour (table, assistant) or per unit (goods).", optional: true),
                    DWDColumn("amount", "amount", .money, "The line's amount."),
                 ]),
        // Table use and its adjustments.
        DWDTable("dwd_table_use", "Table use", from: .tableFeeTransactions, key: ["table_use_id"],
                 dropped: ["tenantId", "tableName", "tableAreaName", "tableTypeName"],
                 description: "One row per stretch of a session at one table, with its fee; a session moved to another table (换台) has one per table.",
                 columns: [
                    DWDColumn("table_use_id", "id", .id, "The stretch."), site(), settle, tradeNo, table, member,
                    DWDColumn("started_at", "startUseTime", .time, "When play started at the table."),
                    DWDColumn("ended_at", "endUseTime", .time, "When it ended."),
                    DWDColumn("real_seconds", "realUseSeconds", .int, "Seconds played."),
                    DWDColumn("billed_seconds", "billedSeconds", .int, "Seconds billed (rounded up to the billing unit)."),
                    DWDColumn("unit_price", "ledgerUnitPrice", .money, "The hourly rate of the band the stretch started in."),
                    DWDColumn("fee_amount", "ledgerAmount", .money, "The fee."),
                    DWDColumn("is_table_change", "isChangeTable", .flag, "True when the session moved away from or onto this table."),
                    created,
                 ]),
        DWDTable("dwd_table_fee_adjustment", "Table-fee adjustments", from: .tableFeeDiscountRecords, key: ["adjustment_id"],
                 dropped: ["tenantId", "tableName", "adjustTypeName"],
                 description: "One row per discount or waiver of a settlement's table fee.",
                 columns: [
                    DWDColumn("adjustment_id", "id", .id, "The adjustment."), site(), settle, tradeNo, table,
                    DWDColumn("adjust_type", "adjustType", .code(tableAdjustment), "Percent off, amount off, waived, or rounded down."),
                    DWDColumn("adjust_reason", "adjustReason", .text, "Why."),
                    DWDColumn("before_amount", "beforeAmount", .money, "The table fee before."),
                    DWDColumn("adjust_amount", "adjustAmount", .money, "The amount taken off."),
                    DWDColumn("after_amount", "afterAmount", .money, "The table fee after."),
                    DWDColumn("operator_name", "operatorName", .text, "Who made it."), created,
                 ]),
        // Assistants.
        DWDTable("dwd_assistant_service", "Assistant services", from: .assistantServiceRecords, key: ["service_id"],
                 dropped: ["tenantId", "assistantNo", "nickName", "levelName", "tableName"],
                 description: "One row per assistant (助教) booked on a table session, with the fee.",
                 columns: [
                    DWDColumn("service_id", "id", .id, "The service."), site(), settle, tradeNo,
                    DWDColumn("assistant_id", "assistantId", .id, "The assistant (dim_assistant)."), table, member,
                    DWDColumn("started_at", "startTime", .time, "When the service started."),
                    DWDColumn("ended_at", "endTime", .time, "When it ended."),
                    DWDColumn("service_minutes", "serviceMinutes", .int, "Minutes billed."),
                    DWDColumn("unit_price", "unitPrice", .money, "Price per hour."),
                    DWDColumn("fee_amount", "amount", .money, "The fee."), created,
                 ]),
        DWDTable("dwd_assistant_cancellation", "Assistant cancellations", from: .assistantCancellationRecords, key: ["cancellation_id"],
                 dropped: ["tenantId", "assistantNo", "nickName", "tableName"],
                 description: "One row per assistant booking cancelled (废除) before it was served.",
                 columns: [
                    DWDColumn("cancellation_id", "id", .id, "The cancellation."), site(),
                    DWDColumn("assistant_id", "assistantId", .id, "The assistant (dim_assistant)."), table, tradeNo,
                    DWDColumn("booked_at", "bookTime", .time, "When the assistant was booked."),
                    DWDColumn("planned_minutes", "plannedMinutes", .int, "Minutes booked."),
                    DWDColumn("planned_amount", "plannedAmount", .money, "The fee that would have been."),
                    DWDColumn("cancel_reason", "abolishReason", .text, "Why."),
                    DWDColumn("operator_name", "operatorName", .text, "Who cancelled it."),
                    DWDColumn("cancelled_at", "createTime", .time, "When."),
                 ]),
        // Goods and stock.
        DWDTable("dwd_goods_sale", "Goods sales", from: .storeGoodsSalesRecords, key: ["goods_sale_id"],
                 dropped: ["tenantId", "goodsName", "categoryName", "tableName"],
                 description: "One row per good ordered to a table.",
                 columns: [
                    DWDColumn("goods_sale_id", "id", .id, "The sale line."), site(), settle, tradeNo,
                    DWDColumn("site_goods_id", "siteGoodsId", .id, "The store's good (dim_site_goods)."),
                    DWDColumn("goods_id", "tenantGoodsId", .id, "The tenant's good (dim_goods)."), table, member,
                    DWDColumn("quantity", "quantity", .int, "Units sold."),
                    DWDColumn("unit_price", "unitPrice", .money, "Price per unit."),
                    DWDColumn("sale_amount", "amount", .money, "quantity × unit_price."),
                    DWDColumn("sold_at", "createTime", .time, "When it was ordered."),
                 ]),
        DWDTable("dwd_stock_movement", "Stock movements", from: .goodsStockMovements, key: ["movement_id"],
                 dropped: ["tenantId", "goodsName", "movementTypeName"],
                 description: "One row per change of a store good's stock; stock_after = stock_before + change_qty.",
                 columns: [
                    DWDColumn("movement_id", "id", .id, "The movement."), site(),
                    DWDColumn("site_goods_id", "siteGoodsId", .id, "The store's good."),
                    DWDColumn("goods_id", "tenantGoodsId", .id, "The tenant's good."),
                    DWDColumn("movement_type", "movementType", .code(stockMovement), "Purchase, sale, loss or opening stock."),
                    DWDColumn("change_qty", "changeQty", .int, "Units in (positive) or out (negative)."),
                    DWDColumn("stock_before", "stockBefore", .int, "Units before."),
                    DWDColumn("stock_after", "stockAfter", .int, "Units after."),
                    DWDColumn("relate_id", "relateId", .ref, "The sale or purchase that moved it.", optional: true),
                    DWDColumn("remark", "remark", .text, "The upstream's remark."),
                    DWDColumn("operator_name", "operatorName", .text, "Who recorded it."),
                    DWDColumn("moved_at", "createTime", .time, "When."),
                 ]),
        DWDTable("dwd_stock_daily", "Daily stock", from: .goodsStockSummary, key: ["site_goods_id", "report_date"],
                 dropped: ["tenantId", "goodsName"],
                 description: "One row per store good and business day: the stock report; closing_qty = opening_qty + in_qty - sale_qty - loss_qty.",
                 columns: [
                    DWDColumn("site_goods_id", "siteGoodsId", .id, "The store's good."), site(),
                    DWDColumn("goods_id", "tenantGoodsId", .id, "The tenant's good."),
                    DWDColumn("report_date", "reportDate", .date, "The business day reported."),
                    DWDColumn("opening_qty", "openingQty", .int, "Units at the start of the day."),
                    DWDColumn("in_qty", "inQty", .int, "Units received."),
                    DWDColumn("sale_qty", "saleQty", .int, "Units sold."),
                    DWDColumn("loss_qty", "lossQty", .int, "Units lost."),
                    DWDColumn("closing_qty", "closingQty", .int, "Units at the end of the day."), created,
                 ]),
        // Members and their money.
        DWDTable("dwd_member_balance_change", "Stored-value balance changes", from: .memberBalanceChanges, key: ["balance_change_id"],
                 dropped: ["tenantId", "cardNo", "changeTypeName"],
                 description: "One row per change of a stored-value card's balance; balance_after = balance_before + change_amount.",
                 columns: [
                    DWDColumn("balance_change_id", "id", .id, "The change."), site(),
                    DWDColumn("member_card_id", "tenantMemberCardId", .id, "The card."),
                    DWDColumn("member_id", "tenantMemberId", .id, "The member."),
                    DWDColumn("change_type", "changeType", .code(balanceChange), "Recharge, its gift, consumption, refund, or the balance imported when the card was opened."),
                    DWDColumn("balance_before", "balanceBefore", .money, "The balance before."),
                    DWDColumn("change_amount", "changeAmount", .money, "The change (negative for consumption)."),
                    DWDColumn("balance_after", "balanceAfter", .money, "The balance after."),
                    DWDColumn("relate_id", "relateId", .ref, "The recharge, settlement or refund that made it.", optional: true),
                    DWDColumn("changed_at", "createTime", .time, "When."),
                 ]),
        DWDTable("dwd_recharge", "Recharges", from: .rechargeSettlements, key: ["recharge_order_id"],
                 dropped: ["tenantId", "memberName", "cardNo", "payMethodName"],
                 description: "One row per recharge of a stored-value card (充值): the amount paid and the gift the store's rule added.",
                 columns: [
                    DWDColumn("recharge_order_id", "id", .id, "The recharge."), site(),
                    DWDColumn("member_id", "tenantMemberId", .id, "The member."),
                    DWDColumn("member_card_id", "tenantMemberCardId", .id, "The card."),
                    DWDColumn("recharge_amount", "rechargeAmount", .money, "Paid in."),
                    DWDColumn("gift_amount", "giftAmount", .money, "The gift added (充500送50)."),
                    DWDColumn("pay_method", "payMethod", .code(payMethod), "How it was paid."),
                    DWDColumn("rule_name", "ruleName", .text, "The rule that gave the gift, or empty."),
                    DWDColumn("is_first_recharge", "isFirstRecharge", .flag, "The card's first recharge."),
                    DWDColumn("operator_name", "operatorName", .text, "Who took it."),
                    DWDColumn("recharged_at", "createTime", .time, "When."),
                 ]),
        // Coupons.
        DWDTable("dwd_coupon_redemption", "Platform coupon redemptions", from: .platformCouponRedemptionRecords, key: ["coupon_redemption_id"],
                 dropped: ["tenantId", "platformName", "packageName"],
                 description: "One row per group-buy coupon (美团, 抖音) verified at a store against a settlement.",
                 columns: [
                    DWDColumn("coupon_redemption_id", "id", .id, "The redemption."), site(),
                    DWDColumn("coupon_code", "couponCode", .text, "The coupon's code."),
                    DWDColumn("platform", "platform", .code(couponPlatform), "The platform that sold it."),
                    DWDColumn("package_id", "packageId", .id, "The package (dim_group_buy_package)."),
                    DWDColumn("sale_price", "salePrice", .money, "What the guest paid the platform."),
                    DWDColumn("deduct_amount", "deductAmount", .money, "What it took off the bill."),
                    settle, tradeNo, table, member,
                    DWDColumn("redeemed_at", "consumeTime", .time, "When it was verified."),
                    DWDColumn("status", "status", .code(activeStatus), "Whether the redemption stands."), created,
                 ]),
        DWDTable("dwd_group_buy_table_use", "Table time paid by coupons", from: .groupBuyRedemptionRecords, key: ["group_buy_use_id"],
                 dropped: ["tenantId", "couponCode", "packageName", "tableName", "tableTypeName"],
                 description: "One row per stretch of table time a redeemed coupon covered.",
                 columns: [
                    DWDColumn("group_buy_use_id", "id", .id, "The stretch."), site(), settle, tradeNo,
                    DWDColumn("coupon_redemption_id", "couponConsumeId", .id, "The redemption (dwd_coupon_redemption)."),
                    DWDColumn("package_id", "packageId", .id, "The package."), table,
                    DWDColumn("started_at", "startUseTime", .time, "When the covered time started."),
                    DWDColumn("ended_at", "endUseTime", .time, "When it ended."),
                    DWDColumn("covered_seconds", "coveredSeconds", .int, "Seconds covered."),
                    DWDColumn("deduct_amount", "deductAmount", .money, "The table fee it covered."), created,
                 ]),
        // Dimensions: each version the upstream showed, one per entity and day (the day's last).
        DWDTable("dim_table", "Tables", from: .siteTablesMaster, key: ["table_id"], dimension: true, history: true,
                 dropped: ["tenantId", "tableTypeName"],
                 description: "One row per table and day it changed: its type, area and hourly rates by time band.",
                 columns: [
                    DWDColumn("table_id", "id", .id, "The table."), site(),
                    DWDColumn("table_name", "tableName", .text, "Its name (A区5号台)."),
                    DWDColumn("area_name", "tableAreaName", .text, "Its area."),
                    DWDColumn("table_no", "tableNo", .int, "Its number in the store."),
                    DWDColumn("table_type", "tableTypeId", .code(tableType), "The game it is for, or a private room."),
                    DWDColumn("day_price", "dayPrice", .money, "Yuan per hour, 08:00-18:00."),
                    DWDColumn("evening_price", "eveningPrice", .money, "Yuan per hour, 18:00-24:00."),
                    DWDColumn("night_price", "nightPrice", .money, "Yuan per hour, 00:00-08:00."),
                    DWDColumn("billing_mode", "billingMode", .code(billingMode), "By the minute or by whole units."),
                    DWDColumn("billing_unit_minutes", "billingUnitMinutes", .int, "The billing unit."),
                    DWDColumn("is_enabled", "isEnabled", .flag, "In service."), created, updated,
                 ]),
        DWDTable("dim_goods", "Goods (tenant)", from: .tenantGoodsMaster, key: ["goods_id"], dimension: true, history: true,
                 dropped: ["tenantId", "primaryCategoryName", "categoryName"],
                 description: "One row per good of the tenant's catalogue and day it changed.",
                 columns: [
                    DWDColumn("goods_id", "id", .id, "The good."),
                    DWDColumn("goods_name", "goodsName", .text, "Its name."),
                    DWDColumn("barcode", "goodsBarcode", .text, "Its barcode."),
                    DWDColumn("primary_category_id", "primaryCategoryId", .id, "Its top category (dim_goods_category)."),
                    DWDColumn("category_id", "categoryId", .id, "Its category."),
                    DWDColumn("unit", "unit", .text, "The unit sold."),
                    DWDColumn("sale_price", "salePrice", .money, "The list price."),
                    DWDColumn("cost_price", "costPrice", .money, "The cost."),
                    DWDColumn("status", "goodsStatus", .code(activeStatus), "On sale or not."), created, updated,
                 ]),
        DWDTable("dim_site_goods", "Goods (store)", from: .storeGoodsMaster, key: ["site_goods_id"], dimension: true, history: true,
                 dropped: ["tenantId", "goodsName", "categoryName", "unit"],
                 description: "One row per good as a store sells it, and day it changed: its price and stock.",
                 columns: [
                    DWDColumn("site_goods_id", "id", .id, "The store's good."), site(),
                    DWDColumn("goods_id", "tenantGoodsId", .id, "The tenant's good."),
                    DWDColumn("sale_price", "salePrice", .money, "The store's price."),
                    DWDColumn("stock_qty", "stockQty", .int, "Units in stock."),
                    DWDColumn("warning_qty", "warningQty", .int, "The reorder point."),
                    DWDColumn("status", "goodsStatus", .code(activeStatus), "On sale or not."), created, updated,
                 ]),
        DWDTable("dim_goods_category", "Goods categories", from: .stockGoodsCategoryTree, rows: .recordAndChildren(field: "children"),
                 key: ["category_id"], dimension: true, dropped: ["tenantId", "createTime", "updateTime"],
                 description: "One row per goods category (a top category and each of its children) and day the tree changed.",
                 columns: [
                    DWDColumn("category_id", "id", .id, "The category."),
                    DWDColumn("category_name", "categoryName", .text, "Its name."),
                    DWDColumn("parent_id", "parentId", .ref, "Its parent; null for a top category.", optional: true),
                    DWDColumn("sort_no", "sortNo", .int, "Its place among its siblings."),
                 ]),
        DWDTable("dim_assistant", "Assistants", from: .assistantAccountsMaster, key: ["assistant_id"], dimension: true, history: true,
                 dropped: ["tenantId", "levelName", "statusName", "mobile", "realName"],
                 description: "One row per assistant (助教) and day the profile changed.",
                 columns: [
                    DWDColumn("assistant_id", "id", .id, "The assistant."), site(),
                    DWDColumn("assistant_no", "assistantNo", .text, "The staff number."),
                    DWDColumn("nick_name", "nickName", .text, "The name guests know."),
                    DWDColumn("gender", "gender", .code(gender), "Gender."),
                    DWDColumn("level", "levelId", .code(assistantLevel), "Level, which sets the price."),
                    DWDColumn("hourly_price", "hourlyPrice", .money, "Price per hour."),
                    DWDColumn("status", "status", .code(activeStatus), "Employed or not."),
                    DWDColumn("joined_at", "entryTime", .time, "When they started."), created, updated,
                 ]),
        DWDTable("dim_member", "Members", from: .memberProfiles, key: ["member_id"], dimension: true, history: true,
                 dropped: ["tenantId", "levelName"],
                 description: "One row per member and day the profile changed (phone, birthday, level): the versions SCD2 is built from.",
                 columns: [
                    DWDColumn("member_id", "id", .id, "The member."),
                    DWDColumn("site_id", "siteId", .id, "The store the member joined at."),
                    DWDColumn("member_no", "memberNo", .text, "The membership number."),
                    DWDColumn("member_name", "memberName", .text, "The name."),
                    DWDColumn("mobile", "mobile", .text, "The phone number."),
                    DWDColumn("gender", "gender", .code(gender), "Gender."),
                    DWDColumn("birthday", "birthday", .date, "The birthday, when given.", optional: true),
                    DWDColumn("level", "levelId", .code(memberLevel), "The level."),
                    DWDColumn("table_discount_percent", "tableDiscountPercent", .int, "The share of the table fee the level pays (95 = 95折)."),
                    DWDColumn("status", "memberStatus", .code(activeStatus), "Active or not."), created, updated,
                 ]),
        DWDTable("dim_member_card", "Stored-value cards", from: .memberStoredValueCards, key: ["member_card_id"], dimension: true,
                 dropped: ["tenantId", "memberName", "mobile"],
                 description: "One row per stored-value card and day its balance changed; balance = total_recharge + total_gift - total_consume + total_refund.",
                 columns: [
                    DWDColumn("member_card_id", "id", .id, "The card."), site(),
                    DWDColumn("member_id", "tenantMemberId", .id, "The member."),
                    DWDColumn("card_no", "cardNo", .text, "The card number."),
                    DWDColumn("card_type_name", "cardTypeName", .text, "The card type."),
                    DWDColumn("balance", "balance", .money, "The balance at the day's last change."),
                    DWDColumn("total_recharge", "totalRecharge", .money, "Recharged in all."),
                    DWDColumn("total_gift", "totalGift", .money, "Gifts in all."),
                    DWDColumn("total_consume", "totalConsume", .money, "Spent in all."),
                    DWDColumn("total_refund", "totalRefund", .money, "Refunded to it in all."),
                    DWDColumn("status", "cardStatus", .code(activeStatus), "Usable or not."), created, updated,
                 ]),
        DWDTable("dim_group_buy_package", "Group-buy packages", from: .groupBuyPackages, key: ["package_id"], dimension: true,
                 dropped: ["tenantId", "platformName", "tableTypeName"],
                 description: "One row per group-buy package a store sells on a platform, and day it changed.",
                 columns: [
                    DWDColumn("package_id", "id", .id, "The package."), site(),
                    DWDColumn("package_name", "packageName", .text, "Its name."),
                    DWDColumn("platform", "platform", .code(couponPlatform), "The platform."),
                    DWDColumn("table_type", "tableTypeId", .code(tableType), "The table type it is for."),
                    DWDColumn("duration_minutes", "durationMinutes", .int, "Minutes of play."),
                    DWDColumn("sale_price", "salePrice", .money, "The platform's price."),
                    DWDColumn("original_price", "originalPrice", .money, "The list price it compares with."),
                    DWDColumn("usable_from", "validFrom", .date, "First day it can be used."),
                    DWDColumn("usable_to", "validTo", .date, "Last day it can be used."),
                    DWDColumn("status", "status", .code(activeStatus), "On sale or not."), created, updated,
                 ]),
    ]
}
