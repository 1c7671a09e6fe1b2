/// Where a generator's rows go: a partition being written, or a dry run that only
/// validates and counts. Rows are one value per schema field, in field order.
public protocol RowSink: AnyObject {
    func append(_ row: [Value]) throws
}
