import NIOCore
import NIOTestUtils
import Testing

@testable import CassandraNIO

@Suite("Frame decoder")
struct CassandraFrameDecoderTests {
    @Test func passesTheVerifierByteAtATimeAndBatched() throws {
        let uuid: [UInt8] = Array(0..<16)
        var flagged = ByteBuffer()
        var body = ByteBuffer()
        body.writeBytes(uuid)
        body.writeCQLShort(1)
        body.writeCQLString("careful")
        body.writeCQLShort(1)
        body.writeCQLString("k")
        body.writeCQLBytes([9])
        body.writeInteger(Int32(1))
        flagged.writeMultipleIntegers(UInt8(0x84), UInt8(0x0E), Int16(7), UInt8(0x08), Int32(body.readableBytes))
        flagged.writeImmutableBuffer(body)
        var voidBody = ByteBuffer()
        voidBody.writeInteger(Int32(1))
        let cases: [(ByteBuffer, [CassandraFrame])] = [
            (TestFrames.ready(stream: 0), [CassandraFrame(flags: [], stream: 0, opcode: 0x02, body: ByteBuffer())]),
            (
                TestFrames.void(stream: 32767),
                [CassandraFrame(flags: [], stream: 32767, opcode: 0x08, body: voidBody)]
            ),
            (
                flagged,
                [CassandraFrame(flags: [.tracing, .warning, .customPayload], stream: 7, opcode: 0x08, body: voidBody, warnings: ["careful"])]
            ),
            (
                TestFrames.event(),
                [TestFrames.decoded(TestFrames.event())]
            ),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: cases) {
            CassandraFrameDecoder(maxFrameBytes: 1024)
        }
    }

    @Test func aFrameLongerThanTheLimitIsRejectedFromItsHeaderAlone() throws {
        var decoder = CassandraFrameDecoder(maxFrameBytes: 100)
        var header = ByteBuffer()
        header.writeMultipleIntegers(UInt8(0x84), UInt8(0), Int16(1), UInt8(0x08), Int32(101))
        let error = try #require(throws: CassandraError.self) { try decoder.decode(buffer: &header) }
        #expect(error.code == .frameTooLarge)
    }

    @Test func aFrameAtTheLimitIsAccepted() throws {
        var decoder = CassandraFrameDecoder(maxFrameBytes: 4)
        var buffer = TestFrames.void(stream: 1)
        #expect(try decoder.decode(buffer: &buffer) != nil)
    }

    @Test func badHeadersAreProtocolViolations() throws {
        for (version, flags, length) in [(UInt8(0x04), UInt8(0), Int32(0)), (0x83, 0, 0), (0x84, 0x01, 0), (0x84, 0, -1)] {
            var decoder = CassandraFrameDecoder(maxFrameBytes: 100)
            var buffer = ByteBuffer()
            buffer.writeMultipleIntegers(version, flags, Int16(1), UInt8(0x02), length)
            let error = try #require(throws: CassandraError.self) { try decoder.decode(buffer: &buffer) }
            #expect(error.code == .protocolViolation)
        }
    }

    @Test func aWarningListRunningPastTheBodyIsAProtocolViolation() throws {
        var decoder = CassandraFrameDecoder(maxFrameBytes: 100)
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt8(0x84), UInt8(0x08), Int16(1), UInt8(0x02), Int32(4))
        buffer.writeMultipleIntegers(UInt16(1), UInt16(50))
        let error = try #require(throws: CassandraError.self) { try decoder.decode(buffer: &buffer) }
        #expect(error.code == .protocolViolation)
    }

    @Test func truncatedOrLyingBodiesFailWithoutCrashing() throws {
        // A rows result claiming a million rows in a few bytes, a column count that does not match the rows, and a
        // bigint of three bytes.
        let lies: [ByteBuffer] = [
            TestFrames.frame(.result, stream: 1) { body in
                body.writeMultipleIntegers(Int32(2), Int32(1), Int32(1))
                body.writeCQLString("ks")
                body.writeCQLString("t")
                body.writeCQLString("n")
                body.writeInteger(UInt16(0x0002))
                body.writeInteger(Int32(1_000_000))
            },
            TestFrames.frame(.result, stream: 1) { body in
                body.writeMultipleIntegers(Int32(2), Int32(1), Int32(2))
                body.writeCQLString("ks")
                body.writeCQLString("t")
                body.writeCQLString("n")
                body.writeInteger(UInt16(0x0002))
            },
            TestFrames.frame(.result, stream: 1) { body in
                body.writeMultipleIntegers(Int32(2), Int32(1), Int32(1))
                body.writeCQLString("ks")
                body.writeCQLString("t")
                body.writeCQLString("n")
                body.writeInteger(UInt16(0x0002))
                body.writeMultipleIntegers(Int32(1), Int32(3), UInt8(1), UInt8(2), UInt8(3))
            },
            TestFrames.frame(.result, stream: 1) { $0.writeInteger(Int32(99)) },
            TestFrames.frame(.error, stream: 1) { body in
                body.writeInteger(Int32(0x1000))
                body.writeCQLString("unavailable without its fields")
            },
        ]
        for lie in lies {
            let frame = TestFrames.decoded(lie)
            let error = try #require(throws: CassandraError.self) { try CassandraResponse(decoding: frame) }
            #expect(error.code == .protocolViolation)
        }
    }
}
