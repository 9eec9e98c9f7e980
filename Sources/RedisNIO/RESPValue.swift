import NIOCore

/// A value decoded from a RESP2 or RESP3 reply.
public indirect enum RESPValue: Sendable, Hashable {
    /// A simple string (`+OK`).
    case simpleString(String)
    /// An error reply inside an aggregate or a pipeline result; a top-level error reply to `send` throws instead.
    case error(String)
    /// An integer (`:42`).
    case integer(Int64)
    /// A binary-safe bulk string (`$3\r\nfoo`).
    case bulkString(ByteBuffer)
    /// RESP2 null bulk string or null array, or RESP3 null (`_`).
    case null
    /// An array (`*`).
    case array([RESPValue])
    /// A RESP3 double (`,`).
    case double(Double)
    /// A RESP3 boolean (`#t`, `#f`).
    case boolean(Bool)
    /// A RESP3 big number (`(`), kept as its decimal digits.
    case bigNumber(String)
    /// A RESP3 verbatim string (`=`), without its three-letter format prefix.
    case verbatimString(String)
    /// A RESP3 map (`%`), in the order the server sent it.
    case map([RESPMapEntry])
    /// A RESP3 set (`~`), in the order the server sent it.
    case set([RESPValue])
    /// A RESP3 push frame (`>`), sent by the server outside the request/reply flow.
    case push([RESPValue])
}

extension RESPValue {
    /// The text of a simple, bulk or verbatim string; `nil` for every other case.
    public var string: String? {
        switch self {
        case .simpleString(let string), .verbatimString(let string):
            return string
        case .bulkString(let buffer):
            return String(buffer: buffer)
        default:
            return nil
        }
    }

    /// The value of an integer reply; `nil` for every other case.
    public var integer: Int64? {
        if case .integer(let value) = self {
            return value
        }
        return nil
    }

    /// The elements of an array, set or push frame; `nil` for every other case.
    public var array: [RESPValue]? {
        switch self {
        case .array(let values), .set(let values), .push(let values):
            return values
        default:
            return nil
        }
    }

    /// Whether the value is a null (RESP2 `$-1`/`*-1` or RESP3 `_`).
    public var isNull: Bool {
        if case .null = self {
            return true
        }
        return false
    }
}
