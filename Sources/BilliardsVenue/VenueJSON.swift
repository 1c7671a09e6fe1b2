import FoundationEssentials

/// Encodes records as the upstream's JSON: UTF-8, keys sorted, so the same record is
/// always the same bytes.
public enum VenueJSON {
    public static func encode(_ record: any VenueRecord) throws -> [UInt8] {
        Array(try encoder.encode(record))
    }

    /// A list of records as one JSON array.
    public static func encode(_ records: [any VenueRecord]) throws -> [UInt8] {
        Array(try encoder.encode(records.map(AnyRecord.init)))
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    struct AnyRecord: Encodable {
        let record: any VenueRecord
        func encode(to encoder: any Encoder) throws { try record.encode(to: encoder) }
    }
}

extension VenueJSON {
    /// Reads a record back from its payload.
    public static func decode<R: VenueRecord>(_ type: R.Type, from bytes: [UInt8]) throws -> R {
        try JSONDecoder().decode(R.self, from: Data(bytes))
    }
}
