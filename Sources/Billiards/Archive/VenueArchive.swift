public import BilliardsVenue
public import LakeFormat

/// Writes an archive straight from the simulator: for every business day of a range,
/// every store and endpoint, the pages the upstream would answer for that day's window
/// (`VenueResponses`), and for each settlement made in the window its ticket. Like a
/// pull's first run, the master-data endpoints start with one window of everything
/// changed from `masterSince` up to the first day.
public enum VenueArchive {
    public struct Summary: Sendable, Hashable {
        public var files = 0
        public var records = 0
        public var bytes: Int64 = 0
    }

    /// Writes the archive of business days `from...through` into `folder` (created if
    /// needed; one that already holds an index is refused).
    public static func write(venue: Venue, to folder: String, from: LakeDate, through: LakeDate,
                             pageSize: Int = VenueResponses.defaultPageSize,
                             masterSince: LakeDate = BilliardsPull.defaultMasterSince) throws -> Summary {
        guard (1...VenueResponses.maxPageSize).contains(pageSize) else {
            throw ODSError(.dataError, "page size \(pageSize) is outside 1...\(VenueResponses.maxPageSize)")
        }
        let archive = try ArchiveWriter(folder: folder)
        var summary = Summary()
        func save(_ body: [UInt8], endpoint: Endpoint, store: Store, window: Range<VenueTime>, query: [String: String],
                  page: Int?, name: String) throws {
            archive.add([try archive.save(body, endpoint: endpoint, store: store.id, window: window, query: query, page: page,
                                          status: 200, name: name)])
            summary.files += 1
            summary.bytes += Int64(body.count)
        }
        func savePages(_ endpoint: Endpoint, store: Store, window: Range<VenueTime>) throws {
            let stamp = compact(window.lowerBound)
            let records = venue.records(endpoint, store: store, updatedIn: window)
            summary.records += records.count
            for page in 1...VenueResponses.pageCount(total: records.count, pageSize: pageSize) {
                let query = ["siteId": "\(store.id)", "startTime": window.lowerBound.description,
                             "endTime": window.upperBound.description, "page": "\(page)", "pageSize": "\(pageSize)"]
                try save(try VenueResponses.listPage(endpoint, records: records, page: page, pageSize: pageSize), endpoint: endpoint,
                         store: store, window: window, query: query, page: page, name: "\(stamp)-p\(pad(page))")
            }
        }
        if masterSince < from {
            for store in venue.stores {
                for endpoint in Endpoint.allCases where endpoint.kind == .changing {
                    try savePages(endpoint, store: store, window: VenueTime.opening(of: masterSince)..<VenueTime.opening(of: from))
                }
            }
        }
        var dt = from
        while dt <= through {
            let window = VenueTime.window(of: dt)
            for store in venue.stores {
                for endpoint in Endpoint.allCases where endpoint.listPath != nil {
                    try savePages(endpoint, store: store, window: window)
                }
                // Tickets: one request per settlement made in the window (a settlement's
                // later versions are the same bill, whose ticket was fetched with it).
                let tickets = Dictionary(venue.day(store, dt: dt).tickets.map { ($0.orderSettleId, $0) }) { a, _ in a }
                for settlement in venue.records(SettlementRecord.self, store: store, updatedIn: window)
                where window.contains(settlement.createTime) {
                    guard let ticket = tickets[settlement.id] else { continue }
                    summary.records += 1
                    try save(try VenueResponses.ticket(ticket), endpoint: .settlementTicketDetails, store: store, window: window,
                             query: ["siteId": "\(store.id)", "orderSettleId": "\(settlement.id)"], page: nil, name: "\(settlement.id)")
                }
            }
            dt = dt.adding(days: 1)
        }
        try archive.finish()
        return summary
    }

    static func pad(_ n: Int) -> String { n < 10 ? "000\(n)" : n < 100 ? "00\(n)" : n < 1000 ? "0\(n)" : "\(n)" }

    /// `20260301080000`.
    static func compact(_ t: VenueTime) -> String {
        String(t.description.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
    }
}
