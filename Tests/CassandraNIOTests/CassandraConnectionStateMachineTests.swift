import NIOCore
import Testing

@testable import CassandraNIO

@Suite("Connection state machine")
struct CassandraConnectionStateMachineTests {
    typealias Machine = CassandraConnectionStateMachine

    static let credentials = PlainCredentials(username: "cassandra", password: "s3cret")

    static func ready() -> Machine {
        var machine = Machine(credentials: nil)
        #expect(machine.channelActive() == .writeHandshake(.startup))
        #expect(machine.received(TestFrames.decoded(TestFrames.ready())) == .succeedHandshake)
        return machine
    }

    @Test func handshakeWithoutAuthentication() {
        let machine = Self.ready()
        #expect(machine.state == .ready)
    }

    @Test func handshakeWithPasswordAuthentication() {
        var machine = Machine(credentials: Self.credentials)
        #expect(machine.channelActive() == .writeHandshake(.startup))
        let token: [UInt8] = [0] + Array("cassandra".utf8) + [0] + Array("s3cret".utf8)
        #expect(machine.received(TestFrames.decoded(TestFrames.authenticate())) == .writeHandshake(.authResponse(token)))
        #expect(machine.state == .authenticating)
        // A challenge gets the PLAIN answer again rather than a hang.
        #expect(machine.received(TestFrames.decoded(TestFrames.authChallenge())) == .writeHandshake(.authResponse(token)))
        #expect(machine.received(TestFrames.decoded(TestFrames.authSuccess())) == .succeedHandshake)
        #expect(machine.state == .ready)
    }

    @Test func authenticationRequiredWithoutCredentialsFailsTheHandshake() {
        var machine = Machine(credentials: nil)
        _ = machine.channelActive()
        guard case .failHandshake(let error, closeChannel: true) = machine.received(TestFrames.decoded(TestFrames.authenticate())) else {
            Issue.record("expected a failed handshake")
            return
        }
        #expect(error.code == .authenticationError)
    }

    @Test func rejectedCredentialsFailTheHandshakeWithTheServersError() {
        var machine = Machine(credentials: Self.credentials)
        _ = machine.channelActive()
        _ = machine.received(TestFrames.decoded(TestFrames.authenticate()))
        let action = machine.received(TestFrames.decoded(TestFrames.error(0x0100, "bad credentials", stream: 0)))
        #expect(action == .failHandshake(CassandraError(code: .authenticationError, message: "bad credentials"), closeChannel: true))
        #expect(machine.state == .closing)
    }

    @Test func requestsBeforeTheHandshakeAreRefused() {
        var machine = Machine(credentials: nil)
        _ = machine.channelActive()
        guard case .refuseRequest(let error) = machine.sendRequest() else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.code == .connectionClosed)
    }

    @Test func outOfOrderAnswersReachTheirRequests() {
        var machine = Self.ready()
        #expect(machine.sendRequest() == .writeRequest(0))
        #expect(machine.sendRequest() == .writeRequest(1))
        #expect(machine.sendRequest() == .writeRequest(2))
        let second = TestFrames.decoded(TestFrames.void(stream: 1))
        let third = TestFrames.decoded(TestFrames.void(stream: 2))
        let first = TestFrames.decoded(TestFrames.void(stream: 0))
        #expect(machine.received(second) == .succeedRequest(1, second))
        #expect(machine.received(third) == .succeedRequest(2, third))
        #expect(machine.received(first) == .succeedRequest(0, first))
        #expect(machine.reservedStreamCount == 0)
    }

    @Test func aTimedOutStreamStaysReservedUntilItsLateAnswer() {
        var machine = Self.ready()
        #expect(machine.sendRequest() == .writeRequest(0))
        #expect(machine.requestTimedOut(0) == .failRequests([0], .requestTimeout()))
        // A second timer firing for the same stream does nothing.
        #expect(machine.requestTimedOut(0) == .none)
        // Stream 0 is not handed out again while its answer may still come, however many requests come and go.
        for round in 0..<3 {
            for expected in 1..<100 {
                guard case .writeRequest(let stream) = machine.sendRequest() else {
                    Issue.record("refused in round \(round)")
                    return
                }
                #expect(stream != 0)
                #expect(machine.received(TestFrames.decoded(TestFrames.void(stream: stream))) != .none, "\(expected)")
            }
        }
        #expect(machine.reservedStreamCount == 1)
        #expect(machine.received(TestFrames.decoded(TestFrames.void(stream: 0))) == .none)
        #expect(machine.reservedStreamCount == 0)
        #expect(machine.state == .ready)
    }

    @Test func allStreamIDsInUseRefusesTheNextRequest() {
        var machine = Self.ready()
        for stream in 0..<Machine.streamCount {
            #expect(machine.sendRequest() == .writeRequest(Int16(stream)))
        }
        guard case .refuseRequest(let error) = machine.sendRequest() else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.code == .streamIDsExhausted)
        // One answer frees one id again.
        _ = machine.received(TestFrames.decoded(TestFrames.void(stream: 123)))
        #expect(machine.sendRequest() == .writeRequest(123))
    }

    @Test func eventsAreIgnored() {
        var machine = Self.ready()
        #expect(machine.sendRequest() == .writeRequest(0))
        #expect(machine.received(TestFrames.decoded(TestFrames.event())) == .none)
        #expect(machine.state == .ready)
        #expect(machine.reservedStreamCount == 1)
    }

    @Test func anAnswerNoRequestWaitsForClosesTheConnection() {
        var machine = Self.ready()
        #expect(machine.sendRequest() == .writeRequest(0))
        guard case .closeAndFailRequests([0], let error) = machine.received(TestFrames.decoded(TestFrames.void(stream: 5))) else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .protocolViolation)
        #expect(machine.state == .closing)
    }

    @Test func closeFailsTheWaitingRequestsButNotTheTimedOutOnes() {
        var machine = Self.ready()
        _ = machine.sendRequest()
        _ = machine.sendRequest()
        _ = machine.sendRequest()
        _ = machine.requestTimedOut(1)
        #expect(machine.channelInactive() == .failRequests([0, 2], .connectionClosed()))
        #expect(machine.state == .closed)
        guard case .refuseRequest = machine.sendRequest() else {
            Issue.record("expected a refusal after close")
            return
        }
    }

    @Test func aDecoderErrorClosesAndFailsEverything() {
        var machine = Self.ready()
        _ = machine.sendRequest()
        let error = CassandraError(code: .frameTooLarge, message: "too large")
        #expect(machine.errorCaught(error) == .closeAndFailRequests([0], error))
        #expect(machine.errorCaught(error) == .none)
        #expect(machine.channelInactive() == .none)
    }

    @Test func closeDuringTheHandshakeFailsIt() {
        var machine = Machine(credentials: nil)
        _ = machine.channelActive()
        guard case .failHandshake(let error, closeChannel: false) = machine.channelInactive() else {
            Issue.record("expected a failed handshake")
            return
        }
        #expect(error.code == .connectionFailed)
    }

    @Test func credentialsNeverShowThePassword() {
        #expect(!"\(Self.credentials)".contains("s3cret"))
        var configuration = CassandraConfiguration(endpoints: [.init(host: "db")], username: "cassandra", password: "s3cret")
        configuration.keyspace = "iot"
        #expect(!configuration.description.contains("s3cret"))
        #expect(configuration.description.contains("cassandra"))
        #expect(!CassandraRequest.authResponse(Self.credentials.token).summary.contains("s3cret"))
    }
}
