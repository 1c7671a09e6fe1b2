import ArgumentParser
import Billiards
import LakeCatalog
import LakeFormat
import Foundation

extension OpsLake.BilliardsCommand {
    struct DWD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dwd",
            abstract: "Build the DWD layer (billiards.*) from the ODS: typed, flat tables by business process, and their dimensions.",
            discussion: """
                Reads every ODS partition in the range whose files changed since its DWD partitions were built (the catalogue's \
                derivations table records what each was built from) and rewrites the same day's partition of every DWD table \
                read from it; the rest are left alone. A partition whose payloads break a rule (a field missing or malformed, \
                an unknown status code) is reported on one line naming dataset, dt, source key and field, and left as it was; \
                the others are built, and the command exits 65. Payload fields no rule knows are kept in the ODS and named once. \
                Then the quality checks run over the whole DWD and are recorded with the run (`opslake quality` shows them); \
                a failed check also exits 65, naming its first offending keys. docs/billiards-dwd.md describes every table and check.

                Examples:
                  opslake billiards dwd --lake lake
                  opslake billiards dwd --lake lake --from 2026-03-01 --to 2026-03-31 --json
                """
        )
        @OptionGroup var options: LakeOptions
        @Option(help: "The first ODS day to read, YYYY-MM-DD (default: the first there is).") var from: String?
        @Option(help: "The last ODS day to read, YYYY-MM-DD (default: the last there is).") var to: String?
        @Flag(help: "Build every partition in the range again, changed or not (the bytes come out the same when nothing changed).") var rebuild = false
        @Flag(help: "Print the summary as JSON.") var json = false

        func validate() throws {
            if let from, LakeDate(from) == nil { throw ValidationError("--from \(from) is not a date; write YYYY-MM-DD") }
            if let to, LakeDate(to) == nil { throw ValidationError("--to \(to) is not a date; write YYYY-MM-DD") }
            if let from, let to, LakeDate(from)! > LakeDate(to)! { throw ValidationError("--from \(from) is after --to \(to)") }
        }

        func run() throws {
            try guarded {
                let lake = try WritableLake(root: options.lake, command: "billiards dwd")
                let s = try DWDBuild.run(lake: lake, from: from.flatMap(LakeDate.init), to: to.flatMap(LakeDate.init),
                                         rebuild: rebuild, arguments: Array(CommandLine.arguments.dropFirst()))
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(s), as: UTF8.self))
                } else {
                    print("dwd: \(s.considered) ODS partitions: \(s.rebuilt) read, \(s.unchanged) unchanged, \(s.failures.count) failed; "
                          + "\(s.written) DWD partitions written, \(s.rows) rows")
                }
                if !s.newFields.isEmpty {
                    FileHandle.standardError.write(Data("opslake: note: payload fields no DWD rule reads, kept in the ODS only: \(s.newFields.joined(separator: ", "))\n".utf8))
                }
                if !json { printQuality(s.quality) }
                let failed = s.quality.filter { !$0.passed }
                for line in s.failures { FileHandle.standardError.write(Data("opslake: error: \(line)\n".utf8)) }
                for q in failed {
                    FileHandle.standardError.write(Data("opslake: error: quality check \(q.check) failed for \(q.failures) of \(q.checked): \(q.offenders.joined(separator: "; "))\n".utf8))
                }
                guard s.failures.isEmpty && failed.isEmpty else { throw ExitCode(ExitStatus.dataError.rawValue) }
            }
        }
    }
}

/// One line per check: `ok   card_balance  1,204 checked` or `FAIL … 3 of 1,204: <first keys>`.
func printQuality(_ results: [QualityResult]) {
    let width = max(24, results.map(\.check.count).max() ?? 0)
    for q in results {
        let head = "\(q.passed ? "ok  " : "FAIL") \(q.check.padding(toLength: width, withPad: " ", startingAt: 0))"
        if q.passed {
            print("\(head) \(q.checked) checked")
        } else {
            print("\(head) \(q.failures) of \(q.checked) wrong: \(q.offenders.joined(separator: "; "))")
        }
    }
}

extension OpsLake {
    struct Quality: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the last recorded quality checks of the lake, or check the relationships its schemas declare.",
            discussion: """
                The billiards checks run after every `opslake billiards dwd` and are recorded with its run in the catalogue: \
                card balances, settlement consistency, ODS/DWD count alignment and referential integrity \
                (docs/billiards-dwd.md); `opslake quality` shows the last of them. Exits 65 when they did not all pass, \
                66 when none were ever recorded.

                --foreign-keys checks every foreign key the lake's table schemas declare instead, now, over the lake's \
                partitions (--datasets, --date, --from, --to choose the referencing ones): each non-null key must name \
                a row that exists by the row's day (a customer registered by the order's day; a product in the \
                catalogue snapshot in force that day). One line per foreign key; the first violations are named by \
                dataset, dt and primary key. Read-only; exits 65 when any key is violated (docs/table-schemas.md).

                Examples:
                  opslake quality --lake lake
                  opslake quality --lake lake --json
                  opslake quality --lake lake --foreign-keys --datasets 'petshop.*' --from 2026-01-01
                """
        )
        @OptionGroup var options: LakeOptions
        @Flag(help: "Check the foreign keys the schemas declare over the lake now, instead of showing the last recorded checks.")
        var foreignKeys = false
        @OptionGroup var selection: PartitionSelection
        @Flag(help: "Print {run, checkedAt, results: [{check, passed, checked, failures, offenders, detail}]} (with --foreign-keys: {results}).")
        var json = false

        struct Report: Encodable {
            var run: Int64?
            var checkedAt: String
            var results: [QualityResult]
        }

        func validate() throws {
            if !foreignKeys, !selection.datasets.isEmpty || selection.date != nil || selection.from != nil || selection.to != nil {
                throw ValidationError("--datasets, --date, --from and --to choose what --foreign-keys checks; add --foreign-keys")
            }
        }

        func run() throws {
            try guarded {
                let lake = try Lake(root: options.lake)
                if foreignKeys {
                    let datasets = try selection.chosen(in: lake)
                    let started = Timestamp.utcNow
                    let results = try lake.checkForeignKeys(datasets: datasets, window: selection.window)
                    if json {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                        print(String(decoding: try encoder.encode(Report(run: nil, checkedAt: started, results: results)), as: UTF8.self))
                    } else if results.isEmpty {
                        print("no foreign keys are declared by the datasets chosen")
                    } else {
                        print("foreign keys of \(options.lake):")
                        printQuality(results)
                    }
                    guard results.allSatisfy(\.passed) else { throw ExitCode(ExitStatus.dataError.rawValue) }
                    return
                }
                guard let last = try lake.catalog.lastQuality() else {
                    throw InputError(.noInput, "no quality checks are recorded in \(options.lake); run `opslake billiards dwd --lake \(options.lake)`")
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(Report(run: last.runID, checkedAt: last.checkedAt, results: last.results)), as: UTF8.self))
                } else {
                    print("quality checks of run \(last.runID) (\(last.checkedAt)):")
                    printQuality(last.results)
                }
                guard last.results.allSatisfy(\.passed) else { throw ExitCode(ExitStatus.dataError.rawValue) }
            }
        }
    }
}
