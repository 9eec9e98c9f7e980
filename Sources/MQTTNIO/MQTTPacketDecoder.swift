import NIOCore

/// Splits the byte stream into MQTT control packets.
///
/// The packet size is checked from the fixed header alone, before the body is waited for, so an oversize packet is
/// never buffered. Until a CONNECT has been decoded the protocol version is unknown and only CONNECT is accepted; its
/// protocol level then decides how every later packet is read. A partial packet consumes nothing.
struct MQTTPacketDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = MQTTPacket

    /// The largest packet accepted, fixed header included.
    let maxPacketSize: Int
    private(set) var version: MQTTProtocolVersion?
    /// Devices publish to a handful of topics; reusing the last topic's `String` saves an allocation per message.
    private var lastTopic = ""

    init(maxPacketSize: Int, version: MQTTProtocolVersion? = nil) {
        self.maxPacketSize = maxPacketSize
        self.version = version
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> MQTTPacket? {
        guard let header = try self.peekFixedHeader(buffer) else {
            return nil
        }
        let totalLength = header.headerLength + header.remainingLength
        guard totalLength <= self.maxPacketSize else {
            throw MQTTProtocolError(
                kind: .packetTooLarge,
                message: "\(header.kind) of \(totalLength) bytes exceeds the limit of \(self.maxPacketSize) bytes"
            )
        }
        guard buffer.readableBytes >= totalLength else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: header.headerLength)
        var body = buffer.readSlice(length: header.remainingLength)!
        let packet = try self.decodeBody(kind: header.kind, flags: header.flags, body: &body)
        if body.readableBytes > 0, header.kind != .publish {
            throw MQTTProtocolError.malformed("\(header.kind): \(body.readableBytes) bytes after the last field")
        }
        return packet
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MQTTPacket? {
        try self.decode(buffer: &buffer)
    }

    private struct FixedHeader {
        var kind: MQTTPacket.Kind
        var flags: UInt8
        var remainingLength: Int
        var headerLength: Int
    }

    /// The fixed header, validated as far as it can be without the body; nil until its bytes are all in.
    private func peekFixedHeader(_ buffer: ByteBuffer) throws -> FixedHeader? {
        var index = buffer.readerIndex
        guard let first = buffer.getInteger(at: index, as: UInt8.self) else {
            return nil
        }
        let flags = first & 0x0F
        guard let kind = MQTTPacket.Kind(rawValue: first >> 4) else {
            throw MQTTProtocolError.malformed("reserved packet type 0")
        }
        switch self.version {
        case nil where kind != .connect:
            throw MQTTProtocolError.protocolViolation("\(kind) before CONNECT")
        case .v3_1_1 where kind == .auth:
            throw MQTTProtocolError.malformed("reserved packet type 15 in MQTT 3.1.1")
        default:
            break
        }
        if kind != .publish, flags != kind.requiredFlags {
            throw MQTTProtocolError.malformed("\(kind) with fixed header flags 0x\(String(flags, radix: 16))")
        }
        var remainingLength = 0
        var shift = 0
        index += 1
        for count in 1...4 {
            guard let byte = buffer.getInteger(at: index, as: UInt8.self) else {
                return nil
            }
            index += 1
            remainingLength |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                return FixedHeader(kind: kind, flags: flags, remainingLength: remainingLength, headerLength: 1 + count)
            }
            shift += 7
        }
        throw MQTTProtocolError.malformed("remaining length longer than 4 bytes")
    }

    private mutating func decodeBody(kind: MQTTPacket.Kind, flags: UInt8, body: inout ByteBuffer) throws -> MQTTPacket {
        let isV5 = self.version == .v5
        switch kind {
        case .connect:
            let connect = try Self.decodeConnect(&body)
            if self.version == nil {
                self.version = connect.version
            }
            return .connect(connect)
        case .connack:
            let acknowledgeFlags = try body.readMQTTInteger(as: UInt8.self, what: "CONNACK flags")
            guard acknowledgeFlags & 0xFE == 0 else {
                throw MQTTProtocolError.malformed("CONNACK flags 0x\(String(acknowledgeFlags, radix: 16))")
            }
            let code = try body.readMQTTInteger(as: UInt8.self, what: "CONNACK code")
            let properties = isV5 ? try body.readMQTTProperties(in: .connack) : MQTTProperties()
            return .connack(MQTTConnAckPacket(sessionPresent: acknowledgeFlags == 1, code: code, properties: properties))
        case .publish:
            return .publish(try self.decodePublish(flags: flags, body: &body))
        case .puback:
            return .puback(try Self.decodeAck(kind, isV5: isV5, body: &body))
        case .pubrec:
            return .pubrec(try Self.decodeAck(kind, isV5: isV5, body: &body))
        case .pubrel:
            return .pubrel(try Self.decodeAck(kind, isV5: isV5, body: &body))
        case .pubcomp:
            return .pubcomp(try Self.decodeAck(kind, isV5: isV5, body: &body))
        case .subscribe:
            return .subscribe(try Self.decodeSubscribe(isV5: isV5, body: &body))
        case .suback:
            let packetID = try Self.readPacketID(&body, kind)
            let properties = isV5 ? try body.readMQTTProperties(in: .suback) : MQTTProperties()
            let reasons = body.readBytes(length: body.readableBytes)!.map(MQTTReasonCode.init(rawValue:))
            return .suback(MQTTSubAckPacket(packetID: packetID, reasons: reasons, properties: properties))
        case .unsubscribe:
            let packetID = try Self.readPacketID(&body, kind)
            let properties = isV5 ? try body.readMQTTProperties(in: .unsubscribe) : MQTTProperties()
            var filters: [String] = []
            while body.readableBytes > 0 {
                filters.append(try body.readMQTTString(what: "UNSUBSCRIBE topic filter"))
            }
            guard !filters.isEmpty else {
                throw MQTTProtocolError.protocolViolation("UNSUBSCRIBE without a topic filter")
            }
            return .unsubscribe(MQTTUnsubscribePacket(packetID: packetID, topicFilters: filters, properties: properties))
        case .unsuback:
            let packetID = try Self.readPacketID(&body, kind)
            guard isV5 else {
                return .unsuback(MQTTUnsubAckPacket(packetID: packetID))
            }
            let properties = try body.readMQTTProperties(in: .unsuback)
            let reasons = body.readBytes(length: body.readableBytes)!.map(MQTTReasonCode.init(rawValue:))
            return .unsuback(MQTTUnsubAckPacket(packetID: packetID, reasons: reasons, properties: properties))
        case .pingreq:
            return .pingreq
        case .pingresp:
            return .pingresp
        case .disconnect:
            guard isV5, body.readableBytes > 0 else {
                return .disconnect(MQTTDisconnectPacket())
            }
            let reason = MQTTReasonCode(rawValue: try body.readMQTTInteger(what: "DISCONNECT reason"))
            let properties = body.readableBytes > 0 ? try body.readMQTTProperties(in: .disconnect) : MQTTProperties()
            return .disconnect(MQTTDisconnectPacket(reason: reason, properties: properties))
        case .auth:
            guard body.readableBytes > 0 else {
                return .auth(MQTTAuthPacket())
            }
            let reason = MQTTReasonCode(rawValue: try body.readMQTTInteger(what: "AUTH reason"))
            let properties = body.readableBytes > 0 ? try body.readMQTTProperties(in: .auth) : MQTTProperties()
            return .auth(MQTTAuthPacket(reason: reason, properties: properties))
        }
    }

    private static func decodeConnect(_ body: inout ByteBuffer) throws -> MQTTConnectPacket {
        let name = try body.readMQTTString(what: "protocol name")
        let level = try body.readMQTTInteger(as: UInt8.self, what: "protocol level")
        let version: MQTTProtocolVersion
        switch (name, level) {
        case ("MQTT", 4): version = .v3_1_1
        case ("MQTT", 5): version = .v5
        case ("MQTT", _), ("MQIsdp", _):
            throw MQTTProtocolError(kind: .unsupportedProtocolVersion(level), message: "protocol level \(level)")
        default:
            throw MQTTProtocolError.malformed("protocol name \"\(name)\"")
        }
        let flags = try body.readMQTTInteger(as: UInt8.self, what: "connect flags")
        guard flags & 0x01 == 0 else {
            throw MQTTProtocolError.malformed("CONNECT reserved flag set")
        }
        let hasWill = flags & 0x04 != 0
        let willQoSBits = (flags >> 3) & 0x03
        let willRetain = flags & 0x20 != 0
        let hasPassword = flags & 0x40 != 0
        let hasUsername = flags & 0x80 != 0
        guard let willQoS = MQTTQoS(rawValue: willQoSBits) else {
            throw MQTTProtocolError.malformed("CONNECT will QoS 3")
        }
        if !hasWill, willQoSBits != 0 || willRetain {
            throw MQTTProtocolError.malformed("CONNECT will QoS or retain without a will")
        }
        if version == .v3_1_1, hasPassword, !hasUsername {
            throw MQTTProtocolError.malformed("CONNECT password without a user name")
        }
        let keepAlive = try body.readMQTTInteger(as: UInt16.self, what: "keep alive")
        let properties = version == .v5 ? try body.readMQTTProperties(in: .connect) : MQTTProperties()
        let clientID = try body.readMQTTString(what: "client identifier")
        var will: MQTTConnectPacket.Will?
        if hasWill {
            let willProperties = version == .v5 ? try body.readMQTTProperties(in: .will) : MQTTProperties()
            let topic = try body.readMQTTString(what: "will topic")
            guard let length = body.readInteger(as: UInt16.self), let payload = body.readSlice(length: Int(length)) else {
                throw MQTTProtocolError.malformed("will payload: truncated")
            }
            will = .init(topic: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProperties)
        }
        let username = hasUsername ? try body.readMQTTString(what: "user name") : nil
        let password = hasPassword ? try body.readMQTTBinary(what: "password") : nil
        return MQTTConnectPacket(
            version: version,
            clientID: clientID,
            cleanStart: flags & 0x02 != 0,
            keepAlive: keepAlive,
            username: username,
            password: password,
            will: will,
            properties: properties
        )
    }

    private mutating func decodePublish(flags: UInt8, body: inout ByteBuffer) throws -> MQTTPublishPacket {
        guard let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) else {
            throw MQTTProtocolError.malformed("PUBLISH with QoS 3")
        }
        let dup = flags & 0x08 != 0
        if dup, qos == .atMostOnce {
            throw MQTTProtocolError.malformed("PUBLISH with DUP set at QoS 0")
        }
        guard let topicLength = body.readInteger(as: UInt16.self), let topicBytes = body.readSlice(length: Int(topicLength)) else {
            throw MQTTProtocolError.malformed("PUBLISH topic name: truncated string")
        }
        let topic: String
        if topicBytes.mqttReadableBytesEqual(self.lastTopic) {
            topic = self.lastTopic
        } else {
            topic = try topicBytes.mqttValidatedString(what: "PUBLISH topic name")
            if topic.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) {
                throw MQTTProtocolError(kind: .topicNameInvalid, message: "PUBLISH topic name with a wildcard")
            }
            self.lastTopic = topic
        }
        var packetID: UInt16 = 0
        if qos != .atMostOnce {
            packetID = try Self.readPacketID(&body, .publish)
        }
        let properties = self.version == .v5 ? try body.readMQTTProperties(in: .publish) : MQTTProperties()
        return MQTTPublishPacket(
            topic: topic,
            payload: body,
            qos: qos,
            retain: flags & 0x01 != 0,
            dup: dup,
            packetID: packetID,
            properties: properties
        )
    }

    private static func decodeAck(_ kind: MQTTPacket.Kind, isV5: Bool, body: inout ByteBuffer) throws -> MQTTAckPacket {
        let packetID = try Self.readPacketID(&body, kind)
        guard isV5, body.readableBytes > 0 else {
            return MQTTAckPacket(packetID: packetID)
        }
        let reason = MQTTReasonCode(rawValue: try body.readMQTTInteger(what: "acknowledgement reason"))
        let properties = body.readableBytes > 0 ? try body.readMQTTProperties(in: .ack) : MQTTProperties()
        return MQTTAckPacket(packetID: packetID, reason: reason, properties: properties)
    }

    private static func decodeSubscribe(isV5: Bool, body: inout ByteBuffer) throws -> MQTTSubscribePacket {
        let packetID = try Self.readPacketID(&body, .subscribe)
        let properties = isV5 ? try body.readMQTTProperties(in: .subscribe) : MQTTProperties()
        var subscriptions: [MQTTSubscribePacket.Subscription] = []
        while body.readableBytes > 0 {
            let filter = try body.readMQTTString(what: "SUBSCRIBE topic filter")
            let options = try body.readMQTTInteger(as: UInt8.self, what: "subscription options")
            guard options & (isV5 ? 0xC0 : 0xFC) == 0 else {
                throw MQTTProtocolError.malformed("subscription options 0x\(String(options, radix: 16)) set reserved bits")
            }
            guard let qos = MQTTQoS(rawValue: options & 0x03) else {
                throw MQTTProtocolError.malformed("subscription with QoS 3")
            }
            let retainHandling = (options >> 4) & 0x03
            guard retainHandling != 3 else {
                throw MQTTProtocolError.malformed("subscription with retain handling 3")
            }
            subscriptions.append(
                .init(
                    topicFilter: filter,
                    qos: qos,
                    noLocal: options & 0x04 != 0,
                    retainAsPublished: options & 0x08 != 0,
                    retainHandling: retainHandling
                )
            )
        }
        guard !subscriptions.isEmpty else {
            throw MQTTProtocolError.protocolViolation("SUBSCRIBE without a topic filter")
        }
        return MQTTSubscribePacket(packetID: packetID, subscriptions: subscriptions, properties: properties)
    }

    private static func readPacketID(_ body: inout ByteBuffer, _ kind: MQTTPacket.Kind) throws -> UInt16 {
        guard let packetID = body.readInteger(as: UInt16.self) else {
            throw MQTTProtocolError.malformed("\(kind): truncated packet identifier")
        }
        guard packetID != 0 else {
            throw MQTTProtocolError.malformed("\(kind) with packet identifier 0")
        }
        return packetID
    }
}
