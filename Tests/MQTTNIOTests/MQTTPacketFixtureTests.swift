import NIOCore
import Testing

@testable import MQTTNIO

/// Bytes this module did not write: the specs' examples and what real clients send.
@Suite struct MQTTPacketFixtureTests {
    // MARK: - From the specs

    /// MQTT 3.1.1 section 3.1.2.10's example variable header (level 4, flags 0xCE, keep-alive 10), completed with
    /// the payload those flags call for: client id "c", will topic "w", will message "m", user "u", password "p".
    @Test func connectExampleOfSpec311() throws {
        let packet = try MQTTTestBytes.decodeOne(
            "10 19 0004 4d515454 04 ce 000a 0001 63 0001 77 0001 6d 0001 75 0001 70"
        )
        let expected = MQTTConnectPacket(
            version: .v3_1_1,
            clientID: "c",
            cleanStart: true,
            keepAlive: 10,
            username: "u",
            password: Array("p".utf8),
            will: .init(topic: "w", payload: ByteBuffer(string: "m"), qos: .atLeastOnce, retain: false)
        )
        #expect(packet == .connect(expected))
    }

    /// MQTT 5 section 3.1.2.11's example variable header (level 5, flags 0xCE, keep-alive 10, Session Expiry
    /// Interval 10), completed as above with empty will properties.
    @Test func connectExampleOfSpec5() throws {
        let packet = try MQTTTestBytes.decodeOne(
            "10 20 0004 4d515454 05 ce 000a 05 11 0000000a 0001 63 00 0001 77 0001 6d 0001 75 0001 70"
        )
        guard case .connect(let connect) = packet else {
            Issue.record("not a CONNECT: \(String(describing: packet))")
            return
        }
        #expect(connect.version == .v5)
        #expect(connect.properties.sessionExpiryInterval == 10)
        #expect(connect.keepAlive == 10)
        #expect(connect.will?.topic == "w")
        #expect(connect.username == "u")
    }

    /// 3.1.1 section 3.3.2.3's PUBLISH variable header example: topic "a/b", packet id 10 (QoS 1 here).
    @Test func publishExampleOfSpec311() throws {
        let packet = try MQTTTestBytes.decodeOne("32 09 0003 612f62 000a 4869", version: .v3_1_1)
        #expect(
            packet == .publish(MQTTPublishPacket(topic: "a/b", payload: ByteBuffer(string: "Hi"), qos: .atLeastOnce, retain: false, packetID: 10)))
    }

    /// MQTT 5 section 3.3.2.3's example, with its property length of 0.
    @Test func publishExampleOfSpec5() throws {
        let packet = try MQTTTestBytes.decodeOne("32 0a 0003 612f62 000a 00 4869", version: .v5)
        #expect(
            packet == .publish(MQTTPublishPacket(topic: "a/b", payload: ByteBuffer(string: "Hi"), qos: .atLeastOnce, retain: false, packetID: 10)))
    }

    /// Section 1.5.3's UTF-8 example "A\u{2A6D4}" (00 05 41 F0 AA 9B 94) as a topic name.
    @Test func utf8StringExampleOfSpec() throws {
        let packet = try MQTTTestBytes.decodeOne("30 07 0005 41f0aa9b94", version: .v3_1_1)
        guard case .publish(let publish) = packet else {
            Issue.record("not a PUBLISH")
            return
        }
        #expect(publish.topic == "A\u{2A6D4}")
    }

    // MARK: - From independent clients
    // Captured with Fixtures/capture_fixtures.py: a Python socket listener answering like a server while paho-mqtt
    // 2.2.0 and mosquitto_pub 2.0.11 (Debian mosquitto-clients) connected to it; each line is one packet as sent.

    static let pahoV311 = [
        "103400044d51545404ce001e00087061686f2d333131000a77696c6c2f746f7069630004676f6e650004757365720006736563726574",
        "302d001776312f646576696365732f6d652f74656c656d657472797b2274656d7065726174757265223a32312e357d",
        "322f001776312f646576696365732f6d652f74656c656d6574727900027b2274656d7065726174757265223a32312e367d",
        "342f001776312f646576696365732f6d652f74656c656d6574727900037b2274656d7065726174757265223a32312e377d",
        "62020003",
        "82210004001476312f646576696365732f6d652f636f6e666967010005612f2b2f6200",
        "a2180005001476312f646576696365732f6d652f636f6e666967",
        "c000",
        "e000",
    ]

    static let pahoV5 = [
        "103800044d51545405c2002d17110000003c2100142200052600016b000176270001000000067061686f2d350004757365720006736563726574",
        "3052001776312f646576696365732f6d652f74656c656d6574727924010102000000780300106170706c69636174696f6e2f6a736f6e260004756e6974"
            + "0001437b2274656d7065726174757265223a32312e357d",
        "3230001776312f646576696365732f6d652f74656c656d657472790002007b2274656d7065726174757265223a32312e367d",
        "3430001776312f646576696365732f6d652f74656c656d657472790003007b2274656d7065726174757265223a32312e377d",
        "62020003",
        "821a000400001476312f646576696365732f6d652f636f6e66696705",
        "a219000500001476312f646576696365732f6d652f636f6e666967",
        "c000",
        "e00804061f0003627965",
    ]

    static let mosquittoV311QoS2 = [
        "102700044d51545404c2003c000d6d6f73712d6d717474763331310004757365720006736563726574",
        "342f001776312f646576696365732f6d652f74656c656d6574727900017b2274656d7065726174757265223a32312e357d",
        "62020001",
        "e000",
    ]

    static let mosquittoV5QoS1 = [
        "102900044d51545405c2003c03210014000b6d6f73712d6d71747476350004757365720006736563726574",
        "3230001776312f646576696365732f6d652f74656c656d657472790001007b2274656d7065726174757265223a32312e357d",
        "e000",
    ]

    static let topic = "v1/devices/me/telemetry"

    static func decodeSession(_ hexPackets: [String]) throws -> [MQTTPacket] {
        try MQTTTestBytes.decodeAll(MQTTTestBytes.buffer(hexPackets.joined()))
    }

    @Test func pahoV311Session() throws {
        let packets = try Self.decodeSession(Self.pahoV311)
        #expect(packets.count == 9)
        #expect(
            packets[0]
                == .connect(
                    MQTTConnectPacket(
                        version: .v3_1_1,
                        clientID: "paho-311",
                        cleanStart: true,
                        keepAlive: 30,
                        username: "user",
                        password: Array("secret".utf8),
                        will: .init(topic: "will/topic", payload: ByteBuffer(string: "gone"), qos: .atLeastOnce, retain: false)
                    )
                )
        )
        #expect(
            packets[1] == .publish(.init(topic: Self.topic, payload: ByteBuffer(string: #"{"temperature":21.5}"#), qos: .atMostOnce, retain: false)))
        #expect(
            packets[2]
                == .publish(
                    .init(topic: Self.topic, payload: ByteBuffer(string: #"{"temperature":21.6}"#), qos: .atLeastOnce, retain: false, packetID: 2))
        )
        #expect(
            packets[3]
                == .publish(
                    .init(topic: Self.topic, payload: ByteBuffer(string: #"{"temperature":21.7}"#), qos: .exactlyOnce, retain: false, packetID: 3))
        )
        #expect(packets[4] == .pubrel(MQTTAckPacket(packetID: 3)))
        #expect(
            packets[5]
                == .subscribe(
                    .init(
                        packetID: 4,
                        subscriptions: [.init(topicFilter: "v1/devices/me/config", qos: .atLeastOnce), .init(topicFilter: "a/+/b", qos: .atMostOnce)])
                )
        )
        #expect(packets[6] == .unsubscribe(.init(packetID: 5, topicFilters: ["v1/devices/me/config"])))
        #expect(packets[7] == .pingreq)
        #expect(packets[8] == .disconnect(MQTTDisconnectPacket()))
    }

    @Test func pahoV5Session() throws {
        let packets = try Self.decodeSession(Self.pahoV5)
        #expect(packets.count == 9)
        guard case .connect(let connect) = packets[0], case .publish(let publish) = packets[1] else {
            Issue.record("unexpected packets \(packets)")
            return
        }
        #expect(connect.version == .v5)
        #expect(connect.clientID == "paho-5")
        #expect(connect.keepAlive == 45)
        #expect(connect.properties.sessionExpiryInterval == 60)
        #expect(connect.properties.receiveMaximum == 20)
        #expect(connect.properties.maximumPacketSize == 65536)
        #expect(connect.properties.topicAliasMaximum == 5)
        #expect(connect.properties.userProperties.map { "\($0.name)=\($0.value)" } == ["k=v"])
        #expect(publish.properties.payloadFormatIndicator == 1)
        #expect(publish.properties.contentType == "application/json")
        #expect(publish.properties.userProperties.map { "\($0.name)=\($0.value)" } == ["unit=C"])
        #expect(publish.payload == ByteBuffer(string: #"{"temperature":21.5}"#))
        #expect(packets[4] == .pubrel(MQTTAckPacket(packetID: 3)))
        #expect(
            packets[5]
                == .subscribe(.init(packetID: 4, subscriptions: [.init(topicFilter: "v1/devices/me/config", qos: .atLeastOnce, noLocal: true)])))
        #expect(packets[6] == .unsubscribe(.init(packetID: 5, topicFilters: ["v1/devices/me/config"])))
        #expect(packets[7] == .pingreq)
        #expect(
            packets[8]
                == .disconnect(MQTTDisconnectPacket(reason: MQTTReasonCode(rawValue: 0x04), properties: MQTTProperties([.reasonString("bye")]))))
    }

    @Test func mosquittoSessions() throws {
        let v311 = try Self.decodeSession(Self.mosquittoV311QoS2)
        #expect(v311.count == 4)
        if case .connect(let connect) = v311[0] {
            #expect(connect.clientID == "mosq-mqttv311")
            #expect(connect.username == "user")
            #expect(connect.password == Array("secret".utf8))
            #expect(connect.keepAlive == 60)
        } else {
            Issue.record("not a CONNECT: \(v311[0])")
        }
        #expect(
            v311[1]
                == .publish(
                    .init(topic: Self.topic, payload: ByteBuffer(string: #"{"temperature":21.5}"#), qos: .exactlyOnce, retain: false, packetID: 1)))
        let v5 = try Self.decodeSession(Self.mosquittoV5QoS1)
        if case .connect(let connect) = v5[0] {
            #expect(connect.version == .v5)
            #expect(connect.properties.receiveMaximum == 20)
        } else {
            Issue.record("not a CONNECT: \(v5[0])")
        }
        #expect(
            v5[1]
                == .publish(
                    .init(topic: Self.topic, payload: ByteBuffer(string: #"{"temperature":21.5}"#), qos: .atLeastOnce, retain: false, packetID: 1)))
        #expect(v5[2] == .disconnect(MQTTDisconnectPacket()))
    }

    /// Our encoder writes paho's bytes for the same packets (the independent encoder as an oracle).
    @Test func encoderMatchesPaho() throws {
        for (hexPackets, version) in [(Self.pahoV311, MQTTProtocolVersion.v3_1_1), (Self.pahoV5, .v5)] {
            let packets = try Self.decodeSession(hexPackets)
            for (packet, hex) in zip(packets, hexPackets) {
                #expect(MQTTTestBytes.hex(MQTTTestBytes.encode(packet, version: version)) == hex, "\(packet.kind) in \(version)")
            }
        }
    }
}
