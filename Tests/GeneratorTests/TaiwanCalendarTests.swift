import Testing
import Foundation
import Configuration
import GeneratorKit
import LakeFormat
@testable import PetShop

@Suite("Taiwan's calendar and the shop's seasons")
struct TaiwanCalendarTests {
    let calendar = TaiwanCalendar.shared

    func date(_ s: String) -> LakeDate { LakeDate(s)! }

    @Test("the lunar dates are the Chinese calendar's (Lunar New Year, 端午, 七夕, 中秋)")
    func lunarDates() {
        let known: [(Int, String, String, String, String)] = [
            (2017, "2017-01-28", "2017-05-30", "2017-08-28", "2017-10-04"),
            (2020, "2020-01-25", "2020-06-25", "2020-08-25", "2020-10-01"),
            (2023, "2023-01-22", "2023-06-22", "2023-08-22", "2023-09-29"),
            (2025, "2025-01-29", "2025-05-31", "2025-08-29", "2025-10-06"),
            (2026, "2026-02-17", "2026-06-19", "2026-08-19", "2026-09-25"),
            (2027, "2027-02-06", "2027-06-09", "2027-08-08", "2027-09-15"),
            (2030, "2030-02-03", "2030-06-05", "2030-08-05", "2030-09-12"),
        ]
        for (year, newYear, dragonBoat, qixi, midAutumn) in known {
            let l = LunarYear.of(year)
            #expect(l.newYear == date(newYear), "\(year)")
            #expect(l.dragonBoat == date(dragonBoat), "\(year)")
            #expect(l.qixi == date(qixi), "\(year)")
            #expect(l.midAutumn == date(midAutumn), "\(year)")
        }
        // Years with a leap month before or around the festivals (2028: 閏五月; 2033: 閏十一月),
        // as the Python holidays package gives them.
        for (year, newYear, dragonBoat, midAutumn) in [(2028, "2028-01-26", "2028-05-28", "2028-10-03"),
                                                       (2033, "2033-01-31", "2033-06-01", "2033-09-08")] {
            let l = LunarYear.of(year)
            #expect(l.newYear == date(newYear) && l.dragonBoat == date(dragonBoat) && l.midAutumn == date(midAutumn), "\(year)")
        }
        // 618 on 端午節 (2018-06-18, a Monday off): the festival is 618, and its orders are
        // twice a weekend day's, not boosted again as a day off.
        #expect(calendar.day(date("2018-06-18")).festival == "618" && !calendar.day(date("2018-06-18")).isWorkingDay)
    }

    @Test("the rules alone give the published office calendar's days off, but for the bridge days the DGPA decides each year")
    func rulesReproduceThePublishedYears() {
        // Bridge days (調整放假) and the Saturdays worked for them (補行上班, 調整上班) are
        // decided year by year, so the rules cannot know them; every other day must agree.
        // Before 2026 the DGPA made 小年夜 a bridge day in some years (2023-2025), named so.
        let bridges: Set<String> = ["調整放假", "補行上班", "調整上班", "放假"]
        var compared = 0
        for year in calendar.publishedYears {
            let rules = TaiwanCalendar.ruleDays(year)
            var dt = LakeDate(year: year, month: 1, day: 1)
            while dt.components.year == year {
                let published = calendar.published[dt]
                if let note = published?.note, bridges.contains(note) || (note == "小年夜" && year < 2026) {
                    dt = dt.adding(days: 1)
                    continue
                }
                let publishedOff = published?.off ?? (dt.isoWeekday >= 6)
                let rulesOff = dt.isoWeekday >= 6 || rules[dt] != nil
                #expect(publishedOff == rulesOff, "\(dt): published \(published.map { "\($0.off ? "off" : "work") \($0.note ?? "")" } ?? "ordinary"), rules \(rules[dt] ?? "none")")
                compared += 1
                dt = dt.adding(days: 1)
            }
        }
        #expect(compared > 3_500)
    }

    @Test("清明 by the solar-term formula is the published 民族掃墓節 of every published year")
    func qingming() {
        for year in calendar.publishedYears {
            let q = TaiwanCalendar.qingmingDay(year)
            let note = calendar.published[q]?.note ?? ""
            #expect(note.contains("掃墓") || note.contains("清明"), "\(year): \(q) is published as \(note)")
        }
    }

    @Test("days: published years as published, later years by the rules, festivals every year")
    func days() {
        #expect(calendar.day(date("2026-02-16")) == .init(isWorkingDay: false, holiday: "農曆除夕", festival: "除夕"))
        #expect(calendar.day(date("2026-02-20")) == .init(isWorkingDay: false, holiday: "補假", festival: nil))
        #expect(calendar.day(date("2026-03-03")) == .init(isWorkingDay: true, holiday: nil, festival: "元宵節"))
        #expect(calendar.day(date("2026-11-11")) == .init(isWorkingDay: true, holiday: nil, festival: "雙11"))
        #expect(calendar.day(date("2024-02-17")).isWorkingDay, "a Saturday worked (補行上班)")
        #expect(calendar.day(date("2024-02-17")).holiday == "補行上班")
        // 2027, beyond the published files: 除夕 on Friday 5 Feb, 春節 Sat-Mon, so the
        // Saturday and Sunday are made up on Tuesday and Wednesday.
        #expect(calendar.day(date("2027-02-05")) == .init(isWorkingDay: false, holiday: "農曆除夕", festival: "除夕"))
        #expect(!calendar.day(date("2027-02-09")).isWorkingDay && !calendar.day(date("2027-02-10")).isWorkingDay)
        #expect(calendar.day(date("2027-02-11")).isWorkingDay)
        // 2027-10-10 is a Sunday: Monday the 11th in lieu. 2027-02-28 too.
        #expect(calendar.day(date("2027-10-11")).holiday == "補假")
        #expect(calendar.day(date("2027-03-01")).holiday == "補假")
        #expect(calendar.day(date("2027-05-04")) == .init(isWorkingDay: true, holiday: nil, festival: nil))
    }

    @Test("seasons: ordinary days keep their orders; the Lunar New Year, 618, 雙11 and 雙12 and the weekday days off move them")
    func seasons() throws {
        let seasons = Seasons(config: try GeneratorTests.config())
        #expect(seasons.demand(on: date("2025-03-12")) == 1)
        #expect(seasons.demand(on: date("2025-04-19")) == 1)
        let rest = calendar.lunarNewYearRest(2025)
        #expect(rest == date("2025-01-25")...date("2025-02-02"))
        for d in stride(from: rest.lowerBound.daysSinceEpoch, through: rest.upperBound.daysSinceEpoch, by: 1) {
            #expect(seasons.demand(on: LakeDate(daysSinceEpoch: d)) < 0.3)
        }
        #expect(seasons.demand(on: date("2025-01-17")) > 1.5)
        #expect(seasons.demand(on: date("2025-02-03")) > 1.3)
        // 2026's stock-up: the rest begins on Saturday 14 February 2026, so it starts on 24 January.
        #expect(seasons.demand(on: date("2026-01-25")) > 1)
        var busiest = (LakeDate(daysSinceEpoch: 0), 0.0)
        var dt = date("2025-01-01")
        while dt <= date("2025-12-31") {
            let d = seasons.demand(on: dt)
            if d > busiest.1 { busiest = (dt, d) }
            dt = dt.adding(days: 1)
        }
        #expect(busiest.0 == date("2025-11-11"))
        // A Wednesday off (2025-10-10, 國慶日, a Friday; 2025-04-04 a Friday) sells like the weekend.
        let config = try GeneratorTests.config()
        let friday = config.behaviour[config.weekdays[4]]!.ordersPerDay, saturday = config.behaviour[config.weekdays[5]]!.ordersPerDay
        let expected = Double(saturday.lowerBound + saturday.upperBound) / Double(friday.lowerBound + friday.upperBound)
        #expect(abs(seasons.demand(on: date("2025-10-10")) - expected) < 1e-9)
    }

    @Test("campaigns: five looks of the configured tiers at round prices; the festivals' own campaigns inside their days")
    func campaigns() throws {
        let tier = CampaignTier(thresholdAmount: 1500, thresholdQuantity: nil, discountPercent: nil, discountAmount: 150, freeShipping: false, gift: nil)
        #expect(CampaignSet.scaled(tier, percent: 100) == tier)
        #expect(CampaignSet.scaled(tier, percent: 110).thresholdAmount == 1700)  // 1650 to the hundred, half up
        #expect(CampaignSet.scaled(tier, percent: 110).discountAmount == 170)    // 165 to the ten, half up
        let nines = CampaignTier(thresholdAmount: 999, thresholdQuantity: nil, discountPercent: nil, discountAmount: nil, freeShipping: true, gift: "x")
        #expect(CampaignSet.scaled(nines, percent: 120).thresholdAmount == 1199)
        #expect(CampaignSet.scaled(nines, percent: 90).thresholdAmount == 899)
        let config = try GeneratorTests.config()
        var looks = Set<[Int?]>()
        for month in 1...12 {
            let first = LakeDate(year: 2025, month: month, day: 1)
            let set = CampaignSet(config: config, month: first)
            for c in set.campaigns {
                #expect(c.validFrom >= first && c.validTo <= first.lastOfMonth && c.validFrom <= c.validTo, "\(c.name)")
            }
            looks.insert(set.campaigns.filter { $0.name.contains("月") }.map { $0.tier.thresholdAmount })
            let festival = set.campaigns.filter { !$0.name.contains("月") }
            switch month {
            case 1: #expect(festival.count == 3 && festival.allSatisfy { $0.name.hasPrefix("年貨節") && $0.validTo == date("2025-01-24") })
            case 6: #expect(festival.count == 3 && festival.allSatisfy { $0.validTo == date("2025-06-18") })
            case 11: #expect(festival.count == 3 && festival.allSatisfy { $0.name.hasPrefix("雙11") })
            case 12: #expect(festival.count == 3 && festival.allSatisfy { $0.name.hasPrefix("雙12") })
            default: #expect(festival.isEmpty, "\(month): \(festival.map(\.name))")
            }
        }
        #expect(looks.count >= 3)
        // Outside its days a festival campaign is never applied.
        let june = CampaignSet(config: config, month: date("2025-06-01"))
        let late = june.checkout(type: .thresholdDiscount, on: date("2025-06-25"), subtotal: 1900, quantity: 1)
        #expect(late.campaign.map { !$0.name.hasPrefix("618") } ?? true)
        let early = june.checkout(type: .thresholdDiscount, on: date("2025-06-10"), subtotal: 1900, quantity: 1)
        #expect(early.campaign?.name.hasPrefix("618") == true)
    }
}
