/// The life of one connection as a value: every event returns the action the channel handler must perform.
///
/// Requests are multiplexed over stream ids and answers come back in any order. A request that timed out keeps its
/// stream id reserved until its answer arrives or the connection ends, so that a late answer is never taken for the
/// answer to a newer request that reused the id.
///
/// The handshake runs on stream 0 before any request is accepted: STARTUP, then either READY, or AUTHENTICATE answered
/// with a SASL PLAIN AUTH_RESPONSE (again for every AUTH_CHALLENGE) until AUTH_SUCCESS.
struct CassandraConnectionStateMachine {
    typealias StreamID = Int16

    /// Stream ids are non-negative `[short]`s: 0...32767.
    static let streamCount = 32768

    enum State: Equatable {
        case initialized
        /// STARTUP sent, waiting for READY or AUTHENTICATE.
        case startingUp
        /// An AUTH_RESPONSE sent, waiting for AUTH_SUCCESS or AUTH_CHALLENGE.
        case authenticating
        case ready
        /// Closing after an error; answers still arriving are dropped.
        case closing
        case closed
    }

    private enum Stream: Equatable {
        /// A caller waits for the answer.
        case inFlight
        /// The caller gave up; the answer will be read and dropped, and only then is the id free again.
        case timedOut
    }

    enum Action: Equatable {
        case none
        /// Writes a handshake message on stream 0.
        case writeHandshake(CassandraRequest)
        case succeedHandshake
        /// Fails the connect; the handler also closes the channel unless it is already closed.
        case failHandshake(CassandraError, closeChannel: Bool)
        /// Writes the caller's request with this stream id.
        case writeRequest(StreamID)
        /// Refuses the caller's request before a byte of it is written.
        case refuseRequest(CassandraError)
        case succeedRequest(StreamID, CassandraFrame)
        case failRequests([StreamID], CassandraError)
        /// Closes the channel after failing the requests that wait for answers.
        case closeAndFailRequests([StreamID], CassandraError)
    }

    private(set) var state: State = .initialized
    private let credentials: PlainCredentials?
    private var streams: [StreamID: Stream] = [:]
    /// Ids answered and free again, reused before fresh ones.
    private var freeStreams: [StreamID] = []
    /// The lowest id never handed out yet.
    private var nextFreshStream = 0

    init(credentials: PlainCredentials?) {
        self.credentials = credentials
    }

    /// Ids reserved: waiting for an answer, or timed out and waiting for the late answer.
    var reservedStreamCount: Int {
        self.streams.count
    }

    /// The channel became active: start the handshake.
    mutating func channelActive() -> Action {
        guard self.state == .initialized else {
            preconditionFailure("channelActive in state \(self.state)")
        }
        self.state = .startingUp
        return .writeHandshake(.startup)
    }

    /// A caller wants to write a request; only a ready connection with a free stream id takes it.
    mutating func sendRequest() -> Action {
        switch self.state {
        case .ready:
            guard let stream = self.allocateStream() else {
                return .refuseRequest(
                    CassandraError(code: .streamIDsExhausted, message: "all \(Self.streamCount) stream ids of the connection are in use")
                )
            }
            self.streams[stream] = .inFlight
            return .writeRequest(stream)
        case .initialized, .startingUp, .authenticating:
            return .refuseRequest(.connectionClosed("the connection is not set up yet; the request was not sent"))
        case .closing, .closed:
            return .refuseRequest(.connectionClosed("the connection is closing; the request was not sent"))
        }
    }

    /// The request timer of `stream` fired: the caller fails, the id stays reserved for the late answer.
    mutating func requestTimedOut(_ stream: StreamID) -> Action {
        guard self.streams[stream] == .inFlight else {
            return .none
        }
        self.streams[stream] = .timedOut
        return .failRequests([stream], .requestTimeout())
    }

    /// A complete frame arrived from the server.
    mutating func received(_ frame: CassandraFrame) -> Action {
        switch self.state {
        case .initialized:
            preconditionFailure("a frame before the channel became active")
        case .closing, .closed:
            return .none
        case .startingUp, .authenticating, .ready:
            break
        }
        // Negative ids are the server's own streams; EVENT (-1) arrives only after REGISTER, which is never sent, but
        // a server pushing one anyway must not break the connection.
        if frame.stream < 0 {
            return .none
        }
        if self.state == .ready {
            switch self.streams.removeValue(forKey: frame.stream) {
            case .inFlight:
                self.freeStreams.append(frame.stream)
                return .succeedRequest(frame.stream, frame)
            case .timedOut:
                self.freeStreams.append(frame.stream)
                return .none
            case nil:
                return self.fail(.protocolViolation("an answer on stream \(frame.stream), which no request waits for"))
            }
        }
        guard frame.stream == 0 else {
            return self.fail(.protocolViolation("an answer on stream \(frame.stream) during the handshake, which uses stream 0"))
        }
        let response: CassandraResponse
        do {
            response = try CassandraResponse(decoding: frame)
        } catch {
            return self.fail(error as? CassandraError ?? .protocolViolation("\(error)"))
        }
        return self.handshakeResponse(response)
    }

    private mutating func handshakeResponse(_ response: CassandraResponse) -> Action {
        switch (self.state, response) {
        case (.startingUp, .ready), (.authenticating, .authSuccess):
            self.state = .ready
            return .succeedHandshake
        case (.startingUp, .authenticate(let authenticator)):
            guard let credentials = self.credentials else {
                return self.fail(
                    CassandraError(
                        code: .authenticationError,
                        message: "the server requires authentication (\(authenticator)) but no username and password are configured"
                    )
                )
            }
            self.state = .authenticating
            return .writeHandshake(.authResponse(credentials.token))
        case (.authenticating, .authChallenge):
            // PLAIN has a single step; a server that challenges again gets the same answer rather than a hang.
            guard let credentials = self.credentials else {
                preconditionFailure("authenticating without credentials")
            }
            return .writeHandshake(.authResponse(credentials.token))
        case (_, .error(let error)):
            return self.fail(error)
        default:
            return self.fail(.protocolViolation("unexpected \(response) during the handshake (state \(self.state))"))
        }
    }

    /// The pipeline caught an error, e.g. a malformed or oversized frame; the stream cannot be trusted after it.
    mutating func errorCaught(_ error: CassandraError) -> Action {
        switch self.state {
        case .initialized, .startingUp, .authenticating, .ready:
            return self.fail(error)
        case .closing, .closed:
            return .none
        }
    }

    /// The channel closed; requests still waiting fail with `connectionClosed`.
    mutating func channelInactive() -> Action {
        let previous = self.state
        self.state = .closed
        let waiting = self.takeInFlightStreams()
        switch previous {
        case .initialized, .startingUp, .authenticating:
            return .failHandshake(.connectionFailed("the connection closed during the handshake"), closeChannel: false)
        case .ready, .closing:
            return waiting.isEmpty ? .none : .failRequests(waiting, .connectionClosed())
        case .closed:
            return .none
        }
    }

    private mutating func fail(_ error: CassandraError) -> Action {
        let previous = self.state
        self.state = .closing
        let waiting = self.takeInFlightStreams()
        switch previous {
        case .initialized, .startingUp, .authenticating:
            return .failHandshake(error, closeChannel: true)
        case .ready, .closing, .closed:
            return .closeAndFailRequests(waiting, error)
        }
    }

    private mutating func takeInFlightStreams() -> [StreamID] {
        let waiting = self.streams.filter { $0.value == .inFlight }.keys.sorted()
        self.streams.removeAll()
        self.freeStreams.removeAll()
        return waiting
    }

    private mutating func allocateStream() -> StreamID? {
        if let stream = self.freeStreams.popLast() {
            return stream
        }
        guard self.nextFreshStream < Self.streamCount else {
            return nil
        }
        defer { self.nextFreshStream += 1 }
        return StreamID(self.nextFreshStream)
    }
}
