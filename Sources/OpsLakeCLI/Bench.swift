import ArgumentParser
import Billiards
import GeneratorKit
import LakeFormat
import Foundation

extension OpsLake {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmarks, each printed beside the reference it is compared with.",
                discussion: "Examples:\n  opslake bench format --rows 200000 --rounds 3",
            subcommands: [Format.self, DWDSQL.self]
        )

        struct DWDSQL: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "dwd-sql",
                abstract: "Print the DuckDB SQL that does the DWD's flattening of a lake's ODS (the reference of scripts/bench-dwd.sh).",
                discussion: "Examples:\n  opslake bench dwd-sql --lake lake --out /tmp/duckdb-dwd | duckdb"
            )
            @OptionGroup var options: LakeOptions
            @Option(help: "The folder DuckDB writes its tables to.") var out: String

            func run() throws { print(DWDModel.duckDBSQL(lake: options.lake, out: out)) }
        }

        struct Format: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Encode an order-line table to CSV + NDJSON + zstd, beside the zstd CLI compressing the same bytes.",
                discussion: "Examples:\n  opslake bench format\n  opslake bench format --rows 200000 --level 1"
            )

            @Option(help: "Rows in the table.") var rows = 1_000_000
            @Option(help: "zstd level for both.") var level = 3
            @Option(help: "Rounds of the three runs; each figure is the median of the rounds, with its spread.") var rounds = 3
            @Option(help: "Scratch folder (default: a new temporary folder, removed afterwards).") var scratch: String?

            func validate() throws {
                guard rows >= 1 else { throw ValidationError("--rows must be 1 or more") }
                guard (1...19).contains(level) else { throw ValidationError("--level must be 1...19") }
                guard (1...99).contains(rounds) else { throw ValidationError("--rounds must be 1...99") }
            }

            func run() throws {
                try guarded {
                    let dir = scratch ?? NSTemporaryDirectory() + "opslake-bench-\(getpid())"
                    try FileIO.makeDirectories(dir)
                    defer { if scratch == nil { try? FileManager.default.removeItem(atPath: dir) } }
                    let columns = OrderLines.columns
                    let table = OrderLines.make(rows: rows)
                    let key = PartitionKey(DatasetName("petshop.order_items")!, LakeDate(year: 2026, month: 11, day: 21))

                    // The reference's input: the same uncompressed bytes, written once.
                    var files: [String] = []
                    for format in FileFormat.allCases {
                        let path = "\(dir)/reference.\(format.rawValue)"
                        let out = ByteBuffer(capacity: 1 << 20)
                        let fd = try FileIO.createExclusive(path)
                        try FileIO.closeAfter(fd, path: path) {
                            if format == .csv { CSVEncoder(columns: columns).encodeHeader(into: out) }
                            let csv = CSVEncoder(columns: columns), ndjson = NDJSONEncoder(columns: columns)
                            for row in table {
                                if format == .csv { csv.encode(row, into: out) } else { ndjson.encode(row, into: out) }
                                if out.count > 1 << 20 { try FileIO.writeAll(fd, out.bytes, path: path); out.removeAll() }
                            }
                            try FileIO.writeAll(fd, out.bytes, path: path)
                        }
                        files.append(path)
                    }
                    let referenceRaw = files.reduce(Int64(0)) { $0 + (FileIO.size($1) ?? 0) }

                    func opslake(workers: Int) throws -> (seconds: Double, raw: Int64, stored: Int64) {
                        let start = Date()
                        let writer = try PartitionWriter(lakeRoot: dir, key: key, columns: columns, level: level, workers: workers)
                        for row in table { try writer.append(row) }
                        let written = try writer.finish()
                        let seconds = Date().timeIntervalSince(start)
                        writer.abort()
                        return (seconds, written.files.reduce(0) { $0 + $1.uncompressedBytes }, written.files.reduce(0) { $0 + $1.bytes })
                    }
                    func reference() throws -> (seconds: Double, raw: Int64, stored: Int64) {
                        let start = Date()
                        for file in files {
                            let p = Process()
                            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                            p.arguments = ["zstd", "-\(level)", "-q", "-f", file, "-o", file + ".zst"]
                            try p.run()
                            p.waitUntilExit()
                            guard p.terminationStatus == 0 else { throw InputError(.unavailable, "the zstd command failed; install the zstd package") }
                        }
                        let seconds = Date().timeIntervalSince(start)
                        return (seconds, referenceRaw, files.reduce(Int64(0)) { $0 + (FileIO.size($1 + ".zst") ?? 0) })
                    }

                    print("bench format: \(rows) order-line rows (\(columns.count) columns), zstd level \(level), \(rounds) rounds")
                    let names = ["opslake, compressing inline", "opslake, 1 zstd worker per file", "zstd -\(level) CLI, same bytes (reference)"]
                    let runs: [() throws -> (seconds: Double, raw: Int64, stored: Int64)] = [{ try opslake(workers: 0) }, { try opslake(workers: 1) }, reference]
                    var seconds = [[Double]](repeating: [], count: 3)
                    var sizes = [(raw: Int64, stored: Int64)](repeating: (0, 0), count: 3)
                    for round in 0..<rounds {
                        // The reference first in odd rounds, last in even ones.
                        for i in round % 2 == 0 ? [2, 0, 1] : [0, 1, 2] {
                            let r = try runs[i]()
                            seconds[i].append(r.seconds)
                            sizes[i] = (r.raw, r.stored)
                        }
                    }
                    let medians = seconds.map(median)
                    for i in 0..<3 {
                        report(names[i], rows: rows, bytes: sizes[i].raw, seconds: medians[i], spread: seconds[i],
                               extra: "\(humanBytes(sizes[i].raw)) raw → \(humanBytes(sizes[i].stored)) stored")
                    }
                    let referenceRate = Double(sizes[2].raw) / medians[2]
                    for i in 0..<2 {
                        print(String(format: "  %@: %.0f%% of the zstd CLI's throughput (target ≥ 60%%)", names[i],
                                     100 * Double(sizes[i].raw) / medians[i] / referenceRate))
                    }
                    print("  (median of \(rounds) rounds; min–max seconds in brackets)")
                }
            }

            func median(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                let mid = sorted.count / 2
                return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
            }

            func report(_ name: String, rows: Int, bytes: Int64, seconds: Double, spread: [Double], extra: String) {
                let padded = name.padding(toLength: 42, withPad: " ", startingAt: 0)
                print("  " + padded + String(format: " %10.0f rows/s  %7.1f MB/s  %6.2f s (%.2f–%.2f)  ", Double(rows) / seconds,
                                             Double(bytes) / seconds / 1e6, seconds, spread.min() ?? 0, spread.max() ?? 0) + extra)
            }
        }
    }
}

/// An order-line table like `petshop.order_items`, made deterministically for benchmarks.
enum OrderLines {
    static let columns: [Column] = [
        Column("order_id", .string), Column("line_no", .integer), Column("product_id", .string),
        Column("product_name", .string), Column("category", .string), Column("quantity", .integer),
        Column("unit_price", .integer), Column("line_total", .integer), Column("ordered_at", .datetime),
    ]

    static func make(rows: Int) -> [[Value]] {
        var random = SplitMix64(seed: 20261121)
        let brands = ["皇家", "希爾思", "渴望", "愛肯拿", "汪喵星球", "陪心寵糧", "Nutro 美士", "倍力", "寵物王國", "法米納"]
        let categories = ["飼料", "罐頭", "尿布墊", "貓砂", "零食", "潔牙骨", "保健食品", "凍乾", "玩具", "用品"]
        let products: [(String, String, Int64)] = (0..<2000).map { i in
            let category = categories[i % categories.count]
            let brand = brands[Int(random.next() % UInt64(brands.count))]
            let size = [1, 2, 3, 5, 7, 10][Int(random.next() % 6)]
            return ("\(brand) \(category) \(size)kg 第\(i)款", category, Int64(50 + random.next() % 2000))
        }
        let day = LakeDate(year: 2026, month: 11, day: 21)
        var table: [[Value]] = []
        table.reserveCapacity(rows)
        var order = 0, line = 0, linesInOrder = 0
        while table.count < rows {
            if line == linesInOrder {
                order += 1
                line = 0
                linesInOrder = 1 + Int(random.next() % 5)
            }
            line += 1
            let p = Int(random.next() % UInt64(products.count))
            let quantity = Int64(1 + random.next() % 6)
            let id = String(order)
            table.append([
                .string("O20261121" + String(repeating: "0", count: 7 - id.count) + id), .int(Int64(line)),
                .string("P" + String(format: "%06d", p)), .string(products[p].0), .string(products[p].1),
                .int(quantity), .int(products[p].2), .int(quantity * products[p].2),
                .timestamp(Timestamp(date: day, secondOfDay: Int(random.next() % 86_400), offsetMinutes: 480)),
            ])
        }
        return table
    }
}
