public import LakeFormat
import Foundation

/// One configuration key: its dotted name, default value and a line of help.
public struct Setting: Sendable {
    public var name: String
    public var defaultValue: TOMLValue
    public var help: String
    /// A secret (a token): `config show` prints it masked, and nothing else prints it.
    public var secret: Bool
    public init(_ name: String, _ defaultValue: TOMLValue, _ help: String, secret: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.help = help
        self.secret = secret
    }

    /// The value as `config show` prints it: a secret that is set as `"********"`.
    public func shown(_ value: TOMLValue) -> String {
        if secret, case .string(let s) = value, !s.isEmpty { return TOMLValue.string("********").description }
        return value.description
    }

    /// The environment variable that overrides it: `OPSLAKE_` + the name in
    /// capitals, dots as underscores (`OPSLAKE_PETSHOP_OPENING_MEMBERS`).
    public var environmentName: String {
        "OPSLAKE_" + name.uppercased().replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_")
    }
}

/// Where an effective value came from, lowest precedence first.
public enum SettingSource: Hashable, Sendable, CustomStringConvertible {
    case defaults
    case file(String)
    case environment(String)
    case flag(String)

    public var description: String {
        switch self {
        case .defaults: "default"
        case .file(let path): "file \(path)"
        case .environment(let name): "environment \(name)"
        case .flag(let name): "flag \(name)"
        }
    }

    /// How to change a value from this source, for error messages.
    var remedy: String {
        switch self {
        case .defaults: "report this as a bug"
        case .file(let path): "fix it in \(path)"
        case .environment(let name): "fix or unset \(name)"
        case .flag(let name): "fix \(name)"
        }
    }
}

/// A configuration that cannot be used: one line naming the key, where it came from
/// and what to do.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The effective configuration: defaults in code < configuration files (in the order
/// applied) < `OPSLAKE_*` environment variables < command-line flags. Every key must
/// be known, so a misspelt key is an error rather than silently ignored.
public struct Settings: Sendable {
    public let known: [Setting]
    public private(set) var values: [String: (value: TOMLValue, source: SettingSource)]

    public init(_ known: [Setting]) {
        self.known = known
        values = Dictionary(uniqueKeysWithValues: known.map { ($0.name, ($0.defaultValue, SettingSource.defaults)) })
    }

    /// Applies a TOML file over what is set so far. A missing file is an error
    /// unless `optional`.
    public mutating func apply(file path: String, optional: Bool = false) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            if optional && !FileManager.default.fileExists(atPath: path) { return }
            throw ConfigurationError("cannot read the configuration file \(path); check the path and its permissions")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigurationError("\(path) is not UTF-8 text; save it as UTF-8")
        }
        let entries: [(key: String, value: TOMLValue, line: Int)]
        do { entries = try TOML.parse(text) } catch {
            // The parser quotes the text it could not read; on a secret's line that is the secret.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let bad = error.line >= 1 && error.line <= lines.count ? lines[error.line - 1] : ""
            let key = bad.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) ?? ""
            if bad.contains("="), known.contains(where: { $0.secret && $0.name.split(separator: ".").last.map(String.init) == key }) {
                throw ConfigurationError("\(path) line \(error.line): the value of \(key) is not a TOML value (a string needs quotes: \(key) = \"…\"); "
                                         + "it is a secret, so it is not shown; fix the file")
            }
            throw ConfigurationError("\(path) \(error); fix the file (it is TOML)")
        }
        for entry in entries {
            guard values[entry.key] != nil else {
                throw ConfigurationError("\(path) line \(entry.line): unknown setting \(entry.key); `opslake config show` lists the settings")
            }
            try set(entry.key, entry.value, from: .file(path), where: "\(path) line \(entry.line)")
        }
    }

    /// Applies every `OPSLAKE_<KEY>` variable that names a known setting. A value is
    /// read as TOML (`[100, 150]`, `0.2`, `2026-01-01`); a bare word is a string.
    public mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        for setting in known {
            guard let raw = environment[setting.environmentName] else { continue }
            var value: TOMLValue
            do { value = try TOML.parseValue(raw) } catch {
                guard case .string = setting.defaultValue else {
                    throw ConfigurationError("\(setting.environmentName)=\(raw) is not a value for \(setting.name) (\(error.message)); fix or unset it")
                }
                value = .string(raw)
            }
            try set(setting.name, value, from: .environment(setting.environmentName), where: setting.environmentName)
        }
    }

    /// Sets a value from a command-line flag.
    public mutating func apply(flag: String, _ name: String, _ value: TOMLValue) throws(ConfigurationError) {
        try set(name, value, from: .flag(flag), where: flag)
    }

    mutating func set(_ name: String, _ value: TOMLValue, from source: SettingSource, where place: String) throws(ConfigurationError) {
        guard let current = values[name] else { throw ConfigurationError("unknown setting \(name)") }
        var value = value
        switch (current.value, value) {
        case (.float, .integer(let i)): value = .float(Double(i))
        case (.string, .string), (.integer, .integer), (.float, .float), (.boolean, .boolean), (.date, .date),
             (.array, .array), (.table, .table):
            break
        default:
            throw ConfigurationError("\(place): \(name) must be \(current.value.kind), not \(value.kind); \(source.remedy)")
        }
        values[name] = (value, source)
    }

    public func value(_ name: String) -> TOMLValue {
        guard let v = values[name] else { preconditionFailure("setting \(name) is not declared") }
        return v.value
    }

    public func source(_ name: String) -> SettingSource { values[name]?.source ?? .defaults }

    /// An error about `name`'s current value, naming where it came from.
    public func invalid(_ name: String, _ problem: String) -> ConfigurationError {
        let source = self.source(name)
        let shown = known.first { $0.name == name }?.shown(value(name)) ?? value(name).description
        return ConfigurationError("\(name) = \(shown) (\(source)) \(problem); \(source.remedy)")
    }

    // Typed readers: each checks the value and names the key and its source when it is wrong.

    public func integer(_ name: String, in range: ClosedRange<Int> = 0...Int(Int32.max)) throws(ConfigurationError) -> Int {
        guard case .integer(let i) = value(name), range.contains(Int(i)) else {
            throw invalid(name, "must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(i)
    }

    public func number(_ name: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let d = value(name).number, range.contains(d) else {
            throw invalid(name, "must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return d
    }

    public func date(_ name: String) throws(ConfigurationError) -> LakeDate {
        guard case .date(let d) = value(name) else { throw invalid(name, "must be a date, YYYY-MM-DD") }
        return d
    }

    /// `[min, max]`, whole numbers, 0 ≤ min ≤ max ≤ `limit`.
    public func range(_ name: String, limit: Int = 1_000_000) throws(ConfigurationError) -> ClosedRange<Int> {
        guard case .array(let items) = value(name), items.count == 2,
              case .integer(let a) = items[0], case .integer(let b) = items[1],
              a >= 0, a <= b, b <= limit else {
            throw invalid(name, "must be [min, max] with whole numbers 0 ≤ min ≤ max ≤ \(limit)")
        }
        return Int(a)...Int(b)
    }

    public func strings(_ name: String, count: Int, allowed: Set<String>) throws(ConfigurationError) -> [String] {
        guard case .array(let items) = value(name), items.count == count else {
            throw invalid(name, "must be an array of \(count) strings")
        }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item, allowed.contains(s) else {
                throw invalid(name, "must hold only \(allowed.sorted().joined(separator: ", "))")
            }
            out.append(s)
        }
        return out
    }

    /// Non-negative weights, `count` of them, not all zero.
    public func weights(_ name: String, count: Int) throws(ConfigurationError) -> [Double] {
        guard case .array(let items) = value(name), items.count == count else {
            throw invalid(name, "must be an array of \(count) numbers")
        }
        let numbers = items.compactMap(\.number)
        guard numbers.count == count, numbers.allSatisfy({ $0 >= 0 && $0.isFinite }), numbers.contains(where: { $0 > 0 }) else {
            throw invalid(name, "must be \(count) non-negative numbers, not all zero")
        }
        return numbers
    }

    /// A table of probabilities over exactly `keys`, each in 0...1, summing to 1.
    public func probabilities(_ name: String, keys: [String]) throws(ConfigurationError) -> [Double] {
        guard case .table(let pairs) = value(name) else { throw invalid(name, "must be a table of probabilities") }
        var byKey: [String: Double] = [:]
        for pair in pairs {
            guard keys.contains(pair.key) else { throw invalid(name, "has an unknown key \(pair.key); the keys are \(keys.joined(separator: ", "))") }
            guard let p = pair.value.number, (0...1).contains(p) else { throw invalid(name, "has \(pair.key) = \(pair.value), not a probability in 0...1") }
            byKey[pair.key] = p
        }
        let missing = keys.filter { byKey[$0] == nil }
        guard missing.isEmpty else { throw invalid(name, "lacks \(missing.joined(separator: ", "))") }
        let sum = byKey.values.reduce(0, +)
        guard abs(sum - 1) < 1e-6 else { throw invalid(name, "sums to \(sum), not 1") }
        return keys.map { byKey[$0]! }
    }
}
