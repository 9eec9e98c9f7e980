import Hummingbird
import NIOCore

/// The request context of every route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Bodies may be up to 4 MiB (API.md); the JSON reader enforces the same limit.
    public var maxUploadSize: Int { JSONBody.maxBytes }
}
