import Foundation

/// CSV inputs for `opslake ingest petshop.order_items`, in the lake's own dialect.
public enum OrderItemsCSV {
    public static let header = "order_id,line_no,product_id,product_name,category,quantity,unit_price,line_total,ordered_at\n"

    /// `rows` valid order lines; `variant` changes names and prices so two versions differ.
    public static func make(rows: Int, variant: Int = 0) -> String {
        var text = header
        let names = ["皇家 成貓飼料 2kg", "\"汪喵\" 凍乾, 雞肉", "倍力 潔牙骨\n大包", "希爾思 處方罐頭"]
        let categories = ["飼料", "凍乾", "潔牙骨", "罐頭"]
        text.reserveCapacity(rows * 110)
        for i in 0..<rows {
            let k = (i + variant) % names.count
            let name = names[k].contains(",") || names[k].contains("\"") || names[k].contains("\n")
                ? "\"" + names[k].replacingOccurrences(of: "\"", with: "\"\"") + "\"" : names[k]
            let price = 100 + (i * 37 + variant * 11) % 900
            let qty = 1 + i % 5
            let seconds = i % 86_400
            text += "O20261121\(String(format: "%07d", i / 3)),\(i % 3 + 1),P\(String(format: "%06d", k)),\(name),\(categories[k]),"
            text += "\(qty),\(price),\(qty * price),2026-11-21T\(String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60))+08:00\n"
        }
        return text
    }

    public static func write(_ path: String, rows: Int, variant: Int = 0) throws {
        try Data(make(rows: rows, variant: variant).utf8).write(to: URL(fileURLWithPath: path))
    }
}
