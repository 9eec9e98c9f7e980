import Hummingbird
import IoTFlowCore
import NIOCore

/// The request context of every route: the caller's identity (resolved once by ``AuthenticationMiddleware``),
/// the client's address, and the JSON coders of the API.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, for per-client rate limits ("unknown" when the transport has none).
    public let clientAddress: String
    /// The credentials the request carried, resolved; ``Identity/anonymous`` until the middleware ran.
    public var identity: Identity = .anonymous
    /// Set while the server decides a WebSocket upgrade request: a stream route that accepts it leaves its handler here.
    var webSocketUpgrade: WebSocketUpgradeSlot?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies may be up to 4 MiB on every route (API.md); ``RequestBodyLimitMiddleware`` enforces it.
    public var maxUploadSize: Int { RequestBodyLimitMiddleware.maxBytes }

    /// Fixed-shape bodies decode with Foundation, errors shaped as API.md asks.
    public var requestDecoder: JSONRequestDecoder { JSONRequestDecoder() }

    /// Answers encode with Foundation.
    public var responseEncoder: JSONResponseEncoder { JSONResponseEncoder() }
}
