public import LakeFormat

/// Checks, as rows stream past, that no two rows of a partition share their primary
/// key or the value of a `unique` field: PostgreSQL would refuse such a partition at
/// load time, so the lake must not hold it. For data that enters from outside
/// (`ingest`); the generators number their keys and cannot repeat one.
public struct KeyCheck {
    let keyColumns: [Int]
    let keyNames: [String]
    let uniqueColumns: [(index: Int, name: String)]
    var keys: [[Part]: Int] = [:]
    var uniques: [[Part: Int]]

    /// A value as PostgreSQL compares it: text by its bytes (not by Unicode equivalence),
    /// a timestamp by its instant (not its offset), a decimal whatever its trailing zeros.
    enum Part: Hashable {
        case null, bool(Bool), int(Int64), date(Int32), instant(Int64), double(Double), decimal(Int64, Int8)
        case bytes([UInt8])

        init(_ v: Value) {
            switch v {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .int(let n): self = .int(n)
            case .date(let d): self = .date(d.daysSinceEpoch)
            case .timestamp(let t): self = .instant(t.secondsSinceEpoch)
            case .double(let d): self = .double(d == 0 ? 0 : d)
            case .string(let s): self = .bytes(Array(s.utf8))
            case .decimal(let d):
                var units = d.units, scale = d.scale
                while scale > 0 && units % 10 == 0 { units /= 10; scale -= 1 }
                self = .decimal(units, scale)
            }
        }
    }

    public init(schema: TableSchema) {
        let names = schema.fields.map(\.name)
        keyColumns = schema.primaryKey.compactMap { names.firstIndex(of: $0) }
        keyNames = schema.primaryKey
        uniqueColumns = schema.fields.enumerated().filter { $0.element.unique }.map { ($0.offset, $0.element.name) }
        uniques = Array(repeating: [:], count: uniqueColumns.count)
    }

    /// Records row `number` (1-based, data rows only); throws when it repeats an earlier row's key.
    public mutating func add(_ row: [Value], number: Int) throws {
        if !keyColumns.isEmpty {
            let key = keyColumns.map { Part(row[$0]) }
            if let first = keys.updateValue(number, forKey: key) {
                keys[key] = first
                let shown = zip(keyNames, keyColumns).map { "\($0)=\(row[$1].text)" }.joined(separator: ", ")
                throw FormatError(.value, "rows \(first) and \(number) share the primary key (\(shown)); each row needs its own key")
            }
        }
        for (i, column) in uniqueColumns.enumerated() where row[column.index] != .null {
            let part = Part(row[column.index])
            if let first = uniques[i].updateValue(number, forKey: part) {
                uniques[i][part] = first
                throw FormatError(.value, "rows \(first) and \(number) share \(column.name)=\(row[column.index].text), which the schema declares unique")
            }
        }
    }
}
