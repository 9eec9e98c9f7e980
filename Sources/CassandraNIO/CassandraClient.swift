import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A Cassandra client speaking native protocol v4: `connectionsPerNode` multiplexed connections to each endpoint, kept
/// up in the background while `run()` runs.
///
/// Requests go to the nodes that are up, round-robin, each to the connection of the node with the fewest requests in
/// flight. A node whose connections fail is down and reconnected with exponential backoff; requests meanwhile go to
/// the others, and fail at once with `noHostAvailable` when every node is down.
///
/// A request made before `run()` started, or while the first connect to every node is still under way, waits for a
/// connection, up to `requestTimeout`; it fails with `noHostAvailable` as soon as every node has been tried and is down.
public final class CassandraClient: Sendable, Service {
    private enum Lifecycle {
        case idle
        case running
        case shutDown
    }

    private enum SlotStatus {
        /// The first connect has not finished: requests may wait for it.
        case starting
        case up(CassandraConnection)
        case down
    }

    private struct Node {
        let endpoint: CassandraEndpoint
        var slots: [SlotStatus]
        /// Prepared statements by CQL text; ids are valid on this node only.
        var prepared: [String: CassandraPreparedStatement] = [:]
        var lastError: CassandraError?

        var connections: [CassandraConnection] {
            self.slots.compactMap { slot in
                if case .up(let connection) = slot, connection.isActive {
                    return connection
                }
                return nil
            }
        }

        var isStarting: Bool {
            self.slots.contains { slot in
                if case .starting = slot {
                    return true
                }
                return false
            }
        }
    }

    private struct State {
        var lifecycle: Lifecycle = .idle
        var nodes: [Node]
        var keyspace: String?
        var nextNodeIndex = 0
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

    /// A request waiting for a connection; its deadline and a change race to end the wait, whichever comes first.
    private enum Waiter {
        /// Registered, not suspended yet.
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        /// The wait is over (deadline or change); a continuation arriving late resumes at once.
        case done
    }

    private enum Pick {
        case use(CassandraConnection, node: Int)
        case wait(generation: Int)
        case fail(CassandraError)
    }

    private let configuration: CassandraConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<State>

    /// Creates a client; it connects only once `run()` is called.
    public init(
        configuration: CassandraConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let slots = max(1, configuration.connectionsPerNode)
        let nodes = configuration.endpoints.map { Node(endpoint: $0, slots: Array(repeating: .starting, count: slots)) }
        self.state = Mutex(State(nodes: nodes, keyspace: configuration.keyspace))
    }

    /// Connects to every endpoint and keeps the connections up until the task is cancelled or graceful shutdown is
    /// triggered; then closes everything and returns. Throws when the TLS configuration is invalid, when there are no
    /// endpoints, or when called after shutdown.
    public func run() async throws {
        guard !self.configuration.endpoints.isEmpty else {
            throw CassandraError.invalidArgument("the configuration lists no endpoints")
        }
        let sslContext = try self.configuration.tls.map { try NIOSSLContext(configuration: $0) }
        let slots = try self.state.withLock { state -> [(node: Int, slot: Int)] in
            switch state.lifecycle {
            case .idle:
                state.lifecycle = .running
                return state.nodes.indices.flatMap { node in state.nodes[node].slots.indices.map { (node, $0) } }
            case .running:
                preconditionFailure("CassandraClient.run() called twice")
            case .shutDown:
                throw CassandraError.shutdown
            }
        }
        self.logger.debug("Cassandra client starting", metadata: [CassandraLoggingKey.configuration: "\(self.configuration)"])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for (node, slot) in slots {
                    group.addTask {
                        await self.keepConnected(node: node, slot: slot, sslContext: sslContext)
                    }
                }
            }
        }
        self.shutDown()
        self.logger.debug("Cassandra client stopped")
    }

    /// Runs CQL with a QUERY message: the values bind to `?` markers, encoded by their case, without preparing.
    public func query(_ cql: String, _ values: [CassandraValue] = [], options: CassandraQueryOptions = .init()) async throws -> CassandraResult {
        let deadline = ContinuousClock.now + self.configuration.requestTimeout
        let (connection, _) = try await self.connection(deadline: deadline)
        let parameters = CassandraQueryParameters(options: options, defaultConsistency: self.configuration.consistency, values: values)
        return try await connection.result(.query(cql, parameters), timeout: Self.remaining(until: deadline))
    }

    /// Prepares the CQL once per node (cached by its text) and EXECUTEs it; when the node has forgotten the statement
    /// (`unprepared`, after a restart) it is prepared again and executed once more.
    ///
    /// Rows come back without metadata when the prepared statement described them; values bind at the types the
    /// prepared statement gives (`.int(1)` works for a `bigint` marker). A table altered after preparing may need
    /// `ALTER`-aware invalidation that protocol v4 cannot give: the cached result columns stay as they were.
    public func execute(_ cql: String, _ values: [CassandraValue] = [], options: CassandraQueryOptions = .init()) async throws -> CassandraResult {
        let deadline = ContinuousClock.now + self.configuration.requestTimeout
        let (connection, node) = try await self.connection(deadline: deadline)
        var prepared = try await self.prepared(cql, node: node, connection: connection, deadline: deadline)
        do {
            return try await self.execute(prepared, values, options: options, connection: connection, deadline: deadline)
        } catch let error as CassandraError where error.code == .unprepared {
            self.logger.debug(
                "Cassandra statement unprepared on the node; preparing again",
                metadata: [CassandraLoggingKey.endpoint: "\(connection.endpoint)"]
            )
            self.forgetPrepared([cql], node: node)
            prepared = try await self.prepared(cql, node: node, connection: connection, deadline: deadline)
            return try await self.execute(prepared, values, options: options, connection: connection, deadline: deadline)
        }
    }

    /// Sends the statements as one BATCH, each prepared on the node first (once per distinct CQL text); like `execute`,
    /// an `unprepared` answer prepares again and retries once.
    public func batch(
        _ statements: [CassandraStatement],
        kind: CassandraBatchKind = .unlogged,
        options: CassandraQueryOptions = .init()
    ) async throws {
        guard !statements.isEmpty else {
            return
        }
        let deadline = ContinuousClock.now + self.configuration.requestTimeout
        let (connection, node) = try await self.connection(deadline: deadline)
        var distinct: [String] = []
        var seen = Set<String>()
        for statement in statements where seen.insert(statement.cql).inserted {
            distinct.append(statement.cql)
        }
        for attempt in 0..<2 {
            var prepared: [String: CassandraPreparedStatement] = [:]
            for cql in distinct {
                prepared[cql] = try await self.prepared(cql, node: node, connection: connection, deadline: deadline)
            }
            let batch = Self.batchRequest(
                statements, prepared: prepared, kind: kind, options: options, defaultConsistency: self.configuration.consistency)
            do {
                _ = try await connection.result(batch, timeout: Self.remaining(until: deadline))
                return
            } catch let error as CassandraError where error.code == .unprepared && attempt == 0 {
                self.logger.debug("Cassandra batch statement unprepared on the node; preparing again")
                self.forgetPrepared(distinct, node: node)
            }
        }
    }

    /// The rows of a SELECT across all its pages, via EXECUTE with a paging state; the next page is requested only
    /// when the consumer has iterated through the current one.
    public func rows(
        _ cql: String,
        _ values: [CassandraValue] = [],
        pageSize: Int32 = 5000,
        options: CassandraQueryOptions = .init()
    ) -> CassandraRowSequence {
        CassandraRowSequence(client: self, cql: cql, values: values, pageSize: pageSize, options: options)
    }

    /// Switches every open connection to the keyspace with `USE`, and every connection opened from now on. Statements
    /// prepared so far are forgotten, since unqualified table names now mean other tables.
    public func useKeyspace(_ keyspace: String) async throws {
        let connections = self.state.withLock { state -> [CassandraConnection] in
            state.keyspace = keyspace
            for index in state.nodes.indices {
                state.nodes[index].prepared.removeAll()
            }
            return state.nodes.flatMap(\.connections)
        }
        let deadline = ContinuousClock.now + self.configuration.requestTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask {
                    try await self.use(keyspace, on: connection, deadline: deadline)
                }
            }
            try await group.waitForAll()
        }
    }

    /// Sends OPTIONS and returns the round trip time.
    public func ping() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + self.configuration.requestTimeout
        let (connection, _) = try await self.connection(deadline: deadline)
        _ = try await connection.options(timeout: Self.remaining(until: deadline))
        return clock.now - start
    }

    /// How many connections are up, over all nodes.
    var connectedCount: Int {
        self.state.withLock { state in
            state.nodes.reduce(0) { $0 + $1.connections.count }
        }
    }

    // MARK: - Requests

    private func execute(
        _ prepared: CassandraPreparedStatement,
        _ values: [CassandraValue],
        options: CassandraQueryOptions,
        connection: CassandraConnection,
        deadline: ContinuousClock.Instant
    ) async throws -> CassandraResult {
        let (request, resultColumns) = Self.executeRequest(prepared, values, options: options, defaultConsistency: self.configuration.consistency)
        return try await connection.result(request, timeout: Self.remaining(until: deadline), resultColumns: resultColumns)
    }

    /// The EXECUTE of a prepared statement, and the result columns to read its rows by when it skips their metadata.
    static func executeRequest(
        _ prepared: CassandraPreparedStatement,
        _ values: [CassandraValue],
        options: CassandraQueryOptions,
        defaultConsistency: CassandraConsistency
    ) -> (request: CassandraRequest, resultColumns: [CassandraColumn]?) {
        var parameters = CassandraQueryParameters(options: options, defaultConsistency: defaultConsistency, values: values)
        parameters.valueTypes = prepared.bindColumns.map(\.type)
        // Without result columns from PREPARE there is nothing to read skipped metadata by.
        parameters.skipMetadata = !prepared.resultColumns.isEmpty
        return (.execute(id: prepared.id, parameters), parameters.skipMetadata ? prepared.resultColumns : nil)
    }

    /// The BATCH of statements whose CQL texts are all in `prepared`.
    static func batchRequest(
        _ statements: [CassandraStatement],
        prepared: [String: CassandraPreparedStatement],
        kind: CassandraBatchKind,
        options: CassandraQueryOptions,
        defaultConsistency: CassandraConsistency
    ) -> CassandraRequest {
        .batch(
            CassandraBatchRequest(
                kind: kind,
                entries: statements.map { statement in
                    let statementPrepared = prepared[statement.cql]!
                    return CassandraBatchRequest.Entry(
                        id: statementPrepared.id,
                        values: statement.values,
                        valueTypes: statementPrepared.bindColumns.map(\.type)
                    )
                },
                consistency: options.consistency ?? defaultConsistency,
                serialConsistency: options.serialConsistency,
                timestamp: options.timestamp
            ))
    }

    private func prepared(
        _ cql: String,
        node: Int,
        connection: CassandraConnection,
        deadline: ContinuousClock.Instant
    ) async throws -> CassandraPreparedStatement {
        if let prepared = self.state.withLock({ $0.nodes[node].prepared[cql] }) {
            return prepared
        }
        // Two callers preparing the same text at once both send PREPARE; the node answers both with the same id.
        guard case .prepared(let prepared) = try await connection.result(.prepare(cql), timeout: Self.remaining(until: deadline)) else {
            throw CassandraError.protocolViolation("PREPARE was not answered with a prepared result")
        }
        self.state.withLock { state in
            state.nodes[node].prepared[cql] = prepared
        }
        return prepared
    }

    private func forgetPrepared(_ cqls: [String], node: Int) {
        self.state.withLock { state in
            for cql in cqls {
                state.nodes[node].prepared[cql] = nil
            }
        }
    }

    private func use(_ keyspace: String, on connection: CassandraConnection, deadline: ContinuousClock.Instant) async throws {
        let parameters = CassandraQueryParameters(consistency: self.configuration.consistency)
        let cql = "USE \(CassandraKeyspaceName.cql(keyspace))"
        _ = try await connection.result(.query(cql, parameters), timeout: Self.remaining(until: deadline))
    }

    private static func remaining(until deadline: ContinuousClock.Instant) -> Duration {
        max(.milliseconds(1), deadline - .now)
    }

    // MARK: - Connections

    /// A connection to send on: waits, up to `deadline`, only while a first connect is still under way.
    private func connection(deadline: ContinuousClock.Instant) async throws -> (CassandraConnection, node: Int) {
        while true {
            switch self.pick() {
            case .use(let connection, let node):
                return (connection, node)
            case .fail(let error):
                throw error
            case .wait(let generation):
                guard ContinuousClock.now < deadline else {
                    throw CassandraError.noHostAvailable("no connection came up within the request timeout")
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
                return .fail(.shutdown)
            case .idle:
                return .wait(generation: state.generation)
            case .running:
                break
            }
            let count = state.nodes.count
            for offset in 0..<count {
                let index = (state.nextNodeIndex + offset) % count
                if let connection = state.nodes[index].connections.min(by: { $0.inFlightCount < $1.inFlightCount }) {
                    state.nextNodeIndex = (index + 1) % count
                    return .use(connection, node: index)
                }
            }
            if state.nodes.contains(where: \.isStarting) {
                return .wait(generation: state.generation)
            }
            let reasons = state.nodes.map { node in "\(node.endpoint): \(node.lastError.map { "\($0)" } ?? "down")" }
            return .fail(.noHostAvailable("every node is down (\(reasons.joined(separator: "; ")))"))
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

    private func notifyWaiters(_ waiters: [CheckedContinuation<Void, Never>]) {
        for waiter in waiters {
            waiter.resume()
        }
    }

    private func makeConnectionID() -> Int {
        self.state.withLock { state in
            defer { state.nextConnectionID += 1 }
            return state.nextConnectionID
        }
    }

    /// Keeps the connection of one slot of a node up until the task is cancelled.
    private func keepConnected(node: Int, slot: Int, sslContext: NIOSSLContext?) async {
        let endpoint = self.configuration.endpoints[node]
        var logger = self.logger
        logger[metadataKey: CassandraLoggingKey.endpoint] = "\(endpoint)"
        var backoff = CassandraReconnectBackoff(
            initialDelay: self.configuration.reconnectInitialDelay,
            maximumDelay: self.configuration.reconnectMaximumDelay
        )
        while !Task.isCancelled {
            do {
                let connection = try await CassandraConnection.connect(
                    to: endpoint,
                    configuration: self.configuration,
                    sslContext: sslContext,
                    id: self.makeConnectionID(),
                    eventLoop: self.eventLoopGroup.next(),
                    logger: logger
                )
                let registered: Bool
                do {
                    registered = try await self.register(connection, node: node, slot: slot, logger: logger)
                } catch {
                    // USE timed out or the connection broke: this connection is not handed out, so nothing else closes it.
                    connection.close()
                    throw error
                }
                guard registered else {
                    connection.close()
                    return
                }
                backoff.reset()
                await withTaskCancellationHandler {
                    try? await connection.channel.closeFuture.get()
                } onCancel: {
                    connection.close()
                }
                self.state.withLock { state in
                    if case .up(let current) = state.nodes[node].slots[slot], current === connection {
                        state.nodes[node].slots[slot] = .down
                        state.nodes[node].lastError = .connectionClosed("the connection to \(endpoint) closed")
                    }
                }
                logger.debug("Cassandra connection closed", metadata: [CassandraLoggingKey.connectionID: "\(connection.id)"])
            } catch {
                let cassandraError = error as? CassandraError ?? .connectionFailed("\(error)")
                logger.debug("Cassandra connect failed", metadata: [CassandraLoggingKey.error: "\(cassandraError)"])
                let waiters = self.state.withLock { state in
                    state.nodes[node].slots[slot] = .down
                    state.nodes[node].lastError = cassandraError
                    return state.changed()
                }
                self.notifyWaiters(waiters)
            }
            guard !Task.isCancelled else {
                return
            }
            let delay = backoff.nextDelay()
            logger.trace("Cassandra reconnect scheduled", metadata: [CassandraLoggingKey.delay: "\(delay)"])
            try? await Task.sleep(for: delay)
        }
    }

    /// Switches a new connection to the client's keyspace, then hands it out; false when the client has shut down.
    ///
    /// A keyspace that does not exist (yet) does not fail the connection: the store may be about to create it, and
    /// `useKeyspace` switches every connection once it does.
    private func register(_ connection: CassandraConnection, node: Int, slot: Int, logger: Logger) async throws -> Bool {
        var applied: String?
        while true {
            let outcome = self.state.withLock { state -> (registered: Bool?, keyspace: String?, waiters: [CheckedContinuation<Void, Never>]) in
                guard state.lifecycle == .running else {
                    return (false, nil, [])
                }
                // Registered in the same critical section as the check, so that a concurrent `useKeyspace` either sees
                // this connection or this connection sees its keyspace.
                guard state.keyspace == nil || state.keyspace == applied else {
                    return (nil, state.keyspace, [])
                }
                state.nodes[node].slots[slot] = .up(connection)
                state.nodes[node].lastError = nil
                return (true, nil, state.changed())
            }
            if let registered = outcome.registered {
                self.notifyWaiters(outcome.waiters)
                return registered
            }
            guard let keyspace = outcome.keyspace else {
                return false
            }
            do {
                try await self.use(keyspace, on: connection, deadline: .now + self.configuration.requestTimeout)
            } catch let error as CassandraError where error.code.serverCode != nil {
                logger.debug(
                    "Cassandra USE failed on a new connection",
                    metadata: [CassandraLoggingKey.keyspace: "\(keyspace)", CassandraLoggingKey.error: "\(error)"]
                )
            }
            applied = keyspace
        }
    }

    private func shutDown() {
        let (connections, waiters) = self.state.withLock { state in
            state.lifecycle = .shutDown
            var connections: [CassandraConnection] = []
            for node in state.nodes.indices {
                for slot in state.nodes[node].slots.indices {
                    if case .up(let connection) = state.nodes[node].slots[slot] {
                        connections.append(connection)
                    }
                    state.nodes[node].slots[slot] = .down
                }
            }
            return (connections, state.changed())
        }
        for connection in connections {
            connection.close()
        }
        self.notifyWaiters(waiters)
    }
}
