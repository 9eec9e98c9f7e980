import Logging
import NIOCore

/// Serves one client connection: performs what ``MQTTSessionStateMachine`` decides, runs the delegate's jobs one at a
/// time off the event loop, and holds reads while the state machine says so (backpressure by not calling `read`).
///
/// Writes of one read cycle or one job are encoded into a single buffer and flushed once.
final class MQTTChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long a draining connection may take to finish its delegate work.
    static let drainTimeout = TimeAmount.seconds(5)

    var stateMachine: MQTTSessionStateMachine
    let delegate: any MQTTServerDelegate
    private let registry: MQTTConnectionRegistry
    private let connectionID: UInt64
    private let connectTimeout: TimeAmount
    var logger: Logger

    var context: ChannelHandlerContext?
    /// Kept after the handler is removed: jobs read before a client's DISCONNECT may still be running then.
    private var eventLoop: (any EventLoop)?
    /// The close reason, held back from the delegate until the jobs queued before the close have finished.
    private var deferredCloseReason: MQTTCloseReason?
    var encoder = MQTTPacketEncoder(version: .v3_1_1)
    var pendingWrites: ByteBuffer
    private var isStarted = false
    private var isReadHeld = false
    private var remoteAddress: SocketAddress?
    private var connectRequest: MQTTConnectPacket?
    var session: MQTTSession?
    /// The publish batch with the delegate; its acknowledgements are computed from it when the outcomes return.
    var runningBatch: MQTTPublishBatch?
    private var connectTimer: Scheduled<Void>?
    private var keepAliveTimer: Scheduled<Void>?
    private var drainTimer: Scheduled<Void>?

    init(configuration: MQTTServerConfiguration, delegate: any MQTTServerDelegate, registry: MQTTConnectionRegistry, logger: Logger) {
        self.stateMachine = MQTTSessionStateMachine(
            configuration: .init(maxPacketSize: configuration.maxPacketSize, receiveMaximum: configuration.receiveMaximum)
        )
        self.delegate = delegate
        self.registry = registry
        self.connectionID = registry.makeConnectionID()
        self.connectTimeout = TimeAmount(configuration.connectTimeout)
        self.logger = logger
        self.logger[metadataKey: MQTTLoggingKey.connectionID] = "\(self.connectionID)"
        self.pendingWrites = ByteBufferAllocator().buffer(capacity: 0)
    }

    var loopBound: NIOLoopBound<MQTTChannelHandler> {
        NIOLoopBound(self, eventLoop: self.eventLoop!)
    }

    private var handle: MQTTConnectionRegistry.Handle {
        .init(id: self.connectionID, channel: self.context!.channel, handler: self.loopBound)
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.eventLoop = context.eventLoop
        if context.channel.isActive {
            self.start(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !self.isStarted else {
            return
        }
        self.isStarted = true
        self.remoteAddress = context.channel.remoteAddress
        self.logger[metadataKey: MQTTLoggingKey.remoteAddress] = "\(self.remoteAddress.map { "\($0)" } ?? "?")"
        self.logger.debug("MQTT connection opened")
        guard self.registry.connectionOpened(self.handle) else {
            self.perform(self.stateMachine.drainRequested())
            return
        }
        let handler = self.loopBound
        self.connectTimer = context.eventLoop.scheduleTask(in: self.connectTimeout) {
            handler.value.perform(handler.value.stateMachine.connectTimeoutFired())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action = self.stateMachine.packetReceived(self.unwrapInboundIn(data))
        if case .none = action {
            return
        }
        self.perform(action)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let job = self.stateMachine.readComplete(now: context.eventLoop.now) {
            self.start(job)
        }
        self.flush()
    }

    func read(context: ChannelHandlerContext) {
        if self.stateMachine.shouldPauseReading {
            self.isReadHeld = true
        } else {
            context.read()
        }
    }

    func resumeReadingIfPossible() {
        guard self.isReadHeld, !self.stateMachine.shouldPauseReading, let context = self.context else {
            return
        }
        self.isReadHeld = false
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? MQTTProtocolError {
            self.logger.debug("MQTT protocol error", metadata: [MQTTLoggingKey.error: "\(error)"])
            self.perform(self.stateMachine.errorCaught(error))
        } else {
            // Socket and TLS failures: the connection is lost, whatever the state machine thinks.
            self.logger.debug("MQTT connection error", metadata: [MQTTLoggingKey.error: "\(error)"])
            context.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.drainOutbound()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancelTimers()
        let (reason, hadSession) = self.stateMachine.channelInactive()
        self.registry.connectionClosed(id: self.connectionID, clientID: self.session?.clientID)
        self.logger.debug("MQTT connection closed", metadata: [MQTTLoggingKey.closeReason: "\(reason)"])
        let delegate = self.delegate
        if hadSession, self.stateMachine.hasPendingWork, self.stateMachine.phase == .disconnecting {
            self.deferredCloseReason = reason
        } else if hadSession, let session = self.session {
            Task { await delegate.closed(session, reason: reason) }
        } else {
            Task { await delegate.rejectedConnection(reason: reason) }
        }
        context.fireChannelInactive()
    }

    /// Tells the delegate about a close it was not told of while jobs queued before it were running.
    func notifyDeferredClose() {
        guard let reason = self.deferredCloseReason, !self.stateMachine.hasPendingWork, let session = self.session else {
            return
        }
        self.deferredCloseReason = nil
        let delegate = self.delegate
        Task { await delegate.closed(session, reason: reason) }
    }

    // MARK: - Actions

    func perform(_ action: MQTTSessionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .write(let packet):
            self.encoder.encode(packet, into: &self.pendingWrites)
        case .decideConnect(let connect):
            self.decideConnect(connect)
        case .close(let reason, let packet):
            guard let context = self.context else {
                return
            }
            self.logger.debug("MQTT closing connection", metadata: [MQTTLoggingKey.closeReason: "\(reason)"])
            if let packet {
                self.encoder.encode(packet, into: &self.pendingWrites)
            }
            self.flush()
            self.cancelTimers()
            context.close(promise: nil)
        }
    }

    func flush() {
        guard self.pendingWrites.readableBytes > 0, let context = self.context else {
            return
        }
        let bytes = self.pendingWrites
        self.pendingWrites = context.channel.allocator.buffer(capacity: 0)
        context.writeAndFlush(self.wrapOutboundOut(bytes), promise: nil)
    }

    private func cancelTimers() {
        self.connectTimer?.cancel()
        self.connectTimer = nil
        self.keepAliveTimer?.cancel()
        self.keepAliveTimer = nil
        self.drainTimer?.cancel()
        self.drainTimer = nil
    }

    // MARK: - CONNECT

    private func decideConnect(_ connect: MQTTConnectPacket) {
        self.encoder.version = connect.version
        self.connectRequest = connect
        self.logger[metadataKey: MQTTLoggingKey.version] = "\(connect.version)"
        let request = MQTTConnectRequest(
            version: connect.version,
            clientID: connect.clientID,
            username: connect.username,
            password: connect.password,
            keepAlive: connect.keepAlive,
            cleanStart: connect.cleanStart,
            remoteAddress: self.remoteAddress
        )
        let delegate = self.delegate
        let handler = self.loopBound
        let eventLoop = self.context!.eventLoop
        Task {
            let decision = await delegate.connect(request)
            eventLoop.execute { handler.value.connectDecided(decision) }
        }
    }

    private func connectDecided(_ decision: MQTTConnectDecision) {
        guard let context = self.context, let connect = self.connectRequest else {
            return
        }
        switch decision {
        case .refuse(let v3, let v5):
            self.perform(self.stateMachine.connectRefused(v3: v3, v5: v5))
        case .accept(let sessionContext):
            let assignedClientID = connect.clientID.isEmpty ? Self.makeClientID() : nil
            guard let acceptance = self.stateMachine.connectAccepted(assignedClientID: assignedClientID, now: context.eventLoop.now) else {
                return
            }
            let clientID = assignedClientID ?? connect.clientID
            self.logger[metadataKey: MQTTLoggingKey.clientID] = "\(clientID)"
            self.connectTimer?.cancel()
            self.connectTimer = nil
            self.session = MQTTSession(
                clientID: clientID,
                version: connect.version,
                context: sessionContext,
                remoteAddress: self.remoteAddress,
                handler: self.loopBound,
                eventLoop: context.eventLoop
            )
            if let previous = self.registry.sessionAccepted(clientID: clientID, self.handle) {
                previous.takeOver()
            }
            self.encoder.encode(.connack(acceptance.connack), into: &self.pendingWrites)
            self.flush()
            self.logger.debug("MQTT session accepted")
            if let deadline = acceptance.keepAliveCheck {
                self.scheduleKeepAliveCheck(at: deadline)
            }
            for packet in acceptance.heldPackets {
                self.perform(self.stateMachine.packetReceived(packet))
            }
            self.channelReadComplete(context: context)
            self.resumeReadingIfPossible()
        }
    }

    /// An id for a client that left it to the server: unique enough across the server's sessions.
    private static func makeClientID() -> String {
        "mqttnio-" + String(UInt64.random(in: .min ... .max), radix: 36)
    }

    private func scheduleKeepAliveCheck(at deadline: NIODeadline) {
        guard let context = self.context else {
            return
        }
        let handler = self.loopBound
        self.keepAliveTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            handler.value.keepAliveTimerFired()
        }
    }

    private func keepAliveTimerFired() {
        guard let context = self.context else {
            return
        }
        let (action, next) = self.stateMachine.keepAliveCheck(now: context.eventLoop.now)
        self.perform(action)
        if let next {
            self.scheduleKeepAliveCheck(at: next)
        }
    }

    // MARK: - Requests from other threads

    func takeOver() {
        self.perform(self.stateMachine.takenOver())
    }

    func disconnect(reason: MQTTReasonCode) {
        self.perform(self.stateMachine.disconnectRequested(reason))
    }

    func drain() {
        self.perform(self.stateMachine.drainRequested())
        let phase = self.stateMachine.phase
        guard phase == .draining || phase == .disconnecting, let context = self.context else {
            return
        }
        let handler = self.loopBound
        self.drainTimer = context.eventLoop.scheduleTask(in: Self.drainTimeout) {
            handler.value.perform(handler.value.stateMachine.close(.serverDisconnected(.serverShuttingDown), disconnect: .serverShuttingDown))
        }
    }

    /// Writes the session's queued sends, while the channel takes them.
    func drainOutbound() {
        guard let session = self.session, let context = self.context else {
            return
        }
        let phase = self.stateMachine.phase
        guard phase == .connected || phase == .draining else {
            session.outbound.withLock { $0.isDrainScheduled = false }
            return
        }
        guard context.channel.isWritable else {
            // channelWritabilityChanged drains again (the drain stays marked as scheduled); meanwhile sends
            // accumulate up to the queue's limit, dropping the oldest.
            return
        }
        let (messages, dropped) = session.outbound.withLock { queue in
            queue.isDrainScheduled = false
            return (queue.takeAll(), queue.takeDroppedCount())
        }
        if dropped > 0 {
            self.logger.debug("MQTT dropped outbound messages of a slow client", metadata: [MQTTLoggingKey.dropped: "\(dropped)"])
        }
        let limit = self.stateMachine.clientMaxPacketSize ?? .max
        for message in messages {
            let packet = MQTTPublishPacket(topic: message.topic, payload: message.payload, qos: .atMostOnce, retain: false)
            let before = self.pendingWrites.writerIndex
            self.encoder.encode(.publish(packet), into: &self.pendingWrites)
            if self.pendingWrites.writerIndex - before > limit {
                // The client said it cannot take a packet this large (MQTT 5 section 3.1.2.11.4).
                self.pendingWrites.moveWriterIndex(to: before)
            }
        }
        self.flush()
    }
}
