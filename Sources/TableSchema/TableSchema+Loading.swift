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
    ///
    /// The document must be I-JSON (RFC 7493): `CanonicalJSON` parses it strictly and
    /// its JCS form (RFC 8785) gives `canonicalJSON` and `hash` (docs/schema-hash.md).
    /// The values are then read through `SchemaDocument`; a key of the wrong JSON type is
    /// refused with its path rather than ignored.
    public init(dataset: DatasetName, json: Data, file: String) throws {
        func fail(_ message: String) -> SchemaError { SchemaError(file: file, message) }
        let parsed: JSONValue
        do {
            parsed = try CanonicalJSON.parse(json)
        } catch {
            throw fail(error.description)
        }
        guard case .object = parsed else {
            throw fail("not a JSON object; a Table Schema is an object with \"fields\"")
        }
        let doc: SchemaDocument
        do {
            doc = try JSONDecoder().decode(SchemaDocument.self, from: json)
        } catch {
            throw fail(SchemaDocument.explain(error))
        }
        self.dataset = dataset
        if let name = doc.name, name != dataset.table {
            throw fail("\"name\" is \(name) but the file is for table \(dataset.table); make them equal")
        }
        title = doc.title
        description = doc.description
        guard let rawFields = doc.fields, !rawFields.isEmpty else {
            throw fail("\"fields\" must be a non-empty array of objects")
        }
        var seen = Set<String>()
        fields = try rawFields.enumerated().map { index, raw in
            guard let name = raw.name, DatasetName.isIdentifier(Substring(name)) else {
                throw fail("field \(index + 1) needs a \"name\" that is a lowercase identifier")
            }
            guard name != "dt" else { throw fail("field dt is reserved: the partition folder supplies it") }
            guard seen.insert(name).inserted else { throw fail("field \(name) appears twice") }
            return try Field(name: name, document: raw, fail: { fail("field \(name): \($0)") })
        }
        primaryKey = doc.primaryKey?.names ?? []
        for key in primaryKey where !seen.contains(key) {
            throw fail("primaryKey names \(key), which is not a field")
        }
        for key in primaryKey where !(fields.first { $0.name == key }?.required ?? false) {
            throw fail("primary key field \(key) must have \"constraints\": {\"required\": true}")
        }
        foreignKeys = try (doc.foreignKeys ?? []).map { raw in
            let fields = raw.fields?.names ?? []
            guard let table = raw.reference?.resource, let refFields = raw.reference?.fields?.names,
                  !fields.isEmpty, fields.count == refFields.count else {
                throw fail("a foreignKey needs \"fields\" and a \"reference\" with \"resource\" and as many \"fields\"")
            }
            for f in fields where !seen.contains(f) { throw fail("foreignKey names \(f), which is not a field") }
            return ForeignKey(fields: fields, table: table.isEmpty ? dataset.table : table, referencedFields: refFields)
        }
        guard let partition = PartitionKind(rawValue: doc.opslake?.partition ?? "event") else {
            throw fail("opslake.partition must be \"event\" or \"snapshot\"")
        }
        guard let load = LoadMode(rawValue: doc.opslake?.load ?? "replace-partition") else {
            throw fail("opslake.load must be \"replace-partition\"")
        }
        self.partition = partition
        self.load = load
        version = doc.opslake?.version?.value ?? 1
        let canonical = CanonicalJSON.serialize(parsed)
        hash = try SHA256.hash(canonical)
        canonicalJSON = String(decoding: canonical, as: UTF8.self)
    }

    /// The format-1 hash of the schema document `json`, only for reading bundles written
    /// before lake format 2: SHA-256 of Foundation's `JSONSerialization` output with
    /// `.sortedKeys`, which a toolchain may change. Nothing else may use it. Computed
    /// on demand: Foundation's sorted serialisation compares keys through ICU, and
    /// doing it for every built-in schema cost each command about 0.3 G instructions.
    public static func legacyHash(json: Data, file: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: json), object is [String: Any] else {
            throw SchemaError(file: file, "Foundation's JSONSerialization cannot read this document, so its format-1 hash cannot be computed")
        }
        return try SHA256.hash(Array(JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
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
    fileprivate init(name: String, document raw: FieldDocument, fail: (String) -> SchemaError) throws {
        self.name = name
        let typeName = raw.type ?? "string"
        guard var type = TableSchema.frictionlessTypes[typeName] else {
            throw fail("unknown type \"\(typeName)\"; use one of \(TableSchema.frictionlessTypes.keys.sorted().joined(separator: ", "))")
        }
        if let format = raw.format, format != "default" {
            throw fail("format \"\(format)\" is not supported; dates are ISO 8601, so leave \"format\" out")
        }
        scale = raw.opslake?.scale?.value
        if let s = scale {
            guard type == .number, (0...18).contains(s) else { throw fail("opslake.scale needs type number and 0...18") }
            type = .decimal
        }
        self.type = type
        description = raw.description
        let c = raw.constraints ?? ConstraintsDocument()
        if let unknown = c.unknownKeys.first {
            let known = ConstraintsDocument.CodingKeys.allCases.map(\.rawValue)
            throw fail("unknown constraint \"\(unknown)\"; use \(known.sorted().joined(separator: ", "))")
        }
        required = c.required ?? false
        unique = c.unique ?? false
        if let list = c.enumValues {
            guard !list.isEmpty else { throw fail("enum must be a non-empty array") }
            enumValues = try list.map { item in
                switch item {
                case .string(let s): return s
                case .number(let n) where type != .string && type != .boolean: return n
                case .number(let text), .boolean(let text): throw fail("enum value \(text) does not match type \(typeName)")
                }
            }
            for v in enumValues ?? [] where type != .string && RowDecoder.parse(v, as: type) == nil {
                throw fail("enum value \(v) is not a valid \(typeName)")
            }
        }
        func bound(_ key: String, _ raw: ScalarDocument?) throws -> Value? {
            guard let raw else { return nil }
            let text: String
            switch raw {
            case .string(let s), .number(let s): text = s
            case .boolean: text = ""
            }
            guard [.integer, .number, .decimal, .date, .datetime].contains(type),
                  let v = RowDecoder.parse(text, as: type == .decimal ? .number : type) else {
                throw fail("\(key) \(raw.text) does not fit type \(typeName)")
            }
            return v
        }
        minimum = try bound("minimum", c.minimum)
        maximum = try bound("maximum", c.maximum)
        minLength = c.minLength?.value
        maxLength = c.maxLength?.value
        pattern = c.pattern
        if (minLength != nil || maxLength != nil || pattern != nil) && type != .string {
            throw fail("minLength, maxLength and pattern apply to strings only")
        }
    }
}

// MARK: - The document as JSON

/// The subset of a Frictionless Table Schema that OpsLake reads (docs/table-schemas.md).
/// Every key is optional here so that a missing one gets the checks' own message;
/// keys not listed are ignored, as Frictionless allows.
private struct SchemaDocument: Decodable {
    var name: String?
    var title: String?
    var description: String?
    var fields: [FieldDocument]?
    var primaryKey: NameList?
    var foreignKeys: [ForeignKeyDocument]?
    var opslake: Settings?

    struct ForeignKeyDocument: Decodable {
        struct Reference: Decodable {
            var resource: String?
            var fields: NameList?
        }
        var fields: NameList?
        var reference: Reference?
    }

    /// The document's `opslake` object.
    struct Settings: Decodable {
        var version: WholeNumber?
        var partition: String?
        var load: String?
    }

    /// A one-line account of why decoding failed: where (the field by name when it has
    /// one, then the key path) and what the key must hold.
    static func explain(_ error: any Error) -> String {
        if let failure = error as? FieldDocument.Failure {
            let path = Array(failure.error.codingPath.dropFirst(2))
            return "field \(failure.name ?? String(failure.index + 1)): \(explain(failure.error, path: path))"
        }
        guard let error = error as? DecodingError else { return "cannot be read: \(error)" }
        let path = error.codingPath
        // The fields array itself, or an entry of it that is no object.
        if path.first?.stringValue == "fields", path.count <= 2 { return "\"fields\" must be a non-empty array of objects" }
        return explain(error, path: path)
    }

    private static func explain(_ error: DecodingError, path: [any CodingKey]) -> String {
        let at = render(path)
        switch error {
        case .typeMismatch(let type, _): return "\(at) must be \(expected(type, at: at))"
        case .valueNotFound(let type, _): return "\(at) must be \(expected(type, at: at)), not null"
        case .keyNotFound(let key, _): return "\(render(path + [key])) is missing"
        case .dataCorrupted(let context): return at.isEmpty ? context.debugDescription : "\(at): \(context.debugDescription)"
        @unknown default: return "\(at): \(error)"
        }
    }

    /// `constraints.enum[0]`: keys joined by dots, array positions from 0 in brackets.
    private static func render(_ path: [any CodingKey]) -> String {
        path.reduce("") { text, key in
            if let i = key.intValue { return text + "[\(i)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    /// What a key of `type` must hold; a few keys say more than their type can.
    private static func expected(_ type: Any.Type, at path: String) -> String {
        switch path {
        case "type": return "one of \(TableSchema.frictionlessTypes.keys.sorted().joined(separator: ", "))"
        case "constraints.enum": return "a non-empty array of strings or numbers"
        case "opslake.scale": return "an integer from 0 to 18"
        case "opslake.partition": return "\"event\" or \"snapshot\""
        case "opslake.load": return "\"replace-partition\""
        default: break
        }
        switch type {
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is WholeNumber.Type, is Int.Type: return "an integer"
        case is ScalarDocument.Type: return "a string or a number"
        case is NameList.Type: return "a field name or an array of field names"
        case is [String: Any].Type: return "an object"
        case is [Any].Type: return "an array"
        default: return "a \(type)"
        }
    }
}

/// One entry of `fields`.
private struct FieldDocument: Decodable {
    /// Read leniently: a missing or non-text name gets the loader's own message, which
    /// says what a name must be.
    var name: String?
    var type: String?
    var format: String?
    var description: String?
    var opslake: Settings?
    var constraints: ConstraintsDocument?

    /// The field's `opslake` object.
    struct Settings: Decodable {
        var scale: WholeNumber?
    }

    /// A decoding error inside a field, with the field's name (or position) so the
    /// message can name it.
    struct Failure: Error {
        var name: String?
        var index: Int
        var error: DecodingError
    }

    private enum CodingKeys: String, CodingKey {
        case name, type, format, description, opslake, constraints
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try? c.decodeIfPresent(String.self, forKey: .name)
        do {
            type = try c.decodeIfPresent(String.self, forKey: .type)
            format = try c.decodeIfPresent(String.self, forKey: .format)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            opslake = try c.decodeIfPresent(Settings.self, forKey: .opslake)
            constraints = try c.decodeIfPresent(ConstraintsDocument.self, forKey: .constraints)
        } catch let error as DecodingError {
            throw Failure(name: name, index: decoder.codingPath.last?.intValue ?? 0, error: error)
        }
    }
}

/// A field's `constraints` object. Unknown keys are kept to be refused by name, since
/// a misspelt constraint would otherwise silently check nothing.
private struct ConstraintsDocument: Decodable {
    var required: Bool?
    var unique: Bool?
    var enumValues: [ScalarDocument]?
    var minimum: ScalarDocument?
    var maximum: ScalarDocument?
    var minLength: WholeNumber?
    var maxLength: WholeNumber?
    var pattern: String?
    /// Keys that name no constraint OpsLake knows, in document order.
    var unknownKeys: [String] = []

    enum CodingKeys: String, CodingKey, CaseIterable {
        case required, unique, enumValues = "enum", minimum, maximum, minLength, maxLength, pattern
    }

    /// Any key, to list the object's keys.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        required = try c.decodeIfPresent(Bool.self, forKey: .required)
        unique = try c.decodeIfPresent(Bool.self, forKey: .unique)
        enumValues = try c.decodeIfPresent([ScalarDocument].self, forKey: .enumValues)
        minimum = try c.decodeIfPresent(ScalarDocument.self, forKey: .minimum)
        maximum = try c.decodeIfPresent(ScalarDocument.self, forKey: .maximum)
        minLength = try c.decodeIfPresent(WholeNumber.self, forKey: .minLength)
        maxLength = try c.decodeIfPresent(WholeNumber.self, forKey: .maxLength)
        pattern = try c.decodeIfPresent(String.self, forKey: .pattern)
        unknownKeys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(stringValue: $0) == nil }
    }
}

/// A JSON string, number or boolean where a constraint takes a value (`enum`,
/// `minimum`, `maximum`), kept as text to be parsed as the field's type. A number with
/// an integral value becomes integer text (`5`, also for `5.0`), any other its shortest
/// round-trip form (`0.5`, `1e-07`).
private enum ScalarDocument: Decodable {
    case string(String)
    case number(String)
    case boolean(String)

    var text: String {
        switch self {
        case .string(let s), .number(let s), .boolean(let s): s
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let i = try? c.decode(Int64.self) {
            self = .number(String(i))
        } else if let d = try? c.decode(Double.self) {
            self = .number("\(d)")
        } else if let b = try? c.decode(Bool.self) {
            self = .boolean(String(b))
        } else {
            throw DecodingError.typeMismatch(ScalarDocument.self, .init(codingPath: decoder.codingPath,
                                                                        debugDescription: "not a string, number or boolean"))
        }
    }
}

/// `primaryKey` and a foreign key's `fields`: one field name or an array of them.
private struct NameList: Decodable {
    var names: [String]

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(String.self) {
            names = [one]
        } else if let many = try? c.decode([String].self) {
            names = many
        } else {
            throw DecodingError.typeMismatch(NameList.self, .init(codingPath: decoder.codingPath,
                                                                  debugDescription: "not a name or an array of names"))
        }
    }
}

/// A JSON integer. JSONDecoder reports a fractional number where an `Int` is wanted as
/// invalid JSON without a key path; this reports it as a type mismatch at its key.
private struct WholeNumber: Decodable {
    var value: Int

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let value = try? c.decode(Int.self) else {
            throw DecodingError.typeMismatch(WholeNumber.self, .init(codingPath: decoder.codingPath,
                                                                     debugDescription: "not an integer"))
        }
        self.value = value
    }
}

extension DecodingError {
    /// Where in the document the error happened.
    fileprivate var codingPath: [any CodingKey] {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context.codingPath
        case .keyNotFound(_, let context): context.codingPath
        @unknown default: []
        }
    }
}
