import NIOCore

/// The life of one client connection as a value: each event returns what the channel handler must do.
///
/// It owns the protocol rules: CONNECT first and once, the connect and keep-alive timers, the QoS 1 and 2
/// acknowledgement flows, Receive Maximum, and the queue of delegate jobs that keeps calls of one connection in order.
/// Time is passed in, so tests drive it without a clock.
struct MQTTSessionStateMachine {
    struct Configuration {
        var maxPacketSize: Int
        var receiveMaximum: Int
    }

    enum Phase: Equatable {
        case awaitingConnect
        /// CONNECT is with the delegate; later packets wait.
        case deciding
        case connected
        /// Shutdown: no new jobs; the one in progress finishes, then DISCONNECT 0x8B.
        case draining
        /// The client sent DISCONNECT: the publishes read before it still go to the delegate, then the channel
        /// closes (even if the client closed its end first).
        case disconnecting
        case closed
    }

    /// What to do next.
    enum Action: Equatable {
        case none
        /// Write (and flush at the end of the read cycle).
        case write(MQTTPacket)
        /// Ask the delegate about this CONNECT; reading pauses meanwhile.
        case decideConnect(MQTTConnectPacket)
        /// Write `packet` if any, flush, and close the channel.
        case close(MQTTCloseReason, sending: MQTTPacket?)
    }

    /// The answer to the delegate accepting a CONNECT.
    struct Acceptance {
        var connack: MQTTConnAckPacket
        /// The first keep-alive check, if keep-alive is on.
        var keepAliveCheck: NIODeadline?
        /// Packets that arrived while the delegate decided, to be handled now as if just read.
        var heldPackets: [MQTTPacket]
    }

    /// After a publish batch: acknowledgements to write (one flush), and maybe a close after them.
    struct PublishCompletion: Equatable {
        var acknowledgements: [MQTTPacket]
        var close: Action?
    }

    let configuration: Configuration
    private(set) var phase: Phase = .awaitingConnect
    private(set) var version: MQTTProtocolVersion?
    private(set) var wasAccepted = false
    private(set) var closeReason: MQTTCloseReason?
    /// 1.5 times the client's keep-alive; nil when it is off.
    private var keepAlive: TimeAmount?
    private var lastPacketAt: NIODeadline = .uptimeNanoseconds(0)
    private var packetSinceLastRead = false
    private var heldPackets: [MQTTPacket] = []
    /// The largest packet the client accepts (MQTT 5 Maximum Packet Size); nil means the protocol limit.
    private(set) var clientMaxPacketSize: Int?

    // Delegate jobs.
    var jobs = CircularBuffer<MQTTSessionJob>()
    private(set) var isJobRunning = false
    /// Publishes read since the last job was queued; handed over whole when the delegate is free.
    var collecting = MQTTPublishBatch()

    // QoS 1 and 2 bookkeeping.
    /// QoS 1 and 2 publishes read and not yet acknowledged; reading pauses at Receive Maximum.
    var awaitingOutcome = 0
    enum QoS2State: Equatable {
        case awaitingOutcome
        case awaitingRelease
    }
    var qos2: [UInt16: QoS2State] = [:]
    var qos2AwaitingRelease = 0

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Whether the handler should hold reads: while CONNECT is decided, at Receive Maximum, or when ending.
    var shouldPauseReading: Bool {
        switch self.phase {
        case .awaitingConnect: return false
        case .deciding, .draining, .disconnecting, .closed: return true
        case .connected: return self.awaitingOutcome >= self.configuration.receiveMaximum
        }
    }

    // MARK: - Connection events

    /// The connect timer fired.
    mutating func connectTimeoutFired() -> Action {
        guard self.phase == .awaitingConnect else {
            return .none
        }
        return self.close(.connectTimeout, sending: nil)
    }

    /// The keep-alive timer fired: close if the client has been silent too long, else the next check time.
    mutating func keepAliveCheck(now: NIODeadline) -> (action: Action, next: NIODeadline?) {
        guard self.phase == .connected, let keepAlive = self.keepAlive else {
            return (.none, nil)
        }
        let limit = keepAlive
        if self.shouldPauseReading {
            // The client's packets wait in the socket while we hold reads; that is not its silence.
            return (.none, now + limit)
        }
        if now - self.lastPacketAt >= limit {
            return (self.close(.keepAliveTimeout, disconnect: .keepAliveTimeout), nil)
        }
        return (.none, self.lastPacketAt + limit)
    }

    /// The read cycle ended at `now`: the next job to start, if the delegate is free.
    mutating func readComplete(now: NIODeadline) -> MQTTSessionJob? {
        if self.packetSinceLastRead {
            self.packetSinceLastRead = false
            self.lastPacketAt = now
        }
        return self.nextJob()
    }

    /// A decoding or protocol error.
    mutating func errorCaught(_ error: MQTTProtocolError) -> Action {
        switch self.phase {
        case .closed:
            return .none
        case .awaitingConnect, .deciding:
            if case .unsupportedProtocolVersion = error.kind {
                // Answered in 3.1.1's layout, which clients of any level understand (MQTT 5 section 3.1.2.2).
                let connack = MQTTConnAckPacket(sessionPresent: false, code: MQTTConnectReturnCode.unacceptableProtocolVersion.rawValue)
                return self.close(error.closeReason, sending: .connack(connack))
            }
            return self.close(error.closeReason, sending: nil)
        case .connected, .draining, .disconnecting:
            return self.close(error.closeReason, disconnect: error.reasonCode)
        }
    }

    /// ``MQTTSession/disconnect(reason:)``.
    mutating func disconnectRequested(_ reason: MQTTReasonCode) -> Action {
        self.close(.serverDisconnected(reason), disconnect: reason)
    }

    /// Another connection with the same client id was accepted.
    mutating func takenOver() -> Action {
        self.close(.takenOver, disconnect: .sessionTakenOver)
    }

    /// The server shuts down: close now unless a job is in progress, whose acknowledgements go out first.
    mutating func drainRequested() -> Action {
        switch self.phase {
        case .closed, .draining, .disconnecting:
            return .none
        case .awaitingConnect, .deciding:
            return self.close(.serverDisconnected(.serverShuttingDown), sending: nil)
        case .connected:
            self.phase = .draining
            self.jobs.removeAll()
            self.collecting = MQTTPublishBatch()
            if self.isJobRunning {
                return .none
            }
            return self.close(.serverDisconnected(.serverShuttingDown), disconnect: .serverShuttingDown)
        }
    }

    /// The channel closed: the reason for the delegate, and whether a session existed. After a client's
    /// DISCONNECT, jobs still queued keep running (``hasPendingWork``) and the phase stays `disconnecting`.
    mutating func channelInactive() -> (reason: MQTTCloseReason, hadSession: Bool) {
        let reason = self.closeReason ?? .connectionLost
        self.closeReason = reason
        if self.phase != .disconnecting {
            self.phase = .closed
        }
        return (reason, self.wasAccepted)
    }

    /// Delegate work queued or in progress.
    var hasPendingWork: Bool {
        self.isJobRunning || !self.jobs.isEmpty || !self.collecting.isEmpty
    }

    // MARK: - Packets

    /// A packet was decoded.
    mutating func packetReceived(_ packet: MQTTPacket) -> Action {
        self.packetSinceLastRead = true
        switch self.phase {
        case .awaitingConnect:
            guard case .connect(let connect) = packet else {
                return self.close(.malformedPacket("\(packet.kind) before CONNECT"), sending: nil)
            }
            return self.connectReceived(connect)
        case .deciding:
            self.heldPackets.append(packet)
            return .none
        case .connected:
            return self.connectedPacketReceived(packet)
        case .draining, .disconnecting, .closed:
            return .none
        }
    }

    private mutating func connectReceived(_ connect: MQTTConnectPacket) -> Action {
        self.version = connect.version
        if connect.version == .v5, connect.properties.authenticationMethod != nil {
            // Enhanced authentication is not offered.
            let connack = MQTTConnAckPacket(sessionPresent: false, code: MQTTReasonCode.badAuthenticationMethod.rawValue)
            return self.close(.refused, sending: .connack(connack))
        }
        if connect.version == .v3_1_1, connect.clientID.isEmpty, !connect.cleanStart {
            // 3.1.1 section 3.1.3.1: a server-assigned id needs a clean session.
            let connack = MQTTConnAckPacket(sessionPresent: false, code: MQTTConnectReturnCode.identifierRejected.rawValue)
            return self.close(.refused, sending: .connack(connack))
        }
        if connect.keepAlive > 0 {
            // The limit is one and a half keep-alives (3.1.1 section 3.1.2.10, MQTT 5 section 3.1.2.10).
            self.keepAlive = .milliseconds(Int64(connect.keepAlive) * 1500)
        }
        if let size = connect.properties.maximumPacketSize {
            self.clientMaxPacketSize = Int(size)
        }
        self.phase = .deciding
        return .decideConnect(connect)
    }

    /// The delegate accepted the CONNECT; `assignedClientID` is set when the client sent an empty one.
    mutating func connectAccepted(assignedClientID: String?, now: NIODeadline) -> Acceptance? {
        guard self.phase == .deciding else {
            return nil
        }
        self.phase = .connected
        self.wasAccepted = true
        self.lastPacketAt = now
        var properties = MQTTProperties()
        if self.version == .v5 {
            properties.entries = [
                .receiveMaximum(UInt16(clamping: self.configuration.receiveMaximum)),
                .maximumPacketSize(UInt32(clamping: self.configuration.maxPacketSize)),
                .topicAliasMaximum(0),
                .retainAvailable(0),
                .wildcardSubscriptionAvailable(0),
                .subscriptionIdentifierAvailable(0),
                .sharedSubscriptionAvailable(0),
            ]
            if let assignedClientID {
                properties.entries.append(.assignedClientIdentifier(assignedClientID))
            }
        }
        self.jobs.append(.connected)
        let held = self.heldPackets
        self.heldPackets = []
        return Acceptance(
            connack: MQTTConnAckPacket(sessionPresent: false, code: 0, properties: properties),
            keepAliveCheck: self.keepAlive.map { now + $0 },
            heldPackets: held
        )
    }

    /// The delegate refused the CONNECT.
    mutating func connectRefused(v3: MQTTConnectReturnCode, v5: MQTTReasonCode) -> Action {
        guard self.phase == .deciding else {
            return .none
        }
        let code = self.version == .v5 ? v5.rawValue : v3.rawValue
        return self.close(.refused, sending: .connack(MQTTConnAckPacket(sessionPresent: false, code: code)))
    }

    private mutating func connectedPacketReceived(_ packet: MQTTPacket) -> Action {
        switch packet {
        case .publish(let publish):
            return self.publishReceived(publish)
        case .pubrel(let pubrel):
            return self.pubrelReceived(pubrel.packetID)
        case .puback, .pubrec, .pubcomp:
            // The server only sends QoS 0, so there is nothing these could acknowledge.
            return .none
        case .subscribe(let subscribe):
            self.enqueue(.subscribe(self.subscribeJob(subscribe)))
            return .none
        case .unsubscribe(let unsubscribe):
            self.enqueue(.unsubscribe(packetID: unsubscribe.packetID, filters: unsubscribe.topicFilters))
            return .none
        case .pingreq:
            if case .pinged = self.jobs.last {
            } else {
                self.enqueue(.pinged)
            }
            return .write(.pingresp)
        case .disconnect:
            return self.clientDisconnected()
        case .connect:
            return self.protocolViolation("second CONNECT")
        case .auth:
            return self.protocolViolation("AUTH, though enhanced authentication is not offered")
        case .connack, .suback, .unsuback, .pingresp:
            return self.protocolViolation("\(packet.kind) sent by a client")
        }
    }

    private func subscribeJob(_ subscribe: MQTTSubscribePacket) -> MQTTSubscribeJob {
        var presets: [MQTTSubscribeOutcome?] = []
        var requests: [MQTTSubscriptionRequest] = []
        for subscription in subscribe.subscriptions {
            requests.append(MQTTSubscriptionRequest(topicFilter: subscription.topicFilter, qos: subscription.qos))
            switch (MQTTTopicFilter.classify(subscription.topicFilter), self.version) {
            case (.invalid, .v5): presets.append(.refused(.topicFilterInvalid))
            case (.invalid, _): presets.append(.refused(.unspecifiedError))
            // MQTT 5 CONNACK says these are not available; 3.1.1 has no way to say so, the delegate decides.
            case (.shared, .v5): presets.append(.refused(.sharedSubscriptionsNotSupported))
            case (.wildcard, .v5): presets.append(.refused(.wildcardSubscriptionsNotSupported))
            default: presets.append(nil)
            }
        }
        return MQTTSubscribeJob(packetID: subscribe.packetID, presetOutcomes: presets, requests: requests)
    }

    /// DISCONNECT from the client: QoS 0 publishes read before it are still handed to the delegate.
    private mutating func clientDisconnected() -> Action {
        if !self.collecting.isEmpty {
            self.jobs.append(.publish(self.collecting))
            self.collecting = MQTTPublishBatch()
        }
        guard self.hasPendingWork else {
            return self.close(.clientDisconnected, sending: nil)
        }
        self.phase = .disconnecting
        self.closeReason = .clientDisconnected
        return .none
    }

    // MARK: - Jobs

    /// Queues a non-publish job after the publishes read before it.
    private mutating func enqueue(_ job: MQTTSessionJob) {
        if !self.collecting.isEmpty {
            self.jobs.append(.publish(self.collecting))
            self.collecting = MQTTPublishBatch()
        }
        self.jobs.append(job)
    }

    /// The next job, if none is running.
    private mutating func nextJob() -> MQTTSessionJob? {
        guard !self.isJobRunning, self.phase == .connected || self.phase == .disconnecting else {
            return nil
        }
        if let job = self.jobs.popFirst() {
            self.isJobRunning = true
            return job
        }
        if !self.collecting.isEmpty {
            self.isJobRunning = true
            let batch = self.collecting
            self.collecting = MQTTPublishBatch()
            return .publish(batch)
        }
        return nil
    }

    /// A job other than a publish batch finished: the next one, or the close a pending drain was waiting for.
    mutating func jobFinished() -> (next: MQTTSessionJob?, close: Action?) {
        self.isJobRunning = false
        if self.phase == .draining {
            return (nil, self.close(.serverDisconnected(.serverShuttingDown), disconnect: .serverShuttingDown))
        }
        let next = self.nextJob()
        if next == nil, self.phase == .disconnecting {
            return (nil, self.close(.clientDisconnected, sending: nil))
        }
        return (next, nil)
    }

    /// The SUBACK for a subscribe job, from the preset and the delegate's outcomes.
    func suback(for job: MQTTSubscribeJob, delegateOutcomes: [MQTTSubscribeOutcome]) -> (MQTTPacket, granted: [MQTTSubscriptionRequest]) {
        var delegated = delegateOutcomes.makeIterator()
        var reasons: [MQTTReasonCode] = []
        var granted: [MQTTSubscriptionRequest] = []
        for (request, preset) in zip(job.requests, job.presetOutcomes) {
            let outcome = preset ?? delegated.next() ?? .refused(.unspecifiedError)
            switch outcome {
            case .granted(let qos):
                let qos = min(qos, request.qos)
                reasons.append(MQTTReasonCode(rawValue: qos.rawValue))
                granted.append(MQTTSubscriptionRequest(topicFilter: request.topicFilter, qos: qos))
            case .refused(let reason):
                reasons.append(self.version == .v5 ? reason : .unspecifiedError)
            }
        }
        return (.suback(MQTTSubAckPacket(packetID: job.packetID, reasons: reasons)), granted)
    }

    /// The UNSUBACK for an unsubscribe job.
    func unsuback(packetID: UInt16, filterCount: Int) -> MQTTPacket {
        let reasons = self.version == .v5 ? Array(repeating: MQTTReasonCode.success, count: filterCount) : []
        return .unsuback(MQTTUnsubAckPacket(packetID: packetID, reasons: reasons))
    }

    // MARK: - Closing

    mutating func protocolViolation(_ message: String) -> Action {
        self.errorCaught(.protocolViolation(message))
    }

    /// Closes, with an MQTT 5 DISCONNECT first when a CONNACK has gone out.
    mutating func close(_ reason: MQTTCloseReason, disconnect: MQTTReasonCode) -> Action {
        let packet: MQTTPacket? =
            self.version == .v5 && self.wasAccepted ? .disconnect(MQTTDisconnectPacket(reason: disconnect)) : nil
        return self.close(reason, sending: packet)
    }

    mutating func close(_ reason: MQTTCloseReason, sending packet: MQTTPacket?) -> Action {
        guard self.phase != .closed else {
            return .none
        }
        self.phase = .closed
        self.closeReason = reason
        // A job still with the delegate finishes unobserved: its result is dropped.
        self.isJobRunning = false
        self.jobs.removeAll()
        self.collecting = MQTTPublishBatch()
        self.heldPackets = []
        return .close(reason, sending: packet)
    }
}
