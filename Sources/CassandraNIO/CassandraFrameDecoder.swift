import NIOCore

/// Splits the byte stream from the server into response frames.
///
/// The body length is checked against `maxFrameBytes` as soon as the header is in, before waiting for or reserving the
/// body: the server's word is never a reason to allocate. A partial frame consumes nothing.
struct CassandraFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = CassandraFrame

    let maxFrameBytes: Int

    init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> CassandraFrame? {
        let start = buffer.readerIndex
        guard
            let (version, rawFlags, stream, opcode, length) = buffer.getMultipleIntegers(
                at: start,
                as: (UInt8, UInt8, Int16, UInt8, Int32).self
            )
        else {
            return nil
        }
        guard version == CassandraFrame.responseVersion else {
            throw CassandraError.protocolViolation(
                "frame version byte 0x\(String(version, radix: 16)), expected 0x84 (a protocol v4 response)"
            )
        }
        guard length >= 0 else {
            throw CassandraError.protocolViolation("negative frame body length \(length)")
        }
        guard Int(length) <= self.maxFrameBytes else {
            throw CassandraError(
                code: .frameTooLarge,
                message: "frame body of \(length) bytes exceeds the limit of \(self.maxFrameBytes) bytes"
            )
        }
        guard var body = buffer.getSlice(at: start + CassandraFrame.headerLength, length: Int(length)) else {
            return nil
        }
        let flags = CassandraFrame.Flags(rawValue: rawFlags)
        guard !flags.contains(.compression) else {
            throw CassandraError.protocolViolation("a compressed frame, though the client never asked for compression")
        }
        var warnings: [String] = []
        if flags.contains(.tracing) {
            _ = try body.readCQLBytes(count: 16, what: "tracing id")
        }
        if flags.contains(.warning) {
            warnings = try body.readCQLStringList()
        }
        if flags.contains(.customPayload) {
            _ = try body.readCQLBytesMap()
        }
        buffer.moveReaderIndex(to: start + CassandraFrame.headerLength + Int(length))
        return CassandraFrame(flags: flags, stream: stream, opcode: opcode, body: body, warnings: warnings)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> CassandraFrame? {
        try self.decode(buffer: &buffer)
    }
}
