public import BilliardsVenue
public import Configuration
public import GeneratorKit
public import LakeFormat
public import TableSchema

/// The billiards ODS layer (`billiards_ods.*`): one dataset per upstream endpoint,
/// each row one record exactly as the upstream sent it (docs/billiards-ods.md). Its
/// data is pulled, not generated, so it is a `DatasetDomain`: the catalogue, `schema`,
/// `load` and `export` know its schemas; `opslake billiards replay` (and the live
/// pull) land its partitions through `ODSWriter`.
public enum BilliardsODS: DatasetDomain {
    public static let name = "billiards_ods"
    public static let summary = "the billiards venue's upstream records as received (ODS), one dataset per API endpoint"
    /// The pull's settings (`billiards.*`): the API, its token, the stores, and how hard to try.
    public static var settings: [Setting] { PullSettings.settings }

    /// The columns of every ODS dataset, in file order.
    public static let columns = ["store_id", "source_key", "payload", "source_endpoint", "version_time"]

    /// The dataset `endpoint` lands in.
    public static func dataset(_ endpoint: Endpoint) -> DatasetName { DatasetName(schema: name, table: endpoint.dataset) }

    /// The cursor of one endpoint and store: the last business day whose window has
    /// been committed (`billiards_ods.settlement_records@1001204540000001`).
    public static func cursorName(_ endpoint: Endpoint, store: Int64) -> String { "\(name).\(endpoint.dataset)@\(store)" }

    /// Each endpoint's schema, by endpoint.
    public static func schemasByEndpoint() throws -> [Endpoint: TableSchema] {
        let all = Dictionary(uniqueKeysWithValues: try tableSchemas().map { ($0.dataset, $0) })
        return try Dictionary(uniqueKeysWithValues: Endpoint.allCases.map { e in
            guard let s = all[dataset(e)] else { throw ODSError(.dataError, "no schema for \(dataset(e))") }
            return (e, s)
        })
    }
}

/// Which fields of a payload the ODS reads: its key, its version time and the time
/// that dates its partition (docs/billiards-ods.md, "Rows").
public struct ODSFields: Sendable, Hashable {
    /// The fields of the source primary key, joined by `|` when there are several.
    public var key: [String]
    /// `updateTime` for records that change, `createTime` for events.
    public var version: String
    /// The time whose business day is the partition's `dt`: `updateTime` for master
    /// data (the snapshot date), `createTime` for everything else (a refunded
    /// settlement's new version rewrites the partition of the day it was settled).
    public var date: String

    public init(_ endpoint: Endpoint) {
        switch endpoint {
        case .goodsStockSummary: key = ["siteGoodsId", "reportDate"]
        case .settlementTicketDetails: key = ["orderSettleId"]
        default: key = ["id"]
        }
        switch endpoint.kind {
        case .changing: version = "updateTime"; date = "updateTime"
        case .settlement: version = "updateTime"; date = "createTime"
        case .event, .dailyReport: version = "createTime"; date = "createTime"
        }
    }
}

/// What stops a landing or a replay, with the sysexits code it deserves: 65 for bad
/// data (a response that is not the envelope, a record without its key, a file whose
/// checksum differs), 66 for missing input (a file or a page the archive lacks), 73
/// when an archive cannot be created.
public struct ODSError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Status: Int32, Sendable { case dataError = 65, noInput = 66, cannotCreate = 73 }
    public var status: Status
    public var message: String
    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { message }
}
