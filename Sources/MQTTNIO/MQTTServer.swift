public import Logging
public import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An MQTT listener. `bind` opens the port; `run` serves until the task is cancelled or graceful shutdown, then
/// drains: stops accepting and reading, lets publish batches in progress finish and their acknowledgements go out
/// (bounded by a few seconds), sends MQTT 5 clients DISCONNECT 0x8B, and closes every connection.
public final class MQTTServer: Sendable {
    private let serverChannel: any Channel
    private let registry: MQTTConnectionRegistry
    private let logger: Logger
    /// Set once every connection has been asked to drain; lets tests time the end of a batch after that point.
    let hasRequestedDrain = Mutex(false)

    /// The bound port (useful with port 0).
    public var localPort: Int { self.serverChannel.localAddress?.port ?? 0 }
    /// Connections with an accepted CONNECT.
    public var sessionCount: Int { self.registry.sessionCount }

    public static func bind(
        configuration: MQTTServerConfiguration,
        delegate: any MQTTServerDelegate,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) async throws -> MQTTServer {
        let registry = MQTTConnectionRegistry()
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls = configuration.tls {
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketSize: configuration.maxPacketSize)))
                    try pipeline.addHandler(
                        MQTTChannelHandler(configuration: configuration, delegate: delegate, registry: registry, logger: logger)
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw MQTTServerError(
                code: .addressInUse,
                message: "MQTT listener: \(configuration.host):\(configuration.port) is already in use"
            )
        } catch {
            throw MQTTServerError(
                code: .bindFailed,
                message: "MQTT listener: cannot bind \(configuration.host):\(configuration.port): \(error)"
            )
        }
        logger.debug("MQTT listener bound", metadata: [MQTTLoggingKey.localAddress: "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return MQTTServer(serverChannel: channel, registry: registry, logger: logger)
    }

    private init(serverChannel: any Channel, registry: MQTTConnectionRegistry, logger: Logger) {
        self.serverChannel = serverChannel
        self.registry = registry
        self.logger = logger
    }

    public func run() async {
        let serverChannel = self.serverChannel
        await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                try? await serverChannel.closeFuture.get()
            } onCancel: {
                serverChannel.close(promise: nil)
            }
        }
        await self.drain()
    }

    /// Stops accepting, asks every connection to finish its delegate work and close, and waits until all have
    /// (each connection bounds its own wait by ``MQTTChannelHandler/drainTimeout``).
    private func drain() async {
        try? await self.serverChannel.close()
        let connections = self.registry.beginDraining()
        self.logger.debug("MQTT listener draining", metadata: [MQTTLoggingKey.connectionCount: "\(connections.count)"])
        for connection in connections {
            connection.drain()
        }
        self.hasRequestedDrain.withLock { $0 = true }
        for connection in connections {
            try? await connection.channel.closeFuture.get()
        }
    }
}
