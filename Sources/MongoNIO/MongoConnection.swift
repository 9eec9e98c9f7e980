import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One TCP connection to a server, set up (`hello`, SCRAM-SHA-256) and multiplexing any number of callers.
final class MongoConnection: Sendable {
    let channel: any Channel
    let id: Int
    let address: MongoServerAddress
    /// What the server said in its `hello` answer.
    let serverDescription: MongoServerDescription
    private let inFlight = Atomic<Int>(0)

    /// Wraps a channel whose pipeline holds a `MongoChannelHandler` that has completed its handshake; `connect` is
    /// the way in, tests use this directly.
    init(channel: any Channel, id: Int, address: MongoServerAddress, serverDescription: MongoServerDescription) {
        self.channel = channel
        self.id = id
        self.address = address
        self.serverDescription = serverDescription
    }

    /// Connects and completes the handshake, both within `configuration.connectTimeout`.
    static func connect(
        to address: MongoServerAddress,
        configuration: MongoConfiguration,
        sslContext: NIOSSLContext?,
        id: Int,
        eventLoop: any EventLoop,
        logger: Logger
    ) async throws -> MongoConnection {
        var logger = logger
        logger[metadataKey: MongoLoggingKey.connectionID] = "\(id)"
        logger[metadataKey: MongoLoggingKey.address] = "\(address)"
        let handshakePromise = eventLoop.makePromise(of: MongoServerDescription.self)
        let timeout = TimeAmount(configuration.connectTimeout)
        let deadline = NIODeadline.now() + timeout
        let stateMachine = MongoConnectionStateMachine(
            clientMetadata: MongoClientMetadata.document(appName: configuration.appName),
            credentials: configuration.credentials,
            clientNonce: MongoSCRAM.makeNonce()
        )
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [logger] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            let serverHostname = Self.isIPAddress(address.host) ? nil : address.host
                            let tlsHandler = try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
                            try channel.pipeline.syncOperations.addHandler(tlsHandler)
                        }
                        let handler = MongoChannelHandler(
                            stateMachine: stateMachine,
                            username: configuration.username,
                            handshakePromise: handshakePromise,
                            logger: logger
                        )
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: address.host, port: address.port)
                .get()
        } catch {
            handshakePromise.fail(error)
            logger.debug("MongoDB connect failed", metadata: [MongoLoggingKey.error: "\(error)"])
            throw MongoError.connectionUnavailable("cannot connect to \(address): \(error)")
        }
        // The connect timeout covers the handshake too: a server that accepts but never answers must not hang us.
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            handshakePromise.fail(MongoError.timeout("no handshake answer from \(address) within the connect timeout"))
        }
        // Cancelled on the event loop the moment the handshake ends, never later from this task: a task resumed late on a
        // busy machine must not let the timer close a connection whose handshake already succeeded. On a timeout the
        // catch below closes the channel.
        handshakePromise.futureResult.whenComplete { _ in timer.cancel() }
        let description: MongoServerDescription
        do {
            description = try await handshakePromise.futureResult.get()
        } catch {
            channel.close(promise: nil)
            logger.debug("MongoDB handshake failed", metadata: [MongoLoggingKey.error: "\(error)"])
            throw error
        }
        return MongoConnection(channel: channel, id: id, address: address, serverDescription: description)
    }

    var isActive: Bool {
        self.channel.isActive
    }

    /// Requests sent and not answered yet, to spread load over the connections of a pool.
    var inFlightCount: Int {
        self.inFlight.load(ordering: .relaxed)
    }

    /// Sends a command (`$db` already in it) and returns the server's answer; `ok: 0` throws `.server`.
    func command(_ body: BSONDocument, sequences: [MongoDocumentSequence] = [], timeout: Duration) async throws -> BSONDocument {
        let promise = self.channel.eventLoop.makePromise(of: BSONDocument.self)
        self.inFlight.add(1, ordering: .relaxed)
        defer { self.inFlight.subtract(1, ordering: .relaxed) }
        self.write(MongoRequest(body: body, sequences: sequences, promise: promise, timeout: TimeAmount(timeout)))
        // A cancelled caller stops waiting at once; the request stays pending in the handler, so its answer is still
        // matched by responseTo and dropped (completing a failed promise does nothing).
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    /// Sends a command whose answer nobody waits for, e.g. `killCursors` from a cursor being deinitialized.
    func commandWithoutWaiting(_ body: BSONDocument, timeout: Duration) {
        let promise = self.channel.eventLoop.makePromise(of: BSONDocument.self)
        self.write(MongoRequest(body: body, sequences: [], promise: promise, timeout: TimeAmount(timeout)))
        promise.futureResult.whenComplete { _ in }
    }

    func close() {
        self.channel.close(promise: nil)
    }

    private func write(_ request: MongoRequest) {
        // The handler fails the answers of requests it refused (with a MongoError) and of requests it accepted. A
        // write into a channel that is already closed never reaches it: nothing was sent, so it is unavailable.
        let promise = request.promise
        self.channel.writeAndFlush(request).whenFailure { error in
            promise.fail(error as? MongoError ?? .connectionUnavailable("the connection is closed; the command was not sent (\(error))"))
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
