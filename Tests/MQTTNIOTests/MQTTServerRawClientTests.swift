import Logging
import NIOCore
import NIOPosix
import Testing

@testable import MQTTNIO

/// The listener against a raw client: protocol violations, limits, timers and the acknowledgement flows on the wire.
@Suite struct MQTTServerRawClientTests {
    static func isDisconnect(_ reason: MQTTReasonCode) -> (MQTTPacket) -> Bool {
        { $0 == .disconnect(MQTTDisconnectPacket.closing(reason)) }
    }

    static func publish(_ qos: MQTTQoS, id: UInt16 = 0, payload: String = "p") -> MQTTPacket {
        .publish(MQTTPublishPacket(topic: "t/1", payload: ByteBuffer(string: payload), qos: qos, retain: false, packetID: id))
    }

    @Test func v5ConnackAdvertisesLimitsAndAssignsAnID() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(
            delegate: delegate,
            configure: {
                $0.maxPacketSize = 4096; $0.receiveMaximum = 32
            }
        ) { server in
            let (client, connack) = try await MQTTTestClient.connected(port: server.localPort, version: .v5, clientID: "")
            #expect(connack.code == 0)
            #expect(connack.properties.maximumPacketSize == 4096)
            #expect(connack.properties.receiveMaximum == 32)
            #expect(connack.properties.topicAliasMaximum == 0)
            let assigned = try #require(connack.properties.assignedClientIdentifier)
            try await waitUntil("the session") { delegate.snapshot().sessions.count == 1 }
            #expect(delegate.snapshot().sessions.first?.clientID == assigned)
            #expect(delegate.snapshot().sessions.first?.context as? String == "ctx")
            #expect(delegate.snapshot().connects.first?.clientID == "")
            #expect(server.sessionCount == 1)
            try await client.send(.disconnect(MQTTDisconnectPacket()))
            try await client.waitForClose()
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            #expect(delegate.snapshot().closed.first?.reason == .clientDisconnected)
            try await waitUntil("the session to be forgotten") { server.sessionCount == 0 }
        }
    }

    @Test func refusedConnect() async throws {
        let delegate = MQTTTestDelegate(decide: { _ in .refuse(v3: .notAuthorized, v5: .badUserNameOrPassword) })
        try await withTestServer(delegate: delegate) { server in
            for (version, code) in [(MQTTProtocolVersion.v3_1_1, UInt8(0x05)), (.v5, 0x86)] {
                let client = try await MQTTTestClient.connect(port: server.localPort, version: version)
                try await client.send(.connect(MQTTConnectPacket(version: version, clientID: "x", cleanStart: true, keepAlive: 0)))
                try await client.waitForClose()
                #expect(client.packets == [.connack(MQTTConnAckPacket(sessionPresent: false, code: code))])
            }
            try await waitUntil("two rejections") { delegate.snapshot().rejected.count == 2 }
            #expect(delegate.snapshot().rejected == [.refused, .refused])
        }
    }

    @Test func mqtt31IsRefusedWithReturnCode1() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let client = try await MQTTTestClient.connect(port: server.localPort, version: .v3_1_1)
            try await client.sendBytes("10 0f 0006 4d5149736470 03 02 003c 0001 61")
            try await client.waitForClose()
            #expect(client.packets == [.connack(MQTTConnAckPacket(sessionPresent: false, code: 0x01))])
            try await waitUntil("the rejection") { delegate.snapshot().rejected.count == 1 }
            #expect(delegate.snapshot().connects.isEmpty)
        }
    }

    @Test func publishBeforeConnectCloses() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let client = try await MQTTTestClient.connect(port: server.localPort, version: .v3_1_1)
            try await client.send(Self.publish(.atMostOnce))
            try await client.waitForClose()
            #expect(client.packets.isEmpty)
            try await waitUntil("the rejection") { delegate.snapshot().rejected.count == 1 }
            guard case .malformedPacket = delegate.snapshot().rejected.first else {
                Issue.record("reason \(delegate.snapshot().rejected)")
                return
            }
        }
    }

    @Test func noConnectWithinTheTimeoutCloses() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate, configure: { $0.connectTimeout = .milliseconds(200) }) { server in
            let client = try await MQTTTestClient.connect(port: server.localPort, version: .v3_1_1)
            try await client.waitForClose()
            try await waitUntil("the rejection") { delegate.snapshot().rejected.count == 1 }
            #expect(delegate.snapshot().rejected == [.connectTimeout])
        }
    }

    @Test func malformedPacketAfterConnect() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v5)
            try await client.sendBytes("36 05 0001 61 0001")  // PUBLISH with QoS 3
            try await client.waitForPacket("DISCONNECT 0x81", Self.isDisconnect(.malformedPacket))
            try await client.waitForClose()
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            guard case .malformedPacket = delegate.snapshot().closed.first?.reason else {
                Issue.record("reason \(delegate.snapshot().closed)")
                return
            }
        }
    }

    @Test func secondConnectIsAProtocolError() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v5)
            try await client.send(.connect(MQTTConnectPacket(version: .v5, clientID: "raw", cleanStart: true, keepAlive: 0)))
            try await client.waitForPacket("DISCONNECT 0x82", Self.isDisconnect(.protocolError))
            try await client.waitForClose()
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func oversizePacketIsRefusedFromItsHeader(version: MQTTProtocolVersion) async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate, configure: { $0.maxPacketSize = 1024 }) { server in
            let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: version)
            // Only the fixed header of a 16 KiB PUBLISH: the server must not wait for the body.
            try await client.sendBytes("30 80 80 01")
            try await client.waitForClose()
            if version == .v5 {
                #expect(client.packets.last == .disconnect(MQTTDisconnectPacket.closing(.packetTooLarge)))
            } else {
                #expect(client.packets.count == 1)
            }
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            #expect(delegate.snapshot().closed.first?.reason == .packetTooLarge)
            #expect(delegate.snapshot().messages.isEmpty)
        }
    }

    @Test func keepAliveTimeoutCloses() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            // The PINGREQ goes in one write with the CONNECT: sent separately, a loaded machine could let the 1.5 s
            // pass in between, and the server would rightly close first.
            let client = try await MQTTTestClient.connect(port: server.localPort, version: .v5)
            let connect = MQTTConnectPacket(version: .v5, clientID: "raw", cleanStart: true, keepAlive: 1, username: "key")
            try await client.send(.connect(connect), .pingreq)
            try await client.waitForPacket("PINGRESP") { $0 == .pingresp }
            // Then silence: closed about 1.5 s after the PINGREQ.
            try await client.waitForPacket("DISCONNECT 0x8D", Self.isDisconnect(.keepAliveTimeout))
            try await client.waitForClose()
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            #expect(delegate.snapshot().closed.first?.reason == .keepAliveTimeout)
            #expect(delegate.snapshot().pings == 1)
        }
    }

    @Test func qos1OutcomesOnTheWire() async throws {
        let delegate = MQTTTestDelegate(outcome: { message in
            switch String(buffer: message.payload) {
            case "bad": return .rejected(.payloadFormatInvalid)
            case "stop": return .disconnect(.topicNameInvalid)
            default: return .accepted
            }
        })
        try await withTestServer(delegate: delegate) { server in
            let (v311, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v3_1_1, clientID: "a")
            try await v311.send(Self.publish(.atLeastOnce, id: 1, payload: "bad"))
            try await v311.waitForPacket("PUBACK 1") { $0 == .puback(MQTTAckPacket(packetID: 1)) }

            let (v5, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v5, clientID: "b")
            try await v5.send(
                Self.publish(.atLeastOnce, id: 1, payload: "ok"),
                Self.publish(.atLeastOnce, id: 2, payload: "bad"),
                Self.publish(.atLeastOnce, id: 3, payload: "stop"),
                Self.publish(.atLeastOnce, id: 4, payload: "ok")
            )
            try await v5.waitForClose()
            // The batch may arrive in more than one read, but acknowledgements stop at the disconnect outcome.
            #expect(
                v5.packets.dropFirst() == [
                    .puback(MQTTAckPacket(packetID: 1)), .puback(MQTTAckPacket(packetID: 2, reason: .payloadFormatInvalid)),
                    .disconnect(MQTTDisconnectPacket.closing(.topicNameInvalid)),
                ]
            )
            try await waitUntil("closed") { delegate.snapshot().closed.contains { $0.clientID == "b" } }
            #expect(delegate.snapshot().closed.first { $0.clientID == "b" }?.reason == .serverDisconnected(.topicNameInvalid))
        }
    }

    @Test func qos0BeforeDisconnectIsDelivered() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v3_1_1)
            try await client.send(Self.publish(.atMostOnce, payload: "last words"), .disconnect(MQTTDisconnectPacket()))
            try await client.waitForClose()
            try await waitUntil("the message") { delegate.snapshot().messages.count == 1 }
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            #expect(delegate.snapshot().closed.first?.reason == .clientDisconnected)
        }
    }

    @Test func qos2DuplicatesReachTheDelegateOnce() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v5)
            try await client.send(Self.publish(.exactlyOnce, id: 5, payload: "once"))
            try await client.waitForPacket("PUBREC") { $0 == .pubrec(MQTTAckPacket(packetID: 5)) }
            var again = MQTTPublishPacket(topic: "t/1", payload: ByteBuffer(string: "once"), qos: .exactlyOnce, retain: false, packetID: 5)
            again.dup = true
            try await client.send(.publish(again))
            try await waitUntil("a second PUBREC") { client.packets.filter { $0 == .pubrec(MQTTAckPacket(packetID: 5)) }.count == 2 }
            try await client.send(.pubrel(MQTTAckPacket(packetID: 5)), .pubrel(MQTTAckPacket(packetID: 6)))
            try await client.waitForPacket("PUBCOMP 5") { $0 == .pubcomp(MQTTAckPacket(packetID: 5)) }
            try await client.waitForPacket("PUBCOMP 6 0x92") { $0 == .pubcomp(MQTTAckPacket(packetID: 6, reason: .packetIdentifierNotFound)) }
            #expect(delegate.snapshot().messages.map { String(buffer: $0.payload) } == ["once"])
        }
    }

    @Test func acknowledgementsKeepReceiveOrderAcrossBatches() async throws {
        let gate = MQTTTestGate()
        let delegate = MQTTTestDelegate(publishGate: gate)
        try await withTestServer(delegate: delegate, configure: { $0.receiveMaximum = 8 }) { server in
            let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v3_1_1)
            try await client.send(Self.publish(.atLeastOnce, id: 1, payload: "1"))
            try await waitUntil("the first batch") { delegate.snapshot().publishCallsStarted == 1 }
            for id in 2...30 {
                try await client.send(Self.publish(id % 3 == 0 ? .atMostOnce : .atLeastOnce, id: UInt16(id), payload: "\(id)"))
            }
            gate.open()
            let expected = (1...30).filter { $0 % 3 != 0 }.map { MQTTPacket.puback(MQTTAckPacket(packetID: UInt16($0))) }
            try await waitUntil("every PUBACK") { client.packets.count == 1 + expected.count }
            #expect(Array(client.packets.dropFirst()) == expected)
            let record = delegate.snapshot()
            #expect(record.messages.map { String(buffer: $0.payload) } == (1...30).map { "\($0)" })
            #expect(record.batchSizes.first == 1)
            #expect(record.batchSizes.count < 30)
            #expect(record.maxCallsInProgress == 1)
        }
    }

    @Test func subscribeAndSend() async throws {
        let delegate = MQTTTestDelegate(
            subscribeOutcome: { $0.topicFilter == "cfg" ? .granted(.atLeastOnce) : .refused(.notAuthorized) },
            onSubscribed: { _, session in session.send(topic: "cfg", payload: ByteBuffer(string: "v1")) }
        )
        try await withTestServer(delegate: delegate) { server in
            let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v5)
            try await client.send(
                .subscribe(
                    MQTTSubscribePacket(
                        packetID: 3,
                        subscriptions: [
                            .init(topicFilter: "cfg", qos: .exactlyOnce), .init(topicFilter: "other", qos: .atMostOnce),
                            .init(topicFilter: "a/#", qos: .atMostOnce),
                        ]
                    )
                )
            )
            try await client.waitForPacket("SUBACK") {
                $0 == .suback(MQTTSubAckPacket(packetID: 3, reasons: [.grantedQoS1, .notAuthorized, .wildcardSubscriptionsNotSupported]))
            }
            try await client.waitForPacket("the sent message") {
                $0 == .publish(MQTTPublishPacket(topic: "cfg", payload: ByteBuffer(string: "v1"), qos: .atMostOnce, retain: false))
            }
            #expect(delegate.snapshot().subscribed == [[MQTTSubscriptionRequest(topicFilter: "cfg", qos: .atLeastOnce)]])
            try await client.send(.unsubscribe(MQTTUnsubscribePacket(packetID: 4, topicFilters: ["cfg"])))
            try await client.waitForPacket("UNSUBACK") { $0 == .unsuback(MQTTUnsubAckPacket(packetID: 4, reasons: [.success])) }
            #expect(delegate.snapshot().unsubscribed == [["cfg"]])

            let session = try #require(delegate.snapshot().sessions.first)
            for index in 0..<5 {
                session.send(topic: "cfg", payload: ByteBuffer(string: "n\(index)"))
            }
            try await waitUntil("five more messages in order") {
                client.packets.compactMap { packet -> String? in
                    if case .publish(let publish) = packet { return String(buffer: publish.payload) }
                    return nil
                } == ["v1", "n0", "n1", "n2", "n3", "n4"]
            }
            session.disconnect(reason: .administrativeAction)
            try await client.waitForPacket("DISCONNECT 0x98", Self.isDisconnect(.administrativeAction))
            try await client.waitForClose()
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            #expect(delegate.snapshot().closed.first?.reason == .serverDisconnected(.administrativeAction))
        }
    }

    @Test func secondConnectionWithTheSameIDTakesOver() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            let (first, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v5, clientID: "same")
            try await waitUntil("the first session") { delegate.snapshot().sessions.count == 1 }
            let (second, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v3_1_1, clientID: "same")
            try await first.waitForPacket("DISCONNECT 0x8E", Self.isDisconnect(.sessionTakenOver))
            try await first.waitForClose()
            try await waitUntil("closed") { delegate.snapshot().closed.count == 1 }
            #expect(delegate.snapshot().closed.first?.reason == .takenOver)
            #expect(server.sessionCount == 1)
            #expect(!second.isClosed)
            try await second.send(.pingreq)
            try await second.waitForPacket("PINGRESP") { $0 == .pingresp }
        }
    }

    @Test func gracefulDrainLetsTheRunningBatchBeAcknowledged() async throws {
        let gate = MQTTTestGate()
        let delegate = MQTTTestDelegate(publishGate: gate)
        var configuration = MQTTServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.receiveMaximum = 16
        let server = try await MQTTServer.bind(
            configuration: configuration,
            delegate: delegate,
            eventLoopGroup: NIOSingletons.posixEventLoopGroup,
            logger: .init(label: "mqtt-test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let run = Task { await server.run() }
        let (client, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v5)
        let (idle, _) = try await MQTTTestClient.connected(port: server.localPort, version: .v3_1_1, clientID: "idle")
        try await client.send(Self.publish(.atLeastOnce, id: 1))
        try await waitUntil("the batch to reach the delegate") { delegate.snapshot().publishCallsStarted == 1 }
        run.cancel()
        try await waitUntil("the drain to start") { server.hasRequestedDrain.withLock { $0 } }
        try await idle.waitForClose()
        #expect(!client.isClosed)
        gate.open()
        try await client.waitForClose()
        #expect(
            Array(client.packets.dropFirst()) == [
                .puback(MQTTAckPacket(packetID: 1)), .disconnect(MQTTDisconnectPacket.closing(.serverShuttingDown)),
            ]
        )
        await run.value
        try await waitUntil("both closed") { delegate.snapshot().closed.count == 2 }
        #expect(delegate.snapshot().closed.allSatisfy { $0.reason == .serverDisconnected(.serverShuttingDown) })
    }

    @Test func addressInUse() async throws {
        let delegate = MQTTTestDelegate()
        try await withTestServer(delegate: delegate) { server in
            var configuration = MQTTServerConfiguration(host: "127.0.0.1", port: server.localPort)
            configuration.maxPacketSize = 1024
            do {
                _ = try await MQTTServer.bind(
                    configuration: configuration,
                    delegate: delegate,
                    eventLoopGroup: NIOSingletons.posixEventLoopGroup,
                    logger: .init(label: "mqtt-test", factory: { _ in SwiftLogNoOpLogHandler() })
                )
                Issue.record("bound a port in use")
            } catch let error as MQTTServerError {
                #expect(error.code == .addressInUse)
                #expect(error.message.contains("127.0.0.1:\(server.localPort)"))
            }
        }
    }
}
