import Foundation
import LakeFormat
import Synchronization

/// Taiwan's calendar as a Taiwanese shop lives by it: which days offices and couriers
/// rest, the name the government gives each day off, and the festivals shoppers plan
/// around.
///
/// The years the office calendar covers (`Resources/taiwan_calendar.json`, compiled
/// from the DGPA's published files) are taken as published, bridge days (調整放假) and
/// make-up working Saturdays (補行上班) included. Other years follow the holiday rules
/// of 紀念日及節日實施條例 as they stood in that year (weekends, the fixed holidays, the
/// lunar ones from the Chinese calendar, and the days in lieu), without bridge days,
/// which the DGPA decides year by year. Festivals are computed for every year.
final class TaiwanCalendar: Sendable {
    /// One day of the calendar.
    struct Day: Sendable, Equatable {
        /// An office working day (couriers work with the offices).
        var isWorkingDay: Bool
        /// The office calendar's name for a day off other than an ordinary weekend, or
        /// for a Saturday worked (補行上班); nil on ordinary days.
        var holiday: String?
        /// The festival or shopping festival of the day (春節, 中秋節, 雙11, ...), if any.
        var festival: String?
    }

    /// The first and last year the published office calendar covers.
    let publishedYears: ClosedRange<Int>
    /// The published exceptions to an ordinary week: off or worked, and the note.
    let published: [LakeDate: (off: Bool, note: String?)]
    private let years = Mutex<[Int: [LakeDate: Day]]>([:])

    static let shared: TaiwanCalendar = {
        do { return try TaiwanCalendar(json: PackageResources.taiwan_calendar_json) } catch { fatalError("taiwan_calendar.json: \(error)") }
    }()

    init(json: [UInt8]) throws {
        struct File: Decodable {
            var first_year: Int
            var last_year: Int
            var days: [[String?]]
        }
        let file = try JSONDecoder().decode(File.self, from: Data(json))
        var published: [LakeDate: (Bool, String?)] = [:]
        for row in file.days {
            guard row.count == 3, let text = row[0], let date = LakeDate(text), let kind = row[1], kind == "off" || kind == "work" else {
                throw CocoaError(.coderReadCorrupt, userInfo: [NSDebugDescriptionErrorKey: "bad day \(row)"])
            }
            published[date] = (kind == "off", row[2])
        }
        self.published = published
        publishedYears = file.first_year...file.last_year
    }

    /// The calendar's day `dt`.
    func day(_ dt: LakeDate) -> Day {
        let year = dt.components.year
        if let days = years.withLock({ $0[year] }) { return days[dt] ?? ordinary(dt) }
        let built = build(year)
        years.withLock { $0[year] = built }
        return built[dt] ?? ordinary(dt)
    }

    func ordinary(_ dt: LakeDate) -> Day { Day(isWorkingDay: dt.isoWeekday < 6, holiday: nil, festival: nil) }

    /// Every day of `year` that is not ordinary.
    func build(_ year: Int) -> [LakeDate: Day] {
        var days: [LakeDate: Day] = [:]
        if publishedYears.contains(year) {
            for (date, p) in published where date.components.year == year {
                days[date] = Day(isWorkingDay: !p.off, holiday: p.note ?? (p.off ? "放假" : nil), festival: nil)
            }
        } else {
            for (date, name) in Self.ruleDays(year) {
                days[date] = Day(isWorkingDay: false, holiday: name, festival: nil)
            }
        }
        for (date, name) in Self.festivals(year) where days[date]?.festival == nil {
            days[date, default: ordinary(date)].festival = name
        }
        return days
    }

    /// The days off around the Lunar New Year's eve of `year`: the run of non-working
    /// days that holds the eve.
    func lunarNewYearRest(_ year: Int) -> ClosedRange<LakeDate> {
        let eve = LunarYear.of(year).newYear.adding(days: -1)
        var first = eve, last = eve
        while !day(first.adding(days: -1)).isWorkingDay { first = first.adding(days: -1) }
        while !day(last.adding(days: 1)).isWorkingDay { last = last.adding(days: 1) }
        return first...last
    }

    // MARK: The holiday rules

    /// The days off in `year` by the rules, weekends aside: `rules(year)`, and next
    /// year's New Year's Day made up on this year's 31 December when it is a Saturday.
    static func ruleDays(_ year: Int) -> [LakeDate: String] {
        rules(year).merging(rules(year + 1).filter { $0.key.components.year == year }, uniquingKeysWith: { a, _ in a })
    }

    /// The days off of `year` by the rules, weekends aside: each holiday with its name,
    /// and the days in lieu (補假) of those that fall on a weekend.
    static func rules(_ year: Int) -> [LakeDate: String] {
        let lunar = LunarYear.of(year)
        var holidays: [(date: LakeDate, name: String, forward: Bool)] = []
        func add(_ date: LakeDate, _ name: String, forward: Bool = false) { holidays.append((date, name, forward)) }
        add(LakeDate(year: year, month: 1, day: 1), "開國紀念日")
        if year >= 2026 { add(lunar.newYear.adding(days: -2), "小年夜", forward: true) }
        add(lunar.newYear.adding(days: -1), "農曆除夕", forward: true)
        for i in 0..<3 { add(lunar.newYear.adding(days: i), "春節", forward: true) }
        add(LakeDate(year: year, month: 2, day: 28), "和平紀念日")
        let qingming = qingmingDay(year)
        if year >= 2011 { add(LakeDate(year: year, month: 4, day: 4), "兒童節") }
        add(qingming, "民族掃墓節")
        if year >= 2026 { add(LakeDate(year: year, month: 5, day: 1), "勞動節") }
        add(lunar.dragonBoat, "端午節")
        add(lunar.midAutumn, "中秋節")
        if year >= 2025 { add(LakeDate(year: year, month: 9, day: 28), "孔子誕辰紀念日") }
        add(LakeDate(year: year, month: 10, day: 10), "國慶日")
        if year >= 2025 {
            add(LakeDate(year: year, month: 10, day: 25), "臺灣光復暨金門古寧頭大捷紀念日")
            add(LakeDate(year: year, month: 12, day: 25), "行憲紀念日")
        }
        var off: [LakeDate: String] = [:]
        for h in holidays {
            off[h.date] = off[h.date].map { $0 == h.name ? $0 : "\($0)及\(h.name)" } ?? h.name
        }
        guard year >= 2015 else { return off }  // days in lieu since 2015 (內政部台內民字第1030182404號令)
        func isOff(_ d: LakeDate) -> Bool { d.isoWeekday >= 6 || off[d] != nil }
        func next(_ d: LakeDate) -> LakeDate { var d = d.adding(days: 1); while isOff(d) { d = d.adding(days: 1) }; return d }
        func previous(_ d: LakeDate) -> LakeDate { var d = d.adding(days: -1); while isOff(d) { d = d.adding(days: -1) }; return d }
        let childrenShare = LakeDate(year: year, month: 4, day: 4) == qingming
        // By date, and on a shared date Children's Day first: the order decides days in lieu.
        let ordered = holidays.sorted { a, b in a.date != b.date ? a.date < b.date : (a.name == "兒童節") && (b.name != "兒童節") }
        for h in ordered where h.date.isoWeekday >= 6 || (childrenShare && h.name == "兒童節") {
            let lieu: LakeDate
            if childrenShare && h.name == "兒童節" {
                // Children's Day on Tomb Sweeping Day: its own day in lieu, next to it.
                let shift = [1, -1, -1, 1, -1, -1, -2][h.date.isoWeekday - 1]
                lieu = h.date.adding(days: shift)
                if off[lieu] != nil { continue }
            } else if h.forward {
                lieu = next(h.date)  // the Lunar New Year's days: after the holiday
            } else {
                lieu = h.date.isoWeekday == 6 ? previous(h.date) : next(h.date)
            }
            off[lieu] = "補假"
        }
        return off
    }

    /// 清明 (民族掃墓節): 4 or 5 April, by the solar-term formula for 2000–2099
    /// ([Y × 0.2422 + 4.81] − [Y / 4], Y the year's last two digits).
    static func qingmingDay(_ year: Int) -> LakeDate {
        let y = year % 100
        return LakeDate(year: year, month: 4, day: (y * 2422 + 48100) / 10000 - y / 4)
    }

    // MARK: Festivals

    /// The festivals of `year`: lunar ones, the days shops celebrate, and the three
    /// shopping festivals of Taiwanese e-commerce (618, 雙11, 雙12). The first named
    /// for a day wins, the shopping festivals first.
    static func festivals(_ year: Int) -> [(LakeDate, String)] {
        let lunar = LunarYear.of(year)
        // The shopping festivals first: on 2018-06-18, 端午節, shoppers had 618.
        var list: [(LakeDate, String)] = [(LakeDate(year: year, month: 6, day: 18), "618"),
                                          (LakeDate(year: year, month: 11, day: 11), "雙11"),
                                          (LakeDate(year: year, month: 12, day: 12), "雙12")]
        list.append((lunar.newYear.adding(days: -1), "除夕"))
        for i in 0..<3 { list.append((lunar.newYear.adding(days: i), "春節")) }
        list.append((lunar.newYear.adding(days: 14), "元宵節"))
        list.append((lunar.dragonBoat, "端午節"))
        list.append((lunar.qixi, "七夕"))
        list.append((lunar.midAutumn, "中秋節"))
        list.append((LakeDate(year: year, month: 2, day: 14), "情人節"))
        var may = LakeDate(year: year, month: 5, day: 1)
        while may.isoWeekday != 7 { may = may.adding(days: 1) }
        list.append((may.adding(days: 7), "母親節"))
        list.append((LakeDate(year: year, month: 8, day: 8), "父親節"))
        list.append((LakeDate(year: year, month: 12, day: 25), "聖誕節"))
        return list
    }
}

/// The lunar dates of one Gregorian year that the calendar needs, from Foundation's
/// Chinese calendar (in Taipei's time zone, UTC+8, where the Chinese calendar is
/// reckoned).
struct LunarYear: Sendable {
    /// 初一 of the lunar year that starts in this Gregorian year.
    var newYear: LakeDate
    /// 五月初五, 七月初七 and 八月十五 of that lunar year.
    var dragonBoat: LakeDate
    var qixi: LakeDate
    var midAutumn: LakeDate

    private static let cache = Mutex<[Int: LunarYear]>([:])

    static func of(_ year: Int) -> LunarYear {
        if let hit = cache.withLock({ $0[year] }) { return hit }
        var chinese = Calendar(identifier: .chinese)
        chinese.timeZone = TimeZone(identifier: "Asia/Taipei")!
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = chinese.timeZone
        var found: [String: LakeDate] = [:]
        var dt = LakeDate(year: year, month: 1, day: 1)
        let end = LakeDate(year: year + 1, month: 1, day: 1)
        var newYearSeen = false
        while dt < end, found.count < 4 {
            let (y, m, d) = dt.components
            let date = gregorian.date(from: DateComponents(year: y, month: m, day: d, hour: 12))!
            let c = chinese.dateComponents([.month, .day], from: date)
            if c.isLeapMonth != true, let month = c.month, let day = c.day {
                if month == 1 && day == 1 { found["newYear"] = dt; newYearSeen = true }
                if newYearSeen {
                    if month == 5 && day == 5 { found["dragonBoat"] = dt }
                    if month == 7 && day == 7 { found["qixi"] = dt }
                    if month == 8 && day == 15 { found["midAutumn"] = dt }
                }
            }
            dt = dt.adding(days: 1)
        }
        guard let n = found["newYear"], let b = found["dragonBoat"], let q = found["qixi"], let m = found["midAutumn"] else {
            fatalError("the Chinese calendar has no lunar new year, 端午, 七夕 or 中秋 in \(year)")
        }
        let lunar = LunarYear(newYear: n, dragonBoat: b, qixi: q, midAutumn: m)
        cache.withLock { $0[year] = lunar }
        return lunar
    }
}
