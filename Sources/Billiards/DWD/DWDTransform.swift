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
    let sourceDataset: Value

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
        sourceDataset = .string(BilliardsODS.dataset(table.source).description)
    }

    /// The first payload field name of `field` (for an error).
    func firstName(_ field: Field) -> String {
        String(decoding: namePool[nameSpans[field.names.lowerBound]], as: UTF8.self)
    }

    /// The payload field names of `field`, joined by `|` (for an error).
    func names(_ field: Field) -> String {
        nameSpans[field.names].map { String(decoding: namePool[$0], as: UTF8.self) }.joined(separator: "|")
    }

    /// Appends the rows of the record at `record` of `tape` to `rows`.
    func rows(_ tape: JSONTape, record: Int, sourceKey: String, dt: LakeDate, into rows: inout [[Value]]) throws(DWDFieldError) {
        guard tape.kind(record) == .object else { throw DWDFieldError(field: "(record)", problem: "is not a JSON object") }
        let lineage: [Value] = [sourceDataset, .date(dt), .string(sourceKey)]
        switch table.rows {
        case .record:
            rows.append(try row(tape, header: record, element: record, prefix: [], lineage: lineage))
        case .recordAndChildren(let field):
            rows.append(try row(tape, header: record, element: record, prefix: [], lineage: lineage))
            for child in try array(tape, record, field) {
                rows.append(try row(tape, header: record, element: child, prefix: [], lineage: lineage))
            }
        case .lines(let arrays):
            var lineNo: Int64 = 0
            for (field, type) in arrays {
                for element in try array(tape, record, field) {
                    lineNo += 1
                    rows.append(try row(tape, header: record, element: element, prefix: [.int(lineNo), .string(type)], lineage: lineage))
                }
            }
        }
    }

    func array(_ tape: JSONTape, _ record: Int, _ field: String) throws(DWDFieldError) -> [Int] {
        guard let node = tape.member(record, named: field) else { throw DWDFieldError(field: field, problem: "is missing") }
        guard tape.kind(node) == .array else { throw DWDFieldError(field: field, problem: "is not a list") }
        return tape.elements(node)
    }

    func row(_ tape: JSONTape, header: Int, element: Int, prefix: [Value], lineage: [Value]) throws(DWDFieldError) -> [Value] {
        guard tape.kind(element) == .object else { throw DWDFieldError(field: "(line)", problem: "is not a JSON object") }
        var out = prefix
        out.reserveCapacity(prefix.count + fields.count * 2 + lineage.count)
        // Columns mostly follow the payload's order: each lookup starts after the last find.
        var headerHint = header, elementHint = element
        for k in fields.indices {
            let f = fields[k]
            var node: Int?
            for span in f.names {
                let name = nameSpans[span]
                node = namePool.withUnsafeBufferPointer { pool in
                    let key = UnsafeBufferPointer(rebasing: pool[name])
                    return f.header ? tape.member(header, named: key, hint: &headerHint) : tape.member(element, named: key, hint: &elementHint)
                }
                if node != nil { break }
            }
            guard let node, tape.kind(node) != .null else {
                guard f.optional else { throw DWDFieldError(field: names(f), problem: "is missing") }
                out.append(.null)
                if f.kind.keepsRaw { out.append(.null) }
                continue
            }
            try Self.read(f.kind, tape, node, field: firstName(f), optional: f.optional, into: &out)
        }
        out.append(contentsOf: lineage)
        return out
    }

    /// Reads `node` as `kind` into `out`; `field` names it in an error, made only then.
    static func read(_ kind: DWDKind, _ tape: JSONTape, _ node: Int, field name: @autoclosure () -> String, optional: Bool,
                     into out: inout [Value]) throws(DWDFieldError) {
        var field: String { name() }
        func whole() throws(DWDFieldError) -> Int64 {
            guard let i = tape.int64(node) else {
                throw DWDFieldError(field: field, problem: "is \(shown(tape, node)), not a whole number")
            }
            return i
        }
        func text() throws(DWDFieldError) -> String {
            guard let s = tape.string(node) else { throw DWDFieldError(field: field, problem: "is \(shown(tape, node)), not a string") }
            return s
        }
        switch kind {
        case .id:
            let i = try whole()
            guard i > 0 else { throw DWDFieldError(field: field, problem: "is \(i), not an id (a whole number above 0)") }
            out.append(.int(i))
        case .ref:
            let i = try whole()
            guard i >= 0 else { throw DWDFieldError(field: field, problem: "is \(i), not an id") }
            guard i > 0 || optional else { throw DWDFieldError(field: field, problem: "is 0 (none), but every row needs one") }
            out.append(i == 0 ? .null : .int(i))
        case .int:
            let i = try whole()
            // Counts, seconds and quantities: a bound far above any real one keeps the
            // summaries' arithmetic from overflowing on a corrupt value.
            guard i.magnitude <= 1_000_000_000_000 else { throw DWDFieldError(field: field, problem: "is \(i), out of range (±10^12)") }
            out.append(.int(i))
        case .money:
            let s = try text()
            guard let amount = money(s) else { throw DWDFieldError(field: field, problem: "is \"\(s)\", not an amount like \"87.60\"") }
            out.append(.decimal(amount))
            out.append(.string(s))
        case .time:
            let s = try text()
            guard let t = VenueTime(s) else {
                throw DWDFieldError(field: field, problem: "is \"\(s)\", not a time as \"YYYY-MM-DD HH:MM:SS\"")
            }
            out.append(.timestamp(t.timestamp))
            out.append(.string(s))
        case .date:
            let s = try text()
            if s.isEmpty && optional {
                out.append(.null)
            } else {
                guard s.utf8.count == 10, let d = LakeDate(s) else { throw DWDFieldError(field: field, problem: "is \"\(s)\", not a date as \"YYYY-MM-DD\"") }
                out.append(.date(d))
            }
        case .text:
            out.append(.string(try text()))
        case .flag:
            switch try whole() {
            case 0: out.append(.bool(false))
            case 1: out.append(.bool(true))
            case let i: throw DWDFieldError(field: field, problem: "is \(i), not 0 or 1")
            }
        case .code(let e):
            let i = try whole()
            guard let value = e.value(i) else {
                throw DWDFieldError(field: field, problem: "has the unknown \(e.name) code \(i) (known: \(e.values.map { "\($0.code)" }.joined(separator: ", ")))")
            }
            out.append(.string(value))
        }
    }

    /// `-?D+(.D{1,2})?`, at most 13 digits before the point (below 10^13 yuan, well inside
    /// `numeric(18,2)`, and sums of millions of them stay inside 64 bits), as a decimal
    /// with 2 places; nil for anything else.
    static func money(_ s: String) -> FixedDecimal? {
        var units: Int64 = 0, decimals = -1, negative = false, digits = 0
        for (i, b) in s.utf8.enumerated() {
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
