/// Reads CSV records as written by `CSVEncoder`, and RFC 4180 CSV in general.
///
/// A field is `nil` when it was empty and unquoted (NULL) and `""` when it was
/// quoted and empty. CRLF line ends are accepted. Records may span lines inside
/// quotes; `line` tracks the physical line for error messages.
public final class CSVReader {
    let input: BufferedBytes
    // Exclusivity is checked by hand (see BufferedBytes): a reader is one thread's.
    /// The physical line (1-based) where the last record returned began.
    @exclusivity(unchecked) public private(set) var line = 0
    @exclusivity(unchecked) var nextLine = 1
    @exclusivity(unchecked) var field: [UInt8] = []
    /// The longest field accepted, so a hostile file cannot grow one field without end.
    let maxFieldBytes: Int

    public init(source: any ByteSource, maxFieldBytes: Int = 16 << 20) {
        input = BufferedBytes(source)
        self.maxFieldBytes = maxFieldBytes
        field.reserveCapacity(256)
    }

    /// The next record, or nil at the end of input.
    /// Text that is not valid UTF-8 is refused with its field and byte offset, never
    /// repaired: a replaced byte would change the data without a word.
    public func next() throws -> [String?]? {
        var record: [String?] = []
        var invalid: (field: Int, offset: Int)?
        let found = try parse { bytes, quoted in
            if bytes.isEmpty && !quoted { record.append(nil); return }
            if let text = String(validating: bytes, as: UTF8.self) {
                record.append(text)
            } else {
                if invalid == nil { invalid = (record.count + 1, Self.firstInvalidUTF8(bytes)) }
                record.append("")
            }
        }
        if let invalid {
            throw FormatError(.csv, "field \(invalid.field) on line \(line) is not valid UTF-8 (byte \(invalid.offset + 1) of the field); save the file as UTF-8")
        }
        return found ? record : nil
    }

    /// The offset of the first byte that does not start a valid UTF-8 sequence.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput, .error: return offset
            }
        }
    }

    /// Counts the remaining records without building strings.
    public func countRecords() throws -> Int {
        var n = 0
        while try parse({ _, _ in }) { n += 1 }
        return n
    }

    func tooLong() -> FormatError {
        FormatError(.csv, "a field longer than \(maxFieldBytes >> 20) MiB on line \(line); is this really CSV?")
    }

    /// The next record's fields, each handed to `body` with its index and bytes (a quoted
    /// field unescaped; the array is reused, so keep a copy if it must outlive the call),
    /// making no String and no array per field: for a few columns of many rows. False at
    /// the end of input. Unlike `next`, UTF-8 is not checked.
    public func nextFields(_ body: (_ index: Int, _ bytes: [UInt8], _ quoted: Bool) -> Void) throws -> Bool {
        var i = 0
        return try parse { bytes, quoted in
            body(i, bytes, quoted)
            i += 1
        }
    }

    /// Parses one record, handing each field to `emit`; false at the end of input.
    func parse(_ emit: ([UInt8], Bool) -> Void) throws -> Bool {
        guard try input.peek() != nil else { return false }
        line = nextLine
        while true {
            field.removeAll(keepingCapacity: true)
            var quoted = false
            var b = try input.next()
            if b == 0x22 {
                quoted = true
                let openedAt = nextLine
                while true {
                    guard let c = try input.next() else {
                        throw FormatError(.csv, "unterminated quoted field opened on line \(openedAt)")
                    }
                    if c == 0x22 {
                        if try input.peek() == 0x22 {
                            _ = try input.next()
                            field.append(0x22)
                        } else {
                            break
                        }
                    } else {
                        if c == 0x0A { nextLine += 1 }
                        field.append(c)
                        if field.count > maxFieldBytes { throw tooLong() }
                    }
                }
                b = try input.next()
                if let c = b, c != 0x2C, c != 0x0A, c != 0x0D {
                    throw FormatError(.csv, "unexpected character after a closing quote on line \(nextLine)")
                }
            } else {
                while let c = b, c != 0x2C, c != 0x0A, c != 0x0D {
                    if c == 0x22 {
                        throw FormatError(.csv, "a quote inside an unquoted field on line \(nextLine); quote the whole field")
                    }
                    field.append(c)
                    if field.count > maxFieldBytes { throw tooLong() }
                    b = try input.next()
                }
            }
            emit(field, quoted)
            switch b {
            case 0x2C: continue
            case 0x0D:
                guard try input.next() == 0x0A else {
                    throw FormatError(.csv, "a bare carriage return on line \(nextLine); end lines with LF or CRLF")
                }
                nextLine += 1
                return true
            case 0x0A:
                nextLine += 1
                return true
            default:
                return true  // end of input after the last field
            }
        }
    }
}
