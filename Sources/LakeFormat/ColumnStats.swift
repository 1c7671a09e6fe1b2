/// Per-column statistics of a partition file, kept in the catalogue as Iceberg and
/// DuckLake keep them: a reader can skip partitions by range without opening them.
public struct ColumnStats: Hashable, Sendable, Codable {
    public var column: String
    public var nullCount: Int
    /// The smallest and largest non-null values in their CSV text form; nil when all are null.
    public var min: String?
    public var max: String?

    public init(column: String, nullCount: Int, min: String?, max: String?) {
        self.column = column
        self.nullCount = nullCount
        self.min = min
        self.max = max
    }
}

/// Tracks minimum, maximum and null count of one column while rows stream past; the
/// writer's hot path keeps integers, dates, timestamps and strings in `FastStats` instead.
struct ColumnStatsAccumulator {
    let column: String
    var nullCount = 0
    var min: Value = .null
    var max: Value = .null

    init(column: String) { self.column = column }

    @inline(__always) mutating func add(_ v: Value) {
        if case .null = v { nullCount += 1; return }
        if case .null = min { min = v; max = v; return }
        if Self.less(v, min) { min = v } else if Self.less(max, v) { max = v }
    }

    /// Orders two values of the same case; strings by UTF-8 bytes, as PostgreSQL's "C" collation does.
    static func less(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y
        case let (.string(x), .string(y)): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        case let (.date(x), .date(y)): return x < y
        case let (.timestamp(x), .timestamp(y)): return x < y
        case let (.decimal(x), .decimal(y)): return x < y
        case let (.double(x), .double(y)): return x < y
        case let (.bool(x), .bool(y)): return !x && y
        default: return false
        }
    }

    var stats: ColumnStats {
        ColumnStats(column: column, nullCount: nullCount, min: min.isNull ? nil : min.text, max: max.isNull ? nil : max.text)
    }
}


extension Value {
    /// The value's text as a CSV field holds it before quoting (strings as they are).
    public var text: String {
        if case .string(let s) = self { return s }
        let b = ByteBuffer(capacity: 64)
        CSVEncoder.append(self, into: b)
        return String(decoding: b.bytes, as: UTF8.self)
    }
}
