import ArgumentParser
import Billiards
import BilliardsAPI
import BilliardsVenue
import LakeCatalog
import LakeFormat
import Foundation

extension OpsLake {
    struct BilliardsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "billiards",
            abstract: "The billiards venue: serve its simulated upstream API, pull an API into the ODS, write an offline archive, replay one.",
            discussion: "docs/billiards-api.md describes the API, docs/billiards-pull.md the pull, docs/billiards-ods.md the archive and the ODS datasets.\n\nExamples:\n  opslake billiards serve --port 8080 --token-file token.txt\n  opslake billiards pull --lake lake --api-url http://127.0.0.1:8080 --token-file token.txt\n  opslake billiards archive --out archive --from 2026-03-01 --to 2026-03-07\n  opslake billiards replay --archive archive --lake lake",
            subcommands: [Serve.self, Pull.self, ArchiveCommand.self, Replay.self, DWD.self]
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
            @Option(help: "Records per page, 1-\(VenueResponses.maxPageSize).") var pageSize: Int = VenueResponses.defaultPageSize

            func validate() throws {
                guard let a = LakeDate(from) else { throw ValidationError("--from \(from) is not a date; write YYYY-MM-DD") }
                guard let b = LakeDate(to) else { throw ValidationError("--to \(to) is not a date; write YYYY-MM-DD") }
                guard a <= b else { throw ValidationError("--from \(from) is after --to \(to)") }
                guard (1...99).contains(stores) else { throw ValidationError("--stores must be 1...99") }
                guard (1...VenueResponses.maxPageSize).contains(pageSize) else { throw ValidationError("--page-size must be 1...\(VenueResponses.maxPageSize)") }
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
                    let storeIDs = try parseStores(stores)
                    let endpoints = try parseEndpoints(tasks)
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

extension OpsLake.BilliardsCommand {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the simulated venue's upstream API over HTTP, with optional injected faults.",
            discussion: """
                Serves the 23 endpoints of the venue-management SaaS (GET <path>?siteId=…&startTime=…&endTime=…&page=…&pageSize=…, \
                Authorization: Bearer <token>) until SIGTERM or SIGINT. Prints one line with the address it listens on; \
                --port 0 picks a free port. The token is read from --token-file and never printed. The contract and the \
                faults are in docs/billiards-api.md. Fault decisions depend only on --fault-seed and the request number \
                (every request counts, from 1); late records are chosen by a hash of their source key.

                Examples:
                  opslake billiards serve --port 8080 --token-file token.txt
                  opslake billiards serve --port 0 --token-file token.txt --now "2026-03-15 12:00:00" --fail-at 3,7 --throttle-rate 0.1 --retry-after 2
                """
        )

        @Option(help: "The TCP port; 0 picks a free one (printed).") var port: Int
        @Option(help: "The address to listen on (IPv4 or IPv6).") var host: String = "127.0.0.1"
        @Option(help: "A file whose first line is the bearer token clients must send.") var tokenFile: String
        @Option(help: "Stores of the simulated tenant, 1 to 99.") var stores: Int = 3
        @Option(help: "Seed of the venue simulation.") var seed: Int64 = 1
        @Option(help: "The stores' first business day, YYYY-MM-DD.") var opened: String = "2026-01-01"
        @Option(help: "The server's clock, fixed: \"YYYY-MM-DD HH:MM:SS\" (Asia/Shanghai); default: the real time. No record made after it is served.") var now: String?
        @Option(help: "Memory for cached windows, in MiB.") var cacheMb: Int = 64

        @Option(help: "Seed of the fault decisions.") var faultSeed: Int64 = 0
        @Option(help: "Share of requests answered 503.") var failRate: Double = 0
        @Option(help: "Request numbers answered 503, comma-separated (3,7).") var failAt: String?
        @Option(help: "Share of requests answered 429 with Retry-After.") var throttleRate: Double = 0
        @Option(help: "Request numbers answered 429, comma-separated.") var throttleAt: String?
        @Option(help: "Seconds in the Retry-After header of a 429.") var retryAfter: Int = 1
        @Option(help: "Share of responses held back for --slow-seconds.") var slowRate: Double = 0
        @Option(help: "Request numbers whose response is held back, comma-separated.") var slowAt: String?
        @Option(help: "How long a slow response is held back, in seconds.") var slowSeconds: Double = 30
        @Option(help: "Share of 200 responses cut off after half the body (the connection is closed).") var dropRate: Double = 0
        @Option(help: "Request numbers whose 200 response is cut off, comma-separated.") var dropAt: String?
        @Option(help: "Share of 200 responses whose JSON body is malformed.") var malformedRate: Double = 0
        @Option(help: "Request numbers whose 200 response is malformed JSON, comma-separated.") var malformedAt: String?
        @Option(help: "Share of list pages whose total counts one record more than the window holds.") var miscountRate: Double = 0
        @Option(help: "Request numbers whose list page miscounts its total, comma-separated.") var miscountAt: String?
        @Option(help: "After this many requests, every later one answers 401 (the token expired).") var tokenExpiresAfter: Int?
        @Option(help: "Share of records that become visible only --late-minutes after their version time.") var lateRate: Double = 0
        @Option(help: "How late a late record becomes visible, in minutes.") var lateMinutes: Int = 0

        func validate() throws {
            if LakeDate(opened) == nil { throw ValidationError("--opened \(opened) is not a date; write YYYY-MM-DD") }
            if let now, VenueTime(now) == nil { throw ValidationError("--now \(now) is not a time; write \"YYYY-MM-DD HH:MM:SS\"") }
            if seed < 0 || faultSeed < 0 { throw ValidationError("--seed and --fault-seed must be 0 or more") }
            if cacheMb < 1 { throw ValidationError("--cache-mb must be at least 1") }
            for (flag, list) in [("--fail-at", failAt), ("--throttle-at", throttleAt), ("--slow-at", slowAt), ("--drop-at", dropAt), ("--malformed-at", malformedAt), ("--miscount-at", miscountAt)] {
                _ = try Self.requestNumbers(flag, list)
            }
            do { try faults().validate() } catch let e as APISettingsError { throw ValidationError(e.description) }
        }

        func run() throws {
            try guarded {
                let token = try Self.readToken(tokenFile)
                var config = VenueConfig()
                config.storeCount = stores
                config.opened = LakeDate(opened)!
                let venue: Venue
                do { venue = try Venue(config: config, seed: UInt64(seed)) } catch let e as VenueConfigError {
                    throw InputError(.usage, e.description)
                }
                let settings = APISettings(token: token, faults: try faults(), clock: now.map { .fixed(VenueTime($0)!) } ?? .system,
                                           cacheBytes: cacheMb << 20)
                let server: BilliardsAPIServer
                do { server = try BilliardsAPIServer(api: VenueAPI(venue: venue, settings: settings), host: host, port: port) } catch let e as APISettingsError {
                    throw InputError(.usage, e.description)
                }
                let shown = host.contains(":") ? "[\(host)]" : host
                let seed = seed, opened = opened
                let ids = venue.stores.map { String($0.id) }.joined(separator: ",")
                do {
                    try server.serveUntilSignalled { port in
                        // Written at once, unbuffered: whoever started the server waits for this line.
                        let line = "billiards API listening on http://\(shown):\(port) (stores \(ids); seed \(seed), opened \(opened))\n"
                        FileHandle.standardOutput.write(Data(line.utf8))
                    }
                } catch let e as ServeError {
                    throw InputError(.unavailable, e.description)
                }
            }
        }

        func faults() throws -> FaultPlan {
            var plan = FaultPlan(seed: UInt64(max(0, faultSeed)))
            plan.fail = FaultRule(rate: failRate, at: try Self.requestNumbers("--fail-at", failAt))
            plan.throttle = FaultRule(rate: throttleRate, at: try Self.requestNumbers("--throttle-at", throttleAt))
            plan.retryAfterSeconds = retryAfter
            plan.slow = FaultRule(rate: slowRate, at: try Self.requestNumbers("--slow-at", slowAt))
            plan.slowSeconds = slowSeconds
            plan.drop = FaultRule(rate: dropRate, at: try Self.requestNumbers("--drop-at", dropAt))
            plan.malformed = FaultRule(rate: malformedRate, at: try Self.requestNumbers("--malformed-at", malformedAt))
            plan.miscount = FaultRule(rate: miscountRate, at: try Self.requestNumbers("--miscount-at", miscountAt))
            plan.tokenExpiresAfter = tokenExpiresAfter
            plan.lateRate = lateRate
            plan.lateMinutes = lateMinutes
            return plan
        }

        static func requestNumbers(_ flag: String, _ list: String?) throws -> Set<Int> {
            guard let list else { return [] }
            var numbers = Set<Int>()
            for part in list.split(separator: ",") {
                guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 1 else {
                    throw ValidationError("\(flag) \(list): write request numbers from 1, comma-separated (3,7)")
                }
                numbers.insert(n)
            }
            return numbers
        }

        /// The token: the file's first line without surrounding white space.
        static func readToken(_ path: String) throws -> String {
            guard FileManager.default.fileExists(atPath: path) else { throw InputError(.noInput, "token file \(path) does not exist") }
            guard let data = FileManager.default.contents(atPath: path) else { throw InputError(.noInput, "token file \(path) cannot be read") }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let token = line.trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { throw InputError(.config, "token file \(path) is empty") }
            return token
        }
    }
}
