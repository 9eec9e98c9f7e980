import NIOCore
import Testing

@testable import MQTTNIO

/// The protocol rules as pure values: no channel, no clock.
@Suite struct MQTTSessionStateMachineTests {
    typealias Machine = MQTTSessionStateMachine
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func connect(_ version: MQTTProtocolVersion, clientID: String = "c", keepAlive: UInt16 = 0, cleanStart: Bool = true) -> MQTTPacket {
        .connect(MQTTConnectPacket(version: version, clientID: clientID, cleanStart: cleanStart, keepAlive: keepAlive))
    }

    static func publish(_ qos: MQTTQoS, id: UInt16 = 0, topic: String = "t") -> MQTTPacket {
        .publish(MQTTPublishPacket(topic: topic, payload: ByteBuffer(string: "p"), qos: qos, retain: false, packetID: id))
    }

    /// A machine past an accepted CONNECT, its `connected` job started and finished.
    static func connected(_ version: MQTTProtocolVersion, keepAlive: UInt16 = 0, receiveMaximum: Int = 10) -> Machine {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: receiveMaximum))
        _ = machine.packetReceived(Self.connect(version, keepAlive: keepAlive))
        _ = machine.connectAccepted(assignedClientID: nil, now: Self.start)
        guard case .connected = machine.readComplete(now: Self.start) else {
            preconditionFailure("no connected job")
        }
        _ = machine.jobFinished()
        return machine
    }

    /// Reads packets as one read cycle and returns the publish batch that starts.
    static func readBatch(_ machine: inout Machine, _ packets: [MQTTPacket]) -> MQTTPublishBatch? {
        for packet in packets {
            #expect(machine.packetReceived(packet) == .none)
        }
        guard case .publish(let batch) = machine.readComplete(now: Self.start) else {
            return nil
        }
        return batch
    }

    // MARK: - CONNECT

    @Test func connectMustComeFirst() {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        #expect(machine.packetReceived(Self.publish(.atMostOnce)) == .close(.malformedPacket("publish before CONNECT"), sending: nil))
        #expect(machine.closedWith() == (.malformedPacket("publish before CONNECT"), false))
    }

    @Test func secondConnectIsAProtocolError() {
        var machine = Self.connected(.v3_1_1)
        #expect(machine.packetReceived(Self.connect(.v3_1_1)) == .close(.malformedPacket("second CONNECT"), sending: nil))
        #expect(machine.closedWith() == (.malformedPacket("second CONNECT"), true))
    }

    @Test func acceptanceAdvertisesLimitsToV5Clients() throws {
        var machine = Machine(configuration: .init(maxPacketSize: 262_144, receiveMaximum: 100))
        #expect(
            machine.packetReceived(Self.connect(.v5, clientID: ""))
                == .decideConnect(MQTTConnectPacket(version: .v5, clientID: "", cleanStart: true, keepAlive: 0)))
        #expect(machine.shouldPauseReading)
        let accepted = machine.connectAccepted(assignedClientID: "assigned-1", now: Self.start)
        let acceptance = try #require(accepted)
        #expect(acceptance.connack.code == 0)
        #expect(!acceptance.connack.sessionPresent)
        #expect(
            acceptance.connack.properties.entries == [
                .receiveMaximum(100), .maximumPacketSize(262_144), .topicAliasMaximum(0), .retainAvailable(0),
                .wildcardSubscriptionAvailable(0), .subscriptionIdentifierAvailable(0), .sharedSubscriptionAvailable(0),
                .assignedClientIdentifier("assigned-1"),
            ]
        )
        #expect(!machine.shouldPauseReading)
    }

    @Test func v311ConnackHasNoProperties() throws {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        _ = machine.packetReceived(Self.connect(.v3_1_1, clientID: ""))
        let accepted = machine.connectAccepted(assignedClientID: "x", now: Self.start)
        let acceptance = try #require(accepted)
        #expect(acceptance.connack == MQTTConnAckPacket(sessionPresent: false, code: 0))
    }

    @Test func emptyClientIDWithoutCleanSessionIsRejectedIn311() {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        #expect(
            machine.packetReceived(Self.connect(.v3_1_1, clientID: "", cleanStart: false))
                == .close(.refused, sending: .connack(MQTTConnAckPacket(sessionPresent: false, code: 0x02)))
        )
    }

    @Test func refusalUsesTheVersionsCode() {
        for (version, code) in [(MQTTProtocolVersion.v3_1_1, UInt8(0x05)), (.v5, 0x87)] {
            var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
            _ = machine.packetReceived(Self.connect(version))
            #expect(
                machine.connectRefused(v3: .notAuthorized, v5: .notAuthorized)
                    == .close(.refused, sending: .connack(MQTTConnAckPacket(sessionPresent: false, code: code)))
            )
            #expect(machine.closedWith() == (.refused, false))
        }
    }

    @Test func packetsReadWhileDecidingAreHeldAndReplayed() throws {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        _ = machine.packetReceived(Self.connect(.v5))
        #expect(machine.packetReceived(Self.publish(.atLeastOnce, id: 1)) == .none)
        #expect(machine.readComplete(now: Self.start) == nil)
        let accepted = machine.connectAccepted(assignedClientID: nil, now: Self.start)
        let acceptance = try #require(accepted)
        #expect(acceptance.heldPackets == [Self.publish(.atLeastOnce, id: 1)])
    }

    @Test func unsupportedVersionGetsA311Connack() {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        let action = machine.errorCaught(MQTTProtocolError(kind: .unsupportedProtocolVersion(3), message: "protocol level 3"))
        #expect(action == .close(.malformedPacket("protocol level 3"), sending: .connack(MQTTConnAckPacket(sessionPresent: false, code: 1))))
    }

    @Test func enhancedAuthenticationIsRefused() {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        var connect = MQTTConnectPacket(version: .v5, clientID: "c", cleanStart: true, keepAlive: 0)
        connect.properties = MQTTProperties([.authenticationMethod("SCRAM-SHA-1")])
        #expect(
            machine.packetReceived(.connect(connect)) == .close(.refused, sending: .connack(MQTTConnAckPacket(sessionPresent: false, code: 0x8C))))
    }

    // MARK: - Timers

    @Test func connectTimeoutClosesOnlyBeforeConnect() {
        var waiting = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        #expect(waiting.connectTimeoutFired() == .close(.connectTimeout, sending: nil))
        #expect(waiting.closedWith() == (.connectTimeout, false))

        var deciding = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        _ = deciding.packetReceived(Self.connect(.v3_1_1))
        #expect(deciding.connectTimeoutFired() == .none)
        var connected = Self.connected(.v5)
        #expect(connected.connectTimeoutFired() == .none)
    }

    @Test func keepAliveClosesAfterOneAndAHalfIntervals() throws {
        var machine = Machine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        _ = machine.packetReceived(Self.connect(.v5, keepAlive: 10))
        let accepted = machine.connectAccepted(assignedClientID: nil, now: Self.start)
        let acceptance = try #require(accepted)
        #expect(acceptance.keepAliveCheck == Self.start + .seconds(15))
        _ = machine.readComplete(now: Self.start)
        _ = machine.jobFinished()

        // A PINGREQ at 10 s moves the deadline to 25 s.
        #expect(machine.packetReceived(.pingreq) == .write(.pingresp))
        _ = machine.readComplete(now: Self.start + .seconds(10))
        _ = machine.jobFinished()
        let early = machine.keepAliveCheck(now: Self.start + .seconds(15))
        #expect(early.action == .none)
        #expect(early.next == Self.start + .seconds(25))
        let late = machine.keepAliveCheck(now: Self.start + .seconds(25))
        #expect(late.action == .close(.keepAliveTimeout, sending: .disconnect(MQTTDisconnectPacket.closing(.keepAliveTimeout))))
        #expect(late.next == nil)
    }

    @Test func keepAliveZeroIsOff() {
        var machine = Self.connected(.v3_1_1, keepAlive: 0)
        let check = machine.keepAliveCheck(now: Self.start + .hours(10))
        #expect(check.action == .none)
        #expect(check.next == nil)
    }

    // MARK: - QoS flows

    @Test func qos1AcknowledgedAfterOutcomesInReceiveOrder() throws {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            var machine = Self.connected(version)
            let batch = try #require(
                Self.readBatch(&machine, [Self.publish(.atLeastOnce, id: 1), Self.publish(.atMostOnce), Self.publish(.atLeastOnce, id: 2)])
            )
            #expect(batch.messages.count == 3)
            #expect(machine.awaitingOutcome == 2)
            let completion = machine.publishBatchCompleted(batch, outcomes: [.accepted, .accepted, .rejected(.payloadFormatInvalid)])
            let secondReason: MQTTReasonCode = version == .v5 ? .payloadFormatInvalid : .success
            #expect(
                completion.acknowledgements == [
                    .puback(MQTTAckPacket(packetID: 1)), .puback(MQTTAckPacket(packetID: 2, reason: secondReason)),
                ]
            )
            #expect(completion.close == nil)
            #expect(machine.awaitingOutcome == 0)
        }
    }

    @Test func disconnectOutcomeStopsAcknowledgements() throws {
        var machine = Self.connected(.v5)
        let batch = try #require(
            Self.readBatch(&machine, [Self.publish(.atLeastOnce, id: 1), Self.publish(.atLeastOnce, id: 2), Self.publish(.atLeastOnce, id: 3)])
        )
        let completion = machine.publishBatchCompleted(batch, outcomes: [.accepted, .disconnect(.topicNameInvalid), .accepted])
        #expect(completion.acknowledgements == [.puback(MQTTAckPacket(packetID: 1))])
        #expect(
            completion.close == .close(.serverDisconnected(.topicNameInvalid), sending: .disconnect(MQTTDisconnectPacket.closing(.topicNameInvalid))))
    }

    @Test func qos2DuplicateBeforePubrelIsNotDeliveredTwice() throws {
        var machine = Self.connected(.v5)
        let first = try #require(Self.readBatch(&machine, [Self.publish(.exactlyOnce, id: 7)]))
        #expect(first.messages.count == 1)
        // Sent again while the first is with the delegate: a batch of its own with nothing to deliver.
        #expect(machine.packetReceived(Self.publish(.exactlyOnce, id: 7)) == .none)
        #expect(machine.readComplete(now: Self.start) == nil)
        let completion = machine.publishBatchCompleted(first, outcomes: [.accepted])
        #expect(completion.acknowledgements == [.pubrec(MQTTAckPacket(packetID: 7))])
        guard case .publish(let repeated) = machine.jobFinished().next else {
            Issue.record("no batch for the repeated PUBLISH")
            return
        }
        #expect(repeated.messages.isEmpty)
        #expect(machine.publishBatchCompleted(repeated, outcomes: []).acknowledgements == [.pubrec(MQTTAckPacket(packetID: 7))])
        _ = machine.jobFinished()
        // Again after the PUBREC: still only PUBREC.
        let again = try #require(Self.readBatch(&machine, [Self.publish(.exactlyOnce, id: 7)]))
        #expect(again.messages.isEmpty)
        #expect(machine.publishBatchCompleted(again, outcomes: []).acknowledgements == [.pubrec(MQTTAckPacket(packetID: 7))])
        _ = machine.jobFinished()
        // PUBREL completes and frees the id: the next PUBLISH with it is a new message.
        #expect(machine.packetReceived(.pubrel(MQTTAckPacket(packetID: 7))) == .write(.pubcomp(MQTTAckPacket(packetID: 7))))
        #expect(machine.qos2.isEmpty)
        let fresh = try #require(Self.readBatch(&machine, [Self.publish(.exactlyOnce, id: 7)]))
        #expect(fresh.messages.count == 1)
    }

    @Test func pubrelForUnknownID() {
        var v5 = Self.connected(.v5)
        #expect(
            v5.packetReceived(.pubrel(MQTTAckPacket(packetID: 9))) == .write(.pubcomp(MQTTAckPacket(packetID: 9, reason: .packetIdentifierNotFound))))
        var v311 = Self.connected(.v3_1_1)
        #expect(v311.packetReceived(.pubrel(MQTTAckPacket(packetID: 9))) == .write(.pubcomp(MQTTAckPacket(packetID: 9))))
    }

    @Test func rejectedQoS2FreesTheIDInV5() throws {
        var machine = Self.connected(.v5)
        let batch = try #require(Self.readBatch(&machine, [Self.publish(.exactlyOnce, id: 4)]))
        let completion = machine.publishBatchCompleted(batch, outcomes: [.rejected(.payloadFormatInvalid)])
        #expect(completion.acknowledgements == [.pubrec(MQTTAckPacket(packetID: 4, reason: .payloadFormatInvalid))])
        #expect(machine.qos2.isEmpty)
    }

    // MARK: - Receive Maximum and ordering

    @Test func receiveMaximumPausesReadingAndV5ExcessIsAnError() throws {
        var machine = Self.connected(.v5, receiveMaximum: 2)
        _ = machine.packetReceived(Self.publish(.atLeastOnce, id: 1))
        #expect(!machine.shouldPauseReading)
        _ = machine.packetReceived(Self.publish(.exactlyOnce, id: 2))
        #expect(machine.shouldPauseReading)
        // QoS 0 does not count.
        #expect(machine.packetReceived(Self.publish(.atMostOnce)) == .none)
        #expect(
            machine.packetReceived(Self.publish(.atLeastOnce, id: 3))
                == .close(
                    .malformedPacket("more than 2 unacknowledged QoS 1 and 2 publishes"),
                    sending: .disconnect(MQTTDisconnectPacket.closing(.receiveMaximumExceeded))
                )
        )
    }

    @Test func qos2CountsAgainstReceiveMaximumUntilPubcompButDoesNotPauseReading() throws {
        var machine = Self.connected(.v5, receiveMaximum: 1)
        let batch = try #require(Self.readBatch(&machine, [Self.publish(.exactlyOnce, id: 1)]))
        #expect(machine.shouldPauseReading)
        _ = machine.publishBatchCompleted(batch, outcomes: [.accepted])
        _ = machine.jobFinished()
        // Reading resumes so that the PUBREL can arrive, but a new QoS 1 before PUBCOMP exceeds the maximum.
        #expect(!machine.shouldPauseReading)
        guard case .close(_, .disconnect(let disconnect)) = machine.packetReceived(Self.publish(.atLeastOnce, id: 2)) else {
            Issue.record("excess publish accepted")
            return
        }
        #expect(disconnect.reason == .receiveMaximumExceeded)
    }

    @Test func v311HasNoReceiveMaximumError() {
        var machine = Self.connected(.v3_1_1, receiveMaximum: 1)
        #expect(machine.packetReceived(Self.publish(.atLeastOnce, id: 1)) == .none)
        #expect(machine.packetReceived(Self.publish(.atLeastOnce, id: 2)) == .none)
        #expect(machine.shouldPauseReading)
    }

    @Test func batchesRunOneAtATimeAndMergeWhileBusy() throws {
        var machine = Self.connected(.v5)
        let first = try #require(Self.readBatch(&machine, [Self.publish(.atLeastOnce, id: 1)]))
        // Two read cycles while the first batch is with the delegate become one batch.
        #expect(Self.readBatch(&machine, [Self.publish(.atLeastOnce, id: 2)]) == nil)
        #expect(Self.readBatch(&machine, [Self.publish(.atLeastOnce, id: 3)]) == nil)
        _ = machine.publishBatchCompleted(first, outcomes: [.accepted])
        guard case .publish(let second) = machine.jobFinished().next else {
            Issue.record("no second batch")
            return
        }
        #expect(second.acknowledgements == [.puback(2), .puback(3)])
    }

    @Test func subscribeWaitsForEarlierPublishes() throws {
        var machine = Self.connected(.v5)
        let first = try #require(Self.readBatch(&machine, [Self.publish(.atLeastOnce, id: 1)]))
        _ = machine.packetReceived(Self.publish(.atLeastOnce, id: 2))
        _ = machine.packetReceived(
            .subscribe(
                MQTTSubscribePacket(
                    packetID: 5, subscriptions: [.init(topicFilter: "a/+", qos: .atLeastOnce), .init(topicFilter: "c", qos: .exactlyOnce)])))
        #expect(machine.readComplete(now: Self.start) == nil)
        _ = machine.publishBatchCompleted(first, outcomes: [.accepted])
        guard case .publish(let second) = machine.jobFinished().next else {
            Issue.record("publish did not come before subscribe")
            return
        }
        _ = machine.publishBatchCompleted(second, outcomes: [.accepted])
        guard case .subscribe(let subscribe) = machine.jobFinished().next else {
            Issue.record("no subscribe job")
            return
        }
        // Wildcards are not offered to MQTT 5 clients; the delegate decides only on "c".
        #expect(subscribe.delegatedRequests == [MQTTSubscriptionRequest(topicFilter: "c", qos: .exactlyOnce)])
        let (suback, granted) = machine.suback(for: subscribe, delegateOutcomes: [.granted(.atLeastOnce)])
        #expect(suback == .suback(MQTTSubAckPacket(packetID: 5, reasons: [.wildcardSubscriptionsNotSupported, .grantedQoS1])))
        #expect(granted == [MQTTSubscriptionRequest(topicFilter: "c", qos: .atLeastOnce)])
    }

    @Test func topicAliasIsAProtocolError() {
        var machine = Self.connected(.v5)
        var publish = MQTTPublishPacket(topic: "t", payload: ByteBuffer(), qos: .atMostOnce, retain: false)
        publish.properties = MQTTProperties([.topicAlias(1)])
        #expect(
            machine.packetReceived(.publish(publish))
                == .close(.malformedPacket("PUBLISH with a topic alias"), sending: .disconnect(MQTTDisconnectPacket.closing(.topicAliasInvalid)))
        )
    }

    @Test func retainIsPassedOnNotRefused() throws {
        var machine = Self.connected(.v5)
        let batch = try #require(
            Self.readBatch(&machine, [.publish(MQTTPublishPacket(topic: "t", payload: ByteBuffer(), qos: .atMostOnce, retain: true))]))
        #expect(batch.messages.first?.retain == true)
    }

    // MARK: - Ending

    @Test func takeoverDisconnectsV5ClientsWith0x8E() {
        var machine = Self.connected(.v5)
        #expect(machine.takenOver() == .close(.takenOver, sending: .disconnect(MQTTDisconnectPacket.closing(.sessionTakenOver))))
        // paho-mqtt 2.1 reads a DISCONNECT's reason code only when properties follow it.
        #expect(MQTTDisconnectPacket.closing(.sessionTakenOver).properties.reasonString == "Session taken over")
        #expect(machine.closedWith() == (.takenOver, true))
        var v311 = Self.connected(.v3_1_1)
        #expect(v311.takenOver() == .close(.takenOver, sending: nil))
    }

    @Test func drainWaitsForTheRunningBatch() throws {
        var machine = Self.connected(.v5)
        let batch = try #require(Self.readBatch(&machine, [Self.publish(.atLeastOnce, id: 1)]))
        _ = machine.packetReceived(Self.publish(.atLeastOnce, id: 2))
        #expect(machine.drainRequested() == .none)
        #expect(machine.shouldPauseReading)
        #expect(machine.packetReceived(Self.publish(.atLeastOnce, id: 3)) == .none)
        let completion = machine.publishBatchCompleted(batch, outcomes: [.accepted])
        #expect(completion.acknowledgements == [.puback(MQTTAckPacket(packetID: 1))])
        let finished = machine.jobFinished()
        #expect(finished.next == nil)
        #expect(
            finished.close
                == .close(.serverDisconnected(.serverShuttingDown), sending: .disconnect(MQTTDisconnectPacket.closing(.serverShuttingDown)))
        )
    }

    @Test func drainWhileIdleClosesAtOnce() {
        var machine = Self.connected(.v3_1_1)
        #expect(machine.drainRequested() == .close(.serverDisconnected(.serverShuttingDown), sending: nil))
    }

    @Test func clientDisconnect() {
        var machine = Self.connected(.v5)
        #expect(machine.packetReceived(.disconnect(MQTTDisconnectPacket())) == .close(.clientDisconnected, sending: nil))
        #expect(machine.closedWith() == (.clientDisconnected, true))
    }

    @Test func lostConnection() {
        var machine = Self.connected(.v5)
        #expect(machine.closedWith() == (.connectionLost, true))
    }

    @Test("DISCONNECT right after PUBLISH (mosquitto_pub at QoS 0): the messages are still handed over, then it closes")
    func disconnectAfterPublishFinishesTheBatch() throws {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            var machine = Self.connected(version)
            #expect(machine.packetReceived(Self.publish(.atMostOnce)) == .none)
            #expect(machine.packetReceived(Self.publish(.atLeastOnce, id: 7)) == .none)
            #expect(machine.packetReceived(.disconnect(MQTTDisconnectPacket())) == .none)
            #expect(machine.shouldPauseReading)
            guard case .publish(let batch) = machine.readComplete(now: Self.start) else {
                Issue.record("the batch read before DISCONNECT did not start")
                return
            }
            #expect(batch.messages.count == 2)
            let completion = machine.publishBatchCompleted(batch, outcomes: [.accepted, .accepted])
            #expect(completion.acknowledgements == [.puback(MQTTAckPacket(packetID: 7))])
            let finished = machine.jobFinished()
            #expect(finished.next == nil)
            #expect(finished.close == .close(.clientDisconnected, sending: nil))
            #expect(machine.closedWith() == (.clientDisconnected, true))
        }
    }

    @Test("a flood of QoS 0 publishes pauses reading at Receive Maximum until the delegate takes the batch")
    func qos0FloodPausesReading() throws {
        var machine = Self.connected(.v3_1_1, receiveMaximum: 4)
        for _ in 0..<4 { #expect(machine.packetReceived(Self.publish(.atMostOnce)) == .none) }
        #expect(machine.shouldPauseReading)
        guard case .publish(let batch) = machine.readComplete(now: Self.start) else {
            Issue.record("no batch")
            return
        }
        #expect(batch.messages.count == 4)
        #expect(!machine.shouldPauseReading)
    }

    @Test("a lost connection hands over its unstarted QoS 0 messages, not QoS 1 ones (the client sends those again)")
    func lostConnectionKeepsQoS0Messages() throws {
        var machine = Self.connected(.v5)
        let running = try #require(Self.readBatch(&machine, [Self.publish(.atMostOnce, topic: "first")]))
        #expect(running.messages.count == 1)
        #expect(machine.packetReceived(Self.publish(.atMostOnce, topic: "second")) == .none)
        #expect(machine.packetReceived(Self.publish(.atLeastOnce, id: 3, topic: "third")) == .none)
        let closed = machine.channelInactive()
        #expect(closed.reason == .connectionLost)
        #expect(closed.orphanedMessages.map(\.topic) == ["second"])
    }

    @Test("after the server closed on purpose, nothing read is handed over")
    func purposefulCloseKeepsNothing() throws {
        var machine = Self.connected(.v5)
        #expect(machine.packetReceived(Self.publish(.atMostOnce)) == .none)
        _ = machine.disconnectRequested(.notAuthorized)
        #expect(machine.channelInactive().orphanedMessages.isEmpty)
    }
}

extension MQTTSessionJob: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.connected, .connected), (.pinged, .pinged): return true
        case (.publish(let a), .publish(let b)): return a.acknowledgements == b.acknowledgements && a.messages.count == b.messages.count
        default: return false
        }
    }
}

extension MQTTPublishBatch.Acknowledgement {
    static func puback(_ id: Int) -> Self { .puback(UInt16(id)) }
}

extension MQTTSessionStateMachine {
    /// ``channelInactive()``'s reason and whether a session existed, for comparing at once.
    mutating func closedWith() -> (MQTTCloseReason, Bool) {
        let closed = self.channelInactive()
        return (closed.reason, closed.hadSession)
    }
}
