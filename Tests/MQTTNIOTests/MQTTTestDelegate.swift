import Logging
import MQTTNIO
import NIOCore
import Synchronization
import Testing

/// A delegate that records every call and answers as the test configures it.
final class MQTTTestDelegate: MQTTServerDelegate {
    struct Record {
        var connects: [MQTTConnectRequest] = []
        var sessions: [MQTTSession] = []
        var messages: [MQTTInboundMessage] = []
        var batchSizes: [Int] = []
        var publishCallsStarted = 0
        var subscriptions: [[MQTTSubscriptionRequest]] = []
        var subscribed: [[MQTTSubscriptionRequest]] = []
        var unsubscribed: [[String]] = []
        var pings = 0
        var closed: [(clientID: String, reason: MQTTCloseReason)] = []
        var rejected: [MQTTCloseReason] = []
        /// Calls of one connection must not overlap: counts calls in progress, and the most seen at once.
        var callsInProgress = 0
        var maxCallsInProgress = 0
    }

    let record = Mutex(Record())
    let decide: @Sendable (MQTTConnectRequest) -> MQTTConnectDecision
    let outcome: @Sendable (MQTTInboundMessage) -> MQTTPublishOutcome
    let subscribeOutcome: @Sendable (MQTTSubscriptionRequest) -> MQTTSubscribeOutcome
    let onSubscribed: @Sendable ([MQTTSubscriptionRequest], MQTTSession) -> Void
    /// When set, each publish call waits for it to open.
    let publishGate: MQTTTestGate?

    init(
        decide: @escaping @Sendable (MQTTConnectRequest) -> MQTTConnectDecision = { _ in .accept(context: "ctx") },
        outcome: @escaping @Sendable (MQTTInboundMessage) -> MQTTPublishOutcome = { _ in .accepted },
        subscribeOutcome: @escaping @Sendable (MQTTSubscriptionRequest) -> MQTTSubscribeOutcome = { .granted($0.qos) },
        onSubscribed: @escaping @Sendable ([MQTTSubscriptionRequest], MQTTSession) -> Void = { _, _ in },
        publishGate: MQTTTestGate? = nil
    ) {
        self.decide = decide
        self.outcome = outcome
        self.subscribeOutcome = subscribeOutcome
        self.onSubscribed = onSubscribed
        self.publishGate = publishGate
    }

    private func enter() {
        self.record.withLock {
            $0.callsInProgress += 1
            $0.maxCallsInProgress = max($0.maxCallsInProgress, $0.callsInProgress)
        }
    }

    private func leave() {
        self.record.withLock { $0.callsInProgress -= 1 }
    }

    func connect(_ request: MQTTConnectRequest) async -> MQTTConnectDecision {
        self.record.withLock { $0.connects.append(request) }
        return self.decide(request)
    }

    func connected(_ session: MQTTSession) async {
        self.enter()
        defer { self.leave() }
        self.record.withLock { $0.sessions.append(session) }
    }

    func publish(_ messages: [MQTTInboundMessage], session: MQTTSession) async -> [MQTTPublishOutcome] {
        self.enter()
        defer { self.leave() }
        self.record.withLock { $0.publishCallsStarted += 1 }
        await self.publishGate?.wait()
        self.record.withLock {
            $0.messages += messages
            $0.batchSizes.append(messages.count)
        }
        return messages.map(self.outcome)
    }

    func subscribe(_ filters: [MQTTSubscriptionRequest], session: MQTTSession) async -> [MQTTSubscribeOutcome] {
        self.enter()
        defer { self.leave() }
        self.record.withLock { $0.subscriptions.append(filters) }
        return filters.map(self.subscribeOutcome)
    }

    func subscribed(_ filters: [MQTTSubscriptionRequest], session: MQTTSession) async {
        self.enter()
        defer { self.leave() }
        self.record.withLock { $0.subscribed.append(filters) }
        self.onSubscribed(filters, session)
    }

    func unsubscribed(_ filters: [String], session: MQTTSession) async {
        self.enter()
        defer { self.leave() }
        self.record.withLock { $0.unsubscribed.append(filters) }
    }

    func pinged(_ session: MQTTSession) async {
        self.enter()
        defer { self.leave() }
        self.record.withLock { $0.pings += 1 }
    }

    func closed(_ session: MQTTSession, reason: MQTTCloseReason) async {
        self.record.withLock { $0.closed.append((session.clientID, reason)) }
    }

    func rejectedConnection(reason: MQTTCloseReason) async {
        self.record.withLock { $0.rejected.append(reason) }
    }

    func snapshot() -> Record {
        self.record.withLock { $0 }
    }
}

/// A latch the test opens to let waiting delegate calls go on.
final class MQTTTestGate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = self.state.withLock { state in
                if state.isOpen {
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow {
                continuation.resume()
            }
        }
    }

    func open() {
        let waiters = self.state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }
}

struct MQTTTestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out after 60 s waiting for \(self.what)" }
}

/// Polls `condition` until it holds; generous because the suite shares two busy cores with many others.
func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(60),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
            throw MQTTTestTimeout(what: what)
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
