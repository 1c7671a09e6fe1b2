public import BilliardsVenue
public import LakeCatalog
public import LakeFormat
import TableSchema
import Foundation

/// What a DWD build did.
public struct DWDSummary: Sendable, Hashable, Codable {
    /// ODS partitions in the range, those read again, and those whose inputs had not changed.
    public var considered = 0
    public var rebuilt = 0
    public var unchanged = 0
    /// DWD partitions committed, and their rows.
    public var written = 0
    public var rows = 0
    /// One line per ODS partition that could not be read (dataset, dt, source key,
    /// field and why); its DWD partitions were left as they were.
    public var failures: [String] = []
    /// Payload fields no DWD rule reads or drops, once each (`settlement_records.newField`):
    /// kept in the ODS, not carried into the DWD.
    public var newFields: [String] = []
    /// The quality checks run after the build (`DWDQuality`), also recorded with the run.
    public var quality: [QualityResult] = []
    /// Rows of the DWD tables read from the ODS (without the histories and summaries),
    /// and the seconds of each step: `dwd` (ODS to DWD), `histories`, `summaries`, `quality`.
    public var dwdRows = 0
    public var seconds: [String: Double] = [:]
}

/// Builds the DWD from the ODS (`opslake billiards dwd`, docs/billiards-dwd.md).
///
/// Each ODS partition (endpoint, dt) feeds the same day's partition of every DWD table
/// read from that endpoint. A DWD partition records its input (the ODS partition's
/// files and their SHA-256) and the builder (the rules' version and the output
/// schemas' hashes) in the catalogue's `derivations`; a run rebuilds exactly those
/// whose record differs or that are missing. Output is a function of the input bytes
/// (rows in ODS order), so a rebuild of unchanged input gives the same bytes. The
/// partitions of one ODS partition are staged together and committed in groups
/// through the commit protocol; an ODS partition that cannot be read (a field missing
/// or malformed, an unknown code) fails alone: its DWD partitions stay as they were,
/// the others carry on, and the run reports it (exit 65). The SCD2 histories
/// (`DWDSCD2`) and the daily summaries (`DWSBuild`) are brought up to date next,
/// and the quality checks
/// (`DWDQuality`) then run over the whole layer and are recorded with the run.
public enum DWDBuild {
    /// Bumped when a rule changes the rows without changing a schema.
    static let rulesVersion = "dwd-rules-1"
    /// ODS partitions read side by side, then committed as one batch.
    /// `$OPSLAKE_DWD_CHUNK` sets it, so the crash tests can stop a build between commits.
    static let chunk: Int = {
        if let text = ProcessInfo.processInfo.environment["OPSLAKE_DWD_CHUNK"], let n = Int(text), n > 0 { return n }
        return 64
    }()

    /// Builds the DWD partitions of the ODS days `from...to` (all when nil) whose inputs
    /// changed; `rebuild` builds them all again (to the same bytes, when nothing changed).
    public static func run(lake: WritableLake, from: LakeDate? = nil, to: LakeDate? = nil, rebuild: Bool = false,
                           arguments: [String] = []) throws -> DWDSummary {
        let schemas = Dictionary(uniqueKeysWithValues: try BilliardsDWD.tableSchemas().map { ($0.dataset, $0) })
        for schema in schemas.values.sorted(by: { $0.dataset.description < $1.dataset.description }) { try lake.register(schema) }
        let odsSchemas = try BilliardsODS.schemasByEndpoint()
        let sources = Endpoint.allCases.compactMap { e -> Source? in
            let tables = DWDModel.tables.filter { $0.source == e }
            return tables.isEmpty ? nil : Source(endpoint: e, tables: tables, schemas: tables.map { schemas[$0.dataset]! }, ods: odsSchemas[e]!)
        }
        let recorded = try lake.catalog.derivations(schema: BilliardsDWD.name)
        // Each DWD partition present, with the schema it was written under.
        var present: [PartitionKey: String] = [:]
        for p in try lake.catalog.partitions() where p.dataset.schema == BilliardsDWD.name { present[p.key] = p.schemaHash }
        var summary = DWDSummary()
        var plan: [(source: Source, partition: PartitionRecord, inputs: String)] = []
        for source in sources {
            for p in try lake.catalog.partitions(of: BilliardsODS.dataset(source.endpoint)) {
                let dt = p.key.dt
                // A partition written under an older schema is rebuilt whatever the range: the
                // histories, summaries and checks read every partition with today's schemas.
                let outdated = source.outputs(dt).contains { key in present[key].map { $0 != schemas[key.dataset]!.hash } ?? false }
                if !outdated, let from, dt < from { continue }
                if !outdated, let to, dt > to { continue }
                summary.considered += 1
                let inputs = source.fingerprint(p)
                if !rebuild, !outdated, source.outputs(dt).allSatisfy({ recorded[$0] == inputs && present[$0] != nil }) {
                    summary.unchanged += 1
                } else {
                    plan.append((source, p, inputs))
                }
            }
        }
        // Largest inputs first: a chunk's partitions are built side by side, and a large
        // one taken last kept one core busy while the other waited (the endpoints' days
        // differ in size a hundredfold). Failures are still reported in the plan's order.
        let position = plan.indices.sorted { i, j in
            let (a, b) = (plan[i].partition.bytes, plan[j].partition.bytes)
            return a != b ? a > b : i < j
        }
        plan = position.map { plan[$0] }
        var failures: [(position: Int, message: String)] = []
        let days = plan.map(\.partition.key.dt)
        let started = Date()
        let runID = try lake.beginRun(command: "billiards dwd", arguments: arguments,
                                      window: days.min().flatMap { first in days.max().map { first...$0 } })
        var newFields = Set<String>()
        var clock = Date()
        func lap(_ step: String) {
            summary.seconds[step] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        // A chunk commits on its own thread while the next one is built, so the cores do
        // not wait on the catalogue's work and the fsyncs (a fifth of a build's
        // instructions); one commit at a time, in chunk order, each followed by its
        // derivations, as before.
        let committing = ReadAhead<Result<Void, any Error>>()
        do {
            defer { _ = committing.waitIfStarted() }
            for start in stride(from: 0, to: plan.count, by: chunk) {
                let part = Array(plan[start..<min(plan.count, start + chunk)])
                let results = WorkQueue.map(part.count, jobs: ProcessInfo.processInfo.activeProcessorCount, state: {}) { _, i in
                    Result { try build(part[i].source, part[i].partition, lake: lake) }
                }
                var staged: [StagedPartitions] = []
                var derivations: [PartitionKey: String] = [:]
                for (k, (item, result)) in zip(part, results).enumerated() {
                    switch result {
                    case .success(let built):
                        staged.append(built.staged)
                        summary.rebuilt += 1
                        summary.written += item.source.tables.count
                        summary.rows += built.rows
                        newFields.formUnion(built.newFields)
                        for key in item.source.outputs(item.partition.key.dt) { derivations[key] = item.inputs }
                    case .failure(let error as DWDPartitionError):
                        failures.append((position[start + k], error.message))
                    case .failure(let error):
                        // The lake failed: nothing of this chunk is committed. A commit
                        // of the chunk before that failed first is the error reported.
                        for s in staged { s.discard() }
                        for case .success(let later) in results { later.staged.discard() }
                        if case .failure(let earlier)? = committing.waitIfStarted() { throw earlier }
                        throw error
                    }
                }
                if case .failure(let error)? = committing.waitIfStarted() {
                    for s in staged { s.discard() }
                    throw error
                }
                if !staged.isEmpty {
                    committing.start { [staged, derivations] in
                        Result {
                            _ = try lake.commit(staged, runID: runID)
                            try lake.setDerivations(derivations)
                        }
                    }
                }
            }
            try committing.waitIfStarted()?.get()
            summary.failures = failures.sorted { $0.position < $1.position }.map(\.message)
            summary.newFields = newFields.sorted()
            summary.dwdRows = summary.rows
            lap("dwd")
            let history = try DWDSCD2.run(lake: lake, runID: runID)
            lap("histories")
            let summaries = try DWSBuild.run(lake: lake, runID: runID)
            lap("summaries")
            summary.written += history.written + summaries.written
            summary.rows += history.rows + summaries.rows
            summary.quality = try DWDQuality.run(lake)
            lap("quality")
            try lake.recordQuality(runID, summary.quality)
            var problems = summary.failures.isEmpty ? [] : ["\(summary.failures.count) partitions failed: \(summary.failures[0])"]
            for q in summary.quality where !q.passed { problems.append("quality check \(q.check) failed \(q.failures) times: \(q.offenders[0])") }
            try lake.finishRun(runID, partitions: summary.written, rows: Int64(summary.rows), bytes: 0,
                               seconds: Date().timeIntervalSince(started), error: problems.isEmpty ? nil : problems.joined(separator: "; "))
            return summary
        } catch {
            try? lake.finishFailedRun(runID, seconds: Date().timeIntervalSince(started), error: String(describing: error), bytes: 0)
            throw error
        }
    }

    /// One ODS endpoint and the DWD tables read from it.
    struct Source: Sendable {
        var endpoint: Endpoint
        var tables: [DWDTable]
        var schemas: [TableSchema]
        var ods: TableSchema
        var transforms: [DWDTransform]
        /// The fields its rules know, of a record and of its lines' elements.
        var known: (record: Set<String>, element: Set<String>)
        /// The rules' version and the output schemas: a change rebuilds every partition.
        var builder: String

        init(endpoint: Endpoint, tables: [DWDTable], schemas: [TableSchema], ods: TableSchema) {
            self.endpoint = endpoint
            self.tables = tables
            self.schemas = schemas
            self.ods = ods
            transforms = tables.map(DWDTransform.init)
            var record = Set<String>(), element = Set<String>()
            for t in tables {
                record.formUnion(t.knownFields.record)
                element.formUnion(t.knownFields.element)
            }
            known = (record, element)
            builder = (try? SHA256.hash(Array(([rulesVersion] + schemas.map(\.hash)).joined(separator: " ").utf8))) ?? rulesVersion
        }

        func outputs(_ dt: LakeDate) -> [PartitionKey] { tables.map { PartitionKey($0.dataset, dt) } }

        /// The input's files and checksums, and the builder: what `derivations` records.
        func fingerprint(_ p: PartitionRecord) -> String {
            let files = p.files.sorted { ($0.format.rawValue, $0.part) < ($1.format.rawValue, $1.part) }
                .map { "\($0.format.rawValue):\($0.sha256)" }.joined(separator: ",")
            return "\(p.dataset)/\(p.dt) \(files) builder \(builder)"
        }
    }

    /// An ODS partition the rules could not read: one line naming it.
    struct DWDPartitionError: Error {
        var message: String
    }

    /// Reads one ODS partition, row by row, into the staged partitions of its DWD tables.
    static func build(_ source: Source, _ partition: PartitionRecord, lake: WritableLake)
        throws -> (staged: StagedPartitions, rows: Int, newFields: Set<String>)
    {
        let dt = partition.key.dt
        var rows = 0
        var checked = Set<UInt64>()  // hashes of the key lists already checked for new fields
        var newFields = Set<String>()
        // A tenant-wide table's keys already written today.
        var emitted: [Set<Int64>] = source.tables.map { _ in [] }
        let staged = try lake.stagePartitions(schemas: source.schemas, dt: dt) { sinks in
            // The ODS rows' lines are read through a tape (source_key is column 1, payload 2),
            // and each payload, unescaped, through another.
            try lake.forEachRow(of: partition.key, schema: source.ods) { row, nodes in
                guard let key = row.string(nodes[1]), let payload = row.stringBytes(nodes[2]) else {
                    throw DWDPartitionError(message: "\(partition.dataset) \(dt): a row without its source_key or payload; run `opslake verify`")
                }
                guard let tape = JSONTape(payload) else {
                    throw DWDPartitionError(message: "\(partition.dataset) \(dt) source key \(key): the payload is not JSON")
                }
                check(tape, source, seen: &checked, new: &newFields)
                for i in source.transforms.indices {
                    do {
                        rows += try source.transforms[i].write(tape, record: JSONTape.root, sourceKey: key, dt: dt, into: sinks[i], emitted: &emitted[i])
                    } catch let error as DWDFieldError {
                        let where_ = "\(partition.dataset) \(dt) source key \(key)"
                        throw DWDPartitionError(message: "\(where_): field \(error.field) \(error.problem); the ODS keeps it, and the DWD partitions of \(dt) stay as they were")
                    } catch let e as InvalidRecordError {
                        // A row the table's schema refuses (a required value missing): this partition's fault.
                        throw DWDPartitionError(message: "\(partition.dataset) \(dt) source key \(key): \(e); the ODS keeps it, and the DWD partitions of \(dt) stay as they were")
                    }
                }
            }
        }
        return (staged, rows, newFields)
    }

    /// Notes the payload fields (and line fields) no rule knows, once per list of keys
    /// (by its hash: records of an endpoint share a few key lists, and checking each
    /// record's whole list took 7% of the build).
    static func check(_ tape: JSONTape, _ source: Source, seen: inout Set<UInt64>, new: inout Set<String>) {
        func note(_ object: Int, known: Set<String>, prefix: String) {
            var seed: UInt64 = 0xCBF2_9CE4_8422_2325
            for b in prefix.utf8 { seed = (seed ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            guard seen.insert(tape.keysHash(object, seed: seed)).inserted else { return }
            for m in tape.members(object) {
                let name = tape.string(m.key) ?? ""
                if !known.contains(name) { new.insert("\(source.endpoint.dataset).\(prefix)\(name)") }
            }
        }
        note(JSONTape.root, known: source.known.record, prefix: "")
        for t in source.tables {
            let arrays: [String]
            switch t.rows {
            case .record: continue
            case .lines(let a): arrays = a.map(\.field)
            case .recordAndChildren(let f): arrays = [f]
            }
            for field in arrays {
                guard let list = tape.member(JSONTape.root, named: field) else { continue }
                for element in tape.elements(list) where tape.kind(element) == .object {
                    note(element, known: source.known.element, prefix: field + "[].")
                }
            }
        }
    }
}
