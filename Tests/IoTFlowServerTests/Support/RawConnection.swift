import NIOCore
import NIOPosix
import Synchronization

/// A TCP connection to a live test server that sends exactly the bytes a test gives it, at the pace the test
/// chooses, and records what comes back and when the server closed it: the slow and odd clients an HTTP
/// library would not imitate.
///
/// Times are taken on the connection's event loop as things happen, not when the test's task next runs: on a
/// loaded machine the task can wake seconds late, which would make a timeout look shorter than it was.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let log: ReceivedLog

    private init(channel: any Channel, log: ReceivedLog) {
        self.channel = channel
        self.log = log
    }

    /// Connects to the test server on `port`.
    static func open(port: Int) async throws -> RawConnection {
        let log = ReceivedLog()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReceivedBytesHandler(log: log))
                }
            }
            .connect(host: "localhost", port: port)
            .get()
        log.opened()
        channel.closeFuture.whenComplete { _ in log.closed() }
        return RawConnection(channel: channel, log: log)
    }

    /// Sends `text`; false if the connection is already closed.
    @discardableResult
    func send(_ text: String) async -> Bool {
        do {
            try await self.channel.writeAndFlush(ByteBuffer(string: text))
            return true
        } catch {
            return false
        }
    }

    /// Sends a complete `GET path` on this connection, keeping it alive.
    @discardableResult
    func sendRequest(_ path: String = "/health") async -> Bool {
        await self.send(Self.request(path))
    }

    /// A complete keep-alive `GET path`.
    static func request(_ path: String = "/health") -> String {
        "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n"
    }

    /// Sends each text at its offset from now, timed by the connection's event loop rather than the test's task,
    /// so a busy test process cannot stretch the pauses between them.
    func schedule(_ writes: [(after: TimeAmount, text: String)]) {
        let channel = self.channel
        for write in writes {
            channel.eventLoop.scheduleTask(in: write.after) {
                channel.writeAndFlush(ByteBuffer(string: write.text), promise: nil)
            }
        }
    }

    /// Everything received so far.
    var received: String { self.log.state.withLock { $0.received } }

    /// Responses received so far, by their status lines.
    var responseCount: Int { self.received.components(separatedBy: "HTTP/1.1 ").count - 1 }

    /// When the connection was established.
    var openedAt: ContinuousClock.Instant { self.log.state.withLock { $0.openedAt ?? .now } }

    /// When bytes last arrived, nil if none have.
    var lastReceivedAt: ContinuousClock.Instant? { self.log.state.withLock { $0.lastReceivedAt } }

    /// When the server closed the connection, nil while it is open.
    var closedAt: ContinuousClock.Instant? { self.log.state.withLock { $0.closedAt } }

    /// Whether the server has closed the connection.
    var isClosed: Bool { self.closedAt != nil }

    /// Waits until `count` responses have arrived; false if they did not within `timeout` or the connection closed first.
    func waitForResponses(_ count: Int, timeout: Duration = .seconds(20)) async throws -> Bool {
        try await waitUntil(timeout: timeout) { self.responseCount >= count || self.isClosed }
        return self.responseCount >= count
    }

    /// Waits until the server closes the connection; false if it is still open after `timeout`.
    func waitUntilClosed(timeout: Duration) async throws -> Bool {
        try await waitUntil(timeout: timeout) { self.isClosed }
        return self.isClosed
    }

    /// Sends `text` one character at a time, `interval` apart, until all is sent or the server closes the connection.
    func trickle(_ text: String, every interval: Duration) async throws {
        for character in text {
            guard await self.send(String(character)) else { return }
            try await Task.sleep(for: interval)
        }
    }

    /// Closes the connection from this side.
    func close() async {
        try? await self.channel.close()
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; the caller checks which happened.
func waitUntil(timeout: Duration, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition(), ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// What a `RawConnection` has received, and when things happened to it.
private final class ReceivedLog: Sendable {
    struct State {
        var received = ""
        var openedAt: ContinuousClock.Instant?
        var lastReceivedAt: ContinuousClock.Instant?
        var closedAt: ContinuousClock.Instant?
    }

    let state = Mutex(State())

    func opened() {
        self.state.withLock { state in
            if state.openedAt == nil { state.openedAt = .now }
        }
    }

    func append(_ buffer: ByteBuffer) {
        self.state.withLock { state in
            state.received += String(buffer: buffer)
            state.lastReceivedAt = .now
        }
    }

    func closed() {
        self.state.withLock { state in
            if state.closedAt == nil { state.closedAt = .now }
        }
    }
}

/// Appends every read to a `ReceivedLog` and notes when the connection opened and closed.
private final class ReceivedBytesHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let log: ReceivedLog

    init(log: ReceivedLog) {
        self.log = log
    }

    func channelActive(context: ChannelHandlerContext) {
        self.log.opened()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.log.append(self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.log.closed()
        context.fireChannelInactive()
    }
}
