public import LakeFormat
import Foundation

/// Reads a product file a user obtained elsewhere (CSV with a header, or NDJSON):
/// name, brand, category, pet_type, price; optionally product_id, pack, list_price.
/// Every bad line is reported by number and field; nothing is imported if any is bad.
public enum ProductImport {
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var field: String
        public var message: String
        public var description: String { "line \(line): \(field): \(message)" }
    }

    public struct Failure: Error, Sendable {
        public var file: String
        public var problems: [Problem]
    }

    static let columns = ["product_id", "name", "brand", "category", "pet_type", "pack", "price", "list_price"]
    static let required: Set<String> = ["name", "brand", "category", "pet_type", "price"]

    /// Parses and checks `source`; `isCSV` picks the format.
    public static func read(_ source: any ByteSource, file: String, isCSV: Bool) throws -> [ImportedProduct] {
        var records: [(line: Int, fields: [String: String?])] = []
        if isCSV {
            let reader = CSVReader(source: source)
            guard let header = try reader.next()?.map({ $0 ?? "" }) else {
                throw Failure(file: file, problems: [Problem(line: 1, field: "header", message: "the file is empty; it needs a header line")])
            }
            let unknown = header.filter { !columns.contains($0) }
            let missing = required.subtracting(header)
            if !unknown.isEmpty || !missing.isEmpty {
                var text = [String]()
                if !missing.isEmpty { text.append("missing \(missing.sorted().joined(separator: ", "))") }
                if !unknown.isEmpty { text.append("unknown \(unknown.joined(separator: ", "))") }
                throw Failure(file: file, problems: [Problem(line: 1, field: "header", message: text.joined(separator: "; ") + "; columns are \(columns.joined(separator: ", "))")])
            }
            while let row = try reader.next() {
                var fields: [String: String?] = [:]
                for (i, name) in header.enumerated() { fields[name] = i < row.count ? row[i] : nil }
                if row.count != header.count {
                    records.append((reader.line, ["*": "\(row.count) fields for \(header.count) columns"]))
                } else {
                    records.append((reader.line, fields))
                }
            }
        } else {
            let reader = NDJSONReader(source: source)
            while let members = try reader.next() {
                var fields: [String: String?] = [:]
                for (key, value) in members {
                    switch value {
                    case .null: fields[key] = .some(nil)
                    case .string(let s): fields[key] = s
                    case .number(let n): fields[key] = n
                    case .bool(let b): fields[key] = b ? "true" : "false"
                    }
                }
                records.append((reader.line, fields))
            }
        }
        var products: [ImportedProduct] = [], problems: [Problem] = [], seen = Set<String>()
        let categories = Reference.shared.categories
        for (n, record) in records.enumerated() {
            if let e = record.fields["*"] { problems.append(Problem(line: record.line, field: "*", message: e ?? "")); continue }
            func text(_ key: String) -> String? {
                guard let v = record.fields[key], let s = v?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
                return s
            }
            var bad = false
            func problem(_ field: String, _ message: String) {
                problems.append(Problem(line: record.line, field: field, message: message))
                bad = true
            }
            for key in record.fields.keys where !columns.contains(key) { problem(key, "unknown field; fields are \(columns.joined(separator: ", "))") }
            for key in required.sorted() where text(key) == nil { problem(key, "is missing or empty") }
            let name = text("name") ?? "", brand = text("brand") ?? ""
            if name.unicodeScalars.count > 200 { problem("name", "is longer than 200 characters") }
            if brand.unicodeScalars.count > 100 { problem("brand", "is longer than 100 characters") }
            let categoryText = text("category")
            let category = categories.firstIndex { $0.name == categoryText || $0.key == categoryText }
            if categoryText != nil && category == nil {
                problem("category", "\(categoryText!) is not a category; use one of \(categories.map(\.name).joined(separator: " "))")
            }
            var pet = text("pet_type")
            if pet == "狗" || pet == "犬" { pet = "dog" }
            if pet == "貓" { pet = "cat" }
            if let p = pet, p != "dog" && p != "cat" { problem("pet_type", "\(p) is not dog or cat (狗/貓)") }
            let price = text("price").flatMap { Int($0) }
            if text("price") != nil && (price == nil || price! < 1 || price! > 10_000_000) { problem("price", "\(text("price")!) is not a whole TWD amount from 1 to 10,000,000") }
            var listPrice = price
            if let l = text("list_price") {
                listPrice = Int(l)
                if listPrice == nil || listPrice! < (price ?? 1) || listPrice! > 10_000_000 { problem("list_price", "\(l) is not a whole TWD amount at least the price") }
            }
            var id = Identifier.make("P", 900_001 + n, width: 6)
            if let given = text("product_id") {
                if given.utf8.count == 7, given.hasPrefix("P"), given.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) { id = given }
                else { problem("product_id", "\(given) is not P followed by 6 digits") }
            }
            if n >= 99_999 { problem("*", "more than 99,999 products") }
            if !bad && !seen.insert(id).inserted { problem("product_id", "\(id) appears twice") }
            if bad { continue }
            products.append(ImportedProduct(id: id, name: name, brand: brand, category: category!, pet: pet!,
                                            pack: text("pack") ?? "", price: price!, listPrice: listPrice!))
        }
        if !problems.isEmpty { throw Failure(file: file, problems: problems) }
        if products.isEmpty { throw Failure(file: file, problems: [Problem(line: 1, field: "*", message: "no products in the file")]) }
        return products
    }

    /// The catalogues imported into a lake, one file per Monday (`products-YYYY-MM-DD.ndjson`).
    public static func load(folder: String) throws -> [ImportedCatalogue] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var out: [ImportedCatalogue] = []
        for name in names.sorted() where name.hasPrefix("products-") && name.hasSuffix(".ndjson") {
            let dateText = name.dropFirst("products-".count).dropLast(".ndjson".count)
            guard let from = LakeDate(String(dateText)) else { continue }
            let path = FileIO.path(folder, name)
            out.append(ImportedCatalogue(from: from, products: try read(try FileSource(path: path), file: path, isCSV: false)))
        }
        return out
    }

    /// The stored form: NDJSON, one product per line with every field.
    public static func encode(_ products: [ImportedProduct]) -> [UInt8] {
        let encoder = NDJSONEncoder(columns: columns.map { Column($0, $0.hasSuffix("price") ? .integer : .string) })
        let out = ByteBuffer()
        let categories = Reference.shared.categories
        for p in products {
            encoder.encode([.string(p.id), .string(p.name), .string(p.brand), .string(categories[p.category].name), .string(p.pet),
                            .string(p.pack), .int(Int64(p.price)), .int(Int64(p.listPrice))], into: out)
        }
        return out.array
    }
}
