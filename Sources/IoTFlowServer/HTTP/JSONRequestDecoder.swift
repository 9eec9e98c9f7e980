import Foundation
import Hummingbird
import IoTFlowCore
import NIOCore

/// Decodes request bodies as API.md asks: a non-JSON content type is 415, an empty or malformed body 400, a body
/// over the limit 413, and a body of the wrong shape 400 naming the field. Bodies without a `Content-Type` are
/// read as JSON (small firmware often omits it).
public struct JSONRequestDecoder: RequestDecoder {
    /// Creates the decoder.
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        try Self.decode(T.self, from: try await Self.body(of: request))
    }

    /// One decoder for every body: `decode(_:from:)` does not change it.
    static let shared = JSONDecoder()

    /// Decodes a body already read; empty is 400 like malformed.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else { throw IoTFlowError.badRequest("A JSON object body is required.") }
        do {
            return try Self.shared.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw IoTFlowError.badRequest(error.clientMessage)
        }
    }

    /// The body, after the content-type and size checks.
    static func body(of request: Request) async throws -> ByteBuffer {
        // An empty Content-Type header says as little as a missing one: read the body as JSON.
        if let contentType = request.headers[.contentType], !contentType.trimmingCharacters(in: .whitespaces).isEmpty,
            !Self.isJSON(contentType)
        {
            throw IoTFlowError(.unsupportedMediaType, "Unsupported media type", "Send the body as application/json.")
        }
        do {
            return try await request.body.collect(upTo: RequestBodyLimitMiddleware.maxBytes)
        } catch is NIOTooManyBytesError {
            throw RequestBodyLimitMiddleware.tooLarge
        }
    }

    /// Whether a Content-Type names JSON (`application/json`, `text/json`, `application/*+json`, any parameters).
    static func isJSON(_ contentType: String) -> Bool {
        // What nearly every client sends, checked before any string is built (this runs on every ingest request).
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" { return true }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return mediaType == "application/json" || mediaType == "text/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}

extension Request {
    /// The body as a ``JSONValue`` through the project's own parser: the telemetry ingest path, where
    /// BENCHMARKS.md shows it clearly ahead of Foundation. Same checks as ``JSONRequestDecoder``.
    func decodeJSONValue() async throws -> JSONValue {
        let buffer = try await JSONRequestDecoder.body(of: self)
        guard buffer.readableBytes > 0 else { throw IoTFlowError.badRequest("A JSON object body is required.") }
        do {
            return try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw IoTFlowError.badRequest("The body is not valid JSON: \(error.description).")
        }
    }
}

extension DecodingError {
    /// What went wrong, in the client's terms: the field's path and the JSON type it must have.
    var clientMessage: String {
        switch self {
        case .keyNotFound(let key, let context):
            return "Field '\(Self.path(context.codingPath + [key]))' is required."
        case .valueNotFound(let type, let context):
            guard !context.codingPath.isEmpty else { return "The request body must be a JSON object." }
            return "Field '\(Self.path(context.codingPath))' must be \(Self.jsonType(type)), not null."
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else { return "The request body must be a JSON object." }
            return "Field '\(Self.path(context.codingPath))' must be \(Self.jsonType(type))."
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else { return "The body is not valid JSON." }
            return "Field '\(Self.path(context.codingPath))' has an invalid value."
        @unknown default:
            return "The body does not have the expected shape."
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is JSONObject.Type: "an object"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
