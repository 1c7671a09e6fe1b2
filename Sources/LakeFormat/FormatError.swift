/// A file or value that does not follow the lake format.
///
/// The description is one line naming what is wrong, for the CLI to print as it is.
public struct FormatError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case csv = "CSV"
        case json = "NDJSON"
        case zstd = "zstd"
        case value = "value"
        case io = "I/O"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
