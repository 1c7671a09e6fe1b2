import ArgumentParser
import Billiards
import BilliardsVenue
import LakeCatalog
import LakeFormat
import Foundation

extension OpsLake {
    struct BilliardsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "billiards",
            abstract: "The billiards venue: write an offline archive of its API from the simulator, replay an archive into the ODS.",
            discussion: "docs/billiards-ods.md describes the archive and the ODS datasets.\n\nExamples:\n  opslake billiards archive --out archive --from 2026-03-01 --to 2026-03-07\n  opslake billiards replay --archive archive --lake lake",
            subcommands: [ArchiveCommand.self, Replay.self]
        )

        struct ArchiveCommand: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "archive",
                abstract: "Write the simulator's API responses for business days D1..D2 as an offline archive (one file per request and index.ndjson).",
                discussion: "Examples:\n  opslake billiards archive --out archive --from 2026-03-01 --to 2026-03-07 --stores 5 --seed 7 --page-size 50"
            )
            @Option(help: "The archive folder to create.") var out: String
            @Option(help: "The first business day, YYYY-MM-DD.") var from: String
            @Option(help: "The last business day, YYYY-MM-DD.") var to: String
            @Option(help: "How many stores the tenant has, 1-99.") var stores: Int = 3
            @Option(help: "The simulation's seed.") var seed: UInt64 = 1
            @Option(help: "Records per page, 1-\(VenueAPI.maxPageSize).") var pageSize: Int = VenueAPI.defaultPageSize

            func validate() throws {
                guard let a = LakeDate(from) else { throw ValidationError("--from \(from) is not a date; write YYYY-MM-DD") }
                guard let b = LakeDate(to) else { throw ValidationError("--to \(to) is not a date; write YYYY-MM-DD") }
                guard a <= b else { throw ValidationError("--from \(from) is after --to \(to)") }
                guard (1...99).contains(stores) else { throw ValidationError("--stores must be 1...99") }
                guard (1...VenueAPI.maxPageSize).contains(pageSize) else { throw ValidationError("--page-size must be 1...\(VenueAPI.maxPageSize)") }
            }

            func run() throws {
                try guarded {
                    var config = VenueConfig()
                    config.storeCount = stores
                    let venue = try Venue(config: config, seed: seed)
                    let s = try VenueArchive.write(venue: venue, to: out, from: LakeDate(from)!, through: LakeDate(to)!, pageSize: pageSize)
                    print("archived \(from)...\(to), \(stores) stores: \(s.files) responses, \(s.records) records, \(humanBytes(s.bytes)) in \(out)")
                }
            }
        }

        struct Replay: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Land an offline archive of the billiards API in the lake's ODS (billiards_ods.*): the offline pull.",
                discussion: """
                    Every file is checked against index.ndjson (missing: exit 66; damaged: exit 65). Each window (endpoint, \
                    store, time range) is committed whole or not at all, and its cursor moves after it; partitions whose rows \
                    do not change are not rewritten, so replaying an archive again commits nothing. The lake is created when missing.

                    Examples:
                      opslake billiards replay --archive archive --lake lake
                      opslake billiards replay --archive archive --stores 1001204540000001 --tasks settlement_records,payment_transactions
                    """
            )
            @OptionGroup var options: LakeOptions
            @Option(help: "The archive folder.") var archive: String
            @Option(help: "Only these stores (siteIds), comma-separated.") var stores: [String] = []
            @Option(help: "Only these endpoints (dataset names such as settlement_records), comma-separated.") var tasks: [String] = []

            func run() throws {
                try guarded {
                    let storeIDs = try stores.flatMap { $0.split(separator: ",") }.map { text -> Int64 in
                        guard let id = Int64(text.trimmingCharacters(in: .whitespaces)) else {
                            throw InputError(.usage, "--stores \(text) is not a store id (a siteId such as 1001204540000001)")
                        }
                        return id
                    }
                    let endpoints = try tasks.flatMap { $0.split(separator: ",") }.map { text -> Endpoint in
                        let name = text.trimmingCharacters(in: .whitespaces)
                        guard let e = Endpoint(rawValue: name.hasPrefix("billiards_ods.") ? String(name.dropFirst(14)) : name) else {
                            throw InputError(.usage, "--tasks \(name) is not an endpoint; the endpoints are \(Endpoint.allCases.map(\.dataset).joined(separator: ", "))")
                        }
                        return e
                    }
                    let lake = try WritableLake(root: options.lake, command: "billiards replay", create: true)
                    let s = try ArchiveReplay.run(archive, into: lake, stores: storeIDs.isEmpty ? nil : Set(storeIDs),
                                                  endpoints: endpoints.isEmpty ? nil : Set(endpoints),
                                                  arguments: Array(CommandLine.arguments.dropFirst()))
                    print("replayed \(s.windows) windows (\(s.files) responses, \(s.records) records): \(s.written) partitions written, \(s.rows) rows, \(s.unchanged) unchanged")
                }
            }
        }
    }
}
