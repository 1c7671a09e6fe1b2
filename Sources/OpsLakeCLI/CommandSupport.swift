import ArgumentParser
import Configuration
import GeneratorKit
import LakeCatalog
import LakeFormat
import PetShop
import TableSchema
import Foundation

/// Flags of the commands that read the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(help: "A TOML configuration file applied over the lake's opslake.toml (default: $OPSLAKE_CONFIG).")
    var config: String?
}

/// The effective settings of a lake and the registered domains built from them.
struct DomainContext {
    var settings: Settings
    var domains: [any Domain]

    init(lake: String, config: String?, flags: [(flag: String, key: String, value: TOMLValue)] = []) throws {
        settings = try LakeSettings.resolve(lake: lake, config: config, flags: flags, domains: Domains.withSchemas)
        let settings = settings
        domains = try Domains.all.map { try $0.init(settings: settings, lake: lake) }
    }

    /// The seed as the catalogue records it beside each partition.
    var seedLabel: String { LakeSettings.seedLabel(settings) }

    /// Every dataset of every domain.
    var datasets: [DatasetName] { domains.flatMap(\.datasets) }
}

/// Today in Asia/Taipei (UTC+8, no daylight saving), `secondsAgo` seconds ago, or
/// `$OPSLAKE_TODAY` as it is when set, so tests and replays can fix the date.
func taipeiToday(secondsAgo: Int = 0) throws -> LakeDate {
    if let text = ProcessInfo.processInfo.environment["OPSLAKE_TODAY"], !text.isEmpty {
        guard let d = LakeDate(text) else { throw InputError(.usage, "OPSLAKE_TODAY=\(text) is not a date; write YYYY-MM-DD or unset it") }
        return d
    }
    let seconds = Int64(Date().timeIntervalSince1970) - Int64(secondsAgo) + 8 * 3600
    return LakeDate(daysSinceEpoch: Int32((seconds - (seconds % 86_400 + 86_400) % 86_400) / 86_400))
}

/// A catalogue time (`2026-12-02T06:45:00Z`) as Unix time.
func catalogueSeconds(_ utc: String?) -> Int64? {
    guard let utc, utc.hasSuffix("Z"), let t = Timestamp(String(utc.dropLast()) + "+00:00") else { return nil }
    return t.secondsSinceEpoch
}

/// The schema of a dataset named on the command line. A name no schema defines is a
/// usage error (64) in the same words as an unknown `--datasets` entry.
func namedSchema(_ name: DatasetName, in registry: SchemaRegistry) throws -> TableSchema {
    guard let schema = registry.schemas[name] else {
        throw InputError(.usage, unknownDataset(name.description, all: Array(registry.schemas.keys)))
    }
    return schema
}

/// Names the datasets of the schema `name` asks for (the line stays short as domains
/// grow), or the schemas when it names none of them.
func unknownDataset(_ name: String, all: [DatasetName]) -> String {
    let schema = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
    let mine = all.filter { $0.schema == schema }.sorted()
    if !mine.isEmpty {
        return "unknown dataset \(name); the datasets of \(schema) are \(mine.map(\.description).joined(separator: ", "))"
    }
    let schemas = Set(all.map(\.schema)).sorted()
    return "unknown dataset \(name); the schemas are \(schemas.joined(separator: ", ")) (`opslake schema list` names every dataset)"
}

/// Resolves `--datasets` (names or globs such as `petshop.*`, comma-separated) against the domains' datasets.
func selectDatasets(_ patterns: [String], from all: [DatasetName]) throws -> Set<DatasetName> {
    if patterns.isEmpty { return Set(all) }
    var chosen = Set<DatasetName>()
    for pattern in patterns.flatMap({ $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }) {
        let matches = all.filter { fnmatch(pattern, $0.description, 0) == 0 }
        guard !matches.isEmpty else {
            throw InputError(.usage, unknownDataset(pattern, all: all))
        }
        chosen.formUnion(matches)
    }
    return chosen
}
