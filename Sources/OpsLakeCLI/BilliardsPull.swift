import ArgumentParser
import Billiards
import BilliardsVenue
import Configuration
import LakeCatalog
import LakeFormat
import Foundation

extension OpsLake.BilliardsCommand {
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull the billiards API's records into the lake's ODS (billiards_ods.*), each task from its cursor.",
            discussion: """
                A task is one endpoint of one store (its cursor: billiards_ods.<dataset>@<store>). Its windows run from the \
                day after its cursor (the first starting billiards.overlap_minutes early, for late records) to --until, one \
                per business day (08:00 to 08:00 Asia/Shanghai); a task with no cursor starts billiards.history_days \
                before, and a master-data task (members, cards, tables, goods, categories, assistants, packages) with no cursor first asks \
                for everything changed from billiards.master_since up to that day, in one window. Every page of a window is fetched before it is landed whole; a cursor moves only after its window \
                is committed. Requests are retried with backoff on timeouts, dropped connections, 5xx and 429 (honouring \
                Retry-After). A task that fails stops at that window and the others carry on, each failure one line on \
                stderr; the exit code is then the first failed task's (75 retries exhausted, 65 a response that is not \
                the envelope). An unreachable API (69) or a refused token (77) stops the whole pull, with one line. Settings come from the lake's opslake.toml, --config, OPSLAKE_BILLIARDS_* and these flags \
                (docs/billiards-pull.md); the token is never printed.

                Examples:
                  opslake billiards pull --lake lake --api-url https://api.example.com --token-file /etc/opslake/token
                  opslake billiards pull --lake lake --tasks settlement_records,payment_transactions --stores 1001204540000001 --dry-run
                  opslake billiards pull --lake lake --save-archive archive-2026-03-01
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "The API's base URL (billiards.api_url).") var apiURL: String?
        @Option(help: "A file whose first line is the bearer token (billiards.token_file).") var tokenFile: String?
        @Option(help: "Only these stores (siteIds), comma-separated (default: billiards.stores).") var stores: [String] = []
        @Option(help: "Only these endpoints (dataset names such as settlement_records), comma-separated.") var tasks: [String] = []
        @Option(help: "Requests in flight at once (billiards.jobs).") var jobs: Int?
        @Option(help: "Records per page (billiards.page_size).") var pageSize: Int?
        @Option(help: "Seconds without an answer before a request is retried (billiards.timeout_seconds).") var timeout: Double?
        @Option(help: "Retries of a request (billiards.retries).") var retries: Int?
        @Option(help: "Minutes the first window of a task reaches back before its cursor's next day (billiards.overlap_minutes).")
        var overlapMinutes: Int?
        @Option(help: "The first business day of a task with no cursor, YYYY-MM-DD (default: billiards.history_days before --until).")
        var from: String?
        @Option(help: "The end of the last window, \"YYYY-MM-DD HH:MM:SS\" Asia/Shanghai (default: now, or $OPSLAKE_NOW).")
        var until: String?
        @Option(help: "Keep every response as received in this new folder (an archive that `billiards replay` lands).") var saveArchive: String?
        @Flag(help: "Print the plan (tasks, cursors, windows) and touch nothing: no request, no write.") var dryRun = false
        @Flag(help: "Print the summary as one line of JSON on stdout.") var json = false

        func validate() throws {
            if let from, LakeDate(from) == nil { throw ValidationError("--from \(from) is not a date; write YYYY-MM-DD") }
            if let until, VenueTime(until) == nil { throw ValidationError("--until \(until) is not a time; write \"YYYY-MM-DD HH:MM:SS\"") }
        }

        func run() throws {
            try guarded {
                var flags: [(flag: String, key: String, value: TOMLValue)] = []
                if let apiURL { flags.append(("--api-url", "billiards.api_url", .string(apiURL))) }
                if let tokenFile { flags.append(("--token-file", "billiards.token_file", .string(tokenFile))) }
                if let jobs { flags.append(("--jobs", "billiards.jobs", .integer(Int64(jobs)))) }
                if let pageSize { flags.append(("--page-size", "billiards.page_size", .integer(Int64(pageSize)))) }
                if let timeout { flags.append(("--timeout", "billiards.timeout_seconds", .float(timeout))) }
                if let retries { flags.append(("--retries", "billiards.retries", .integer(Int64(retries)))) }
                if let overlapMinutes { flags.append(("--overlap-minutes", "billiards.overlap_minutes", .integer(Int64(overlapMinutes)))) }
                let storeIDs = try parseStores(stores)
                if !storeIDs.isEmpty { flags.append(("--stores", "billiards.stores", .array(storeIDs.map { .integer($0) }))) }
                let settings = try PullSettings(try DomainContext(lake: options.lake, config: configOptions.config, flags: flags).settings)
                let endpoints = try parseEndpoints(tasks)
                let end = try until.map { VenueTime($0)! } ?? (try pullNow())
                let existing = try options.existingLake()
                let plans = try BilliardsPull.plan(cursors: { try existing?.catalog.cursor($0) }, stores: settings.stores,
                                                   endpoints: endpoints.isEmpty ? Endpoint.allCases : endpoints, until: end,
                                                   from: from.map { LakeDate($0)! }, historyDays: settings.historyDays,
                                                   overlapMinutes: settings.overlapMinutes, masterSince: settings.masterSince,
                                                   maxWindowDays: settings.maxWindowDays)
                if dryRun {
                    printPlan(plans, settings: settings, until: end)
                    return
                }
                let lake = try WritableLake(root: options.lake, command: "billiards pull", create: true)
                for schema in try BilliardsODS.tableSchemas() { try lake.register(schema) }
                let summary = try BilliardsPull.run(plans, settings: settings, into: lake, archive: saveArchive,
                                                    arguments: Array(CommandLine.arguments.dropFirst()))
                report(summary)
                // What stopped the pull outranks a task's own failure: it is why the rest did not finish.
                if let error = summary.stopped ?? summary.failed.first?.error {
                    throw ExitCode(error.status.rawValue)
                }
            }
        }

        func report(_ summary: BilliardsPull.Summary) {
            let t = summary.totals
            // One line per cause: what stopped the pull once (not once per task it stopped),
            // then each task that failed on its own.
            if let stopped = summary.stopped { printError("opslake: error: \(stopped.message)") }
            for o in summary.failed where o.error!.status != summary.stopped?.status {
                printError("opslake: error: \(o.task): \(o.error!.message)")
            }
            if json {
                struct Line: Encodable {
                    var tasks: Int, failed: Int, windows: Int, requests: Int, retries: Int, pages: Int, records: Int, bytes: Int64
                    var partitions: Int, rows: Int, unchanged: Int
                }
                try? printJSONLine(Line(tasks: summary.tasks.count, failed: summary.failed.count, windows: t.windows, requests: t.counts.requests,
                                        retries: t.counts.retries, pages: t.counts.pages, records: t.counts.records, bytes: t.counts.bytes,
                                        partitions: summary.landed.written, rows: summary.landed.rows, unchanged: summary.landed.unchanged))
                return
            }
            print("pulled \(summary.tasks.count - summary.failed.count) of \(summary.tasks.count) tasks: \(t.windows) windows, "
                  + "\(t.counts.requests) requests (\(t.counts.retries) retries), \(t.counts.records) records, \(humanBytes(t.counts.bytes)); "
                  + "\(summary.landed.written) partitions written, \(summary.landed.rows) rows, \(summary.landed.unchanged) unchanged"
                  + (summary.archive.map { "; archived \($0.files) responses in \(saveArchive ?? "")" } ?? ""))
        }

        func printPlan(_ plans: [BilliardsPull.TaskPlan], settings: PullSettings, until: VenueTime) {
            print("dry run: \(plans.count) tasks from \(settings.baseURL.absoluteString), until \(until), page size \(settings.pageSize); nothing is requested or written")
            for p in plans {
                guard let first = p.windows.first, let last = p.windows.last else {
                    print("\(p.task): cursor \(p.cursor?.description ?? "-"), nothing to pull")
                    continue
                }
                print("\(p.task): cursor \(p.cursor?.description ?? "-"), \(p.windows.count) windows \(first.start)..<\(last.end)"
                      + (p.task.endpoint == .settlementTicketDetails ? " (a request per settlement made in them)" : ", pages known after page 1"))
            }
        }
    }
}

/// The pull's "now": `$OPSLAKE_NOW` ("YYYY-MM-DD HH:MM:SS" Asia/Shanghai) when set, else the clock.
func pullNow() throws -> VenueTime {
    if let text = ProcessInfo.processInfo.environment["OPSLAKE_NOW"], !text.isEmpty {
        guard let t = VenueTime(text) else { throw InputError(.usage, "OPSLAKE_NOW=\(text) is not a time; write \"YYYY-MM-DD HH:MM:SS\" or unset it") }
        return t
    }
    return VenueTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
}

/// `--stores` as store ids.
func parseStores(_ stores: [String]) throws -> [Int64] {
    try stores.flatMap { $0.split(separator: ",") }.map { text -> Int64 in
        guard let id = Int64(text.trimmingCharacters(in: .whitespaces)), id > 0 else {
            throw InputError(.usage, "--stores \(text) is not a store id (a siteId such as 1001204540000001)")
        }
        return id
    }
}

/// `--tasks` as endpoints (dataset names, with or without `billiards_ods.`).
func parseEndpoints(_ tasks: [String]) throws -> [Endpoint] {
    try tasks.flatMap { $0.split(separator: ",") }.map { text -> Endpoint in
        let name = text.trimmingCharacters(in: .whitespaces)
        guard let e = Endpoint(rawValue: name.hasPrefix("billiards_ods.") ? String(name.dropFirst(14)) : name) else {
            throw InputError(.usage, "--tasks \(name) is not an endpoint; the endpoints are \(Endpoint.allCases.map(\.dataset).joined(separator: ", "))")
        }
        return e
    }
}
