/// Where a generator's rows go: a partition being written, or a dry run that only
/// validates and counts. Rows are one value per schema field, in field order.
///
/// A row comes either whole, as `[Value]`, or cell by cell: one `cell` call per
/// field in order, then `endRow()`. Cells are how generated rows are written: an
/// id formatted on the stack is passed as bytes, and a partition sink validates and
/// encodes it without a `String` or a `Value` being made for it. Every column type
/// has its cell call but `number` (a `Double`), which no dataset uses. The bytes of
/// `cell(utf8:)` must be valid UTF-8, as the bytes of a `String` or of ASCII are.
public protocol RowSink: AnyObject {
    func append(_ row: [Value]) throws
    func cell(utf8: UnsafeBufferPointer<UInt8>) throws
    func cell(_ value: Int64) throws
    func cell(_ value: Timestamp) throws
    func cell(_ value: LakeDate) throws
    func cell(_ value: Bool) throws
    func cell(_ value: FixedDecimal) throws
    func nullCell() throws
    func endRow() throws
}

extension RowSink {
    @inline(__always) public func cell(_ value: String) throws {
        try value.withUTF8Bytes { try cell(utf8: $0) }
    }

    @inline(__always) public func cell(static value: StaticString) throws {
        try cell(utf8: UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    @inline(__always) public func cell(_ value: String?) throws {
        if let value { try cell(value) } else { try nullCell() }
    }

    @inline(__always) public func cell(_ value: Int) throws { try cell(Int64(value)) }

    @inline(__always) public func cell(_ value: Int?) throws {
        if let value { try cell(Int64(value)) } else { try nullCell() }
    }

    @inline(__always) public func cell(_ value: FixedDecimal?) throws {
        if let value { try cell(value) } else { try nullCell() }
    }
}

/// A sink that takes rows whole: the cells of a row are gathered in `pendingRow`
/// and appended at `endRow()`.
public protocol WholeRowSink: RowSink {
    var pendingRow: [Value] { get set }
}

extension WholeRowSink {
    public func cell(utf8 value: UnsafeBufferPointer<UInt8>) throws {
        pendingRow.append(.string(String(decoding: value, as: UTF8.self)))
    }
    public func cell(_ value: Int64) throws { pendingRow.append(.int(value)) }
    public func cell(_ value: Timestamp) throws { pendingRow.append(.timestamp(value)) }
    public func cell(_ value: LakeDate) throws { pendingRow.append(.date(value)) }
    public func cell(_ value: Bool) throws { pendingRow.append(.bool(value)) }
    public func cell(_ value: FixedDecimal) throws { pendingRow.append(.decimal(value)) }
    public func nullCell() throws { pendingRow.append(.null) }
    public func endRow() throws {
        defer { pendingRow.removeAll(keepingCapacity: true) }
        try append(pendingRow)
    }
}
