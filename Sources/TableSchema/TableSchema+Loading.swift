public import LakeFormat
public import Foundation

/// A schema file that cannot be used, with the file and field named.
public struct SchemaError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}

extension TableSchema {
    /// The Frictionless types OpsLake accepts, and the column type each becomes.
    static let frictionlessTypes: [String: ColumnType] = [
        "string": .string, "integer": .integer, "number": .number, "boolean": .boolean,
        "date": .date, "datetime": .datetime,
    ]

    /// Reads and checks one schema document. `dataset` comes from the file's place in `schemas/`.
    public init(dataset: DatasetName, json: Data, file: String) throws {
        func fail(_ message: String) -> SchemaError { SchemaError(file: file, message) }
        guard let object = try? JSONSerialization.jsonObject(with: json), let doc = object as? [String: Any] else {
            throw fail("not a JSON object; a Table Schema is an object with \"fields\"")
        }
        self.dataset = dataset
        if let name = doc["name"] as? String, name != dataset.table {
            throw fail("\"name\" is \(name) but the file is for table \(dataset.table); make them equal")
        }
        title = doc["title"] as? String
        description = doc["description"] as? String
        guard let rawFields = doc["fields"] as? [[String: Any]], !rawFields.isEmpty else {
            throw fail("\"fields\" must be a non-empty array of objects")
        }
        var seen = Set<String>()
        fields = try rawFields.enumerated().map { index, raw in
            guard let name = raw["name"] as? String, DatasetName.isIdentifier(Substring(name)) else {
                throw fail("field \(index + 1) needs a \"name\" that is a lowercase identifier")
            }
            guard name != "dt" else { throw fail("field dt is reserved: the partition folder supplies it") }
            guard seen.insert(name).inserted else { throw fail("field \(name) appears twice") }
            return try Field(name: name, raw: raw, fail: { fail("field \(name): \($0)") })
        }
        primaryKey = doc["primaryKey"] as? [String] ?? (doc["primaryKey"] as? String).map { [$0] } ?? []
        for key in primaryKey where !seen.contains(key) {
            throw fail("primaryKey names \(key), which is not a field")
        }
        for key in primaryKey where !(fields.first { $0.name == key }!.required) {
            throw fail("primary key field \(key) must have \"constraints\": {\"required\": true}")
        }
        foreignKeys = try (doc["foreignKeys"] as? [[String: Any]] ?? []).map { raw in
            let fields = raw["fields"] as? [String] ?? (raw["fields"] as? String).map { [$0] } ?? []
            guard let ref = raw["reference"] as? [String: Any], let table = ref["resource"] as? String,
                  let refFields = ref["fields"] as? [String] ?? (ref["fields"] as? String).map({ [$0] }),
                  !fields.isEmpty, fields.count == refFields.count else {
                throw fail("a foreignKey needs \"fields\" and a \"reference\" with \"resource\" and as many \"fields\"")
            }
            for f in fields where !seen.contains(f) { throw fail("foreignKey names \(f), which is not a field") }
            return ForeignKey(fields: fields, table: table.isEmpty ? dataset.table : table, referencedFields: refFields)
        }
        let own = doc["opslake"] as? [String: Any] ?? [:]
        guard let partition = PartitionKind(rawValue: own["partition"] as? String ?? "event") else {
            throw fail("opslake.partition must be \"event\" or \"snapshot\"")
        }
        guard let load = LoadMode(rawValue: own["load"] as? String ?? "replace-partition") else {
            throw fail("opslake.load must be \"replace-partition\"")
        }
        self.partition = partition
        self.load = load
        version = own["version"] as? Int ?? 1
        let canonical = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
        hash = try SHA256.hash(Array(canonical))
        canonicalJSON = String(decoding: canonical, as: UTF8.self)
    }

    /// Reads `schemas/<schema>/<table>.json`.
    public init(contentsOf path: String) throws {
        let parts = path.split(separator: "/")
        guard parts.count >= 2, parts.last!.hasSuffix(".json"),
              let dataset = DatasetName("\(parts[parts.count - 2]).\(parts.last!.dropLast(5))") else {
            throw SchemaError(file: path, "a schema file lives at schemas/<schema>/<table>.json with lowercase names")
        }
        guard !dataset.isReserved else { throw SchemaError(file: path, "\(dataset.reservedReason); move the file to another folder") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SchemaError(file: path, "cannot be read")
        }
        try self.init(dataset: dataset, json: data, file: path)
    }
}

extension TableSchema.Field {
    init(name: String, raw: [String: Any], fail: (String) -> SchemaError) throws {
        self.name = name
        let typeName = raw["type"] as? String ?? "string"
        guard var type = TableSchema.frictionlessTypes[typeName] else {
            throw fail("unknown type \"\(typeName)\"; use one of \(TableSchema.frictionlessTypes.keys.sorted().joined(separator: ", "))")
        }
        if let format = raw["format"] as? String, format != "default" {
            throw fail("format \"\(format)\" is not supported; dates are ISO 8601, so leave \"format\" out")
        }
        let own = raw["opslake"] as? [String: Any] ?? [:]
        scale = own["scale"] as? Int
        if let s = scale {
            guard type == .number, (0...18).contains(s) else { throw fail("opslake.scale needs type number and 0...18") }
            type = .decimal
        }
        self.type = type
        description = raw["description"] as? String
        let c = raw["constraints"] as? [String: Any] ?? [:]
        let known: Set = ["required", "unique", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern"]
        if let unknown = c.keys.first(where: { !known.contains($0) }) {
            throw fail("unknown constraint \"\(unknown)\"; use \(known.sorted().joined(separator: ", "))")
        }
        required = c["required"] as? Bool ?? false
        unique = c["unique"] as? Bool ?? false
        if let e = c["enum"] {
            guard let list = e as? [Any], !list.isEmpty else { throw fail("enum must be a non-empty array") }
            enumValues = try list.map { item in
                if let s = item as? String { return s }
                if let n = item as? NSNumber, type != .string, type != .boolean { return n.stringValue }
                throw fail("enum value \(item) does not match type \(typeName)")
            }
            for v in enumValues! where type != .string && RowDecoder.parse(v, as: type) == nil {
                throw fail("enum value \(v) is not a valid \(typeName)")
            }
        }
        func bound(_ key: String) throws -> Value? {
            guard let raw = c[key] else { return nil }
            let text = (raw as? String) ?? (raw as? NSNumber)?.stringValue ?? ""
            guard [.integer, .number, .decimal, .date, .datetime].contains(type),
                  let v = RowDecoder.parse(text, as: type == .decimal ? .number : type) else {
                throw fail("\(key) \(raw) does not fit type \(typeName)")
            }
            return v
        }
        minimum = try bound("minimum")
        maximum = try bound("maximum")
        minLength = c["minLength"] as? Int
        maxLength = c["maxLength"] as? Int
        pattern = c["pattern"] as? String
        if (minLength != nil || maxLength != nil || pattern != nil) && type != .string {
            throw fail("minLength, maxLength and pattern apply to strings only")
        }
    }
}
