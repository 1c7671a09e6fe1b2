import ArgumentParser
import Foundation

extension OpsLake {
    struct Tasks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every task of every domain with its cursor, last run and state.",
            discussion: """
                The generated domains' scheduled tasks (`opslake run`), the billiards pull's tasks, one per endpoint \
                and store (`opslake billiards pull`: the stores of billiards.stores and any other store the lake has a \
                cursor for), and the DWD build (billiards.dwd). A task is "up to date" when its cursor has reached the last \
                day it can (yesterday, less its lag; for the pull, the business day before the current one), "N days \
                behind" when not, "never run" without a cursor once it is set up (`opslake init`; billiards.api_url), \
                "not set up" before, and "failed" when its last run failed (with the error). The DWD build is "behind the \
                ODS" when an ODS partition was committed after its last build began. $OPSLAKE_TODAY fixes "today", \
                $OPSLAKE_NOW the pull's "now". `opslake status` adds the runs, the lake's size and the quality checks.

                Examples:
                  opslake tasks --lake lake
                  opslake tasks --lake lake --domain billiards_ods --json
                """
        )

        @OptionGroup var options: LakeOptions
        @OptionGroup var configOptions: ConfigOptions
        @Option(help: "Only this domain's tasks (petshop, billiards_ods, billiards).") var domain: String?
        @Flag(help: "Print a JSON array of {task, domain, store, cursor, due, lastRun, lastStarted, lastEnded, outcome, rows, lastSuccess, state, error, behind}.") var json = false

        func run() throws {
            try guarded {
                let names = Domains.withSchemas.map { $0.name }
                if let domain, !names.contains(domain) {
                    throw InputError(.usage, "unknown domain \(domain); the domains are \(names.joined(separator: ", "))")
                }
                let rows = try LakeStatus.read(lake: options.lake, config: configOptions.config, domain: domain).tasks
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
