import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// One stream's WebSocket connection once upgraded: sends what its subscription collects, answers the client's
/// `{"type":"ping"}`, checks its access again every few seconds, and closes with 1008 when the access is gone.
///
/// Four tasks: the reader (client pings, and the client's close), the writer (frames in order, the `dropped`
/// notice, pongs, the closing 1008), the periodic access check, and a watchdog that closes the connection when
/// one write stays blocked for a whole ping interval: a client that stops reading would otherwise hold its
/// connection forever, since the WebSocket pings queue behind the blocked frames.
final class LiveStreamSession: Sendable {
    private enum Outcome {
        /// The client closed or went away, or writing failed: the connection is over.
        case finished
        /// The server sent its close frame; the client's answer is awaited (the reader ends with it).
        case closeSent
        /// Still running; nothing to do.
        case idle
    }

    /// Largest client message read; clients only send pings.
    static let maxClientMessage = 64 * 1024
    /// How long the client has to answer a close frame before the connection is dropped.
    static let closeTimeout = Duration.seconds(10)

    let hub: LiveHub
    let subscription: LiveSubscription
    /// The connection, to cut it when the client stops reading.
    let channel: any Channel
    let logger: Logger
    /// When the write in progress started (uptime ns), 0 while none is.
    private let writeStartedAt = Atomic<UInt64>(0)

    init(hub: LiveHub, subscription: LiveSubscription, channel: any Channel, logger: Logger) {
        self.hub = hub
        self.subscription = subscription
        self.channel = channel
        self.logger = logger
    }

    /// Serves the connection until either side closes it.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        defer { self.hub.unsubscribe(self.subscription) }
        let settings = self.hub.settings
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                for try await message in inbound.messages(maxSize: Self.maxClientMessage) {
                    if case .text(let text) = message, LiveFrame.isPing(text) { self.subscription.pushPong() }
                }
                return .finished
            }
            group.addTask { try await self.write(outbound) }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(settings.recheckSeconds))
                    await self.hub.recheck(self.subscription)
                }
                return .idle
            }
            group.addTask { try await self.watch(stallLimit: .seconds(settings.pingSeconds)) }
            while let outcome = try await group.next() {
                switch outcome {
                case .finished:
                    group.cancelAll()
                    return
                case .closeSent:
                    group.addTask {
                        try await Task.sleep(for: Self.closeTimeout)
                        return .finished
                    }
                case .idle:
                    continue
                }
            }
        }
    }

    /// Sends deliveries until the subscription ends; returns once the close frame is out.
    private func write(_ outbound: WebSocketOutboundWriter) async throws -> Outcome {
        for await _ in self.subscription.wakeups {
            guard let delivery = self.subscription.take() else { continue }
            if case .revoked(let reason) = delivery.ending {
                try await self.timed { try await outbound.close(.policyViolation, reason: Self.closeReason(reason)) }
                return .closeSent
            }
            for _ in 0..<delivery.pongs { try await self.timed { try await outbound.write(.text(LiveFrame.pong)) } }
            if delivery.dropped > 0 {
                try await self.timed { try await outbound.write(.text(LiveFrame.dropped(delivery.dropped))) }
            }
            for frame in delivery.frames { try await self.timed { try await outbound.write(.text(frame)) } }
        }
        return .finished
    }

    /// Runs one write with its start time visible to the watchdog.
    private func timed(_ write: () async throws -> Void) async throws {
        self.writeStartedAt.store(max(1, NIODeadline.now().uptimeNanoseconds), ordering: .relaxed)
        defer { self.writeStartedAt.store(0, ordering: .relaxed) }
        try await write()
    }

    /// Closes the connection when a write has been blocked for `stallLimit`.
    private func watch(stallLimit: Duration) async throws -> Outcome {
        let limit = UInt64(stallLimit.components.seconds) * 1_000_000_000
        while true {
            try await Task.sleep(for: stallLimit / 4)
            let started = self.writeStartedAt.load(ordering: .relaxed)
            if started != 0, NIODeadline.now().uptimeNanoseconds - started > limit {
                self.logger.info("live stream: the client stopped reading; closing its connection")
                try? await self.channel.close()
                return .finished
            }
        }
    }

    /// A close reason fits in 123 bytes of UTF-8 (RFC 6455 5.5: control frames carry at most 125).
    static func closeReason(_ text: String) -> String {
        var reason = ""
        for character in text {
            guard reason.utf8.count + String(character).utf8.count <= 123 else { break }
            reason.append(character)
        }
        return reason
    }
}
