import NIOCore

/// Writes MQTT control packets into a caller's buffer, so that many packets (a batch of acknowledgements) become
/// one write. The variable header is staged in a reused scratch buffer because the remaining length precedes it.
struct MQTTPacketEncoder {
    /// How packets other than CONNECT (which names its own version) are laid out.
    var version: MQTTProtocolVersion
    private var scratch: ByteBuffer

    init(version: MQTTProtocolVersion, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.version = version
        self.scratch = allocator.buffer(capacity: 64)
    }

    mutating func encode(_ packet: MQTTPacket, into out: inout ByteBuffer) {
        let isV5 = self.version == .v5
        self.scratch.clear()
        var firstByte = packet.kind.rawValue << 4 | packet.kind.requiredFlags
        var payload: ByteBuffer?
        switch packet {
        case .connect(let connect):
            self.stageConnect(connect)
        case .connack(let connack):
            self.scratch.writeInteger(UInt8(connack.sessionPresent ? 1 : 0))
            self.scratch.writeInteger(connack.code)
            if isV5 {
                self.scratch.writeMQTTProperties(connack.properties)
            }
        case .publish(let publish):
            firstByte |= (publish.dup ? 0x08 : 0) | publish.qos.rawValue << 1 | (publish.retain ? 0x01 : 0)
            self.scratch.writeMQTTString(publish.topic)
            if publish.qos != .atMostOnce {
                self.scratch.writeInteger(publish.packetID)
            }
            if isV5 {
                self.scratch.writeMQTTProperties(publish.properties)
            }
            payload = publish.payload
        case .puback(let ack), .pubrec(let ack), .pubrel(let ack), .pubcomp(let ack):
            if ack.properties.isEmpty, !isV5 || ack.reason == .success {
                // The common case, written without staging.
                out.writeMultipleIntegers(firstByte, UInt8(2), ack.packetID)
                return
            }
            self.scratch.writeInteger(ack.packetID)
            self.scratch.writeInteger(ack.reason.rawValue)
            if !ack.properties.isEmpty {
                self.scratch.writeMQTTProperties(ack.properties)
            }
        case .subscribe(let subscribe):
            self.scratch.writeInteger(subscribe.packetID)
            if isV5 {
                self.scratch.writeMQTTProperties(subscribe.properties)
            }
            for subscription in subscribe.subscriptions {
                self.scratch.writeMQTTString(subscription.topicFilter)
                var options = subscription.qos.rawValue
                if isV5 {
                    options |= (subscription.noLocal ? 0x04 : 0) | (subscription.retainAsPublished ? 0x08 : 0)
                    options |= subscription.retainHandling << 4
                }
                self.scratch.writeInteger(options)
            }
        case .suback(let suback):
            self.scratch.writeInteger(suback.packetID)
            if isV5 {
                self.scratch.writeMQTTProperties(suback.properties)
            }
            for reason in suback.reasons {
                self.scratch.writeInteger(reason.rawValue)
            }
        case .unsubscribe(let unsubscribe):
            self.scratch.writeInteger(unsubscribe.packetID)
            if isV5 {
                self.scratch.writeMQTTProperties(unsubscribe.properties)
            }
            for filter in unsubscribe.topicFilters {
                self.scratch.writeMQTTString(filter)
            }
        case .unsuback(let unsuback):
            self.scratch.writeInteger(unsuback.packetID)
            if isV5 {
                self.scratch.writeMQTTProperties(unsuback.properties)
                for reason in unsuback.reasons {
                    self.scratch.writeInteger(reason.rawValue)
                }
            }
        case .pingreq, .pingresp:
            break
        case .disconnect(let disconnect):
            if isV5, disconnect.reason != .success || !disconnect.properties.isEmpty {
                self.scratch.writeInteger(disconnect.reason.rawValue)
                if !disconnect.properties.isEmpty {
                    self.scratch.writeMQTTProperties(disconnect.properties)
                }
            }
        case .auth(let auth):
            if auth.reason != .success || !auth.properties.isEmpty {
                self.scratch.writeInteger(auth.reason.rawValue)
                if !auth.properties.isEmpty {
                    self.scratch.writeMQTTProperties(auth.properties)
                }
            }
        }
        let remainingLength = self.scratch.readableBytes + (payload?.readableBytes ?? 0)
        out.writeInteger(firstByte)
        out.writeMQTTVarint(remainingLength)
        out.writeImmutableBuffer(self.scratch)
        if let payload {
            out.writeImmutableBuffer(payload)
        }
    }

    private mutating func stageConnect(_ connect: MQTTConnectPacket) {
        let isV5 = connect.version == .v5
        self.scratch.writeMQTTString("MQTT")
        self.scratch.writeInteger(UInt8(isV5 ? 5 : 4))
        var flags: UInt8 = connect.cleanStart ? 0x02 : 0
        if let will = connect.will {
            flags |= 0x04 | will.qos.rawValue << 3 | (will.retain ? 0x20 : 0)
        }
        flags |= (connect.password != nil ? 0x40 : 0) | (connect.username != nil ? 0x80 : 0)
        self.scratch.writeInteger(flags)
        self.scratch.writeInteger(connect.keepAlive)
        if isV5 {
            self.scratch.writeMQTTProperties(connect.properties)
        }
        self.scratch.writeMQTTString(connect.clientID)
        if let will = connect.will {
            if isV5 {
                self.scratch.writeMQTTProperties(will.properties)
            }
            self.scratch.writeMQTTString(will.topic)
            self.scratch.writeInteger(UInt16(will.payload.readableBytes))
            self.scratch.writeImmutableBuffer(will.payload)
        }
        if let username = connect.username {
            self.scratch.writeMQTTString(username)
        }
        if let password = connect.password {
            self.scratch.writeMQTTBinary(password)
        }
    }
}
