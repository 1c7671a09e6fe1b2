public import LakeFormat
public import TableSchema
import Foundation

/// The relationships the table schemas declare (`foreignKeys`), checked over the lake's
/// committed partitions, with time taken into account: a row of day `dt` may name only
/// what exists by that day.
///
/// - A referenced dataset partitioned by event (customers, orders, campaigns): the key
///   must be in one of its partitions dated `dt` or earlier (a customer registered by
///   the day of the order).
/// - A referenced snapshot (products): the key must be in the snapshot in force on
///   `dt`, the latest one dated `dt` or earlier (the catalogue the order was taken from).
///
/// A row whose key fields are all null names nothing and passes. Rows stream partition by
/// partition; what is held is the referenced keys (of an event dataset, each once with
/// its first day; of a snapshot, each snapshot's).
extension Lake {
    /// Checks every foreign key of `datasets` (all registered datasets when nil), over
    /// the partitions dated in `window` (every one when nil) of the referencing dataset;
    /// referenced partitions are read from the lake's first day. One result per foreign
    /// key, named `orders.customer_id -> customers.customer_id`; its offenders are the
    /// first 10 violations, each naming the row by dataset, dt and primary key. Each
    /// referencing dataset is read once for all its keys, its days on every core.
    public func checkForeignKeys(datasets: Set<DatasetName>? = nil, window: ClosedRange<LakeDate>? = nil) throws -> [QualityResult] {
        let schemas = try catalog.registeredSchemas()
        let byName = Dictionary(schemas.map { ($0.dataset, $0) }, uniquingKeysWith: { a, _ in a })
        var results: [QualityResult] = []
        for schema in schemas.sorted(by: { $0.dataset < $1.dataset }) where datasets?.contains(schema.dataset) ?? true {
            let days = try catalog.partitions(of: schema.dataset).map(\.key.dt).filter { window?.contains($0) ?? true }.sorted()
            var checks: [ReferenceCheck] = []
            for fk in schema.foreignKeys {
                let target = DatasetName(schema: schema.dataset.schema, table: fk.table)
                let name = "\(schema.dataset.table).\(fk.fields.joined(separator: "+")) -> \(fk.table).\(fk.referencedFields.joined(separator: "+"))"
                guard let referenced = byName[target] else {
                    results.append(QualityResult(check: name, passed: false, checked: 0, failures: 1,
                                                 offenders: ["\(target) is not in the lake"],
                                                 detail: "\(schema.dataset) names \(target), which the lake does not hold; generate or ingest it"))
                    continue
                }
                checks.append(try ReferenceCheck(fk, of: schema, against: referenced, upTo: days.last, in: self, name: name))
            }
            guard !checks.isEmpty else { continue }
            let keyColumns = try schema.primaryKey.map { try column($0, of: schema) }
            let lake = self, checksNow = checks
            // Per referencing day: for each check, rows checked, violations, the first few.
            let perDay = WorkQueue.map(days.count, jobs: ProcessInfo.processInfo.activeProcessorCount, state: {}) {
                _, i -> Result<[(checked: Int, failures: Int, offenders: [String])], any Error> in
                Result {
                    let dt = days[i]
                    var tally = Array(repeating: (checked: 0, failures: 0, offenders: [String]()), count: checksNow.count)
                    try lake.forEachRow(of: PartitionKey(schema.dataset, dt), schema: schema) { tape, nodes in
                        for (c, check) in checksNow.enumerated() {
                            guard let k = Self.key(tape, nodes, check.columns) else { continue }
                            tally[c].checked += 1
                            guard let why = check.violation(k, on: dt) else { continue }
                            tally[c].failures += 1
                            if tally[c].offenders.count < 10 {
                                let row = keyColumns.map { "\(schema.fields[$0].name)=\(Self.text(tape, nodes[$0]))" }.joined(separator: " ")
                                tally[c].offenders.append("\(schema.dataset.table) dt=\(dt) \(row): \(check.fields)=\(k) \(why)")
                            }
                        }
                    }
                    return tally
                }
            }
            var totals = Array(repeating: (checked: 0, failures: 0, offenders: [String]()), count: checks.count)
            for day in perDay {
                for (c, t) in try day.get().enumerated() {
                    totals[c].checked += t.checked
                    totals[c].failures += t.failures
                    totals[c].offenders += t.offenders.prefix(10 - totals[c].offenders.count)
                }
            }
            for (check, t) in zip(checks, totals) {
                results.append(QualityResult(check: check.name, passed: t.failures == 0, checked: t.checked, failures: t.failures,
                                             offenders: t.offenders, detail: check.detail))
            }
        }
        return results
    }

    /// One foreign key with the referenced keys it is checked against.
    private struct ReferenceCheck: Sendable {
        var name: String
        var detail: String
        /// The referencing columns, and their names joined for a message.
        var columns: [Int]
        var fields: String
        var table: String
        /// An event dataset's keys with the first day each appears; a snapshot's keys by
        /// snapshot day, with the days in order.
        var firstSeen: [String: LakeDate] = [:]
        var snapshots: [LakeDate: Set<String>] = [:]
        var snapshotDays: [LakeDate] = []
        var isSnapshot: Bool

        init(_ fk: TableSchema.ForeignKey, of schema: TableSchema, against referenced: TableSchema, upTo last: LakeDate?,
             in lake: Lake, name: String) throws {
            self.name = name
            columns = try fk.fields.map { try lake.column($0, of: schema) }
            fields = fk.fields.joined(separator: "+")
            table = referenced.dataset.table
            isSnapshot = referenced.partition == .snapshot
            let targetColumns = try fk.referencedFields.map { try lake.column($0, of: referenced) }
            // Nothing to check against when no referencing day is chosen.
            let days = try lake.catalog.partitions(of: referenced.dataset).map(\.key.dt).filter { dt in last.map { dt <= $0 } ?? false }.sorted()
            for dt in days {
                var keys = Set<String>()
                try lake.forEachRow(of: PartitionKey(referenced.dataset, dt), schema: referenced) { tape, nodes in
                    if let k = Lake.key(tape, nodes, targetColumns) { keys.insert(k) }
                }
                if isSnapshot {
                    snapshots[dt] = keys
                } else {
                    for k in keys where firstSeen[k] == nil { firstSeen[k] = dt }
                }
            }
            snapshotDays = isSnapshot ? days : []
            let rule = isSnapshot ? "is in the \(table) snapshot in force on the row's day"
                                  : "appears in \(table) on or before the row's day"
            detail = "every non-null \(schema.dataset.table).\(fields) \(rule)"
        }

        /// Why key `k` on day `dt` names nothing, or nil when it names a row.
        func violation(_ k: String, on dt: LakeDate) -> String? {
            if isSnapshot {
                // The snapshot in force: the latest dated `dt` or earlier.
                var lo = 0, hi = snapshotDays.count
                while lo < hi { let mid = (lo + hi) / 2; if snapshotDays[mid] <= dt { lo = mid + 1 } else { hi = mid } }
                guard lo > 0 else { return "no \(table) snapshot by then" }
                let day = snapshotDays[lo - 1]
                return snapshots[day]!.contains(k) ? nil : "not in the \(table) snapshot of \(day)"
            }
            guard let first = firstSeen[k] else { return "not in \(table)" }
            return first <= dt ? nil : "not in \(table) until \(first)"
        }
    }

    fileprivate func column(_ name: String, of schema: TableSchema) throws -> Int {
        guard let i = schema.fields.firstIndex(where: { $0.name == name }) else {
            throw FormatError(.json, "\(schema.dataset) has no column \(name), which a foreign key names")
        }
        return i
    }

    /// The key of `columns` in a row, fields joined by U+001F; nil when all are null.
    static func key(_ tape: JSONTape, _ nodes: [Int], _ columns: [Int]) -> String? {
        if columns.count == 1 { return tape.kind(nodes[columns[0]]) == .null ? nil : text(tape, nodes[columns[0]]) }
        guard columns.contains(where: { tape.kind(nodes[$0]) != .null }) else { return nil }
        return columns.map { text(tape, nodes[$0]) }.joined(separator: "\u{1F}")
    }

    /// A value as text: a string's characters, a number's or literal's JSON text.
    static func text(_ tape: JSONTape, _ node: Int) -> String {
        tape.string(node) ?? String(decoding: tape.bytes[tape.range(node)], as: UTF8.self)
    }
}
