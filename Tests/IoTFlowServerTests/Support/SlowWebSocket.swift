import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A WebSocket client that falls behind on purpose: it connects with a small receive buffer, upgrades, stops reading
/// from its socket while the test writes, then reads everything at once. Kernel buffers stay small, so the server's
/// bounded queue overflows after a few hundred frames rather than after megabytes. Server frames are unmasked, so
/// reading them back needs only the length rules of RFC 6455 5.2.
final class SlowWebSocket: Sendable {
    private let channel: any Channel
    private let collector: ByteCollector

    private init(channel: any Channel, collector: ByteCollector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to the test server on `port`, asks to upgrade `path` with `headers`, and waits for the answer's head.
    static func open(port: Int, path: String, headers: [(String, String)]) async throws -> SlowWebSocket {
        let collector = ByteCollector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "localhost", port: port)
            .get()
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try await channel.writeAndFlush(ByteBuffer(string: request + "\r\n"))
        let socket = SlowWebSocket(channel: channel, collector: collector)
        try await waitFor("the upgrade answer") { socket.head != nil }
        return socket
    }

    /// The HTTP answer's head, once complete.
    var head: String? {
        self.collector.bytes.withLock { bytes in
            guard let end = Self.headEnd(bytes) else { return nil }
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }

    /// Stops taking bytes from the socket: the server's writes back up.
    func pauseReading() async throws {
        try await self.channel.setOption(.autoRead, value: false)
    }

    /// Takes bytes again.
    func resumeReading() async throws {
        try await self.channel.setOption(.autoRead, value: true)
        self.channel.read()
    }

    /// The text frames received after the head so far (a frame still arriving is left out).
    var textFrames: [String] {
        self.frames.filter { $0.opcode == 0x1 }.map { String(decoding: $0.payload, as: UTF8.self) }
    }

    /// How many pings the server sent.
    var pingCount: Int {
        self.frames.count { $0.opcode == 0x9 }
    }

    /// Whether the connection is closed.
    var isClosed: Bool { !self.channel.isActive }

    /// Every whole frame received after the head: its opcode and payload.
    private var frames: [(opcode: UInt8, payload: ArraySlice<UInt8>)] {
        self.collector.bytes.withLock { bytes in
            guard let start = Self.headEnd(bytes) else { return [] }
            var frames: [(opcode: UInt8, payload: ArraySlice<UInt8>)] = []
            var index = start
            while bytes.count - index >= 2 {
                let opcode = bytes[index] & 0x0F
                var length = Int(bytes[index + 1] & 0x7F)
                var offset = index + 2
                if length == 126 {
                    guard bytes.count - offset >= 2 else { break }
                    length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                    offset += 2
                } else if length == 127 {
                    guard bytes.count - offset >= 8 else { break }
                    length = bytes[offset..<offset + 8].reduce(0) { $0 << 8 | Int($1) }
                    offset += 8
                }
                guard bytes.count - offset >= length else { break }
                frames.append((opcode, bytes[offset..<offset + length]))
                index = offset + length
            }
            return frames
        }
    }

    /// Closes the socket.
    func close() async {
        try? await self.channel.close()
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }
}

/// Appends every byte the connection reads.
private final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let bytes = Mutex<[UInt8]>([])

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        self.bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }
}
