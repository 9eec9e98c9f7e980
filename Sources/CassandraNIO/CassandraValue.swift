#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value bound to a statement or read from a row.
///
/// Decoding maps every CQL type onto these cases: `varchar`/`ascii` → `.text`; `counter` → `.bigint`;
/// `smallint`/`tinyint` → `.int`; `float` → `.double`; `date` → `.int` (days since the epoch); `time` → `.bigint`
/// (nanoseconds since midnight); `uuid`/`timeuuid` → `.uuid`; `map<text, text>` → `.textMap`; everything else (`inet`,
/// `decimal`, `varint`, `duration`, lists, sets, other maps, tuples, UDTs, custom types) → `.blob` of the raw bytes.
/// An empty value of a fixed-size type (legacy, distinct from null on the wire) decodes as `.null`.
public enum CassandraValue: Sendable, Hashable {
    /// No value (`[bytes]` length -1).
    case null
    /// Leaves the column as it is (`[value]` length -2); only meaningful as a bound value.
    case unset
    /// A `bigint` (also `counter` and `time` when read).
    case bigint(Int64)
    /// An `int` (also `smallint`, `tinyint` and `date` when read).
    case int(Int32)
    /// A `double` (also `float` when read).
    case double(Double)
    /// A `boolean`.
    case boolean(Bool)
    /// A `text`, `varchar` or `ascii`.
    case text(String)
    /// A `timestamp`: milliseconds since the epoch.
    case timestamp(Int64)
    /// A `blob`, or the raw bytes of a type without a case of its own.
    case blob([UInt8])
    /// A `uuid` or `timeuuid` (Foundation's `UUID`).
    case uuid(UUID)
    /// A `map<text, text>`.
    case textMap([String: String])

    /// The value of `.bigint`; `nil` otherwise.
    public var int64: Int64? {
        if case .bigint(let value) = self {
            return value
        }
        return nil
    }

    /// The value of `.int`; `nil` otherwise.
    public var int32: Int32? {
        if case .int(let value) = self {
            return value
        }
        return nil
    }

    /// The value of `.double`; `nil` otherwise.
    public var double: Double? {
        if case .double(let value) = self {
            return value
        }
        return nil
    }

    /// The value of `.boolean`; `nil` otherwise.
    public var bool: Bool? {
        if case .boolean(let value) = self {
            return value
        }
        return nil
    }

    /// The value of `.text`; `nil` otherwise.
    public var string: String? {
        if case .text(let value) = self {
            return value
        }
        return nil
    }

    /// The value of `.timestamp`; `nil` otherwise.
    public var timestampMilliseconds: Int64? {
        if case .timestamp(let value) = self {
            return value
        }
        return nil
    }

    /// The value of `.uuid`; `nil` otherwise.
    public var uuidValue: UUID? {
        if case .uuid(let value) = self {
            return value
        }
        return nil
    }

    /// The bytes of `.blob`; `nil` otherwise.
    public var bytes: [UInt8]? {
        if case .blob(let value) = self {
            return value
        }
        return nil
    }

    /// The entries of `.textMap`; `nil` otherwise.
    public var stringMap: [String: String]? {
        if case .textMap(let value) = self {
            return value
        }
        return nil
    }

    /// Whether this is `.null`.
    public var isNull: Bool {
        self == .null
    }
}
