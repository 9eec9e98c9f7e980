import Logging
import NIOCore

/// Closes a connection whose first request head is not complete within the header timeout.
///
/// Until the first head is in, the connection belongs to NIO's upgrade handler, which holds every request part
/// back while it decides whether to switch to WebSocket; `ConnectionTimeoutHandler` only joins the pipeline after
/// that decision, so a client trickling its first head would otherwise never be timed out. This handler sits in
/// front of the HTTP decoder, watches the raw bytes for the blank line that ends a head, and removes itself there.
final class FirstRequestHeadTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?
    /// The last two bytes seen, to find a head's end split across reads.
    private var previous: (UInt8, UInt8) = (0, 0)
    private var isDone = false

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.isDone, self.containsHeadEnd(self.unwrapInboundIn(data)) {
            self.isDone = true
            self.timer?.cancel()
            self.timer = nil
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    private func start(context: ChannelHandlerContext) {
        guard self.timer == nil, !self.isDone else { return }
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(in: self.timeout) {
            guard !self.isDone else { return }
            self.isDone = true
            ConnectionCloseReason.headerTimeout.record(remoteAddress: context.channel.remoteAddress.map { "\($0)" } ?? "unknown", logger: self.logger)
            context.close(promise: nil)
        }
    }

    /// Whether `buffer`, after the bytes seen before, completes a blank line (`\n\n` or `\n\r\n`).
    private func containsHeadEnd(_ buffer: ByteBuffer) -> Bool {
        var (beforeLast, last) = self.previous
        for byte in buffer.readableBytesView {
            if byte == UInt8(ascii: "\n"), last == UInt8(ascii: "\n") || (last == UInt8(ascii: "\r") && beforeLast == UInt8(ascii: "\n")) {
                return true
            }
            (beforeLast, last) = (last, byte)
        }
        self.previous = (beforeLast, last)
        return false
    }
}

@available(*, unavailable)
extension FirstRequestHeadTimeout: Sendable {}
