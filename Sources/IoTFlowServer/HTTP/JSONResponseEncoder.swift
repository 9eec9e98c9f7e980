import Foundation
import Hummingbird
import NIOCore

/// Encodes answers as JSON with Foundation; the charset is named because API.md promises it.
public struct JSONResponseEncoder: ResponseEncoder {
    /// Creates the encoder.
    public init() {}

    /// One encoder for every answer: `encode(_:)` does not change it, and making one per answer costs about as
    /// much as encoding a small answer.
    static let shared = JSONEncoder()

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        Self.response(try Self.shared.encode(value))
    }

    /// A JSON response of already encoded bytes.
    static func response(_ bytes: some Collection<UInt8>, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}

/// An answer with a status other than 200, e.g. 201 for creations.
struct Answer<Body: ResponseGenerator & Sendable>: ResponseGenerator {
    let status: HTTPResponse.Status
    let body: Body

    /// The body with a status.
    init(_ status: HTTPResponse.Status, _ body: Body) {
        self.status = status
        self.body = body
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try self.body.response(from: request, context: context)
        response.status = self.status
        return response
    }
}
