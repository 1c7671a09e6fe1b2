import LakeFormat
import TableSchema
import Foundation

/// The Frictionless Data Package (`datapackage.json`) written beside an export: one
/// tabular resource per file, with its columns, types and constraints, so that
/// `frictionless validate datapackage.json` checks every value and BI tools that read
/// Data Packages know the types without guessing.
enum DataPackage {
    typealias Resource = [String: Any]

    static func resource(for file: ExportedFile, schema: TableSchema, options: ExportOptions) -> Resource {
        var fields: [[String: Any]] = [[
            "name": "dt", "type": "date", "description": "partition date (Asia/Taipei business day)",
            "constraints": ["required": true],
        ]]
        for f in schema.fields {
            var field: [String: Any] = ["name": f.name, "type": frictionlessType(f.type)]
            if let d = f.description { field["description"] = d }
            var constraints: [String: Any] = [:]
            if f.required { constraints["required"] = true }
            if let e = f.enumValues { constraints["enum"] = e }
            if let m = f.minimum { constraints["minimum"] = jsonValue(m) }
            if let m = f.maximum { constraints["maximum"] = jsonValue(m) }
            // With --safe-formulas a text cell may have gained a leading ', so its
            // pattern and length constraints no longer describe it.
            if !options.safeFormulas {
                if let p = f.pattern { constraints["pattern"] = p }
                if let m = f.maxLength { constraints["maxLength"] = m }
                if let m = f.minLength { constraints["minLength"] = m }
            }
            if !constraints.isEmpty { field["constraints"] = constraints }
            fields.append(field)
        }
        var tableSchema: [String: Any] = ["fields": fields, "missingValues": [""]]
        if !schema.primaryKey.isEmpty { tableSchema["primaryKey"] = ["dt"] + schema.primaryKey }
        var resource: Resource = [
            "name": resourceName(file.path),
            "path": file.path,
            "profile": "tabular-data-resource",
            "title": schema.title ?? schema.dataset.description,
            "bytes": file.bytes,
            "schema": tableSchema,
        ]
        if let d = schema.description { resource["description"] = d }
        switch options.format {
        case .csv:
            resource["format"] = "csv"
            resource["mediatype"] = "text/csv"
            resource["encoding"] = options.excel ? "utf-8-sig" : "utf-8"
            resource["dialect"] = ["header": true, "delimiter": ",", "quoteChar": "\"", "doubleQuote": true]
        case .ndjson:
            resource["format"] = "ndjson"
            resource["mediatype"] = "application/x-ndjson"
            resource["encoding"] = "utf-8"
        }
        return resource
    }

    static func json(resources: [Resource], lakeID: String) throws -> [UInt8] {
        let package: [String: Any] = [
            "name": "opslake-export",
            "profile": "tabular-data-package",
            "created": Timestamp.utcNow,
            "description": "Exported by OpsLake from lake \(lakeID)",
            "resources": resources,
        ]
        var data = try JSONSerialization.data(withJSONObject: package, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        return [UInt8](data)
    }

    /// A resource name Frictionless accepts (lowercase letters, digits, - _ . /).
    static func resourceName(_ path: String) -> String {
        String(path.lowercased().map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || "-_./".contains(c)) ? c : "-"
        })
    }

    static func frictionlessType(_ type: ColumnType) -> String {
        switch type {
        case .string: "string"
        case .integer: "integer"
        case .decimal, .number: "number"
        case .boolean: "boolean"
        case .date: "date"
        case .datetime: "datetime"
        }
    }

    static func jsonValue(_ v: Value) -> Any {
        switch v {
        case .int(let i): i
        case .double(let d): d
        case .bool(let b): b
        default: v.text
        }
    }
}
