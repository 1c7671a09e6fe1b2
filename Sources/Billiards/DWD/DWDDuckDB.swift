/// The DWD's flattening as DuckDB SQL: what an engineer would write to read the ODS
/// files with DuckDB, derived from the same rules (`DWDModel.tables`), so the DWD
/// benchmark (scripts/bench-dwd.sh) compares the same work. Each table with one row
/// per record becomes one `COPY (SELECT …) TO` statement that reads its ODS dataset's
/// NDJSON files, takes every field in one `json_extract_string` per payload, types it
/// as the DWD does, and writes CSV partitioned by dt, compressed with zstd. The two
/// tables read from nested arrays (ticket lines, categories) are left out.
extension DWDModel {
    public static func duckDBSQL(lake: String, out: String) -> String {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        var statements: [String] = ["SET preserve_insertion_order = false;"]
        for table in tables {
            guard case .record = table.rows else { continue }
            let paths = table.columns.map { "'$.\($0.field)'" }
            var select: [String] = []
            for (i, c) in table.columns.enumerated() {
                let f = "f[\(i + 1)]"
                switch c.kind {
                case .id, .int: select.append("CAST(\(f) AS BIGINT) AS \(c.name)")
                case .ref: select.append("NULLIF(CAST(\(f) AS BIGINT), 0) AS \(c.name)")
                case .money: select.append("CAST(\(f) AS DECIMAL(18,2)) AS \(c.name), \(f) AS \(c.name)_raw")
                case .time: select.append("strptime(\(f), '%Y-%m-%d %H:%M:%S') AS \(c.name), \(f) AS \(c.name)_raw")
                case .date: select.append("CAST(NULLIF(\(f), '') AS DATE) AS \(c.name)")
                case .text: select.append("\(f) AS \(c.name)")
                case .flag: select.append("(\(f) = '1') AS \(c.name)")
                case .code(let e):
                    select.append("CASE \(f) " + e.values.map { "WHEN '\($0.code)' THEN \(quoted($0.value))" }.joined(separator: " ") + " END AS \(c.name)")
                }
            }
            let source = BilliardsODS.dataset(table.source)
            let files = "\(lake)/\(source.schema)/\(source.table)/ndjson/*/*.ndjson.zst"
            statements.append("""
                COPY (
                  SELECT \(select.joined(separator: ",\n         ")),
                         \(quoted(source.description)) AS source_dataset, dt AS source_dt, source_key, dt
                  FROM (SELECT dt, source_key, json_extract_string(payload, [\(paths.joined(separator: ", "))]) AS f
                        FROM read_json(\(quoted(files)), format = 'newline_delimited', hive_partitioning = true,
                                       columns = {store_id: 'BIGINT', source_key: 'VARCHAR', payload: 'VARCHAR', source_endpoint: 'VARCHAR', version_time: 'VARCHAR'}))
                ) TO \(quoted("\(out)/\(table.name)")) (FORMAT csv, HEADER, PARTITION_BY (dt), COMPRESSION zstd, OVERWRITE_OR_IGNORE);
                """)
        }
        return statements.joined(separator: "\n")
    }
}
