import Testing
import BilliardsVenue
import LakeFormat

/// Checks that the venue behaves like one; each can fail.
@Suite("realism")
struct RealismTests {
    @Test("weekday evenings are busier than weekday mornings, and weekends busier than weekdays")
    func busyTimes() {
        for (seed, _, stores) in Fixture.histories {
            var mornings = 0, evenings = 0
            var weekday: [Int] = [], weekend: [Int] = []
            for day in stores.joined() {
                let opens = day.settlements.filter { $0.settleStatus == 1 }.map { $0.openTime.local.secondOfDay / 3600 }
                if day.dt.isoWeekday <= 4 {
                    mornings += opens.filter { (10..<14).contains($0) }.count
                    evenings += opens.filter { (19..<23).contains($0) }.count
                    weekday.append(opens.count)
                } else if day.dt.isoWeekday >= 6 {
                    weekend.append(opens.count)
                }
            }
            #expect(evenings > 2 * mornings, "seed \(seed): \(evenings) evening vs \(mornings) morning sessions")
            #expect(weekend.reduce(0, +) * weekday.count > weekday.reduce(0, +) * weekend.count * 11 / 10, "seed \(seed)")
        }
    }

    @Test("every table type is played, some sessions move tables, and assistants are booked and cancelled")
    func tables() {
        for (seed, _, stores) in Fixture.histories {
            let fees = stores.joined().flatMap(\.tableFees)
            #expect(Set(fees.map(\.tableTypeName)) == ["中式黑八", "美式九球", "斯诺克", "包厢"], "seed \(seed)")
            #expect(fees.contains { $0.isChangeTable == 1 })
            #expect(!stores.joined().flatMap(\.assistantServices).isEmpty)
            #expect(!stores.joined().flatMap(\.assistantCancellations).isEmpty)
            let tables = stores.joined().flatMap(\.siteTables)
            #expect(tables.allSatisfy { $0.eveningPrice > $0.dayPrice })
        }
    }

    @Test("settlements are paid every way: cash, card, WeChat, Alipay, stored value, and coupons")
    func paymentMix() {
        for (seed, _, stores) in Fixture.histories {
            let methods = Set(stores.joined().flatMap(\.payments).map(\.payMethod))
            #expect(methods == Set(PayMethod.allCases.map(\.rawValue)), "seed \(seed)")
            let coupons = stores.joined().flatMap(\.couponRedemptions)
            #expect(Set(coupons.map(\.platformName)) == ["美团", "抖音"], "seed \(seed)")
            #expect(!stores.joined().flatMap(\.tableFeeAdjustments).isEmpty)
        }
    }

    @Test("some refunds land on a later business day than their settlement")
    func lateRefunds() {
        for (seed, _, stores) in Fixture.histories {
            let refunds = stores.joined().flatMap(\.refunds)
            #expect(refunds.contains { $0.createTime.businessDate > $0.settleTime.businessDate }, "seed \(seed)")
            #expect(refunds.contains { $0.createTime.businessDate == $0.settleTime.businessDate }, "seed \(seed)")
        }
    }

    @Test("member profiles change: new phones, birthdays, higher levels")
    func profileChanges() {
        for (seed, _, stores) in Fixture.histories {
            let versions = stores.joined().flatMap(\.memberProfiles).grouped { $0.id }
            let changed = versions.values.filter { $0.count > 1 }
            #expect(changed.contains { Set($0.map(\.mobile)).count > 1 }, "seed \(seed)")
            #expect(changed.contains { Set($0.map(\.levelId)).count > 1 }, "seed \(seed)")
            for list in versions.values {
                #expect(list.map(\.updateTime) == list.map(\.updateTime).sorted())
                #expect(list.map(\.levelId) == list.map(\.levelId).sorted())  // levels only go up
            }
            // Members join on (nearly) every day after the opening day.
            for days in stores {
                let joined = days.dropFirst().filter { day in day.memberProfiles.contains { $0.createTime.businessDate == day.dt } }
                #expect(joined.count >= days.count - 3, "seed \(seed)")
            }
        }
    }

    @Test("names are Chinese, phones mainland mobiles, stores named after their district")
    func names() throws {
        let (_, venue, stores) = Fixture.histories[0]
        #expect(venue.stores.map(\.name) == ["乐享台球(徐汇店)", "乐享台球(静安店)", "乐享台球(浦东店)"])
        let members = stores.joined().flatMap(\.memberProfiles)
        #expect(members.allSatisfy { (2...3).contains($0.memberName.count) })
        #expect(members.allSatisfy { $0.mobile.count == 11 && $0.mobile.hasPrefix("1") })
        let goods = stores[0][0].tenantGoods.map(\.goodsName)
        #expect(goods.contains("青岛啤酒500ml") && goods.contains("巧克粉"))
        #expect(stores[0][0].goodsCategories.map(\.categoryName) == ["酒水饮料", "零食小吃", "台球用品"])
    }

    @Test("master data changes over a year: rates, goods prices, assistants, packages")
    func masterChanges() throws {
        let venue = try Fixture.venue(seed: 5, stores: 1)
        let store = venue.stores[0]
        let year = Fixture.opened.adding(days: 1)..<Fixture.opened.adding(days: 400)
        let range = VenueTime.opening(of: year.lowerBound)..<VenueTime.opening(of: year.upperBound)
        #expect(!venue.records(.siteTablesMaster, store: store, updatedIn: range).isEmpty)
        #expect(!venue.records(.tenantGoodsMaster, store: store, updatedIn: range).isEmpty)
        #expect(!venue.records(.assistantAccountsMaster, store: store, updatedIn: range).isEmpty)
        #expect(!venue.records(.groupBuyPackages, store: store, updatedIn: range).isEmpty)
        // Tables go into maintenance and come back; no one plays at a table while it is out.
        var tables: [Int64: [SiteTableRecord]] = [:]
        var uses: [TableFeeRecord] = []
        var dt = year.lowerBound.adding(days: -1)
        while dt < year.upperBound {
            let day = venue.day(store, dt: dt)
            for t in day.siteTables { tables[t.id, default: []].append(t) }
            uses += day.tableFees
            dt = dt.adding(days: 1)
        }
        #expect(tables.values.contains { $0.contains { $0.isEnabled == 0 } })
        for use in uses {
            let state = tables[use.siteTableId]!.last { $0.updateTime <= use.startUseTime }!
            #expect(state.isEnabled == 1, "\(use.tableName) used at \(use.startUseTime) while in maintenance")
        }
    }
}
