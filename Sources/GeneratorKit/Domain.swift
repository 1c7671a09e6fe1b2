public import Configuration
public import LakeFormat
public import TableSchema

/// A family of datasets the lake knows by their compiled-in schemas: its name (the
/// PostgreSQL schema of its datasets), its table schemas and its SCD2 dimensions.
/// `schema list`, `schema ddl`, `load` and `export` need no more. A domain whose data
/// is generated is a `Domain`; one whose data is pulled from elsewhere (the billiards
/// ODS, landed by its own commands) is only this (docs/domains.md).
public protocol DatasetDomain: Sendable {
    /// The schema of its datasets (and, for a `Domain`, the section of its settings), e.g. `petshop`.
    static var name: String { get }
    /// One line for help output.
    static var summary: String { get }
    /// Its table schemas, compiled into the binary.
    static func tableSchemas() throws -> [TableSchema]
    /// Its SCD2 dimensions, compiled in: `schema.table` and the SQL that rebuilds it
    /// (see `Dimension` in PostgresSync).
    static var dimensionSQL: [(name: String, sql: String)] { get }
    /// Its settings, each named `<section>.<key>` (none by default).
    static var settings: [Setting] { get }
}

extension DatasetDomain {
    public static var settings: [Setting] { [] }
}

/// A business whose operations OpsLake simulates, as one plug-in: its datasets and
/// their schemas, its section of the settings, its scheduled tasks, and how one day's
/// partitions are made (a `DatasetRow` type per dataset). `init`, `generate`, `run`,
/// `config show` and `catalog` work for every registered domain; docs/domains.md is
/// the recipe for a new one.
public protocol Domain: DomainGenerator, DatasetDomain {
    /// Its settings, each named `<name>.<key>`; `<name>.opened` and
    /// `<name>.history_days` are required (the first day of its history, and how many
    /// days of history `init` gives a new lake). `seed` and `scale` are shared.
    static var settings: [Setting] { get }
    /// Its scheduled tasks, in the order `run` runs them.
    static var tasks: [ScheduledTask] { get }

    /// Checks the effective settings and builds the simulation; `lake` is the lake
    /// folder, for data a user imported into it.
    init(settings: Settings, lake: String) throws
    /// The first day of its history.
    var opened: LakeDate { get }
    /// The partitions `init` writes so that the first scheduled run has what its days
    /// join against (an opening member base, the first catalogue).
    var openingPartitions: [PartitionKey] { get }
}

/// A task of the scheduled job (`opslake run`): a set of a domain's datasets that
/// `run` brings from the task's cursor up to a day relative to today.
public struct ScheduledTask: Sendable {
    /// `<domain>.<task>`, e.g. `petshop.daily`; also the name of its cursor.
    public var name: String
    public var summary: String
    public var datasets: Set<DatasetName>
    /// The last day the task reaches is today minus this many days (Asia/Taipei).
    public var lagDays: Int
    /// The cursor `init` leaves, given the opening day: the last day its opening
    /// partitions already cover, or nil when it starts from the opening day.
    public var openingCursor: @Sendable (LakeDate) -> LakeDate?

    public init(name: String, summary: String, datasets: Set<DatasetName>, lagDays: Int,
                openingCursor: @escaping @Sendable (LakeDate) -> LakeDate? = { _ in nil }) {
        self.name = name
        self.summary = summary
        self.datasets = datasets
        self.lagDays = lagDays
        self.openingCursor = openingCursor
    }
}

/// Several domains as one generator, so one generation (and one `--jobs` pool) covers
/// them all; each dataset goes to the domain of its schema.
public struct DomainSet: DomainGenerator {
    public let members: [any Domain]

    public init(_ members: [any Domain]) { self.members = members }

    public var domain: String { members.map { type(of: $0).name }.joined(separator: ",") }
    public var datasets: [DatasetName] { members.flatMap(\.datasets) }
    public var rowTypes: [DatasetName: any DatasetRow.Type] {
        members.reduce(into: [:]) { all, member in all.merge(member.rowTypes) { first, _ in first } }
    }

    public func partitions(of datasets: Set<DatasetName>, from: LakeDate, to: LakeDate) throws -> [PartitionKey] {
        try members.flatMap { member in
            let name = type(of: member).name
            return try member.partitions(of: datasets.filter { $0.schema == name }, from: from, to: to)
        }
    }

    public func generate(dt: LakeDate, datasets: [DatasetName], into sinks: [any RowSink]) throws {
        for member in members {
            let name = type(of: member).name
            let mine = datasets.indices.filter { datasets[$0].schema == name }
            guard !mine.isEmpty else { continue }
            try member.generate(dt: dt, datasets: mine.map { datasets[$0] }, into: mine.map { sinks[$0] })
        }
    }
}
