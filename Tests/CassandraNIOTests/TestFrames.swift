import NIOCore

@testable import CassandraNIO

/// Response frames for the handler and state machine tests, built by hand; the golden tests check the same shapes
/// against the oracle.
enum TestFrames {
    static func frame(_ opcode: CassandraOpcode, stream: Int16, flags: UInt8 = 0, body: (inout ByteBuffer) -> Void = { _ in }) -> ByteBuffer {
        var bodyBuffer = ByteBuffer()
        body(&bodyBuffer)
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(CassandraFrame.responseVersion, flags, stream, opcode.rawValue, Int32(bodyBuffer.readableBytes))
        buffer.writeImmutableBuffer(bodyBuffer)
        return buffer
    }

    static func ready(stream: Int16 = 0) -> ByteBuffer {
        self.frame(.ready, stream: stream)
    }

    static func authenticate(stream: Int16 = 0) -> ByteBuffer {
        self.frame(.authenticate, stream: stream) { $0.writeCQLString("org.apache.cassandra.auth.PasswordAuthenticator") }
    }

    static func authChallenge(stream: Int16 = 0) -> ByteBuffer {
        self.frame(.authChallenge, stream: stream) { $0.writeCQLBytes([1, 2]) }
    }

    static func authSuccess(stream: Int16 = 0) -> ByteBuffer {
        self.frame(.authSuccess, stream: stream) { $0.writeCQLBytes(nil) }
    }

    static func void(stream: Int16) -> ByteBuffer {
        self.frame(.result, stream: stream) { $0.writeInteger(Int32(1)) }
    }

    static func setKeyspace(_ keyspace: String, stream: Int16) -> ByteBuffer {
        self.frame(.result, stream: stream) { body in
            body.writeInteger(Int32(3))
            body.writeCQLString(keyspace)
        }
    }

    /// One bigint column `n` with the given values.
    static func bigintRows(_ values: [Int64], stream: Int16) -> ByteBuffer {
        self.frame(.result, stream: stream) { body in
            body.writeMultipleIntegers(Int32(2), Int32(1), Int32(1))
            body.writeCQLString("ks")
            body.writeCQLString("t")
            body.writeCQLString("n")
            body.writeInteger(UInt16(0x0002))
            body.writeInteger(Int32(values.count))
            for value in values {
                body.writeInteger(Int32(8))
                body.writeInteger(value)
            }
        }
    }

    static func error(_ code: Int32, _ message: String, stream: Int16) -> ByteBuffer {
        self.frame(.error, stream: stream) { body in
            body.writeInteger(code)
            body.writeCQLString(message)
        }
    }

    static func event(stream: Int16 = -1) -> ByteBuffer {
        self.frame(.event, stream: stream) { body in
            body.writeCQLString("STATUS_CHANGE")
            body.writeCQLString("UP")
            body.writeMultipleIntegers(UInt8(4), UInt8(127), UInt8(0), UInt8(0), UInt8(1), Int32(9042))
        }
    }

    /// A decoded frame, as the state machine receives it.
    static func decoded(_ buffer: ByteBuffer) -> CassandraFrame {
        var buffer = buffer
        var decoder = CassandraFrameDecoder(maxFrameBytes: 1 << 20)
        return try! decoder.decode(buffer: &buffer)!
    }
}
