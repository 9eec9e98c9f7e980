/// The life of one connection as a value: every event returns the action the channel handler must perform.
///
/// Requests are multiplexed: each gets a fresh `requestID` and its answer is the message whose `responseTo` names it,
/// in whatever order the server sends them. A request that timed out is remembered as discarded, so its late answer
/// is dropped quietly; an answer that names no request at all means the stream cannot be trusted, and closes it.
///
/// The connection is ready only once the server has answered `hello` and, with credentials, the SCRAM-SHA-256
/// conversation has proven both sides; a request before that is refused as unavailable, without a byte written.
///
/// What a request's failure means, for a caller deciding whether to retry:
/// - refused before it was written (not set up yet, or closing or closed): `.connectionUnavailable`; nothing was
///   sent, so any command may be retried;
/// - accepted while ready, then the connection dropped before the answer: `.connectionClosed`; the command may have
///   run on the server.
struct MongoConnectionStateMachine {
    typealias RequestID = Int32

    /// The user the handshake authenticates, on the database holding the user (`authSource`).
    struct Credentials: Sendable, CustomStringConvertible {
        var username: String
        var password: String
        var database: String

        /// Without the password, so that printing credentials cannot leak it.
        var description: String {
            "\(self.username)@\(self.database)"
        }
    }

    enum State {
        case initialized
        case hello(RequestID)
        case saslStart(RequestID, MongoServerDescription)
        case saslContinue(RequestID, MongoServerDescription, conversationID: BSONValue)
        /// The server wanted one more, empty, round after it sent its final message.
        case saslFinish(RequestID, MongoServerDescription, conversationID: BSONValue)
        case ready(MongoServerDescription)
        /// Closing after an error; answers still arriving are dropped.
        case closing
        case closed
    }

    enum Action {
        case none
        /// Writes a message of the handshake.
        case write(MongoMessage)
        case succeedHandshake(MongoServerDescription)
        /// Fails the connect; the handler also closes the channel when `closeChannel` is true.
        case failHandshake(MongoError, closeChannel: Bool)
        case succeedRequest(RequestID, BSONDocument)
        case failRequests([RequestID], MongoError)
        /// Closes the channel after failing the requests that wait for answers.
        case closeAndFailRequests([RequestID], MongoError)
    }

    enum StartRequestAction: Equatable {
        case write(RequestID)
        case fail(MongoError)
    }

    /// The database `hello` runs on; any database works, this is the conventional one.
    static let helloDatabase = "admin"

    private(set) var state: State = .initialized
    private var pending: Set<RequestID> = []
    private var discarded: Set<RequestID> = []
    private var nextID: RequestID = 1
    private let clientMetadata: BSONDocument
    private let credentials: Credentials?
    private var scram: MongoSCRAM?

    /// - Parameters:
    ///   - clientMetadata: The `client` document of `hello`, sent on the first `hello` of every connection.
    ///   - clientNonce: The nonce of the SCRAM conversation: random in production, fixed in tests.
    init(clientMetadata: BSONDocument, credentials: Credentials?, clientNonce: String) {
        self.clientMetadata = clientMetadata
        self.credentials = credentials
        self.scram = credentials.map { MongoSCRAM(username: $0.username, password: $0.password, clientNonce: clientNonce) }
    }

    /// The server's description, once the handshake is over.
    var serverDescription: MongoServerDescription? {
        if case .ready(let description) = self.state {
            return description
        }
        return nil
    }

    /// How many requests wait for an answer.
    var pendingCount: Int {
        self.pending.count
    }

    /// The channel became active: say hello.
    mutating func channelActive() -> Action {
        guard case .initialized = self.state else {
            preconditionFailure("channelActive in state \(self.state)")
        }
        let id = self.makeRequestID()
        self.state = .hello(id)
        var hello: BSONDocument = [
            "hello": .int32(1),
            "helloOk": .bool(true),
            "client": .document(self.clientMetadata),
        ]
        hello["$db"] = .string(Self.helloDatabase)
        return .write(Self.message(id, hello))
    }

    /// The caller wants to send a command: a ready connection gives it a request id; any other state refuses it
    /// before a byte is written.
    mutating func startRequest() -> StartRequestAction {
        switch self.state {
        case .ready:
            let id = self.makeRequestID()
            self.pending.insert(id)
            return .write(id)
        case .initialized, .hello, .saslStart, .saslContinue, .saslFinish:
            return .fail(.connectionUnavailable("the connection is not set up yet"))
        case .closing, .closed:
            return .fail(.connectionUnavailable("the connection is closing; the command was not sent"))
        }
    }

    /// A request given an id by `startRequest` was not written after all (it could not be encoded).
    mutating func requestNotSent(_ id: RequestID) {
        self.pending.remove(id)
    }

    /// The request's timer fired: it fails, and its answer, should it still come, is dropped.
    mutating func requestTimedOut(_ id: RequestID) -> Action {
        guard self.pending.remove(id) != nil else {
            return .none
        }
        self.discarded.insert(id)
        return .failRequests([id], .timeout())
    }

    /// A complete message arrived from the server.
    mutating func received(_ message: MongoMessage) -> Action {
        switch self.state {
        case .initialized:
            preconditionFailure("a message before the channel became active")
        case .closing, .closed:
            return .none
        default:
            break
        }
        if message.flags.contains(.moreToCome) {
            // Only exhaust cursors and unacknowledged writes stream answers, and this client asks for neither.
            return self.fail(.protocolViolation("the server streamed an answer (moreToCome) that no request asked for"))
        }
        switch self.state {
        case .initialized, .closing, .closed:
            preconditionFailure("handled above")
        case .ready:
            if self.pending.remove(message.responseTo) != nil {
                if let error = Self.commandError(message.body) {
                    return .failRequests([message.responseTo], error)
                }
                return .succeedRequest(message.responseTo, message.body)
            }
            if self.discarded.remove(message.responseTo) != nil {
                return .none
            }
            return self.fail(.protocolViolation("an answer to request \(message.responseTo), which no request waits for"))
        case .hello(let id):
            guard message.responseTo == id else {
                return self.fail(.protocolViolation("an answer to request \(message.responseTo) during hello"))
            }
            if let error = Self.commandError(message.body) {
                return self.fail(error)
            }
            let description = MongoServerDescription(hello: message.body)
            guard let credentials = self.credentials, let scram = self.scram else {
                self.state = .ready(description)
                return .succeedHandshake(description)
            }
            let next = self.makeRequestID()
            self.state = .saslStart(next, description)
            var start: BSONDocument = [
                "saslStart": .int32(1),
                "mechanism": .string(MongoSCRAM.mechanism),
                "payload": .binary(BSONBinary(subtype: BSONBinary.genericSubtype, data: scram.clientFirstMessage)),
                "options": .document(["skipEmptyExchange": .bool(true)]),
            ]
            start["$db"] = .string(credentials.database)
            return .write(Self.message(next, start))
        case .saslStart(let id, let description):
            guard message.responseTo == id else {
                return self.fail(.protocolViolation("an answer to request \(message.responseTo) during saslStart"))
            }
            if let error = Self.commandError(message.body) {
                return self.fail(Self.authenticationError(error))
            }
            guard let conversationID = message.body["conversationId"], let serverFirst = Self.payload(message.body) else {
                return self.fail(.authenticationFailed("saslStart was answered without a conversationId or payload"))
            }
            let clientFinal: [UInt8]
            do {
                clientFinal = try self.scram!.clientFinalMessage(serverFirst: serverFirst)
            } catch {
                return self.fail(.authenticationFailed("the server's first SCRAM message is unusable: \(error)"))
            }
            let next = self.makeRequestID()
            self.state = .saslContinue(next, description, conversationID: conversationID)
            return .write(self.saslContinue(next, conversationID: conversationID, payload: clientFinal))
        case .saslContinue(let id, let description, let conversationID):
            guard message.responseTo == id else {
                return self.fail(.protocolViolation("an answer to request \(message.responseTo) during saslContinue"))
            }
            if let error = Self.commandError(message.body) {
                return self.fail(Self.authenticationError(error))
            }
            guard let serverFinal = Self.payload(message.body) else {
                return self.fail(.authenticationFailed("saslContinue was answered without a payload"))
            }
            do {
                try self.scram!.verify(serverFinal: serverFinal)
            } catch {
                return self.fail(.authenticationFailed("the server did not prove it knows the password: \(error)"))
            }
            self.scram = nil
            if message.body["done"]?.boolValue == true {
                self.state = .ready(description)
                return .succeedHandshake(description)
            }
            let next = self.makeRequestID()
            self.state = .saslFinish(next, description, conversationID: conversationID)
            return .write(self.saslContinue(next, conversationID: conversationID, payload: []))
        case .saslFinish(let id, let description, _):
            guard message.responseTo == id else {
                return self.fail(.protocolViolation("an answer to request \(message.responseTo) during saslContinue"))
            }
            if let error = Self.commandError(message.body) {
                return self.fail(Self.authenticationError(error))
            }
            guard message.body["done"]?.boolValue == true else {
                return self.fail(.authenticationFailed("the SCRAM conversation did not end after the server's final message"))
            }
            self.state = .ready(description)
            return .succeedHandshake(description)
        }
    }

    /// The pipeline caught an error, e.g. garbled bytes from the decoder; the stream cannot be trusted after it.
    mutating func errorCaught(_ error: MongoError) -> Action {
        switch self.state {
        case .closing, .closed:
            return .none
        default:
            return self.fail(error)
        }
    }

    /// The channel closed; requests accepted earlier and still waiting fail with `.connectionClosed`.
    mutating func channelInactive(reason: String? = nil) -> Action {
        let previous = self.state
        self.state = .closed
        let waiting = self.pending.sorted()
        self.pending.removeAll()
        self.discarded.removeAll()
        self.scram = nil
        switch previous {
        case .initialized, .hello, .saslStart, .saslContinue, .saslFinish:
            return .failHandshake(.connectionClosed(reason ?? "the connection closed during the handshake"), closeChannel: false)
        case .ready, .closing:
            return waiting.isEmpty ? .none : .failRequests(waiting, .connectionClosed(reason ?? "the connection closed before the answer arrived"))
        case .closed:
            return .none
        }
    }

    private mutating func fail(_ error: MongoError) -> Action {
        let previous = self.state
        self.state = .closing
        let waiting = self.pending.sorted()
        self.pending.removeAll()
        self.discarded.removeAll()
        self.scram = nil
        switch previous {
        case .initialized, .hello, .saslStart, .saslContinue, .saslFinish:
            return .failHandshake(error, closeChannel: true)
        case .ready, .closing, .closed:
            return .closeAndFailRequests(waiting, error)
        }
    }

    private mutating func makeRequestID() -> RequestID {
        // Wraps after 2^31 requests; an id still waiting (a very slow answer) is skipped rather than reused.
        repeat {
            let id = self.nextID
            self.nextID = self.nextID == .max ? 1 : self.nextID + 1
            if !self.pending.contains(id) && !self.discarded.contains(id) {
                return id
            }
        } while true
    }

    private func saslContinue(_ id: RequestID, conversationID: BSONValue, payload: [UInt8]) -> MongoMessage {
        var body: BSONDocument = [
            "saslContinue": .int32(1),
            "conversationId": conversationID,
            "payload": .binary(BSONBinary(subtype: BSONBinary.genericSubtype, data: payload)),
        ]
        body["$db"] = .string(self.credentials?.database ?? Self.helloDatabase)
        return Self.message(id, body)
    }

    private static func message(_ id: RequestID, _ body: BSONDocument) -> MongoMessage {
        MongoMessage(requestID: id, responseTo: 0, flags: [], body: body, sequences: [])
    }

    private static func payload(_ body: BSONDocument) -> [UInt8]? {
        switch body["payload"] {
        case .binary(let binary):
            return binary.data
        case .string(let text):
            return Array(text.utf8)
        default:
            return nil
        }
    }

    /// Any failure of a SASL step is an authentication failure; the server's code (18, `AuthenticationFailed`) is kept.
    private static func authenticationError(_ error: MongoError) -> MongoError {
        .authenticationFailed(error.message, serverCode: error.serverCode, codeName: error.codeName)
    }

    /// The error an answer with `ok` other than 1 stands for; `nil` for a success.
    static func commandError(_ body: BSONDocument) -> MongoError? {
        if Self.isOK(body) {
            return nil
        }
        return .server(
            code: body["code"].flatMap { BSONValue.integer($0) },
            codeName: body["codeName"]?.stringValue,
            message: body["errmsg"]?.stringValue ?? "the command failed without an error message"
        )
    }

    static func isOK(_ body: BSONDocument) -> Bool {
        switch body["ok"] {
        case .double(let value):
            return value == 1
        case .int32(let value):
            return value == 1
        case .int64(let value):
            return value == 1
        case .bool(let value):
            return value
        default:
            return false
        }
    }
}
