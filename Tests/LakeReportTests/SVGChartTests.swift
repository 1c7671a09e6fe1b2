import Testing
import Foundation
@testable import LakeReport

@Suite("the report's charts")
struct SVGChartTests {
    /// The x coordinates of a chart's rectangles' right edges.
    func rightEdges(_ svg: String) -> [Double] {
        let pattern = try! NSRegularExpression(pattern: #"<rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)""#)
        return pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map { m in
            Double(svg[Range(m.range(at: 1), in: svg)!])! + Double(svg[Range(m.range(at: 2), in: svg)!])!
        }
    }

    @Test("a heatmap of a year's days stays inside its 720-wide picture")
    func heatmapFits() {
        let days = (0..<365).map { String(format: "2025-%02d-%02d", 1 + $0 / 31 % 12, 1 + $0 % 28) }
        let svg = SVGChart.heatmap(title: "t", rows: ["a", "b"], yLabel: "row", columns: days, values: [days.map { _ in 1 }, days.map { _ in 2 }],
                                   xLabel: "day", valueLabel: "v")
        let edges = rightEdges(svg)
        #expect(edges.count >= 730 && edges.allSatisfy { $0 <= 700.01 }, "\(edges.max() ?? 0)")
    }

    @Test("ticks: days at each month's start when there are many, every seventh in a month, all in a week; other categories all, or every n-th past 31")
    func ticks() {
        var days: [String] = []
        for i in 0..<90 { days.append(String(format: "2025-%02d-%02d", 1 + i / 30, 1 + i % 30)) }
        let dayTicks = days.indices.compactMap { SVGChart.tick(days, $0) }
        #expect(dayTicks == ["2025-01", "2025-02", "2025-03"])
        let names = (0..<45).map { "billiards_ods.table_\($0)" }
        let nameTicks = names.indices.compactMap { SVGChart.tick(names, $0) }
        #expect(nameTicks.count == 23 && nameTicks.first == "billiards_ods.table_0")  // every second, whole
        // A month's days: every seventh, without the year, so the labels do not overlap.
        #expect(days.prefix(30).indices.compactMap { SVGChart.tick(Array(days.prefix(30)), $0) } == ["01-01", "01-08", "01-15", "01-22", "01-29"])
        #expect(days.prefix(3).indices.compactMap { SVGChart.tick(Array(days.prefix(3)), $0) } == Array(days.prefix(3)))
        let few = ["Mon", "Tue"]
        #expect(few.indices.compactMap { SVGChart.tick(few, $0) } == few)
    }

    @Test("text is escaped for HTML, and characters HTML forbids become U+FFFD")
    func escaping() {
        #expect(SVGChart.escape(#"<a href="x">&'臺北"#) == "&lt;a href=&quot;x&quot;&gt;&amp;'臺北")
        var odd = ""
        for (text, scalar) in [("a", 0x01), ("b", 0x7F), ("c", 0xFDD0), ("d", 0xFFFE), ("e", 0x1FFFF)] as [(String, UInt32)] {
            odd += text
            odd.unicodeScalars.append(Unicode.Scalar(scalar)!)
        }
        #expect(SVGChart.escape(odd + "f\tg") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\tg")
    }

    @Test("axis tops are 1, 2 or 5 times a power of ten, at or above the largest value")
    func niceMax() {
        for (v, top) in [(0.0, 1.0), (0.3, 0.5), (1, 1), (1.01, 2), (4_999, 5_000), (5_001, 10_000), (1_234_567, 2_000_000)] {
            #expect(SVGChart.niceMax(v) == top, "\(v)")
        }
    }
}
