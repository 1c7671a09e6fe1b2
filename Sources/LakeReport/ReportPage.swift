import Foundation
import LakeFormat

/// The report as one self-contained HTML file: inline CSS and SVG, no script, no font or
/// image fetched from anywhere; CJK text in the system's Noto Sans CJK (the install
/// script installs Debian's `fonts-noto-cjk`). Each chart is followed by its figures as
/// a table, for readers who cannot see it and for copying.
public enum ReportPage {
    public static func render(_ figures: ReportFigures, lake: String, generatedAt: String,
                              sections: Set<ReportFigures.Section> = Set(ReportFigures.Section.allCases)) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="zh-Hant">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>OpsLake report: \(SVGChart.escape(lake)), \(figures.from) to \(figures.to)</title>
            <style>
            body { font-family: "Noto Sans CJK TC", "Noto Sans CJK SC", "Noto Sans", sans-serif; margin: 2em auto; max-width: 760px; color: #222; }
            h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
            figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
            svg text { font-family: inherit; fill: #222; } .title { font-size: 14px; font-weight: bold; }
            .tick { font-size: 10px; } .axis { font-size: 11px; }
            table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
            th, td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #eee; } th:first-child, td:first-child { text-align: left; }
            details summary { cursor: pointer; color: #0072B2; font-size: 0.9em; }
            .passed { color: #009E73; font-weight: bold; } .failed { color: #D55E00; font-weight: bold; }
            </style>
            </head>
            <body>
            <h1>OpsLake report</h1>
            <p>Lake <code>\(SVGChart.escape(lake))</code>, business days \(figures.from) to \(figures.to); made \(SVGChart.escape(generatedAt)) from the lake's partitions.</p>

            """
        if let p = figures.petshop { html += petShop(p) }
        if let b = figures.billiards { html += billiards(b) }
        if sections.contains(.lake) { html += lakeSection(figures) }
        html += "</body>\n</html>\n"
        return html
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var s = "<details><summary>The figures</summary><table><thead><tr>"
        s += header.map { "<th>\(SVGChart.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in rows { s += "<tr>" + r.map { "<td>\(SVGChart.escape($0))</td>" }.joined() + "</tr>" }
        return s + "</tbody></table></details>\n"
    }

    static func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }

    static func petShop(_ p: ReportFigures.PetShopFigures) -> String {
        var html = "<h2>寵物用品店 The pet shop</h2>\n"
        let days = p.days.map(\.dt)
        // Types in a fixed order, each with its colour and its name from the calendar.
        let types = Array(Set(p.days.compactMap(\.promotionType) + p.byPromotionType.map(\.type))).sorted()
        let colour = Dictionary(uniqueKeysWithValues: types.enumerated().map { ($1, SVGChart.palette[$0 % SVGChart.palette.count]) })
        var typeName: [String: String] = [:]
        for d in p.days { if let t = d.promotionType, let n = d.promotionName { typeName[t] = "\(n) \(t)" } }
        func label(_ t: String) -> String { typeName[t] ?? t }
        // Days off for a holiday (not the make-up working days the calendar also names).
        let holidays = Set(p.days.enumerated().filter { $0.element.holiday != nil && $0.element.workingDay == false }.map(\.offset))

        html += SVGChart.lines(title: "每日營收 Revenue per day", days: days,
                               series: [.init(name: "revenue (TWD)", values: p.days.map { Double($0.revenue) }, colour: SVGChart.palette[0])],
                               shaded: holidays, shadedLabel: "national holiday 國定假日", yLabel: "revenue (TWD)")
        html += SVGChart.bars(title: "每日訂單 Orders per day, by the day's promotion type", categories: days,
                              series: [.init(name: "orders", values: p.days.map { Double($0.orders) }, colour: SVGChart.palette[0])],
                              yLabel: "orders", xLabel: "business day",
                              barColours: p.days.map { $0.promotionType.flatMap { colour[$0] } ?? "#999999" },
                              legend: types.map { (label($0), colour[$0]!) })
        html += table(["day", "orders", "revenue (TWD)", "promotion type", "working day", "holiday", "festival"],
                      p.days.map { [$0.dt, "\($0.orders)", "\($0.revenue)", $0.promotionType ?? "", $0.workingDay.map { $0 ? "yes" : "no" } ?? "",
                                    $0.holiday ?? "", $0.festival ?? ""] })

        // The weekday profile: mean orders per day of each weekday.
        var perWeekday = Array(repeating: (orders: 0, days: 0), count: 7)
        var weekdayType = [String: Int]()
        for d in p.days {
            guard let date = LakeDate(d.dt) else { continue }
            perWeekday[date.isoWeekday - 1].orders += d.orders
            perWeekday[date.isoWeekday - 1].days += 1
            if let t = d.promotionType { weekdayType["\(date.isoWeekday)|\(t)", default: 0] += 1 }
        }
        let names = ["Mon 週一", "Tue 週二", "Wed 週三", "Thu 週四", "Fri 週五", "Sat 週六", "Sun 週日"]
        let means = perWeekday.map { ratio(Double($0.orders), Double($0.days)) }
        // A weekday without calendar days is grey: it has no usual type to show.
        let weekdayColours = (1...7).map { w -> String in
            let t = types.max { (weekdayType["\(w)|\($0)"] ?? 0) < (weekdayType["\(w)|\($1)"] ?? 0) }
            guard let t, (weekdayType["\(w)|\(t)"] ?? 0) > 0 else { return "#999999" }
            return colour[t]!
        }
        html += SVGChart.bars(title: "星期 The weekday profile: mean orders per day", categories: names,
                              series: [.init(name: "orders per day", values: means, colour: SVGChart.palette[0])],
                              yLabel: "orders per day (mean)", xLabel: "weekday (colour: its usual promotion type)",
                              barColours: weekdayColours, legend: types.map { (label($0), colour[$0]!) })
        var weekdayRows: [[String]] = []
        for (name, w) in zip(names, perWeekday) {
            weekdayRows.append([name, "\(w.days)", "\(w.orders)", String(format: "%.1f", ratio(Double(w.orders), Double(w.days)))])
        }
        html += table(["weekday", "days", "orders", "orders per day"], weekdayRows)

        // Basket size and quantity per line by promotion type.
        let t = p.byPromotionType
        html += SVGChart.bars(title: "購物籃 Basket size and units per line, by promotion type", categories: t.map { label($0.type) },
                              series: [.init(name: "lines per order", values: t.map { ratio(Double($0.lines), Double($0.orders)) }, colour: SVGChart.palette[0]),
                                       .init(name: "units per line", values: t.map { ratio(Double($0.units), Double($0.lines)) }, colour: SVGChart.palette[1])],
                              yLabel: "lines or units", xLabel: "promotion type")
        html += table(["promotion type", "orders", "lines", "units", "lines per order", "units per line"],
                      t.map { [label($0.type), "\($0.orders)", "\($0.lines)", "\($0.units)", String(format: "%.2f", ratio(Double($0.lines), Double($0.orders))),
                               String(format: "%.2f", ratio(Double($0.units), Double($0.lines)))] })

        // The category mix: each category's share of a promotion type's lines.
        let cats = Array(Set(p.categories.map(\.category))).sorted()
        let linesOfType = Dictionary(grouping: p.categories, by: \.type).mapValues { $0.reduce(0) { $0 + $1.lines } }
        let mixTypes = types.filter { linesOfType[$0] != nil }
        html += SVGChart.bars(title: "品類 Category mix: each category's share of a promotion type's order lines", categories: cats,
                              series: mixTypes.map { t in
                                  .init(name: label(t), values: cats.map { c in
                                      100 * ratio(Double(p.categories.first { $0.type == t && $0.category == c }?.lines ?? 0), Double(linesOfType[t] ?? 0))
                                  }, colour: colour[t]!)
                              }, yLabel: "share of the type's lines (%)", xLabel: "category")
        html += table(["promotion type", "category", "lines", "units"], p.categories.map { [label($0.type), $0.category, "\($0.lines)", "\($0.units)"] })

        // New and returning buyers, and the cohorts' retention.
        let months = p.buyersByMonth
        html += SVGChart.bars(title: "新舊顧客 Buyers per month: first order in the window, and returning", categories: months.map(\.month),
                              series: [.init(name: "new 新顧客", values: months.map { Double($0.new) }, colour: SVGChart.palette[1]),
                                       .init(name: "returning 回購", values: months.map { Double($0.returning) }, colour: SVGChart.palette[0])],
                              yLabel: "buyers", xLabel: "month")
        html += table(["month", "new", "returning"], months.map { [$0.month, "\($0.new)", "\($0.returning)"] })
        let span = p.cohorts.map(\.active.count).max() ?? 0
        html += SVGChart.heatmap(title: "留存 Cohort retention: share of each month's new buyers who order again",
                                 rows: p.cohorts.map { "\($0.month) (\($0.active.first ?? 0))" }, yLabel: "cohort (buyers)",
                                 columns: (0..<span).map { "+\($0)" },
                                 values: p.cohorts.map { c in (0..<span).map { k in k < c.active.count ? 100 * ratio(Double(c.active[k]), Double(c.active[0])) : 0 } },
                                 xLabel: "months after the first order", valueLabel: "% of the cohort")
        html += table(["cohort (buyers)"] + (0..<span).map { "+\($0)" },
                      p.cohorts.map { c in ["\(c.month) (\(c.active.first ?? 0))"] + (0..<span).map { k in k < c.active.count ? "\(c.active[k])" : "" } })

        // The funnel.
        let f = p.funnel
        let steps = [("sessions 工作階段", f.sessions), ("viewed 瀏覽", f.viewed), ("added to cart 加入購物車", f.carted), ("purchased 購買", f.purchased)]
        html += SVGChart.bars(title: "轉換漏斗 The funnel: sessions that reached each step", categories: steps.map(\.0),
                              series: [.init(name: "sessions", values: steps.map { Double($0.1) }, colour: SVGChart.palette[2])],
                              yLabel: "sessions", xLabel: "step")
        html += table(["step", "sessions", "share of sessions"],
                      steps.map { [$0.0, "\($0.1)", String(format: "%.2f%%", 100 * ratio(Double($0.1), Double(f.sessions)))] })

        // The hourly curve.
        html += SVGChart.bars(title: "時段 Orders by hour of the day (Taipei)", categories: (0..<24).map { String(format: "%02d", $0) },
                              series: [.init(name: "orders", values: p.ordersByHour.map(Double.init), colour: SVGChart.palette[4])],
                              yLabel: "orders", xLabel: "hour (UTC+8)")
        html += table(["hour", "orders"], p.ordersByHour.enumerated().map { [String(format: "%02d", $0), "\($1)"] })
        return html
    }

    static func lakeSection(_ figures: ReportFigures) -> String {
        var html = "<h2>資料湖 The lake</h2>\n"
        // Every day of the window, so a missing partition is a gap in its row.
        var days: [String] = []
        if var d = LakeDate(figures.from), let last = LakeDate(figures.to) {
            while d <= last {
                days.append(d.description)
                d = d.adding(days: 1)
            }
        }
        let index = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
        let sets = figures.datasets
        let grid = sets.map { d -> [Double] in
            var row = [Double](repeating: 0, count: days.count)
            for day in d.days { if let i = index[day] { row[i] = 1 } }
            return row
        }
        html += SVGChart.heatmap(title: "分區 Partitions per day per dataset (gaps stand out)", rows: sets.map(\.dataset),
                                 yLabel: "dataset", columns: days,
                                 values: grid, xLabel: "business day", valueLabel: "partition")
        let mb = 1_000_000.0
        html += SVGChart.bars(title: "大小 Size per dataset, before and after compression", categories: sets.map { String($0.dataset.split(separator: ".").last ?? "") },
                              series: [.init(name: "raw MB (CSV + NDJSON)", values: sets.map { Double($0.rawBytes) / mb }, colour: SVGChart.palette[1]),
                                       .init(name: "stored MB (zstd)", values: sets.map { Double($0.bytes) / mb }, colour: SVGChart.palette[0])],
                              yLabel: "MB (10^6 bytes)", xLabel: "dataset")
        html += table(["dataset", "partitions", "rows", "stored bytes", "raw bytes", "compression"],
                      sets.map { [$0.dataset, "\($0.partitions)", "\($0.rows)", "\($0.bytes)", "\($0.rawBytes)",
                                  String(format: "%.1f×", ratio(Double($0.rawBytes), Double($0.bytes)))] })
        if let pg = figures.postgres { html += postgresPart(pg) }
        return html
    }

    /// What PostgreSQL's ledger holds of each dataset, against the lake.
    static func postgresPart(_ pg: [ReportFigures.LoadedFigure]) -> String {
        var html = "<h3>PostgreSQL</h3>\n"
        html += SVGChart.bars(title: "載入 Partitions in PostgreSQL per dataset: loaded, changed in the lake since, never loaded",
                              categories: pg.map { String($0.dataset.split(separator: ".").last ?? "") },
                              series: [.init(name: "loaded 已載入", values: pg.map { Double($0.loaded) }, colour: SVGChart.palette[2]),
                                       .init(name: "changed since 已變更", values: pg.map { Double($0.changed) }, colour: SVGChart.palette[1]),
                                       .init(name: "not loaded 未載入", values: pg.map { Double($0.missing) }, colour: SVGChart.palette[3])],
                              yLabel: "partitions", xLabel: "dataset")
        html += table(["dataset", "partitions", "loaded", "changed", "not loaded", "rows in the lake", "rows loaded"],
                      pg.map { [$0.dataset, "\($0.partitions)", "\($0.loaded)", "\($0.changed)", "\($0.missing)", "\($0.rows)", "\($0.loadedRows)"] })
        return html
    }
}
