import Hummingbird
import NIOCore

/// The request context of every route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, for per-client rate limits ("unknown" when the transport has none).
    public let clientAddress: String

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies may be up to 4 MiB (API.md); the JSON reader enforces the same limit.
    public var maxUploadSize: Int { JSONBody.maxBytes }
}
