import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import RedisNIO

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

    var error: RedisError? {
        if case .failure(let error) = self.result {
            return error as? RedisError
        }
        return nil
    }
}

@Suite("Channel handler")
struct RedisChannelHandlerTests {
    private struct Harness {
        let channel: EmbeddedChannel
        let handshake: Outcome<Void>
        let loop: EmbeddedEventLoop

        init(configuration: RedisConfiguration, subscriberFrames: (@Sendable (RESPValue) -> Void)? = nil) throws {
            self.loop = EmbeddedEventLoop()
            self.channel = EmbeddedChannel(loop: self.loop)
            let promise = self.loop.makePromise(of: Void.self)
            self.handshake = Outcome(promise.futureResult)
            let handler = RedisChannelHandler(
                configuration: configuration,
                handshakePromise: promise,
                subscriberFrames: subscriberFrames,
                logger: Logger(label: "test")
            )
            try self.channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(RESPValueDecoder()), handler])
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        }

        func written() throws -> String? {
            try self.channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
        }

        func reply(_ bytes: String) throws {
            try self.channel.writeInbound(ByteBuffer(string: bytes))
        }

        func send(_ commands: [RedisCommand], timeout: TimeAmount = .milliseconds(500)) -> [Outcome<RESPValue>] {
            let promises = commands.map { _ in self.loop.makePromise(of: RESPValue.self) }
            let outcomes = promises.map { Outcome($0.futureResult) }
            self.channel.writeAndFlush(RedisRequest(kind: .commands(commands, promises: promises, timeout: timeout)), promise: nil)
            return outcomes
        }
    }

    private static func resp2() -> RedisConfiguration {
        var configuration = RedisConfiguration()
        configuration.protocolVersion = .resp2
        return configuration
    }

    /// A RESP2 connection without credentials whose handshake PING has been answered.
    private static func readyResp2(subscriberFrames: (@Sendable (RESPValue) -> Void)? = nil) throws -> Harness {
        let harness = try Harness(configuration: Self.resp2(), subscriberFrames: subscriberFrames)
        #expect(try harness.written() == "*1\r\n$4\r\nPING\r\n")
        try harness.reply("+PONG\r\n")
        #expect(harness.handshake.result != nil && harness.handshake.error == nil)
        return harness
    }

    @Test func resp3HandshakeSendsHelloWithAuthThenSelect() throws {
        var configuration = RedisConfiguration()
        configuration.username = "app"
        configuration.password = "secret"
        configuration.database = 4
        let harness = try Harness(configuration: configuration)
        #expect(
            try harness.written()
                == "*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$6\r\nsecret\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n4\r\n"
        )
        #expect(harness.handshake.result == nil)
        try harness.reply("%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n")
        #expect(harness.handshake.result == nil)
        try harness.reply("+OK\r\n")
        #expect(harness.handshake.result != nil && harness.handshake.error == nil)
    }

    @Test func resp2HandshakeSendsAuthAndSelect() throws {
        var configuration = Self.resp2()
        configuration.password = "secret"
        configuration.database = 1
        let harness = try Harness(configuration: configuration)
        #expect(try harness.written() == "*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n")
        try harness.reply("+OK\r\n+OK\r\n")
        #expect(harness.handshake.result != nil && harness.handshake.error == nil)
    }

    @Test func resp2WithoutCredentialsPingsAndIsReadyOnlyAfterThePong() throws {
        let harness = try Harness(configuration: Self.resp2())
        #expect(try harness.written() == "*1\r\n$4\r\nPING\r\n")
        #expect(harness.handshake.result == nil)
        // Not ready yet: a command is refused without being written.
        let early = harness.send([.get("a")])
        #expect(early[0].error?.code == .connectionUnavailable)
        #expect(try harness.written() == nil)
        try harness.reply("+PONG\r\n")
        #expect(harness.handshake.result != nil && harness.handshake.error == nil)
    }

    @Test func peerThatIsGoneBeforeThePongFailsTheConnect() throws {
        // What a connect accepted by a server that is then killed looks like once the event loop gets to it: the channel
        // becomes active, the PING goes out, and the peer's end is already closed.
        let harness = try Harness(configuration: Self.resp2())
        #expect(try harness.written() == "*1\r\n$4\r\nPING\r\n")
        harness.channel.pipeline.fireChannelInactive()
        #expect(harness.handshake.error == .connectionClosed("the connection closed during the handshake"))
    }

    @Test func commandAcceptedBeforeTheCloseIsClosedAndOneRefusedAfterIsUnavailable() throws {
        let harness = try Self.readyResp2()
        let accepted = harness.send([.get("a")])
        #expect(try harness.written() == "*2\r\n$3\r\nGET\r\n$1\r\na\r\n")
        harness.channel.pipeline.fireChannelInactive()
        #expect(accepted[0].error == .connectionClosed())
        let refused = harness.send([.get("b")])
        #expect(refused[0].error == .connectionUnavailable("the connection is closing; the command was not sent"))
        #expect(try harness.written() == nil)
    }

    @Test func failedAuthenticationFailsTheHandshakeAndCloses() throws {
        var configuration = RedisConfiguration()
        configuration.username = "app"
        configuration.password = "wrong"
        let harness = try Harness(configuration: configuration)
        _ = try harness.written()
        try harness.reply("-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        #expect(harness.handshake.error?.code == .authenticationFailed)
        #expect(!harness.channel.isActive)
    }

    @Test func pipelinedRepliesAreMatchedInOrder() throws {
        let harness = try Self.readyResp2()
        let first = harness.send([.set("k", "v"), .get("k")])
        let second = harness.send([RedisCommand("INCR", ["n"])])
        #expect(try harness.written() == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        #expect(try harness.written() == "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
        // Replies may arrive split anywhere; the order alone decides who gets which.
        try harness.reply("+OK\r\n$1\r")
        #expect(first[0].value == .simpleString("OK"))
        #expect(first[1].result == nil)
        try harness.reply("\nv\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        #expect(first[1].value == .bulkString(ByteBuffer(string: "v")))
        #expect(second[0].error == .serverError("WRONGTYPE Operation against a key holding the wrong kind of value"))
    }

    @Test func timeoutFailsTheCommandAndItsLateReplyIsDiscarded() throws {
        let harness = try Self.readyResp2()
        let slow = harness.send([.get("slow")], timeout: .milliseconds(100))
        harness.loop.advanceTime(by: .milliseconds(150))
        #expect(slow[0].error?.code == .timeout)
        let next = harness.send([.get("next")], timeout: .seconds(1))
        try harness.reply("$4\r\nslow\r\n")
        #expect(next[0].result == nil)
        try harness.reply("$4\r\nnext\r\n")
        #expect(next[0].value == .bulkString(ByteBuffer(string: "next")))
        #expect(harness.channel.isActive)
    }

    @Test func answeredCommandsDoNotTimeOut() throws {
        let harness = try Self.readyResp2()
        let outcome = harness.send([.ping], timeout: .milliseconds(100))
        try harness.reply("+PONG\r\n")
        harness.loop.advanceTime(by: .seconds(1))
        #expect(outcome[0].value == .simpleString("PONG"))
    }

    @Test func closeFailsPendingCommandsWithConnectionClosed() throws {
        let harness = try Self.readyResp2()
        let outcomes = harness.send([.get("a"), .get("b")])
        try harness.reply("$-1\r\n")
        try harness.channel.close().wait()
        #expect(outcomes[0].value == .null)
        #expect(outcomes[1].error?.code == .connectionClosed)
    }

    @Test func malformedBytesFailPendingCommandsWithProtocolErrorAndClose() throws {
        let harness = try Self.readyResp2()
        let outcomes = harness.send([.get("a")])
        // The handler takes the decoder's error itself (nothing reaches the pipeline's end) and closes.
        try harness.reply("?garbage\r\n")
        #expect(outcomes[0].error?.code == .protocolError)
        #expect(!harness.channel.isActive)
    }

    @Test func pushFramesAreIgnoredOnCommandConnections() throws {
        let harness = try Harness(configuration: RedisConfiguration())
        try harness.reply("%0\r\n")
        let outcomes = harness.send([.get("a")])
        try harness.reply(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n")
        #expect(outcomes[0].result == nil)
        try harness.reply("$1\r\nx\r\n")
        #expect(outcomes[0].value == .bulkString(ByteBuffer(string: "x")))
    }

    @Test func subscriberConnectionHandsFramesOn() throws {
        let frames = FrameLog()
        let harness = try Self.readyResp2(subscriberFrames: { frames.append($0) })
        harness.channel.writeAndFlush(RedisRequest(kind: .subscription([RedisCommand("SUBSCRIBE", ["a"])])), promise: nil)
        #expect(try harness.written() == "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n")
        try harness.reply("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n")
        #expect(frames.count == 2)
    }
}

private final class FrameLog: Sendable {
    private let frames = Mutex<[RESPValue]>([])

    func append(_ frame: RESPValue) {
        self.frames.withLock { $0.append(frame) }
    }

    var count: Int {
        self.frames.withLock { $0.count }
    }
}
