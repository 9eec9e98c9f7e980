/// A server's host and port.
public struct MongoServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address.
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an address; the port defaults to MongoDB's 27017.
    public init(host: String, port: Int = 27017) {
        self.host = host
        self.port = port
    }

    /// Reads `host:port` as servers list their peers in `hello` (`hosts`, `primary`); `[v6]:port` works too.
    public init?(_ text: String) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else {
                return nil
            }
            guard let port = rest.isEmpty ? 27017 : Int(rest.dropFirst()) else {
                return nil
            }
            self.init(host: host, port: port)
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else {
            return nil
        }
        guard let port = parts.count == 2 ? Int(parts[1]) : 27017, (1...65535).contains(port) else {
            return nil
        }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, with brackets around an IPv6 address.
    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}
