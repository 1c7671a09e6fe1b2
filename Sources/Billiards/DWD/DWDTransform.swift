public import BilliardsVenue
public import LakeFormat
import TableSchema

/// A payload field the DWD cannot read (missing, of another type, an amount or a time
/// in another form, an unknown code).
struct DWDFieldError: Error {
    var field: String
    var problem: String
}

/// The rows of one DWD table read from ODS payloads, by the table's rules.
/// A class, so reading a row copies none of its tables' strings and arrays.
final class DWDTransform: Sendable {
    let table: DWDTable
    /// Per column: how it is read. Nothing in it is reference-counted but a code's
    /// enum, so the loop over a row's columns retains nothing.
    let fields: [Field]
    /// Every column's payload field names, as UTF-8 in one array, and each name's bytes in it.
    let namePool: [UInt8]
    let nameSpans: [Range<Int>]
    /// The ODS dataset's name: every row's `source_dataset`.
    let sourceDataset: String
    /// For a tenant-wide table, the index in `fields` of its key (an id).
    let tenantKey: Int?

    struct Field: Sendable {
        /// The payload field names to try, in order: indices into `nameSpans`.
        var names: Range<Int>
        /// A field of the header (for a line table).
        var header: Bool
        var kind: DWDKind
        var optional: Bool
    }

    init(_ table: DWDTable) {
        self.table = table
        var pool: [UInt8] = [], spans: [Range<Int>] = []
        fields = table.columns.map { c in
            let header = c.field.hasPrefix("^")
            let first = spans.count
            for name in (header ? String(c.field.dropFirst()) : c.field).split(separator: "|") {
                spans.append(pool.count..<pool.count + name.utf8.count)
                pool += name.utf8
            }
            return Field(names: first..<spans.count, header: header, kind: c.kind, optional: c.optional)
        }
        namePool = pool
        nameSpans = spans
        sourceDataset = BilliardsODS.dataset(table.source).description
        tenantKey = table.isTenantWide ? table.columns.firstIndex { $0.name == table.key[0] } : nil
        if table.isTenantWide {
            guard let k = tenantKey, case .id = table.columns[k].kind else { preconditionFailure("\(table.name): a tenant-wide key must be an id column") }
        }
    }

    /// The first payload field name of `field` (for an error).
    func firstName(_ field: Field) -> String {
        String(decoding: namePool[nameSpans[field.names.lowerBound]], as: UTF8.self)
    }

    /// The payload field names of `field`, joined by `|` (for an error).
    func names(_ field: Field) -> String {
        nameSpans[field.names].map { String(decoding: namePool[$0], as: UTF8.self) }.joined(separator: "|")
    }

    /// Writes the rows of the record at `record` of `tape` into `sink`, cell by cell as
    /// the pet shop writes (no row is built as values, no text becomes a `String`); the
    /// number of rows. A field the rules cannot read throws
    /// `DWDFieldError` mid-row, and the sink's schema check `InvalidRecordError`: either
    /// ends the partition, whose files are then removed unseen (whichever cell comes
    /// first is the one reported). A tenant-wide table
    /// writes a key once: `emitted` holds the keys written today.
    func write(_ tape: JSONTape, record: Int, sourceKey: String, dt: LakeDate, into sink: some RowSink,
               emitted: inout Set<Int64>) throws -> Int {
        guard tape.kind(record) == .object else { throw DWDFieldError(field: "(record)", problem: "is not a JSON object") }
        let lineage = Lineage(sourceKey: sourceKey, dt: dt)
        switch table.rows {
        case .record:
            return try writeRow(tape, header: record, element: record, line: nil, lineage, sink, &emitted) ? 1 : 0
        case .recordAndChildren(let field):
            var n = try writeRow(tape, header: record, element: record, line: nil, lineage, sink, &emitted) ? 1 : 0
            for child in try array(tape, record, field) {
                if try writeRow(tape, header: record, element: child, line: nil, lineage, sink, &emitted) { n += 1 }
            }
            return n
        case .lines(let arrays):
            var lineNo: Int64 = 0, n = 0
            for (field, type) in arrays {
                for element in try array(tape, record, field) {
                    lineNo += 1
                    if try writeRow(tape, header: record, element: element, line: (lineNo, type), lineage, sink, &emitted) { n += 1 }
                }
            }
            return n
        }
    }

    /// The last cells of every row: where it was read from.
    struct Lineage {
        var sourceKey: String
        var dt: LakeDate
    }

    func array(_ tape: JSONTape, _ record: Int, _ field: String) throws(DWDFieldError) -> [Int] {
        guard let node = tape.member(record, named: field) else { throw DWDFieldError(field: field, problem: "is missing") }
        guard tape.kind(node) == .array else { throw DWDFieldError(field: field, problem: "is not a list") }
        return tape.elements(node)
    }

    /// The node of `field` in `header` or `element`, the first of its names present;
    /// each lookup starts after the last find there (columns mostly follow the payload's order).
    @inline(__always)
    func node(_ f: Field, _ tape: JSONTape, header: Int, element: Int, headerHint: inout Int, elementHint: inout Int) -> Int? {
        for span in f.names {
            let name = nameSpans[span]
            let node = namePool.withUnsafeBufferPointer { pool in
                let key = UnsafeBufferPointer(rebasing: pool[name])
                return f.header ? tape.member(header, named: key, hint: &headerHint) : tape.member(element, named: key, hint: &elementHint)
            }
            if node != nil { return node }
        }
        return nil
    }

    /// Writes one row; false when it is a tenant-wide key already written today (whose
    /// fields are still read, so a damaged copy from another store is reported).
    func writeRow(_ tape: JSONTape, header: Int, element: Int, line: (no: Int64, type: String)?, _ lineage: Lineage,
                  _ sink: some RowSink, _ emitted: inout Set<Int64>) throws -> Bool {
        guard tape.kind(element) == .object else { throw DWDFieldError(field: "(line)", problem: "is not a JSON object") }
        if let k = tenantKey {
            var h = header, e = element
            if let node = node(fields[k], tape, header: header, element: element, headerHint: &h, elementHint: &e),
               let key = tape.int64(node), !emitted.insert(key).inserted {
                try cells(tape, header: header, element: element, line: line, lineage, Self.discarded)
                return false
            }
        }
        try cells(tape, header: header, element: element, line: line, lineage, sink)
        return true
    }

    /// The cells of one row, then its end.
    func cells(_ tape: JSONTape, header: Int, element: Int, line: (no: Int64, type: String)?, _ lineage: Lineage,
               _ sink: some RowSink) throws {
        if let line {
            try sink.cell(line.no)
            try sink.cell(line.type)
        }
        var headerHint = header, elementHint = element
        // Through a pointer, so each column's rules are borrowed: a copy of a `Field`
        // retained and released its code's enum once per cell.
        try fields.withUnsafeBufferPointer { fields in
            for k in fields.indices {
                guard let node = node(fields[k], tape, header: header, element: element, headerHint: &headerHint, elementHint: &elementHint),
                      tape.kind(node) != .null else {
                    guard fields[k].optional else { throw DWDFieldError(field: names(fields[k]), problem: "is missing") }
                    try sink.nullCell()
                    if fields[k].kind.keepsRaw { try sink.nullCell() }
                    continue
                }
                try Self.write(fields[k].kind, tape, node, field: firstName(fields[k]), optional: fields[k].optional, into: sink)
            }
        }
        try sink.cell(sourceDataset)
        try sink.cell(lineage.dt)
        try sink.cell(lineage.sourceKey)
        try sink.endRow()
    }

    /// Where a tenant-wide row already written today goes: its fields are read, not kept.
    static let discarded = DiscardingSink()

    final class DiscardingSink: RowSink, Sendable {
        func append(_ row: [Value]) {}
        func cell(utf8: UnsafeBufferPointer<UInt8>) {}
        func cell(_ value: Int64) {}
        func cell(_ value: Timestamp) {}
        func cell(_ value: LakeDate) {}
        func cell(_ value: Bool) {}
        func cell(_ value: FixedDecimal) {}
        func nullCell() {}
        func endRow() {}
    }

    /// Writes `node` read as `kind` into `sink` (a money or time column is two cells, the
    /// value and its raw text); `field` names it in an error, made only then.
    static func write(_ kind: DWDKind, _ tape: JSONTape, _ node: Int, field name: @autoclosure () -> String, optional: Bool,
                      into sink: some RowSink) throws {
        var field: String { name() }
        func whole() throws(DWDFieldError) -> Int64 {
            guard let i = tape.int64(node) else {
                throw DWDFieldError(field: field, problem: "is \(shown(tape, node)), not a whole number")
            }
            return i
        }
        func notString() -> DWDFieldError { DWDFieldError(field: field, problem: "is \(shown(tape, node)), not a string") }
        switch kind {
        case .id:
            let i = try whole()
            guard i > 0 else { throw DWDFieldError(field: field, problem: "is \(i), not an id (a whole number above 0)") }
            try sink.cell(i)
        case .ref:
            let i = try whole()
            guard i >= 0 else { throw DWDFieldError(field: field, problem: "is \(i), not an id") }
            guard i > 0 || optional else { throw DWDFieldError(field: field, problem: "is 0 (none), but every row needs one") }
            if i == 0 { try sink.nullCell() } else { try sink.cell(i) }
        case .int:
            let i = try whole()
            // Counts, seconds and quantities: a bound far above any real one keeps the
            // summaries' arithmetic from overflowing on a corrupt value.
            guard i.magnitude <= 1_000_000_000_000 else { throw DWDFieldError(field: field, problem: "is \(i), out of range (±10^12)") }
            try sink.cell(i)
        case .money:
            // The value, then the text as the upstream wrote it.
            guard let read = try tape.withStringBytes(node, { u throws -> Bool in
                guard let amount = money(u) else { return false }
                try sink.cell(amount)
                try sink.cell(utf8: u.assumingMemoryBound(to: UInt8.self))
                return true
            }) else { throw notString() }
            guard read else { throw DWDFieldError(field: field, problem: "is \"\(tape.string(node)!)\", not an amount like \"87.60\"") }
        case .time:
            guard let read = try tape.withStringBytes(node, { u throws -> Bool in
                guard let t = VenueTime(utf8: u) else { return false }
                try sink.cell(t.timestamp)
                try sink.cell(utf8: u.assumingMemoryBound(to: UInt8.self))
                return true
            }) else { throw notString() }
            guard read else {
                throw DWDFieldError(field: field, problem: "is \"\(tape.string(node)!)\", not a time as \"YYYY-MM-DD HH:MM:SS\"")
            }
        case .date:
            guard let s = tape.string(node) else { throw notString() }
            if s.isEmpty && optional {
                try sink.nullCell()
            } else {
                guard s.utf8.count == 10, let d = LakeDate(s) else { throw DWDFieldError(field: field, problem: "is \"\(s)\", not a date as \"YYYY-MM-DD\"") }
                try sink.cell(d)
            }
        case .text:
            guard (try tape.withStringBytes(node, { try sink.cell(utf8: $0.assumingMemoryBound(to: UInt8.self)) })) != nil else { throw notString() }
        case .flag:
            switch try whole() {
            case 0: try sink.cell(false)
            case 1: try sink.cell(true)
            case let i: throw DWDFieldError(field: field, problem: "is \(i), not 0 or 1")
            }
        case .code(let e):
            let i = try whole()
            guard let value = e.value(i) else {
                throw DWDFieldError(field: field, problem: "has the unknown \(e.name) code \(i) (known: \(e.values.map { "\($0.code)" }.joined(separator: ", ")))")
            }
            try sink.cell(value)
        }
    }

    /// `-?D+(.D{1,2})?`, at most 13 digits before the point (below 10^13 yuan, well inside
    /// `numeric(18,2)`, and sums of millions of them stay inside 64 bits), as a decimal
    /// with 2 places; nil for anything else.
    static func money(_ s: String) -> FixedDecimal? {
        var s = s
        return s.withUTF8 { money(UnsafeRawBufferPointer($0)) }
    }

    static func money(_ u: UnsafeRawBufferPointer) -> FixedDecimal? {
        var units: Int64 = 0, decimals = -1, negative = false, digits = 0
        for (i, b) in u.enumerated() {
            switch b {
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: "."):
                guard decimals < 0, digits > 0 else { return nil }
                decimals = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if decimals >= 0 {
                    decimals += 1
                    guard decimals <= 2 else { return nil }
                }
                digits += 1
                guard digits - max(decimals, 0) <= 13 else { return nil }
                units = units * 10 + Int64(b - UInt8(ascii: "0"))
            default: return nil
            }
        }
        guard digits > 0, decimals != 0 else { return nil }
        for _ in 0..<(2 - max(decimals, 0)) { units *= 10 }
        return FixedDecimal(units: negative ? -units : units, scale: 2)
    }

    static func shown(_ tape: JSONTape, _ node: Int) -> String {
        let text = String(decoding: tape.bytes[tape.range(node)], as: UTF8.self)
        return text.count > 40 ? String(text.prefix(40)) + "…" : text
    }
}
