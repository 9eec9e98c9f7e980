import Foundation
import IoTFlowCore
import Synchronization

/// One point a device sent and what became of it.
struct SentPoint: Sendable {
    let timestamp: Int64
    let reading: JSONObject
    let outcome: SendOutcome

    var acknowledged: Bool {
        if case .acknowledged = self.outcome { return true }
        return false
    }

    /// Not acknowledged, yet possibly stored: the answer was lost, not a refusal.
    var uncertain: Bool {
        if case .failed = self.outcome { return true }
        return false
    }
}

/// Set by Ctrl-C: the devices stop sending and the run goes on to its checks and summary.
final class StopSignal: Sendable {
    private let stopped = Atomic(false)
    var isStopped: Bool { self.stopped.load(ordering: .relaxed) }
    func stop() { self.stopped.store(true, ordering: .relaxed) }
}

/// Sends one device's points at its share of the rate until `end` or a stop, and returns what it sent.
struct DeviceRun: Sendable {
    let device: SimulationFleet.Device
    let sender: any TelemetrySender
    /// Time between two points of this device.
    let interval: Duration
    /// Delay of the first point, so the devices do not all send in the same instant.
    let offset: Duration
    let end: ContinuousClock.Instant
    let seed: UInt64

    func run(tally: SimulationTally, stop: StopSignal) async -> [SentPoint] {
        var series = SensorSeries(device: self.device.index, seed: self.seed)
        var points: [SentPoint] = []
        var next = ContinuousClock.now + self.offset
        var lastTimestamp: Int64 = 0
        while next < self.end && !stop.isStopped {
            try? await Task.sleep(until: next)
            if stop.isStopped { break }
            // Distinct, increasing timestamps per device, so every acknowledged point can be found again.
            let timestamp = max(Int64(Date().timeIntervalSince1970 * 1000), lastTimestamp + 1)
            lastTimestamp = timestamp
            let reading = series.next(at: timestamp)
            let started = ContinuousClock.now
            let outcome = await self.sender.send(reading, at: timestamp)
            tally.record(outcome, latency: ContinuousClock.now - started)
            points.append(SentPoint(timestamp: timestamp, reading: reading, outcome: outcome))
            // A device that fell behind goes on from now rather than sending a burst to catch up.
            next = max(next + self.interval, ContinuousClock.now)
        }
        return points
    }
}
