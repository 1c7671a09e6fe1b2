/// Turns decoded CSV fields or NDJSON members into typed `Value`s for a list of columns.
public struct RowDecoder: Sendable {
    public let columns: [Column]

    public init(columns: [Column]) { self.columns = columns }

    /// Checks that a CSV header names exactly these columns in this order.
    public func checkHeader(_ header: [String?]) throws {
        let names = header.map { $0 ?? "" }
        guard names == columns.map(\.name) else {
            throw FormatError(.csv, "header is \(names.joined(separator: ",")) but the schema has \(columns.map(\.name).joined(separator: ","))")
        }
    }

    /// A row from CSV fields (nil is NULL).
    public func decode(csv fields: [String?]) throws -> [Value] {
        guard fields.count == columns.count else {
            throw FormatError(.csv, "\(fields.count) fields where the schema has \(columns.count)")
        }
        var row: [Value] = []
        row.reserveCapacity(columns.count)
        for (column, field) in zip(columns, fields) {
            guard let text = field else { row.append(.null); continue }
            guard let v = Self.parse(text, as: column.type) else {
                throw FormatError(.value, "'\(text)' is not a valid \(column.type.rawValue) for column \(column.name)")
            }
            row.append(v)
        }
        return row
    }

    /// A row from an NDJSON object; keys must be the columns, in order.
    public func decode(json members: [(key: String, value: JSONScalar)]) throws -> [Value] {
        guard members.map(\.key) == columns.map(\.name) else {
            throw FormatError(.json, "keys are \(members.map(\.key).joined(separator: ",")) but the schema has \(columns.map(\.name).joined(separator: ","))")
        }
        return try zip(columns, members).map { column, member in
            // Made only when needed: describing the value costs more than decoding it.
            func bad() -> FormatError { FormatError(.value, "\(member.value) is not a valid \(column.type.rawValue) for column \(column.name)") }
            switch (member.value, column.type) {
            case (.null, _): return .null
            case (.bool(let b), .boolean): return .bool(b)
            case (.number(let t), .integer), (.number(let t), .decimal), (.number(let t), .number):
                guard let v = Self.parse(t, as: column.type) else { throw bad() }
                return v
            case (.string(let s), .string): return .string(s)
            case (.string(let s), .date), (.string(let s), .datetime):
                guard let v = Self.parse(s, as: column.type) else { throw bad() }
                return v
            default: throw bad()
            }
        }
    }

    /// Parses the text form of a value of `type` (as CSV holds it); nil if malformed.
    public static func parse(_ text: String, as type: ColumnType) -> Value? {
        switch type {
        case .string: return .string(text)
        case .integer: return Int64(text).map(Value.int)
        case .number:
            guard let d = Double(text), d.isFinite else { return nil }
            return .double(d)
        case .decimal: return parseDecimal(text).map(Value.decimal)
        case .boolean:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .date: return LakeDate(text).map(Value.date)
        case .datetime: return Timestamp(text).map(Value.timestamp)
        }
    }

    static func parseDecimal(_ text: String) -> FixedDecimal? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole != "-" else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 18, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber),
              whole.dropFirst(whole.first == "-" ? 1 : 0).allSatisfy({ $0.isASCII && $0.isNumber }),
              let units = Int64(whole + fraction) else { return nil }
        return FixedDecimal(units: units, scale: Int8(fraction.count))
    }
}
