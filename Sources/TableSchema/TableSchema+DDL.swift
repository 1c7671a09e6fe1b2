import LakeFormat

/// Renders PostgreSQL DDL for a schema. Every identifier is quoted; descriptions
/// become comments with their quotes doubled, so nothing from a file is spliced raw.
extension TableSchema {
    /// The PostgreSQL type of a field.
    public static func postgresType(_ field: Field) -> String {
        switch field.type {
        case .string: return "text"
        case .integer: return "bigint"
        case .number: return "double precision"
        case .decimal: return "numeric(18,\(field.scale ?? 0))"
        case .boolean: return "boolean"
        case .date: return "date"
        case .datetime: return "timestamptz"
        }
    }

    /// The session setting a loader sets to the partition's date: the lake's CSV has
    /// no `dt` column (the folder name holds it), so loaded tables default `dt` to it.
    public static let partitionDateSetting = "opslake.dt"

    /// `CREATE SCHEMA`, `CREATE TABLE` (with `dt` first and in the primary key) and comments.
    /// With `dtFromSetting`, `dt` defaults to the `opslake.dt` setting, for loading with `COPY`.
    public func postgresDDL(table tableName: String? = nil, dtFromSetting: Bool = false) -> String {
        let table = "\(quoteIdentifier(dataset.schema)).\(quoteIdentifier(tableName ?? dataset.table))"
        let dtDefault = dtFromSetting ? " DEFAULT (current_setting(\(quoteLiteral(Self.partitionDateSetting))))::date" : ""
        var columns = ["  \(quoteIdentifier("dt")) date NOT NULL\(dtDefault)"]
        for f in fields {
            columns.append("  \(quoteIdentifier(f.name)) \(Self.postgresType(f))\(f.required ? " NOT NULL" : "")")
        }
        if !primaryKey.isEmpty {
            columns.append("  PRIMARY KEY (\((["dt"] + primaryKey).map(quoteIdentifier).joined(separator: ", ")))")
        }
        var sql = "CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(dataset.schema));\n"
        sql += "CREATE TABLE IF NOT EXISTS \(table) (\n\(columns.joined(separator: ",\n"))\n);\n"
        if primaryKey.isEmpty {
            // Replacing a partition deletes by dt: without a primary key led by dt, index it.
            sql += "CREATE INDEX IF NOT EXISTS \(quoteIdentifier((tableName ?? dataset.table) + "_dt")) ON \(table) (\(quoteIdentifier("dt")));\n"
        }
        if let d = description ?? title { sql += "COMMENT ON TABLE \(table) IS \(quoteLiteral(d));\n" }
        sql += "COMMENT ON COLUMN \(table).\(quoteIdentifier("dt")) IS 'partition date (the business day, in the local time of the business)';\n"
        for f in fields {
            // A foreign key is told in its column's comment, not declared as a constraint:
            // partitions load one at a time in any order and are replaced whole, which an
            // enforced key would refuse (docs/postgres.md, "Relationships").
            let references = foreignKeys.filter { $0.fields.count == 1 && $0.fields[0] == f.name }.map {
                "References \(dataset.schema).\($0.table) (\($0.referencedFields.joined(separator: ", "))), as of the row's dt; "
                    + "not enforced here, checked on the lake by opslake quality --foreign-keys."
            }
            let comment = ([f.description].compactMap { $0 } + references).joined(separator: " ")
            if !comment.isEmpty { sql += "COMMENT ON COLUMN \(table).\(quoteIdentifier(f.name)) IS \(quoteLiteral(comment));\n" }
        }
        return sql
    }

    /// The columns a later version of the schema appended, added to a table an earlier
    /// version made: nullable whatever the schema says, since the rows already there
    /// have no value for them until their partitions are loaded again.
    public func postgresAddColumnsDDL(_ names: [String]) -> String {
        let table = "\(quoteIdentifier(dataset.schema)).\(quoteIdentifier(dataset.table))"
        var sql = ""
        for f in fields where names.contains(f.name) {
            sql += "ALTER TABLE \(table) ADD COLUMN IF NOT EXISTS \(quoteIdentifier(f.name)) \(Self.postgresType(f));\n"
            if let d = f.description { sql += "COMMENT ON COLUMN \(table).\(quoteIdentifier(f.name)) IS \(quoteLiteral(d));\n" }
        }
        return sql
    }
}

/// `"name"` with inner quotes doubled: a PostgreSQL identifier that cannot break out.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingAll("\"", with: "\"\"") + "\""
}

/// `'text'` with inner quotes doubled: a PostgreSQL string literal (standard_conforming_strings on).
public func quoteLiteral(_ text: String) -> String {
    "'" + text.replacingAll("'", with: "''") + "'"
}
