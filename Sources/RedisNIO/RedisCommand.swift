import NIOCore

/// One command with its arguments, encoded as a RESP array of bulk strings.
public struct RedisCommand: Sendable, Hashable {
    /// The command name, e.g. `GET`.
    public var name: String
    /// The arguments after the name, binary-safe.
    public var arguments: [ByteBuffer]

    /// Creates a command from text arguments.
    public init(_ name: String, _ arguments: [String] = []) {
        self.name = name
        self.arguments = arguments.map { ByteBuffer(string: $0) }
    }

    /// Creates a command from binary arguments.
    public init(_ name: String, arguments: [ByteBuffer]) {
        self.name = name
        self.arguments = arguments
    }
}

extension RedisCommand {
    /// `GET key`.
    public static func get(_ key: String) -> RedisCommand {
        RedisCommand("GET", [key])
    }

    /// `SET key value [PX milliseconds]`.
    public static func set(_ key: String, _ value: String, expirationMilliseconds: Int64? = nil) -> RedisCommand {
        self.set(key, ByteBuffer(string: value), expirationMilliseconds: expirationMilliseconds)
    }

    /// `SET key value [PX milliseconds]` with a binary value.
    public static func set(_ key: String, _ value: ByteBuffer, expirationMilliseconds: Int64? = nil) -> RedisCommand {
        var arguments = [ByteBuffer(string: key), value]
        if let expirationMilliseconds {
            arguments.append(ByteBuffer(string: "PX"))
            arguments.append(ByteBuffer(string: String(expirationMilliseconds)))
        }
        return RedisCommand("SET", arguments: arguments)
    }

    /// `DEL key [key ...]`.
    public static func del(_ keys: [String]) -> RedisCommand {
        RedisCommand("DEL", keys)
    }

    /// `PING`.
    public static var ping: RedisCommand {
        RedisCommand("PING")
    }

    /// `PUBLISH channel message`.
    public static func publish(_ channel: String, _ message: String) -> RedisCommand {
        RedisCommand("PUBLISH", [channel, message])
    }
}
