import Testing
import Foundation
import LakeFormat
import TableSchema
import TestSupport

@Suite struct TableSchemaTests {
    static func schema(_ fields: String, extra: String = "") throws -> TableSchema {
        let json = "{\"name\": \"t\", \"fields\": [\(fields)]\(extra)}"
        return try TableSchema(dataset: DatasetName("s.t")!, json: Data(json.utf8), file: "schemas/s/t.json")
    }

    @Test("every schema in schemas/ loads, renders DDL and has a primary key of real fields")
    func repositorySchemas() throws {
        let registry = try SchemaRegistry(directory: schemasDirectory)
        #expect(!registry.schemas.isEmpty)
        for schema in registry.schemas.values {
            #expect(!schema.primaryKey.isEmpty, "\(schema.dataset) needs a primary key for idempotent loads")
            let ddl = schema.postgresDDL()
            #expect(ddl.contains("PRIMARY KEY (\"dt\""))
            _ = try RecordValidator(schema: schema)
        }
    }

    @Test("schema files that cannot be used are refused with the file and field named", arguments: [
        ("{\"name\": \"a\", \"type\": \"money\"}", "", "field a: unknown type \"money\""),
        ("{\"name\": \"A b\"}", "", "field 1 needs a \"name\""),
        ("{\"name\": \"dt\", \"type\": \"date\"}", "", "field dt is reserved"),
        ("{\"name\": \"a\"}, {\"name\": \"a\"}", "", "field a appears twice"),
        ("{\"name\": \"a\"}", ", \"primaryKey\": [\"b\"]", "primaryKey names b"),
        ("{\"name\": \"a\", \"constraints\": {\"exclusiveMinimum\": 1}}", "", "unknown constraint \"exclusiveMinimum\""),
        ("{\"name\": \"a\", \"type\": \"integer\", \"constraints\": {\"pattern\": \"x\"}}", "", "apply to strings only"),
        ("{\"name\": \"a\"}", ", \"opslake\": {\"partition\": \"hourly\"}", "opslake.partition must be"),
        ("{\"name\": \"a\"}", ", \"primaryKey\": [\"a\"]", "primary key field a must have"),
    ])
    func badSchemas(fields: String, extra: String, message: String) {
        let error = #expect(throws: SchemaError.self) { try Self.schema(fields, extra: extra) }
        #expect(error?.description.hasPrefix("schemas/s/t.json: ") == true)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test("a key of the wrong JSON type is refused in one line naming the file, the field and what the key must hold", arguments: [
        ("{\"name\": \"a\", \"constraints\": {\"required\": \"yes\"}}", "", "field a: constraints.required must be true or false"),
        ("{\"name\": \"a\", \"constraints\": {\"pattern\": 5}}", "", "field a: constraints.pattern must be a string"),
        ("{\"name\": \"a\", \"constraints\": {\"maxLength\": 1.5}}", "", "field a: constraints.maxLength must be an integer"),
        ("{\"name\": \"a\", \"constraints\": {\"enum\": \"x\"}}", "",
         "field a: constraints.enum must be a non-empty array of strings or numbers"),
        ("{\"name\": \"a\", \"constraints\": {\"enum\": [\"x\", {}]}}", "", "field a: constraints.enum[1] must be a string or a number"),
        ("{\"name\": \"a\", \"type\": \"integer\", \"constraints\": {\"minimum\": [1]}}", "",
         "field a: constraints.minimum must be a string or a number"),
        ("{\"name\": \"a\", \"type\": 3}", "", "field a: type must be one of boolean, date, datetime, integer, number, string"),
        ("{\"name\": \"a\", \"type\": \"number\", \"opslake\": {\"scale\": \"2\"}}", "",
         "field a: opslake.scale must be an integer from 0 to 18"),
        ("{\"name\": \"a\", \"constraints\": []}", "", "field a: constraints must be an object"),
        ("{\"name\": \"a\"}, {\"description\": 1}", "", "field 2: description must be a string"),
        ("{\"name\": \"a\"}, 5", "", "\"fields\" must be a non-empty array of objects"),
        ("{\"name\": \"a\"}", ", \"primaryKey\": 5", "primaryKey must be a field name or an array of field names"),
        ("{\"name\": \"a\"}", ", \"title\": false", "title must be a string"),
        ("{\"name\": \"a\"}", ", \"opslake\": {\"version\": \"2\"}", "opslake.version must be an integer"),
        ("{\"name\": \"a\"}", ", \"opslake\": {\"partition\": 1}", "opslake.partition must be \"event\" or \"snapshot\""),
        ("{\"name\": \"a\"}", ", \"opslake\": {\"partition\": null}, \"foreignKeys\": {}", "foreignKeys must be an array"),
        ("{\"name\": \"a\"}", ", \"foreignKeys\": [{\"fields\": \"a\", \"reference\": {\"resource\": \"u\", \"fields\": [1]}}]",
         "foreignKeys[0].reference.fields must be a field name or an array of field names"),
        ("{\"name\": \"a\", \"type\": \"integer\", \"constraints\": {\"enum\": [true]}}", "", "field a: enum value true does not match type integer"),
    ])
    func wrongTypes(fields: String, extra: String, message: String) {
        let error = #expect(throws: SchemaError.self) { try Self.schema(fields, extra: extra) }
        #expect(error?.description == "schemas/s/t.json: " + message)
    }

    @Test("keys OpsLake does not read are ignored, whatever they hold, and count in the hash")
    func unknownKeys() throws {
        let plain = try Self.schema("{\"name\": \"a\", \"type\": \"number\", \"constraints\": {\"minimum\": 1, \"enum\": [1, 2.5e0, \"3\"]}}")
        let extra = try Self.schema("{\"name\": \"a\", \"type\": \"number\", \"rdfType\": 5, \"example\": [1], "
                                    + "\"constraints\": {\"minimum\": 1, \"enum\": [1, 2.5e0, \"3\"]}}",
                                    extra: ", \"missingValues\": [\"\"], \"opslake\": {\"note\": {}}")
        #expect(plain.fields == extra.fields)
        #expect(plain.hash != extra.hash)
        #expect(plain.fields[0].enumValues == ["1", "2.5", "3"])
        #expect(plain.fields[0].minimum == .double(1))
    }

    @Test("a schema file in a reserved schema (PostgreSQL's or the loader's own) is refused", arguments: ["pg_catalog", "public", "opslake", "information_schema"])
    func reservedSchemaFolder(schema: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.path + "/\(schema)", withIntermediateDirectories: true)
        try Data("{\"fields\": [{\"name\": \"a\"}]}".utf8).write(to: URL(fileURLWithPath: dir.path + "/\(schema)/t.json"))
        let error = #expect(throws: SchemaError.self) { try SchemaRegistry(directory: dir.path) }
        #expect(error?.message.contains("\(schema) is a reserved schema") == true, "\(String(describing: error))")
    }

    @Test("key checks compare as PostgreSQL does: instants, decimals without trailing zeros, text by its bytes")
    func keyCheck() throws {
        let schema = try Self.schema("{\"name\": \"k\", \"type\": \"datetime\", \"constraints\": {\"required\": true}}, "
                                     + "{\"name\": \"d\", \"type\": \"number\", \"opslake\": {\"scale\": 2}, \"constraints\": {\"unique\": true}}, "
                                     + "{\"name\": \"s\", \"constraints\": {\"unique\": true}}", extra: ", \"primaryKey\": [\"k\"]")
        let day = LakeDate(year: 2026, month: 11, day: 21)
        func row(_ secondOfDay: Int, _ offset: Int16, _ units: Int64, _ scale: Int8, _ text: String) -> [Value] {
            [.timestamp(Timestamp(date: day, secondOfDay: secondOfDay, offsetMinutes: offset)),
             .decimal(FixedDecimal(units: units, scale: scale)), .string(text)]
        }
        var check = KeyCheck(schema: schema)
        try check.add(row(36_000, 480, 15, 1, "\u{E9}"), number: 1)
        // The same instant written in UTC: the same key.
        #expect(throws: FormatError.self) { try check.add(row(36_000 - 8 * 3600, 0, 1, 0, "a"), number: 2) }
        var decimals = KeyCheck(schema: schema)
        try decimals.add(row(1, 0, 15, 1, "a"), number: 1)
        #expect(throws: FormatError.self) { try decimals.add(row(2, 0, 150, 2, "b"), number: 2) }  // 1.5 = 1.50
        var text = KeyCheck(schema: schema)
        try text.add(row(1, 0, 1, 0, "\u{E9}"), number: 1)
        try text.add(row(2, 0, 2, 0, "e\u{301}"), number: 2)  // canonically equivalent, other bytes: distinct
        #expect(throws: FormatError.self) { try text.add(row(3, 0, 3, 0, "\u{E9}"), number: 3) }
    }

    @Test("the hash ignores formatting but not content")
    func hash() throws {
        let a = try Self.schema("{\"name\": \"a\", \"type\": \"integer\"}")
        let b = try TableSchema(dataset: DatasetName("s.t")!, json: Data("{\"fields\":[{\"type\":\"integer\",\"name\":\"a\"}],\"name\":\"t\"}".utf8), file: "x")
        let c = try Self.schema("{\"name\": \"a\", \"type\": \"string\"}")
        #expect(a.hash == b.hash)
        #expect(a.hash != c.hash)
    }

    static let validatorSchema = """
        {"name": "id", "type": "string", "constraints": {"required": true, "pattern": "C\\\\d{3}"}},
        {"name": "qty", "type": "integer", "constraints": {"minimum": 1, "maximum": 10}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["飼料", "罐頭"]}},
        {"name": "note", "type": "string", "constraints": {"maxLength": 3}},
        {"name": "rate", "type": "number", "opslake": {"scale": 2}, "constraints": {"maximum": 1}},
        {"name": "day", "type": "date", "constraints": {"minimum": "2020-01-01"}}
        """

    static let good: [Value] = [.string("C123"), .int(3), .string("飼料"), .string("貓貓貓"),
                                .decimal(FixedDecimal(units: 85, scale: 2)), .date(LakeDate(year: 2026, month: 1, day: 1))]

    @Test("a valid record passes")
    func valid() throws {
        let v = try RecordValidator(schema: Self.schema(Self.validatorSchema))
        try v.validate(Self.good)
        var nullable = Self.good
        nullable[1] = .null
        nullable[5] = .null
        try v.validate(nullable)
    }

    static let violationCases: [(Int, Value, String, String)] = [
        (0, Value.null, "id", "is required but null"),
        (0, Value.string("C12"), "id", "does not match pattern"),
        (0, Value.string("xC123"), "id", "does not match pattern"),
        (0, Value.int(5), "id", "where the schema wants string"),
        (1, Value.int(0), "qty", "below minimum 1"),
        (1, Value.int(11), "qty", "above maximum 10"),
        (1, Value.string("3"), "qty", "where the schema wants integer"),
        (2, Value.string("玩具"), "kind", "is not one of 飼料, 罐頭"),
        (3, Value.string("貓貓貓貓"), "note", "more than maxLength 3"),
        (3, Value.string("a\u{0}b"), "note", "NUL"),
        (4, Value.decimal(FixedDecimal(units: 101, scale: 2)), "rate", "above maximum 1"),
        (5, Value.date(LakeDate(year: 2019, month: 12, day: 31)), "day", "below minimum 2020-01-01"),
        (5, Value.timestamp(Timestamp(secondsSinceEpoch: 0, offsetMinutes: 0)), "day", "where the schema wants date"),
    ]

    @Test("each broken rule is reported with its field", arguments: violationCases)
    func violations(index: Int, value: Value, field: String, message: String) throws {
        let v = try RecordValidator(schema: Self.schema(Self.validatorSchema))
        var row = Self.good
        row[index] = value
        let error = #expect(throws: FieldViolation.self) { try v.validate(row) }
        #expect(error?.field == field)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    /// Checks `row` as a sink's cells would: one typed check per field, then the row's end.
    /// A value with no cell type (a decimal) is checked as a `Value`.
    static func checkCells(_ row: [Value], _ v: RecordValidator) throws {
        for (i, value) in row.enumerated() {
            switch value {
            case .null: try v.checkNull(field: i)
            case .string(let s): try s.withUTF8Bytes { try v.check(string: $0, field: i) }
            case .int(let n): try v.check(int: n, field: i)
            case .date(let d): try v.check(date: d, field: i)
            case .timestamp(let t): try v.check(timestamp: t, field: i)
            default:
                var probe = Self.good
                probe[i] = value
                try v.validate(probe)
            }
        }
        try v.checkRowEnd(cells: row.count)
    }

    @Test("typed cells are checked exactly as whole rows are", arguments: violationCases)
    func cellViolations(index: Int, value: Value, field: String, message: String) throws {
        let v = try RecordValidator(schema: Self.schema(Self.validatorSchema))
        try Self.checkCells(Self.good, v)
        var row = Self.good
        row[index] = value
        let whole = #expect(throws: FieldViolation.self) { try v.validate(row) }
        let cells = #expect(throws: FieldViolation.self) { try Self.checkCells(row, v) }
        #expect(cells == whole)
    }

    @Test("a row of cells with a value too many or too few is refused")
    func cellCount() throws {
        let v = try RecordValidator(schema: Self.schema(Self.validatorSchema))
        let extra = #expect(throws: FieldViolation.self) { try v.check(int: 1, field: Self.good.count) }
        #expect(extra?.message == "more than 6 values for 6 fields")
        let short = #expect(throws: FieldViolation.self) { try v.checkRowEnd(cells: 5) }
        #expect(short?.message == "5 values for 6 fields")
    }

    @Test("DDL quotes every identifier and literal")
    func ddl() throws {
        let s = try Self.schema("{\"name\": \"a\", \"type\": \"datetime\", \"description\": \"it's\", \"constraints\": {\"required\": true}}",
                                extra: ", \"primaryKey\": \"a\"")
        let ddl = s.postgresDDL()
        #expect(ddl.contains("CREATE TABLE IF NOT EXISTS \"s\".\"t\" (\n  \"dt\" date NOT NULL,\n  \"a\" timestamptz NOT NULL,\n  PRIMARY KEY (\"dt\", \"a\")\n);"))
        #expect(ddl.contains("IS 'it''s';"))
        #expect(quoteIdentifier("a\"b") == "\"a\"\"b\"")
    }

    @Test("a foreign key is told in its column's comment, never declared as a constraint the per-partition loads would break")
    func foreignKeyComment() throws {
        let s = try Self.schema("{\"name\": \"id\", \"constraints\": {\"required\": true}}, {\"name\": \"owner\", \"description\": \"who\"}",
                                extra: ", \"primaryKey\": \"id\", \"foreignKeys\": [{\"fields\": \"owner\", \"reference\": {\"resource\": \"people\", \"fields\": \"person_id\"}}]")
        let ddl = s.postgresDDL()
        #expect(ddl.contains("COMMENT ON COLUMN \"s\".\"t\".\"owner\" IS 'who References s.people (person_id), as of the row''s dt; not enforced here, checked on the lake by opslake quality --foreign-keys.';"), "\(ddl)")
        #expect(!ddl.uppercased().contains("FOREIGN KEY") && !ddl.contains("REFERENCES "))
    }
}
