import NIOCore

/// The deadline an HTTP/1 connection is under and when its timer should next fire, as a value: each event
/// returns what `ConnectionTimeoutHandler` must do, so the rules can be tested without a channel.
///
/// The rules, with `now` the time of the event:
/// - opened: the whole first request head must arrive by `now + headerTimeout`;
/// - first bytes while no request head is being waited for (the previous request was read whole): the head
///   they start must be complete by `now + headerTimeout`;
/// - request head: the request's end (its whole body) must arrive by `now + bodyTimeout`;
/// - request end: no deadline while a response is owed; the handlers' own deadline bounds that wait;
/// - last owed response's end handed to the channel, request fully read: idle, closed at `now + idleTimeout`
///   unless a byte arrives first.
/// The body deadline wins over the others, then the header deadline, then "response owed", then idle.
///
/// The timer is lazy: it is armed at most `wakeInterval` (the shortest timeout) ahead, so any deadline set
/// later cannot fall before it and a state change never moves or cancels it. When it fires it closes the
/// connection if the current deadline has passed, and otherwise re-arms. NIO cancels a scheduled task by
/// searching its timer heap, so rescheduling on every request would cost in proportion to the connections open.
struct ConnectionDeadlines {
    /// What the handler must do after an event.
    enum Action: Equatable {
        /// Nothing.
        case none
        /// Fire the timer at this time, replacing any timer armed before.
        case schedule(NIODeadline)
        /// Close the connection for this reason; no further event has an effect.
        case close(ConnectionCloseReason)
    }

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let wakeInterval: TimeAmount

    private var isOpen = false
    private var isClosed = false
    private var headDeadline: NIODeadline?
    private var bodyDeadline: NIODeadline?
    private var idleDeadline: NIODeadline?
    /// Requests whose head arrived and whose response's end has not been written; above 1 only when pipelined.
    private var unansweredRequests = 0
    /// When the armed timer fires; nil when none is armed.
    private var wakeUp: NIODeadline?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.wakeInterval = min(headerTimeout, bodyTimeout, idleTimeout)
    }

    /// The connection became active.
    mutating func opened(at now: NIODeadline) -> Action {
        guard !self.isOpen, !self.isClosed else { return .none }
        self.isOpen = true
        self.headDeadline = now + self.headerTimeout
        return self.arm(now: now)
    }

    /// Bytes were read from the socket, before the HTTP decoder saw them.
    ///
    /// Takes the time as a closure because this runs on every read and needs the clock only between requests.
    mutating func bytesReceived(at now: () -> NIODeadline) -> Action {
        guard self.isOpen, !self.isClosed, self.bodyDeadline == nil, self.headDeadline == nil else { return .none }
        let now = now()
        self.headDeadline = now + self.headerTimeout
        self.idleDeadline = nil
        return self.arm(now: now)
    }

    /// A whole request head was decoded.
    mutating func requestHeadReceived(at now: NIODeadline) -> Action {
        guard self.isOpen, !self.isClosed else { return .none }
        self.headDeadline = nil
        self.idleDeadline = nil
        self.bodyDeadline = now + self.bodyTimeout
        self.unansweredRequests += 1
        return self.arm(now: now)
    }

    /// A request's end was decoded: its body, if any, has arrived.
    mutating func requestEndReceived(at now: NIODeadline) -> Action {
        guard self.isOpen, !self.isClosed else { return .none }
        self.bodyDeadline = nil
        return self.becomeIdleIfDone(now: now)
    }

    /// The end of a response was written to the channel.
    mutating func responseEndWritten(at now: NIODeadline) -> Action {
        guard self.isOpen, !self.isClosed else { return .none }
        // A response without a request (an error answer to bytes that never formed a head) owes nothing.
        self.unansweredRequests = max(0, self.unansweredRequests - 1)
        return self.becomeIdleIfDone(now: now)
    }

    /// The armed timer fired.
    mutating func timerFired(at now: NIODeadline) -> Action {
        self.wakeUp = nil
        guard !self.isClosed, let (deadline, reason) = self.currentDeadline else { return .none }
        if now >= deadline {
            self.isClosed = true
            return .close(reason)
        }
        return self.arm(now: now)
    }

    /// The connection closed; later events do nothing.
    mutating func closed() {
        self.isClosed = true
        self.wakeUp = nil
    }

    /// The deadline in force and what passing it means; nil while a response is owed and nothing is being read.
    var currentDeadline: (NIODeadline, ConnectionCloseReason)? {
        if let bodyDeadline { return (bodyDeadline, .bodyTimeout) }
        if let headDeadline { return (headDeadline, .headerTimeout) }
        if self.unansweredRequests > 0 { return nil }
        if let idleDeadline { return (idleDeadline, .idle) }
        return nil
    }

    private mutating func becomeIdleIfDone(now: NIODeadline) -> Action {
        guard self.unansweredRequests == 0, self.bodyDeadline == nil, self.headDeadline == nil else { return .none }
        self.idleDeadline = now + self.idleTimeout
        return self.arm(now: now)
    }

    private mutating func arm(now: NIODeadline) -> Action {
        guard let (deadline, _) = self.currentDeadline else { return .none }
        if let wakeUp = self.wakeUp, wakeUp <= deadline { return .none }
        let wakeUp = min(deadline, now + self.wakeInterval)
        self.wakeUp = wakeUp
        return .schedule(wakeUp)
    }
}
