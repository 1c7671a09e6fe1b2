import Foundation
import LakeFormat

extension ReportPage {
    /// Yuan from fen, for charts.
    static func yuan(_ cents: Int64) -> Double { Double(cents) / 100 }

    /// Fen as yuan text with two decimals, exactly, as the lake writes decimals.
    static func yuanText(_ cents: Int64) -> String { Value.decimal(FixedDecimal(units: cents, scale: 2)).text }

    static func billiards(_ b: BilliardsFigures) -> String {
        var html = "<h2>台球馆 The billiards venue</h2>\n"
        let days = b.days.map(\.dt)

        // Utilisation by clock hour and table type.
        let hours = (0..<24).map { String(format: "%02d", $0) }
        func share(_ t: BilliardsFigures.TableType, _ h: Int) -> Double {
            100 * ratio(Double(t.secondsByHour[h]), 3600 * Double(t.tables) * Double(b.useDays))
        }
        func typeName(_ t: BilliardsFigures.TableType) -> String { t.label.map { "\($0) \(t.type)" } ?? t.type }
        html += SVGChart.heatmap(title: "台桌利用率 Table utilisation by hour and table type",
                                 rows: b.tableTypes.map { "\(typeName($0)) (\($0.tables))" }, yLabel: "table type (tables)", columns: hours,
                                 values: b.tableTypes.map { t in (0..<24).map { share(t, $0) } },
                                 xLabel: "clock hour (UTC+8); a cell: time played over the type's tables × \(b.useDays) business days",
                                 valueLabel: "% of table time")
        html += table(["table type (tables)"] + hours,
                      b.tableTypes.map { t in ["\(typeName(t)) (\(t.tables))"] + (0..<24).map { String(format: "%.1f%%", share(t, $0)) } })

        // Revenue by source.
        html += SVGChart.lines(title: "营收来源 Revenue by source per business day", days: days,
                               series: [.init(name: "table fees 台费", values: b.days.map { yuan($0.tableFeeCents) }, colour: SVGChart.palette[0]),
                                        .init(name: "assistant fees 助教费", values: b.days.map { yuan($0.assistantFeeCents) }, colour: SVGChart.palette[1]),
                                        .init(name: "goods 商品", values: b.days.map { yuan($0.goodsCents) }, colour: SVGChart.palette[2])],
                               shaded: [], shadedLabel: "", yLabel: "yuan (CNY)")
        html += table(["business day", "stores", "sessions", "table fees", "assistant fees", "goods", "discounts", "paid", "refunds"],
                      b.days.map { [$0.dt, "\($0.stores)", "\($0.sessions)", yuanText($0.tableFeeCents), yuanText($0.assistantFeeCents),
                                    yuanText($0.goodsCents), yuanText($0.discountCents), yuanText($0.payCents), yuanText($0.refundCents)] })

        // Payments by method, over the window.
        let totals = b.payMethods.indices.map { k in b.days.reduce(Int64(0)) { $0 + $1.paidCents[k] } }
        let methodNames = b.payMethods.map { m in BilliardsFigures.label(payMethod: m).map { "\($0) \(m)" } ?? m }
        html += SVGChart.bars(title: "支付方式 Payments for settlements by method", categories: methodNames,
                              series: [.init(name: "paid", values: totals.map(yuan), colour: SVGChart.palette[0])],
                              yLabel: "yuan (CNY)", xLabel: "payment method")
        let paid = totals.reduce(0, +)
        html += table(["method", "paid (yuan)", "share"],
                      zip(methodNames, totals).map { [$0, yuanText($1), String(format: "%.1f%%", 100 * ratio(Double($1), Double(paid)))] })

        // Stored value: what members put in, and what they spent from it.
        let stored = b.payMethods.firstIndex(of: "stored_value")
        let spent = b.days.map { d in stored.map { d.paidCents[$0] } ?? 0 }
        html += SVGChart.lines(title: "会员储值 Member recharges and the stored-value flow per business day", days: days,
                               series: [.init(name: "recharged 充值", values: b.days.map { yuan($0.rechargeCents) }, colour: SVGChart.palette[2]),
                                        .init(name: "gifts 赠送", values: b.days.map { yuan($0.giftCents) }, colour: SVGChart.palette[5]),
                                        .init(name: "spent from stored value 储值消费", values: spent.map(yuan), colour: SVGChart.palette[3])],
                               shaded: [], shadedLabel: "", yLabel: "yuan (CNY)")
        html += table(["business day", "recharges", "recharged", "gifts", "spent from stored value", "net flow", "new members"],
                      zip(b.days, spent).map { d, s in
                          [d.dt, "\(d.recharges)", yuanText(d.rechargeCents), yuanText(d.giftCents), yuanText(s),
                           yuanText(d.rechargeCents + d.giftCents - s), "\(d.newMembers)"]
                      })

        // The quality checks of the last run, shown, not folded away.
        html += "<h3>质量检查 Quality checks</h3>\n"
        if let q = b.quality {
            let failed = q.checks.filter { !$0.passed }.count
            html += "<p>Run \(q.runID), checked \(SVGChart.escape(q.checkedAt)): "
                + (failed == 0 ? "<span class=\"passed\">all \(q.checks.count) passed</span>" : "<span class=\"failed\">\(failed) of \(q.checks.count) failed</span>")
                + ".</p>\n<table><thead><tr><th>check</th><th>state</th><th>checked</th><th>failures</th><th>first offenders</th></tr></thead><tbody>"
            for c in q.checks {
                html += "<tr><td>\(SVGChart.escape(c.check))</td>"
                    + (c.passed ? "<td class=\"passed\">✓ passed</td>" : "<td class=\"failed\">✗ failed</td>")
                    + "<td>\(c.checked)</td><td>\(c.failures)</td><td>\(SVGChart.escape(c.offenders.prefix(3).joined(separator: "; ")))</td></tr>"
            }
            html += "</tbody></table>\n"
        } else {
            html += "<p>No quality checks have run on this lake (<code>opslake billiards dwd</code> runs them).</p>\n"
        }
        return html
    }
}
