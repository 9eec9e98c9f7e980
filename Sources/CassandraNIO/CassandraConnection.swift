import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One connection to one node, set up (STARTUP, authentication) and multiplexing any number of callers.
final class CassandraConnection: Sendable {
    let channel: any Channel
    let id: Int
    let endpoint: CassandraEndpoint
    private let inFlight = Atomic<Int>(0)

    /// Wraps a channel whose pipeline holds the frame decoder and a `CassandraChannelHandler` that has completed its
    /// handshake; `connect` is the way in, tests use this directly.
    init(channel: any Channel, id: Int, endpoint: CassandraEndpoint) {
        self.channel = channel
        self.id = id
        self.endpoint = endpoint
    }

    /// Connects and completes the handshake, both within `configuration.connectTimeout`.
    static func connect(
        to endpoint: CassandraEndpoint,
        configuration: CassandraConfiguration,
        sslContext: NIOSSLContext?,
        id: Int,
        eventLoop: any EventLoop,
        logger: Logger
    ) async throws -> CassandraConnection {
        var logger = logger
        logger[metadataKey: CassandraLoggingKey.connectionID] = "\(id)"
        logger[metadataKey: CassandraLoggingKey.endpoint] = "\(endpoint)"
        let handshakePromise = eventLoop.makePromise(of: Void.self)
        let timeout = TimeAmount(configuration.connectTimeout)
        let deadline = NIODeadline.now() + timeout
        let credentials = configuration.username.map { PlainCredentials(username: $0, password: configuration.password ?? "") }
        let maxFrameBytes = configuration.maxFrameBytes
        // SNI takes a host name only; an IP address there is an error in NIOSSL.
        let serverHostname = (try? SocketAddress(ipAddress: endpoint.host, port: 0)) == nil ? endpoint.host : nil
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [logger] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
                            try channel.pipeline.syncOperations.addHandler(tls)
                        }
                        let handler = CassandraChannelHandler(
                            credentials: credentials,
                            handshakePromise: handshakePromise,
                            logger: logger
                        )
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(CassandraFrameDecoder(maxFrameBytes: maxFrameBytes)), handler,
                        ])
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            handshakePromise.fail(error)
            logger.debug("Cassandra connect failed", metadata: [CassandraLoggingKey.error: "\(error)"])
            throw CassandraError.connectionFailed("cannot connect to \(endpoint): \(error)")
        }
        // The connect timeout covers the handshake too: a node that accepts but never answers must not hang us.
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            handshakePromise.fail(CassandraError.connectionFailed("no handshake answer from \(endpoint) within the connect timeout"))
        }
        // Cancelled on the event loop the moment the handshake ends, never later from this task: a task resumed late on a
        // busy machine must not let the timer close a connection whose handshake already succeeded. On a timeout the
        // catch below closes the channel.
        handshakePromise.futureResult.whenComplete { _ in timer.cancel() }
        do {
            try await handshakePromise.futureResult.get()
        } catch {
            channel.close(promise: nil)
            logger.debug("Cassandra handshake failed", metadata: [CassandraLoggingKey.error: "\(error)"])
            if let error = error as? CassandraError {
                throw error
            }
            throw CassandraError.connectionFailed("the handshake with \(endpoint) failed: \(error)")
        }
        logger.debug("Cassandra connection ready")
        return CassandraConnection(channel: channel, id: id, endpoint: endpoint)
    }

    var isActive: Bool {
        self.channel.isActive
    }

    /// Requests sent and not yet answered or failed, to pick the least busy connection.
    var inFlightCount: Int {
        self.inFlight.load(ordering: .relaxed)
    }

    func close() {
        self.channel.close(promise: nil)
    }

    /// Sends one request and returns the frame that answers it, within `timeout`.
    func send(_ request: CassandraRequest, timeout: Duration) async throws -> CassandraFrame {
        let frame = try request.frame(allocator: self.channel.allocator)
        let promise = self.channel.eventLoop.makePromise(of: CassandraFrame.self)
        self.inFlight.add(1, ordering: .relaxed)
        defer { self.inFlight.subtract(1, ordering: .relaxed) }
        let channelRequest = CassandraChannelRequest(frame: frame, promise: promise, timeout: TimeAmount(timeout))
        // A write into a channel that is already closed never reaches the handler: nothing was sent.
        self.channel.writeAndFlush(channelRequest).whenFailure { error in
            promise.fail(error as? CassandraError ?? .connectionClosed("the connection is closed; the request was not sent (\(error))"))
        }
        // A cancelled caller stops waiting at once; the stream stays reserved until the answer comes and is dropped.
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    /// Sends a QUERY, PREPARE, EXECUTE or BATCH and decodes its RESULT; an ERROR answer throws it.
    ///
    /// - Parameter resultColumns: The prepared statement's result columns, for rows sent without metadata.
    func result(_ request: CassandraRequest, timeout: Duration, resultColumns: [CassandraColumn]? = nil) async throws -> CassandraResult {
        let frame = try await self.send(request, timeout: timeout)
        return try Self.result(of: frame, answering: request, resultColumns: resultColumns)
    }

    /// Decodes the frame answering a QUERY, PREPARE, EXECUTE or BATCH into its RESULT; an ERROR answer throws it.
    static func result(of frame: CassandraFrame, answering request: CassandraRequest, resultColumns: [CassandraColumn]?) throws -> CassandraResult {
        switch try CassandraResponse(decoding: frame, resultColumns: resultColumns) {
        case .result(let result):
            return result
        case .error(let error):
            throw error
        case let other:
            throw CassandraError.protocolViolation("\(other) in answer to \(request.summary)")
        }
    }

    /// Sends OPTIONS and waits for SUPPORTED.
    func options(timeout: Duration) async throws -> [String: [String]] {
        let frame = try await self.send(.options, timeout: timeout)
        switch try CassandraResponse(decoding: frame) {
        case .supported(let options):
            return options
        case .error(let error):
            throw error
        case let other:
            throw CassandraError.protocolViolation("\(other) in answer to OPTIONS")
        }
    }
}
