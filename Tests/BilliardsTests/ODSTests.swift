import Testing
import Foundation
import Billiards
import BilliardsVenue
import GeneratorKit
import LakeCatalog
import LakeFormat
import TableSchema
import TestSupport

/// The simulator's truth for `days` of `venue`: for every (dataset, dt), the rows the
/// ODS must hold, keyed by (store, source key): the latest version of every record
/// whose partition day is dt, with its payload as `VenueJSON` writes it.
func truth(_ venue: Venue, days: ClosedRange<LakeDate>) throws -> [PartitionKey: [String: (version: VenueTime, payload: [UInt8])]] {
    var out: [PartitionKey: [String: (version: VenueTime, payload: [UInt8])]] = [:]
    for store in venue.stores {
        var dt = days.lowerBound
        while dt <= days.upperBound {
            let day = venue.day(store, dt: dt)
            for endpoint in Endpoint.allCases {
                for record in day.records(endpoint) {
                    let payload = try VenueJSON.encode(record)
                    let ods = try ODSRecord(endpoint, storeID: store.id, payload: payload, where: "truth")
                    // The reader of the payload agrees with the simulator's own key and version.
                    #expect(ods.sourceKey == record.sourceKey)
                    #expect(ods.versionTime == record.versionTime)
                    if let s = record as? SettlementRecord { #expect(ods.dt == s.createTime.businessDate) }
                    else if endpoint.kind == .changing || endpoint.kind == .event { #expect(ods.dt == record.businessDate) }
                    let key = PartitionKey(BilliardsODS.dataset(endpoint), ods.dt)
                    let row = "\(store.id)|\(record.sourceKey)"
                    if let seen = out[key]?[row], seen.version > record.versionTime { continue }
                    out[key, default: [:]][row] = (record.versionTime, payload)
                }
            }
            dt = dt.adding(days: 1)
        }
    }
    return out
}

/// Every file of the lake but the catalogue, with its bytes' SHA-256.
func lakeFiles(_ root: String) throws -> [String: String] {
    var out: [String: String] = [:]
    let e = FileManager.default.enumerator(atPath: root)!
    while let path = e.nextObject() as? String {
        guard !path.hasPrefix("_catalog") && !path.hasPrefix("_lock"), !FileIO.isDirectory(root + "/" + path) else { continue }
        out[path] = try SHA256.hash([UInt8](FileManager.default.contents(atPath: root + "/" + path)!))
    }
    return out
}

/// The ODS partitions of a lake, row by row.
func odsRows(_ lake: Lake) throws -> [PartitionKey: [[Value]]] {
    let schemas = try BilliardsODS.schemasByEndpoint()
    var out: [PartitionKey: [[Value]]] = [:]
    for p in try lake.catalog.partitions() where p.dataset.schema == BilliardsODS.name {
        let endpoint = Endpoint(rawValue: p.dataset.table)!
        out[p.key] = try ODSWriter.rows(of: p.key, in: lake, schema: schemas[endpoint]!)
    }
    return out
}

func smallVenue(stores: Int = 2) throws -> Venue {
    var config = VenueConfig()
    config.storeCount = stores
    return try Venue(config: config, seed: 7)
}

let opened = LakeDate(year: 2026, month: 1, day: 1)

@Suite("billiards ODS", .serialized)
struct ODSTests {
    @Test("the compiled-in ODS schemas are exactly the files of the schemas folder, one per endpoint")
    func builtInSchemasMatchTheFolder() throws {
        let folder = try SchemaRegistry(directory: repositoryRoot + "/Sources/Billiards/Schemas").schemas
        let builtIn = try BilliardsODS.tableSchemas()
        #expect(builtIn.map(\.dataset).sorted() == folder.keys.sorted())
        for schema in builtIn {
            #expect(schema.hash == folder[schema.dataset]?.hash, "\(schema.dataset)")
            #expect(schema.fields.map(\.name) == BilliardsODS.columns)
            #expect(schema.primaryKey == ["store_id", "source_key"])
        }
        #expect(Set(builtIn.map(\.dataset)) == Set(Endpoint.allCases.map(BilliardsODS.dataset)))
        let package = try String(contentsOfFile: repositoryRoot + "/Package.swift", encoding: .utf8)
        for e in Endpoint.allCases { #expect(package.contains("\"\(e.dataset)\""), "Package.swift lists \(e.dataset)") }
    }

    @Test("the simulator's archive, replayed, gives partitions equal to the simulator's truth; a second replay commits nothing")
    func replayMatchesTruth() throws {
        let dir = TemporaryDirectory("ods-truth")
        defer { dir.remove() }
        let venue = try smallVenue()
        let days = opened...opened.adding(days: 2)
        let archived = try VenueArchive.write(venue: venue, to: dir.path + "/archive", from: days.lowerBound, through: days.upperBound, pageSize: 40)
        #expect(archived.files > 23 * 2 * 3)
        let lake = try WritableLake(root: dir.path + "/lake", create: true)
        let first = try ArchiveReplay.run(dir.path + "/archive", into: lake)
        #expect(first.written > 0 && first.unchanged == 0)

        let expected = try truth(venue, days: days)
        let actual = try odsRows(lake)
        #expect(Set(actual.keys) == Set(expected.keys))
        var compared = 0
        for (key, want) in expected {
            let rows = actual[key] ?? []
            #expect(rows.count == want.count, "\(key): \(rows.count) rows, the simulator made \(want.count) records")
            var seen = Set<String>()
            for row in rows {
                guard case .int(let store) = row[0], case .string(let sk) = row[1], case .string(let payload) = row[2],
                      case .string(let path) = row[3], case .timestamp(let t) = row[4] else { Issue.record("\(key): a bad row"); continue }
                let id = "\(store)|\(sk)"
                #expect(seen.insert(id).inserted, "\(key): \(id) twice")
                guard let w = want[id] else { Issue.record("\(key): \(id) is not the simulator's"); continue }
                #expect(Array(payload.utf8) == w.payload, "\(key) \(id)")
                #expect(t == w.version.timestamp && t.offsetMinutes == 480)
                #expect(path == Endpoint(rawValue: key.dataset.table)!.path)
                compared += 1
            }
            // Ordered by (store_id, source_key).
            let order = rows.map { row -> String in if case .int(let s) = row[0], case .string(let k) = row[1] { "\(s)|\(k)" } else { "" } }
            #expect(order == order.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
        #expect(compared > 1000)
        // Cursors: every endpoint and store is at the last day.
        for store in venue.stores {
            for e in Endpoint.allCases { #expect(try lake.catalog.cursor(BilliardsODS.cursorName(e, store: store.id)) == days.upperBound) }
        }

        let before = try lakeFiles(lake.root)
        let partitionsBefore = try lake.catalog.partitions()
        let second = try ArchiveReplay.run(dir.path + "/archive", into: lake)
        #expect(second.written == 0 && second.rows == 0 && second.unchanged == first.written)
        #expect(try lakeFiles(lake.root) == before)
        #expect(try lake.catalog.partitions() == partitionsBefore)
        #expect(try lake.verify().ok)
    }

    @Test("a record changed in a later window rewrites exactly its partition, and an older archive does not undo it")
    func changedRecordRewritesItsPartition() throws {
        let dir = TemporaryDirectory("ods-change")
        defer { dir.remove() }
        let venue = try smallVenue(stores: 1)
        let store = venue.stores[0]
        let days = opened...opened.adding(days: 2)
        _ = try VenueArchive.write(venue: venue, to: dir.path + "/archive", from: days.lowerBound, through: days.upperBound, pageSize: 50)
        let lake = try WritableLake(root: dir.path + "/lake", create: true)
        _ = try ArchiveReplay.run(dir.path + "/archive", into: lake)
        let before = try lakeFiles(lake.root)

        // A settlement of the second day, refunded in the fourth day's window.
        var settlement = venue.day(store, dt: opened.adding(days: 1)).settlements[3]
        let window = VenueTime.window(of: opened.adding(days: 3))
        settlement.updateTime = window.lowerBound.adding(seconds: 3600 * 5)
        settlement.refundAmount = settlement.payAmount
        settlement.settleStatus = 3
        settlement.settleStatusName = "全额退款"
        let payload = try VenueJSON.encode(settlement)
        let writer = try ODSWriter(lake: lake)
        let landing = try writer.land(ODSWindow(endpoint: .settlementRecords, storeID: store.id, start: window.lowerBound, end: window.upperBound),
                                      records: [try ODSRecord(.settlementRecords, storeID: store.id, payload: payload, where: "test")])
        #expect(landing.written == 1 && landing.unchanged == 0)
        // The fourth day's window follows the cursor (the third day), so the cursor moves to it.
        #expect(landing.cursor == opened.adding(days: 3))
        let after = try lakeFiles(lake.root)
        let changed = Set(after.keys).union(before.keys).filter { after[$0] != before[$0] }
        #expect(changed == [
            "billiards_ods/settlement_records/csv/dt=\(opened.adding(days: 1))/part-00000.csv.zst",
            "billiards_ods/settlement_records/ndjson/dt=\(opened.adding(days: 1))/part-00000.ndjson.zst",
        ], "\(changed.sorted())")
        let key = PartitionKey(BilliardsODS.dataset(.settlementRecords), opened.adding(days: 1))
        let rows = try ODSWriter.rows(of: key, in: lake, schema: try BilliardsODS.schemasByEndpoint()[.settlementRecords]!)
        #expect(rows.contains { $0[1] == .string(String(settlement.id)) && $0[2] == .string(String(decoding: payload, as: UTF8.self)) })

        // A window after a gap lands its records but leaves the cursor where it was.
        let later = VenueTime.window(of: opened.adding(days: 6))
        let gap = try writer.land(ODSWindow(endpoint: .settlementRecords, storeID: store.id, start: later.lowerBound, end: later.upperBound), records: [])
        #expect(gap.cursor == opened.adding(days: 3) && gap.written == 0)

        // Replaying the older archive leaves the newer version in place, and every file as it is.
        let again = try ArchiveReplay.run(dir.path + "/archive", into: lake)
        #expect(again.written == 0)
        #expect(try lakeFiles(lake.root) == after)
        #expect(try lake.catalog.cursor(BilliardsODS.cursorName(.settlementRecords, store: store.id)) == opened.adding(days: 3))
        #expect(try lake.verify().ok)
    }

    @Test("a batched writer commits each batch while the next fills; a batch that cannot be written stops it, and no later cursor moves")
    func pipelinedCommitFails() throws {
        let dir = TemporaryDirectory("ods-pipeline")
        defer { dir.remove() }
        let venue = try smallVenue(stores: 1)
        let store = venue.stores[0]
        let lake = try WritableLake(root: dir.path + "/lake", create: true)
        func window(_ day: Int) throws -> (ODSWindow, [ODSRecord]) {
            let dt = opened.adding(days: day), w = VenueTime.window(of: dt)
            let records = try venue.day(store, dt: dt).settlements.map {
                try ODSRecord(.settlementRecords, storeID: store.id, payload: VenueJSON.encode($0), where: "test")
            }
            return (ODSWindow(endpoint: .settlementRecords, storeID: store.id, start: w.lowerBound, end: w.upperBound), records)
        }
        let cursor = BilliardsODS.cursorName(.settlementRecords, store: store.id)
        // One byte a batch: every window is a batch, committed while the next is landed.
        let writer = try ODSWriter(lake: lake, batchBytes: 1)
        for day in 0..<3 {
            let (w, r) = try window(day)
            #expect(try writer.land(w, records: r).records == r.count)
        }
        let first = try writer.flush()
        #expect(writer.landed.written == 3 && first.written >= 1)
        #expect(try lake.catalog.cursor(cursor) == opened.adding(days: 2))

        // The third day's partition is damaged on disk: a batch that merges into it fails
        // on its thread, and the writer says so at its next land or flush.
        let key = PartitionKey(BilliardsODS.dataset(.settlementRecords), opened.adding(days: 2))
        let file = lake.root + "/billiards_ods/settlement_records/ndjson/dt=\(key.dt)/part-00000.ndjson.zst"
        try FileIO.writeAtomically(file, Array("not zstd".utf8))
        // This land starts the batch's commit on its thread and returns; the next land
        // waits for that commit, so it is the one that reports the failure, whatever the timing.
        let (again, records) = try window(2)
        #expect(try writer.land(again, records: records).records == records.count)
        let (next, more) = try window(3)
        #expect(throws: (any Error).self) { try writer.land(next, records: more) }
        #expect(throws: (any Error).self) { try writer.flush() }
        #expect(throws: (any Error).self) { try writer.land(next, records: more) }
        #expect(try lake.catalog.cursor(cursor) == opened.adding(days: 2))
    }

    @Test("a full batch waits for the window that ends its group, so a day fed by two stores is written once")
    func batchesEndWithTheirGroup() throws {
        let venue = try smallVenue(stores: 2)
        let w = VenueTime.window(of: opened)
        func windows() throws -> [(ODSWindow, [ODSRecord])] {
            try venue.stores.map { store in
                let records = try venue.day(store, dt: opened).settlements.map {
                    try ODSRecord(.settlementRecords, storeID: store.id, payload: VenueJSON.encode($0), where: "test")
                }
                return (ODSWindow(endpoint: .settlementRecords, storeID: store.id, start: w.lowerBound, end: w.upperBound), records)
            }
        }
        let both = try windows()
        let firstBytes = both[0].1.reduce(0) { $0 + $1.payload.count }
        #expect(both.allSatisfy { !$0.1.isEmpty })
        // A batch full after the first store's window: cut there unless the group goes on.
        var written: [Bool: (partitions: Int, rows: Int)] = [:]
        for grouped in [false, true] {
            let dir = TemporaryDirectory("ods-group")
            defer { dir.remove() }
            let writer = try ODSWriter(lake: try WritableLake(root: dir.path + "/lake", create: true), batchBytes: firstBytes)
            for (i, (window, records)) in both.enumerated() {
                try writer.land(window, records: records, endsGroup: !grouped || i == both.count - 1)
            }
            try writer.flush()
            written[grouped] = (writer.landed.written, writer.landed.rows)
        }
        // A partition holds each (store, key) once.
        let rows = Set(both.flatMap { $0.1.map { "\($0.dt) \($0.storeID) \($0.sourceKey)" } }).count
        #expect(written[true]!.partitions == Set(both.flatMap { $0.1.map(\.dt) }).count)
        #expect(written[true]!.rows == rows)
        #expect(written[false]!.partitions > written[true]!.partitions && written[false]!.rows > rows)
    }

    @Test("payloads with unusual bytes are stored byte for byte")
    func unusualBytes() throws {
        let dir = TemporaryDirectory("ods-bytes")
        defer { dir.remove() }
        let records = [
            #"{"id":2501205210000001,"siteId":1001204540000001,"memberName":"王小明\u4e2d","remark":"a \"quoted\" \\ back\/slash\nnew line\ttab \ud83c\udfb1","payAmount":"128.00","createTime":"2026-01-01 19:30:05","updateTime":"2026-01-01 19:30:05"}"#,
            "{ \"updateTime\" : \"2026-01-01 21:00:00\" , \"id\" : 2.501205210000002e15, \"n\": [1E2, -0, 0.10, 1e-7, 12345678901234567890], \"createTime\":\"2026-01-01 20:00:00\", \"nested\": {\"a\": [ {} , [] ]}, \"emoji\": \"🎱 台球\" }",
            #"{"id":"2501205210000003","createTime":"2026-01-02 07:59:59","updateTime":"2026-01-02 07:59:59","x":null,"y":true}"#,
        ]
        let body = "{\"code\":0,\"message\":\"ok\",\"data\":{\"total\":3,\"page\":1,\"pageSize\":10,\"settleList\":[\n  " + records.joined(separator: " ,\n  ") + "\n]}}"
        let page = try ResponsePage(Array(body.utf8), endpoint: .settlementRecords, storeID: 1001204540000001, where: "test")
        #expect(try page.records().map { Array($0.payload) } == records.map { Array($0.utf8) })
        #expect(page.total == 3 && page.page == 1 && page.pageSize == 10)
        let lake = try WritableLake(root: dir.path, create: true)
        let window = VenueTime.window(of: opened)
        let ods = try page.records()
        #expect(ods.map(\.sourceKey) == ["2501205210000001", "2501205210000002", "2501205210000003"])
        try ODSWriter(lake: lake).land(ODSWindow(endpoint: .settlementRecords, storeID: 1001204540000001, start: window.lowerBound, end: window.upperBound), records: ods)
        let rows = try ODSWriter.rows(of: PartitionKey(BilliardsODS.dataset(.settlementRecords), opened), in: lake,
                                      schema: try BilliardsODS.schemasByEndpoint()[.settlementRecords]!)
        #expect(rows.map { row -> [UInt8] in if case .string(let s) = row[2] { Array(s.utf8) } else { [] } } == records.map { Array($0.utf8) })
        #expect(try lake.verify().ok)
    }

    @Test("responses that are not the envelope, and records without their key, are refused as bad data")
    func refusals() throws {
        func refused(_ body: String, _ endpoint: Endpoint = .settlementRecords) -> ODSError? {
            do { _ = try ResponsePage(Array(body.utf8), endpoint: endpoint, storeID: 1, where: "page 1").records(); return nil } catch { return error }
        }
        for body in ["[1,2]", "not json", #"{"code":0,"message":"ok","data":{"settleList":[]}}"#,
                     #"{"code":0,"message":"ok","data":{"total":0,"page":1,"pageSize":10,"other":[]}}"#,
                     #"{"code":500,"message":"服务器错误"}"#, #"{"code":0,"data":{"total":1,"page":1,"pageSize":10,"settleList":[1,]}}"#] {
            #expect(refused(body)?.status == .dataError, "\(body)")
        }
        #expect(refused(#"{"code":0,"message":"ok","data":[1]}"#, .settlementTicketDetails)?.status == .dataError)
        #expect(refused(#"{"code":0,"message":"ok","total":0,"page":1,"pageSize":5,"data":[]}"#, .paymentTransactions) == nil)
        for payload in [#"{"createTime":"2026-01-01 10:00:00"}"#, #"{"id":1.5,"createTime":"2026-01-01 10:00:00"}"#, #"{"id":1}"#, "[]"] {
            #expect(throws: ODSError.self) { try ODSRecord(.paymentTransactions, storeID: 1, payload: Array(payload.utf8), where: "r") }
        }
    }
}
