public import BilliardsVenue
public import LakeFormat
public import TableSchema

/// One upstream record on its way into the ODS: its payload bytes exactly as received,
/// and what the ODS reads from them (key, version time, partition day).
public struct ODSRecord: Sendable, Hashable {
    public var storeID: Int64
    /// The record's key (its key fields' values, joined by `|` when there are several).
    public var key: SourceKey
    public var sourceKey: String { key.description }
    public var versionTime: VenueTime
    /// The time `ODSFields.date` names (`createTime` of a settlement), and its
    /// business day (08:00-08:00, Asia/Shanghai): the partition.
    public var dateTime: VenueTime
    public var dt: LakeDate
    /// The record's JSON object, byte for byte: a slice of the response it came in,
    /// which it shares rather than copies.
    public var payload: ArraySlice<UInt8>

    /// Reads a record's payload. `where` names it in an error (`settlement_records
    /// store 1001… page 2 record 17`).
    public init(_ endpoint: Endpoint, storeID: Int64, payload: [UInt8], where place: @autoclosure () -> String) throws(ODSError) {
        guard let tape = JSONTape(payload) else {
            throw ODSError(.dataError, "\(place()): the record is not JSON: \(ResponsePage.jsonError(payload))")
        }
        try self.init(endpoint, fields: ODSFields(endpoint), storeID: storeID, tape: tape, at: JSONTape.root, where: place())
    }

    /// The record at node `record` of `tape` (a response's list element); its payload
    /// is that element's bytes.
    init(_ endpoint: Endpoint, fields: ODSFields, storeID: Int64, tape: JSONTape, at record: Int,
         where place: @autoclosure () -> String) throws(ODSError) {
        guard tape.kind(record) == .object else {
            throw ODSError(.dataError, "\(place()): a record must be a JSON object")
        }
        func part(_ name: String) throws(ODSError) -> SourceKey {
            let node = tape.member(record, named: name)
            if let node, tape.kind(node) == .number {
                guard let i = tape.int64(node) else {
                    throw ODSError(.dataError, "\(place()): key field \(name) is \(tape.numberText(node)!), not a whole number")
                }
                return SourceKey(i)
            } else if let node, let key = tape.withStringBytes(node, { $0.isEmpty ? nil : SourceKey($0) }), let key {
                return key
            }
            throw ODSError(.dataError, "\(place()): the record lacks its key field \(name)")
        }
        func time(_ name: String) throws(ODSError) -> VenueTime {
            guard let node = tape.member(record, named: name), let t = tape.withStringBytes(node, VenueTime.init(utf8:)) ?? nil else {
                throw ODSError(.dataError, "\(place()): the record lacks \(name) as \"YYYY-MM-DD HH:MM:SS\"")
            }
            return t
        }
        self.storeID = storeID
        if fields.key.count == 1 {
            key = try part(fields.key[0])
        } else {
            var joined: [UInt8] = []
            for name in fields.key {
                if !joined.isEmpty { joined.append(UInt8(ascii: "|")) }
                try part(name).withUTF8 { joined.append(contentsOf: $0) }
            }
            key = joined.withUnsafeBytes { SourceKey($0) }
        }
        versionTime = try time(fields.version)
        dateTime = try time(fields.date)
        dt = dateTime.businessDate
        payload = tape.bytes[tape.range(record)]
    }

    /// True when `self` should replace `other` (same store and key): a later version,
    /// or at the same version time the greater bytes, so any order of arrival gives
    /// the same winner.
    public func supersedes(versionTime other: VenueTime, payload otherPayload: ArraySlice<UInt8>) -> Bool {
        if versionTime != other { return versionTime > other }
        return otherPayload.lexicographicallyPrecedes(payload)
    }

    /// Each (day, store, key)'s latest record among `records` (by `supersedes`), in the
    /// order each first appears: a window's records as `ODSWriter.land` takes them. A
    /// record whose versions fall on two days keeps one in each day's partition, as the
    /// writer's per-partition batch does. Run where the window was read, so the writer's
    /// one thread only appends.
    public static func latest(_ records: [ODSRecord]) -> [ODSRecord] {
        if records.count < 2 { return records }
        struct Key: Hashable { var dt: LakeDate; var store: Int64; var key: SourceKey }
        // Mostly every key is there once: then the records are returned as they are,
        // not copied one by one.
        var seen = Set<Key>(minimumCapacity: records.count)
        guard !records.allSatisfy({ seen.insert(Key(dt: $0.dt, store: $0.storeID, key: $0.key)).inserted }) else { return records }
        var index: [Key: Int] = [:]
        index.reserveCapacity(records.count)
        var out: [ODSRecord] = []
        out.reserveCapacity(records.count)
        for r in records {
            let k = Key(dt: r.dt, store: r.storeID, key: r.key)
            if let i = index[k] {
                if r.supersedes(versionTime: out[i].versionTime, payload: out[i].payload) { out[i] = r }
            } else {
                index[k] = out.count
                out.append(r)
            }
        }
        return out
    }
}

/// One response body taken apart: its records, each with its exact bytes, and the
/// page counts of a list endpoint.
public struct ResponsePage: Sendable {
    /// `total`, `page` and `pageSize` of a list endpoint; nil for a ticket.
    public var total: Int?
    public var page: Int?
    public var pageSize: Int?
    /// The response, scanned once, and its records' nodes, in response order.
    let tape: JSONTape
    let elements: [Int]
    let endpoint: Endpoint
    let storeID: Int64
    /// Where the response came from, for an error: built only when one is thrown.
    let place: @Sendable () -> String

    /// Reads a response of `endpoint` for store `storeID` (the envelope of
    /// docs/billiards-ods.md). Anything else (not JSON, `code` not 0, no list where the
    /// endpoint's list path says, counts that are not whole numbers) is refused (65)
    /// naming `where`: a response the pull may ask for again. Its records are read by
    /// `records()`.
    public init(_ body: [UInt8], endpoint: Endpoint, storeID: Int64, where place: @autoclosure @escaping @Sendable () -> String) throws(ODSError) {
        self.endpoint = endpoint
        self.storeID = storeID
        self.place = place
        guard let tape = JSONTape(body) else {
            throw ODSError(.dataError, "\(place()): the response is not JSON: \(Self.jsonError(body))")
        }
        let top = JSONTape.root
        guard tape.kind(top) == .object else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (a JSON object with code, message and data)")
        }
        guard let code = tape.member(top, "code"), tape.kind(code) == .number else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (no numeric code)")
        }
        guard tape.double(code) == 0 else {
            let message = tape.member(top, "message").flatMap(tape.string).map { ": \($0)" } ?? ""
            throw ODSError(.dataError, "\(place()): the API answered code \(CanonicalJSON.numberText(tape.double(code)!))\(message)")
        }
        let path = endpoint.listPath?.split(separator: ".").map(String.init) ?? ["data"]
        var node: Int? = top
        var parent = top
        for key in path {
            if let n = node { parent = n }
            node = node.flatMap { tape.member($0, named: key) }
        }
        guard let list = node else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (no \(path.joined(separator: ".")))")
        }
        if endpoint.listPath == nil {
            guard tape.kind(list) == .object else {
                throw ODSError(.dataError, "\(place()): the response is not the API's envelope (data is not a ticket object)")
            }
            self.tape = tape
            elements = [list]
            return
        }
        guard tape.kind(list) == .array else {
            throw ODSError(.dataError, "\(place()): the response is not the API's envelope (\(path.joined(separator: ".")) is not a list)")
        }
        // The counts sit beside the list: at the top for a list that is `data` itself.
        let counts = path.count == 1 ? top : parent
        func count(_ name: String) throws(ODSError) -> Int {
            guard let n = tape.member(counts, named: name), let i = tape.int64(n), i >= 0, let value = Int(exactly: i) else {
                throw ODSError(.dataError, "\(place()): the response is not the API's envelope (no whole-number \(name))")
            }
            return value
        }
        total = try count("total")
        page = try count("page")
        pageSize = try count("pageSize")
        self.tape = tape
        elements = tape.elements(list)
    }

    /// The page's records, each with its exact bytes. A record without its key or times
    /// is refused (65) naming it (`… page 2 record 17`): the upstream's data, which asking
    /// again would not change.
    public func records() throws(ODSError) -> [ODSRecord] {
        let fields = ODSFields(endpoint)
        if endpoint.listPath == nil {
            return [try ODSRecord(endpoint, fields: fields, storeID: storeID, tape: tape, at: elements[0], where: place())]
        }
        var records: [ODSRecord] = []
        records.reserveCapacity(elements.count)
        // The error's place, taken out of the page once: an autoclosure that called
        // `self.place` would copy the whole page (each of its arrays retained) per record.
        let place = self.place
        for (i, element) in elements.enumerated() {
            records.append(try ODSRecord(endpoint, fields: fields, storeID: storeID, tape: tape, at: element,
                                         where: "\(place()) record \(i + 1)"))
        }
        return records
    }

    /// Why `bytes` are not I-JSON, as `CanonicalJSON` says it (byte offset and reason).
    static func jsonError(_ bytes: [UInt8]) -> String {
        do {
            _ = try CanonicalJSON.parse(bytes)
            return "refused by the scanner"  // never: the two agree (JSONTapeTests)
        } catch {
            return error.description
        }
    }
}
