public import LakeFormat
#if canImport(Glibc)
import Glibc
#endif

/// A record that breaks its schema: the field and what is wrong with it. The caller
/// adds dataset, dt and row number (see `InvalidRecordError`).
public struct FieldViolation: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String { "field \(field): \(message)" }
}

/// A record that breaks its schema, located by dataset, dt and row.
public struct InvalidRecordError: Error, Hashable, Sendable, CustomStringConvertible {
    public var partition: PartitionKey
    /// 1-based row number within the partition.
    public var row: Int
    public var violation: FieldViolation
    public init(partition: PartitionKey, row: Int, violation: FieldViolation) {
        self.partition = partition
        self.row = row
        self.violation = violation
    }
    public var description: String { "\(partition.dataset) dt=\(partition.dt) row \(row): \(violation)" }
}

/// Checks records against one schema on the write path.
///
/// Everything that can be is prepared once: enum sets, typed bounds, compiled
/// patterns. A check then costs a switch and a comparison or two per field.
/// Patterns are POSIX extended regular expressions (plus `\d`), anchored at both
/// ends as Table Schema patterns are. One validator per thread: glibc serialises
/// concurrent use of a compiled pattern.
public final class RecordValidator {
    public let schema: TableSchema
    let checks: [Check]
    /// `checks` again, for the typed path to borrow without reference counting.
    let unretained: UnsafeMutableBufferPointer<Unmanaged<Check>>

    /// A field's checks, prepared: a class so the hot loop reads it without copying
    /// the field's strings.
    final class Check {
        let field: TableSchema.Field
        let type: ColumnType
        let required: Bool
        let maxLength: Int?
        let minLength: Int?
        /// The allowed values: a short list is scanned (cheaper than hashing a string), a long one hashed.
        let enumList: [Value]?
        let enumSet: Set<Value>?
        let simple: SimplePattern?
        /// `simple` again, read in the hot loop without a retain (`simple` keeps it alive).
        let simpleUnretained: Unmanaged<SimplePattern>?
        let pattern: UnsafeMutablePointer<regex_t>?
        let minimum: Value?
        let maximum: Value?
        /// Integer bounds as integers, so an integer field is checked without `Value` comparisons.
        let minInt: Int64
        let maxInt: Int64
        /// True when a bound is not an integer (an integer field bounded by a decimal):
        /// then the general comparison runs too.
        let otherBounds: Bool
        /// The allowed strings of a string enum, as UTF-8, compared byte for byte.
        let enumBytes: [[UInt8]]?
        /// Whether a string that matched `simple` can still hold a NUL (only when the pattern allows byte 0).
        let patternAdmitsNul: Bool

        init(field: TableSchema.Field, enumSet: Set<Value>?, simple: SimplePattern?, pattern: UnsafeMutablePointer<regex_t>?) {
            self.field = field
            type = field.type
            required = field.required
            maxLength = field.maxLength
            minLength = field.minLength
            if let enumSet, enumSet.count <= 16 {
                enumList = Array(enumSet)
                self.enumSet = nil
            } else {
                enumList = nil
                self.enumSet = enumSet
            }
            self.simple = simple
            simpleUnretained = simple.map { Unmanaged.passUnretained($0) }
            self.pattern = pattern
            minimum = field.minimum
            maximum = field.maximum
            if case .int(let lo)? = field.minimum { minInt = lo } else { minInt = .min }
            if case .int(let hi)? = field.maximum { maxInt = hi } else { maxInt = .max }
            otherBounds = [field.minimum, field.maximum].contains { bound in
                if let bound, case .int = bound { false } else { bound != nil }
            }
            enumBytes = field.type == .string ? enumList?.compactMap { if case .string(let s) = $0 { Array(s.utf8) } else { nil } } : nil
            patternAdmitsNul = simple?.admits(0) ?? true
        }
    }

    public init(schema: TableSchema) throws {
        self.schema = schema
        checks = try schema.fields.map { field in
            var compiled: UnsafeMutablePointer<regex_t>? = nil
            let simple = field.pattern.flatMap { SimplePattern($0) }
            if let p = field.pattern, simple == nil {
                let translated = "^(" + p.replacingAll("\\d", with: "[0-9]") + ")$"
                let regex = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
                let rc = regcomp(regex, translated, REG_EXTENDED | REG_NOSUB)
                guard rc == 0 else {
                    regex.deallocate()
                    throw SchemaError(file: "schemas/\(schema.dataset.schema)/\(schema.dataset.table).json",
                                      "field \(field.name): pattern \(p) is not a POSIX extended regular expression")
                }
                compiled = regex
            }
            let enumSet = field.enumValues.map { Set($0.compactMap { RowDecoder.parse($0, as: field.type) }) }
            return Check(field: field, enumSet: enumSet, simple: simple, pattern: compiled)
        }
        unretained = .allocate(capacity: checks.count)
        _ = unretained.initialize(from: checks.map { Unmanaged.passUnretained($0) })
    }

    deinit {
        unretained.deallocate()
        for c in checks {
            if let r = c.pattern { regfree(r); r.deallocate() }
        }
    }

    /// Throws the first violation in `row` (one value per field, in order).
    public func validate(_ row: [Value]) throws(FieldViolation) {
        guard row.count == checks.count else {
            throw FieldViolation(field: "*", message: "\(row.count) values for \(checks.count) fields")
        }
        // Each check borrowed without a retain, each value read in place.
        try row.withUnsafeBufferPointer { values throws(FieldViolation) in
            for i in 0..<values.count {
                try withCheck(i) { c throws(FieldViolation) in try Self.check(values[i], c) }
            }
        }
    }

    // The typed path (see `RowSink`): one cell of field `i`, checked exactly as the
    // same `Value` would be, without making one.

    public func check(string u: UnsafeBufferPointer<UInt8>, field i: Int) throws(FieldViolation) {
        try withCheck(i) { c throws(FieldViolation) in try Self.checkString(u, c) }
    }

    public func check(int v: Int64, field i: Int) throws(FieldViolation) {
        try withCheck(i) { c throws(FieldViolation) in try Self.check(.int(v), c) }
    }

    public func check(timestamp t: Timestamp, field i: Int) throws(FieldViolation) {
        try withCheck(i) { c throws(FieldViolation) in try Self.check(.timestamp(t), c) }
    }

    public func check(date d: LakeDate, field i: Int) throws(FieldViolation) {
        try withCheck(i) { c throws(FieldViolation) in try Self.check(.date(d), c) }
    }

    public func check(bool b: Bool, field i: Int) throws(FieldViolation) {
        try withCheck(i) { c throws(FieldViolation) in try Self.check(.bool(b), c) }
    }

    public func check(decimal d: FixedDecimal, field i: Int) throws(FieldViolation) {
        try withCheck(i) { c throws(FieldViolation) in try Self.check(.decimal(d), c) }
    }

    public func checkNull(field i: Int) throws(FieldViolation) {
        try withCheck(i) { c throws(FieldViolation) in try Self.check(.null, c) }
    }

    /// Runs `body` on field `i`'s check, borrowed without a retain; a field past the
    /// last is a violation of the row.
    @inline(__always)
    func withCheck(_ i: Int, _ body: (Check) throws(FieldViolation) -> Void) throws(FieldViolation) {
        guard i < unretained.count else { throw Self.extraCell(unretained.count) }
        // `_withUnsafeGuaranteedRef` rethrows untyped errors: the violation comes out as a value.
        if let v = unretained[i]._withUnsafeGuaranteedRef({ c in Self.violation { () throws(FieldViolation) in try body(c) } }) {
            throw v
        }
    }

    /// Checks that a row given cell by cell had a cell for every field.
    public func checkRowEnd(cells: Int) throws(FieldViolation) {
        guard cells == checks.count else {
            throw FieldViolation(field: "*", message: "\(cells) values for \(checks.count) fields")
        }
    }

    static func extraCell(_ fields: Int) -> FieldViolation {
        FieldViolation(field: "*", message: "more than \(fields) values for \(fields) fields")
    }

    /// A string's checks on its UTF-8 bytes: lengths in characters (Unicode scalars,
    /// counted as the bytes that do not continue one), no NUL, pattern, enum.
    @inline(__always)
    static func checkString(_ u: UnsafeBufferPointer<UInt8>, _ c: borrowing Check) throws(FieldViolation) {
        guard c.type == .string else { throw Self.wrongType(.string(Self.text(u)), c) }
        if let max = c.maxLength, u.count > max, Self.scalarCount(u) > max {
            throw Self.fail(c, "is \(Self.scalarCount(u)) characters, more than maxLength \(max)")
        }
        if let min = c.minLength, u.count < 4 * min, Self.scalarCount(u) < min {
            throw Self.fail(c, "is \(Self.scalarCount(u)) characters, fewer than minLength \(min)")
        }
        let matches = c.simpleUnretained?._withUnsafeGuaranteedRef { $0.matches(u) }
        if matches != true || c.patternAdmitsNul, !u.isEmpty, memchr(u.baseAddress!, 0, u.count) != nil {
            throw Self.fail(c, "contains a NUL character, which PostgreSQL text cannot hold")
        }
        if matches == false { throw Self.fail(c, "\"\(Self.text(u))\" does not match pattern \(c.field.pattern!)") }
        if let r = c.pattern, Self.text(u).withCString({ regexec(r, $0, 0, nil, 0) }) != 0 {
            throw Self.fail(c, "\"\(Self.text(u))\" does not match pattern \(c.field.pattern!)")
        }
        if let allowed = c.enumBytes, !allowed.contains(where: { Self.equal($0, u) }) {
            throw Self.fail(c, "\(Self.text(u)) is not one of \(c.field.enumValues!.joined(separator: ", "))")
        }
        if let set = c.enumSet, !set.contains(.string(Self.text(u))) {
            throw Self.fail(c, "\(Self.text(u)) is not one of \(c.field.enumValues!.joined(separator: ", "))")
        }
    }

    @inline(__always) static func violation(_ body: () throws(FieldViolation) -> Void) -> FieldViolation? {
        do { try body(); return nil } catch { return error }
    }

    static func text(_ u: UnsafeBufferPointer<UInt8>) -> String { String(decoding: u, as: UTF8.self) }

    static func scalarCount(_ u: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for b in u where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    @inline(__always) static func equal(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { a in a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
    }

    @inline(__always)
    static func check(_ value: borrowing Value, _ c: borrowing Check) throws(FieldViolation) {
        // This runs for every field of every row: messages are built only on failure, and
        // the common cases return early, after one switch, without `Value` comparisons.
        switch value {
        case .null:
            if c.required { throw Self.fail(c, "is required but null") }
            return
        case .string(let s):
            // `withUTF8Bytes` rethrows untyped errors: carry the violation out as a value.
            if let violation = s.withUTF8Bytes({ u in violation { () throws(FieldViolation) in try checkString(u, c) } }) {
                throw violation
            }
            return
        case .int(let v):
            guard c.type == .integer else { throw Self.wrongType(value, c) }
            if v < c.minInt { throw Self.fail(c, "\(v) is below minimum \(c.minimum!.text)") }
            if v > c.maxInt { throw Self.fail(c, "\(v) is above maximum \(c.maximum!.text)") }
            if c.enumList == nil && c.enumSet == nil && !c.otherBounds { return }
        case .decimal(let d):
            guard c.type == .decimal else { throw Self.wrongType(value, c) }
            if Int(d.scale) > c.field.scale ?? 0 { throw Self.fail(c, "\(value.text) has \(d.scale) decimals; the schema allows \(c.field.scale ?? 0)") }
        case .bool:
            guard c.type == .boolean else { throw Self.wrongType(value, c) }
        case .date:
            guard c.type == .date else { throw Self.wrongType(value, c) }
        case .timestamp:
            guard c.type == .datetime else { throw Self.wrongType(value, c) }
            if c.minimum == nil && c.maximum == nil && c.enumList == nil && c.enumSet == nil { return }
        case .double(let d):
            guard c.type == .number else { throw Self.wrongType(value, c) }
            if !d.isFinite { throw Self.fail(c, "is \(d); only finite numbers are allowed") }
        }
        if let list = c.enumList, !list.contains(value) {
            throw Self.fail(c, "\(value.text) is not one of \(c.field.enumValues!.joined(separator: ", "))")
        }
        if let set = c.enumSet, !set.contains(value) {
            throw Self.fail(c, "\(value.text) is not one of \(c.field.enumValues!.joined(separator: ", "))")
        }
        if let min = c.minimum, Self.less(value, min) { throw Self.fail(c, "\(value.text) is below minimum \(min.text)") }
        if let max = c.maximum, Self.less(max, value) { throw Self.fail(c, "\(value.text) is above maximum \(max.text)") }
    }

    static func fail(_ c: Check, _ message: String) -> FieldViolation { FieldViolation(field: c.field.name, message: message) }

    static func wrongType(_ value: Value, _ c: Check) -> FieldViolation {
        fail(c, "holds \(value.text) where the schema wants \(c.type.rawValue)")
    }

    /// Orders a value against a bound of a compatible type.
    static func less(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y
        case let (.date(x), .date(y)): return x < y
        case let (.timestamp(x), .timestamp(y)): return x < y
        case let (.decimal(x), .decimal(y)): return x < y
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else { return false }
            return x < y
        }
    }
}

extension Value {
    var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .decimal(let d): return Double(d.units) / Double(FixedDecimal.pow10(d.scale))
        default: return nil
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
