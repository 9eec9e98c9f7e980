import NIOCore
import Synchronization

/// Matches what live stream subscribers receive with what the write connections had acknowledged, for the
/// delivery latency of a point: from the client seeing its 201 to a subscriber receiving its frame.
///
/// A frame can arrive before the writing connection has read its 201 (the server pushes the frame right after
/// handing the answer to the connection); such a delivery counts as 0 ms and is counted apart.
final class StreamLatencyRecorder: Sendable {
    private struct Point: Hashable {
        var deviceID: Int64
        var timestamp: Int64
    }

    private struct State {
        var acknowledged: [Point: UInt64] = [:]
        var latencies: [UInt64] = []
        var beforeAcknowledgement = 0
        var frames = 0
        var dropped = 0
    }

    /// What the subscribers received in the measured window.
    struct Figures: Sendable, Codable {
        /// Subscribers held open.
        var subscribers: Int
        /// Telemetry frames received.
        var frames: Int
        /// Frames per second over the window.
        var framesPerSecond: Double
        /// Messages the server reported dropped (`{"type":"dropped"}`) for slow subscribers.
        var dropped: Int
        /// Frames that arrived before their write's 201 was read (counted as 0 ms).
        var beforeAcknowledgement: Int
        /// Delivery latency from the 201, per frame.
        var latencyMs: LatencySummary

        enum CodingKeys: String, CodingKey {
            case subscribers, frames, dropped
            case framesPerSecond = "frames_per_second"
            case beforeAcknowledgement = "before_acknowledgement"
            case latencyMs = "latency_ms"
        }
    }

    private let state = Mutex(State())
    /// Frames arriving in [measureFrom, measureUntil] (uptime ns) are measured.
    private let window: Mutex<(from: UInt64, until: UInt64)> = Mutex((UInt64.max, UInt64.max))

    init() {}

    /// Sets the measured window.
    func measure(from: NIODeadline, until: NIODeadline) {
        self.window.withLock { $0 = (from.uptimeNanoseconds, until.uptimeNanoseconds) }
    }

    /// The write of `device`'s point at `timestamp` was answered 2xx at `at`.
    func acknowledged(deviceID: Int64, timestamp: Int64, at: NIODeadline) {
        self.state.withLock { $0.acknowledged[Point(deviceID: deviceID, timestamp: timestamp)] = at.uptimeNanoseconds }
    }

    /// A subscriber received the frame of `device`'s point at `timestamp` at `at`.
    func received(deviceID: Int64, timestamp: Int64, at: NIODeadline) {
        let now = at.uptimeNanoseconds
        let (from, until) = self.window.withLock { $0 }
        guard now >= from, now <= until else { return }
        self.state.withLock { state in
            state.frames += 1
            if let acknowledged = state.acknowledged[Point(deviceID: deviceID, timestamp: timestamp)], acknowledged <= now {
                state.latencies.append(now - acknowledged)
            } else {
                state.latencies.append(0)
                state.beforeAcknowledgement += 1
            }
        }
    }

    /// A subscriber was told `count` messages were dropped.
    func dropped(_ count: Int) {
        self.state.withLock { $0.dropped += count }
    }

    /// The figures of the window, `seconds` long, for `subscribers` subscribers.
    func figures(subscribers: Int, seconds: Double) -> Figures {
        self.state.withLock { state in
            Figures(
                subscribers: subscribers, frames: state.frames, framesPerSecond: Double(state.frames) / seconds, dropped: state.dropped,
                beforeAcknowledgement: state.beforeAcknowledgement, latencyMs: LatencySummary(nanoseconds: state.latencies)
            )
        }
    }
}
