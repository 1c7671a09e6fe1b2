public import LakeFormat
public import TableSchema

/// Reading a committed partition's rows back, from its NDJSON files, through JSONTape:
/// one pass over each line, and only the columns asked for become values. The ODS
/// writer merges with what a partition holds this way, and the billiards DWD reads the
/// ODS and checks its own rows this way. The tape reads I-JSON, so a line holding a
/// Unicode noncharacter (which a generator could write, and no upstream payload can
/// hold: the ODS refused them on landing) is refused; `NDJSONReader` reads any line.
extension Lake {
    /// Calls `body` with each row of partition `key` as a tape of its NDJSON line and the
    /// node of each of `schema`'s columns in it; nothing when the lake has no such
    /// partition. A line that is not the schema's row (not I-JSON, other keys) is refused
    /// as the corrupt file it is.
    public func forEachRow(of key: PartitionKey, schema: TableSchema, _ body: (JSONTape, [Int]) throws -> Void) throws {
        guard let record = try catalog.partition(key) else { return }
        let names = schema.fields.map { Array($0.name.utf8) }
        var line: [UInt8] = []
        var values: [Int] = []
        for file in record.files.filter({ $0.format == .ndjson }).sorted(by: { $0.part < $1.part }) {
            let reader = NDJSONReader(source: try ZstdReader(source: try FileSource(path: absolute(file.path)), name: file.path))
            var number = 0
            while try reader.nextLine(into: &line) {
                number += 1
                guard let tape = JSONTape(line) else {
                    throw FormatError(.json, "\(file.path) line \(number) is not JSON; run `opslake verify`")
                }
                guard tape.values(JSONTape.root, keys: names, into: &values) else {
                    throw FormatError(.json, "\(file.path) line \(number) does not hold the columns of \(schema.dataset); run `opslake verify`")
                }
                try body(tape, values)
            }
        }
    }

    /// The rows of partition `key`, each as the values of `columns` (all of them when
    /// nil), in file order; none when the lake has no such partition.
    public func rows(of key: PartitionKey, schema: TableSchema, columns: [String]? = nil) throws -> [[Value]] {
        let fields = schema.fields
        let wanted = try (columns ?? fields.map(\.name)).map { name in
            guard let i = fields.firstIndex(where: { $0.name == name }) else {
                throw FormatError(.json, "\(schema.dataset) has no column \(name)")
            }
            return i
        }
        var out: [[Value]] = []
        try forEachRow(of: key, schema: schema) { tape, nodes in
            var row: [Value] = []
            row.reserveCapacity(wanted.count)
            for i in wanted {
                guard let v = Self.value(tape, nodes[i], as: fields[i].type) else {
                    throw FormatError(.value, "\(key): \(String(decoding: tape.bytes[tape.range(nodes[i])], as: UTF8.self).prefix(40)) is not a valid \(fields[i].type.rawValue) for column \(fields[i].name)")
                }
                row.append(v)
            }
            out.append(row)
        }
        return out
    }

    /// A column's value from its NDJSON node, as `RowDecoder` reads it; nil when the node is not of its type.
    static func value(_ tape: JSONTape, _ node: Int, as type: ColumnType) -> Value? {
        switch (tape.kind(node), type) {
        case (.null, _): return .null
        case (.true, .boolean): return .bool(true)
        case (.false, .boolean): return .bool(false)
        case (.number, .integer), (.number, .decimal), (.number, .number): return tape.numberText(node).flatMap { RowDecoder.parse($0, as: type) }
        case (.string, .string): return tape.string(node).map(Value.string)
        case (.string, .date), (.string, .datetime): return tape.string(node).flatMap { RowDecoder.parse($0, as: type) }
        default: return nil
        }
    }
}
