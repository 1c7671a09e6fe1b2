import Foundation

/// Charts drawn as inline SVG: bars, lines with shaded days, and a heatmap. Each has a
/// title (also the SVG's `<title>`, which screen readers announce), labelled axes with
/// units, and colours from the Okabe-Ito palette, which stays distinct under the common
/// colour-vision deficiencies. Text is left to the system's fonts (CJK labels included).
///
/// Why by hand: no package in reach draws charts for Swift on Linux, and these three
/// kinds are a few hundred lines of geometry.
struct SVGChart {
    /// Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green,
    /// vermillion, reddish purple, sky blue, yellow, black.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

    struct Series {
        var name: String
        var values: [Double]
        var colour: String
    }

    let width = 720.0, height = 300.0
    let left = 70.0, right = 20.0, top = 52.0, bottom = 56.0
    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    /// Bars of one or more series over `categories` (grouped side by side).
    static func bars(title: String, categories: [String], series: [Series], yLabel: String, xLabel: String,
                     barColours: [String]? = nil, legend: [(String, String)]? = nil) -> String {
        let c = SVGChart()
        let maxValue = niceMax(series.flatMap(\.values).max() ?? 0)
        var body = c.axes(maxValue: maxValue, yLabel: yLabel, xLabel: xLabel)
        let slot = c.plotWidth / Double(max(categories.count, 1))
        let barWidth = slot * 0.8 / Double(max(series.count, 1))
        for (i, category) in categories.enumerated() {
            for (k, s) in series.enumerated() {
                let v = i < s.values.count ? s.values[i] : 0
                let h = maxValue > 0 ? v / maxValue * c.plotHeight : 0
                let x = c.left + Double(i) * slot + slot * 0.1 + Double(k) * barWidth
                let colour = barColours.map { $0[i % $0.count] } ?? s.colour
                body += "<rect x=\"\(f(x))\" y=\"\(f(c.top + c.plotHeight - h))\" width=\"\(f(barWidth))\" height=\"\(f(h))\" fill=\"\(colour)\">"
                body += "<title>\(escape(category)) \(escape(s.name)): \(number(v))</title></rect>"
            }
            if let tick = tick(categories, i) {
                body += "<text x=\"\(f(c.left + (Double(i) + 0.5) * slot))\" y=\"\(f(c.top + c.plotHeight + 16))\" text-anchor=\"middle\" class=\"tick\">\(escape(tick))</text>"
            }
        }
        return c.frame(title: title, body: body, legend: legend ?? (series.count > 1 ? series.map { ($0.name, $0.colour) } : []))
    }

    /// Lines over days, with the days in `shaded` drawn as light bands behind them.
    static func lines(title: String, days: [String], series: [Series], shaded: Set<Int>, shadedLabel: String,
                      yLabel: String) -> String {
        let c = SVGChart()
        let maxValue = niceMax(series.flatMap(\.values).max() ?? 0)
        var body = ""
        let step = c.plotWidth / Double(max(days.count, 1))
        for i in shaded.sorted() {
            body += "<rect x=\"\(f(c.left + Double(i) * step))\" y=\"\(f(c.top))\" width=\"\(f(step))\" height=\"\(f(c.plotHeight))\" fill=\"#dddddd\"/>"
        }
        body += c.axes(maxValue: maxValue, yLabel: yLabel, xLabel: "business day")
        for s in series {
            let points = s.values.enumerated().map { i, v in
                "\(f(c.left + (Double(i) + 0.5) * step)),\(f(c.top + c.plotHeight - (maxValue > 0 ? v / maxValue * c.plotHeight : 0)))"
            }
            body += "<polyline fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>"
        }
        for i in days.indices {
            guard let tick = tick(days, i) else { continue }
            body += "<text x=\"\(f(c.left + (Double(i) + 0.5) * step))\" y=\"\(f(c.top + c.plotHeight + 16))\" text-anchor=\"middle\" class=\"tick\">\(escape(tick))</text>"
        }
        let legend = series.map { ($0.name, $0.colour) } + (shaded.isEmpty ? [] : [(shadedLabel, "#dddddd")])
        return c.frame(title: title, body: body, legend: legend)
    }

    /// A grid of `rows` × `columns` cells, darker for larger values, empty for zero;
    /// `yLabel` heads the rows' labels.
    static func heatmap(title: String, rows: [String], yLabel: String, columns: [String], values: [[Double]], xLabel: String,
                        valueLabel: String) -> String {
        let c = SVGChart()
        let labelWidth = 190.0
        // However many columns, the grid fits the width (a year's days are 1.4 px each).
        let cell = min(24, (c.width - labelWidth - c.right) / Double(max(columns.count, 1)))
        let rowHeight = 16.0
        let gridHeight = rowHeight * Double(rows.count)
        let height = c.top + gridHeight + c.bottom
        let maxValue = values.flatMap { $0 }.max() ?? 0
        var body = "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(c.top - 6))\" text-anchor=\"end\" class=\"axis\">\(escape(yLabel))</text>"
        for (r, name) in rows.enumerated() {
            let y = c.top + Double(r) * rowHeight
            body += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + rowHeight - 4))\" text-anchor=\"end\" class=\"tick\">\(escape(name))</text>"
            for (k, v) in values[r].enumerated() where v > 0 {
                let shade = 0.25 + 0.75 * (maxValue > 0 ? v / maxValue : 0)
                body += "<rect x=\"\(f(labelWidth + Double(k) * cell))\" y=\"\(f(y + 1))\" width=\"\(f(max(cell - 0.5, 1)))\" height=\"\(f(rowHeight - 2))\" fill=\"#0072B2\" fill-opacity=\"\(f(shade))\">"
                body += "<title>\(escape(name)) \(escape(columns[k])): \(number(v)) \(escape(valueLabel))</title></rect>"
            }
        }
        for k in columns.indices {
            guard let tick = tick(columns, k) else { continue }
            body += "<text x=\"\(f(labelWidth + (Double(k) + 0.5) * cell))\" y=\"\(f(c.top + gridHeight + 16))\" text-anchor=\"middle\" class=\"tick\">\(escape(tick))</text>"
        }
        body += "<text x=\"\(f(labelWidth + Double(columns.count) * cell / 2))\" y=\"\(f(c.top + gridHeight + 40))\" text-anchor=\"middle\" class=\"axis\">\(escape(xLabel))</text>"
        return c.frame(title: title, body: body, legend: [("\(valueLabel) (darker: more)", "#0072B2")], height: height)
    }

    // MARK: parts

    /// The label under category `i`, if it gets one: days (`YYYY-MM-DD`) are labelled at
    /// each month's start (and the first) past 31, every seventh day (as `MM-DD`) past 7,
    /// else all; other categories all, or every n-th when more than 31 would crowd.
    static func tick(_ categories: [String], _ i: Int) -> String? {
        let days = categories.count > 7 && categories.allSatisfy { $0.count == 10 && $0.dropFirst(4).first == "-" && $0.dropFirst(7).first == "-" }
        if days && categories.count > 31 { return categories[i].hasSuffix("-01") || i == 0 ? String(categories[i].prefix(7)) : nil }
        if days { return i % 7 == 0 ? String(categories[i].dropFirst(5)) : nil }
        let every = (categories.count + 30) / 31
        return i % max(every, 1) == 0 ? categories[i] : nil
    }

    func axes(maxValue: Double, yLabel: String, xLabel: String) -> String {
        var s = "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333\"/>"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333\"/>"
        for k in 0...4 {
            let v = maxValue * Double(k) / 4
            let y = top + plotHeight - plotHeight * Double(k) / 4
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" class=\"tick\">\(Self.number(v))</text>"
        }
        s += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">\(Self.escape(yLabel))</text>"
        s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\" class=\"axis\">\(Self.escape(xLabel))</text>"
        return s
    }

    func frame(title: String, body: String, legend: [(String, String)], height h: Double? = nil) -> String {
        let h = h ?? height
        var s = "<figure><svg role=\"img\" viewBox=\"0 0 \(f(width)) \(f(h))\" width=\"\(f(width))\" height=\"\(f(h))\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<title>\(Self.escape(title))</title>"
        s += "<text x=\"\(f(left))\" y=\"20\" class=\"title\">\(Self.escape(title))</text>"
        // The legend on its own line under the title, left to right.
        var x = left
        for (name, colour) in legend {
            let w = Double(name.unicodeScalars.reduce(0) { $0 + ($1.value > 0x2E80 ? 2 : 1) }) * 5.5 + 26
            s += "<rect x=\"\(f(x))\" y=\"27\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            s += "<text x=\"\(f(x + 14))\" y=\"36\" class=\"tick\">\(Self.escape(name))</text>"
            x += w
        }
        return s + body + "</svg></figure>\n"
    }

    /// A round axis top at or above `v`: 1, 2 or 5 times a power of ten.
    static func niceMax(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    func f(_ v: Double) -> String { Self.f(v) }

    /// A number as a label: whole numbers with thousands separators, others to two places.
    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 {
            let n = Int64(v)
            let digits = String(abs(n))
            var out = ""
            for (i, ch) in digits.enumerated() {
                if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
                out.append(ch)
            }
            return (n < 0 ? "-" : "") + out
        }
        return String(format: "%.2f", v)
    }

    /// Text for HTML and SVG: `&`, `<`, `>` and quotes escaped; control characters and
    /// Unicode noncharacters, which HTML forbids and ingested data may hold, as U+FFFD.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n": out.unicodeScalars.append(ch)
            case _ where ch.value < 0x20 || (0x7F...0x9F).contains(ch.value) || (0xFDD0...0xFDEF).contains(ch.value)
                || ch.value & 0xFFFE == 0xFFFE:
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
