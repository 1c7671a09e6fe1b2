public import BilliardsVenue
public import LakeFormat
public import TableSchema
import Foundation

/// A status or type code of the upstream, fixed to named values: `settleStatus` 2 is
/// `partially_refunded`. A code the enum does not name is refused, so a new upstream
/// code stops the partition instead of landing as a number nobody can read.
public struct DWDEnum: Sendable {
    public var name: String
    public var values: [(code: Int64, value: String, label: String)]

    public init(_ name: String, _ values: [(Int64, String, String)]) {
        self.name = name
        self.values = values.map { (code: $0.0, value: $0.1, label: $0.2) }
    }

    public func value(_ code: Int64) -> String? { values.first { $0.code == code }?.value }
}

/// How a DWD column is read from its payload field.
public enum DWDKind: Sendable {
    /// The row's own id: a whole number above 0.
    case id
    /// The id of another entity; 0 (the upstream's "none") becomes null.
    case ref
    /// A whole number.
    case int
    /// Yuan as the upstream writes them (`"87.60"`): an exact decimal with 2 places;
    /// the text is kept beside it in `<name>_raw`.
    case money
    /// `"YYYY-MM-DD HH:MM:SS"` in Asia/Shanghai: a timestamp at +08:00; the text is
    /// kept beside it in `<name>_raw`.
    case time
    /// `"YYYY-MM-DD"`, or `""` for none (null).
    case date
    /// Text as sent.
    case text
    /// 0 or 1: a boolean.
    case flag
    /// A code of `DWDEnum`: its named value.
    case code(DWDEnum)

    var columnType: String {
        switch self {
        case .id, .ref, .int: "integer"
        case .money: "number"
        case .time: "datetime"
        case .date: "date"
        case .text, .code: "string"
        case .flag: "boolean"
        }
    }

    /// True for the kinds whose upstream text is kept in a `<name>_raw` column.
    var keepsRaw: Bool {
        switch self {
        case .money, .time: true
        default: false
        }
    }
}

/// One column of a DWD table: its name, the payload field it is read from (`^name`
/// is a field of the header, for a line table), how it is read, and what it means.
public struct DWDColumn: Sendable {
    public var name: String
    public var field: String
    public var kind: DWDKind
    public var description: String
    /// Absent (or, for a line table, absent on this kind of line) becomes null.
    public var optional: Bool

    public init(_ name: String, _ field: String, _ kind: DWDKind, _ description: String, optional: Bool = false) {
        self.name = name
        self.field = field
        self.kind = kind
        self.description = description
        self.optional = optional
    }
}

/// Where a DWD table's rows come from in a payload: the record itself, the elements of
/// some of its arrays (a ticket's lines), or the record and the elements of one array
/// (a category and its children).
public enum DWDRows: Sendable {
    case record
    /// Each element of each array, in order, numbered from 1 in `line_no`, its array's
    /// name in `line_type`.
    case lines([(field: String, type: String)])
    /// The record, then each element of `field`.
    case recordAndChildren(field: String)
}

/// A table of the DWD layer (`billiards.*`): one grain, read from one ODS dataset by
/// fixed rules (docs/billiards-dwd.md). Every row also names where it came from:
/// `source_dataset`, `source_dt` and `source_key` (the ODS row).
public struct DWDTable: Sendable {
    public var name: String
    public var title: String
    /// What one row is, and what it is for.
    public var description: String
    public var source: Endpoint
    public var rows: DWDRows
    public var columns: [DWDColumn]
    /// The business key within a partition (column names).
    public var key: [String]
    /// Payload fields deliberately not carried (attributes of a dimension, names the
    /// codes already give): not reported as new.
    public var dropped: [String]
    /// A dimension (`snapshot`: the versions of the day) or a fact (`event`).
    public var isDimension: Bool
    /// A dimension whose attributes change upstream: it also has an SCD2 history
    /// (`<name>_scd2`, `DWDSCD2`).
    public var hasHistory: Bool
    /// Read from a tenant-wide endpoint (the tenant's goods and categories), which every
    /// store's pull receives alike: a key's row is kept once per day, from the first
    /// store (the lowest id).
    public var isTenantWide: Bool { [.tenantGoodsMaster, .stockGoodsCategoryTree].contains(source) }

    public init(_ name: String, _ title: String, from source: Endpoint, rows: DWDRows = .record, key: [String],
                dimension: Bool = false, history: Bool = false, dropped: [String] = [], description: String, columns: [DWDColumn]) {
        self.name = name
        self.title = title
        self.description = description
        self.source = source
        self.rows = rows
        self.columns = columns
        self.key = key
        self.dropped = dropped
        self.isDimension = dimension
        hasHistory = history
    }

    public var dataset: DatasetName { DatasetName(schema: BilliardsDWD.name, table: name) }

    /// The columns of a row, in file order: the table's (each money and time column
    /// followed by its `_raw` text), `line_no` and `line_type` for a line table, then
    /// the lineage.
    public var columnNames: [String] { schemaFields.map(\.name) }

    var schemaFields: [(name: String, type: String, description: String, required: Bool, scale: Int?, values: [String]?)] {
        var out: [(String, String, String, Bool, Int?, [String]?)] = []
        if case .lines = rows {
            out.append(("line_no", "integer", "The line's number on its record, from 1, in the order the upstream lists them.", true, nil, nil))
        }
        if case .lines(let arrays) = rows {
            out.append(("line_type", "string", "The kind of line: \(arrays.map(\.type).joined(separator: ", ")).", true, nil, arrays.map(\.type)))
        }
        for c in columns {
            var values: [String]?
            if case .code(let e) = c.kind { values = e.values.map(\.value) }
            let scale: Int? = if case .money = c.kind { 2 } else { nil }
            out.append((c.name, c.kind.columnType, "\(c.description) (upstream \(c.field.hasPrefix("^") ? "header field " + c.field.dropFirst() : c.field))",
                        !c.optional, scale, values))
            if c.kind.keepsRaw {
                out.append((c.name + "_raw", "string", "\(c.field.trimmingCharacters(in: ["^"])) exactly as the upstream wrote it.", !c.optional, nil, nil))
            }
        }
        out.append(("source_dataset", "string", "The ODS dataset the row was read from.", true, nil, [BilliardsODS.dataset(source).description]))
        out.append(("source_dt", "date", "The ODS partition the row was read from (the same day as the row's own dt).", true, nil, nil))
        out.append(("source_key", "string", "The ODS row's source_key.", true, nil, nil))
        return out
    }

    /// The table's schema document (docs/table-schemas.md).
    func schemaJSON() -> [UInt8] {
        document(name: name, title: title, description: "DWD: \(description) Read from \(BilliardsODS.dataset(source)); dt is the ODS partition's day.",
                 fields: schemaFields, key: key)
    }

    /// The SCD2 columns a versioned dimension's history adds before the lineage
    /// (`DWDSCD2`): the version's number, its validity and whether it is the current one.
    static let scd2Fields: [(name: String, type: String, description: String, required: Bool, scale: Int?, values: [String]?)] = [
        ("version", "integer", "The version's number for its key, from 1, in time order.", true, nil, nil),
        ("valid_from", "datetime", "When the version took effect: the first version's created_at, a later one's updated_at.", true, nil, nil),
        ("valid_to", "datetime", "When the next version took effect (exclusive); null for the current version.", false, nil, nil),
        ("is_current", "boolean", "True for the key's latest version.", true, nil, nil),
    ]

    /// The dataset of the table's SCD2 history (`dim_member_scd2`).
    public var scd2Dataset: DatasetName { DatasetName(schema: BilliardsDWD.name, table: name + "_scd2") }

    /// The schema of the table's SCD2 history: its columns, the SCD2 columns, the lineage.
    func scd2SchemaJSON() -> [UInt8] {
        let fields = schemaFields
        return document(name: scd2Dataset.table, title: "\(title) over time (SCD2)",
                 description: "DWD: every version of \(dataset) as a slowly changing dimension: valid from valid_from (inclusive) to valid_to "
                    + "(exclusive, null for the current version), no gaps or overlaps per key; a fact joins the version in force at its time. "
                    + "dt is the day of the version's \(dataset) partition. Rebuilt from all of \(dataset) by opslake billiards dwd.",
                 fields: fields.dropLast(3) + Self.scd2Fields + fields.suffix(3), key: key + ["version"])
    }

    func document(name: String, title: String, description: String,
                  fields schemaFields: [(name: String, type: String, description: String, required: Bool, scale: Int?, values: [String]?)],
                  key: [String]) -> [UInt8] {
        Self.document(name: name, title: title, description: description, fields: schemaFields, key: key, event: !isDimension)
    }

    /// A schema document (docs/table-schemas.md) of the billiards layers.
    static func document(name: String, title: String, description: String,
                         fields schemaFields: [(name: String, type: String, description: String, required: Bool, scale: Int?, values: [String]?)],
                         key: [String], event: Bool) -> [UInt8] {
        var fields: [JSONValue] = []
        for f in schemaFields {
            var constraints: [JSONMember] = [JSONMember("required", .bool(f.required))]
            if let values = f.values { constraints.append(JSONMember("enum", .array(values.map(JSONValue.string)))) }
            var members = [JSONMember("name", .string(f.name)), JSONMember("type", .string(f.type)),
                           JSONMember("description", .string(f.description)), JSONMember("constraints", .object(constraints))]
            if let scale = f.scale { members.append(JSONMember("opslake", .object([JSONMember("scale", .number(Double(scale)))]))) }
            fields.append(.object(members))
        }
        let document: JSONValue = .object([
            JSONMember("name", .string(name)),
            JSONMember("title", .string(title)),
            JSONMember("description", .string(description)),
            JSONMember("fields", .array(fields)),
            JSONMember("primaryKey", .array(key.map(JSONValue.string))),
            JSONMember("opslake", .object([
                JSONMember("version", .number(1)),
                JSONMember("partition", .string(event ? "event" : "snapshot")),
                JSONMember("load", .string("replace-partition")),
            ])),
        ])
        return CanonicalJSON.serialize(document)
    }

    var isLines: Bool { if case .lines = rows { true } else { false } }

    /// The payload fields the table reads or drops, for the report of new fields: of
    /// the record, and of the elements of its line arrays.
    var knownFields: (record: Set<String>, element: Set<String>) {
        var record = Set(dropped), element = Set(dropped)
        for c in columns {
            let names = c.field.trimmingCharacters(in: ["^"]).split(separator: "|").map(String.init)
            if c.field.hasPrefix("^") {
                record.formUnion(names)
            } else if case .lines = rows {
                element.formUnion(names)
            } else {
                record.formUnion(names)
                element.formUnion(names)
            }
        }
        switch rows {
        case .record: break
        case .lines(let arrays): record.formUnion(arrays.map(\.field))
        case .recordAndChildren(let field): record.insert(field)
        }
        return (record, element)
    }
}
