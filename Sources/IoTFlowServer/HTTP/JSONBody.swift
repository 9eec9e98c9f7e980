import Foundation
import Hummingbird
import IoTFlowCore
import NIOCore

/// Reads request bodies as JSON and writes JSON responses, with the errors API.md asks for.
enum JSONBody {
    /// Largest accepted body.
    static let maxBytes = 4 * 1024 * 1024

    /// The body as JSON; 400 when empty or malformed, 413 when too large, 415 when not JSON.
    static func read(_ request: Request, context: AppRequestContext) async throws -> JSONValue {
        guard let value = try await self.readOptional(request, context: context) else {
            throw IoTFlowError.badRequest("A JSON object body is required.")
        }
        return value
    }

    /// The body as JSON, or nil when there is none.
    static func readOptional(_ request: Request, context: AppRequestContext) async throws -> JSONValue? {
        // An empty Content-Type header says as little as a missing one: read the body as JSON.
        if let contentType = request.headers[.contentType], !contentType.trimmingCharacters(in: .whitespaces).isEmpty, !Self.isJSON(contentType) {
            throw IoTFlowError(.unsupportedMediaType, "Unsupported media type", "Send the body as application/json.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxBytes)
        } catch is NIOTooManyBytesError {
            throw IoTFlowError(.payloadTooLarge, "Payload too large", "The body must be at most 4 MiB.")
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw IoTFlowError.badRequest("The body is not valid JSON: \(error.description).")
        }
    }

    /// Whether a Content-Type names JSON (`application/json`, `application/*+json`, any parameters).
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return mediaType == "application/json" || mediaType == "text/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// A JSON response.
    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let bytes = JSONWriter.bytes(value)
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}
