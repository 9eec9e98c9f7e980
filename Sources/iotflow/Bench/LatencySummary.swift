/// Percentiles (nearest rank) of a set of latencies, in milliseconds.
struct LatencySummary: Sendable, Codable {
    /// Number of samples.
    let count: Int
    let mean: Double
    let p50: Double
    let p95: Double
    let p99: Double
    let max: Double

    /// Summarises latencies given in nanoseconds.
    init(nanoseconds samples: [UInt64]) {
        let sorted = samples.sorted()
        self.count = sorted.count
        func rank(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Swift.max(0, Swift.min(sorted.count - 1, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1e6
        }
        self.p50 = rank(0.50)
        self.p95 = rank(0.95)
        self.p99 = rank(0.99)
        self.max = rank(1)
        self.mean = sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count) / 1e6
    }
}
