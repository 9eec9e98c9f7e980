import NIOCore

/// The life of one connection as a value: every event returns the action the channel handler must perform.
///
/// Replies carry no request id in RESP, so the machine keeps one slot per reply it expects, in the order the requests
/// were written. A command that timed out keeps its slot (marked discarded) so that its late reply is consumed
/// and the replies after it still reach the right callers.
///
/// A connection is ready only once the server has answered its handshake, never on TCP connect alone: the kernel
/// completes a connect against the accept queue of a server that may die before the event loop notices, and such a
/// connection must fail its connect rather than be handed out.
///
/// What a command's failure means, for a caller deciding whether to retry:
/// - refused before it was written (not set up yet, or closing or closed): `.connectionUnavailable`; nothing was
///   sent, so any command may be retried;
/// - accepted while ready, then the connection dropped before its reply: `.connectionClosed`; its bytes may have
///   reached the server and run there, so only an idempotent command may be retried blindly.
struct RedisConnectionStateMachine {
    /// Identifies a command's promise in the channel handler; assigned in increasing order.
    typealias CommandID = UInt64

    /// What a connection is for, which decides what happens to replies no command waits for.
    enum Role: Equatable {
        /// Carries commands; RESP3 push frames are dropped and any other unexpected reply is a broken stream.
        case commands
        /// Subscribed to channels; every reply after the handshake is a subscription frame.
        case subscriber
    }

    /// A command of the handshake, which decides how its error reply is reported.
    enum HandshakeStep: Equatable {
        case hello(authenticates: Bool)
        case auth
        case select
        /// Sent when there is nothing to negotiate, so that the server still answers before the connection is ready.
        case ping
    }

    enum Slot: Equatable {
        case handshake(HandshakeStep)
        case command(CommandID)
        /// Timed out: the reply will be read and dropped.
        case discarded
    }

    enum State: Equatable {
        case initialized
        case handshaking
        case ready
        /// Closing after an error; replies still arriving are dropped.
        case closing
        case closed
    }

    enum Action: Equatable {
        case none
        case writeHandshake([RedisCommand])
        case succeedHandshake
        /// Fails the connect; the handler also closes the channel unless it is already closed.
        case failHandshake(RedisError, closeChannel: Bool)
        case writeCommands
        case succeedCommand(CommandID, RESPValue)
        case failCommands([CommandID], RedisError)
        case forwardToSubscriber(RESPValue)
        /// Closes the channel after failing the commands that wait for replies.
        case closeAndFailCommands([CommandID], RedisError)
    }

    private(set) var state: State = .initialized
    private var slots = CircularBuffer<Slot>()
    private let role: Role
    private let handshake: [(step: HandshakeStep, command: RedisCommand)]

    init(configuration: RedisConfiguration, role: Role) {
        self.role = role
        self.handshake = Self.handshake(for: configuration)
    }

    /// The commands that set the connection up, pipelined in one write; never empty.
    static func handshake(for configuration: RedisConfiguration) -> [(step: HandshakeStep, command: RedisCommand)] {
        var steps: [(step: HandshakeStep, command: RedisCommand)] = []
        switch configuration.protocolVersion {
        case .resp3:
            var arguments = ["3"]
            if let password = configuration.password {
                arguments += ["AUTH", configuration.username ?? "default", password]
            }
            steps.append((.hello(authenticates: configuration.password != nil), RedisCommand("HELLO", arguments)))
        case .resp2:
            if let password = configuration.password {
                let arguments = configuration.username.map { [$0, password] } ?? [password]
                steps.append((.auth, RedisCommand("AUTH", arguments)))
            }
        }
        if configuration.database != 0 {
            steps.append((.select, RedisCommand("SELECT", [String(configuration.database)])))
        }
        if steps.isEmpty {
            steps.append((.ping, RedisCommand("PING")))
        }
        return steps
    }

    /// The channel became active: start the handshake. The connection is not ready until the server answers it.
    mutating func channelActive() -> Action {
        guard self.state == .initialized else {
            preconditionFailure("channelActive in state \(self.state)")
        }
        self.state = .handshaking
        for step in self.handshake {
            self.slots.append(.handshake(step.step))
        }
        return .writeHandshake(self.handshake.map(\.command))
    }

    /// The caller wants to write commands whose replies will complete `ids`, in order.
    ///
    /// Only a ready connection accepts them; any other state refuses them before a byte is written, as unavailable.
    mutating func sendCommands(_ ids: [CommandID]) -> Action {
        switch self.state {
        case .ready:
            for id in ids {
                self.slots.append(.command(id))
            }
            return .writeCommands
        case .initialized, .handshaking:
            return .failCommands(ids, .connectionUnavailable("the connection is not set up yet"))
        case .closing, .closed:
            return .failCommands(ids, .connectionUnavailable("the connection is closing; the command was not sent"))
        }
    }

    /// The command timer for `ids` fired; those still waiting fail, their slots stay to absorb the late replies.
    mutating func commandsTimedOut(_ ids: ClosedRange<CommandID>) -> Action {
        var timedOut: [CommandID] = []
        for index in self.slots.indices {
            if case .command(let id) = self.slots[index], ids.contains(id) {
                self.slots[index] = .discarded
                timedOut.append(id)
            }
        }
        return timedOut.isEmpty ? .none : .failCommands(timedOut, .timeout())
    }

    /// A complete value arrived from the server.
    mutating func received(_ value: RESPValue) -> Action {
        switch self.state {
        case .initialized:
            preconditionFailure("a reply before the channel became active")
        case .closing, .closed:
            return .none
        case .handshaking, .ready:
            break
        }
        if case .push = value {
            // Push frames are never replies to a command (RESP3 sends them out of band).
            return self.role == .subscriber && self.state == .ready ? .forwardToSubscriber(value) : .none
        }
        guard let slot = self.slots.popFirst() else {
            if self.role == .subscriber && self.state == .ready {
                return .forwardToSubscriber(value)
            }
            return self.fail(.protocolError("a reply arrived that no command was waiting for"))
        }
        switch slot {
        case .discarded:
            return .none
        case .command(let id):
            if case .error(let message) = value {
                return .failCommands([id], .serverError(message))
            }
            return .succeedCommand(id, value)
        case .handshake(let step):
            if case .error(let message) = value {
                self.state = .closing
                self.slots.removeAll()
                return .failHandshake(Self.handshakeError(step: step, message: message), closeChannel: true)
            }
            if self.slots.isEmpty {
                self.state = .ready
                return .succeedHandshake
            }
            return .none
        }
    }

    /// The pipeline caught an error, e.g. malformed bytes from the decoder; the stream cannot be trusted after it.
    mutating func errorCaught(_ error: RedisError) -> Action {
        switch self.state {
        case .initialized, .handshaking, .ready:
            return self.fail(error)
        case .closing, .closed:
            return .none
        }
    }

    /// The channel closed; commands accepted earlier and still waiting fail with `.connectionClosed`.
    mutating func channelInactive() -> Action {
        let previous = self.state
        self.state = .closed
        let waiting = self.pendingCommandIDs()
        self.slots.removeAll()
        switch previous {
        case .initialized, .handshaking:
            return .failHandshake(.connectionClosed("the connection closed during the handshake"), closeChannel: false)
        case .ready, .closing:
            return waiting.isEmpty ? .none : .failCommands(waiting, .connectionClosed())
        case .closed:
            return .none
        }
    }

    private mutating func fail(_ error: RedisError) -> Action {
        let previous = self.state
        self.state = .closing
        let waiting = self.pendingCommandIDs()
        self.slots.removeAll()
        if previous == .handshaking || previous == .initialized {
            return .failHandshake(error, closeChannel: true)
        }
        return .closeAndFailCommands(waiting, error)
    }

    private func pendingCommandIDs() -> [CommandID] {
        self.slots.compactMap { slot in
            if case .command(let id) = slot {
                return id
            }
            return nil
        }
    }

    private static func handshakeError(step: HandshakeStep, message: String) -> RedisError {
        // NOAUTH/WRONGPASS can answer any step (SELECT without AUTH on a protected server); an error to a step that
        // carries credentials is an authentication failure unless the server does not know the command at all.
        if message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") {
            return .authenticationFailed(message)
        }
        switch step {
        case .auth, .hello(authenticates: true):
            if message.hasPrefix("NOPROTO") || message.hasPrefix("ERR unknown command") {
                return .serverError(message)
            }
            return .authenticationFailed(message)
        case .hello(authenticates: false), .select, .ping:
            return .serverError(message)
        }
    }
}
