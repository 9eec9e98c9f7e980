import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import MongoNIO

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

    var error: MongoError? {
        if case .failure(let error) = self.result {
            return error as? MongoError
        }
        return nil
    }
}

@Suite("Channel handler: golden OP_MSG exchanges on an embedded channel")
struct MongoChannelHandlerTests {
    typealias RFC7677 = MongoConnectionStateMachineTests.RFC7677

    private struct Harness {
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop
        let handshake: Outcome<MongoServerDescription>

        init(credentials: MongoConnectionStateMachine.Credentials? = nil, logger: Logger = Logger(label: "test")) throws {
            self.loop = EmbeddedEventLoop()
            self.channel = EmbeddedChannel(loop: self.loop)
            let promise = self.loop.makePromise(of: MongoServerDescription.self)
            self.handshake = Outcome(promise.futureResult)
            let stateMachine = MongoConnectionStateMachine(
                clientMetadata: MongoClientMetadata.document(appName: "handler-tests"),
                credentials: credentials,
                clientNonce: RFC7677.clientNonce
            )
            let handler = MongoChannelHandler(stateMachine: stateMachine, username: credentials?.username, handshakePromise: promise, logger: logger)
            try self.channel.pipeline.syncOperations.addHandler(handler)
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 27017)).wait()
        }

        /// The next message the client wrote, decoded.
        func written() throws -> MongoMessage? {
            guard var buffer = try self.channel.readOutbound(as: ByteBuffer.self) else {
                return nil
            }
            var decoder = MongoMessageDecoder()
            let message = try decoder.decode(buffer: &buffer)
            #expect(buffer.readableBytes == 0, "one message per write")
            return message
        }

        func bytes(of message: MongoMessage) throws -> ByteBuffer {
            var buffer = ByteBuffer()
            try message.write(to: &buffer)
            return buffer
        }

        func answer(_ request: MongoMessage, _ body: BSONDocument) throws {
            try self.channel.writeInbound(try self.bytes(of: Self.reply(to: request.requestID, body)))
        }

        static func reply(to id: Int32, _ body: BSONDocument) -> MongoMessage {
            MongoMessage(requestID: 5000 + id, responseTo: id, flags: [], body: body, sequences: [])
        }

        func send(_ body: BSONDocument, timeout: TimeAmount = .seconds(10)) -> Outcome<BSONDocument> {
            let promise = self.loop.makePromise(of: BSONDocument.self)
            var body = body
            body["$db"] = .string("test")
            // As MongoConnection does: a write that never reaches the handler (the channel is closed) fails the answer.
            self.channel.writeAndFlush(MongoRequest(body: body, sequences: [], promise: promise, timeout: timeout)).whenFailure { error in
                promise.fail(error as? MongoError ?? .connectionUnavailable("\(error)"))
            }
            return Outcome(promise.futureResult)
        }

        /// A harness whose hello was answered with `hello`.
        static func ready(hello: BSONDocument = MongoConnectionStateMachineTests.helloReply) throws -> Harness {
            let harness = try Harness()
            let request = try #require(try harness.written())
            try harness.answer(request, hello)
            #expect(harness.handshake.value != nil)
            return harness
        }
    }

    @Test("hello: the client metadata goes out, the answer completes the connect with the server's description")
    func hello() throws {
        let harness = try Harness()
        let hello = try #require(try harness.written())
        #expect(hello.responseTo == 0)
        #expect(hello.body["hello"] == .int32(1))
        #expect(hello.body["client"]?.documentValue?["application"]?.documentValue?["name"] == .string("handler-tests"))
        #expect(harness.handshake.result == nil)
        try harness.answer(hello, MongoConnectionStateMachineTests.helloReply)
        let description = try #require(harness.handshake.value)
        #expect(description.isWritable)
        #expect(description.maxWriteBatchSize == 100_000)
    }

    @Test("SCRAM-SHA-256 on the wire with RFC 7677's values")
    func scram() throws {
        let harness = try Harness(credentials: RFC7677.credentials)
        try harness.answer(try #require(try harness.written()), MongoConnectionStateMachineTests.helloReply)
        let start = try #require(try harness.written())
        #expect(start.body["saslStart"] == .int32(1))
        #expect(start.body["payload"]?.binaryValue == BSONBinary(subtype: 0, data: Array(RFC7677.clientFirst.utf8)))
        try harness.answer(
            start,
            [
                "conversationId": .int32(1), "done": .bool(false), "payload": .binary(BSONBinary(data: Array(RFC7677.serverFirst.utf8))),
                "ok": .double(1),
            ])
        let continuation = try #require(try harness.written())
        #expect(continuation.body["payload"]?.binaryValue == BSONBinary(subtype: 0, data: Array(RFC7677.clientFinal.utf8)))
        #expect(harness.handshake.result == nil)
        try harness.answer(
            continuation,
            [
                "conversationId": .int32(1), "done": .bool(true), "payload": .binary(BSONBinary(data: Array(RFC7677.serverFinal.utf8))),
                "ok": .double(1),
            ])
        #expect(harness.handshake.value != nil)
    }

    @Test("a refused password fails the connect as authenticationFailed, logged once, without the password")
    func authenticationFailure() throws {
        let recorder = LogRecorder()
        let harness = try Harness(credentials: RFC7677.credentials, logger: recorder.logger())
        try harness.answer(try #require(try harness.written()), MongoConnectionStateMachineTests.helloReply)
        let start = try #require(try harness.written())
        try harness.answer(
            start, ["ok": .double(0), "errmsg": .string("Authentication failed."), "code": .int32(18), "codeName": .string("AuthenticationFailed")])
        let error = try #require(harness.handshake.error)
        #expect(error.code == .authenticationFailed)
        #expect(error.serverCode == 18)
        #expect(!harness.channel.isActive)
        let lines = recorder.all
        #expect(lines.filter { $0.message.contains("authentication failed") }.count == 1)
        #expect(lines.allSatisfy { $0.level <= .debug })
        #expect(!lines.contains { $0.text.contains(RFC7677.credentials.password) })
        #expect(lines.contains { $0.text.contains("user") })
    }

    @Test("several requests in flight; answers arrive out of order and each reaches its caller")
    func outOfOrder() throws {
        let harness = try Harness.ready()
        let first = harness.send(["find": .string("a")])
        let second = harness.send(["find": .string("b")])
        let third = harness.send(["find": .string("c")])
        let requests = [try #require(try harness.written()), try #require(try harness.written()), try #require(try harness.written())]
        #expect(Set(requests.map(\.requestID)).count == 3)
        try harness.answer(requests[2], ["ok": .double(1), "which": .string("c")])
        try harness.answer(requests[0], ["ok": .double(1), "which": .string("a")])
        #expect(third.value?["which"] == .string("c"))
        #expect(first.value?["which"] == .string("a"))
        #expect(second.result == nil)
        try harness.answer(requests[1], ["ok": .double(1), "which": .string("b")])
        #expect(second.value?["which"] == .string("b"))
    }

    @Test("an answer cut in half, then the connection closes: every pending request fails with connectionClosed")
    func cutAnswer() throws {
        let harness = try Harness.ready()
        let first = harness.send(["ping": .int32(1)])
        let second = harness.send(["ping": .int32(1)])
        let request = try #require(try harness.written())
        var bytes = try harness.bytes(
            of: Harness.reply(to: request.requestID, ["ok": .double(1), "padding": .string(String(repeating: "x", count: 100))]))
        let half = bytes.readSlice(length: bytes.readableBytes / 2)!
        try harness.channel.writeInbound(half)
        #expect(first.result == nil)
        harness.channel.pipeline.fireChannelInactive()
        #expect(first.error?.code == .connectionClosed)
        #expect(second.error?.code == .connectionClosed)
        #expect(first.error?.message.contains("middle of an answer") == true)
    }

    @Test("garbled bytes close the connection and fail every pending request with protocolViolation")
    func garbled() throws {
        let harness = try Harness.ready()
        let pending = harness.send(["ping": .int32(1)])
        var garbage = ByteBuffer()
        // A message length shorter than the header itself.
        garbage.writeInteger(Int32(3), endianness: .little)
        garbage.writeRepeatingByte(0, count: 32)
        _ = try? harness.channel.writeInbound(garbage)
        #expect(pending.error?.code == .protocolViolation)
        #expect(!harness.channel.isActive)
        let after = harness.send(["ping": .int32(1)])
        #expect(after.error?.code == .connectionUnavailable)
    }

    @Test("a timed-out request fails with timeout, its late answer is dropped, and the connection keeps working")
    func timeout() throws {
        let harness = try Harness.ready()
        let slow = harness.send(["sleep": .int32(1)], timeout: .milliseconds(100))
        let slowRequest = try #require(try harness.written())
        harness.loop.advanceTime(by: .milliseconds(101))
        #expect(slow.error?.code == .timeout)
        try harness.answer(slowRequest, ["ok": .double(1)])
        #expect(harness.channel.isActive)
        let next = harness.send(["ping": .int32(1)], timeout: .milliseconds(100))
        let nextRequest = try #require(try harness.written())
        try harness.answer(nextRequest, ["ok": .double(1), "pong": .bool(true)])
        #expect(next.value?["pong"] == .bool(true))
        harness.loop.advanceTime(by: .seconds(1))
        #expect(next.value != nil)
    }

    @Test("a message over the server's maxMessageSizeBytes is refused before a byte is written")
    func messageTooLarge() throws {
        var hello = MongoConnectionStateMachineTests.helloReply
        hello["maxMessageSizeBytes"] = .int32(1000)
        let harness = try Harness.ready(hello: hello)
        let large = harness.send(["insert": .string("c"), "blob": .string(String(repeating: "x", count: 2000))])
        #expect(large.error?.code == .messageTooLarge)
        #expect(try harness.written() == nil)
        let small = harness.send(["ping": .int32(1)])
        try harness.answer(try #require(try harness.written()), ["ok": .double(1)])
        #expect(small.value != nil)
    }

    @Test("an answer over the server's maxMessageSizeBytes closes the connection")
    func answerTooLarge() throws {
        var hello = MongoConnectionStateMachineTests.helloReply
        hello["maxMessageSizeBytes"] = .int32(1000)
        let harness = try Harness.ready(hello: hello)
        let pending = harness.send(["find": .string("c")])
        let request = try #require(try harness.written())
        try? harness.answer(request, ["ok": .double(1), "blob": .string(String(repeating: "x", count: 2000))])
        #expect(pending.error?.code == .messageTooLarge)
        #expect(!harness.channel.isActive)
    }
}
