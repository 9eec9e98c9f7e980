import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A MongoDB client: finds the writable primary among the configured hosts and keeps `poolSize` multiplexed
/// connections to it, in the background while `run()` runs.
///
/// Every command goes to the primary, on its connection with the fewest requests in flight. A dropped connection is
/// reconnected with exponential backoff; while no connection is up, commands fail at once with
/// `.connectionUnavailable` rather than wait for a server that may not come back. Only until the first attempt to
/// find the primary has finished (and before `run()` starts) does a command wait for a connection, up to its timeout.
///
/// When the primary stops answering and other servers are known, or a server answers that it is no longer primary,
/// the client looks for the primary again among the seed list and the members the servers listed.
public final class MongoClient: Sendable, Service {
    private enum Lifecycle {
        case idle
        case running
        case shutDown
    }

    private struct State {
        var lifecycle: Lifecycle = .idle
        /// False until the first search for the primary has succeeded or failed: requests may wait for it.
        var started = false
        var primary: MongoServerAddress?
        /// The pool's connections to the primary, one per slot; `nil` while that slot is down.
        var slots: [MongoConnection?]
        /// Set when the primary was lost; the pool winds down and the primary is searched for again.
        var primaryLost = false
        /// Replica set members learned from `hello` answers, tried after the seed list.
        var knownHosts: [MongoServerAddress] = []
        var lastError: MongoError?
        var nextConnectionID = 0
        /// Bumped on every change a waiting request may care about, so a wait registered late sees it was missed.
        var generation = 0
        var waiters: [Int: Waiter] = [:]
        var nextWaiterID = 0

        mutating func changed() -> [CheckedContinuation<Void, Never>] {
            self.generation += 1
            var continuations: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in self.waiters {
                if case .waiting(let continuation) = waiter {
                    continuations.append(continuation)
                    self.waiters[id] = .done
                }
            }
            return continuations
        }
    }

    /// A request waiting for the first connection; its deadline and a change race to end the wait.
    private enum Waiter {
        /// Registered, not suspended yet.
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        /// The wait is over; a continuation arriving late resumes at once.
        case done
    }

    private enum Pick {
        case use(MongoConnection)
        case wait(generation: Int)
        case fail(MongoError)
    }

    /// Server error codes saying the server is not (or no longer) the primary.
    static let notPrimaryCodes: Set<Int> = [91, 189, 10107, 11600, 11602, 13435, 13436]

    let configuration: MongoConfiguration
    private let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    private let state: Mutex<State>

    /// Creates a client; it connects only once `run()` is called.
    public init(
        configuration: MongoConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.state = Mutex(State(slots: Array(repeating: nil, count: max(1, configuration.poolSize))))
    }

    /// Finds the primary, connects the pool and keeps it up until the task is cancelled or graceful shutdown is
    /// triggered; then closes everything and returns. Throws when the TLS configuration is invalid, when there are no
    /// hosts, or when called after shutdown.
    public func run() async throws {
        guard !self.configuration.hosts.isEmpty else {
            throw MongoError.invalidArgument("the configuration lists no hosts")
        }
        let sslContext = try self.configuration.tls.map { try NIOSSLContext(configuration: $0) }
        try self.state.withLock { state throws(MongoError) in
            switch state.lifecycle {
            case .idle:
                state.lifecycle = .running
            case .running:
                preconditionFailure("MongoClient.run() called twice")
            case .shutDown:
                throw MongoError.clientShutDown
            }
        }
        self.logger.debug("MongoDB client starting", metadata: [MongoLoggingKey.address: "\(self.configuration.hosts)"])
        await cancelWhenGracefulShutdown {
            var backoff = MongoReconnectBackoff(
                initialDelay: self.configuration.reconnectInitialDelay,
                maximumDelay: self.configuration.reconnectMaximumDelay
            )
            while !Task.isCancelled {
                do {
                    let connection = try await self.discoverPrimary(sslContext: sslContext)
                    backoff.reset()
                    await self.serve(primary: connection, sslContext: sslContext)
                } catch {
                    let mongoError = error as? MongoError ?? .connectionUnavailable("\(error)")
                    self.logger.debug("MongoDB primary not found", metadata: [MongoLoggingKey.error: "\(mongoError)"])
                    let waiters = self.state.withLock { state in
                        state.started = true
                        state.lastError = mongoError
                        return state.changed()
                    }
                    Self.resume(waiters)
                }
                guard !Task.isCancelled else {
                    break
                }
                let delay = backoff.nextDelay()
                self.logger.trace("MongoDB reconnect scheduled", metadata: [MongoLoggingKey.delay: "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
        self.shutDown()
        self.logger.debug("MongoDB client stopped")
    }

    /// Runs a command on `database` (the client adds `$db`) and returns the server's answer.
    ///
    /// An answer with `ok: 0` throws `.server` with the server's code, code name and message. Without a `timeout`, the
    /// configuration's `requestTimeout` bounds the wait for a connection and the answer together.
    public func runCommand(_ command: BSONDocument, database: String, timeout: Duration? = nil) async throws -> BSONDocument {
        let deadline = ContinuousClock.now + (timeout ?? self.configuration.requestTimeout)
        let connection = try await self.connection(deadline: deadline)
        return try await self.command(command, database: database, on: connection, deadline: deadline)
    }

    /// Sends `ping` and returns the round trip time.
    public func ping() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await self.runCommand(["ping": .int32(1)], database: "admin")
        return clock.now - start
    }

    /// A collection of a database; nothing is sent until a command runs.
    public func collection(_ name: String, database: String) -> MongoCollection {
        MongoCollection(client: self, database: database, name: name)
    }

    /// Whether at least one connection to the primary is up.
    public var isConnected: Bool {
        self.connectedCount > 0
    }

    /// How many connections of the pool are up.
    var connectedCount: Int {
        self.state.withLock { state in
            state.slots.count { $0?.isActive == true }
        }
    }

    /// The server currently used as the primary.
    var primaryAddress: MongoServerAddress? {
        self.state.withLock { $0.primary }
    }

    // MARK: - Requests

    /// Runs a command on a connection picked for it, with `$db` set.
    func command(
        _ command: BSONDocument,
        database: String,
        sequences: [MongoDocumentSequence] = [],
        on connection: MongoConnection,
        deadline: ContinuousClock.Instant
    ) async throws -> BSONDocument {
        var body = command
        body["$db"] = .string(database)
        do {
            return try await connection.command(body, sequences: sequences, timeout: Self.remaining(until: deadline))
        } catch let error as MongoError where error.code == .server && error.serverCode.map(Self.notPrimaryCodes.contains) == true {
            self.logger.debug(
                "MongoDB server is no longer primary",
                metadata: [MongoLoggingKey.address: "\(connection.address)", MongoLoggingKey.error: "\(error)"]
            )
            self.primaryLost(at: connection.address)
            throw error
        }
    }

    static func remaining(until deadline: ContinuousClock.Instant) -> Duration {
        max(.milliseconds(1), deadline - .now)
    }

    /// A connection to the primary: waits, up to `deadline`, only while the client has not yet tried to find one.
    func connection(deadline: ContinuousClock.Instant) async throws -> MongoConnection {
        while true {
            switch self.pick() {
            case .use(let connection):
                return connection
            case .fail(let error):
                throw error
            case .wait(let generation):
                guard ContinuousClock.now < deadline else {
                    throw MongoError.connectionUnavailable("no connection to the primary came up within the request timeout")
                }
                await self.waitForChange(after: generation, deadline: deadline)
                try Task.checkCancellation()
            }
        }
    }

    private func pick() -> Pick {
        self.state.withLock { state in
            switch state.lifecycle {
            case .shutDown:
                return .fail(.clientShutDown)
            case .idle:
                return .wait(generation: state.generation)
            case .running:
                break
            }
            let live = state.slots.compactMap { $0 }.filter(\.isActive)
            if let connection = live.min(by: { $0.inFlightCount < $1.inFlightCount }) {
                return .use(connection)
            }
            if !state.started {
                return .wait(generation: state.generation)
            }
            var message = "no connection to a primary is up"
            if let primary = state.primary {
                message = "no connection to the primary \(primary) is up"
            }
            if let lastError = state.lastError {
                message += " (last attempt: \(lastError))"
            }
            if let lastError = state.lastError, lastError.code == .noPrimary || lastError.code == .authenticationFailed {
                return .fail(MongoError(code: lastError.code, message: message, serverCode: lastError.serverCode, codeName: lastError.codeName))
            }
            return .fail(.connectionUnavailable(message))
        }
    }

    private func waitForChange(after generation: Int, deadline: ContinuousClock.Instant) async {
        let id = self.state.withLock { state in
            defer { state.nextWaiterID += 1 }
            state.waiters[state.nextWaiterID] = .pending
            return state.nextWaiterID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state in
                        guard state.generation == generation, case .pending = state.waiters[id] else {
                            return true
                        }
                        state.waiters[id] = .waiting(continuation)
                        return false
                    }
                    if resumeNow {
                        continuation.resume()
                    }
                }
            }
            group.addTask {
                // Ends at the deadline or when cancelled (the caller's task, or the group once the waiter is done).
                try? await Task.sleep(until: deadline)
                let waiter = self.state.withLock { state in
                    defer { state.waiters[id] = .done }
                    return state.waiters[id]
                }
                if case .waiting(let continuation) = waiter {
                    continuation.resume()
                }
            }
            await group.next()
            group.cancelAll()
        }
        self.state.withLock { state in
            state.waiters[id] = nil
        }
    }

    private static func resume(_ waiters: [CheckedContinuation<Void, Never>]) {
        for waiter in waiters {
            waiter.resume()
        }
    }

    // MARK: - Discovery and the pool

    /// Asks the seed list, then the members servers named, for the writable primary, and returns a connection to it.
    private func discoverPrimary(sslContext: NIOSSLContext?) async throws -> MongoConnection {
        if self.configuration.directConnection {
            // The one host as it is, whatever its role: the caller asked for exactly this server.
            return try await self.connect(to: self.configuration.hosts[0], sslContext: sslContext)
        }
        var candidates = self.configuration.hosts + self.state.withLock { $0.knownHosts }
        var tried = Set<MongoServerAddress>()
        var reasons: [String] = []
        var answered = false
        while let address = candidates.first {
            candidates.removeFirst()
            guard tried.insert(address).inserted else {
                continue
            }
            let connection: MongoConnection
            do {
                connection = try await self.connect(to: address, sslContext: sslContext)
            } catch let error as MongoError where error.code == .authenticationFailed {
                throw error
            } catch {
                reasons.append("\(address): \(error)")
                continue
            }
            answered = true
            let description = connection.serverDescription
            self.learn(description)
            if let replicaSet = self.configuration.replicaSet, description.setName != replicaSet {
                reasons.append("\(address): in replica set \(description.setName ?? "none"), not \(replicaSet)")
                connection.close()
                continue
            }
            if description.isWritable {
                return connection
            }
            connection.close()
            reasons.append("\(address): not a writable primary")
            // The member's view of who is primary goes first; the members it lists follow the rest.
            if let primary = description.primary.flatMap(MongoServerAddress.init) {
                candidates.insert(primary, at: 0)
            }
            candidates += description.hosts.compactMap(MongoServerAddress.init)
        }
        let summary = reasons.joined(separator: "; ")
        if answered {
            throw MongoError.noPrimary("no server is a writable primary (\(summary))")
        }
        throw MongoError.connectionUnavailable("no server answered (\(summary))")
    }

    private func learn(_ description: MongoServerDescription) {
        let members = description.hosts.compactMap(MongoServerAddress.init)
        guard !members.isEmpty else {
            return
        }
        self.state.withLock { state in
            for member in members where !state.knownHosts.contains(member) && !self.configuration.hosts.contains(member) {
                state.knownHosts.append(member)
            }
        }
    }

    /// Keeps the pool's connections to the primary up until the primary is lost or the task is cancelled.
    private func serve(primary connection: MongoConnection, sslContext: NIOSSLContext?) async {
        let slots = self.state.withLock { state in
            state.primary = connection.address
            state.primaryLost = false
            return state.slots.count
        }
        self.logger.debug(
            "MongoDB primary found",
            metadata: [MongoLoggingKey.address: "\(connection.address)", MongoLoggingKey.setName: "\(connection.serverDescription.setName ?? "-")"]
        )
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<slots {
                group.addTask {
                    await self.keepConnected(slot: slot, to: connection.address, first: slot == 0 ? connection : nil, sslContext: sslContext)
                }
            }
        }
        self.state.withLock { state in
            state.primary = nil
        }
    }

    /// Keeps one slot of the pool connected to `address` until the primary is lost or the task is cancelled.
    private func keepConnected(slot: Int, to address: MongoServerAddress, first: MongoConnection?, sslContext: NIOSSLContext?) async {
        var backoff = MongoReconnectBackoff(
            initialDelay: self.configuration.reconnectInitialDelay,
            maximumDelay: self.configuration.reconnectMaximumDelay
        )
        var next = first
        var failures = 0
        while !Task.isCancelled && !self.state.withLock({ $0.primaryLost }) {
            let connection: MongoConnection
            if let next {
                connection = next
            } else {
                do {
                    connection = try await self.connect(to: address, sslContext: sslContext)
                } catch {
                    failures += 1
                    let mongoError = error as? MongoError ?? .connectionUnavailable("\(error)")
                    let (waiters, rediscover) = self.state.withLock { state in
                        state.lastError = mongoError
                        // Another server may have become primary: look again once the whole pool is down, unless the
                        // configuration pins this one host.
                        let otherServers = self.configuration.hosts.count + state.knownHosts.count > 1
                        let rediscover =
                            !self.configuration.directConnection && otherServers && failures >= 2
                            && state.slots.allSatisfy { $0?.isActive != true }
                        return (state.changed(), rediscover)
                    }
                    Self.resume(waiters)
                    if rediscover || mongoError.code == .authenticationFailed {
                        self.primaryLost(at: address)
                        return
                    }
                    let delay = backoff.nextDelay()
                    self.logger.trace("MongoDB reconnect scheduled", metadata: [MongoLoggingKey.delay: "\(delay)"])
                    try? await Task.sleep(for: delay)
                    continue
                }
            }
            next = nil
            guard connection.serverDescription.isWritable || self.configuration.directConnection else {
                connection.close()
                self.primaryLost(at: address)
                return
            }
            let (registered, waiters) = self.state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                guard state.lifecycle == .running, !state.primaryLost else {
                    return (false, [])
                }
                state.slots[slot] = connection
                state.started = true
                state.lastError = nil
                return (true, state.changed())
            }
            Self.resume(waiters)
            guard registered else {
                connection.close()
                return
            }
            backoff.reset()
            failures = 0
            await withTaskCancellationHandler {
                try? await connection.channel.closeFuture.get()
            } onCancel: {
                connection.close()
            }
            self.state.withLock { state in
                if state.slots[slot] === connection {
                    state.slots[slot] = nil
                    state.lastError = .connectionClosed("the connection to \(address) closed")
                }
            }
            self.logger.debug("MongoDB connection closed", metadata: [MongoLoggingKey.connectionID: "\(connection.id)"])
        }
    }

    /// The server at `address` is no longer the primary (or no longer answers): closes the pool so the primary is
    /// searched for again.
    private func primaryLost(at address: MongoServerAddress) {
        let connections = self.state.withLock { state -> [MongoConnection] in
            guard state.primary == address, !state.primaryLost else {
                return []
            }
            state.primaryLost = true
            let connections = state.slots.compactMap { $0 }
            state.slots = state.slots.map { _ in nil }
            return connections
        }
        for connection in connections {
            connection.close()
        }
    }

    private func connect(to address: MongoServerAddress, sslContext: NIOSSLContext?) async throws -> MongoConnection {
        let id = self.state.withLock { state in
            defer { state.nextConnectionID += 1 }
            return state.nextConnectionID
        }
        return try await MongoConnection.connect(
            to: address,
            configuration: self.configuration,
            sslContext: sslContext,
            id: id,
            eventLoop: self.eventLoopGroup.next(),
            logger: self.logger
        )
    }

    private func shutDown() {
        let (connections, waiters) = self.state.withLock { state in
            state.lifecycle = .shutDown
            let connections = state.slots.compactMap { $0 }
            state.slots = state.slots.map { _ in nil }
            return (connections, state.changed())
        }
        for connection in connections {
            connection.close()
        }
        Self.resume(waiters)
    }
}
