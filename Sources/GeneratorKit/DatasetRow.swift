public import LakeFormat
public import TableSchema

/// One row of a dataset as a value with named fields, and the order its cells go to a
/// sink. `columns` names the cells `write(to:)` writes, in that order; generation
/// checks them against the dataset's schema before anything is written, so a row type
/// and a schema file that disagree (a column renamed, two columns swapped) stop a run
/// at its start rather than passing validation with values in the wrong columns.
///
/// `write(to:)` is generic over the sink and normally inlined at its one call site:
/// a row built and written cell by cell costs what the cells alone cost.
public protocol DatasetRow {
    /// The column names, in the order `write(to:)` writes the cells.
    static var columns: [String] { get }
    /// Writes the row: one cell per column in `columns` order, then `endRow()`, or
    /// the whole row at once with `append(_:)`.
    func write(to sink: some RowSink) throws
}

/// A dataset whose row type does not write the columns of its schema, in order.
public struct RowColumnsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var dataset: DatasetName
    public var message: String

    public init(dataset: DatasetName, _ message: String) {
        self.dataset = dataset
        self.message = message
    }

    public var description: String { "\(dataset): \(message)" }

    /// Throws unless `columns` (a row type's) equal the names of `schema`'s fields, in order.
    public static func check(columns: [String], against schema: TableSchema) throws(RowColumnsError) {
        let fields = schema.fields.map(\.name)
        guard columns != fields else { return }
        let advice = "; the row type and the schema file must list the same columns in the same order"
        for (i, (written, field)) in zip(columns, fields).enumerated() where written != field {
            throw RowColumnsError(dataset: schema.dataset,
                                  "column \(i + 1) is written as `\(written)` but the schema has `\(field)` there" + advice)
        }
        let message = columns.count < fields.count
            ? "the row type writes \(columns.count) columns but the schema has \(fields.count); `\(fields[columns.count])` is not written"
            : "the row type writes \(columns.count) columns but the schema has \(fields.count); `\(columns[fields.count])` is not in the schema"
        throw RowColumnsError(dataset: schema.dataset, message + advice)
    }

    /// Checks every dataset of `generator` against its schema: each must have a row
    /// type, and the row type's columns must be the schema's fields in order.
    public static func check(_ generator: any DomainGenerator, schemas: [DatasetName: TableSchema]) throws(RowColumnsError) {
        let rowTypes = generator.rowTypes
        for dataset in generator.datasets {
            guard let schema = schemas[dataset] else { continue }
            guard let row = rowTypes[dataset] else {
                throw RowColumnsError(dataset: dataset, "the domain declares no row type for it (`rowTypes`)")
            }
            try check(columns: row.columns, against: schema)
        }
    }
}
