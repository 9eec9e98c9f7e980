import Foundation
import IoTFlowCore

/// The readings of one simulated device: temperature, humidity and pressure drifting on slow waves with noise, a
/// door contact that opens now and then, and a status string. Deterministic for a seed, so a run can be repeated.
struct SensorSeries: Sendable {
    /// A temperature that the series reaches only in its occasional spikes: alert rules of `simulate --alerts` watch
    /// for values above it.
    static let spikeThreshold = 35.0

    private var random: SplitMix64
    private let phase: Double
    private var index = 0

    init(device: Int, seed: UInt64) {
        self.random = SplitMix64(seed: seed &+ UInt64(device) &* 0x9E37_79B9_7F4A_7C15)
        self.phase = Double(device) * 0.7
    }

    /// The next reading, for a point at `timestamp` (epoch ms).
    mutating func next(at timestamp: Int64) -> JSONObject {
        defer { self.index += 1 }
        let minutes = Double(timestamp) / 60_000
        let wave = sin(2 * Double.pi * minutes / 10 + self.phase)
        // About one point in forty is a heat spike, well above the rest of the series.
        let spike = self.unit() < 0.025
        let temperature = spike ? 38 + 4 * self.unit() : 21.5 + 4 * wave + self.noise(0.4)
        let humidity = min(100, max(0, 48 - 12 * wave + self.noise(1.5)))
        let pressure = 1013.25 + 2.5 * sin(2 * Double.pi * minutes / 47 + self.phase) + self.noise(0.2)
        return [
            "temperature": .double(Self.rounded(temperature, 2)),
            "humidity": .double(Self.rounded(humidity, 1)),
            "pressure": .double(Self.rounded(pressure, 2)),
            "door_open": .bool((self.index / 15 + Int(self.phase * 10)) % 4 == 0),
            "status": .string(temperature > 30 ? "hot" : "ok"),
        ]
    }

    private mutating func noise(_ amplitude: Double) -> Double {
        (self.unit() * 2 - 1) * amplitude
    }

    /// A number in [0, 1).
    private mutating func unit() -> Double {
        Double.random(in: 0..<1, using: &self.random)
    }

    private static func rounded(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }
}
