import Testing
import BilliardsAPI
import BilliardsVenue
import Foundation
import TestSupport

/// The contract of docs/billiards-api.md over real HTTP (URLSession on loopback).
@Suite struct ContractTests {
    @Test("paging through a window gives exactly the simulator's records, in order, each once", arguments: [
        Endpoint.settlementRecords, .paymentTransactions, .memberProfiles, .memberStoredValueCards, .goodsStockSummary, .tenantGoodsMaster,
        .stockGoodsCategoryTree, .siteTablesMaster,
    ])
    func paging(endpoint: Endpoint) async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let pageSize = 37
        let expected = venue.records(endpoint, store: endpoint.scope == .tenant ? venue.stores[0] : store, updatedIn: window)
        var keys: [String] = []
        var page = 1
        while true {
            let reply = try await server.get(endpoint.path, server.windowQuery(page: page, pageSize: pageSize))
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type") == "application/json; charset=utf-8")
            // Byte for byte what VenueJSON makes of the simulator's records.
            #expect(Array(reply.body) == (try expectedPage(endpoint, expected, page: page, pageSize: pageSize)), "page \(page)")
            let records = try #require(pageRecords(reply))
            if records.isEmpty { break }
            keys += records.map { String(describing: $0["id"] ?? $0["siteGoodsId"] ?? "") + "|" + String(describing: $0["reportDate"] ?? "") }
            page += 1
            try #require(page < 1_000)
        }
        #expect(keys.count == expected.count)
        #expect(Set(keys).count == keys.count, "a record came twice")
        #expect(page == (expected.count + pageSize - 1) / pageSize + 1, "the page past the end is empty")
        // The same page twice is the same bytes (stable order), from the cache.
        let a = try await server.get(endpoint.path, server.windowQuery(page: 1, pageSize: pageSize))
        let b = try await server.get(endpoint.path, server.windowQuery(page: 1, pageSize: pageSize))
        #expect(a.body == b.body)
    }

    @Test func defaultsArePageOneOf200() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let reply = try await server.get(Endpoint.paymentTransactions.path, server.windowQuery())
        let json = try #require(reply.json)
        #expect(json["page"] as? Int == 1 && json["pageSize"] as? Int == 200)
        #expect((json["data"] as? [Any])?.count == min(200, json["total"] as? Int ?? -1))
    }

    @Test func everyEndpointAnswers() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        for endpoint in Endpoint.allCases where endpoint != .settlementTicketDetails {
            let reply = try await server.get(endpoint.path, server.windowQuery(pageSize: 1))
            #expect(reply.status == 200, "\(endpoint.path): \(reply.text.prefix(200))")
            #expect(reply.json?["code"] as? Int == 0)
        }
    }

    @Test func tenantEndpointsIgnoreSiteId() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let path = Endpoint.tenantGoodsMaster.path
        let with = try await server.get(path, server.windowQuery())
        var query = server.windowQuery()
        query["siteId"] = nil
        let without = try await server.get(path, query)
        query["siteId"] = "42"
        let unknown = try await server.get(path, query)
        #expect(with.status == 200 && without.status == 200 && unknown.status == 200)
        #expect(with.body == without.body && with.body == unknown.body)
    }

    @Test func missingOrWrongTokenIs401() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let path = Endpoint.settlementRecords.path
        for t in [nil, "wrong", token + "x", String(token.dropLast())] as [String?] {
            let reply = try await server.get(path, server.windowQuery(), token: t)
            #expect(reply.status == 401)
            #expect(reply.json?["code"] as? Int == 401)
            #expect(reply.json?["data"] is NSNull)
            #expect(!reply.text.contains(token), "the token is never echoed")
        }
    }

    @Test("bad parameters are 400 with the envelope", arguments: [
        ("siteId", nil), ("siteId", "123"), ("siteId", "abc"), ("startTime", nil), ("endTime", nil), ("startTime", "2026-03-01"),
        ("startTime", "2026-03-01T08:00:00"), ("endTime", "2026-02-28 08:00:00"), ("endTime", "2026-03-01 08:00:00"),
        ("endTime", "2026-04-01 08:00:01"), ("page", "0"), ("page", "x"), ("pageSize", "0"), ("pageSize", "1001"), ("pageSize", "-5"),
    ] as [(String, String?)])
    func badParameters(name: String, value: String?) async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        var query = server.windowQuery()
        query[name] = value
        let reply = try await server.get(Endpoint.settlementRecords.path, query)
        #expect(reply.status == 400)
        let json = try #require(reply.json)
        #expect(json["code"] as? Int == 400)
        #expect(json["data"] is NSNull)
        let message = try #require(json["message"] as? String)
        #expect(!message.isEmpty && !message.contains("\n"))
    }

    /// An event window may be 31 days, not a second more; a master-data window any length.
    @Test func thirtyOneDaysIsTheLongestEventWindow() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let whole = try await server.get(Endpoint.paymentTransactions.path, server.windowQuery(from: "2026-03-01 08:00:00", to: "2026-04-01 08:00:00"))
        #expect(whole.status == 200)
        let longer = try await server.get(Endpoint.paymentTransactions.path, server.windowQuery(from: "2026-03-01 08:00:00", to: "2026-04-01 08:00:01"))
        #expect(longer.status == 400 && (longer.json?["message"] as? String)?.contains("longer than 31 days") == true)
        let master = try await server.get(Endpoint.siteTablesMaster.path, server.windowQuery(from: "2000-01-01 08:00:00", to: "2026-04-01 08:00:00"))
        #expect(master.status == 200)
    }

    @Test func unknownPathIs404() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let reply = try await server.get("/Site/NoSuchList", server.windowQuery())
        #expect(reply.status == 404)
        #expect(reply.json?["code"] as? Int == 404)
    }

    @Test func ticketIsTheWholeResponse() async throws {
        let server = try await RunningServer()
        defer { server.stop() }
        let settlement = try #require(venue.records(SettlementRecord.self, store: store, updatedIn: window).first)
        let ticket = try #require(venue.day(store, dt: settlement.businessDate).tickets.first { $0.orderSettleId == settlement.id })
        let path = Endpoint.settlementTicketDetails.path
        let reply = try await server.get(path, ["siteId": String(store.id), "orderSettleId": String(settlement.id)])
        #expect(reply.status == 200)
        #expect(Array(reply.body) == Array("{\"code\":0,\"message\":\"ok\",\"data\":".utf8) + (try VenueJSON.encode(ticket)) + Array("}".utf8))
        let unknown = try await server.get(path, ["siteId": String(store.id), "orderSettleId": String(settlement.id + 9_000_000)])
        #expect(unknown.status == 404 && unknown.json?["code"] as? Int == 404)
        let otherStore = try await server.get(path, ["siteId": String(venue.stores[1].id), "orderSettleId": String(settlement.id)])
        #expect(otherStore.status == 404)
        let missing = try await server.get(path, ["siteId": String(store.id)])
        #expect(missing.status == 400)
    }

    @Test("nothing made after the server's clock is served")
    func clockCutsTheWindow() async throws {
        let now = VenueTime("2026-03-02 20:00:00")!
        let server = try await RunningServer(clock: .fixed(now))
        defer { server.stop() }
        let endpoint = Endpoint.paymentTransactions
        let expected = venue.records(endpoint, store: store, updatedIn: window.lowerBound..<now.adding(seconds: 1))
        #expect(!expected.isEmpty && expected.count < venue.records(endpoint, store: store, updatedIn: window).count)
        let reply = try await server.get(endpoint.path, server.windowQuery(pageSize: 1000))
        #expect(Array(reply.body) == (try expectedPage(endpoint, expected, page: 1, pageSize: 1000)))
    }

    /// In process, through `VenueAPI.respond`, where the cache's counters can be read.
    static func ask(_ api: VenueAPI, from: String = windowStart, to: String = windowEnd, page: Int = 1) -> Int {
        let query = "siteId=\(store.id)&startTime=\(from.replacingOccurrences(of: " ", with: "+"))&endTime=\(to.replacingOccurrences(of: " ", with: "%20"))&page=\(page)&pageSize=20"
        return api.respond(method: "GET", path: Endpoint.paymentTransactions.path, query: query, authorization: "Bearer \(token)").status
    }

    @Test func pagesOfAWindowComeFromTheCache() {
        let api = VenueAPI(venue: venue, settings: APISettings(token: token, clock: fixedNow))
        for page in 1...4 { #expect(Self.ask(api, page: page) == 200) }
        let stats = api.cacheStatistics
        #expect(stats.misses == 1 && stats.hits == 3 && stats.windows == 1)
    }

    @Test func theWindowCacheHasABound() {
        // 1 byte: every new window pushes out the one before.
        let api = VenueAPI(venue: venue, settings: APISettings(token: token, clock: fixedNow, cacheBytes: 1))
        for day in 1...3 {
            #expect(Self.ask(api, from: "2026-03-0\(day) 08:00:00", to: "2026-03-0\(day + 1) 08:00:00") == 200)
        }
        let stats = api.cacheStatistics
        #expect(stats.windows == 1 && stats.misses == 3)
    }
}

/// docs/billiards-api.md lists every endpoint with its path, scope, window field and list.
@Suite struct DocsTests {
    @Test func everyEndpointIsDocumented() throws {
        let text = try String(contentsOfFile: repositoryRoot + "/docs/billiards-api.md", encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| ") }
        for endpoint in Endpoint.allCases {
            let row = try #require(rows.first { $0.hasPrefix("| \(endpoint.dataset) | `\(endpoint.path)` |") }, "\(endpoint.dataset)")
            #expect(row.contains("| \(endpoint.scope == .tenant ? "tenant" : "store") |"))
            let sample = venue.records(endpoint, store: store, updatedIn: VenueTime("2026-01-01 08:00:00")!..<VenueTime("2026-01-08 08:00:00")!).first
            if let sample {
                let json = try JSONSerialization.jsonObject(with: Data(try VenueJSON.encode(sample))) as! [String: Any]
                let field = json["updateTime"] as? String == sample.versionTime.description && json["updateTime"] != nil ? "updateTime" : "createTime"
                #expect(row.contains("| `\(field)` |"), "\(endpoint.dataset): \(row)")
            }
            switch endpoint.listPath {
            case nil: #expect(row.contains("is the ticket"))
            case "data": #expect(row.contains("| `data` (total"))
            case let path?: #expect(row.contains("| `\(path)` |"))
            }
        }
    }
}
