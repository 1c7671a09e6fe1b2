import LakeFormat
import TableSchema
import Foundation

/// The Frictionless Data Package (`datapackage.json`) written beside an export: one
/// tabular resource per file, with its columns, types and constraints, so that
/// `frictionless validate datapackage.json` checks every value and BI tools that read
/// Data Packages know the types without guessing.
///
/// The types below mirror the JSON written: absent optionals are left out, and keys are
/// sorted on output.
enum DataPackage {
    struct Package: Encodable {
        var name = packageName
        var profile = "tabular-data-package"
        var created: String
        var description: String
        var resources: [Resource]
    }

    /// The `name` every OpsLake export's package has; `--replace` looks for it.
    static let packageName = "opslake-export"

    /// One exported file.
    struct Resource: Encodable {
        var name: String
        var path: String
        var profile = "tabular-data-resource"
        var title: String
        var description: String?
        var bytes: Int64
        var schema: Schema
        var format: String
        var mediatype: String
        var encoding: String
        var dialect: Dialect?
    }

    /// The resource's Table Schema: `dt` and then the dataset's fields.
    struct Schema: Encodable {
        var fields: [Field]
        var missingValues = [""]
        var primaryKey: [String]?
        var foreignKeys: [ForeignKey]?
    }

    /// A relationship to another resource of the package, as the dataset's schema
    /// declares it (`Exporter` adds one only where it holds for the files exported).
    struct ForeignKey: Encodable {
        struct Reference: Encodable {
            var resource: String
            var fields: [String]
        }
        var fields: [String]
        var reference: Reference
    }

    struct Field: Encodable {
        var name: String
        var type: String
        var description: String?
        var constraints: Constraints?
    }

    struct Constraints: Encodable {
        var required: Bool?
        var `enum`: [String]?
        var minimum: Bound?
        var maximum: Bound?
        var pattern: String?
        var maxLength: Int?
        var minLength: Int?

        var isEmpty: Bool {
            required == nil && `enum` == nil && minimum == nil && maximum == nil && pattern == nil
                && maxLength == nil && minLength == nil
        }
    }

    /// A `minimum` or `maximum`: a JSON number for numbers, the text form for dates and timestamps.
    enum Bound: Encodable {
        case integer(Int64)
        case number(Double)
        case boolean(Bool)
        case text(String)

        init(_ v: Value) {
            switch v {
            case .int(let i): self = .integer(i)
            case .double(let d): self = .number(d)
            case .bool(let b): self = .boolean(b)
            default: self = .text(v.text)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .integer(let i): try c.encode(i)
            case .number(let d): try c.encode(d)
            case .boolean(let b): try c.encode(b)
            case .text(let s): try c.encode(s)
            }
        }
    }

    /// The CSV dialect OpsLake writes.
    struct Dialect: Encodable {
        var header = true
        var delimiter = ","
        var quoteChar = "\""
        var doubleQuote = true
    }

    static func resource(for file: ExportedFile, schema: TableSchema, options: ExportOptions) -> Resource {
        var fields = [Field(name: "dt", type: "date", description: "partition date (the business day, in the local time of the business)",
                            constraints: Constraints(required: true))]
        for f in schema.fields {
            var constraints = Constraints()
            if f.required { constraints.required = true }
            constraints.enum = f.enumValues
            constraints.minimum = f.minimum.map(Bound.init)
            constraints.maximum = f.maximum.map(Bound.init)
            // With --safe-formulas a text cell may have gained a leading ', so its
            // pattern and length constraints no longer describe it.
            if !options.safeFormulas {
                constraints.pattern = f.pattern
                constraints.maxLength = f.maxLength
                constraints.minLength = f.minLength
            }
            fields.append(Field(name: f.name, type: frictionlessType(f.type), description: f.description,
                                constraints: constraints.isEmpty ? nil : constraints))
        }
        let tableSchema = Schema(fields: fields, primaryKey: schema.primaryKey.isEmpty ? nil : ["dt"] + schema.primaryKey)
        let (format, mediatype, encoding, dialect): (String, String, String, Dialect?) = switch options.format {
        case .csv: ("csv", "text/csv", options.excel ? "utf-8-sig" : "utf-8", Dialect())
        case .ndjson: ("ndjson", "application/x-ndjson", "utf-8", nil)
        }
        return Resource(name: resourceName(file.path), path: file.path, title: schema.title ?? schema.dataset.description,
                        description: schema.description, bytes: file.bytes, schema: tableSchema,
                        format: format, mediatype: mediatype, encoding: encoding, dialect: dialect)
    }

    static func json(resources: [Resource], lakeID: String) throws -> [UInt8] {
        let package = Package(created: Timestamp.utcNow, description: "Exported by OpsLake from lake \(lakeID)",
                              resources: resources)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(package)
        data.append(0x0A)
        return [UInt8](data)
    }

    /// What `--replace` reads back from an earlier export's `datapackage.json`: its name
    /// and the files it lists. Other keys are not needed and not checked, so any
    /// version's package is read.
    struct Listing: Decodable {
        struct Resource: Decodable { var path: String }
        var name: String
        var resources: [Resource]
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
}
