import NIOCore

/// The few MQTT 3.1.1 client packets the bench sends, written by hand: the bench must not measure the server with the
/// server's own codec.
enum MQTTBenchPackets {
    static func connect(clientID: String, username: String?) -> ByteBuffer {
        var body = ByteBuffer()
        Self.writeString("MQTT", into: &body)
        body.writeInteger(UInt8(4))  // protocol level 3.1.1
        body.writeInteger(UInt8(0x02 | (username == nil ? 0 : 0x80)))  // clean session, user name
        body.writeInteger(UInt16(120))  // keep-alive seconds
        Self.writeString(clientID, into: &body)
        if let username { Self.writeString(username, into: &body) }
        return Self.packet(0x10, body)
    }

    static func subscribe(filter: String, qos: UInt8, packetID: UInt16) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(packetID)
        Self.writeString(filter, into: &body)
        body.writeInteger(qos)
        return Self.packet(0x82, body)
    }

    /// Appends a PUBLISH of `payload` to `topic` (packet id only above QoS 0).
    static func writePublish(topic: String, payload: ByteBuffer, qos: UInt8, packetID: UInt16, into buffer: inout ByteBuffer) {
        let length = 2 + topic.utf8.count + (qos > 0 ? 2 : 0) + payload.readableBytes
        buffer.writeInteger(UInt8(0x30 | (qos << 1)))
        Self.writeRemainingLength(length, into: &buffer)
        Self.writeString(topic, into: &buffer)
        if qos > 0 { buffer.writeInteger(packetID) }
        buffer.writeImmutableBuffer(payload)
    }

    static func puback(packetID: UInt16) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x40))
        buffer.writeInteger(UInt8(2))
        buffer.writeInteger(packetID)
        return buffer
    }

    private static func packet(_ header: UInt8, _ body: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(header)
        Self.writeRemainingLength(body.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(body)
        return buffer
    }

    private static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(text.utf8.count))
        buffer.writeString(text)
    }

    private static func writeRemainingLength(_ length: Int, into buffer: inout ByteBuffer) {
        var rest = length
        repeat {
            var byte = UInt8(rest % 128)
            rest /= 128
            if rest > 0 { byte |= 0x80 }
            buffer.writeInteger(byte)
        } while rest > 0
    }
}

/// One packet read by the bench: its first byte and its body.
struct MQTTBenchPacket {
    let header: UInt8
    var body: ByteBuffer

    var type: UInt8 { self.header >> 4 }
}

/// Cuts the byte stream into packets.
struct MQTTBenchPacketDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = MQTTBenchPacket

    mutating func decode(buffer: inout ByteBuffer) throws -> MQTTBenchPacket? {
        let start = buffer.readerIndex
        guard let header: UInt8 = buffer.readInteger() else { return nil }
        var length = 0
        var shift = 0
        while true {
            guard let byte: UInt8 = buffer.readInteger() else {
                buffer.moveReaderIndex(to: start)
                return nil
            }
            length |= Int(byte & 0x7F) << shift
            shift += 7
            if byte & 0x80 == 0 { break }
            guard shift < 28 else { throw BenchError("the server sent a remaining length longer than four bytes") }
        }
        guard let body = buffer.readSlice(length: length) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        return MQTTBenchPacket(header: header, body: body)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MQTTBenchPacket? {
        try self.decode(buffer: &buffer)
    }
}
