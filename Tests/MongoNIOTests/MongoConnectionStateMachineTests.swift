import Testing

@testable import MongoNIO

@Suite("Connection state machine")
struct MongoConnectionStateMachineTests {
    typealias Machine = MongoConnectionStateMachine

    static let metadata = MongoClientMetadata.document(appName: "tests")
    static let helloReply: BSONDocument = [
        "ok": .double(1),
        "isWritablePrimary": .bool(true),
        "maxBsonObjectSize": .int32(16_777_216),
        "maxMessageSizeBytes": .int32(48_000_000),
        "maxWriteBatchSize": .int32(100_000),
        "maxWireVersion": .int32(21),
    ]

    /// RFC 7677's example conversation for SCRAM-SHA-256, user "user", password "pencil".
    enum RFC7677 {
        static let clientNonce = "rOprNGfwEbeRWgbNEkqO"
        static let clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
        static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        static let clientFinal =
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        static let credentials = Machine.Credentials(username: "user", password: "pencil", database: "admin")
    }

    static func reply(to id: Int32, _ body: BSONDocument, flags: MongoMessageFlags = []) -> MongoMessage {
        MongoMessage(requestID: 1000 + id, responseTo: id, flags: flags, body: body, sequences: [])
    }

    static func payload(_ text: String) -> BSONValue {
        .binary(BSONBinary(subtype: 0, data: Array(text.utf8)))
    }

    /// A machine whose hello has been answered, without credentials.
    static func ready() -> Machine {
        var machine = Machine(clientMetadata: Self.metadata, credentials: nil, clientNonce: "unused")
        guard case .write(let hello) = machine.channelActive() else {
            Issue.record("no hello")
            return machine
        }
        _ = machine.received(Self.reply(to: hello.requestID, Self.helloReply))
        return machine
    }

    static func requestID(_ machine: inout Machine) throws -> Int32 {
        guard case .write(let id) = machine.startRequest() else {
            throw MongoError.protocolViolation("the request was refused")
        }
        return id
    }

    @Test("hello carries the client metadata and helloOk on admin; its answer makes the connection ready with the server's limits")
    func hello() throws {
        var machine = Machine(clientMetadata: Self.metadata, credentials: nil, clientNonce: "unused")
        guard case .write(let hello) = machine.channelActive() else {
            Issue.record("channelActive did not write hello")
            return
        }
        #expect(hello.body.keys == ["hello", "helloOk", "client", "$db"])
        #expect(hello.body["helloOk"] == .bool(true))
        #expect(hello.body["$db"] == .string("admin"))
        let client = try #require(hello.body["client"]?.documentValue)
        #expect(client.keys == ["driver", "os", "application"])
        #expect(client["driver"]?.documentValue?["name"] == .string("MongoNIO"))
        #expect(client["os"]?.documentValue?["type"]?.stringValue?.isEmpty == false)
        #expect(client["application"]?.documentValue?["name"] == .string("tests"))
        #expect(machine.startRequest() == .fail(.connectionUnavailable("the connection is not set up yet")))

        var reply = Self.helloReply
        reply["maxMessageSizeBytes"] = .int32(1_000_000)
        guard case .succeedHandshake(let description) = machine.received(Self.reply(to: hello.requestID, reply)) else {
            Issue.record("hello's answer did not complete the handshake")
            return
        }
        #expect(description.maxMessageSizeBytes == 1_000_000)
        #expect(description.role == .standalone)
        #expect(machine.serverDescription == description)
    }

    @Test("hello answered with ok: 0 fails the handshake with the server's error")
    func helloRefused() {
        var machine = Machine(clientMetadata: Self.metadata, credentials: nil, clientNonce: "unused")
        guard case .write(let hello) = machine.channelActive() else {
            Issue.record("no hello")
            return
        }
        let refusal: BSONDocument = ["ok": .double(0), "errmsg": .string("no"), "code": .int32(2), "codeName": .string("BadValue")]
        guard case .failHandshake(let error, closeChannel: true) = machine.received(Self.reply(to: hello.requestID, refusal)) else {
            Issue.record("the refusal did not fail the handshake")
            return
        }
        #expect(error.code == .server)
        #expect(error.serverCode == 2)
        #expect(error.codeName == "BadValue")
    }

    @Test("SCRAM-SHA-256 with RFC 7677's values: saslStart, saslContinue, the server's signature checked")
    func scramConversation() throws {
        var machine = Machine(clientMetadata: Self.metadata, credentials: RFC7677.credentials, clientNonce: RFC7677.clientNonce)
        guard case .write(let hello) = machine.channelActive() else {
            Issue.record("no hello")
            return
        }
        guard case .write(let start) = machine.received(Self.reply(to: hello.requestID, Self.helloReply)) else {
            Issue.record("hello's answer did not start SASL")
            return
        }
        #expect(start.body.keys == ["saslStart", "mechanism", "payload", "options", "$db"])
        #expect(start.body["mechanism"] == .string("SCRAM-SHA-256"))
        #expect(start.body["payload"] == Self.payload(RFC7677.clientFirst))
        #expect(start.body["options"] == .document(["skipEmptyExchange": .bool(true)]))
        #expect(start.body["$db"] == .string("admin"))
        #expect(machine.startRequest() == .fail(.connectionUnavailable("the connection is not set up yet")))

        let first: BSONDocument = [
            "conversationId": .int32(1), "done": .bool(false), "payload": Self.payload(RFC7677.serverFirst), "ok": .double(1),
        ]
        guard case .write(let continuation) = machine.received(Self.reply(to: start.requestID, first)) else {
            Issue.record("saslStart's answer did not continue")
            return
        }
        #expect(continuation.body.keys == ["saslContinue", "conversationId", "payload", "$db"])
        #expect(continuation.body["conversationId"] == .int32(1))
        #expect(continuation.body["payload"] == Self.payload(RFC7677.clientFinal))

        let final: BSONDocument = [
            "conversationId": .int32(1), "done": .bool(true), "payload": Self.payload(RFC7677.serverFinal), "ok": .double(1),
        ]
        guard case .succeedHandshake = machine.received(Self.reply(to: continuation.requestID, final)) else {
            Issue.record("the server's final message did not complete the handshake")
            return
        }
        _ = try Self.requestID(&machine)
    }

    @Test("a server that wants the empty exchange gets an empty saslContinue before the connection is ready")
    func scramEmptyExchange() {
        var machine = Machine(clientMetadata: Self.metadata, credentials: RFC7677.credentials, clientNonce: RFC7677.clientNonce)
        guard case .write(let hello) = machine.channelActive(),
            case .write(let start) = machine.received(Self.reply(to: hello.requestID, Self.helloReply)),
            case .write(let continuation) = machine.received(
                Self.reply(
                    to: start.requestID,
                    ["conversationId": .int32(7), "done": .bool(false), "payload": Self.payload(RFC7677.serverFirst), "ok": .int32(1)])
            ),
            case .write(let empty) = machine.received(
                Self.reply(
                    to: continuation.requestID,
                    ["conversationId": .int32(7), "done": .bool(false), "payload": Self.payload(RFC7677.serverFinal), "ok": .int32(1)])
            )
        else {
            Issue.record("the conversation did not reach the empty exchange")
            return
        }
        #expect(empty.body["payload"] == Self.payload(""))
        #expect(empty.body["conversationId"] == .int32(7))
        guard
            case .succeedHandshake = machine.received(
                Self.reply(to: empty.requestID, ["conversationId": .int32(7), "done": .bool(true), "payload": Self.payload(""), "ok": .int32(1)]))
        else {
            Issue.record("done did not complete the handshake")
            return
        }
    }

    @Test("wrong credentials: the server's code 18 fails the handshake as authenticationFailed")
    func authenticationFailed() {
        var machine = Machine(clientMetadata: Self.metadata, credentials: RFC7677.credentials, clientNonce: RFC7677.clientNonce)
        guard case .write(let hello) = machine.channelActive(),
            case .write(let start) = machine.received(Self.reply(to: hello.requestID, Self.helloReply))
        else {
            Issue.record("no saslStart")
            return
        }
        let refusal: BSONDocument = [
            "ok": .double(0), "errmsg": .string("Authentication failed."), "code": .int32(18), "codeName": .string("AuthenticationFailed"),
        ]
        guard case .failHandshake(let error, closeChannel: true) = machine.received(Self.reply(to: start.requestID, refusal)) else {
            Issue.record("the refusal did not fail the handshake")
            return
        }
        #expect(error.code == .authenticationFailed)
        #expect(error.serverCode == 18)
        #expect(!error.description.contains("pencil"))
    }

    @Test("a server signature that does not match fails the handshake: the server did not prove it knows the password")
    func wrongServerSignature() {
        var machine = Machine(clientMetadata: Self.metadata, credentials: RFC7677.credentials, clientNonce: RFC7677.clientNonce)
        guard case .write(let hello) = machine.channelActive(),
            case .write(let start) = machine.received(Self.reply(to: hello.requestID, Self.helloReply)),
            case .write(let continuation) = machine.received(
                Self.reply(
                    to: start.requestID,
                    ["conversationId": .int32(1), "done": .bool(false), "payload": Self.payload(RFC7677.serverFirst), "ok": .int32(1)])
            )
        else {
            Issue.record("no saslContinue")
            return
        }
        let forged: BSONDocument = [
            "conversationId": .int32(1), "done": .bool(true), "payload": Self.payload("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            "ok": .int32(1),
        ]
        guard case .failHandshake(let error, closeChannel: true) = machine.received(Self.reply(to: continuation.requestID, forged)) else {
            Issue.record("a forged signature did not fail the handshake")
            return
        }
        #expect(error.code == .authenticationFailed)
    }

    @Test("answers are matched by responseTo, in any order")
    func outOfOrder() throws {
        var machine = Self.ready()
        let first = try Self.requestID(&machine)
        let second = try Self.requestID(&machine)
        #expect(first != second)
        #expect(machine.pendingCount == 2)
        guard case .succeedRequest(second, let body) = machine.received(Self.reply(to: second, ["ok": .double(1), "n": .int32(2)])) else {
            Issue.record("the second answer did not complete the second request")
            return
        }
        #expect(body["n"] == .int32(2))
        guard case .succeedRequest(first, _) = machine.received(Self.reply(to: first, ["ok": .double(1)])) else {
            Issue.record("the first answer did not complete the first request")
            return
        }
        #expect(machine.pendingCount == 0)
    }

    @Test("ok: 0 fails that request with the server's code, name and message; the connection stays up")
    func serverError() throws {
        var machine = Self.ready()
        let id = try Self.requestID(&machine)
        let answer: BSONDocument = [
            "ok": .double(0), "errmsg": .string("ns not found"), "code": .int32(26), "codeName": .string("NamespaceNotFound"),
        ]
        guard case .failRequests([id], let error) = machine.received(Self.reply(to: id, answer)) else {
            Issue.record("ok: 0 did not fail the request")
            return
        }
        #expect(error == .server(code: 26, codeName: "NamespaceNotFound", message: "ns not found"))
        _ = try Self.requestID(&machine)
    }

    @Test("a timed-out request fails; its late answer is dropped and the connection keeps working")
    func timeoutThenLateAnswer() throws {
        var machine = Self.ready()
        let slow = try Self.requestID(&machine)
        guard case .failRequests([slow], let error) = machine.requestTimedOut(slow) else {
            Issue.record("the timer did not fail the request")
            return
        }
        #expect(error.code == .timeout)
        guard case .none = machine.received(Self.reply(to: slow, ["ok": .double(1)])) else {
            Issue.record("the late answer was not dropped")
            return
        }
        let next = try Self.requestID(&machine)
        guard case .succeedRequest(next, _) = machine.received(Self.reply(to: next, ["ok": .double(1)])) else {
            Issue.record("the connection stopped working after a timeout")
            return
        }
        guard case .none = machine.requestTimedOut(next) else {
            Issue.record("a timer firing after the answer did something")
            return
        }
    }

    @Test("an answer no request waits for closes the connection and fails every pending request")
    func unknownResponseTo() throws {
        var machine = Self.ready()
        let waiting = try Self.requestID(&machine)
        guard case .closeAndFailRequests([waiting], let error) = machine.received(Self.reply(to: 4242, ["ok": .double(1)])) else {
            Issue.record("a stray answer did not close the connection")
            return
        }
        #expect(error.code == .protocolViolation)
        #expect(machine.startRequest() == .fail(.connectionUnavailable("the connection is closing; the command was not sent")))
    }

    @Test("a streamed answer (moreToCome) is a protocol violation, not a crash")
    func moreToCome() throws {
        var machine = Self.ready()
        let id = try Self.requestID(&machine)
        guard case .closeAndFailRequests([id], let error) = machine.received(Self.reply(to: id, ["ok": .double(1)], flags: .moreToCome)) else {
            Issue.record("moreToCome did not close the connection")
            return
        }
        #expect(error.code == .protocolViolation)
    }

    @Test("a closed channel fails the pending requests with connectionClosed, and a handshake with it too")
    func channelInactive() throws {
        var machine = Self.ready()
        let first = try Self.requestID(&machine)
        let second = try Self.requestID(&machine)
        guard case .failRequests(let ids, let error) = machine.channelInactive() else {
            Issue.record("closing did not fail the requests")
            return
        }
        #expect(Set(ids) == [first, second])
        #expect(error.code == .connectionClosed)

        var handshaking = Machine(clientMetadata: Self.metadata, credentials: nil, clientNonce: "unused")
        _ = handshaking.channelActive()
        guard case .failHandshake(let handshakeError, closeChannel: false) = handshaking.channelInactive() else {
            Issue.record("closing during hello did not fail the handshake")
            return
        }
        #expect(handshakeError.code == .connectionClosed)
    }

    @Test("garbled bytes close the connection and fail every pending request with the decoder's error")
    func garbled() throws {
        var machine = Self.ready()
        let id = try Self.requestID(&machine)
        guard case .closeAndFailRequests([id], let error) = machine.errorCaught(.protocolViolation("garbled")) else {
            Issue.record("the error did not close the connection")
            return
        }
        #expect(error.code == .protocolViolation)
        guard case .none = machine.errorCaught(.protocolViolation("again")) else {
            Issue.record("a second error did something")
            return
        }
    }

    @Test("a request that could not be encoded gives its id back")
    func requestNotSent() throws {
        var machine = Self.ready()
        let id = try Self.requestID(&machine)
        machine.requestNotSent(id)
        #expect(machine.pendingCount == 0)
    }
}
