public import LakeCatalog
public import LakeFormat
import Foundation
import TableSchema

/// The SCD2 histories of the dimensions whose attributes change upstream (members,
/// tables, goods, store goods, assistants): `dim_x_scd2`, every daily version of
/// `dim_x` with `version`, `valid_from`, `valid_to` and `is_current`.
///
/// A history is a function of the set of versions in the lake, whatever order their
/// partitions arrived in: it is recomputed whole from `dim_x` at every build (the
/// dimensions are small), and a partition is rewritten only when its rows change; a
/// new version rewrites the partition of the version it closes. Version 1 is valid
/// from the entity's `created_at`, a later one from its `updated_at`; each is valid
/// until the next one's start, the last until further notice (null), so a key's
/// versions never overlap and leave no gap. PostgreSQL gets the same rows through
/// the loader's ledger, like every dataset.
enum DWDSCD2 {
    /// Rebuilds every history; returns the partitions written and their rows, staged
    /// and committed as one batch with `runID`.
    static func run(lake: WritableLake, runID: Int64?) throws -> (written: Int, rows: Int) {
        let schemas = Dictionary(uniqueKeysWithValues: try BilliardsDWD.tableSchemas().map { ($0.dataset, $0) })
        var staged: [StagedPartitions] = []
        var rows = 0
        do {
            for table in DWDModel.tables where table.hasHistory {
                let source = schemas[table.dataset]!, target = schemas[table.scd2Dataset]!
                var versions: [(dt: LakeDate, row: [Value])] = []
                for p in try lake.catalog.partitions(of: table.dataset) {
                    for row in try lake.rows(of: p.key, schema: source) { versions.append((p.key.dt, row)) }
                }
                let history = self.history(versions, columns: source.fields.map(\.name), key: table.key[0])
                for (dt, wanted) in history.sorted(by: { $0.key < $1.key }) {
                    let key = PartitionKey(table.scd2Dataset, dt)
                    if try lake.rows(of: key, schema: target) == wanted, try lake.catalog.partition(key) != nil { continue }
                    staged.append(try lake.stagePartitions(schemas: [target], dt: dt) { sinks in
                        for r in wanted { try sinks[0].append(r) }
                    })
                    rows += wanted.count
                }
            }
        } catch {
            for s in staged { s.discard() }
            throw error
        }
        if !staged.isEmpty { _ = try lake.commit(staged, runID: runID) }
        return (staged.count, rows)
    }

    /// The history rows of a dimension's daily versions (rows with `columns`, the
    /// lineage last), by the day of their version's partition, ordered by key.
    static func history(_ versions: [(dt: LakeDate, row: [Value])], columns: [String], key: String) -> [LakeDate: [[Value]]] {
        let k = columns.firstIndex(of: key)!
        let created = columns.firstIndex(of: "created_at")!, updated = columns.firstIndex(of: "updated_at")!
        func seconds(_ v: Value) -> Int64 { if case .timestamp(let t) = v { t.secondsSinceEpoch } else { .min } }
        var byKey: [Value: [(dt: LakeDate, row: [Value])]] = [:]
        for v in versions { byKey[v.row[k], default: []].append(v) }
        var out: [LakeDate: [(key: Int64, row: [Value])]] = [:]
        for list in byKey.values {
            let sorted = list.sorted { (seconds($0.row[updated]), $0.dt) < (seconds($1.row[updated]), $1.dt) }
            var starts: [Value] = []
            var previous = Int64.min
            for (i, v) in sorted.enumerated() {
                // Never before the version it follows: a clock that went back does not make an overlap.
                let start = i == 0 ? v.row[created] : v.row[updated]
                if seconds(start) < previous { starts.append(starts[i - 1]) } else { starts.append(start) }
                previous = max(previous, seconds(start))
            }
            for (i, v) in sorted.enumerated() {
                let last = i == sorted.count - 1
                let scd2: [Value] = [.int(Int64(i + 1)), starts[i], last ? .null : starts[i + 1], .bool(last)]
                let keyValue: Int64 = if case .int(let id) = v.row[k] { id } else { 0 }
                out[v.dt, default: []].append((keyValue, Array(v.row.dropLast(3)) + scd2 + v.row.suffix(3)))
            }
        }
        return out.mapValues { $0.sorted { ($0.key, $0.row.count) < ($1.key, $1.row.count) }.map(\.row) }
    }
}
