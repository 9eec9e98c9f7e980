import NIOCore
import NIOHTTP1

/// Tells a connection's ``ClosedLoopHandler`` to start: warm up until `warmupEnd`, measure until `end`.
struct ClosedLoopStart: Sendable {
    /// Responses to requests sent before this instant are not measured.
    let warmupEnd: NIODeadline
    /// No request is sent after this instant; the one in flight is awaited.
    let end: NIODeadline
    /// Completed with the connection's counts once its last response arrived.
    let promise: EventLoopPromise<ConnectionTally>
}

/// What one connection observed during one scenario.
struct ConnectionTally: Sendable {
    /// Latencies (ns) of the requests sent after the warm-up and answered before the end.
    var latencies: [UInt64] = []
    /// Of those, how many were not 2xx.
    var measuredErrors = 0
    /// Response body bytes of the measured requests.
    var measuredBytes = 0
    /// Answers by status over the whole run, warm-up included.
    var statuses: [UInt: Int] = [:]
    /// 2xx answers over the whole run (what the server acknowledged, for checking stored points).
    var acknowledged = 0
    /// The first non-2xx answer, for the report.
    var firstError: String?
}

/// A closed-loop HTTP/1.1 keep-alive client connection: it sends its next request when the previous
/// response has ended, and records latencies in its own array (merged after the run).
final class ClosedLoopHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var source: any BenchRequestSource
    private var start: ClosedLoopStart?
    private var tally = ConnectionTally()
    private var sentAt = NIODeadline.uptimeNanoseconds(0)
    private var status: UInt = 0
    private var errorBody: ByteBuffer?
    private var responseBytes = 0
    private var finished = false
    private var timeout: Scheduled<Void>?

    init(source: any BenchRequestSource) {
        self.source = source
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let start = event as? ClosedLoopStart else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.start = start
        self.tally.latencies.reserveCapacity(65_536)
        // A server that stops answering must not hang the bench: give up a minute after the end.
        self.timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: start.end + .seconds(60)) {
            self.fail(BenchError("no answer within 60 s after the end of the run"))
            context.close(promise: nil)
        }
        self.send(context: context)
    }

    private func send(context: ChannelHandlerContext) {
        let request = self.source.next()
        self.sentAt = .now()
        context.write(self.wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body { context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = head.status.code
            self.responseBytes = 0
            self.errorBody = nil
        case .body(var body):
            self.responseBytes += body.readableBytes
            if !(200..<300).contains(self.status), (self.errorBody?.readableBytes ?? 0) < 300 {
                if self.errorBody == nil {
                    self.errorBody = body
                } else {
                    self.errorBody!.writeBuffer(&body)
                }
            }
        case .end:
            self.responseEnded(context: context)
        }
    }

    private func responseEnded(context: ChannelHandlerContext) {
        guard let start = self.start, !self.finished else { return }
        let now = NIODeadline.now()
        let success = (200..<300).contains(self.status)
        self.tally.statuses[self.status, default: 0] += 1
        if success {
            self.tally.acknowledged += 1
            self.source.acknowledged(at: now)
        } else if self.tally.firstError == nil {
            let text = self.errorBody.map { String(buffer: $0) } ?? ""
            self.tally.firstError = "\(self.status) \(text.prefix(300))"
        }
        if self.sentAt >= start.warmupEnd && now <= start.end {
            self.tally.latencies.append(now.uptimeNanoseconds - self.sentAt.uptimeNanoseconds)
            self.tally.measuredBytes += self.responseBytes
            if !success { self.tally.measuredErrors += 1 }
        }
        if now < start.end {
            self.send(context: context)
        } else {
            self.finished = true
            self.timeout?.cancel()
            start.promise.succeed(self.tally)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(BenchError("connection error: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fail(BenchError("the server closed a connection during the run (after \(self.tally.statuses.values.reduce(0, +)) answers)"))
        context.fireChannelInactive()
    }

    private func fail(_ error: BenchError) {
        guard let start = self.start, !self.finished else { return }
        self.finished = true
        self.timeout?.cancel()
        start.promise.fail(error)
    }
}
