import Testing
import Foundation
import Configuration
import GeneratorKit
import LakeCatalog
import LakeFormat
import PetShop
import TableSchema
import TestSupport
import Synchronization

/// A second domain, made as docs/domains.md says: a type that declares its datasets,
/// settings and tasks and makes one day's rows. Nothing else in OpsLake changes for it.
struct Toy: Domain {
    static let name = "toy"
    static let summary = "a counter that ticks every day"
    static let ticks = DatasetName(schema: "toy", table: "ticks")

    static func tableSchemas() throws -> [TableSchema] {
        [try TableSchema(dataset: ticks, json: Data("""
            {"fields": [{"name": "tick", "type": "integer", "constraints": {"required": true}},
                        {"name": "note", "type": "string"}],
             "primaryKey": ["tick"]}
            """.utf8), file: "toy/ticks.json")]
    }
    static let dimensionSQL: [(name: String, sql: String)] = []
    static let settings = [
        Setting("toy.opened", .date(LakeDate(year: 2026, month: 3, day: 1)), "First day of the toy's history."),
        Setting("toy.history_days", .integer(3), "Days of history init gives a new lake."),
        Setting("toy.ticks_per_day", .integer(4), "Rows per day."),
    ]
    static let tasks = [ScheduledTask(name: "toy.daily", summary: "the day's ticks, up to yesterday", datasets: [ticks], lagDays: 1)]

    let opened: LakeDate
    let perDay: Int
    init(settings: Settings, lake: String) throws {
        opened = try settings.date("toy.opened")
        perDay = try settings.integer("toy.ticks_per_day", in: 0...1000)
    }
    var openingPartitions: [PartitionKey] { [] }

    var domain: String { Self.name }
    var datasets: [DatasetName] { [Self.ticks] }
    var rowTypes: [DatasetName: any DatasetRow.Type] { [Self.ticks: TickRow.self] }
    func partitions(of datasets: Set<DatasetName>, from: LakeDate, to: LakeDate) throws -> [PartitionKey] {
        guard datasets.contains(Self.ticks) else { return [] }
        return (0...Int(to.daysSinceEpoch - max(from, opened).daysSinceEpoch)).map { PartitionKey(Self.ticks, max(from, opened).adding(days: $0)) }
    }
    func generate(dt: LakeDate, datasets: [DatasetName], into sinks: [any RowSink]) throws {
        for i in 0..<perDay {
            try TickRow(tick: Int(dt.daysSinceEpoch) * 1000 + i, note: "tick \(i) of \(dt)").write(to: sinks[0])
        }
    }
}

/// A row of `toy.ticks`: its fields are the schema's columns, written in that order.
struct TickRow: DatasetRow {
    static let columns = ["tick", "note"]
    var tick: Int
    var note: String
    func write(to sink: some RowSink) throws {
        try sink.cell(tick)
        try sink.cell(note)
        try sink.endRow()
    }
}

/// The toy's ticks with the row type's two columns swapped against the schema file.
struct SwappedToy: DomainGenerator {
    struct Row: DatasetRow {
        static let columns = ["note", "tick"]
        func write(to sink: some RowSink) throws { Issue.record("a row was written") }
    }
    var domain: String { Toy.name }
    var datasets: [DatasetName] { [Toy.ticks] }
    var rowTypes: [DatasetName: any DatasetRow.Type] { [Toy.ticks: Row.self] }
    func partitions(of datasets: Set<DatasetName>, from: LakeDate, to: LakeDate) throws -> [PartitionKey] { [PartitionKey(Toy.ticks, from)] }
    func generate(dt: LakeDate, datasets: [DatasetName], into sinks: [any RowSink]) throws { Issue.record("a day was generated") }
}

@Suite("a domain is a plug-in")
struct DomainPluginTests {
    @Test("a toy domain beside the pet shop: settings, opening, scheduled catch-up and cursors work with no other change")
    func toyDomain() throws {
        let dir = TemporaryDirectory("opslake-toy")
        defer { dir.remove() }
        let types: [any Domain.Type] = [PetShop.self, Toy.self]
        try Data("seed = 3\n[petshop]\nopened = 2026-03-01\n[toy]\nticks_per_day = 5\n".utf8)
            .write(to: URL(fileURLWithPath: dir.path + "/" + LakeSettings.fileName))
        let settings = try LakeSettings.resolve(lake: dir.path, config: nil, flags: [], domains: types)
        #expect(settings.source("toy.ticks_per_day") == .file(dir.path + "/" + LakeSettings.fileName))
        #expect(LakeSettings.known(types).map(\.name).contains("toy.history_days"))
        let domains = try types.map { try $0.init(settings: settings, lake: dir.path) }
        let schemas = SchemaRegistry(schemas: try PetShop.tableSchemas() + Toy.tableSchemas())
        let scheduler = try Scheduler(domains: domains, schemas: schemas, seed: LakeSettings.seedLabel(settings))
        #expect(scheduler.tasks.map(\.name) == ["petshop.daily", "petshop.weekly", "toy.daily"])

        let lake = try WritableLake(root: dir.path, create: true)
        for s in schemas.schemas.values { try lake.register(s) }
        _ = try scheduler.open(lake)
        let today = LakeDate(year: 2026, month: 3, day: 4)
        let outcomes = try scheduler.catchUp(lake, today: today, jobs: 2)
        let toy = try #require(outcomes.first { $0.task == "toy.daily" })
        #expect(toy.window == LakeDate(year: 2026, month: 3, day: 1)...LakeDate(year: 2026, month: 3, day: 3))
        #expect(toy.summary.rows == 15)
        #expect(try lake.catalog.cursor("toy.daily") == LakeDate(year: 2026, month: 3, day: 3))
        #expect(try lake.catalog.partitions(of: Toy.ticks).map(\.rows) == [5, 5, 5])
        // The pet shop's days are there too, and a second run the same day does nothing.
        #expect(try lake.catalog.partitions(of: PetShop.orders).count == 3)
        #expect(try scheduler.catchUp(lake, today: today, jobs: 2).allSatisfy { $0.window == nil })
    }

    @Test("a row type whose columns differ from its schema's stops generation at its start, naming the column")
    func rowColumnsChecked() throws {
        let schemas = SchemaRegistry(schemas: try Toy.tableSchemas())
        #expect(throws: RowColumnsError(dataset: Toy.ticks, "column 1 is written as `note` but the schema has `tick` there; "
                                        + "the row type and the schema file must list the same columns in the same order")) {
            _ = try Generation(generator: SwappedToy(), schemas: schemas)
        }
        let schema = try schemas.schema(for: Toy.ticks)
        #expect(throws: RowColumnsError.self) { try RowColumnsError.check(columns: ["tick"], against: schema) }
        #expect(throws: RowColumnsError.self) { try RowColumnsError.check(columns: ["tick", "note", "extra"], against: schema) }
        try RowColumnsError.check(columns: ["tick", "note"], against: schema)
        // The toy itself passes, beside the pet shop, as the scheduler builds them.
        var settings = Settings(LakeSettings.known([PetShop.self, Toy.self]))
        try settings.apply(flag: "--opened", "petshop.opened", .date(LakeDate(year: 2026, month: 3, day: 1)))
        let all = SchemaRegistry(schemas: try PetShop.tableSchemas() + Toy.tableSchemas())
        _ = try Scheduler(domains: [try PetShop(settings: settings, lake: "/nowhere"), try Toy(settings: settings, lake: "/nowhere")],
                          schemas: all, seed: "s")
    }

    @Test("the scheduler gives the pet shop's partitions the same bytes as generating the range directly")
    func schedulerMatchesGenerate() throws {
        let a = TemporaryDirectory("opslake-sched-a"), b = TemporaryDirectory("opslake-sched-b")
        defer { a.remove(); b.remove() }
        var settings = Settings(LakeSettings.known([PetShop.self]))
        try settings.apply(flag: "--opened", "petshop.opened", .date(LakeDate(year: 2026, month: 2, day: 26)))
        try settings.apply(flag: "--scale", "scale", .float(0.2))
        let schemas = SchemaRegistry(schemas: try PetShop.tableSchemas())
        let shop = try PetShop(settings: settings, lake: a.path)
        let today = LakeDate(year: 2026, month: 3, day: 3)
        let lakeA = try WritableLake(root: a.path, create: true)
        let scheduler = try Scheduler(domains: [shop], schemas: schemas, seed: "s")
        _ = try scheduler.open(lakeA)
        _ = try scheduler.catchUp(lakeA, today: today, jobs: 2)
        let lakeB = try WritableLake(root: b.path, create: true)
        let generation = try Generation(generator: shop, schemas: schemas)
        let units = try generation.plan(datasets: Set(shop.datasets), from: shop.opened.adding(days: -1), to: today, shard: nil)
        _ = try generation.run(units, lake: lakeB, runID: nil, seed: "s", jobs: 1)
        // The range ends today for every dataset, so it holds the daily datasets' today too.
        let filesA = try lakeA.catalog.partitions().flatMap(\.files)
        let filesB = Dictionary(uniqueKeysWithValues: try lakeB.catalog.partitions().flatMap(\.files).map { ($0.path, $0.sha256) })
        #expect(filesA.count > 20)
        for f in filesA { #expect(filesB[f.path] == f.sha256, "\(f.path)") }
    }
}

/// The toy's ticks, failing on one day: for the generation's error path.
struct FailingToy: DomainGenerator {
    struct Failed: Error {}
    let toy: Toy
    let failOn: LakeDate
    var domain: String { toy.domain }
    var datasets: [DatasetName] { toy.datasets }
    var rowTypes: [DatasetName: any DatasetRow.Type] { toy.rowTypes }
    func partitions(of datasets: Set<DatasetName>, from: LakeDate, to: LakeDate) throws -> [PartitionKey] {
        try toy.partitions(of: datasets, from: from, to: to)
    }
    func generate(dt: LakeDate, datasets: [DatasetName], into sinks: [any RowSink]) throws {
        if dt == failOn { throw Failed() }
        try toy.generate(dt: dt, datasets: datasets, into: sinks)
    }
}

@Suite("generation commits in batches")
struct GenerationBatchTests {
    static let first = LakeDate(year: 2026, month: 3, day: 1)

    func toy() throws -> Toy {
        try Toy(settings: Settings(Toy.settings), lake: "/nowhere")
    }

    /// The lake's `toy.ticks` days and the files left in `_staging/`.
    func contents(_ lake: WritableLake) throws -> (days: [LakeDate], staged: [String]) {
        let days = try lake.catalog.partitions(of: Toy.ticks).map(\.key.dt).sorted()
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: lake.root + "/_staging")) ?? []
        return (days, staged)
    }

    @Test("every day is committed whole, in full batches of 2 × jobs days and the rest at the end",
          arguments: [(1, 1), (3, 1), (5, 2), (9, 1), (9, 2), (12, 3)])
    func everyDayCommitted(days: Int, jobs: Int) throws {
        let dir = TemporaryDirectory("opslake-batches")
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let toy = try toy()
        let generation = try Generation(generator: toy, schemas: SchemaRegistry(schemas: try Toy.tableSchemas()))
        let units = try generation.plan(datasets: [Toy.ticks], from: Self.first, to: Self.first.adding(days: days - 1), shard: nil)
        let reports = Mutex<[Int]>([])
        let summary = try generation.run(units, lake: lake, runID: nil, seed: "s", jobs: jobs) { done, total, _ in
            #expect(total == days)
            reports.withLock { $0.append(done) }
        }
        #expect(summary.partitions == days && summary.rows == Int64(days * toy.perDay))
        let (committed, staged) = try contents(lake)
        #expect(committed == (0..<days).map { Self.first.adding(days: $0) })
        #expect(staged.isEmpty, "\(staged)")
        // One report per day, counting up to every day.
        #expect(reports.withLock { $0 } == Array(1...days))
        #expect(try lake.verify().ok)
    }

    @Test("a day that fails stops the run: the days committed before it stay whole, nothing is left staged")
    func failureLeavesWholeDays() throws {
        let dir = TemporaryDirectory("opslake-batches-fail")
        defer { dir.remove() }
        let lake = try WritableLake(root: dir.path, create: true)
        let failing = FailingToy(toy: try toy(), failOn: Self.first.adding(days: 5))
        let generation = try Generation(generator: failing, schemas: SchemaRegistry(schemas: try Toy.tableSchemas()))
        let units = try generation.plan(datasets: [Toy.ticks], from: Self.first, to: Self.first.adding(days: 9), shard: nil)
        #expect(throws: FailingToy.Failed.self) { _ = try generation.run(units, lake: lake, runID: nil, seed: "s", jobs: 1) }
        let (committed, staged) = try contents(lake)
        // One job writes the days in order; how many of the five before the failure
        // were committed depends on how fast the committer was (a written day waiting
        // for its batch is removed with the run), but they are the first ones, whole.
        #expect(committed.count <= 5 && committed == (0..<committed.count).map { Self.first.adding(days: $0) })
        #expect(staged.isEmpty, "\(staged)")
        // No folder is left of a day not committed.
        for format in FileFormat.allCases {
            let folders = try FileManager.default.contentsOfDirectory(atPath: lake.root + "/" + LakeLayout.tableDirectory(Toy.ticks, format))
            #expect(folders.sorted() == committed.map { "dt=\($0)" }, "\(format)")
        }
        #expect(try lake.verify().ok)
    }
}
