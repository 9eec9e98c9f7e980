import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import MQTTNIO

/// A raw MQTT client for the cases real clients will not produce: it sends any bytes and records every packet the
/// server sends back, decoded with the module's own decoder.
final class MQTTTestClient: Sendable {
    final class Log: Sendable {
        let state = Mutex<(packets: [MQTTPacket], isClosed: Bool, error: String?)>(([], false, nil))
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = MQTTPacket
        let log: Log

        init(log: Log) {
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let packet = self.unwrapInboundIn(data)
            self.log.state.withLock { $0.packets.append(packet) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.log.state.withLock { $0.error = "\(error)" }
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.log.state.withLock { $0.isClosed = true }
        }
    }

    let channel: any Channel
    let log: Log
    let version: MQTTProtocolVersion

    private init(channel: any Channel, log: Log, version: MQTTProtocolVersion) {
        self.channel = channel
        self.log = log
        self.version = version
    }

    static func connect(port: Int, version: MQTTProtocolVersion) async throws -> MQTTTestClient {
        let log = Log()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(MQTTPacketDecoder(maxPacketSize: 1 << 28, version: version))
                    )
                    try channel.pipeline.syncOperations.addHandler(Recorder(log: log))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return MQTTTestClient(channel: channel, log: log, version: version)
    }

    /// Connects and completes CONNECT/CONNACK; returns the CONNACK.
    static func connected(
        port: Int,
        version: MQTTProtocolVersion,
        clientID: String = "raw",
        keepAlive: UInt16 = 0
    ) async throws -> (MQTTTestClient, MQTTConnAckPacket) {
        let client = try await Self.connect(port: port, version: version)
        try await client.send(
            .connect(MQTTConnectPacket(version: version, clientID: clientID, cleanStart: true, keepAlive: keepAlive, username: "key")))
        guard case .connack(let connack) = try await client.waitForPacket("CONNACK", { if case .connack = $0 { true } else { false } }) else {
            preconditionFailure()
        }
        return (client, connack)
    }

    func send(_ packets: MQTTPacket...) async throws {
        var encoder = MQTTPacketEncoder(version: self.version)
        var buffer = self.channel.allocator.buffer(capacity: 64)
        for packet in packets {
            encoder.encode(packet, into: &buffer)
        }
        try await self.channel.writeAndFlush(buffer)
    }

    func sendBytes(_ hex: String) async throws {
        try await self.channel.writeAndFlush(MQTTTestBytes.buffer(hex))
    }

    var packets: [MQTTPacket] { self.log.state.withLock { $0.packets } }
    var isClosed: Bool { self.log.state.withLock { $0.isClosed } }

    @discardableResult
    func waitForPacket(
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ matches: (MQTTPacket) -> Bool
    ) async throws -> MQTTPacket {
        try await waitUntil(what, sourceLocation: sourceLocation) { self.packets.contains(where: matches) }
        return self.packets.first(where: matches)!
    }

    func waitForClose(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("the server to close the connection", sourceLocation: sourceLocation) { self.isClosed }
    }

    func close() async {
        try? await self.channel.close()
    }
}
