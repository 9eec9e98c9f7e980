import NIOCore
import Testing

@testable import MQTTNIO

/// Bytes the decoder must refuse, each with the kind of error that decides the close.
@Suite struct MQTTMalformedInputTests {
    static let connectV5 = "10 10 0004 4d515454 05 02 003c 00 0003 616263"

    func expectError(
        _ hex: String,
        version: MQTTProtocolVersion? = .v5,
        maxPacketSize: Int = 1 << 20,
        _ kind: MQTTProtocolError.Kind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let packet = try MQTTTestBytes.decodeOne(hex, version: version, maxPacketSize: maxPacketSize)
            Issue.record("decoded \(String(describing: packet)) from \(hex)", sourceLocation: sourceLocation)
        } catch let error as MQTTProtocolError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func remainingLengthOfFiveBytes() {
        self.expectError("30 ff ff ff ff 7f 0001 61", .malformedPacket)
    }

    @Test func wrongFixedHeaderFlags() {
        self.expectError("60 02 0001", .malformedPacket)  // PUBREL must carry 0b0010
        self.expectError("80 06 0001 0001 61 00", .malformedPacket)  // SUBSCRIBE likewise
        self.expectError("a0 05 0001 0001 61", .malformedPacket)  // UNSUBSCRIBE likewise
        self.expectError("c1 00", .malformedPacket)  // PINGREQ must carry 0
        self.expectError("e2 00", .malformedPacket)  // DISCONNECT must carry 0
        self.expectError("36 05 0001 61 0001", .malformedPacket)  // PUBLISH QoS 3
        self.expectError("38 03 0001 61", .malformedPacket)  // DUP at QoS 0
        self.expectError("11 10 0004 4d515454 05 02 003c 00 0003 616263", version: nil, .malformedPacket)
        self.expectError("00 00", .malformedPacket)  // reserved type 0
        self.expectError("f0 00", version: .v3_1_1, .malformedPacket)  // AUTH does not exist in 3.1.1
    }

    @Test func truncatedFields() {
        self.expectError("10 06 000a 4d515454", version: nil, .malformedPacket)  // protocol name longer than the packet
        self.expectError("30 03 0005 61", .malformedPacket)  // topic longer than the packet
        self.expectError("32 04 0001 61 00", .malformedPacket)  // half a packet id
        self.expectError("10 0f 0004 4d515454 05 02 003c 00 0005 6162", version: nil, .malformedPacket)  // client id
        self.expectError("40 01 00", version: .v3_1_1, .malformedPacket)
        self.expectError("40 03 0001 00", version: .v3_1_1, .malformedPacket)  // extra byte in 3.1.1's PUBACK
    }

    @Test func invalidUTF8() {
        self.expectError("30 05 0002 c328 00", .malformedPacket)  // not UTF-8
        self.expectError("30 06 0003 61 0062 00", .malformedPacket)  // U+0000
        self.expectError("30 05 0002 eda0 00", .malformedPacket)  // encoded surrogate half
        self.expectError("10 0f 0004 4d515454 04 02 003c 0003 61ff63", version: nil, .malformedPacket)
    }

    @Test func unknownAndMisplacedProperties() {
        self.expectError("30 07 0001 61 02 04 00 00", .malformedPacket)  // identifier 0x04 is not defined
        self.expectError("30 06 0001 61 02 7f 00", .malformedPacket)
        self.expectError("30 07 0001 61 03 11 0000", .malformedPacket)  // session expiry cut short
        self.expectError("30 09 0001 61 05 11 0000000a", .protocolError)  // session expiry is not a PUBLISH property
        self.expectError("30 08 0001 61 04 0101 0101", .protocolError)  // payload format indicator twice
        self.expectError("30 06 0001 61 02 0102", .protocolError)  // payload format indicator 2
        self.expectError("30 06 0001 61 05 0101", .malformedPacket)  // property length beyond the packet
    }

    @Test func packetAboveTheCapIsRefusedFromItsHeader() throws {
        // Only the fixed header has arrived: 1 + 2 + 16384 bytes announced, the cap is 1000.
        var decoder = MQTTPacketDecoder(maxPacketSize: 1000, version: .v5)
        var buffer = MQTTTestBytes.buffer("30 80 80 01")
        #expect(throws: MQTTProtocolError(kind: .packetTooLarge, message: "publish of 16388 bytes exceeds the limit of 1000 bytes")) {
            try decoder.decode(buffer: &buffer)
        }
        // The limit counts the fixed header: 997 bytes of body make exactly 1000.
        var atLimit = MQTTTestBytes.buffer("30 e5 07")
        atLimit.writeBytes([0, 1, 0x61] + Array(repeating: 0, count: 994))
        #expect(try decoder.decode(buffer: &atLimit) != nil)
        var overLimit = MQTTTestBytes.buffer("30 e6 07")
        #expect(throws: MQTTProtocolError.self) { try decoder.decode(buffer: &overLimit) }
    }

    @Test func publishBeforeConnect() {
        self.expectError("30 05 0001 61 6869", version: nil, .protocolError)
        self.expectError("c0 00", version: nil, .protocolError)
    }

    @Test func unsupportedProtocolLevels() {
        self.expectError("10 0f 0006 4d5149736470 03 02 003c 0001 61", version: nil, .unsupportedProtocolVersion(3))
        self.expectError("10 0d 0004 4d515454 06 02 003c 0001 61", version: nil, .unsupportedProtocolVersion(6))
        self.expectError("10 0d 0004 4d515555 04 02 003c 0001 61", version: nil, .malformedPacket)
    }

    @Test func badConnectFlags() {
        self.expectError("10 0d 0004 4d515454 04 03 003c 0001 61", version: nil, .malformedPacket)  // reserved bit
        self.expectError("10 0d 0004 4d515454 04 1a 003c 0001 61", version: nil, .malformedPacket)  // will QoS 3
        self.expectError("10 0d 0004 4d515454 04 0a 003c 0001 61", version: nil, .malformedPacket)  // will QoS without will
        self.expectError("10 10 0004 4d515454 04 42 003c 0001 61 0001 70", version: nil, .malformedPacket)  // password, no user
    }

    @Test func wildcardTopicNamesAndEmptyFilterLists() {
        self.expectError("30 05 0003 612f23", version: .v3_1_1, .topicNameInvalid)
        self.expectError("30 05 0003 2b2f61", version: .v3_1_1, .topicNameInvalid)
        self.expectError("82 02 0001", version: .v3_1_1, .protocolError)
        self.expectError("82 06 0001 0001 61 03", version: .v3_1_1, .malformedPacket)  // QoS 3 subscription
        self.expectError("82 06 0001 0001 61 04", version: .v3_1_1, .malformedPacket)  // reserved option bits in 3.1.1
        self.expectError("82 07 0001 00 0001 61 c0", version: .v5, .malformedPacket)  // reserved option bits in 5
        self.expectError("32 05 0001 61 0000", version: .v3_1_1, .malformedPacket)  // packet id 0
    }

    @Test func secondConnectIsDecodedForTheStateMachineToRefuse() throws {
        let packets = try MQTTTestBytes.decodeAll(MQTTTestBytes.buffer(Self.connectV5 + Self.connectV5))
        #expect(packets.count == 2)
        var machine = MQTTSessionStateMachine(configuration: .init(maxPacketSize: 1000, receiveMaximum: 10))
        guard case .decideConnect = machine.packetReceived(packets[0]) else {
            Issue.record("first CONNECT not handed to the delegate")
            return
        }
        _ = machine.connectAccepted(assignedClientID: nil, now: .uptimeNanoseconds(0))
        let action = machine.packetReceived(packets[1])
        #expect(action == .close(.malformedPacket("second CONNECT"), sending: .disconnect(MQTTDisconnectPacket.closing(.protocolError))))
    }
}
