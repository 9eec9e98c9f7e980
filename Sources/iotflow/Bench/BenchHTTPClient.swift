import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A response read whole, for set-up and checks (not for measured load).
struct BenchResponse: Sendable {
    /// Status code.
    let status: UInt
    /// The body.
    let body: ByteBuffer

    /// The body parsed as a JSON object.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(self.body.readableBytesView)) as? [String: Any] else {
            throw BenchError("expected a JSON object, got: \(String(buffer: self.body).prefix(200))")
        }
        return object
    }

    /// Throws unless the status is `expected`.
    @discardableResult
    func expect(_ expected: UInt, _ what: String) throws -> BenchResponse {
        guard self.status == expected else {
            throw BenchError("\(what): expected \(expected), got \(self.status) \(String(buffer: self.body).prefix(300))")
        }
        return self
    }
}

/// One keep-alive connection used one request at a time, for set-up (user, devices, history data) and
/// for checking what the server stored.
final class BenchHTTPClient: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects to `host:port`.
    static func connect(host: String, port: Int, group: any EventLoopGroup, timeout: TimeAmount = .seconds(5)) async throws -> BenchHTTPClient {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(OneShotHandler())
                }
            }
            .connect(host: host, port: port).get()
        return BenchHTTPClient(channel: channel)
    }

    /// Sends `request` and returns the whole response.
    func send(_ request: BenchRequest) async throws -> BenchResponse {
        let promise = self.channel.eventLoop.makePromise(of: BenchResponse.self)
        self.channel.writeAndFlush(OneShotRequest(request: request, promise: promise), promise: nil)
        return try await promise.futureResult.get()
    }

    /// Closes the connection.
    func close() async {
        try? await self.channel.close()
    }
}

/// A request and where its response goes.
struct OneShotRequest: Sendable {
    let request: BenchRequest
    let promise: EventLoopPromise<BenchResponse>
}

/// Sends one request at a time and collects its response.
final class OneShotHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = OneShotRequest
    typealias OutboundOut = HTTPClientRequestPart

    private var pending: EventLoopPromise<BenchResponse>?
    private var status: UInt = 0
    private var body = ByteBuffer()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = self.unwrapOutboundIn(data)
        guard self.pending == nil else {
            message.promise.fail(BenchError("a request is already in flight on this connection"))
            return
        }
        self.pending = message.promise
        context.write(self.wrapOutboundOut(.head(message.request.head)), promise: nil)
        if let body = message.request.body { context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(self.wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = head.status.code
            self.body.clear()
        case .body(var part):
            self.body.writeBuffer(&part)
        case .end:
            let promise = self.pending
            self.pending = nil
            promise?.succeed(BenchResponse(status: self.status, body: self.body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.pending?.fail(error)
        self.pending = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.pending?.fail(BenchError("the server closed the connection"))
        self.pending = nil
        context.fireChannelInactive()
    }
}
