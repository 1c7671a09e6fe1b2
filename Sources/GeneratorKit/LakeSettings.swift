public import Configuration
import LakeFormat
import Foundation

/// The settings of a lake and the domains it holds: defaults < the lake's
/// `opslake.toml` < a `--config` file or `$OPSLAKE_CONFIG` < `OPSLAKE_*` variables
/// < flags, each value with where it came from (`opslake config show`).
public enum LakeSettings {
    /// The lake's own settings file: what its history is a function of.
    public static let fileName = "opslake.toml"

    /// The settings every domain shares.
    public static let shared: [Setting] = [
        Setting("seed", .integer(1), "Seed of every random stream; the same seed and settings give byte-identical partitions."),
        Setting("scale", .float(1), "Multiplies every volume (members, orders, sessions), for load tests."),
    ]

    /// The shared settings and those of `domains`.
    public static func known(_ domains: [any DatasetDomain.Type]) -> [Setting] {
        shared + domains.flatMap { $0.settings }
    }

    /// The effective settings for the lake at `lake`.
    public static func resolve(lake: String, config: String?, flags: [(flag: String, key: String, value: TOMLValue)],
                               domains: [any DatasetDomain.Type]) throws -> Settings {
        var settings = Settings(known(domains))
        try settings.apply(file: FileIO.path(lake, fileName), optional: true)
        let environment = ProcessInfo.processInfo.environment
        if let path = config ?? environment["OPSLAKE_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            try settings.apply(file: path)
        }
        try settings.apply(environment: environment)
        for f in flags { try settings.apply(flag: f.flag, f.key, f.value) }
        return settings
    }

    /// What the catalogue records beside each generated partition: the seed and scale
    /// it is a function of.
    public static func seedLabel(_ settings: Settings) -> String {
        "seed=\(settings.value("seed")) scale=\(settings.value("scale"))"
    }

    /// The text of a new lake's `opslake.toml`: the seed, the scale when chosen, and
    /// each domain's opening day.
    public static func lakeFile(_ settings: Settings, domains: [any Domain], withScale: Bool) -> String {
        var text = """
            # This lake's identity: every partition is a function of these settings, the
            # seed and the day. Written by `opslake init`; other settings may be added here
            # (see `opslake config show`).
            seed = \(settings.value("seed"))\(withScale ? "\nscale = \(settings.value("scale"))" : "")

            """
        for d in domains { text += "\n[\(type(of: d).name)]\nopened = \(d.opened)\n" }
        return text
    }
}
