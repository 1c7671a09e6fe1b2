import Testing
import BilliardsVenue
import LakeFormat

@Suite("the venue's values, endpoints and determinism")
struct VenueTests {
    @Test("money is exact fen, sent as a string with two decimals", arguments: [
        (12_800, "128.00"), (5, "0.05"), (-5_850, "-58.50"), (0, "0.00"), (100_000_001, "1000000.01"),
    ] as [(Int64, String)])
    func money(fen: Int64, text: String) throws {
        #expect(Money(fen: fen).description == text)
        #expect(Money(text) == Money(fen: fen))
        #expect(String(decoding: try VenueJSON.encode(MoneyProbe(value: Money(fen: fen))), as: UTF8.self) == "\"\(text)\"")
    }

    @Test("times are Asia/Shanghai wall clock; a business day runs 08:00 to 08:00")
    func times() {
        let t = VenueTime(date: LakeDate(year: 2026, month: 11, day: 21), secondOfDay: 19 * 3600 + 30 * 60 + 5)
        #expect(t.description == "2026-11-21 19:30:05")
        #expect(t.secondsSinceEpoch == 1_795_260_605)  // 11:30:05 UTC
        #expect(VenueTime("2026-11-21 19:30:05") == t)
        for bad in ["2026-02-30 10:00:00", "2026-11-21T19:30:05", "2026-11-21 24:00:00", "2026-11-21 19:60:00", "2026-11-21 19:30:5",
                    "2026-11-21 1a:30:05", "2026-11-21 19:30:05 ", "", "２０２６-11-21 19:30:05"] {
            #expect(VenueTime(bad) == nil, "\(bad)")
        }
        var x: UInt64 = 9
        for _ in 0..<1_000 {  // every time reads back from its text (times from a fixed LCG)
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = VenueTime(secondsSinceEpoch: Int64(x >> 33) % 4_000_000_000)
            #expect(VenueTime(u.description) == u)
        }
        #expect(t.timestamp.description.hasSuffix("+08:00"))
        let late = VenueTime(date: LakeDate(year: 2026, month: 11, day: 21), secondOfDay: 25 * 3600 + 30 * 60)
        #expect(late.description == "2026-11-22 01:30:00")
        #expect(late.businessDate == LakeDate(year: 2026, month: 11, day: 21))
        #expect(VenueTime(date: LakeDate(year: 2026, month: 11, day: 22), secondOfDay: 8 * 3600).businessDate
            == LakeDate(year: 2026, month: 11, day: 22))
    }

    @Test("the 23 endpoints with the datasets, paths and list paths of the upstream's map")
    func endpoints() {
        let table: [(String, String, String?)] = [
            ("assistant_accounts_master", "/PersonnelManagement/SearchAssistantInfo", "data.assistantInfos"),
            ("assistant_service_records", "/AssistantPerformance/GetOrderAssistantDetails", "data.orderAssistantDetails"),
            ("assistant_cancellation_records", "/AssistantPerformance/GetAbolitionAssistant", "data.abolitionAssistants"),
            ("goods_stock_movements", "/GoodsStockManage/QueryGoodsOutboundReceipt", "data.queryDeliveryRecordsList"),
            ("goods_stock_summary", "/TenantGoods/GetGoodsStockReport", "data"),
            ("group_buy_packages", "/PackageCoupon/QueryPackageCouponList", "data.packageCouponList"),
            ("group_buy_redemption_records", "/Site/GetSiteTableUseDetails", "data.siteTableUseDetailsList"),
            ("member_profiles", "/MemberProfile/GetTenantMemberList", "data.tenantMemberInfos"),
            ("member_balance_changes", "/MemberProfile/GetMemberCardBalanceChange", "data.tenantMemberCardLogs"),
            ("member_stored_value_cards", "/MemberProfile/GetTenantMemberCardList", "data.tenantMemberCards"),
            ("payment_transactions", "/PayLog/GetPayLogListPage", "data"),
            ("platform_coupon_redemption_records", "/Promotion/GetOfflineCouponConsumePageList", "data"),
            ("recharge_settlements", "/Site/GetRechargeSettleList", "data.settleList"),
            ("refund_transactions", "/Order/GetRefundPayLogList", "data"),
            ("settlement_records", "/Site/GetAllOrderSettleList", "data.settleList"),
            ("settlement_ticket_details", "/Order/GetOrderSettleTicketNew", nil),
            ("site_tables_master", "/Table/GetSiteTables", "data.siteTables"),
            ("stock_goods_category_tree", "/TenantGoodsCategory/QueryPrimarySecondaryCategory", "data.goodsCategoryList"),
            ("store_goods_master", "/TenantGoods/GetGoodsInventoryList", "data.orderGoodsList"),
            ("store_goods_sales_records", "/TenantGoods/GetGoodsSalesList", "data.orderGoodsLedgers"),
            ("table_fee_discount_records", "/Site/GetTaiFeeAdjustList", "data.taiFeeAdjustInfos"),
            ("table_fee_transactions", "/Site/GetSiteTableOrderDetails", "data.siteTableUseDetailsList"),
            ("tenant_goods_master", "/TenantGoods/QueryTenantGoods", "data.tenantGoodsList"),
        ]
        #expect(Endpoint.allCases.count == 23)
        #expect(Endpoint.allCases.map(\.dataset) == table.map(\.0))
        #expect(Endpoint.allCases.map(\.path) == table.map(\.1))
        #expect(Endpoint.allCases.map(\.listPath) == table.map(\.2))
        for e in Endpoint.allCases {
            #expect(e.recordType.endpoint == e)
            #expect(Endpoint(path: e.path) == e && Endpoint(rawValue: e.dataset) == e)
        }
    }

    @Test("every endpoint has records within three weeks, and each record's version falls in its business day")
    func everyEndpointHasRecords() throws {
        for (seed, _, stores) in Fixture.histories {
            for days in stores {
                var counts: [Endpoint: Int] = [:]
                for day in days {
                    for e in Endpoint.allCases {
                        let records = day.records(e)
                        counts[e, default: 0] += records.count
                        for r in records {
                            #expect(r.businessDate == day.dt, "\(e) \(r.sourceKey) seed \(seed)")
                        }
                    }
                }
                for e in Endpoint.allCases { #expect(counts[e, default: 0] > 0, "\(e) has no records, seed \(seed)") }
            }
        }
    }

    @Test("the same inputs give the same bytes, whatever order days and stores are asked in")
    func determinism() throws {
        let forward = try Fixture.venue(seed: 99)
        let backward = try Fixture.venue(seed: 99)
        let days = (0..<10).map { Fixture.opened.adding(days: $0) }
        var a: [String: [UInt8]] = [:], b: [String: [UInt8]] = [:]
        for store in forward.stores {
            for dt in days { a["\(store.id) \(dt)"] = try encode(forward.day(store, dt: dt)) }
        }
        for store in backward.stores.reversed() {
            for dt in [days[9], days[3]] + days.reversed() { b["\(store.id) \(dt)"] = try encode(backward.day(store, dt: dt)) }
        }
        #expect(a.count == 30)
        #expect(a == b)
        // A fresh venue asked for one late day alone.
        let alone = try Fixture.venue(seed: 99)
        let store = alone.stores[1]
        #expect(try encode(alone.day(store, dt: days[8])) == a["\(store.id) \(days[8])"])
        // A store's records do not depend on how many stores there are.
        let single = try Fixture.venue(seed: 99, stores: 1)
        #expect(try encode(single.day(single.stores[0], dt: days[4])) == a["\(forward.stores[0].id) \(days[4])"])
        // Another seed differs.
        let other = try Fixture.venue(seed: 100)
        #expect(try encode(other.day(other.stores[0], dt: days[2])) != a["\(forward.stores[0].id) \(days[2])"])
    }

    @Test("records are sent as camelCase JSON, amounts and times as strings")
    func payloads() throws {
        let (_, _, stores) = Fixture.histories[0]
        let settlement = try #require(stores[0][3].settlements.first)
        let json = String(decoding: try VenueJSON.encode(settlement), as: UTF8.self)
        #expect(json.contains("\"payAmount\":\"\(settlement.payAmount)\""))
        #expect(json.contains("\"settleTime\":\"\(settlement.settleTime)\""))
        #expect(json.contains("\"id\":\(settlement.id)"))
        #expect(json.contains("\"tableName\":\"\(settlement.tableName)\""))
        #expect(settlement.id < 1 << 53)
        // Round trip.
        let back = try VenueJSON.decode(SettlementRecord.self, from: try VenueJSON.encode(settlement))
        #expect(back == settlement)
        // Chinese names as they are (UTF-8, not escaped).
        let table = try #require(stores[0][0].siteTables.first)
        #expect(String(decoding: try VenueJSON.encode(table), as: UTF8.self).contains(table.tableName))
        #expect(table.tableName.hasSuffix("号台") || table.tableName.hasSuffix("号包厢"))
    }

    @Test("a time-windowed query returns each record's latest version in the window")
    func windowedQuery() throws {
        let (_, venue, stores) = Fixture.histories[0]
        // A settlement refunded on a later day.
        var found: (store: Int, settlement: SettlementRecord, refunded: SettlementRecord)?
        search: for (s, days) in stores.enumerated() {
            for day in days {
                for v in day.settlements where v.settleStatus != 1 && v.updateTime.businessDate > v.settleTime.businessDate {
                    let first = days.flatMap(\.settlements).first { $0.id == v.id && $0.settleStatus == 1 }!
                    found = (s, first, v)
                    break search
                }
            }
        }
        let (s, settled, refunded) = try #require(found)
        let store = venue.stores[s]
        let settleDay = VenueTime.window(of: settled.settleTime.businessDate)
        let before = venue.records(SettlementRecord.self, store: store, updatedIn: settleDay)
        #expect(before.first { $0.id == settled.id } == settled)
        let both = settleDay.lowerBound..<VenueTime.window(of: refunded.updateTime.businessDate).upperBound
        let after = venue.records(SettlementRecord.self, store: store, updatedIn: both)
        #expect(after.filter { $0.id == settled.id } == [refunded])
        #expect(Set(after.map(\.sourceKey)).count == after.count)
        #expect(after.map(\.versionTime) == after.map(\.versionTime).sorted())
        // Before the opening day, nothing.
        #expect(venue.records(.settlementRecords, store: store, updatedIn: VenueTime.window(of: Fixture.opened.adding(days: -1))).isEmpty)
    }

    @Test("tenant endpoints answer the same records for every store")
    func tenantScope() throws {
        let (_, venue, stores) = Fixture.histories[1]
        for e in Endpoint.allCases where e.scope == .tenant {
            let first = try VenueJSON.encode(stores[0][0].records(e))
            #expect(!stores[0][0].records(e).isEmpty)
            for days in stores.dropFirst() { #expect(try VenueJSON.encode(days[0].records(e)) == first) }
        }
        #expect(Set(venue.stores.map(\.id)).count == venue.stores.count)
    }

    @Test("a windowed query is the days' versions in the window, the latest per key", arguments: [0, 1, 2])
    func windowsAgreeWithDays(_ which: Int) throws {
        let (_, venue, stores) = Fixture.histories[which]
        var rng = SplitMix(state: UInt64(which) + 11)
        let start = VenueTime.opening(of: Fixture.opened)
        for _ in 0..<12 {
            let from = start.adding(seconds: Int(rng.next() % UInt64(15 * 86_400)))
            let to = from.adding(seconds: 1 + Int(rng.next() % UInt64(4 * 86_400)))
            let s = Int(rng.next() % 3)
            for e in [Endpoint.settlementRecords, .memberStoredValueCards, .memberProfiles, .refundTransactions, .storeGoodsMaster] {
                var expected: [String: any VenueRecord] = [:]
                for day in stores[s] {
                    for r in day.records(e) where (from..<to).contains(r.versionTime) {
                        if let old = expected[r.sourceKey], old.versionTime > r.versionTime { continue }
                        expected[r.sourceKey] = r
                    }
                }
                let got = venue.records(e, store: venue.stores[s], updatedIn: from..<to)
                #expect(got.count == expected.count, "\(e) \(from)..<\(to)")
                for r in got {
                    #expect(try VenueJSON.encode(r) == VenueJSON.encode(expected[r.sourceKey]!), "\(e) \(r.sourceKey)")
                }
            }
        }
    }

    @Test("settings that cannot be simulated are refused with what was wrong")
    func validation() {
        var config = VenueConfig()
        config.storeCount = 100
        #expect(throws: VenueConfigError.self) { try Venue(config: config, seed: 1) }
        config = VenueConfig()
        config.refundRate = 0.9
        #expect(throws: VenueConfigError.self) { try Venue(config: config, seed: 1) }
        config = VenueConfig()
        config.scale = 0
        do {
            _ = try Venue(config: config, seed: 1)
            Issue.record("scale 0 accepted")
        } catch {
            #expect("\(error)".contains("scale"))
        }
    }

    func encode(_ day: VenueDay) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for e in Endpoint.allCases { bytes += try VenueJSON.encode(day.records(e)) }
        return bytes
    }
}

/// Money on its own, as a record field is encoded.
struct MoneyProbe: VenueRecord {
    static let endpoint = Endpoint.paymentTransactions
    let value: Money
    var sourceKey: String { "" }
    var versionTime: VenueTime { VenueTime(secondsSinceEpoch: 0) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// A tiny generator for picking test windows (the venue's own is internal).
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
