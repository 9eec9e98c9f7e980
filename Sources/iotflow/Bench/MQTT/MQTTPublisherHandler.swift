import NIOCore

/// Tells a ``MQTTPublisherHandler`` or ``MQTTSubscriberHandler`` to start: warm up until `warmupEnd`, measure until `end`.
struct MQTTBenchStart: Sendable {
    let warmupEnd: NIODeadline
    let end: NIODeadline
    let promise: EventLoopPromise<MQTTBenchTally>
}

/// What one bench connection saw.
struct MQTTBenchTally: Sendable {
    /// PUBLISH→PUBACK latencies (ns) of QoS 1 messages sent after the warm-up and acknowledged before the end.
    var latencies: [UInt64] = []
    /// Messages sent (publishers) or received (subscribers) within the measured window.
    var measured = 0
    /// Messages sent over the whole run, and of those acknowledged (QoS 1).
    var sent = 0
    var acknowledged = 0
}

/// One MQTT 3.1.1 publisher connection. QoS 1 keeps `window` messages in flight (a new one per PUBACK); QoS 0 writes
/// as fast as the socket takes them. Each message is one single-value point with a distinct timestamp.
final class MQTTPublisherHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTBenchPacket
    typealias OutboundOut = ByteBuffer

    private let clientID: String
    private let username: String?
    private let topic: String
    private let qos: UInt8
    private let window: Int
    private let firstTimestamp: Int64
    private let connected: EventLoopPromise<Void>
    private var start: MQTTBenchStart?
    private var tally = MQTTBenchTally()
    /// Send time (uptime ns) by packet id; 0 while the id is free.
    private var sentAt = [UInt64](repeating: 0, count: 65_536)
    private var inFlight = 0
    private var nextPacketID: UInt16 = 1
    private var finished = false

    init(clientID: String, username: String?, topic: String, qos: UInt8, window: Int, firstTimestamp: Int64, connected: EventLoopPromise<Void>) {
        self.clientID = clientID
        self.username = username
        self.topic = topic
        self.qos = qos
        self.window = window
        self.firstTimestamp = firstTimestamp
        self.connected = connected
        self.tally.latencies.reserveCapacity(1 << 18)
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(MQTTBenchPackets.connect(clientID: self.clientID, username: self.username)), promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let start = event as? MQTTBenchStart else { return context.fireUserInboundEventTriggered(event) }
        self.start = start
        // A server that stops acknowledging must not hang the bench.
        context.eventLoop.assumeIsolated().scheduleTask(deadline: start.end + .seconds(30)) { self.finish() }
        self.send(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var packet = self.unwrapInboundIn(data)
        switch packet.type {
        case 2:  // CONNACK
            let code = packet.body.getInteger(at: packet.body.readerIndex + 1, as: UInt8.self) ?? 0xFF
            if code == 0 { self.connected.succeed() } else { self.connected.fail(BenchError("CONNACK refused the publisher with code \(code)")) }
        case 4:  // PUBACK
            guard let id: UInt16 = packet.body.readInteger() else { return }
            let sentAt = self.sentAt[Int(id)]
            guard sentAt != 0, let start = self.start else { return }
            self.sentAt[Int(id)] = 0
            self.inFlight -= 1
            self.tally.acknowledged += 1
            let now = NIODeadline.now()
            if sentAt >= start.warmupEnd.uptimeNanoseconds, now <= start.end {
                self.tally.latencies.append(now.uptimeNanoseconds - sentAt)
            }
            self.send(context: context)
        default:
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.send(context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connected.fail(BenchError("the connection closed before CONNACK"))
        self.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Writes messages until the window is full (QoS 1) or the socket pushes back (QoS 0), then flushes once.
    private func send(context: ChannelHandlerContext) {
        guard let start = self.start, !self.finished else { return }
        let now = NIODeadline.now()
        guard now < start.end else {
            if self.qos == 0 || self.inFlight == 0 { self.finish() }
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 4096)
        var written = 0
        let limit = self.qos == 0 ? 256 : self.window - self.inFlight
        while written < limit {
            var payload = ByteBuffer()
            payload.writeString("{\"ts\":\(self.firstTimestamp + Int64(self.tally.sent)),\"values\":{\"temperature\":21.5}}")
            var packetID: UInt16 = 0
            if self.qos > 0 {
                packetID = self.nextPacketID
                self.nextPacketID = self.nextPacketID == UInt16.max ? 1 : self.nextPacketID + 1
                self.sentAt[Int(packetID)] = now.uptimeNanoseconds
                self.inFlight += 1
            }
            MQTTBenchPackets.writePublish(topic: self.topic, payload: payload, qos: self.qos, packetID: packetID, into: &buffer)
            self.tally.sent += 1
            if now >= start.warmupEnd { self.tally.measured += 1 }
            written += 1
        }
        guard written > 0 else { return }
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        // QoS 0 has no acknowledgement to wait for: go on while the socket takes more, without starving the loop.
        if self.qos == 0, context.channel.isWritable {
            context.eventLoop.assumeIsolated().execute { self.send(context: context) }
        }
    }

    private func finish() {
        guard !self.finished, let start = self.start else { return }
        self.finished = true
        start.promise.succeed(self.tally)
    }
}

/// A subscriber to everything the publishers send through a broker; counts the messages of the measured window and
/// acknowledges QoS 1 deliveries.
final class MQTTSubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTBenchPacket
    typealias OutboundOut = ByteBuffer

    private let filter: String
    private let qos: UInt8
    private let subscribed: EventLoopPromise<Void>
    private var start: MQTTBenchStart?
    private var tally = MQTTBenchTally()

    init(filter: String, qos: UInt8, subscribed: EventLoopPromise<Void>) {
        self.filter = filter
        self.qos = qos
        self.subscribed = subscribed
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(MQTTBenchPackets.connect(clientID: "bench-subscriber", username: nil)), promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let start = event as? MQTTBenchStart else { return context.fireUserInboundEventTriggered(event) }
        self.start = start
        context.eventLoop.assumeIsolated().scheduleTask(deadline: start.end + .seconds(1)) { start.promise.succeed(self.tally) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var packet = self.unwrapInboundIn(data)
        switch packet.type {
        case 2:  // CONNACK
            context.writeAndFlush(self.wrapOutboundOut(MQTTBenchPackets.subscribe(filter: self.filter, qos: self.qos, packetID: 1)), promise: nil)
        case 9:  // SUBACK
            self.subscribed.succeed()
        case 3:  // PUBLISH
            let qos = (packet.header >> 1) & 0x03
            if qos > 0, let topicLength: UInt16 = packet.body.readInteger() {
                packet.body.moveReaderIndex(forwardBy: Int(topicLength))
                if let id: UInt16 = packet.body.readInteger() {
                    context.writeAndFlush(self.wrapOutboundOut(MQTTBenchPackets.puback(packetID: id)), promise: nil)
                }
            }
            let now = NIODeadline.now()
            if let start = self.start, now >= start.warmupEnd, now < start.end { self.tally.measured += 1 }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.subscribed.fail(BenchError("the subscriber's connection closed"))
    }
}
