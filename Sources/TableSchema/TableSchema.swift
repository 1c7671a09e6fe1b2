public import LakeFormat
import Foundation

/// One dataset's table schema, read from `schemas/<schema>/<table>.json`.
///
/// The file is a Frictionless Table Schema (`fields`, `primaryKey`, `foreignKeys`)
/// so that standard tools can check and read it; OpsLake's own settings sit in an
/// `opslake` object beside them (and in `opslake` objects on fields), which
/// Frictionless readers ignore. It is the single source of truth for columns:
/// encoders, validation and PostgreSQL DDL all derive from it.
public struct TableSchema: Sendable, Hashable {
    public var dataset: DatasetName
    public var title: String?
    public var description: String?
    public var fields: [Field]
    public var primaryKey: [String]
    public var foreignKeys: [ForeignKey]
    public var partition: PartitionKind
    public var load: LoadMode
    /// Bumped by hand when columns change; recorded in the catalogue.
    public var version: Int
    /// SHA-256, in lowercase hex, of `canonicalJSON`'s UTF-8 bytes, so formatting, key
    /// order and number spelling do not count (docs/schema-hash.md).
    public var hash: String
    /// The document in the JSON Canonicalization Scheme (RFC 8785), as the catalogue and
    /// bundles store it; `TableSchema(dataset:json:file:)` reads it back to the same hash.
    public var canonicalJSON: String

    public var columns: [Column] { fields.map { Column($0.name, $0.type) } }

    /// How a dataset's `dt` is chosen.
    public enum PartitionKind: String, Sendable, Hashable, Codable {
        /// `dt` is the day the rows happened.
        case event
        /// `dt` is the day a new version of the whole table takes effect.
        case snapshot
    }

    /// How the loader brings a partition into PostgreSQL.
    public enum LoadMode: String, Sendable, Hashable, Codable {
        /// Delete the partition's rows and copy the new ones, in one transaction.
        case replacePartition = "replace-partition"
    }

    public struct ForeignKey: Sendable, Hashable {
        public var fields: [String]
        /// The referenced dataset's table (same schema) and its fields.
        public var table: String
        public var referencedFields: [String]
    }

    /// One column with its checks.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: ColumnType
        public var description: String?
        public var required: Bool
        public var enumValues: [String]?
        public var minimum: Value?
        public var maximum: Value?
        public var minLength: Int?
        public var maxLength: Int?
        public var pattern: String?
        /// Fractional digits of a `decimal` column.
        public var scale: Int?
        /// No two rows of a partition may share a value (`constraints.unique`).
        public var unique = false
    }
}
