import NIOCore
import NIOTestUtils
import Testing

@testable import MQTTNIO

/// Every packet type encodes and decodes back to itself, in both protocol versions, also when the bytes arrive one
/// at a time (ByteToMessageDecoderVerifier).
@Suite struct MQTTPacketRoundTripTests {
    static func samples(_ version: MQTTProtocolVersion) -> [MQTTPacket] {
        let isV5 = version == .v5
        func properties(_ entries: [MQTTProperty]) -> MQTTProperties { isV5 ? MQTTProperties(entries) : MQTTProperties() }
        var packets: [MQTTPacket] = [
            .connect(
                MQTTConnectPacket(
                    version: version,
                    clientID: "device-1",
                    cleanStart: true,
                    keepAlive: 60,
                    username: "key",
                    password: [1, 2, 3],
                    will: .init(
                        topic: "will/t",
                        payload: ByteBuffer(string: "bye"),
                        qos: .atLeastOnce,
                        retain: true,
                        properties: properties([.willDelayInterval(5), .contentType("text/plain")])
                    ),
                    properties: properties([
                        .sessionExpiryInterval(0), .receiveMaximum(10), .maximumPacketSize(1000), .topicAliasMaximum(0),
                        .userProperty(name: "a", value: "b"),
                    ])
                )
            ),
            .connect(MQTTConnectPacket(version: version, clientID: "", cleanStart: false, keepAlive: 0)),
            .connack(
                MQTTConnAckPacket(
                    sessionPresent: false,
                    code: 0,
                    properties: properties([
                        .receiveMaximum(1024), .maximumPacketSize(262_144), .topicAliasMaximum(0), .retainAvailable(0),
                        .wildcardSubscriptionAvailable(0), .subscriptionIdentifierAvailable(0), .sharedSubscriptionAvailable(0),
                        .assignedClientIdentifier("mqttnio-1"), .reasonString("welcome"),
                    ])
                )
            ),
            .connack(MQTTConnAckPacket(sessionPresent: true, code: 5)),
            .publish(MQTTPublishPacket(topic: "a/b", payload: ByteBuffer(string: "{\"t\":1}"), qos: .atMostOnce, retain: false)),
            .publish(
                MQTTPublishPacket(
                    topic: "a/b",
                    payload: ByteBuffer(repeating: 7, count: 300),
                    qos: .atLeastOnce,
                    retain: true,
                    dup: true,
                    packetID: 7,
                    properties: properties([
                        .payloadFormatIndicator(1), .messageExpiryInterval(9), .contentType("application/json"),
                        .responseTopic("r/t"), .correlationData([9, 9]), .subscriptionIdentifier(200),
                        .userProperty(name: "u", value: "v"), .userProperty(name: "u", value: "w"),
                    ])
                )
            ),
            .publish(MQTTPublishPacket(topic: "x", payload: ByteBuffer(), qos: .exactlyOnce, retain: false, packetID: 65535)),
            .puback(MQTTAckPacket(packetID: 1)),
            .pubrec(MQTTAckPacket(packetID: 2)),
            .pubrel(MQTTAckPacket(packetID: 3)),
            .pubcomp(MQTTAckPacket(packetID: 4)),
            .subscribe(
                MQTTSubscribePacket(
                    packetID: 5,
                    subscriptions: [
                        .init(topicFilter: "c/d", qos: .atLeastOnce),
                        .init(topicFilter: "e/+/#", qos: .exactlyOnce, noLocal: isV5, retainAsPublished: isV5, retainHandling: isV5 ? 2 : 0),
                    ],
                    properties: properties([.subscriptionIdentifier(3)])
                )
            ),
            .suback(MQTTSubAckPacket(packetID: 5, reasons: [.grantedQoS1, .unspecifiedError], properties: properties([.reasonString("r")]))),
            .unsubscribe(
                MQTTUnsubscribePacket(packetID: 6, topicFilters: ["c/d", "e/+/#"], properties: properties([.userProperty(name: "k", value: "v")]))),
            .unsuback(MQTTUnsubAckPacket(packetID: 6, reasons: isV5 ? [.success, .success] : [])),
            .pingreq,
            .pingresp,
            .disconnect(MQTTDisconnectPacket()),
        ]
        if isV5 {
            packets += [
                .puback(MQTTAckPacket(packetID: 8, reason: .payloadFormatInvalid)),
                .pubrec(MQTTAckPacket(packetID: 9, reason: .quotaExceeded, properties: MQTTProperties([.reasonString("full")]))),
                .pubcomp(MQTTAckPacket(packetID: 10, reason: .packetIdentifierNotFound)),
                .disconnect(MQTTDisconnectPacket(reason: .serverShuttingDown)),
                .disconnect(MQTTDisconnectPacket(reason: .success, properties: MQTTProperties([.sessionExpiryInterval(0), .reasonString("bye")]))),
                .auth(MQTTAuthPacket()),
                .auth(
                    MQTTAuthPacket(
                        reason: MQTTReasonCode(rawValue: 0x18),
                        properties: MQTTProperties([.authenticationMethod("SCRAM"), .authenticationData([1])])
                    )
                ),
            ]
        }
        return packets
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func everyPacketRoundTrips(version: MQTTProtocolVersion) throws {
        for packet in Self.samples(version) {
            let bytes = MQTTTestBytes.encode(packet, version: version)
            let decoded = try MQTTTestBytes.decodeAll(bytes, version: version)
            #expect(decoded == [packet], "\(packet.kind) in \(version): \(MQTTTestBytes.hex(bytes))")
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func decodesBytewiseAndBatched(version: MQTTProtocolVersion) throws {
        let pairs = Self.samples(version).map { (MQTTTestBytes.encode($0, version: version), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            MQTTPacketDecoder(maxPacketSize: 1 << 20, version: version)
        }
    }

    @Test func connectDecidesTheVersionOfLaterPackets() throws {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            var bytes = MQTTTestBytes.encode(
                .connect(MQTTConnectPacket(version: version, clientID: "c", cleanStart: true, keepAlive: 5)), version: version)
            var ack = MQTTTestBytes.encode(.puback(MQTTAckPacket(packetID: 3, reason: .quotaExceeded)), version: .v5)
            bytes.writeBuffer(&ack)
            if version == .v5 {
                let packets = try MQTTTestBytes.decodeAll(bytes)
                #expect(packets.last == .puback(MQTTAckPacket(packetID: 3, reason: .quotaExceeded)))
            } else {
                // 3.1.1's PUBACK is the packet id alone, so the reason byte is malformed there.
                #expect(throws: MQTTProtocolError.self) { try MQTTTestBytes.decodeAll(bytes) }
            }
        }
    }

    @Test func remainingLengthBoundaries() throws {
        // The spec's table of Variable Byte Integer sizes (3.1.1 section 2.2.3, MQTT 5 section 1.5.5).
        let cases: [(Int, String)] = [
            (0, "00"), (127, "7f"), (128, "8001"), (16_383, "ff7f"), (16_384, "808001"), (2_097_151, "ffff7f"),
            (2_097_152, "80808001"), (268_435_455, "ffffff7f"),
        ]
        for (value, hex) in cases {
            var buffer = ByteBuffer()
            buffer.writeMQTTVarint(value)
            #expect(MQTTTestBytes.hex(buffer) == hex)
            #expect(ByteBuffer.mqttVarintLength(value) == hex.count / 2)
            let decoded = try buffer.readMQTTVarint(what: "test")
            #expect(decoded == value)
        }
    }
}
