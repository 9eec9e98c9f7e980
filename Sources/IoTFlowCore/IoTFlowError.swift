/// An error meant for the client: it carries the HTTP-independent kind, a short title and a hint.
///
/// The server maps `kind` to a status code; the domain never names status codes itself.
public struct IoTFlowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in terms a client can act on.
    public enum Kind: Sendable, Equatable {
        case badRequest
        case unauthorized
        case forbidden
        case notFound
        case conflict
        case payloadTooLarge
        case unsupportedMediaType
        case tooManyRequests(retryAfterSeconds: Int)
        case unavailable
    }

    /// The category of the failure.
    public let kind: Kind
    /// A short title, e.g. "Bad request".
    public let title: String
    /// What the client should do about it.
    public let message: String

    /// Creates an error of `kind` with a title and message.
    public init(_ kind: Kind, _ title: String, _ message: String) {
        self.kind = kind
        self.title = title
        self.message = message
    }

    /// A human-readable form for logs.
    public var description: String { "\(self.title): \(self.message)" }

    /// 400 with the standard title.
    public static func badRequest(_ message: String) -> IoTFlowError {
        IoTFlowError(.badRequest, "Bad request", message)
    }

    /// 401 with the standard title.
    public static func unauthorized(_ message: String) -> IoTFlowError {
        IoTFlowError(.unauthorized, "Unauthorized", message)
    }

    /// 403 with the standard title.
    public static func forbidden(_ message: String) -> IoTFlowError {
        IoTFlowError(.forbidden, "Forbidden", message)
    }

    /// 404 with the standard title.
    public static func notFound(_ message: String) -> IoTFlowError {
        IoTFlowError(.notFound, "Not found", message)
    }

    /// 409 with the standard title.
    public static func conflict(_ message: String) -> IoTFlowError {
        IoTFlowError(.conflict, "Conflict", message)
    }

    /// 503 with the standard title.
    public static func unavailable(_ message: String) -> IoTFlowError {
        IoTFlowError(.unavailable, "Service unavailable", message)
    }
}

/// Thrown by stores when a uniqueness constraint rejects a write, so services can answer 409.
public struct UniqueViolation: Error, Sendable {
    /// The field whose uniqueness was violated, when the store can tell.
    public let field: String

    /// Creates a violation for `field`.
    public init(field: String) {
        self.field = field
    }
}
