import Hummingbird

/// The credentials a stream was opened with, kept to check them again while it is open (a revoked token or a
/// rotated key closes it). Never printed: `description` shows which kinds are present, not their values.
struct LiveCredentials: Sendable, CustomStringConvertible {
    /// `X-API-Key`.
    var apiKey: String?
    /// The `Authorization` header, or `Bearer <token>` built from `?token=` when the header is absent.
    var authorization: String?
    /// `X-User-ID` (only honoured in legacy mode).
    var legacyUserID: String?

    /// The credentials of an upgrade request; `queryToken` is the `?token=` of browsers, which cannot set headers.
    init(_ request: Request, queryToken: String?) {
        self.apiKey = request.headers[AuthenticationMiddleware.apiKeyHeader]
        self.authorization = request.headers[.authorization] ?? queryToken.map { "Bearer \($0)" }
        self.legacyUserID = request.headers[AuthenticationMiddleware.legacyUserHeader]
    }

    var description: String {
        let present = [("X-API-Key", self.apiKey), ("Authorization", self.authorization), ("X-User-ID", self.legacyUserID)]
            .filter { $0.1 != nil }.map(\.0)
        return "LiveCredentials(\(present.joined(separator: ", ")))"
    }
}
