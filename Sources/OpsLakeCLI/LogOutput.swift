import LakeFormat
import Logging
import Foundation

/// Structured log lines on stderr, for `journalctl -u opslake-*`: one line per event,
/// logfmt (`time=… level=info label=opslake.run msg="…" task=petshop.daily`) or JSON.
///
/// Written here because swift-log's own `StreamLogHandler` prints a fixed human
/// format that neither logfmt nor JSON tools parse; this is the whole handler.
struct LogOutput: LogHandler {
    enum Format: String, CaseIterable { case logfmt, json }

    let label: String
    let format: Format
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", Self.timestamp()), ("level", event.level.rawValue), ("label", label), ("msg", "\(event.message)"),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        let line: String
        switch format {
        case .logfmt:
            line = fields.map { "\($0.0)=\(Self.logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            line = "{" + fields.map { "\(Self.jsonString($0.0)):\(Self.jsonString($0.1))" }.joined(separator: ",") + "}"
        }
        Progress.clearLine()
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    static func logfmtValue(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" }
        return plain ? s : jsonString(s)
    }

    /// A JSON string literal, escaped as the lake's NDJSON escapes strings.
    static func jsonString(_ s: String) -> String {
        let buffer = ByteBuffer(capacity: s.utf8.count + 16)
        NDJSONEncoder.append(.string(s), into: buffer)
        return String(decoding: buffer.array, as: UTF8.self)
    }

    /// Sets up logging from `--log-level`/`--log-format` (taken out of `arguments`, as
    /// they apply to every command) or `$OPSLAKE_LOG_LEVEL`/`$OPSLAKE_LOG_FORMAT`.
    /// The default level is `critical`, which nothing logs: a command prints only its
    /// result and its one-line error (failures are logged at `error` for the journal);
    /// the systemd units ask for `info`.
    static func bootstrap(_ arguments: inout [String]) throws {
        let environment = ProcessInfo.processInfo.environment
        var levelText = environment["OPSLAKE_LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "critical"
        var formatText = environment["OPSLAKE_LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0 } ?? "logfmt"
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { break }  // what follows is the command's own arguments
            for (flag, target) in [("--log-level", 0), ("--log-format", 1)] where a == flag || a.hasPrefix(flag + "=") {
                let value: String
                if a == flag {
                    guard i + 1 < arguments.count else { throw LogSettingsError("\(flag) needs a value") }
                    value = arguments[i + 1]
                    arguments.removeSubrange(i...(i + 1))
                } else {
                    value = String(a.dropFirst(flag.count + 1))
                    arguments.remove(at: i)
                }
                if target == 0 { levelText = value } else { formatText = value }
                i -= 1
            }
            i += 1
        }
        guard let level = Logger.Level(rawValue: levelText) else {
            throw LogSettingsError("log level \(levelText) is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let format = Format(rawValue: formatText) else {
            throw LogSettingsError("log format \(formatText) is not logfmt or json")
        }
        Progress.enabled = isatty(2) == 1 && level > .info
        LoggingSystem.bootstrap { LogOutput(label: $0, format: format, logLevel: level) }
    }
}

struct LogSettingsError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
