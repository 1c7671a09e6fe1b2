public import BilliardsVenue
public import LakeFormat
public import TableSchema

/// One upstream record on its way into the ODS: its payload bytes exactly as received,
/// and what the ODS reads from them (key, version time, partition day).
public struct ODSRecord: Sendable, Hashable {
    public var storeID: Int64
    public var sourceKey: String
    public var versionTime: VenueTime
    /// The time `ODSFields.date` names (`createTime` of a settlement), and its
    /// business day (08:00-08:00, Asia/Shanghai): the partition.
    public var dateTime: VenueTime
    public var dt: LakeDate
    /// The record's JSON object, byte for byte.
    public var payload: [UInt8]

    /// Reads a record's payload. `where` names it in an error (`settlement_records
    /// store 1001… page 2 record 17`).
    public init(_ endpoint: Endpoint, storeID: Int64, payload: [UInt8], where place: @autoclosure () -> String) throws(ODSError) {
        let value: JSONValue
        do { value = try CanonicalJSON.parse(payload) } catch {
            throw ODSError(.dataError, "\(place()): the record is not JSON: \(error)")
        }
        try self.init(endpoint, storeID: storeID, payload: payload, value: value, where: place())
    }

    /// The same, with the payload already parsed (`value` must be `payload`'s value).
    public init(_ endpoint: Endpoint, storeID: Int64, payload: [UInt8], value: JSONValue,
                where place: @autoclosure () -> String) throws(ODSError) {
        guard case .object(let members) = value else {
            throw ODSError(.dataError, "\(place()): a record must be a JSON object")
        }
        func member(_ name: String) -> JSONValue? { members.first { $0.key == name }?.value }
        let fields = ODSFields(endpoint)
        var parts: [String] = []
        for name in fields.key {
            switch member(name) {
            case .number(let d)?:
                guard let i = Int64(exactly: d) else {
                    throw ODSError(.dataError, "\(place()): key field \(name) is \(d), not a whole number")
                }
                parts.append(String(i))
            case .string(let s)? where !s.isEmpty: parts.append(s)
            default: throw ODSError(.dataError, "\(place()): the record lacks its key field \(name)")
            }
        }
        func time(_ name: String) throws(ODSError) -> VenueTime {
            guard case .string(let s)? = member(name), let t = VenueTime(s) else {
                throw ODSError(.dataError, "\(place()): the record lacks \(name) as \"YYYY-MM-DD HH:MM:SS\"")
            }
            return t
        }
        self.storeID = storeID
        sourceKey = parts.joined(separator: "|")
        versionTime = try time(fields.version)
        dateTime = try time(fields.date)
        dt = dateTime.businessDate
        self.payload = payload
    }

    /// True when `self` should replace `other` (same store and key): a later version,
    /// or at the same version time the greater bytes, so any order of arrival gives
    /// the same winner.
    public func supersedes(versionTime other: VenueTime, payload otherPayload: [UInt8]) -> Bool {
        if versionTime != other { return versionTime > other }
        return otherPayload.lexicographicallyPrecedes(payload)
    }

    /// The ODS row: store_id, source_key, payload, source_endpoint, version_time.
    public func row(_ endpoint: Endpoint) -> [Value] {
        [.int(storeID), .string(sourceKey), .string(String(decoding: payload, as: UTF8.self)), .string(endpoint.path),
         .timestamp(versionTime.timestamp)]
    }
}

/// One response body taken apart: the records with their exact bytes, and the page
/// counts of a list endpoint.
public struct ResponsePage: Sendable {
    /// `total`, `page` and `pageSize` of a list endpoint; nil for a ticket.
    public var total: Int?
    public var page: Int?
    public var pageSize: Int?
    /// Each record's bytes and parsed value, in response order.
    public var records: [(payload: [UInt8], value: JSONValue)]

    /// Reads a response of `endpoint` (the envelope of docs/billiards-ods.md). Anything
    /// else (not JSON, `code` not 0, no list where the endpoint's list path says, counts
    /// that are not whole numbers) is refused (65) naming `where`.
    public init(_ body: [UInt8], endpoint: Endpoint, where place: @autoclosure () -> String) throws(ODSError) {
        let listPath = endpoint.listPath.map { $0.split(separator: ".").map(String.init) } ?? ["data"]
        let parsed: (value: JSONValue, range: Range<Int>?, elements: [Range<Int>]?)
        do { parsed = try CanonicalJSON.parse(body, locating: listPath) } catch {
            throw ODSError(.dataError, "\(place()): the response is not JSON: \(error)")
        }
        guard case .object(let top) = parsed.value else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (a JSON object with code, message and data)")
        }
        func member(_ members: [JSONMember], _ name: String) -> JSONValue? { members.first { $0.key == name }?.value }
        guard case .number(let code)? = member(top, "code") else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (no numeric code)")
        }
        guard code == 0 else {
            var message = ""
            if case .string(let m)? = member(top, "message") { message = ": \(m)" }
            throw ODSError(.dataError, "\(place()): the API answered code \(CanonicalJSON.numberText(code))\(message)")
        }
        guard let range = parsed.range else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (no \(listPath.joined(separator: ".")))")
        }
        if endpoint.listPath == nil {
            guard case .object? = member(top, "data") else {
                throw ODSError(.dataError, "\(place()): the response is not the API's envelope (data is not a ticket object)")
            }
            records = [(Array(body[range]), member(top, "data")!)]
            return
        }
        guard let elements = parsed.elements,
              case .array(let items) = listPath.count == 1 ? member(top, "data") : Self.data(top, listPath) else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (\(listPath.joined(separator: ".")) is not a list)")
        }
        let counts: [JSONMember]
        if listPath.count == 1 {
            counts = top
        } else if case .object(let data)? = member(top, "data") {
            counts = data
        } else {
            counts = []
        }
        func count(_ name: String) throws(ODSError) -> Int {
            guard case .number(let d)? = member(counts, name), let i = Int(exactly: d), i >= 0 else {
                throw ODSError(.dataError, "\(place()): the response is not the API's envelope (no whole-number \(name))")
            }
            return i
        }
        total = try count("total")
        page = try count("page")
        pageSize = try count("pageSize")
        records = zip(elements, items).map { (Array(body[$0]), $1) }
    }

    static func data(_ top: [JSONMember], _ path: [String]) -> JSONValue? {
        var current: JSONValue = .object(top)
        for key in path {
            guard case .object(let members) = current, let next = members.first(where: { $0.key == key })?.value else { return nil }
            current = next
        }
        return current
    }
}
