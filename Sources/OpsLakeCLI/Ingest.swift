import ArgumentParser
import LakeCatalog
import LakeFormat
import TableSchema
import Foundation

extension OpsLake {
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one partition from a CSV or NDJSON file you already have (optionally .zst), validated against the dataset's schema.",
            discussion: "CSV needs a header naming the schema's fields in order; NDJSON objects need the same keys in order. The partition is replaced whole, or not at all." + "\n\nExamples:\n  opslake ingest petshop.order_items --date 2026-11-21 order_items.csv\n  opslake ingest petshop.orders --date 2026-11-21 orders.ndjson.zst"
        )

        @OptionGroup var options: LakeOptions
        @Argument(help: "The dataset, e.g. petshop.order_items.") var dataset: String
        @Option(help: "The partition date, YYYY-MM-DD.") var date: String
        @Argument(help: "The input: .csv, .ndjson or .jsonl, each optionally .zst.") var file: String
        @Option(help: "zstd level, 1-19.") var level: Int = ZstdCompressor.defaultLevel

        func validate() throws {
            guard let name = DatasetName(dataset) else { throw ValidationError("'\(dataset)' is not a dataset name; write schema.table, e.g. petshop.orders") }
            guard !name.isReserved else { throw ValidationError("'\(dataset)': \(name.reservedReason)") }
            guard LakeDate(date) != nil else { throw ValidationError("--date \(date) is not a date; write YYYY-MM-DD") }
            guard (1...19).contains(level) else { throw ValidationError("--level must be 1...19") }
        }

        func run() throws {
            try guarded {
                let name = DatasetName(dataset)!, dt = LakeDate(date)!
                // The lock first: the schema is read as the lake holds it while no one else
                // writes (and a lake in an older format is moved to the current one here).
                let lake = try WritableLake(root: options.lake, command: "ingest \(name) \(dt)")
                let schema = try namedSchema(name, in: options.readingSchemas(of: lake))
                guard FileIO.exists(file) else { throw InputError(.noInput, "cannot read \(file): no such file") }
                var base = file
                let compressed = base.hasSuffix(".zst")
                if compressed { base.removeLast(4) }
                let isCSV = base.hasSuffix(".csv")
                guard isCSV || base.hasSuffix(".ndjson") || base.hasSuffix(".jsonl") else {
                    throw InputError(.usage, "cannot tell the format of \(file); name it .csv, .ndjson or .jsonl (optionally .zst)")
                }
                let started = Date()
                let runID = try lake.beginRun(command: "ingest", arguments: [dataset, date, file], window: dt...dt)
                do {
                    var source: any ByteSource = try FileSource(path: file)
                    if compressed { source = try ZstdReader(source: source, name: file) }
                    let decoder = RowDecoder(columns: schema.columns)
                    var keys = KeyCheck(schema: schema)
                    var rows = 0
                    let record = try lake.writePartition(schema: schema, dt: dt, runID: runID, level: level, workers: 1) { sink in
                        /// Checks the next row's keys and writes it; errors name the file and line.
                        func accept(_ decode: () throws -> [Value], line: Int) throws {
                            do {
                                let row = try decode()
                                rows += 1
                                try keys.add(row, number: rows)
                                try sink.append(row)
                            } catch let e as FormatError {
                                throw FormatError(e.kind, "\(file) line \(line): \(e.message)")
                            }
                        }
                        if isCSV {
                            let reader = CSVReader(source: source)
                            do {
                                guard var header = try reader.next() else { throw InputError(.dataError, "\(file) is empty; it needs a header line") }
                                // Excel's "CSV UTF-8" (and `export --excel`) begins with a byte-order mark: not part of the first name.
                                if let first = header.first ?? nil, first.hasPrefix("\u{FEFF}") { header[0] = String(first.dropFirst()) }
                                try decoder.checkHeader(header)
                                while let fields = try reader.next() { try accept({ try decoder.decode(csv: fields) }, line: reader.line) }
                            } catch let e as FormatError where !e.message.hasPrefix(file) {
                                throw FormatError(e.kind, "\(file): \(e.message)")
                            }
                        } else {
                            let reader = NDJSONReader(source: source)
                            while let members = try reader.next() { try accept({ try decoder.decode(json: members) }, line: reader.line) }
                        }
                    }
                    let seconds = Date().timeIntervalSince(started)
                    try lake.finishRun(runID, partitions: 1, rows: Int64(record.rows), bytes: record.bytes, seconds: seconds, error: nil)
                    print("ingested \(name) dt=\(dt): \(record.rows) rows, \(humanBytes(record.bytes)) in \(String(format: "%.2f", seconds)) s")
                } catch {
                    try? lake.finishFailedRun(runID, seconds: Date().timeIntervalSince(started), error: classify(error).1)
                    throw error
                }
            }
        }
    }
}
