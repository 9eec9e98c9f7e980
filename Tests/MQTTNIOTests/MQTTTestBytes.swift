import NIOCore

@testable import MQTTNIO

/// Byte helpers shared by the codec tests.
enum MQTTTestBytes {
    /// A buffer from hex, spaces allowed.
    static func buffer(_ hex: String) -> ByteBuffer {
        let digits = Array(hex.filter { !$0.isWhitespace })
        precondition(digits.count % 2 == 0, "odd hex string")
        var buffer = ByteBuffer()
        var index = 0
        while index < digits.count {
            buffer.writeInteger(UInt8(String(digits[index...index + 1]), radix: 16)!)
            index += 2
        }
        return buffer
    }

    static func hex(_ buffer: ByteBuffer) -> String {
        buffer.readableBytesView.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func encode(_ packet: MQTTPacket, version: MQTTProtocolVersion) -> ByteBuffer {
        var encoder = MQTTPacketEncoder(version: version)
        var buffer = ByteBuffer()
        encoder.encode(packet, into: &buffer)
        return buffer
    }

    /// Decodes every packet in `buffer`; fails when bytes are left over.
    static func decodeAll(
        _ buffer: ByteBuffer,
        version: MQTTProtocolVersion? = nil,
        maxPacketSize: Int = 1 << 20
    ) throws -> [MQTTPacket] {
        var decoder = MQTTPacketDecoder(maxPacketSize: maxPacketSize, version: version)
        var buffer = buffer
        var packets: [MQTTPacket] = []
        while let packet = try decoder.decode(buffer: &buffer) {
            packets.append(packet)
        }
        precondition(buffer.readableBytes == 0, "\(buffer.readableBytes) bytes left undecoded")
        return packets
    }

    static func decodeOne(_ hex: String, version: MQTTProtocolVersion? = nil, maxPacketSize: Int = 1 << 20) throws -> MQTTPacket? {
        var decoder = MQTTPacketDecoder(maxPacketSize: maxPacketSize, version: version)
        var buffer = Self.buffer(hex)
        return try decoder.decode(buffer: &buffer)
    }
}
