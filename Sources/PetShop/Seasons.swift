import LakeFormat

/// How Taiwan's calendar moves the shop's orders: a factor on the day's order count
/// (1 on ordinary days, so an ordinary day has the orders the weekday rules alone give).
///
/// - Lunar New Year: shoppers stock up in the three weeks before its days off (the run
///   of days off that holds the eve), rising to the week before them; orders thin out in the last days couriers still collect,
///   nearly stop while offices and couriers rest (the run of days off around the eve),
///   and the backlog comes in on the first working days after.
/// - 618, 雙11 and 雙12: each its run-up and its peak, the peak a multiple of a weekend
///   day's orders whatever its weekday (2×, 3× and 1.8×): 雙11 is the year's busiest day.
/// - A day off on a weekday (a national holiday, a day in lieu, a bridge day) sells
///   like the weekend: its weekday's orders times the weekend's over the weekday's.
///
/// The factors are estimates (docs/petshop.md, "Taiwan's calendar"), not measured.
struct Seasons: Sendable {
    let calendar: TaiwanCalendar
    /// The weekend's mean orders per day over each weekday's (index: ISO weekday − 1).
    let weekendOverWeekday: [Double]

    init(config: PetShopConfig, calendar: TaiwanCalendar = .shared) {
        self.calendar = calendar
        func mean(_ weekday: Int) -> Double {
            let r = config.behaviour[config.weekdays[weekday - 1]]!.ordersPerDay
            return Double(r.lowerBound + r.upperBound) / 2
        }
        let weekend = (mean(6) + mean(7)) / 2
        weekendOverWeekday = (1...7).map { weekend / max(mean($0), 1) }
    }

    /// The factor while couriers rest for the Lunar New Year.
    static let rest = 0.2

    /// The factor on `dt`'s orders.
    func demand(on dt: LakeDate) -> Double {
        let day = calendar.day(dt)
        var factor = lunarNewYear(dt)
        if factor == Self.rest { return factor }  // the rest is the rest, whatever the weekday
        let (_, month, d) = dt.components
        let weekend = weekendOverWeekday[dt.isoWeekday - 1]
        switch (month, d) {
        // The peaks: a multiple of a weekend day's orders, whether or not the day is off.
        case (6, 18): return factor * 2.0 * weekend
        case (11, 11): return factor * 3.0 * weekend
        case (12, 12): return factor * 1.8 * weekend
        case (6, 1...17): factor *= 1.15
        case (11, 1...10): factor *= 1.25
        case (11, 12): factor *= 1.3
        case (12, 10...11): factor *= 1.2
        default: break
        }
        if !day.isWorkingDay && dt.isoWeekday < 6 { factor *= weekend }
        return factor
    }

    /// The Lunar New Year's factor on `dt`: the festival of `dt`'s year, or of the next
    /// year when its stock-up begins in late December.
    func lunarNewYear(_ dt: LakeDate) -> Double {
        let year = dt.components.year
        for y in [year, year + 1] {
            let rest = calendar.lunarNewYearRest(y)
            if rest.contains(dt) { return Self.rest }
            let before = Int(rest.lowerBound.daysSinceEpoch - dt.daysSinceEpoch)
            switch before {
            case 1...3: return 0.6
            case 4...10: return 1.6
            case 11...21: return 1.0 + 0.6 * Double(22 - before) / 11
            default: break
            }
            if y == year, dt > rest.upperBound, dt.daysSinceEpoch - rest.upperBound.daysSinceEpoch <= 12, calendar.day(dt).isWorkingDay {
                // The first five working days after the rest: the backlog.
                var workingDays = 0
                var d = rest.upperBound.adding(days: 1)
                while d <= dt {
                    if calendar.day(d).isWorkingDay { workingDays += 1 }
                    d = d.adding(days: 1)
                }
                if workingDays <= 5 { return 1.35 }
            }
        }
        return 1
    }

}
