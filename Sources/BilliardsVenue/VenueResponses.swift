public import LakeFormat

/// The upstream API's responses, rendered from the simulator's records: the one place
/// that knows the envelope, so an HTTP server and an archive writer answer alike.
///
/// A windowed list endpoint answers `GET <path>?siteId=S&startTime=…&endTime=…&page=P&pageSize=N`
/// with the records whose version time falls in `[startTime, endTime)`, ordered by
/// (versionTime, sourceKey), one page of them:
///
///     {"code":0,"message":"ok","data":{"total":N,"page":P,"pageSize":S,"settleList":[…]}}
///
/// where the list's key is the last component of the endpoint's list path; an endpoint
/// whose list path is `data` itself answers
///
///     {"code":0,"message":"ok","total":N,"page":P,"pageSize":S,"data":[…]}
///
/// and `settlement_ticket_details` (`siteId` + `orderSettleId`) answers
/// `{"code":0,"message":"ok","data":{ticket}}`. Records are `VenueJSON`'s bytes.
public enum VenueResponses {
    /// The page size a request gets when it names none.
    public static let defaultPageSize = 200
    /// The largest page size served.
    public static let maxPageSize = 1000

    /// How many pages `total` records fill: at least one, so an empty window is one
    /// empty page.
    public static func pageCount(total: Int, pageSize: Int) -> Int {
        precondition(pageSize > 0)
        return max(1, (total + pageSize - 1) / pageSize)
    }

    /// The key of the list inside `data` (`settleList` for `data.settleList`), or nil
    /// when `data` is the list itself (or the ticket).
    public static func listKey(_ endpoint: Endpoint) -> String? {
        guard let path = endpoint.listPath, path != "data" else { return nil }
        return path.split(separator: ".").last.map(String.init)
    }

    /// Page `page` (1-based) of `records` (the whole window, already ordered), as the
    /// response body. A page past the last holds no records.
    public static func listPage(_ endpoint: Endpoint, records: [any VenueRecord], page: Int, pageSize: Int) throws -> [UInt8] {
        precondition(page >= 1 && pageSize >= 1)
        let first = min(records.count, (page - 1) * pageSize)
        let last = min(records.count, first + pageSize)
        return listPage(endpoint, encoded: try records[first..<last].map { try VenueJSON.encode($0) }, total: records.count,
                        page: page, pageSize: pageSize)
    }

    /// The same, from the page's records already encoded (`VenueJSON`): the one place
    /// the envelope is written, for the server and the simulator's archive alike.
    public static func listPage(_ endpoint: Endpoint, encoded: some Collection<[UInt8]>, total: Int, page: Int, pageSize: Int) -> [UInt8] {
        precondition(endpoint.listPath != nil, "\(endpoint.dataset) answers one ticket, not pages")
        var list: [UInt8] = [UInt8(ascii: "[")]
        list.reserveCapacity(encoded.reduce(2) { $0 + $1.count + 1 })
        for (i, record) in encoded.enumerated() {
            if i > 0 { list.append(UInt8(ascii: ",")) }
            list += record
        }
        list.append(UInt8(ascii: "]"))
        let counts = "\"total\":\(total),\"page\":\(page),\"pageSize\":\(pageSize)"
        var out = Array("{\"code\":0,\"message\":\"ok\",".utf8)
        if let key = listKey(endpoint) {
            out += "\"data\":{\(counts),\"\(key)\":".utf8
            out += list
            out += "}}".utf8
        } else {
            out += "\(counts),\"data\":".utf8
            out += list
            out.append(UInt8(ascii: "}"))
        }
        return out
    }

    /// The answer to a ticket request.
    public static func ticket(_ ticket: SettlementTicketRecord) throws -> [UInt8] {
        Array("{\"code\":0,\"message\":\"ok\",\"data\":".utf8) + (try VenueJSON.encode(ticket)) + [UInt8(ascii: "}")]
    }

    /// An error answer (`code` non-zero), e.g. an unknown settlement.
    public static func failure(code: Int, message: String) throws -> [UInt8] {
        struct Failure: Encodable { var code: Int; var message: String }
        let e = VenueJSON.encoder
        return Array(try e.encode(Failure(code: code, message: message)))
    }

    /// The ticket of settlement `orderSettleId` of `store`, looked up on the business
    /// day of its settlement (`createTime`), or nil when there is none.
    public static func findTicket(_ venue: Venue, store: Store, orderSettleId: Int64, settledOn dt: LakeDate) -> SettlementTicketRecord? {
        venue.day(store, dt: dt).records(.settlementTicketDetails)
            .lazy.compactMap { $0 as? SettlementTicketRecord }.first { $0.orderSettleId == orderSettleId }
    }
}
