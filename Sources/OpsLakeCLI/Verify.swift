import ArgumentParser
import LakeCatalog
import Foundation

extension OpsLake {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every catalogued file (present, SHA-256, size, rows) and find interrupted commits, temporary and orphan files.",
            discussion: """
                Each file is read once, on every core: hashed, decompressed and its rows counted in one pass. \
                `--quick` checks sizes and SHA-256 only. Exits 0 when the lake is sound and 65 when anything \
                is wrong; `opslake repair` fixes what is marked repairable.

                Examples:
                  opslake verify --lake lake
                  opslake verify --lake /srv/lake --quick --json
                """
        )

        @OptionGroup var options: LakeOptions
        @Flag(help: "Check sizes and SHA-256 only, without decompressing (for large lakes).") var quick = false
        @Option(help: "Files checked in parallel (default: the number of cores).") var jobs: Int?
        @Flag(help: "Print JSON for machines.") var json = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be 1 or more (got \(jobs))") }
        }

        func run() throws {
            try guarded {
                let lake = try Lake(root: options.lake)
                let report = try lake.verify(depth: quick ? .quick : .full, jobs: jobs)
                if json {
                    try printJSON(report)
                } else {
                    for fault in report.faults {
                        print("\(fault)\(fault.repairable ? "" : " (not repairable: regenerate or restore the partition)")")
                    }
                    print("verified \(report.partitions) partitions, \(report.files) files, \(humanBytes(report.bytes)): "
                          + (report.ok ? "ok" : "\(report.faults.count) faults"))
                }
                if !report.ok {
                    if !json { printError("opslake: error: the lake has \(report.faults.count) faults; run `opslake repair --lake \(options.lake)`") }
                    throw ExitCode(ExitStatus.dataError.rawValue)
                }
            }
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roll interrupted commits forward, remove temporary files and move orphans to _quarantine/.",
            discussion: "Takes the lake's lock. A lake in an older format is first moved to the current one (as by any command that writes). Damaged catalogued files are reported, not touched: regenerate those partitions. Exits 65 if anything is left unresolved." + "\n\nExamples:\n  opslake repair --lake lake\n  opslake verify --lake lake || opslake repair --lake lake"
        )

        @OptionGroup var options: LakeOptions
        @Flag(help: "Print JSON for machines.") var json = false

        func run() throws {
            try guarded {
                let lake = try WritableLake(root: options.lake, command: "repair")
                let report = try lake.repair()
                if json {
                    try printJSON(report)
                } else {
                    if let m = report.migration { print(m) }
                    for p in report.rolledForward { print("rolled forward \(p)") }
                    for p in report.removedTemporary { print("removed temporary \(p)") }
                    for p in report.quarantined { print("quarantined \(p)") }
                    for f in report.unresolved { print("unresolved \(f)") }
                    print("repair: \(report.rolledForward.count) commits rolled forward, \(report.removedTemporary.count) temporary files removed, "
                          + "\(report.quarantined.count) orphans quarantined, \(report.unresolved.count) unresolved")
                }
                if !report.unresolved.isEmpty { throw ExitCode(ExitStatus.dataError.rawValue) }
            }
        }
    }
}
