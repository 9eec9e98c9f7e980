/// The protocol version a connection speaks with the server.
public enum RESPVersion: Sendable, Hashable {
    /// RESP2: authenticates with `AUTH`; the only version Redis before 6 understands.
    case resp2
    /// RESP3: negotiated with `HELLO 3`, adds maps, sets, doubles, booleans and push frames.
    case resp3
}
