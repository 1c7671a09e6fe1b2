import Foundation
import GeneratorKit

// Everything a command prints besides errors: tables, JSON, progress, sizes. One way
// each, so every command's output looks and parses alike.

/// Prints rows as left-aligned columns (numbers right-aligned).
func printTable(_ rows: [[String]]) {
    guard let width = rows.first?.count else { return }
    let widths = (0..<width).map { c in rows.map { $0[c].count }.max() ?? 0 }
    for row in rows {
        let cells = row.enumerated().map { c, cell in
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return Double(cell.filter { $0 != "x" && $0 != " " && !$0.isLetter }) != nil && c > 0 && !cell.contains("-")
                ? pad + cell : cell + pad
        }
        print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
}


/// JSON for `--json` output: sorted keys, so output is stable.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// One compact JSON line, for summaries that scripts read line by line.
func printJSONLine(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func humanBytes(_ n: Int64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(n)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
}

/// Shows progress on stderr when it is a terminal: one line, rewritten in place, of
/// `done`/`total` units and the rows so far. Every command's progress goes through here.
func progressReporter(label: String, unit: String = "days") -> (@Sendable (Int, Int, Int64) -> Void)? {
    guard Progress.enabled else { return nil }
    return { done, total, rows in
        let line = "\r\(label): \(done)/\(total) \(unit), \(rows) rows"
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Whether progress lines are shown: only on a terminal, and only when log lines of
/// level info or below are not, so the two never interleave.
enum Progress {
    nonisolated(unsafe) static var enabled = isatty(2) == 1  // set once at start, before any thread

    /// Wipes a progress line in place, so that a log line starts at the margin.
    static func clearLine() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// The one-line summary every generating command ends with.
func summaryLine(_ verb: String, _ s: GenerationSummary) -> String {
    let rate = s.seconds > 0 ? Double(s.rows) / s.seconds : 0
    return "\(verb) \(s.partitions) partitions, \(s.rows) rows, \(humanBytes(s.bytes)) "
        + "(\(humanBytes(s.rawBytes)) raw) in \(String(format: "%.2f", s.seconds)) s, \(String(format: "%.0f", rate)) rows/s"
}
