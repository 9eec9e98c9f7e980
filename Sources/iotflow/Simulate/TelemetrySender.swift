import IoTFlowCore
import NIOCore
import NIOPosix

/// Sends one device's points, one at a time, and says whether each was acknowledged (stored durably).
protocol TelemetrySender: Sendable {
    /// Sends `reading` at `timestamp` (epoch ms); returns the outcome once the server answered.
    func send(_ reading: JSONObject, at timestamp: Int64) async -> SendOutcome
    func close() async
}

/// What became of one point.
enum SendOutcome: Sendable {
    case acknowledged
    /// The server answered but did not store it: the HTTP status (e.g. 429) or MQTT reason.
    case refused(String)
    /// No answer: a timeout or a lost connection (the point may or may not be stored).
    case failed(String)
}

/// `POST /api/v1/telemetry` with the device's key, on a keep-alive connection of its own.
struct HTTPTelemetrySender: TelemetrySender {
    let api: SimulationAPI
    let key: String

    static func connect(_ server: ServerURL, key: String, timeout: Double) async throws -> HTTPTelemetrySender {
        HTTPTelemetrySender(api: try await SimulationAPI.connect(server, timeout: timeout), key: key)
    }

    func send(_ reading: JSONObject, at timestamp: Int64) async -> SendOutcome {
        do {
            let answer = try await self.api.send(
                .POST, "/telemetry", .apiKey(self.key), body: ["data": .object(reading), "timestamp": .int(timestamp)])
            return answer.status == 201 ? .acknowledged : .refused("HTTP \(answer.status)")
        } catch {
            return .failed("\(error)")
        }
    }

    func close() async {
        await self.api.close()
    }
}

/// A QoS 1 PUBLISH of ThingsBoard's `{"ts", "values"}` to `v1/devices/me/telemetry`, signed in with the device's key as
/// the MQTT user name; the PUBACK comes once the point is durable.
struct MQTTTelemetrySender: TelemetrySender {
    let channel: any Channel
    let handler: NIOLoopBound<MQTTSimulationHandler>
    let timeout: Double

    static func connect(host: String, port: Int, clientID: String, key: String, timeout: Double) async throws -> MQTTTelemetrySender {
        let group = MultiThreadedEventLoopGroup.singleton
        let eventLoop = group.next()
        let connected = eventLoop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(Int64(timeout)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTBenchPacketDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MQTTSimulationHandler(clientID: clientID, key: key, connected: connected))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            connected.fail(error)
            throw CommandLineError("cannot connect to MQTT at \(host):\(port): \(ServerURL.reason(error))")
        }
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: MQTTSimulationHandler.self), eventLoop: channel.eventLoop)
        }.get()
        do {
            try await withDeadline(timeout, "MQTT CONNECT of \(clientID)") { try await connected.futureResult.get() }
        } catch {
            try? await channel.close()
            throw error
        }
        return MQTTTelemetrySender(channel: channel, handler: handler, timeout: timeout)
    }

    func send(_ reading: JSONObject, at timestamp: Int64) async -> SendOutcome {
        let payload = ByteBuffer(bytes: JSONWriter.bytes(["ts": .int(timestamp), "values": .object(reading)]))
        let handler = self.handler
        do {
            let eventLoop = self.channel.eventLoop
            try await withDeadline(self.timeout, "PUBACK") { try await eventLoop.flatSubmit { handler.value.publish(payload) }.get() }
            return .acknowledged
        } catch {
            return .failed("\(error)")
        }
    }

    func close() async {
        try? await self.channel.close()
    }
}

/// One device's MQTT 3.1.1 session: CONNECT, then QoS 1 publishes whose PUBACKs complete their futures.
final class MQTTSimulationHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTBenchPacket
    typealias OutboundOut = ByteBuffer

    private let clientID: String
    private let key: String
    private let connected: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var nextPacketID: UInt16 = 1
    private var pending: [UInt16: EventLoopPromise<Void>] = [:]
    /// Whether `connected` is completed (a promise must be completed once).
    private var connectAnswered = false

    init(clientID: String, key: String, connected: EventLoopPromise<Void>) {
        self.clientID = clientID
        self.key = key
        self.connected = connected
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(MQTTBenchPackets.connect(clientID: self.clientID, username: self.key)), promise: nil)
        context.fireChannelActive()
    }

    /// Publishes `payload`; the future completes at its PUBACK.
    func publish(_ payload: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context = self.context, context.channel.isActive else {
            return self.connected.futureResult.eventLoop.makeFailedFuture(CommandLineError("the MQTT connection is closed"))
        }
        let id = self.nextPacketID
        self.nextPacketID = id == .max ? 1 : id + 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        self.pending[id] = promise
        var buffer = context.channel.allocator.buffer(capacity: payload.readableBytes + 40)
        MQTTBenchPackets.writePublish(topic: "v1/devices/me/telemetry", payload: payload, qos: 1, packetID: id, into: &buffer)
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var packet = self.unwrapInboundIn(data)
        switch packet.type {
        case 2:  // CONNACK: session present, return code
            let code = packet.body.getInteger(at: packet.body.readerIndex + 1, as: UInt8.self) ?? 0xFF
            self.answerConnect(code == 0 ? nil : CommandLineError("the server refused the MQTT CONNECT with return code \(code)"))
        case 4:  // PUBACK
            if let id = packet.body.readInteger(as: UInt16.self) { self.pending.removeValue(forKey: id)?.succeed() }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = CommandLineError("the server closed the MQTT connection")
        self.answerConnect(error)
        for promise in self.pending.values { promise.fail(error) }
        self.pending.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func answerConnect(_ error: (any Error)?) {
        guard !self.connectAnswered else { return }
        self.connectAnswered = true
        if let error { self.connected.fail(error) } else { self.connected.succeed() }
    }
}
