import ArgumentParser

extension OpsLake {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Benchmarks, each printed beside its reference.", subcommands: [])
    }
}
