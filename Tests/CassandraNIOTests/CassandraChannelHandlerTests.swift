import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import CassandraNIO

/// Collects a future's result on the embedded loop, where the test thread is the loop.
private final class Outcome<Value> {
    var result: Result<Value, any Error>?

    init(_ future: EventLoopFuture<Value>) {
        future.assumeIsolated().whenComplete { self.result = $0 }
    }

    var value: Value? {
        if case .success(let value) = self.result {
            return value
        }
        return nil
    }

    var error: CassandraError? {
        if case .failure(let error) = self.result {
            return error as? CassandraError
        }
        return nil
    }
}

@Suite("Channel handler")
struct CassandraChannelHandlerTests {
    private struct Harness {
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop
        let handshake: Outcome<Void>
        let handler: CassandraChannelHandler

        init(credentials: PlainCredentials? = nil, maxFrameBytes: Int = 1 << 20) throws {
            self.loop = EmbeddedEventLoop()
            self.channel = EmbeddedChannel(loop: self.loop)
            let promise = self.loop.makePromise(of: Void.self)
            self.handshake = Outcome(promise.futureResult)
            self.handler = CassandraChannelHandler(credentials: credentials, handshakePromise: promise, logger: Logger(label: "test"))
            try self.channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(CassandraFrameDecoder(maxFrameBytes: maxFrameBytes)), self.handler,
            ])
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9042)).wait()
        }

        /// The next frame written: its stream id and opcode.
        func written() throws -> (stream: Int16, opcode: UInt8)? {
            guard let buffer = try self.channel.readOutbound(as: ByteBuffer.self) else {
                return nil
            }
            return (buffer.getInteger(at: buffer.readerIndex + 2)!, buffer.getInteger(at: buffer.readerIndex + 4)!)
        }

        func reply(_ buffer: ByteBuffer) throws {
            try self.channel.writeInbound(buffer)
        }

        func send(_ cql: String, timeout: TimeAmount = .seconds(1)) throws -> Outcome<CassandraFrame> {
            var encoder = CassandraRequestEncoder()
            try encoder.query(stream: 0, cql: cql, parameters: CassandraQueryParameters(consistency: .one))
            let promise = self.loop.makePromise(of: CassandraFrame.self)
            let outcome = Outcome(promise.futureResult)
            self.channel.writeAndFlush(CassandraChannelRequest(frame: encoder.flush(), promise: promise, timeout: timeout), promise: nil)
            return outcome
        }
    }

    private static func ready() throws -> Harness {
        let harness = try Harness()
        let startup = try #require(try harness.written())
        #expect(startup.stream == 0 && startup.opcode == CassandraOpcode.startup.rawValue)
        try harness.reply(TestFrames.ready())
        #expect(harness.handshake.result != nil && harness.handshake.error == nil)
        return harness
    }

    private static func bigints(_ outcome: Outcome<CassandraFrame>) throws -> [Int64] {
        let frame = try #require(outcome.value)
        guard case .result(.rows(let rows)) = try CassandraResponse(decoding: frame) else {
            Issue.record("not rows")
            return []
        }
        return rows.rows.compactMap { $0[0].int64 }
    }

    @Test func handshakeWithAuthenticationWritesThePlainToken() throws {
        let harness = try Harness(credentials: PlainCredentials(username: "u", password: "p"))
        _ = try harness.written()
        try harness.reply(TestFrames.authenticate())
        let written = try #require(try harness.channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(written.readableBytesView) == [0x04, 0, 0, 0, 0x0F, 0, 0, 0, 8, 0, 0, 0, 4, 0, UInt8(ascii: "u"), 0, UInt8(ascii: "p")])
        #expect(harness.handshake.result == nil)
        try harness.reply(TestFrames.authSuccess())
        #expect(harness.handshake.result != nil && harness.handshake.error == nil)
    }

    @Test func outOfOrderAnswersReachTheirCallers() throws {
        let harness = try Self.ready()
        let outcomes = try (0..<3).map { try harness.send("SELECT \($0)") }
        let streams = try (0..<3).map { _ in try #require(try harness.written()).stream }
        #expect(Set(streams).count == 3)
        for index in [2, 0, 1] {
            try harness.reply(TestFrames.bigintRows([Int64(index)], stream: streams[index]))
        }
        for (index, outcome) in outcomes.enumerated() {
            #expect(try Self.bigints(outcome) == [Int64(index)])
        }
    }

    @Test func aFrameCutInHalfIsDeliveredOnceComplete() throws {
        let harness = try Self.ready()
        let outcome = try harness.send("SELECT n")
        let stream = try #require(try harness.written()).stream
        var frame = TestFrames.bigintRows([1, 2, 3], stream: stream)
        let firstHalf = frame.readSlice(length: frame.readableBytes / 2)!
        try harness.reply(firstHalf)
        #expect(outcome.result == nil)
        try harness.reply(frame)
        #expect(try Self.bigints(outcome) == [1, 2, 3])
    }

    @Test func anOversizeFrameLengthClosesTheConnectionWithFrameTooLarge() throws {
        let harness = try Harness(maxFrameBytes: 64)
        _ = try harness.written()
        try harness.reply(TestFrames.ready())
        let outcome = try harness.send("SELECT n")
        let stream = try #require(try harness.written()).stream
        var header = ByteBuffer()
        header.writeMultipleIntegers(UInt8(0x84), UInt8(0), stream, UInt8(0x08), Int32(65))
        // The handler takes the decoder's error (so writeInbound need not throw) and closes.
        try? harness.reply(header)
        #expect(outcome.error?.code == .frameTooLarge)
        #expect(!harness.channel.isActive)
    }

    @Test func aStreamNeverAnsweredTimesOutAndTheConnectionServesTheNextRequest() throws {
        let harness = try Self.ready()
        let slow = try harness.send("SELECT slow", timeout: .milliseconds(100))
        let slowStream = try #require(try harness.written()).stream
        harness.loop.advanceTime(by: .milliseconds(150))
        #expect(slow.error?.code == .requestTimeout)
        #expect(harness.handler.reservedStreamCount == 1)
        let next = try harness.send("SELECT next")
        let nextStream = try #require(try harness.written()).stream
        #expect(nextStream != slowStream)
        // The late answer is dropped, not given to the next request.
        try harness.reply(TestFrames.bigintRows([99], stream: slowStream))
        #expect(next.result == nil)
        #expect(harness.handler.reservedStreamCount == 1)
        try harness.reply(TestFrames.bigintRows([7], stream: nextStream))
        #expect(try Self.bigints(next) == [7])
        #expect(harness.channel.isActive)
        #expect(harness.handler.reservedStreamCount == 0)
    }

    @Test func answeredRequestsDoNotTimeOut() throws {
        let harness = try Self.ready()
        let outcome = try harness.send("SELECT n", timeout: .milliseconds(100))
        let stream = try #require(try harness.written()).stream
        try harness.reply(TestFrames.void(stream: stream))
        harness.loop.advanceTime(by: .seconds(1))
        #expect(outcome.value != nil)
    }

    @Test func closeFailsEveryRequestInFlightWithConnectionClosed() throws {
        let harness = try Self.ready()
        let outcomes = try (0..<3).map { try harness.send("SELECT \($0)") }
        try harness.channel.close().wait()
        for outcome in outcomes {
            #expect(outcome.error?.code == .connectionClosed)
        }
        // Refused after the close, without writing.
        let late = try harness.send("SELECT late")
        #expect(late.error?.code == .connectionClosed)
    }

    @Test func eventFramesAreIgnored() throws {
        let harness = try Self.ready()
        let outcome = try harness.send("SELECT n")
        let stream = try #require(try harness.written()).stream
        try harness.reply(TestFrames.event())
        #expect(harness.channel.isActive)
        try harness.reply(TestFrames.void(stream: stream))
        #expect(outcome.value != nil)
    }

    @Test func serverErrorsAreAnswersNotConnectionFailures() throws {
        let harness = try Self.ready()
        let outcome = try harness.send("SELECT * FROM nope")
        let stream = try #require(try harness.written()).stream
        try harness.reply(TestFrames.error(0x2200, "unconfigured table nope", stream: stream))
        guard case .error(let error) = try CassandraResponse(decoding: try #require(outcome.value)) else {
            Issue.record("not an error")
            return
        }
        #expect(error.code == .invalid)
        #expect(harness.channel.isActive)
    }

    @Test func aHandshakeErrorFailsTheConnect() throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.reply(TestFrames.error(0x000A, "Invalid or unsupported protocol version (4)", stream: 0))
        #expect(harness.handshake.error?.code == .protocolError)
        #expect(!harness.channel.isActive)
    }
}
