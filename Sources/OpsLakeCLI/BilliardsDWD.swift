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
                docs/billiards-dwd.md describes every table.

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
                guard s.failures.isEmpty else {
                    for line in s.failures { FileHandle.standardError.write(Data("opslake: error: \(line)\n".utf8)) }
                    throw ExitCode(ExitStatus.dataError.rawValue)
                }
            }
        }
    }
}
