import NIOCore
import Testing

@testable import RedisNIO

@Suite("Connection state machine")
struct RedisConnectionStateMachineTests {
    private func readyMachine(role: RedisConnectionStateMachine.Role = .commands) -> RedisConnectionStateMachine {
        var configuration = RedisConfiguration()
        configuration.protocolVersion = .resp2
        var machine = RedisConnectionStateMachine(configuration: configuration, role: role)
        #expect(machine.channelActive() == .writeHandshake([.ping]))
        #expect(machine.received(.simpleString("PONG")) == .succeedHandshake)
        return machine
    }

    @Test func handshakeCommandsFollowTheConfiguration() {
        var configuration = RedisConfiguration()
        #expect(RedisConnectionStateMachine.handshake(for: configuration).map(\.command) == [RedisCommand("HELLO", ["3"])])
        configuration.password = "pw"
        #expect(RedisConnectionStateMachine.handshake(for: configuration).map(\.command) == [RedisCommand("HELLO", ["3", "AUTH", "default", "pw"])])
        configuration.username = "app"
        configuration.database = 3
        #expect(
            RedisConnectionStateMachine.handshake(for: configuration).map(\.command) == [
                RedisCommand("HELLO", ["3", "AUTH", "app", "pw"]), RedisCommand("SELECT", ["3"]),
            ]
        )
        configuration.protocolVersion = .resp2
        #expect(
            RedisConnectionStateMachine.handshake(for: configuration).map(\.command) == [
                RedisCommand("AUTH", ["app", "pw"]), RedisCommand("SELECT", ["3"]),
            ]
        )
        configuration.username = nil
        configuration.database = 0
        #expect(RedisConnectionStateMachine.handshake(for: configuration).map(\.command) == [RedisCommand("AUTH", ["pw"])])
        configuration.password = nil
        // Nothing to negotiate: PING, so that the connection is ready only once the server answered.
        #expect(RedisConnectionStateMachine.handshake(for: configuration).map(\.command) == [.ping])
    }

    @Test func connectionWithNothingToNegotiateIsReadyOnlyAfterThePong() {
        var configuration = RedisConfiguration()
        configuration.protocolVersion = .resp2
        var machine = RedisConnectionStateMachine(configuration: configuration, role: .commands)
        #expect(machine.channelActive() == .writeHandshake([.ping]))
        #expect(machine.state == .handshaking)
        #expect(machine.sendCommands([0]) == .failCommands([0], .connectionUnavailable("the connection is not set up yet")))
        #expect(machine.received(.simpleString("PONG")) == .succeedHandshake)
        #expect(machine.sendCommands([1]) == .writeCommands)
    }

    @Test func connectionWhosePeerIsGoneBeforeTheHandshakeReplyIsNeverReady() {
        // The kernel completed the connect against a server that died before the event loop noticed: the handshake
        // fails, so the connection is never handed out and no command is written into it.
        var configuration = RedisConfiguration()
        configuration.protocolVersion = .resp2
        var machine = RedisConnectionStateMachine(configuration: configuration, role: .commands)
        #expect(machine.channelActive() == .writeHandshake([.ping]))
        #expect(machine.channelInactive() == .failHandshake(.connectionClosed("the connection closed during the handshake"), closeChannel: false))
        #expect(machine.sendCommands([0]) == .failCommands([0], .connectionUnavailable("the connection is closing; the command was not sent")))
    }

    @Test func pingRefusedForWantOfAuthenticationFailsAsAuthentication() {
        var configuration = RedisConfiguration()
        configuration.protocolVersion = .resp2
        var machine = RedisConnectionStateMachine(configuration: configuration, role: .commands)
        _ = machine.channelActive()
        #expect(
            machine.received(.error("NOAUTH Authentication required."))
                == .failHandshake(.authenticationFailed("NOAUTH Authentication required."), closeChannel: true))
    }

    @Test func commandWrittenBeforeTheCloseIsClosedAndOneIssuedAfterIsUnavailable() {
        var machine = self.readyMachine()
        #expect(machine.sendCommands([0]) == .writeCommands)
        #expect(machine.channelInactive() == .failCommands([0], .connectionClosed()))
        #expect(machine.sendCommands([1]) == .failCommands([1], .connectionUnavailable("the connection is closing; the command was not sent")))

        // The same once an error closes the connection, before the channel is inactive.
        var failing = self.readyMachine()
        #expect(failing.sendCommands([0]) == .writeCommands)
        #expect(failing.errorCaught(.protocolError("bad")) == .closeAndFailCommands([0], .protocolError("bad")))
        #expect(failing.sendCommands([1]) == .failCommands([1], .connectionUnavailable("the connection is closing; the command was not sent")))
    }

    @Test func handshakeSucceedsAfterTheLastReply() {
        var configuration = RedisConfiguration()
        configuration.database = 2
        var machine = RedisConnectionStateMachine(configuration: configuration, role: .commands)
        #expect(machine.channelActive() == .writeHandshake([RedisCommand("HELLO", ["3"]), RedisCommand("SELECT", ["2"])]))
        #expect(machine.sendCommands([0]) == .failCommands([0], .connectionUnavailable("the connection is not set up yet")))
        #expect(machine.received(.map([])) == .none)
        #expect(machine.received(.simpleString("OK")) == .succeedHandshake)
        #expect(machine.state == .ready)
    }

    @Test func wrongPasswordFailsTheHandshakeAsAuthenticationFailure() {
        var configuration = RedisConfiguration()
        configuration.protocolVersion = .resp2
        configuration.password = "wrong"
        configuration.database = 1
        var machine = RedisConnectionStateMachine(configuration: configuration, role: .commands)
        _ = machine.channelActive()
        let message = "WRONGPASS invalid username-password pair or user is disabled."
        #expect(machine.received(.error(message)) == .failHandshake(.authenticationFailed(message), closeChannel: true))
        // The SELECT reply that follows is dropped: the connection is going away.
        #expect(machine.received(.error("NOAUTH Authentication required.")) == .none)
        #expect(machine.channelInactive() == .none)
    }

    @Test func selectErrorIsAServerErrorAndUnknownHelloIsNotAnAuthFailure() {
        var configuration = RedisConfiguration()
        configuration.database = 99
        var machine = RedisConnectionStateMachine(configuration: configuration, role: .commands)
        _ = machine.channelActive()
        #expect(machine.received(.map([])) == .none)
        #expect(
            machine.received(.error("ERR DB index is out of range"))
                == .failHandshake(.serverError("ERR DB index is out of range"), closeChannel: true))

        configuration.password = "pw"
        var old = RedisConnectionStateMachine(configuration: configuration, role: .commands)
        _ = old.channelActive()
        #expect(
            old.received(.error("ERR unknown command 'HELLO'")) == .failHandshake(.serverError("ERR unknown command 'HELLO'"), closeChannel: true))
    }

    @Test func repliesAreMatchedInOrderAndErrorRepliesFailOnlyTheirCommand() {
        var machine = self.readyMachine()
        #expect(machine.sendCommands([0, 1]) == .writeCommands)
        #expect(machine.sendCommands([2]) == .writeCommands)
        #expect(machine.received(.simpleString("OK")) == .succeedCommand(0, .simpleString("OK")))
        #expect(machine.received(.error("WRONGTYPE x")) == .failCommands([1], .serverError("WRONGTYPE x")))
        #expect(machine.received(.integer(3)) == .succeedCommand(2, .integer(3)))
    }

    @Test func timedOutCommandKeepsItsSlotSoTheLateReplyIsDiscarded() {
        var machine = self.readyMachine()
        #expect(machine.sendCommands([0, 1]) == .writeCommands)
        #expect(machine.commandsTimedOut(0...1) == .failCommands([0, 1], .timeout()))
        #expect(machine.sendCommands([2]) == .writeCommands)
        #expect(machine.received(.simpleString("late 0")) == .none)
        #expect(machine.received(.simpleString("late 1")) == .none)
        #expect(machine.received(.simpleString("for 2")) == .succeedCommand(2, .simpleString("for 2")))
        // A timer for commands already answered does nothing.
        #expect(machine.commandsTimedOut(2...2) == .none)
    }

    @Test func pushFramesAreNeverMatchedToCommands() {
        var machine = self.readyMachine()
        #expect(machine.sendCommands([0]) == .writeCommands)
        #expect(machine.received(.push([.simpleString("invalidate")])) == .none)
        #expect(machine.received(.integer(1)) == .succeedCommand(0, .integer(1)))
        #expect(machine.received(.push([])) == .none)
    }

    @Test func unexpectedReplyOnCommandConnectionClosesIt() {
        var machine = self.readyMachine()
        #expect(machine.received(.integer(1)) == .closeAndFailCommands([], .protocolError("a reply arrived that no command was waiting for")))
        #expect(machine.sendCommands([0]) == .failCommands([0], .connectionUnavailable("the connection is closing; the command was not sent")))
    }

    @Test func subscriberConnectionForwardsFramesAfterTheHandshake() {
        var machine = self.readyMachine(role: .subscriber)
        let message = RESPValue.array([.bulkString(ByteBuffer(string: "message")), .bulkString(ByteBuffer(string: "c"))])
        #expect(machine.received(message) == .forwardToSubscriber(message))
        #expect(machine.received(.push([.simpleString("subscribe")])) == .forwardToSubscriber(.push([.simpleString("subscribe")])))
    }

    @Test func closeFailsEveryPendingCommand() {
        var machine = self.readyMachine()
        #expect(machine.sendCommands([0, 1, 2]) == .writeCommands)
        #expect(machine.commandsTimedOut(1...1) == .failCommands([1], .timeout()))
        #expect(machine.channelInactive() == .failCommands([0, 2], .connectionClosed()))
        #expect(machine.sendCommands([3]) == .failCommands([3], .connectionUnavailable("the connection is closing; the command was not sent")))
        #expect(machine.received(.integer(1)) == .none)
    }

    @Test func protocolErrorClosesAndFailsPendingCommands() {
        var machine = self.readyMachine()
        #expect(machine.sendCommands([0, 1]) == .writeCommands)
        let error = RedisError.protocolError("bad")
        #expect(machine.errorCaught(error) == .closeAndFailCommands([0, 1], error))
        #expect(machine.channelInactive() == .none)
    }

    @Test func closeDuringHandshakeFailsTheHandshake() {
        var machine = RedisConnectionStateMachine(configuration: RedisConfiguration(), role: .commands)
        _ = machine.channelActive()
        #expect(machine.channelInactive() == .failHandshake(.connectionClosed("the connection closed during the handshake"), closeChannel: false))
    }

    @Test func backoffGrowsWithJitterWithinTheBounds() {
        var backoff = ReconnectBackoff(initialDelay: .milliseconds(100), maximumDelay: .seconds(2))
        var previousStep = Duration.zero
        for attempt in 0..<12 {
            let delay = backoff.nextDelay()
            #expect(delay >= .milliseconds(100) && delay <= .seconds(2), "attempt \(attempt): \(delay)")
            previousStep = delay
        }
        #expect(previousStep >= .seconds(1))
        backoff.reset()
        #expect(backoff.nextDelay() == .milliseconds(100))
    }
}
