import Foundation

/// Times one in-process operation: a warm-up, then samples of `opsPerSample` consecutive calls each,
/// until the measured time is spent.
///
/// A sample groups several calls when one call is shorter than ``minimumSampleNanoseconds``, so the
/// clock's own cost (tens of ns) stays small against what is measured; percentiles are over samples.
struct MicroBenchmark {
    /// Shortest sample worth timing on its own.
    static let minimumSampleNanoseconds: Double = 20_000

    let warmupNanoseconds: UInt64
    let durationNanoseconds: UInt64

    /// Runs `operation` and summarises its time per call. `operation` returns a number derived from its
    /// result, which is kept, so the optimiser cannot drop the work.
    func measure(_ operation: () throws -> Int) rethrows -> MicroTiming {
        let sink = Sink()
        // Warm-up: at least one call, and at least the warm-up time.
        var warmupCalls = 0
        let warmupStart = Self.now()
        while warmupCalls < 1 || Self.now() - warmupStart < self.warmupNanoseconds {
            sink.value &+= try operation()
            warmupCalls += 1
        }
        let perCall = Double(Self.now() - warmupStart) / Double(warmupCalls)
        let opsPerSample = max(1, Int((Self.minimumSampleNanoseconds / max(perCall, 1)).rounded(.up)))
        var samples: [UInt64] = []
        samples.reserveCapacity(Int(min(Double(self.durationNanoseconds) / max(perCall * Double(opsPerSample), 1), 1_000_000)) + 16)
        let start = Self.now()
        var elapsed: UInt64 = 0
        while samples.count < 5 || elapsed < self.durationNanoseconds {
            let sampleStart = Self.now()
            for _ in 0..<opsPerSample {
                sink.value &+= try operation()
            }
            let sampleEnd = Self.now()
            samples.append(sampleEnd - sampleStart)
            elapsed = sampleEnd - start
        }
        return MicroTiming(samples: samples, opsPerSample: opsPerSample, wallNanoseconds: elapsed, checksum: sink.value)
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Where results go so that computing them is observable.
    private final class Sink {
        var value = 0
    }
}

/// The timing of one operation.
struct MicroTiming: Sendable {
    /// Calls measured.
    let ops: Int
    /// Calls per timed sample.
    let opsPerSample: Int
    /// Calls per second over the measured time (timer overhead included).
    let opsPerSecond: Double
    /// Time per call: mean, median and 99th percentile over samples (nearest rank), in ns.
    let meanNanoseconds: Double
    let p50Nanoseconds: Double
    let p99Nanoseconds: Double
    /// The sum of what the calls returned.
    let checksum: Int

    init(samples: [UInt64], opsPerSample: Int, wallNanoseconds: UInt64, checksum: Int) {
        let sorted = samples.sorted()
        let perCall = Double(opsPerSample)
        func rank(_ fraction: Double) -> Double {
            let index = max(0, min(sorted.count - 1, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / perCall
        }
        self.ops = samples.count * opsPerSample
        self.opsPerSample = opsPerSample
        self.opsPerSecond = Double(self.ops) / (Double(wallNanoseconds) / 1e9)
        self.meanNanoseconds = Double(sorted.reduce(0, +)) / Double(self.ops)
        self.p50Nanoseconds = rank(0.50)
        self.p99Nanoseconds = rank(0.99)
        self.checksum = checksum
    }
}
