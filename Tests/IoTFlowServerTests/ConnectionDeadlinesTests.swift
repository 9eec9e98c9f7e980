import NIOCore
import Testing

@testable import IoTFlowServer

/// The timeout rules as values: which deadline applies after each event, and when the lazy timer is armed.
@Suite("Connection deadlines: the header, body and idle rules")
struct ConnectionDeadlinesTests {
    /// Header 10 s, body 20 s, idle 60 s: distinct, so a deadline says which rule set it.
    static func makeDeadlines() -> ConnectionDeadlines {
        ConnectionDeadlines(headerTimeout: .seconds(10), bodyTimeout: .seconds(20), idleTimeout: .seconds(60))
    }

    /// A point in time `seconds` after an arbitrary origin.
    static func at(_ seconds: Double) -> NIODeadline {
        .uptimeNanoseconds(1_000_000_000_000 + UInt64(seconds * 1_000_000_000))
    }

    @Test("a new connection must send its head within the header timeout, counted from when it opened")
    func headFromOpen() {
        var deadlines = Self.makeDeadlines()
        #expect(deadlines.opened(at: Self.at(0)) == .schedule(Self.at(10)))
        #expect(deadlines.currentDeadline?.0 == Self.at(10))
        #expect(deadlines.currentDeadline?.1 == .headerTimeout)
        // Bytes of the same head move nothing.
        #expect(deadlines.bytesReceived(at: { Self.at(5) }) == .none)
        #expect(deadlines.timerFired(at: Self.at(10)) == .close(.headerTimeout))
        // Closed: the rest is ignored.
        #expect(deadlines.requestHeadReceived(at: Self.at(11)) == .none)
    }

    @Test("a head, its body and its response lead to idle; the next head's clock starts at its first byte")
    func requestCycle() {
        var deadlines = Self.makeDeadlines()
        _ = deadlines.opened(at: Self.at(0))
        #expect(deadlines.requestHeadReceived(at: Self.at(1)) == .none)
        #expect(deadlines.currentDeadline?.0 == Self.at(21))
        #expect(deadlines.currentDeadline?.1 == .bodyTimeout)
        #expect(deadlines.requestEndReceived(at: Self.at(2)) == .none)
        #expect(deadlines.currentDeadline == nil, "no deadline while the response is being made")
        #expect(deadlines.responseEndWritten(at: Self.at(3)) == .none)
        #expect(deadlines.currentDeadline?.0 == Self.at(63))
        #expect(deadlines.currentDeadline?.1 == .idle)
        // Idle for longer than the header timeout, then the next request starts.
        #expect(deadlines.timerFired(at: Self.at(10)) == .schedule(Self.at(20)))
        #expect(deadlines.bytesReceived(at: { Self.at(15) }) == .none)
        #expect(deadlines.currentDeadline?.0 == Self.at(25))
        #expect(deadlines.currentDeadline?.1 == .headerTimeout)
        #expect(deadlines.timerFired(at: Self.at(20)) == .schedule(Self.at(25)))
        #expect(deadlines.timerFired(at: Self.at(25)) == .close(.headerTimeout))
    }

    @Test("a body still arriving at its deadline closes the connection, even after an early response")
    func bodyDeadline() {
        var deadlines = Self.makeDeadlines()
        _ = deadlines.opened(at: Self.at(0))
        _ = deadlines.requestHeadReceived(at: Self.at(1))
        // An early answer (an error before the body was read) does not end the body's deadline.
        #expect(deadlines.responseEndWritten(at: Self.at(2)) == .none)
        #expect(deadlines.bytesReceived(at: { Self.at(3) }) == .none)
        #expect(deadlines.currentDeadline?.1 == .bodyTimeout)
        #expect(deadlines.timerFired(at: Self.at(10)) == .schedule(Self.at(20)))
        #expect(deadlines.timerFired(at: Self.at(20)) == .schedule(Self.at(21)))
        #expect(deadlines.timerFired(at: Self.at(21)) == .close(.bodyTimeout))
    }

    @Test("an idle connection is closed at the idle timeout after its last response")
    func idleDeadline() {
        var deadlines = Self.makeDeadlines()
        _ = deadlines.opened(at: Self.at(0))
        _ = deadlines.requestHeadReceived(at: Self.at(1))
        _ = deadlines.requestEndReceived(at: Self.at(1))
        _ = deadlines.responseEndWritten(at: Self.at(2))
        var now = 10.0
        var action = deadlines.timerFired(at: Self.at(now))
        while case .schedule(let next) = action {
            #expect(next <= Self.at(62))
            now = Double(next.uptimeNanoseconds - Self.at(0).uptimeNanoseconds) / 1_000_000_000
            action = deadlines.timerFired(at: next)
        }
        #expect(action == .close(.idle))
        #expect(now == 62)
    }

    @Test("pipelined requests: idle only once every response is written")
    func pipelining() {
        var deadlines = Self.makeDeadlines()
        _ = deadlines.opened(at: Self.at(0))
        for _ in 0..<3 {
            _ = deadlines.requestHeadReceived(at: Self.at(1))
            _ = deadlines.requestEndReceived(at: Self.at(1))
        }
        _ = deadlines.responseEndWritten(at: Self.at(2))
        _ = deadlines.responseEndWritten(at: Self.at(2))
        #expect(deadlines.currentDeadline == nil)
        _ = deadlines.responseEndWritten(at: Self.at(3))
        #expect(deadlines.currentDeadline?.0 == Self.at(63))
        #expect(deadlines.currentDeadline?.1 == .idle)
    }

    @Test("the next head trickling in while a response is owed is under the header timeout")
    func headWhileResponding() {
        var deadlines = Self.makeDeadlines()
        _ = deadlines.opened(at: Self.at(0))
        _ = deadlines.requestHeadReceived(at: Self.at(1))
        _ = deadlines.requestEndReceived(at: Self.at(1))
        _ = deadlines.bytesReceived(at: { Self.at(2) })
        #expect(deadlines.currentDeadline?.0 == Self.at(12))
        #expect(deadlines.currentDeadline?.1 == .headerTimeout)
        _ = deadlines.responseEndWritten(at: Self.at(3))
        #expect(deadlines.currentDeadline?.1 == .headerTimeout, "the response does not make a half-sent head idle")
    }

    @Test("state changes never move an armed timer: one is armed per connection, at most the shortest timeout ahead")
    func lazyTimer() {
        var deadlines = Self.makeDeadlines()
        #expect(deadlines.opened(at: Self.at(0)) == .schedule(Self.at(10)))
        // Many quick requests: the timer armed at open covers all of them.
        var now = 0.5
        while now < 10 {
            #expect(deadlines.bytesReceived(at: { Self.at(now) }) == .none)
            #expect(deadlines.requestHeadReceived(at: Self.at(now)) == .none)
            #expect(deadlines.requestEndReceived(at: Self.at(now)) == .none)
            #expect(deadlines.responseEndWritten(at: Self.at(now + 0.01)) == .none)
            now += 0.5
        }
        // It fires, finds the idle deadline ahead, and re-arms once.
        #expect(deadlines.timerFired(at: Self.at(10)) == .schedule(Self.at(20)))
        // With nothing due (a response owed) it lets the timer lapse, and the next deadline arms it again.
        _ = deadlines.requestHeadReceived(at: Self.at(11))
        _ = deadlines.requestEndReceived(at: Self.at(11))
        #expect(deadlines.timerFired(at: Self.at(20)) == .none)
        #expect(deadlines.responseEndWritten(at: Self.at(21)) == .schedule(Self.at(31)))
    }

    @Test("after the connection closed nothing is scheduled")
    func closedConnection() {
        var deadlines = Self.makeDeadlines()
        _ = deadlines.opened(at: Self.at(0))
        deadlines.closed()
        #expect(deadlines.timerFired(at: Self.at(10)) == .none)
        #expect(deadlines.bytesReceived(at: { Self.at(11) }) == .none)
        #expect(deadlines.responseEndWritten(at: Self.at(12)) == .none)
    }
}
