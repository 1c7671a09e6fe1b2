import ArgumentParser
import Foundation
import CMalloc

/// `opslake`: realistic operational data in a local lake, synced into PostgreSQL.
@main
struct OpsLake: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "opslake",
        abstract: "Generate operational data into a local lake of zstd-compressed CSV and NDJSON, and sync it into PostgreSQL.",
        discussion: """
            Exit codes: \(ExitStatus.allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: ", ")).

            Logs: every command takes --log-level LEVEL (trace, debug, info, notice, warning, error, critical; \
            default critical: nothing but the result and a one-line error; or $OPSLAKE_LOG_LEVEL) and --log-format logfmt|json (default logfmt, or \
            $OPSLAKE_LOG_FORMAT). At info, runs, tasks, partition commits and loads each write a line on stderr.

            Examples:
              opslake init && opslake run && opslake catalog
              opslake help generate
            """,
        version: version,
        subcommands: [Init.self, Generate.self, Run.self, Tasks.self, Status.self, Runs.self, Metrics.self, Config.self, Products.self, Catalog.self, Verify.self, Repair.self, Ingest.self, Schema.self, Load.self, Export.self, Report.self, Ship.self, BilliardsCommand.self, Quality.self, Bench.self]
    )

    /// Like `ParsableCommand.main()`, but usage errors are one line on stderr (exit 64),
    /// as every other error is; `--help` and `--version` print as usual.
    static func main() {
        // Each heap grows, and keeps when it shrinks, 64 MiB more than asked, and blocks
        // under 32 MiB come from the heaps, reused, not from a fresh mmap each: the
        // threads' heaps otherwise grow a page range at a time, one mprotect call each.
        // The replay of 50 stores × 30 days made 65,000 mprotect and 750 munmap calls
        // and 215,000 page faults; with this and the kept threads of `WaitingThreads`,
        // 110, 20 and 176,000. The memory kept is
        // address space until it is used: the replay's peak stayed under 745 MB.
        _ = opslake_tune_heap(64 << 20, 32 << 20)
        var arguments = Array(CommandLine.arguments.dropFirst())
        do {
            try LogOutput.bootstrap(&arguments)
        } catch {
            printError("opslake: error: \(error); see `opslake --help`")
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode { exit(withError: error) }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            printError("opslake: error: \(message) (see `\(commandPath(arguments)) --help`)")
            Foundation.exit(code.rawValue)
        }
    }

    /// The command the arguments name (`opslake load status`), for the help to point at.
    static func commandPath(_ arguments: [String]) -> String {
        var path = ["opslake"]
        var subcommands = configuration.subcommands
        for argument in arguments {
            guard let command = subcommands.first(where: { $0._commandName == argument }) else { break }
            path.append(argument)
            subcommands = command.configuration.subcommands
        }
        return path.joined(separator: " ")
    }
}

/// Flags every lake command shares.
struct LakeOptions: ParsableArguments {
    @Option(help: "The lake folder.")
    var lake: String = "lake"

    @Option(help: "A folder of table schemas (<schema>/<table>.json) to use instead of the built-in ones (default: $OPSLAKE_SCHEMAS).")
    var schemas: String?
}
