public import LakeFormat
public import TableSchema

/// A domain's simulation, as the generation driver sees it: which partitions a date
/// range holds, and how one day's partitions are made.
///
/// Each partition must be a pure function of (configuration, seed, dataset, dt), so
/// the driver may generate days in any order, on any number of threads or machines.
public protocol DomainGenerator: Sendable {
    /// The schema name of the domain's datasets (`petshop`).
    var domain: String { get }

    /// Every dataset the domain writes, in the order partitions of a day are written.
    var datasets: [DatasetName] { get }

    /// The row type of each dataset: the columns its rows are written in, which
    /// `Generation` checks against the dataset's schema before writing anything.
    var rowTypes: [DatasetName: any DatasetRow.Type] { get }

    /// The partitions of `datasets` needed for the days `from...to`: each dataset's
    /// own days in the range, plus the slowly changing partitions in force on `from`
    /// (last Monday's catalogue, say), so that the range's facts can be joined.
    func partitions(of datasets: Set<DatasetName>, from: LakeDate, to: LakeDate) throws -> [PartitionKey]

    /// Writes the partitions of `datasets` for day `dt`, one sink per dataset in the
    /// order given.
    func generate(dt: LakeDate, datasets: [DatasetName], into sinks: [any RowSink]) throws
}

/// Validates and counts rows without writing them (`generate --dry-run`).
public final class DryRunSink: WholeRowSink {
    let validator: RecordValidator
    let key: PartitionKey
    let encoder: CSVEncoder
    let buffer = ByteBuffer(capacity: 1 << 16)
    public private(set) var rows = 0
    public var pendingRow: [Value] = []
    /// Bytes the CSV file would hold before compression.
    public private(set) var csvBytes: Int64 = 0

    public init(schema: TableSchema, dt: LakeDate) throws {
        validator = try RecordValidator(schema: schema)
        key = PartitionKey(schema.dataset, dt)
        encoder = CSVEncoder(columns: schema.columns)
        encoder.encodeHeader(into: buffer)
    }

    public func append(_ row: [Value]) throws {
        do { try validator.validate(row) } catch {
            throw InvalidRecordError(partition: key, row: rows + 1, violation: error)
        }
        rows += 1
        encoder.encode(row, into: buffer)
        if buffer.count > 1 << 15 {
            csvBytes += Int64(buffer.count)
            buffer.removeAll()
        }
    }

    public func finish() {
        csvBytes += Int64(buffer.count)
        buffer.removeAll()
    }
}
