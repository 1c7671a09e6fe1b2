import ArgumentParser
import Billiards
import BilliardsVenue
import GeneratorKit
import LakeCatalog
import LakeFormat
import Foundation

extension OpsLake {
    struct Tasks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every task of every domain with its cursor, last run and state.",
            discussion: """
                The generated domains' scheduled tasks (`opslake run`) and the billiards pull's tasks, one per endpoint \
                and store (`opslake billiards pull`): the stores of billiards.stores and any other store the lake has a \
                cursor for. A task is "up to date" when its cursor has reached the last day it can (yesterday, less its \
                lag; for the pull, the business day before the current one), "N days behind" when not, "never run" without \
                a cursor, and "failed" when its last pull failed (with the error). $OPSLAKE_TODAY fixes "today", \
                $OPSLAKE_NOW the pull's "now".

                Examples:
                  opslake tasks --lake lake
                  opslake tasks --lake lake --domain billiards_ods --json
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "Only this domain's tasks (petshop, billiards_ods).") var domain: String?
        @Flag(help: "Print a JSON array of {task, domain, store, cursor, due, lastRun, state, error}.") var json = false

        struct Row: Encodable {
            var task: String
            var domain: String
            var store: Int64?
            var cursor: String?
            var due: String
            var lastRun: String?
            var state: String
            var error: String?
        }

        func run() throws {
            try guarded {
                let names = Domains.withSchemas.map { $0.name }
                if let domain, !names.contains(domain) {
                    throw InputError(.usage, "unknown domain \(domain); the domains are \(names.joined(separator: ", "))")
                }
                let context = try DomainContext(lake: options.lake, config: configOptions.config)
                let lake = try options.existingLake()
                let cursors = try lake?.catalog.cursors() ?? [:]
                let today = try taipeiToday()
                var rows: [Row] = []
                func state(_ cursor: LakeDate?, due: LakeDate) -> String {
                    guard let cursor else { return "never run" }
                    let behind = due.daysSinceEpoch - cursor.daysSinceEpoch
                    return behind <= 0 ? "up to date" : behind == 1 ? "1 day behind" : "\(behind) days behind"
                }
                for d in Domains.all where domain == nil || domain == d.name {
                    for task in d.tasks {
                        let cursor = cursors[task.name]
                        let due = today.adding(days: -task.lagDays)
                        rows.append(Row(task: task.name, domain: d.name, cursor: cursor?.day.description, due: due.description,
                                        lastRun: cursor?.updatedAt, state: state(cursor?.day, due: due)))
                    }
                }
                if domain == nil || domain == BilliardsODS.name {
                    let last = try lake?.catalog.lastRunTasks(prefix: BilliardsODS.name + ".") ?? [:]
                    var stores = try PullSettings.stores(context.settings)
                    for name in cursors.keys.sorted() where name.hasPrefix(BilliardsODS.name + ".") {
                        if let id = name.split(separator: "@").last.flatMap({ Int64($0) }), !stores.contains(id) { stores.append(id) }
                    }
                    // A business day (08:00 to 08:00 Asia/Shanghai) is whole the next morning: the one
                    // before the current business day is the last a pull can finish.
                    let due = try pullNow().businessDate.adding(days: -1)
                    for store in stores {
                        for endpoint in Endpoint.allCases {
                            let name = BilliardsODS.cursorName(endpoint, store: store)
                            let cursor = cursors[name]
                            let run = last[name]
                            var s = state(cursor?.day, due: due)
                            if run?.task.error != nil { s = "failed" }
                            rows.append(Row(task: name, domain: BilliardsODS.name, store: store, cursor: cursor?.day.description, due: due.description,
                                            lastRun: run?.finishedAt ?? cursor?.updatedAt, state: s, error: run?.task.error))
                        }
                    }
                }
                if json { try printJSON(rows); return }
                let width = rows.map(\.task.count).max() ?? 4
                func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
                print(pad("TASK", width) + "  CURSOR      DUE         LAST RUN                   STATE")
                for r in rows {
                    print(pad(r.task, width) + "  " + pad(r.cursor ?? "-", 10) + "  " + r.due + "  " + pad(r.lastRun ?? "-", 25) + "  " + r.state
                          + (r.error.map { ": " + $0 } ?? ""))
                }
            }
        }
    }
}
